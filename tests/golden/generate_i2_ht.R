# Reference values for the Higgins-Thompson (2002) interval for I² (metapool's
# --i2-ci ht option), written here from the paper's formulas (Higgins & Thompson 2002,
# Statistics in Medicine 21:1539-1558, section 4 and appendix A.2), independently of
# metapool's code; Q comes from metafor's fits. metafor 3.8 has no such interval, and
# R's meta package (which has one) is not packaged in Debian, so this is the outside
# check available here.
#   H = sqrt(Q / (k - 1)), floored at 1;
#   SE(ln H) = (ln Q - ln(k - 1)) / (2 (sqrt(2 Q) - sqrt(2 k - 3)))       if Q > k,
#            = sqrt(1 / (2 (k - 2)) * (1 - 1 / (3 (k - 2)^2)))             if Q <= k;
#   H limits exp(ln H -/+ z SE), floored at 1; I² = (H² - 1) / H² (in %).
# Run from the repository root: Rscript tests/golden/generate_i2_ht.R
suppressMessages(library(metafor))
ht <- function(Q, k, level = 0.95) {
  H <- max(1, sqrt(Q / (k - 1)))
  se <- if (Q > k) (log(Q) - log(k - 1)) / (2 * (sqrt(2 * Q) - sqrt(2 * k - 3)))
        else sqrt(1 / (2 * (k - 2)) * (1 - 1 / (3 * (k - 2)^2)))
  z <- qnorm(1 - (1 - level) / 2)
  lim <- pmax(1, exp(log(H) + c(-1, 1) * z * se))
  100 * (lim^2 - 1) / lim^2
}
cases <- list(list("bcg", "RR"), list("normand1999", "MD"), list("hine1989", "RD"),
              list("bcg", "OR"))
rows <- list()
for (cs in cases) {
  d <- read.csv(file.path("tests/golden/inputs", paste0(cs[[1]], ".csv")))
  es <- if ("events_e" %in% names(d)) {
    escalc(measure = cs[[2]], ai = events_e, n1i = n_e, ci = events_c, n2i = n_c, data = d)
  } else {
    escalc(measure = cs[[2]], m1i = mean_e, sd1i = sd_e, n1i = n_e, m2i = mean_c, sd2i = sd_c, n2i = n_c, data = d)
  }
  res <- rma(yi, vi, data = es, method = "FE")
  for (level in c(0.95, 0.9)) {
    lim <- ht(res$QE, res$k, level)
    rows[[length(rows) + 1]] <- data.frame(dataset = cs[[1]], measure = cs[[2]], level = level,
                                           Q = sprintf("%.17g", res$QE), k = res$k,
                                           i2_lower = sprintf("%.17g", lim[1]), i2_upper = sprintf("%.17g", lim[2]))
  }
}
# Q <= k (the second form of the standard error) and small k, from Q alone.
for (qk in list(c(2.5, 5), c(5, 5), c(1, 3), c(40, 4))) {
  lim <- ht(qk[1], qk[2])
  rows[[length(rows) + 1]] <- data.frame(dataset = "", measure = "", level = 0.95, Q = sprintf("%.17g", qk[1]),
                                         k = qk[2], i2_lower = sprintf("%.17g", lim[1]), i2_upper = sprintf("%.17g", lim[2]))
}
write.csv(do.call(rbind, rows), "tests/golden/i2_ht.csv", row.names = FALSE)
