# Generator of R reference values for the upper tail of the F distribution, which
# metapool's meta-regression uses for its Knapp-Hartung omnibus test.
#
# Run from the repository root:   Rscript tests/golden/generate_f_distribution.R
# Needs base R only (stats). Writes tests/golden/f_distribution.csv with columns
#   f, df1, df2, value      value = pf(f, df1, df2, lower.tail = FALSE)
# (numbers via sprintf("%.17g")). CI does not run this script; its output is committed.

out <- "tests/golden"
num <- function(x) sprintf("%.17g", x)

f_grid <- c(0, 0.01, 0.1, 0.5, 1, 2, 3.5, 10, 50, 1000, 1e6)
df1_grid <- c(1, 2, 3, 5, 10, 50)
df2_grid <- c(1, 2, 3.5, 5, 10, 30, 100, 1000, 1e5)

rows <- list()
for (d1 in df1_grid) for (d2 in df2_grid) for (f in f_grid) {
  v <- pf(f, d1, d2, lower.tail = FALSE)
  if (is.finite(v) && v >= 1e-300) {
    rows[[length(rows) + 1]] <- data.frame(f = num(f), df1 = num(d1), df2 = num(d2),
                                           value = num(v), stringsAsFactors = FALSE)
  }
}
res <- do.call(rbind, rows)
write.csv(res, file.path(out, "f_distribution.csv"), row.names = FALSE, quote = TRUE)
message(sprintf("wrote %d rows to %s (%s)", nrow(res), file.path(out, "f_distribution.csv"),
                R.version.string))
