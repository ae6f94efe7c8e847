# What metafor 3.8-1 does with a sampling variance of 0: for each method, whether rma()
# stops (and with which message) or fits (with its tau2, and whether QE is computed).
# Two data sets: one whose random-effects tau2 is above 0 (REML fits it), one whose
# estimates are nearly equal (REML's tau2 goes to 0 and rma stops).
# Run from the repository root: Rscript tests/golden/generate_zero_variance.R
suppressMessages(library(metafor))
sets <- list(
  heterogeneous = list(yi = c(0.1, 0.3, -0.2, 0.5, 0.25), vi = c(0, 0.02, 0.03, 0.04, 0.01)),
  homogeneous = list(yi = c(0.1, 0.11, 0.09, 0.1), vi = c(0, 0.02, 0.03, 0.04))
)
rows <- list()
for (name in names(sets)) {
  s <- sets[[name]]
  for (m in c("FE", "DL", "REML", "ML", "PM", "EB", "SJ", "HE", "HS")) {
    r <- tryCatch(suppressWarnings(rma(s$yi, s$vi, method = m)),
                  error = function(e) conditionMessage(e))
    rows[[length(rows) + 1]] <- if (is.character(r)) {
      data.frame(dataset = name, method = m, outcome = "stops", tau2 = "", qe = "", message = r)
    } else {
      data.frame(dataset = name, method = m, outcome = "fits", tau2 = sprintf("%.17g", r$tau2),
                 qe = if (is.na(r$QE)) "NA" else sprintf("%.17g", r$QE), message = "")
    }
  }
}
write.csv(do.call(rbind, rows), "tests/golden/zero_variance.csv", row.names = FALSE)
