# Generator of the golden reference values for metapool's pooled models
# (rma, rma.mh, rma.peto, predict, confint).
#
# Run from the repository root:   Rscript tests/golden/generate_rma.R
# Needs R with metafor and metadat (Debian: apt-get install r-cran-metafor r-cran-metadat).
# Reads the committed study tables in tests/golden/inputs/ (written by generate.R, plus the
# new generic/tiny inputs written at the top of this script), so R and Rust see the same numbers.
# Writes:
#   tests/golden/inputs/{raudenbush1985,molloy2014,bcg_k2,bcg_k3}.csv   (new inputs, see below)
#   tests/golden/rma.csv        long format, one value per row:
#                               dataset, measure, fit, method, test, quantity, value, call
#   tests/golden/versions.txt   R / metafor / metadat versions (rewritten, same content as generate.R)
# CI does not run this script; its outputs are committed.
#
# fit values:
#   "escalc"   yi.<i>, vi.<i>: the effect sizes the rma fits use (escalc defaults: add=1/2,
#              to="only0", drop00=FALSE; generic inputs: as read / as converted).
#   "rma"      method in FE, DL, REML, ML, PM, EB, SJ, HE, HS; test in z, t, knha, adhoc.
#              quantities: beta se zval pval ci.lb ci.ub tau2 se.tau2 QE QEp I2 H2 vt k,
#              dfs (test t/knha/adhoc only), s2w (knha/adhoc only: the scale factor applied to
#              the variance of beta, after the adhoc floor), weight.<i> (weights(res), percent),
#              pi.lb pi.ub (predict(res); random-effects methods only),
#              tau2.lb tau2.ub I2.lb I2.ub H2.lb H2.ub (confint(res), Q-profile; not FE),
#              tau2.lb.sign tau2.ub.sign ("=", "<" or ">", see F6) and ci.null (0/1),
#              iterations (REML/ML/EB: Fisher scoring iterations reported by verbose=TRUE),
#              warning / error (message text in value).
#   "rma.mh"   method "MH", test "z", measure OR/RR/RD: beta se zval pval ci.lb ci.ub QE QEp I2 H2
#              k k.yi, and for OR: MH MHp (CMH test, continuity-corrected), CO COp (Cochran),
#              BD BDp (Breslow-Day), TA TAp (Tarone-corrected Breslow-Day).
#   "rma.peto" method "PETO", measure "PETO", test "z": beta se zval pval ci.lb ci.ub QE QEp I2 H2 k k.yi.
# The call column holds the literal R call that produced the row's value (they are eval'd from
# that very string). In it, `d` is the input table as read from tests/golden/inputs/<dataset>.csv
# (numeric columns as double), `es` the escalc result of the same (dataset, measure), and `res`
# the rma fit of the same (dataset, measure, method, test) row group.
#
# Tolerances: the rma fits use control=list(threshold=1e-10, maxiter=1000, tol=1e-12) so that
# the iterative estimators (REML/ML/EB Fisher scoring: 'threshold'; PM: uniroot 'tol') are
# converged far beyond the package defaults (threshold 1e-5, tol .Machine$double.eps^0.25).
# confint() is called with control=list(tol=1e-12) for the same reason (its default uniroot tol
# is .Machine$double.eps^0.25 ~ 1.2e-4, i.e. default printed bounds are only good to ~1e-4).
#
# ---------------------------------------------------------------------------------------------
# FACTS VERIFIED BY EXPERIMENT (metafor 3.8-1). Each is re-checked on every data set by
# check_rma_facts() / check_mh_facts() below, which recompute the quantity from first principles
# (not from metafor code) and stop the script if metafor disagrees (all.equal tolerance 1e-8).
#
#  F1  Cochran's Q (QE) in rma() is always the fixed-effect Q: sum w_i (y_i - ybar_w)^2 with
#      w_i = 1/v_i, regardless of method; df = k - 1.
#  F2  I2 / H2 in rma():
#        FE:  I2 = max(0, 100 (Q - (k-1)) / Q),  H2 = Q / (k-1).
#        RE:  I2 = 100 tau2 / (vt + tau2),  H2 = 1 + tau2 / vt, where the "typical within-study
#             variance" vt = (k-1) / (sum w - sum w^2 / sum w), w = 1/v_i (Higgins & Thompson).
#      (so for DL the RE I2 equals the Q-based I2 when tau2 > 0.)
#  F3  Estimators (intercept-only, p = 1):
#        DL  tau2 = max(0, (Q - (k-1)) / (sum w - sum w^2/sum w)).
#        HE  tau2 = max(0, (sum (y - ybar)^2 - (k-1)/k * sum v) / (k-1)), unweighted ybar;
#            i.e. (unweighted RSS - trace(P V)) / (k - 1) with P the unweighted centering matrix.
#        HS  tau2 = max(0, (Q - k) / sum w)   (note: k, not k-1).
#        SJ  one step, NOT iterated: tau2_0 = sum (y - ybar)^2 / k (unweighted mean, divisor k);
#            tau2 = tau2_0 * Q(tau2_0) / (k-1), where Q(t) = sum (y - ybar_t)^2 / (v + t) with
#            ybar_t the weighted mean under weights 1/(v+t). Never negative, never truncated.
#        PM  root of Q(t) = k-1 on [0, max(100, 10*mad(y)^2)] (uniroot); 0 if Q(0) < k-1.
#        EB  same fixed point as PM (Q(t) = k-1), reached by Morris' update
#            t += (Q(t) k/(k-1) - k) / sum 1/(v+t); starts at HE value (truncated at 0).
#            With threshold 1e-10 EB and PM tau2 agree to ~1e-11 absolute (not to the last bit).
#        REML/ML  Fisher scoring starting from the HE value (truncated at 0; checked with
#            verbose=TRUE: "Iteration 0" prints the HE estimate), step halving to stay
#            >= 0; converged when |change| < threshold.  After convergence metafor compares the
#            (restricted) log-likelihood at tau2 with the value at tau2 = 0 and sets tau2 = 0 (with a
#            warning) if the latter is larger by more than control$tol.
#  F4  test="t": t distribution with k-1 df for pval and CI, se unchanged.
#      test="knha": vb scaled by s2w = Q_RE / (k-1), Q_RE = sum (y - beta)^2/(v + tau2); t_{k-1}.
#        If Q_RE <= .Machine$double.eps then s2w = 0 (se becomes 0!).
#      test="adhoc": as knha but s2w = max(1, s2w) (Jackson et al. 2017, sec 4.3); t_{k-1}.
#      For FE with knha/adhoc metafor warns but still applies the scaling (with tau2 = 0).
#      res$ddf = k - 1 for t/knha/adhoc (NA for z).
#  F5  predict(): pi = beta -/+ crit * sqrt(se^2 + tau2), where se is the (possibly knha-scaled)
#      se of beta and crit = qnorm(.975) for test="z", qt(.975, k-1) for t/knha/adhoc (NOT k-2).
#      For FE models predict() gives no pi.
#  F6  confint() Q-profile (type "QP"): bounds solve Q(t) = qchisq(.975, k-1) (lower bound) and
#      Q(t) = qchisq(.025, k-1) (upper bound), searched on [0, max(100, 10*tau2)].
#        If Q(0) < qchisq(.975, k-1) the lower bound is 0 (no crossing);
#        if Q(0) < qchisq(.025, k-1) both bounds are 0 (metafor prints "null set"; ci.null = 1);
#        if Q(tau2.max) > qchisq(.025, k-1) the upper bound is the search limit tau2.max itself
#        (e.g. bcg_k2: tau2.ub = 100, printed ">100"; tau2.ub.sign = ">"). Same for the lower bound
#        (both = tau2.max) if Q(tau2.max) > qchisq(.975, k-1).
#      tau2.lb.sign / tau2.ub.sign record metafor's flag: "=" (a root, or 0 at the boundary),
#      "<" (below tau2.min, i.e. null set), ">" (at/above the search limit tau2.max).
#      I2/H2 bounds are the tau2 bounds mapped with the same vt as F2:
#        I2 = 100 t / (vt + t), H2 = 1 + t / vt. The CI is the same for every method/test
#      (only the search interval max(100, 10*tau2) depends on the estimate -- which matters:
#      normand1999 MD has a Q-profile upper bound of 2889.45, but for DL (tau2 = 205.4) and HS
#      (tau2 = 134.5) the search stops at 10*tau2 and confint reports tau2.ub = 10*tau2 with
#      tau2.ub.sign ">"; for the other methods it reports 2889.45).
#  F7  rma.mh (defaults add=1/2, to="only0", drop00=TRUE, correct=TRUE):
#      - The MH estimate and its variance use the RAW cell counts: nothing is added to any cell
#        (add[2]=0, to[2]="none") and double-zero tables stay in the MH sums (drop00[2]=FALSE),
#        where they matter only for RD (they add n1 n2/N to the denominator).
#      - Variances: OR Robins-Breslow-Greenland; RR Greenland-Robins (1985);
#        RD Sato, Greenland & Robins (1989) variance (the one valid in both sparse and
#        large-strata limits; it is NOT the Greenland-Robins 1985 RD variance
#        sum((a b n2^3 + c d n1^3)/(n1 n2 N^2)) / (sum n1 n2/N)^2 -- for hine1989 the two give
#        se 0.0133343625 vs 0.0133140669):  var = [RD * sum(c n1^2/N^2 - a n2^2/N^2 + n1 n2 (n2-n1)/(2 N^2))
#                                      + sum[(a (n2-c) + c (n1-a)) / (2N)]] / (sum n1 n2/N)^2.
#      - QE = sum (y_i - beta_MH)^2 / v_i (inverse-variance weights, centred at the MH estimate,
#        NOT at the IV mean), using escalc(measure, add=1/2, to="only0", drop00=TRUE) y_i, v_i, i.e.
#        0.5 added to all four cells of tables with a zero, and double-zero tables DROPPED from Q.
#        df = k.yi - 1 where k.yi = number of tables that are not double-zero; I2 = max(0,100(Q-df)/Q),
#        H2 = Q/df. res$k counts all tables.
#      - MH (CMH) = (|sum(a - n1 m1/N)| - 0.5)^2 / sum(n1 n2 m1 m0 / (N^2 (N-1)));
#        CO (Cochran) is the same with N instead of N-1 in the variance term. Both continuity
#        corrected (correct=TRUE).
#      - TA (Tarone) = BD - (sum(a - E))^2 / sum(1/V), sums over tables with E>0, m1>0, m0>0, where E
#        is the expected a under the MH OR; df = (number of such tables) - 1.
#  F8  rma.peto: O-E = a - n1 m1/N, V = m1 m0 n1 n2 / (N^2 (N-1)) on raw counts (no additions),
#      beta = sum(O-E)/sum V, se = 1/sqrt(sum V); QE = sum (O-E)^2/V - (sum(O-E))^2/sum V over
#      tables with V > 0; df = k.yi - 1 with double-zero tables dropped (drop00=TRUE).
#  F9  weights(res) = 100 w_i / sum w, w_i = 1/(v_i + tau2), independent of test.
#  F10 rma(method="FE") reports tau2 = 0 and se.tau2 = NA.
#  F11 The rma() fits here use escalc defaults (drop00=FALSE): double-zero studies ARE in the rma
#      fits (with 1/2 added to all cells), unlike rma.mh/rma.peto's Q (drop00=TRUE), where metafor
#      warns "Some yi/vi values are NA." (recorded as warning rows).
# ---------------------------------------------------------------------------------------------

suppressMessages(library(metafor))
options(warn = 1)
out <- "tests/golden"
inp <- file.path(out, "inputs")

num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

write_table <- function(name, df) {
  for (j in seq_along(df)) if (is.numeric(df[[j]])) df[[j]] <- num(df[[j]])
  write.csv(df, file.path(inp, paste0(name, ".csv")), row.names = FALSE, quote = TRUE)
}
label <- function(...) make.unique(paste(...), sep = " #")
read_input <- function(name) {
  d <- read.csv(file.path(inp, paste0(name, ".csv")), colClasses = c(study = "character"),
                check.names = FALSE, stringsAsFactors = FALSE)
  for (j in seq_along(d)) if (is.numeric(d[[j]])) d[[j]] <- as.double(d[[j]])  # as Rust: f64
  d
}

## ---- new inputs ------------------------------------------------------------------------------
# metadat::dat.raudenbush1985 (teacher expectancy, SMDs as published): study,yi,vi
d <- dat.raudenbush1985
write_table("raudenbush1985", data.frame(study = label(d$author, d$year), yi = d$yi, vi = d$vi))

# metadat::dat.molloy2014 (conscientiousness and medication adherence, correlations):
# Fisher z via escalc(measure="ZCOR"), written as study,yi,vi
d <- dat.molloy2014
e <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = d)
write_table("molloy2014", data.frame(study = label(d$authors, d$year), yi = e$yi, vi = e$vi))

# metadat::dat.bcg, first 2 and first 3 trials (tiny k), same layout as bcg.csv
d <- dat.bcg
bcg_all <- data.frame(study = label(d$author, d$year), events_e = d$tpos, n_e = d$tpos + d$tneg,
                      events_c = d$cpos, n_c = d$cpos + d$cneg, ablat = d$ablat)
write_table("bcg_k2", bcg_all[1:2, ])
write_table("bcg_k3", bcg_all[1:3, ])
stopifnot(identical(read_input("bcg_k3")$study, read_input("bcg")$study[1:3]))

## ---- cases -----------------------------------------------------------------------------------
binary_sets <- c("bcg", "collins1985a", "nielweise2007", "yusuf1985", "axfors2021", "hine1989",
                 "bcg_k2", "bcg_k3")
cases <- list(
  list(ds = "bcg",             type = "binary",     measure = "RR"),
  list(ds = "bcg",             type = "binary",     measure = "OR"),
  list(ds = "collins1985a",    type = "binary",     measure = "OR"),
  list(ds = "nielweise2007",   type = "binary",     measure = "OR"),
  list(ds = "yusuf1985",       type = "binary",     measure = "OR"),
  list(ds = "axfors2021",      type = "binary",     measure = "RR"),
  list(ds = "hine1989",        type = "binary",     measure = "RD"),
  list(ds = "hine1989",        type = "binary",     measure = "RR"),
  list(ds = "bcg_k2",          type = "binary",     measure = "RR"),
  list(ds = "bcg_k3",          type = "binary",     measure = "RR"),
  list(ds = "normand1999",     type = "continuous", measure = "MD"),
  list(ds = "normand1999",     type = "continuous", measure = "SMD"),
  list(ds = "curtis1998",      type = "continuous", measure = "ROM"),
  list(ds = "gibson2002",      type = "continuous", measure = "SMD"),
  list(ds = "bcg_yi_vi",       type = "yi_vi",      measure = "GEN"),
  list(ds = "raudenbush1985",  type = "yi_vi",      measure = "GEN"),
  list(ds = "molloy2014",      type = "yi_vi",      measure = "GEN"),
  list(ds = "hackshaw1998_ci", type = "ci",         measure = "OR")
)
methods <- c("FE", "DL", "REML", "ML", "PM", "EB", "SJ", "HE", "HS")
tests <- c("z", "t", "knha", "adhoc")
ctrl <- "control=list(threshold=1e-10, maxiter=1000, tol=1e-12)"
ci_ctrl <- "control=list(tol=1e-12)"

## ---- helpers ---------------------------------------------------------------------------------
rows <- list()
emit <- function(dataset, measure, fit, method, test, quantity, value, call) {
  if (is.numeric(value) || is.logical(value)) value <- num(as.numeric(value))
  value <- gsub("[\r\n]+", " ", value)
  rows[[length(rows) + 1]] <<- data.frame(dataset = dataset, measure = measure, fit = fit,
                                          method = method, test = test, quantity = quantity,
                                          value = value, call = call, stringsAsFactors = FALSE)
}

# evaluate a call string; collect warnings, catch errors
run <- function(call, env) {
  warns <- character(0)
  val <- withCallingHandlers(
    tryCatch(eval(parse(text = call), envir = env), error = function(e) e),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  list(value = val, warnings = warns, error = inherits(val, "error"))
}

effect_sizes <- function(cs, d, env) {
  if (cs$type == "binary") {
    call <- sprintf('escalc(measure="%s", ai=events_e, n1i=n_e, ci=events_c, n2i=n_c, data=d)', cs$measure)
  } else if (cs$type == "continuous") {
    call <- sprintf('escalc(measure="%s", m1i=mean_e, sd1i=sd_e, n1i=n_e, m2i=mean_c, sd2i=sd_c, n2i=n_c, data=d)',
                    cs$measure)
  } else if (cs$type == "yi_vi") {
    call <- "data.frame(yi=d$yi, vi=d$vi)"
  } else {
    call <- "data.frame(yi=log(d$estimate), vi=((log(d$ci_upper)-log(d$ci_lower))/(2*qnorm(0.975)))^2)"
  }
  r <- run(call, env)
  if (r$error) stop(conditionMessage(r$value))
  for (w in r$warnings) emit(cs$ds, cs$measure, "escalc", "", "", "warning", w, call)
  es <- r$value
  for (i in seq_len(nrow(es))) {
    emit(cs$ds, cs$measure, "escalc", "", "", paste0("yi.", i), as.numeric(es$yi[i]), call)
    emit(cs$ds, cs$measure, "escalc", "", "", paste0("vi.", i), as.numeric(es$vi[i]), call)
  }
  es
}

## ---- rma fits --------------------------------------------------------------------------------
fit_rma <- function(cs, env, method, test) {
  E <- function(q, v, call) emit(cs$ds, cs$measure, "rma", method, test, q, v, call)
  call <- sprintf('rma(yi, vi, data=es, method="%s", test="%s", %s)', method, test, ctrl)
  r <- run(call, env)
  for (w in r$warnings) E("warning", w, call)
  if (r$error) { E("error", conditionMessage(r$value), call); return(invisible()) }
  res <- r$value
  assign("res", res, envir = env)
  for (q in c("beta", "se", "zval", "pval", "ci.lb", "ci.ub", "tau2", "se.tau2", "QE", "QEp",
              "I2", "H2", "vt", "k"))
    E(q, as.numeric(res[[q]]), call)
  if (test != "z") E("dfs", res$ddf, call)
  if (test %in% c("knha", "adhoc")) E("s2w", res$s2w, call)
  wcall <- "weights(res)"
  w <- run(wcall, env)
  for (x in w$warnings) E("warning", x, wcall)
  if (!w$error) for (i in seq_along(w$value)) E(paste0("weight.", i), unname(w$value[i]), wcall)
  if (method != "FE") {
    pcall <- "predict(res)"
    p <- run(pcall, env)
    for (x in p$warnings) E("warning", x, pcall)
    if (p$error) E("error", conditionMessage(p$value), pcall)
    else { E("pi.lb", p$value$pi.lb, pcall); E("pi.ub", p$value$pi.ub, pcall) }
    ccall <- sprintf("confint(res, %s)", ci_ctrl)
    ci <- run(ccall, env)
    for (x in ci$warnings) E("warning", x, ccall)
    if (ci$error) E("error", conditionMessage(ci$value), ccall)
    else {
      rnd <- ci$value$random
      E("tau2.lb", rnd["tau^2", "ci.lb"], ccall); E("tau2.ub", rnd["tau^2", "ci.ub"], ccall)
      E("I2.lb", rnd["I^2(%)", "ci.lb"], ccall);  E("I2.ub", rnd["I^2(%)", "ci.ub"], ccall)
      E("H2.lb", rnd["H^2", "ci.lb"], ccall);     E("H2.ub", rnd["H^2", "ci.ub"], ccall)
      sg <- function(x) if (identical(x, "")) "=" else x
      E("tau2.lb.sign", sg(ci$value$lb.sign), ccall); E("tau2.ub.sign", sg(ci$value$ub.sign), ccall)
      E("ci.null", as.numeric(ci$value$ci.null), ccall)
    }
  }
  if (method %in% c("REML", "ML", "EB")) {
    vcall <- sprintf('rma(yi, vi, data=es, method="%s", test="%s", %s, verbose=TRUE)', method, test, ctrl)
    txt <- character(0)
    v <- suppressWarnings(tryCatch({ txt <- capture.output(eval(parse(text = vcall), envir = env)); TRUE },
                                   error = function(e) FALSE))
    m <- regmatches(txt, regexpr("converged after [0-9]+ iterations", txt))
    if (length(m)) E("iterations", as.numeric(gsub("[^0-9]", "", m[1])), vcall)
  }
}

## ---- rma.mh / rma.peto -----------------------------------------------------------------------
fit_mh <- function(ds, env, measure) {
  E <- function(q, v, call) emit(ds, measure, "rma.mh", "MH", "z", q, v, call)
  call <- sprintf('rma.mh(ai=events_e, n1i=n_e, ci=events_c, n2i=n_c, data=d, measure="%s")', measure)
  r <- run(call, env)
  for (w in r$warnings) E("warning", w, call)
  if (r$error) { E("error", conditionMessage(r$value), call); return(invisible()) }
  res <- r$value
  qs <- c("beta", "se", "zval", "pval", "ci.lb", "ci.ub", "QE", "QEp", "I2", "H2", "k", "k.yi")
  if (measure == "OR") qs <- c(qs, "MH", "MHp", "CO", "COp", "BD", "BDp", "TA", "TAp")
  for (q in qs) if (!is.null(res[[q]])) E(q, as.numeric(res[[q]]), call)
}

fit_peto <- function(ds, env) {
  E <- function(q, v, call) emit(ds, "PETO", "rma.peto", "PETO", "z", q, v, call)
  call <- "rma.peto(ai=events_e, n1i=n_e, ci=events_c, n2i=n_c, data=d)"
  r <- run(call, env)
  for (w in r$warnings) E("warning", w, call)
  if (r$error) { E("error", conditionMessage(r$value), call); return(invisible()) }
  res <- r$value
  for (q in c("beta", "se", "zval", "pval", "ci.lb", "ci.ub", "QE", "QEp", "I2", "H2", "k", "k.yi"))
    E(q, as.numeric(res[[q]]), call)
}

## ---- fact checks (independent re-derivations; see the FACTS block above) ---------------------
near <- function(a, b, tol = 1e-8) isTRUE(all.equal(as.numeric(a), as.numeric(b), tolerance = tol))
check <- function(ok, what) if (!isTRUE(ok)) stop("fact check failed: ", what)

Qfun <- function(t, y, v) { w <- 1 / (v + t); m <- sum(w * y) / sum(w); sum(w * (y - m)^2) }

check_rma_facts <- function(es, ds) {
  y <- es$yi; v <- es$vi; k <- length(y); w <- 1 / v
  ctl <- list(threshold = 1e-10, maxiter = 1000, tol = 1e-12)
  Q <- Qfun(0, y, v); trP <- sum(w) - sum(w^2) / sum(w); vt <- (k - 1) / trP
  fe <- rma(y, v, method = "FE", control = ctl)
  check(near(fe$QE, Q), paste(ds, "F1 Q"))
  check(near(fe$I2, max(0, 100 * (Q - (k - 1)) / Q)) && near(fe$H2, Q / (k - 1)), paste(ds, "F2 FE I2"))
  check(fe$tau2 == 0 && is.na(fe$se.tau2), paste(ds, "F10"))
  dl <- rma(y, v, method = "DL", control = ctl)
  check(near(dl$tau2, max(0, (Q - (k - 1)) / trP), 1e-10), paste(ds, "F3 DL"))
  check(near(dl$vt, vt) && near(dl$I2, 100 * dl$tau2 / (vt + dl$tau2)) && near(dl$H2, 1 + dl$tau2 / vt),
        paste(ds, "F2 RE I2"))
  check(near(dl$QE, Q), paste(ds, "F1 Q under DL"))
  he <- rma(y, v, method = "HE", control = ctl)
  check(near(he$tau2, max(0, (sum((y - mean(y))^2) - (k - 1) / k * sum(v)) / (k - 1)), 1e-10), paste(ds, "F3 HE"))
  hs <- rma(y, v, method = "HS", control = ctl)
  check(near(hs$tau2, max(0, (Q - k) / sum(w)), 1e-10), paste(ds, "F3 HS"))
  sj <- rma(y, v, method = "SJ", control = ctl)
  t0 <- sum((y - mean(y))^2) / k
  check(near(sj$tau2, t0 * Qfun(t0, y, v) / (k - 1)), paste(ds, "F3 SJ"))
  pm <- rma(y, v, method = "PM", control = ctl)
  if (Q < k - 1) check(pm$tau2 == 0, paste(ds, "F3 PM zero"))
  else check(abs(Qfun(pm$tau2, y, v) - (k - 1)) < 1e-8, paste(ds, "F3 PM root"))
  eb <- rma(y, v, method = "EB", control = ctl)
  check(abs(eb$tau2 - pm$tau2) < 1e-8, paste(ds, "F3 EB == PM"))
  # knha / adhoc / t
  re <- rma(y, v, method = "REML", control = ctl)
  kn <- rma(y, v, method = "REML", test = "knha", control = ctl)
  ah <- rma(y, v, method = "REML", test = "adhoc", control = ctl)
  tt <- rma(y, v, method = "REML", test = "t", control = ctl)
  wr <- 1 / (v + re$tau2); s2w <- sum(wr * (y - c(re$beta))^2) / (k - 1)
  check(near(kn$se, re$se * sqrt(s2w)) && near(kn$ddf, k - 1), paste(ds, "F4 knha"))
  check(near(ah$se, re$se * sqrt(max(1, s2w))), paste(ds, "F4 adhoc"))
  check(near(tt$se, re$se) && near(tt$ci.ub, c(tt$beta) + qt(.975, k - 1) * tt$se), paste(ds, "F4 t"))
  # predict
  for (f in list(re, kn)) {
    p <- predict(f); crit <- if (f$test == "z") qnorm(.975) else qt(.975, k - 1)
    check(near(p$pi.ub, c(f$beta) + crit * sqrt(f$se^2 + f$tau2)), paste(ds, "F5 pi", f$test))
  }
  check(is.null(predict(fe)$pi.lb), paste(ds, "F5 FE no pi"))
  # weights
  check(near(weights(re), 100 * wr / sum(wr)) && near(weights(kn), weights(re)), paste(ds, "F9"))
  # confint Q-profile
  ci <- confint(re, control = list(tol = 1e-12))$random
  cu <- qchisq(.975, k - 1); cl <- qchisq(.025, k - 1)
  if (Q < cu) check(ci["tau^2", "ci.lb"] == 0, paste(ds, "F6 lb=0"))
  else check(abs(Qfun(ci["tau^2", "ci.lb"], y, v) - cu) < 1e-6, paste(ds, "F6 lb root"))
  tmax <- max(100, 10 * re$tau2)
  if (Q < cl) check(ci["tau^2", "ci.ub"] == 0, paste(ds, "F6 ub=0"))
  else if (Qfun(tmax, y, v) > cl) check(ci["tau^2", "ci.ub"] == tmax, paste(ds, "F6 ub=tau2.max"))
  else check(abs(Qfun(ci["tau^2", "ci.ub"], y, v) - cl) < 1e-6, paste(ds, "F6 ub root"))
  tb <- ci["tau^2", "ci.ub"]
  check(near(ci["I^2(%)", "ci.ub"], 100 * tb / (vt + tb)) && near(ci["H^2", "ci.ub"], 1 + tb / vt),
        paste(ds, "F6 I2 bounds"))
}

check_mh_facts <- function(d, ds) {
  a <- d$events_e; n1 <- d$n_e; cc <- d$events_c; n2 <- d$n_c; b <- n1 - a; dd <- n2 - cc
  N <- n1 + n2; m1 <- a + cc; m0 <- b + dd
  dz <- (a == 0 & cc == 0) | (b == 0 & dd == 0)
  for (ms in c("OR", "RR", "RD")) {
    r <- suppressWarnings(rma.mh(ai = a, n1i = n1, ci = cc, n2i = n2, measure = ms))
    if (ms == "RD") {
      den <- sum(n1 * n2 / N)
      rd <- sum(a * n2 / N - cc * n1 / N) / den
      v <- (rd * sum(cc * n1^2 / N^2 - a * n2^2 / N^2 + n1 * n2 * (n2 - n1) / (2 * N^2)) +
              sum((a * (n2 - cc) + cc * (n1 - a)) / (2 * N))) / den^2
      check(near(r$beta, rd) && near(r$se, sqrt(v)), paste(ds, "F7 RD (Sato/GR variance, raw cells)"))
    }
    if (ms == "RR") {
      R <- sum(a * n2 / N); S <- sum(cc * n1 / N)
      check(near(r$beta, log(R / S)), paste(ds, "F7 RR raw cells"))
    }
    if (ms == "OR") {
      check(near(r$beta, log(sum(a * dd / N) / sum(b * cc / N))), paste(ds, "F7 OR raw cells"))
      mh <- (abs(sum(a - n1 * m1 / N)) - 0.5)^2 / sum(n1 * n2 * m1 * m0 / (N^2 * (N - 1)))
      check(near(r$MH, mh), paste(ds, "F7 CMH"))
    }
    e <- escalc(measure = ms, ai = a, n1i = n1, ci = cc, n2i = n2, add = 1/2, to = "only0", drop00 = TRUE)
    ok <- !is.na(e$yi)
    check(sum(ok) == sum(!dz) && r$k.yi == sum(!dz) && r$k == length(a), paste(ds, "F7 k.yi"))
    Q <- sum((e$yi[ok] - c(r$beta))^2 / e$vi[ok])
    check(near(r$QE, Q) && near(r$QEp, pchisq(Q, sum(ok) - 1, lower.tail = FALSE)), paste(ds, ms, "F7 Q"))
  }
  p <- suppressWarnings(rma.peto(ai = a, n1i = n1, ci = cc, n2i = n2))
  O <- a - n1 * m1 / N; V <- m1 * m0 * n1 * n2 / (N^2 * (N - 1)); V[N <= 1] <- 0
  pos <- V > 0
  check(near(p$beta, sum(O) / sum(V)) && near(p$se, 1 / sqrt(sum(V))), paste(ds, "F8 peto beta"))
  Qp <- max(0, sum(O[pos]^2 / V[pos]) - sum(O)^2 / sum(V))
  check(near(p$QE, Qp) && p$k.yi == sum(!dz), paste(ds, "F8 peto Q"))
}

## ---- main ------------------------------------------------------------------------------------
for (cs in cases) {
  env <- new.env()
  env$d <- read_input(cs$ds)
  es <- effect_sizes(cs, env$d, env)
  env$es <- es
  check_rma_facts(data.frame(yi = as.numeric(es$yi), vi = as.numeric(es$vi)), paste(cs$ds, cs$measure))
  for (m in methods) for (t in tests) fit_rma(cs, env, m, t)
  message(sprintf("rma: %s %s done", cs$ds, cs$measure))
}

for (ds in binary_sets) {
  env <- new.env()
  env$d <- read_input(ds)
  check_mh_facts(env$d, ds)
  for (ms in c("OR", "RR", "RD")) fit_mh(ds, env, ms)
  fit_peto(ds, env)
  message(sprintf("rma.mh/rma.peto: %s done", ds))
}

all_rows <- do.call(rbind, rows)
write.csv(all_rows, file.path(out, "rma.csv"), row.names = FALSE, quote = TRUE)
message(sprintf("wrote %d rows to %s", nrow(all_rows), file.path(out, "rma.csv")))

writeLines(c(R.version.string,
             paste("metafor", packageVersion("metafor")),
             paste("metadat", packageVersion("metadat"))),
           file.path(out, "versions.txt"))
