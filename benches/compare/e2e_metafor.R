# metafor side of benches/compare/end_to_end.sh: the loop a reviewer would write.
# read.csv of an analysis,study,yi,vi file, split by analysis, rma(yi, vi, method = "REML")
# per group, one CSV row per analysis.
#   Rscript benches/compare/e2e_metafor.R IN.csv OUT.csv
suppressMessages(library(metafor))
args <- commandArgs(TRUE)
b <- read.csv(args[1])
res <- do.call(rbind, lapply(split(b, b$analysis), function(g) {
  r <- tryCatch(rma(yi, vi, data = g, method = "REML", control = list(maxiter = 1000, stepadj = 0.5)),
                error = function(e) NULL)
  if (is.null(r)) return(data.frame(analysis = g$analysis[1], estimate = NA, se = NA, ci.lb = NA, ci.ub = NA, tau2 = NA, QE = NA))
  data.frame(analysis = g$analysis[1], estimate = r$beta[1], se = r$se, ci.lb = r$ci.lb, ci.ub = r$ci.ub, tau2 = r$tau2, QE = r$QE)
}))
write.csv(res, args[2], row.names = FALSE)
