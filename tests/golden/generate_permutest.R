# Reference values for the permutation test (metapool::analysis::regression::permutation_test).
# Run from the repository root, after generate_regression.R (it reads the inputs that
# script writes): Rscript tests/golden/generate_permutest.R
#
# For each case, permutest() is run with a seed, and its draws are replayed here under
# the same seed exactly as permutest() makes them (sample(k) of the rows of the model
# matrix, or sample(c(-1, 1), k, replace = TRUE) signs for an intercept-only model; a
# draw whose refit fails is drawn again; the first draw is replaced by the observed
# data). The replay must give permutest()'s p-values to the last bit (checked below),
# so the draws written here are the permutations metafor used.
#
# Writes tests/golden/permutest.csv (case, dataset, rows, mods, method, test, iter,
# seed, exact, quantity, value, call) and tests/golden/permutest_draws.csv (case, draw,
# arrangement: 1-based row indices or signs, space-separated; draws 2..iter).
suppressMessages(library(metafor))
ctrl <- list(threshold = 1e-14, maxiter = 100000, tol = 1e-12)
num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
inputs <- list(bcg_mods = read.csv("tests/golden/inputs/bcg_mods.csv"),
               raudenbush_mods = read.csv("tests/golden/inputs/raudenbush_mods.csv"),
               hackshaw_mods = read.csv("tests/golden/inputs/hackshaw_mods.csv"))
case <- function(id, dataset, rows, mods, method, test, iter, seed, exact = FALSE)
  list(id = id, dataset = dataset, rows = rows, mods = mods, method = method, test = test,
       iter = iter, seed = seed, exact = exact)
cases <- list(
  case("bcg_ablat_REML_z", "bcg_mods", 13, "ablat", "REML", "z", 1000, 1),
  case("bcg_ablat_year_DL_knha", "bcg_mods", 13, "ablat,year", "DL", "knha", 1000, 2),
  case("bcg_alloc_REML_z", "bcg_mods", 13, "alloc", "REML", "z", 1000, 7),
  case("raudenbush_weeks_ML_z", "raudenbush_mods", 19, "weeks", "ML", "z", 1000, 3),
  case("hackshaw_year_HE_knha", "hackshaw_mods", 37, "year", "HE", "knha", 1000, 4),
  case("bcg_intercept_REML_z", "bcg_mods", 13, "", "REML", "z", 1000, 5),
  case("raudenbush_intercept_DL_knha", "raudenbush_mods", 19, "", "DL", "knha", 1000, 6),
  # exact tests: 2^8 = 256 sign patterns (fewer than iter, so exact by metafor's rule),
  # and all 7! row orders when asked for
  case("bcg8_intercept_REML_z", "bcg_mods", 8, "", "REML", "z", 1000, NA),
  case("bcg7_ablat_REML_knha", "bcg_mods", 7, "ablat", "REML", "knha", 1000, NA, exact = TRUE))
formula_of <- function(mods) {
  if (mods == "") return(~ 1)
  terms <- strsplit(mods, ",")[[1]]
  terms <- ifelse(terms %in% c("alloc", "tester", "setting", "design"), sprintf("factor(%s)", terms), terms)
  as.formula(paste("~", paste(terms, collapse = " + ")))
}
out <- list(); draws_out <- list()
for (cs in cases) {
  message(cs$id, " ", format(Sys.time()))
  d <- inputs[[cs$dataset]][seq_len(cs$rows), ]
  f <- formula_of(cs$mods)
  res <- rma(yi, vi, mods = f, data = d, method = cs$method, test = cs$test, control = ctrl)
  call <- sprintf("permutest(rma(yi, vi, mods = %s, data = %s[1:%d, ], method = '%s', test = '%s', control = ctrl), iter = %d%s)",
                  deparse(f), cs$dataset, cs$rows, cs$method, cs$test, cs$iter,
                  if (is.na(cs$seed)) sprintf(", exact = %s", cs$exact) else sprintf(", seed = %d", cs$seed))
  pt <- if (is.na(cs$seed)) permutest(res, iter = cs$iter, exact = cs$exact, progbar = FALSE)
        else permutest(res, iter = cs$iter, seed = cs$seed, progbar = FALSE)
  if (!is.na(cs$seed)) {
    # the replay
    set.seed(cs$seed)
    # permutest() permutes the rows of the model matrix sorted by row content
    k <- res$k; ord <- do.call(order, as.data.frame(res$X)); X <- res$X[ord, , drop = FALSE]
    zs <- matrix(NA_real_, cs$iter, res$p); qm <- rep(NA_real_, cs$iter); arr <- character(cs$iter)
    i <- 1
    while (i <= cs$iter) {
      if (res$int.only) {
        s <- sample(c(-1, 1), k, replace = TRUE)
        r <- try(suppressWarnings(rma(s * res$yi, res$vi, method = cs$method, test = cs$test, control = ctrl)), silent = TRUE)
        a <- paste(s, collapse = " ")
      } else {
        perm <- sample(k)
        r <- try(suppressWarnings(rma(res$yi, res$vi, mods = cbind(X[perm, ]), intercept = FALSE,
                                      method = cs$method, test = cs$test, control = ctrl)), silent = TRUE)
        a <- paste(ord[perm], collapse = " ")  # as rows of the data in their own order
      }
      if (inherits(r, "try-error")) next
      zs[i, ] <- r$zval; qm[i] <- r$QM; arr[i] <- a
      i <- i + 1
    }
    zs[1, ] <- res$zval; qm[1] <- res$QM
    tol <- .Machine$double.eps^0.5
    replay_p <- colMeans(abs(zs) >= matrix(abs(res$zval), cs$iter, res$p, byrow = TRUE) - tol)
    replay_qmp <- mean(qm >= res$QM - tol)
    if (!isTRUE(all.equal(unname(replay_p), unname(pt$pval), tolerance = 0)) || !isTRUE(all.equal(replay_qmp, pt$QMp, tolerance = 0))) { print(cs$id); print(replay_p); print(pt$pval); print(c(replay_qmp, pt$QMp)); stop("replay") }
    draws_out[[length(draws_out) + 1]] <- data.frame(case = cs$id, draw = 2:cs$iter, arrangement = arr[-1])
  }
  out[[length(out) + 1]] <- data.frame(
    case = cs$id, dataset = cs$dataset, rows = cs$rows, mods = cs$mods, method = cs$method,
    test = cs$test, iter = cs$iter, seed = ifelse(is.na(cs$seed), "NA", cs$seed),
    exact = ifelse(is.na(cs$seed), "TRUE", "FALSE"),
    quantity = c(sprintf("pval.%d", seq_along(pt$pval)), "QMp", "QM", sprintf("zval.%d", seq_along(res$zval))),
    value = num(c(pt$pval, pt$QMp, res$QM, res$zval)), call = call)
}
write.csv(do.call(rbind, out), "tests/golden/permutest.csv", row.names = FALSE)
write.csv(do.call(rbind, draws_out), "tests/golden/permutest_draws.csv", row.names = FALSE)
