# Reference values for subgroup analyses (metapool::analysis::subgroup).
# Run from the repository root: Rscript tests/golden/generate_subgroups.R
# Writes tests/golden/inputs/bcg_alloc.csv (dat.bcg with subgroup = alloc) and
# tests/golden/subgroups.csv (one value per row).
suppressMessages(library(metafor))
ctrl <- list(threshold = 1e-10, maxiter = 1000, tol = 1e-12)
d <- dat.bcg
inp <- data.frame(study = make.unique(paste(d$author, d$year), sep = " #"),
                  events_e = d$tpos, n_e = d$tpos + d$tneg, events_c = d$cpos, n_c = d$cpos + d$cneg,
                  subgroup = d$alloc)
write.csv(inp, "tests/golden/inputs/bcg_alloc.csv", row.names = FALSE)
rows <- list()
add <- function(dataset, measure, method, group, quantity, value, call)
  rows[[length(rows) + 1]] <<- data.frame(dataset = dataset, measure = measure, method = method, subgroup = group,
                                          quantity = quantity, value = sprintf("%.17g", value), call = call)
yus <- read.csv("tests/golden/inputs/yusuf1985.csv")
rau <- read.csv("tests/golden/inputs/raudenbush_mods.csv")
sets <- list(
  list("bcg_alloc", "RR", escalc(measure = "RR", ai = events_e, n1i = n_e, ci = events_c, n2i = n_c, data = inp)),
  list("yusuf1985", "OR", escalc(measure = "OR", ai = events_e, n1i = n_e, ci = events_c, n2i = n_c, data = yus)),
  list("raudenbush_mods", "GEN", transform(escalc(yi = yi, vi = vi, data = rau), subgroup = tester)))
for (set in sets) for (method in c("DL", "REML")) {
  name <- set[[1]]; es <- set[[3]]
  est <- c(); se <- c()
  for (g in unique(es$subgroup)) {
    s <- es[es$subgroup == g, ]
    fe <- rma(yi, vi, data = s, method = "FE")
    re <- rma(yi, vi, data = s, method = method, control = ctrl)
    add(name, set[[2]], method, g, "fixed.beta", fe$beta[1], "rma(yi, vi, data = s, method = 'FE')")
    add(name, set[[2]], method, g, "fixed.se", fe$se, "rma(yi, vi, data = s, method = 'FE')")
    add(name, set[[2]], method, g, "random.beta", re$beta[1], sprintf("rma(yi, vi, data = s, method = '%s')", method))
    add(name, set[[2]], method, g, "random.se", re$se, sprintf("rma(yi, vi, data = s, method = '%s')", method))
    add(name, set[[2]], method, g, "tau2", re$tau2, sprintf("rma(yi, vi, data = s, method = '%s')", method))
    est <- c(est, re$beta[1]); se <- c(se, re$se)
  }
  qm <- rma(yi, vi, mods = ~ factor(subgroup), data = es, method = "FE")
  add(name, set[[2]], method, "", "fixed.Qbetween", qm$QM, "rma(yi, vi, mods = ~ factor(subgroup), data = es, method = 'FE')$QM")
  add(name, set[[2]], method, "", "fixed.Qbetween.p", qm$QMp, "rma(..., method = 'FE')$QMp")
  rb <- rma(yi = est, sei = se, method = "FE")
  add(name, set[[2]], method, "", "random.Qbetween", rb$QE, "rma(yi = subgroup random estimates, sei = their SEs, method = 'FE')$QE")
  add(name, set[[2]], method, "", "random.Qbetween.p", rb$QEp, "the same, $QEp")
}
write.csv(do.call(rbind, rows), "tests/golden/subgroups.csv", row.names = FALSE)

# Batch reference: one REML fit per table of dat.yusuf1985 (the `subgroup` column of
# tests/golden/inputs/yusuf1985.csv), log odds ratios with escalc defaults.
y <- read.csv("tests/golden/inputs/yusuf1985.csv")
ey <- escalc(measure = "OR", ai = events_e, n1i = n_e, ci = events_c, n2i = n_c, data = y)
batch <- do.call(rbind, lapply(unique(y$subgroup), function(g) {
  fit <- rma(yi, vi, data = ey[ey$subgroup == g, ], method = "REML", control = ctrl)
  data.frame(group = g, k = fit$k, beta = sprintf("%.17g", fit$beta[1]), se = sprintf("%.17g", fit$se),
             tau2 = sprintf("%.17g", fit$tau2), QE = sprintf("%.17g", fit$QE))
}))
write.csv(batch, "tests/golden/batch_yusuf1985.csv", row.names = FALSE)
