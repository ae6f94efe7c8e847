# Reference values for likelihoods with more than one local maximum (issue: ML/REML
# stopped at 0 or at the nearest peak).
#
# Run from the repository root:   Rscript tests/golden/generate_multimodal.R
# Needs metafor (Debian: r-cran-metafor). Writes tests/golden/multimodal.csv with
#   case, model, method, tau2, b, se, loglik, maxima
# model "rma": intercept only; "mods": rma(yi, vi, mods = ~ x) with x = 1, ..., k.
# tau2, b (intercept), se and loglik are metafor's rma() with a tight threshold; the
# script checks, by a dense scan of metafor's own profile log-likelihood (logLik of
# rma() with tau2 fixed on a grid of 4001 points, 0 and 10^-8 to 10^4), that metafor's
# estimate is the global maximum, and stops otherwise. `maxima` is the number of local
# maxima of that scan (0 counted when the log-likelihood falls from it).
# CI does not run this script; its output is committed.

suppressPackageStartupMessages(library(metafor))
num <- function(x) sprintf("%.17g", x)
ctrl <- list(threshold = 1e-12, maxiter = 10000)
cases <- list(
  two_zeros_and_outlier = list(yi = c(0, 0, 20), vi = c(1, 1, 30)),
  cluster_and_outlier = list(yi = c(-12.004, 0.658, 0.808, 0.483, 0.674, -0.113, -0.4),
                             vi = c(5.895, 0.778, 2.855, 0.653, 3.598, 0.04, 0.019)))
grid <- c(0, 10^seq(-8, 4, length.out = 4000))
rows <- list()
for (case in names(cases)) for (model in c("rma", "mods")) for (method in c("REML", "ML")) {
  d <- cases[[case]]
  x <- seq_along(d$yi)
  fit <- function(...) {
    if (model == "rma") suppressWarnings(rma(d$yi, d$vi, method = method, ...))
    else suppressWarnings(rma(d$yi, d$vi, mods = ~ x, method = method, ...))
  }
  r <- fit(control = ctrl)
  ll <- sapply(grid, function(t) as.numeric(logLik(fit(tau2 = t))))
  if (max(ll) > as.numeric(logLik(r)) + 1e-9)
    stop(sprintf("%s %s %s: metafor's tau2 %g is not the global maximum (scan: %g at %g)",
                 case, model, method, r$tau2, max(ll), grid[which.max(ll)]))
  n <- length(ll)
  interior <- sum(ll[2:(n - 1)] > ll[1:(n - 2)] & ll[2:(n - 1)] >= ll[3:n])
  maxima <- interior + (ll[1] >= ll[2])
  rows[[length(rows) + 1]] <- data.frame(case = case, model = model, method = method,
    tau2 = num(r$tau2), b = num(r$b[1]), se = num(r$se[1]), loglik = num(logLik(r)),
    maxima = maxima)
}
res <- do.call(rbind, rows)
write.csv(res, "tests/golden/multimodal.csv", row.names = FALSE, quote = TRUE)
message(sprintf("wrote %d rows (%s, metafor %s)", nrow(res), R.version.string,
                packageVersion("metafor")))
