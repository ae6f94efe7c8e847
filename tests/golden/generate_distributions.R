# Generator of R reference values for the distribution functions metapool needs.
#
# Run from the repository root:   Rscript tests/golden/generate_distributions.R
# Needs base R only (stats). Writes tests/golden/distributions.csv with columns
#   fn, arg, df, value          (numbers via sprintf("%.17g"), df "NA" for the normal)
# fn:
#   qnorm         qnorm(p)                          p grid
#   pnorm_upper   pnorm(x, lower.tail = FALSE)      x grid (normal/t)
#   qt            qt(p, df)                         p grid x (df grid + 2.5, 11.3)
#   pt_upper      pt(x, df, lower.tail = FALSE)     x grid (normal/t) x df grid
#   qchisq        qchisq(p, df)                     p grid x df grid
#   pchisq_upper  pchisq(x, df, lower.tail = FALSE) x grid (chisq) x df grid
# CI does not run this script; its output is committed.

out <- "tests/golden"
num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

p_grid <- c(1e-10, 1e-6, 1e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975,
            0.99, 0.995, 0.999, 1 - 1e-6)
df_grid <- c(1, 2, 3, 4, 5, 7, 10, 12, 20, 30, 50, 100, 1000, 100000)
x_grid_nt <- c(0, 0.5, 1, 1.96, 2.5, 3, 5, 8)
x_grid_chisq <- c(0.1, 0.5, 1, 2, 5, 10, 20, 50, 100, 300)

rows <- list()
add <- function(fn, arg, df, value) {
  rows[[length(rows) + 1]] <<- data.frame(fn = fn, arg = num(arg), df = num(df), value = num(value),
                                          stringsAsFactors = FALSE)
}

for (p in p_grid) add("qnorm", p, NA, qnorm(p))
for (x in x_grid_nt) add("pnorm_upper", x, NA, pnorm(x, lower.tail = FALSE))
for (df in c(df_grid, 2.5, 11.3)) for (p in p_grid) add("qt", p, df, qt(p, df))
for (df in df_grid) for (x in x_grid_nt) add("pt_upper", x, df, pt(x, df, lower.tail = FALSE))
for (df in df_grid) for (p in p_grid) add("qchisq", p, df, qchisq(p, df))
for (df in df_grid) for (x in x_grid_chisq) add("pchisq_upper", x, df, pchisq(x, df, lower.tail = FALSE))

# Far tails, out to p = 1e-300 (issue: t tails for 1 and 2 df cancelled): upper tails at
# arguments whose tail probability is at least 1e-300, and quantiles at tiny p.
df_far <- c(1, 2, 3, 10, 1e5)
x_far_t <- c(10, 30, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e10, 1e15, 1e20, 1e50, 1e100,
             1e150, 1e200, 1e299)
x_far_chisq <- c(500, 1000, 1300)
x_far_norm <- c(10, 20, 30, 37)
p_far <- c(1e-20, 1e-50, 1e-100, 1e-200, 1e-300)
keep <- function(v) is.finite(v) && v >= 1e-300
for (x in x_far_norm) add("pnorm_upper", x, NA, pnorm(x, lower.tail = FALSE))
for (p in p_far) add("qnorm", p, NA, qnorm(p))
for (df in df_far) {
  for (x in x_far_t) {
    v <- pt(x, df, lower.tail = FALSE)
    if (keep(v)) add("pt_upper", x, df, v)
  }
  for (p in p_far) add("qt", p, df, qt(p, df))
  for (x in x_far_chisq) {
    v <- pchisq(x, df, lower.tail = FALSE)
    if (keep(v)) add("pchisq_upper", x, df, v)
  }
}

res <- do.call(rbind, rows)
write.csv(res, file.path(out, "distributions.csv"), row.names = FALSE, quote = TRUE)
message(sprintf("wrote %d rows to %s (%s)", nrow(res), file.path(out, "distributions.csv"),
                R.version.string))
