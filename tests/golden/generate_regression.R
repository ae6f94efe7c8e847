# Reference values for meta-regression (metapool::analysis::regression).
# Run from the repository root: Rscript tests/golden/generate_regression.R
# Writes inputs tests/golden/inputs/bcg_mods.csv (dat.bcg log RRs with ablat, year,
# alloc) and raudenbush_mods.csv (dat.raudenbush1985 with weeks, setting, tester), and
# tests/golden/regression.csv: dataset, mods, method, test, quantity, value, call.
suppressMessages(library(metafor))
ctrl <- list(threshold = 1e-14, maxiter = 100000, tol = 1e-12)
num <- function(x) if (is.character(x)) x else ifelse(is.na(x), "NA", sprintf("%.17g", x))
d <- dat.bcg
e <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = d)
bcg <- data.frame(study = make.unique(paste(d$author, d$year), sep = " #"), yi = e$yi, vi = e$vi,
                  ablat = d$ablat, year = d$year, alloc = d$alloc)
r <- dat.raudenbush1985
rau <- data.frame(study = paste(r$author, r$year), yi = r$yi, vi = r$vi, weeks = r$weeks,
                  setting = r$setting, tester = r$tester)
h <- dat.hackshaw1998
hack <- data.frame(study = make.unique(paste(h$author, h$year), sep = " #"), yi = h$yi, vi = h$vi,
                   year = h$year, design = h$design)
fmt <- function(df) { for (j in seq_along(df)) if (is.numeric(df[[j]])) df[[j]] <- num(df[[j]]); df }
write.csv(fmt(bcg), "tests/golden/inputs/bcg_mods.csv", row.names = FALSE)
write.csv(fmt(rau), "tests/golden/inputs/raudenbush_mods.csv", row.names = FALSE)
write.csv(fmt(hack), "tests/golden/inputs/hackshaw_mods.csv", row.names = FALSE)
hack <- read.csv("tests/golden/inputs/hackshaw_mods.csv")
bcg <- read.csv("tests/golden/inputs/bcg_mods.csv")
rau <- read.csv("tests/golden/inputs/raudenbush_mods.csv")
rows <- list()
add <- function(dataset, mods, method, test, quantity, value, call) {
  if (length(value) == 0) return(invisible())
  rows[[length(rows) + 1]] <<- data.frame(dataset = dataset, mods = mods, method = method, test = test,
                                          quantity = quantity, value = num(value), call = call)
}
cases <- list(list("bcg_mods", bcg, "ablat", ~ ablat), list("bcg_mods", bcg, "ablat,year", ~ ablat + year),
              list("bcg_mods", bcg, "alloc", ~ factor(alloc)), list("raudenbush_mods", rau, "weeks", ~ weeks),
              list("raudenbush_mods", rau, "weeks,tester", ~ weeks + factor(tester)),
              list("hackshaw_mods", hack, "year,design", ~ year + factor(design)))
for (cs in cases) for (method in c("REML", "ML", "DL", "HE", "FE")) for (test in c("z", "knha")) {
  if (method == "FE" && test == "knha") next
  res <- rma(yi, vi, mods = cs[[4]], data = cs[[2]], method = method, test = test, control = ctrl)
  call <- sprintf("rma(yi, vi, mods = %s, data = %s, method = '%s', test = '%s', control = ctrl)",
                  deparse(cs[[4]]), cs[[1]], method, test)
  for (j in seq_along(res$beta)) {
    add(cs[[1]], cs[[3]], method, test, sprintf("beta.%d", j), res$beta[j], call)
    add(cs[[1]], cs[[3]], method, test, sprintf("se.%d", j), res$se[j], call)
    add(cs[[1]], cs[[3]], method, test, sprintf("zval.%d", j), res$zval[j], call)
    add(cs[[1]], cs[[3]], method, test, sprintf("pval.%d", j), res$pval[j], call)
    add(cs[[1]], cs[[3]], method, test, sprintf("ci.lb.%d", j), res$ci.lb[j], call)
    add(cs[[1]], cs[[3]], method, test, sprintf("ci.ub.%d", j), res$ci.ub[j], call)
  }
  for (q in c("tau2", "QE", "QEp", "QM", "QMp", "I2", "H2", "R2", "k", "p"))
    add(cs[[1]], cs[[3]], method, test, q, res[[q]], call)
  add(cs[[1]], cs[[3]], method, test, "coefficients", paste(rownames(res$beta), collapse = ";"), call)
}
out <- do.call(rbind, rows)
# exact permutation tests on the first 7 studies of three data sets
perm <- do.call(rbind, lapply(list(list("bcg_mods", bcg, "ablat", "REML"), list("raudenbush_mods", rau, "weeks", "DL"),
                                  list("hackshaw_mods", hack, "year", "DL")), function(cs) {
  sub <- cs[[2]][1:7, ]
  res <- rma(yi, vi, mods = as.formula(paste("~", cs[[3]])), data = sub, method = cs[[4]], control = ctrl)
  pt <- permutest(res, exact = TRUE)
  data.frame(dataset = paste0(cs[[1]], "[1:7]"), mods = cs[[3]], method = cs[[4]], test = "z",
             quantity = c("perm.pval.1", "perm.pval.2", "perm.QMp"), value = num(c(pt$pval, pt$QMp)),
             call = sprintf("permutest(rma(yi, vi, mods = ~ %s, data = %s[1:7, ], method = '%s'), exact = TRUE)", cs[[3]], cs[[1]], cs[[4]]))
}))
write.csv(rbind(out, perm), "tests/golden/regression.csv", row.names = FALSE)
