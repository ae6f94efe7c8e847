# metafor side of benches/compare/run.sh: prints "task<TAB>seconds per run".
suppressMessages(library(metafor))
dir <- commandArgs(TRUE)[1]
per_run <- function(expr, reps) {
  expr <- substitute(expr)
  times <- replicate(5, system.time(for (i in seq_len(reps)) eval(expr, parent.frame(3)))[["elapsed"]] / reps)
  median(times)
}
d <- read.csv(file.path(dir, "bcg13.csv"))
t <- per_run({ r <- rma(yi, vi, data = d, method = "REML"); predict(r); confint(r) }, 100)
cat(sprintf("k13_reml_ci_pi_qprofile\t%.6e\n", t))
t <- per_run(rma(yi, vi, data = d, method = "DL"), 200)
cat(sprintf("k13_dl\t%.6e\n", t))
t <- per_run(rma(yi, vi, data = d, method = "PM"), 200)
cat(sprintf("k13_pm\t%.6e\n", t))
# 10^4 meta-analyses of 13 studies, CSV to CSV, as a reviewer would loop
out <- tempfile(fileext = ".csv")
t <- system.time({
  b <- read.csv(file.path(dir, "batch10000.csv"))
  res <- do.call(rbind, lapply(split(b, b$ma), function(g) {
    r <- tryCatch(rma(yi, vi, data = g, method = "REML", control = list(maxiter = 1000, stepadj = 0.5)),
                  error = function(e) NULL)
    if (is.null(r)) return(data.frame(ma = g$ma[1], estimate = NA, se = NA, ci.lb = NA, ci.ub = NA, tau2 = NA, QE = NA))
    data.frame(ma = g$ma[1], estimate = r$beta[1], se = r$se, ci.lb = r$ci.lb, ci.ub = r$ci.ub, tau2 = r$tau2, QE = r$QE)
  }))
  write.csv(res, out, row.names = FALSE)
})[["elapsed"]]
cat(sprintf("batch_1e4_k13_csv\t%.6e\n", t))
