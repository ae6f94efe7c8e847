# Reference values for the Higgins-Thompson-Spiegelhalter (2009) prediction interval,
# mu +/- qt(0.975, k - 2) * sqrt(se^2 + tau2), evaluated in R from metafor fits
# (metafor 3.8 has no t(k-2) option in predict(), so the formula is applied to its
# estimates here).
# Run from the repository root: Rscript tests/golden/generate_pi_hts.R
suppressMessages(library(metafor))
ctrl <- list(threshold = 1e-10, maxiter = 1000, tol = 1e-12)
cases <- list(
  list(dataset = "bcg", measure = "RR", method = "REML"),
  list(dataset = "bcg", measure = "RR", method = "DL"),
  list(dataset = "normand1999", measure = "MD", method = "DL"),
  list(dataset = "hine1989", measure = "RD", method = "PM")
)
rows <- list()
for (cs in cases) {
  d <- read.csv(file.path("tests/golden/inputs", paste0(cs$dataset, ".csv")))
  es <- if ("events_e" %in% names(d)) {
    escalc(measure = cs$measure, ai = events_e, n1i = n_e, ci = events_c, n2i = n_c, data = d)
  } else {
    escalc(measure = cs$measure, m1i = mean_e, sd1i = sd_e, n1i = n_e, m2i = mean_c, sd2i = sd_c, n2i = n_c, data = d)
  }
  res <- rma(yi, vi, data = es, method = cs$method, control = ctrl)
  half <- qt(0.975, res$k - 2) * sqrt(res$se^2 + res$tau2)
  rows[[length(rows) + 1]] <- data.frame(dataset = cs$dataset, measure = cs$measure, method = cs$method,
                                         pi_lower = sprintf("%.17g", res$beta[1] - half),
                                         pi_upper = sprintf("%.17g", res$beta[1] + half))
}
write.csv(do.call(rbind, rows), "tests/golden/pi_hts.csv", row.names = FALSE)
