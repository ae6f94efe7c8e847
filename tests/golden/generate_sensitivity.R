# Reference values for leave-one-out, cumulative meta-analysis and influence diagnostics
# (metapool::analysis::sensitivity). Run from the repository root:
#   Rscript tests/golden/generate_sensitivity.R
# Writes tests/golden/sensitivity.csv: dataset, measure, method, analysis, study (1-based
# row of the input file), quantity, value, call.
suppressMessages(library(metafor))
# Fisher scoring converges slowly on some leave-one-out and cumulative refits; with
# threshold 1e-10 REML stops up to 2e-7 (relative) short of the maximum, so the
# threshold is tighter here.
ctrl <- list(threshold = 1e-14, maxiter = 100000, tol = 1e-12)
num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
effects <- function(name, measure) {
  d <- read.csv(file.path("tests/golden/inputs", paste0(name, ".csv")))
  if ("events_e" %in% names(d)) {
    escalc(measure = measure, ai = events_e, n1i = n_e, ci = events_c, n2i = n_c, data = d)
  } else if ("mean_e" %in% names(d)) {
    escalc(measure = measure, m1i = mean_e, sd1i = sd_e, n1i = n_e, m2i = mean_c, sd2i = sd_c, n2i = n_c, data = d)
  } else {
    escalc(yi = yi, vi = vi, data = d)
  }
}
rows <- list()
add <- function(dataset, measure, method, analysis, study, quantity, value, call) {
  if (length(value) == 0) return(invisible())  # not reported for this model (tau2 of FE fits)
  rows[[length(rows) + 1]] <<- data.frame(dataset = dataset, measure = measure, method = method, analysis = analysis,
                                          study = study, quantity = quantity, value = num(value), call = call)
}
cases <- list(c("bcg", "RR", "REML"), c("bcg", "RR", "DL"), c("normand1999", "MD", "DL"),
              c("raudenbush1985", "GEN", "REML"), c("hine1989", "RD", "FE"))
for (cs in cases) {
  es <- effects(cs[1], cs[2])
  res <- rma(yi, vi, data = es, method = cs[3], control = ctrl)
  call <- sprintf("rma(yi, vi, data = es, method = '%s', control = ctrl)", cs[3])
  l <- leave1out(res)
  for (q in c("estimate", "se", "zval", "pval", "ci.lb", "ci.ub", "Q", "Qp", "tau2", "I2", "H2"))
    for (i in seq_along(l$estimate)) add(cs[1], cs[2], cs[3], "leave1out", i, q, l[[q]][i], paste0("leave1out(", call, ")"))
  cu <- cumul(res)
  for (q in c("estimate", "se", "zval", "pvals", "ci.lb", "ci.ub", "Q", "Qp", "tau2", "I2", "H2"))
    for (i in seq_along(cu$estimate)) add(cs[1], cs[2], cs[3], "cumul", i, sub("pvals", "pval", q), cu[[q]][i], paste0("cumul(", call, ")"))
  inf <- influence(res)
  for (q in c("rstudent", "dffits", "cook.d", "cov.r", "tau2.del", "QE.del", "hat", "weight"))
    for (i in seq_along(inf$inf$rstudent)) add(cs[1], cs[2], cs[3], "influence", i, q, inf$inf[[q]][i], paste0("influence(", call, ")"))
}
write.csv(do.call(rbind, rows), "tests/golden/sensitivity.csv", row.names = FALSE)
