# Fits every data set of generic.csv and binary.csv with metafor and checks the ML/REML
# (and PM/EB) tau^2 of metafor against the independent reference of common.R.
#
# Run from the repository root after generate.R:   Rscript tests/differential/fit.R
# Writes:
#   tests/differential/expected.csv  one row per (id, measure, fit, method, test): the
#       expected tau2 b se ci.lb ci.ub zval pval QE QEp I2 H2 pi.lb pi.ub, and `source`:
#         metafor    the free metafor fit (closed-form estimators DL SJ HE HS; rma.mh)
#         reference  metafor at tau2 fixed to the reference value, rma(..., tau2 = <ref>)
#                    (iterative estimators REML ML PM EB always: the reference decides
#                    tau2; closed forms where metafor's tau2 differs from the stable formula)
#       For every rma row QE, QEp, I2 and H2 are replaced by the stable formulas of common.R
#       where metafor's differ beyond tolerance (one tiny variance: cancellation).
#       `note` holds metafor's error message when it stopped ("" otherwise).
#   tests/differential/scan.csv  one row per (id, measure, method in REML ML PM EB): the
#       reference tau2, its (restricted) log-likelihood, the number of local maxima and the
#       maxima themselves (ML/REML), metafor's free-fit tau2 and status, metafor's tau2 when
#       started at the reference (tau2.init), and the class of the comparison (see README).
#   tests/differential/differences.csv  every expected value that is not metafor's free fit:
#       id, measure, method, test, key, metafor, reference, class, metafor_status.
#   tests/differential/versions.txt
# CI does not run this script; its outputs are committed.

suppressMessages(library(metafor))
source("tests/differential/common.R")
out <- "tests/differential"
num <- function(x) ifelse(is.na(x) & !is.nan(x), "NA", sprintf("%.15g", x))

ctrl <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-12)
methods <- c("DL", "REML", "ML", "PM", "EB", "SJ", "HE", "HS")
iterative <- c("REML", "ML", "PM", "EB")
tests <- c("z", "knha")
keys <- c("tau2", "b", "se", "ci.lb", "ci.ub", "zval", "pval", "QE", "QEp", "I2", "H2",
          "pi.lb", "pi.ub")

# The absolute floor of tau2 comparisons: 1e-10 times the typical within-study variance
# (k - 1) / (sum w - sum w^2 / sum w) (the variance itself for k = 1). The Rust test uses the same.
tau2_floor <- function(v) {
  if (length(v) < 2) return(1e-10 * v[1])
  1e-10 * (length(v) - 1) / trace_p(1 / v)
}

exp_rows <- list()
scan_rows <- list()
diff_rows <- list()
vals_of <- function(res) {
  vals <- setNames(rep(NA_real_, length(keys)), keys)
  if (is.null(res)) return(vals)
  p <- if (inherits(res, "rma.mh")) NULL else tryCatch(predict(res), error = function(e) NULL)
  vals[] <- c(if (is.null(res$tau2)) NA else res$tau2, res$b[1], res$se, res$ci.lb, res$ci.ub,
              res$zval, res$pval, res$QE, res$QEp, res$I2, res$H2,
              if (is.null(p)) NA else p$pi.lb, if (is.null(p)) NA else p$pi.ub)
  vals
}
clean <- function(s) gsub("[\r\n,\"]+", " ", s)
emit <- function(id, measure, fit, method, test, source, vals, note = "") {
  exp_rows[[length(exp_rows) + 1]] <<- c(id = id, measure = measure, fit = fit, method = method,
                                         test = test, source = source, num(vals),
                                         note = clean(note))
}
# A documented difference: the expected value of `key` is not metafor's free-fit value.
differ <- function(id, measure, method, test, key, metafor, reference, class, status = "") {
  diff_rows[[length(diff_rows) + 1]] <<- c(id = id, measure = measure, method = method,
                                           test = test, key = key, metafor = num(metafor),
                                           reference = num(reference), class = class,
                                           metafor_status = clean(status))
}
# metafor's fit with its error or warnings recorded (and warnings muffled).
try_fit <- function(expr) {
  warns <- character(0)
  res <- tryCatch(withCallingHandlers(expr, warning = function(w) {
    warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning")
  }), error = function(e) structure(conditionMessage(e), class = "fit_error"))
  if (inherits(res, "fit_error")) return(list(res = NULL, err = as.character(res), warn = warns))
  list(res = res, err = "", warn = warns)
}
status_of <- function(f) {
  if (f$err != "") paste("error:", f$err)
  else if (length(f$warn)) paste("warning:", paste(f$warn, collapse = " / "))
  else "ok"
}
same <- function(a, b, floor) abs(a - b) <= 1e-8 * abs(b) + floor

# Q, QEp, I2, H2 of a fit with tau2 `t`, from the stable formulas of common.R; metafor's
# values are replaced (and the difference documented) when they differ beyond tolerance.
stable_heterogeneity <- function(vals, id, measure, method, test, y, v, cls = "cancellation") {
  k <- length(y)
  if (k < 2) return(vals)
  t <- vals[["tau2"]]
  q <- gen_q(0, y, v)
  vt <- typical_v(v)
  want <- c(QE = q, QEp = pchisq(q, k - 1, lower.tail = FALSE),
            I2 = 100 * t / (vt + t), H2 = 1 + t / vt)
  floors <- c(QE = 1e-10, QEp = 1e-12, I2 = 1e-10, H2 = 1e-10)
  for (key in names(want)) {
    if (!is.na(vals[[key]]) && !same(vals[[key]], want[[key]], floors[[key]])) {
      differ(id, measure, method, test, key, vals[[key]], want[[key]], cls)
      vals[[key]] <- want[[key]]
    }
  }
  vals
}

fit_yv <- function(id, measure, y, v) {
  vt_floor <- tau2_floor(v)
  for (m in methods) {
    if (!(m %in% iterative)) {
      # Closed forms: metafor's fit, unless its tau2 differs from the stable formula.
      ref <- closed_form(m, y, v)
      for (tt in tests) {
        f <- try_fit(rma(y, v, method = m, test = tt, control = ctrl))
        vals <- vals_of(f$res)
        source <- "metafor"
        if (!is.null(f$res) && !same(f$res$tau2, ref, vt_floor)) {
          differ(id, measure, m, tt, "tau2", f$res$tau2, ref, "cancellation", status_of(f))
          f <- try_fit(rma(y, v, method = m, tau2 = ref, test = tt, control = ctrl))
          vals <- vals_of(f$res)
          source <- "reference"
        }
        if (!is.null(f$res)) vals <- stable_heterogeneity(vals, id, measure, m, tt, y, v)
        emit(id, measure, "rma", m, tt, source, vals, if (f$err != "") paste("error:", f$err) else "")
      }
      next
    }
    reml <- m == "REML"
    if (m %in% c("REML", "ML")) {
      s <- scan_ml(y, v, reml)
    } else {
      t0 <- ref_pm(y, v)
      s <- list(tau2 = t0, ll = NA, n_local = NA, maxima = t0, lls = NA, tie = FALSE)
    }
    ref <- s$tau2
    free <- try_fit(rma(y, v, method = m, control = ctrl))
    init <- try_fit(rma(y, v, method = m, control = modifyList(ctrl, list(tau2.init = ref, maxiter = 1000))))
    mf <- if (is.null(free$res)) NA else free$res$tau2
    mf_init <- if (is.null(init$res)) NA else init$res$tau2
    # Is the reference at least as good as metafor's value? (a higher likelihood; a
    # smaller |Q(tau2) - (k - 1)|)
    better <- function(t) {
      if (m %in% c("REML", "ML")) loglik(ref, y, v, reml) >= loglik(t, y, v, reml) - 1e-13 * abs(s$ll)
      else abs(gen_q(ref, y, v) - (length(y) - 1)) <= abs(gen_q(t, y, v) - (length(y) - 1))
    }
    others <- s$maxima[-which(s$maxima == ref)[1]]
    cls <- if (!is.na(mf) && same(mf, ref, vt_floor)) "agree"
      else if (is.na(mf)) "metafor_error"
      else if (m %in% c("REML", "ML") && any(abs(mf - others) <= 1e-6 * others + vt_floor)) "local_peak"
      else if (m %in% c("REML", "ML") && mf == 0 && any(grepl("local maximum", free$warn))) "zero_after_local_peak"
      else if (better(mf)) "stopped_early"
      else "unexplained"
    if (s$tie) cls <- "tie"
    scan_rows[[length(scan_rows) + 1]] <<- c(
      id = id, measure = measure, method = m, ref_tau2 = num(ref), ref_ll = num(s$ll),
      n_local = s$n_local, maxima = paste(num(s$maxima), collapse = ";"),
      metafor_tau2 = num(mf), metafor_ll = num(if (is.na(mf) || m %in% c("PM", "EB")) NA
                                                else loglik(mf, y, v, reml)),
      metafor_status = clean(status_of(free)), metafor_from_ref = num(mf_init), class = cls)
    if (cls != "agree") differ(id, measure, m, "", "tau2", mf, ref, cls, status_of(free))
    for (tt in tests) {
      f <- try_fit(rma(y, v, method = m, tau2 = ref, test = tt, control = ctrl))
      vals <- vals_of(f$res)
      if (!is.null(f$res)) vals <- stable_heterogeneity(vals, id, measure, m, tt, y, v)
      emit(id, measure, "rma", m, tt, "reference", vals, if (f$err != "") paste("error:", f$err) else "")
    }
  }
}

gen <- read.csv(file.path(out, "generic.csv"), stringsAsFactors = FALSE)
bin <- read.csv(file.path(out, "binary.csv"), stringsAsFactors = FALSE)
# For trials: DIFF_ONLY="g0001 b0002" fits only those data sets, DIFF_OUT writes elsewhere.
only <- strsplit(Sys.getenv("DIFF_ONLY"), " +")[[1]]
if (length(only)) { gen <- gen[gen$id %in% only, ]; bin <- bin[bin$id %in% only, ] }
out <- Sys.getenv("DIFF_OUT", out)
for (id in unique(gen$id)) {
  d <- gen[gen$id == id, ]
  fit_yv(id, "GEN", as.double(d$yi), as.double(d$vi))
}
cat("generic done\n")
for (id in unique(bin$id)) {
  d <- bin[bin$id == id, ]
  for (measure in c("OR", "RR")) {
    es <- escalc(measure = measure, ai = events_e, n1i = n_e, ci = events_c, n2i = n_c, data = d)
    fit_yv(id, measure, as.double(es$yi), as.double(es$vi))
    f <- try_fit(rma.mh(ai = events_e, n1i = n_e, ci = events_c, n2i = n_c, data = d,
                        measure = measure))
    emit(id, measure, "rma.mh", "MH", "z", "metafor", vals_of(f$res),
         if (f$err != "") paste("error:", f$err) else "")
  }
}
cat("binary done\n")

expected <- as.data.frame(do.call(rbind, exp_rows), stringsAsFactors = FALSE)
scan <- as.data.frame(do.call(rbind, scan_rows), stringsAsFactors = FALSE)
write.csv(expected, file.path(out, "expected.csv"), row.names = FALSE, quote = FALSE)
write.csv(scan, file.path(out, "scan.csv"), row.names = FALSE, quote = FALSE)
differences <- as.data.frame(do.call(rbind, diff_rows), stringsAsFactors = FALSE)
write.csv(differences, file.path(out, "differences.csv"), row.names = FALSE, quote = FALSE)
print(table(differences$class, differences$key))
writeLines(c(R.version.string, paste("metafor", packageVersion("metafor"))),
           file.path(out, "versions.txt"))
print(table(scan$method, scan$class))
cat("data sets with two or more local maxima (ML or REML):",
    length(unique(scan$id[scan$method %in% c("ML", "REML") & as.integer(scan$n_local) >= 2])), "\n")
