# Generator of the golden reference values for metapool's small-study-effect analyses
# (metapool::analysis::bias): metafor's regtest(), ranktest() and trimfill(), and Harbord's
# test computed from its published formula with R's lm().
#
# Run from the repository root:   Rscript tests/golden/generate_bias.R
# Needs R with metafor and metadat (Debian: apt-get install r-cran-metafor r-cran-metadat).
# Reads the committed study tables in tests/golden/inputs/ (as tests/golden/generate_rma.R does,
# so that R and Rust see the same numbers) and writes:
#   tests/golden/inputs/lehmann2018.csv   metadat::dat.lehmann2018 as study,yi,vi (k = 81 without
#                                         ties: ranktest's large-sample p-value without ties)
#   tests/golden/bias.csv                 long format, one value per row:
#                                         dataset, measure, analysis, method, test, option,
#                                         quantity, value, call
# CI does not run this script; its outputs are committed.
#
# analysis values:
#   "escalc"    yi.<i>, vi.<i>, ni.<i>: the effect sizes (escalc defaults, exactly as
#               generate_rma.R computes them) and the sample sizes escalc stores (n1i + n2i).
#   "regtest"   method = the rma method (FE, DL, REML, ML, PM, EB, SJ, HE, HS) or "lm" for
#               model="lm"; test = the rma test (z, t, knha, adhoc; "t" for lm); option = the
#               predictor (sei, vi, ni, ninv, sqrtni, sqrtninv). Quantities: zval pval dfs (t-based
#               tests only) est ci.lb ci.ub (limit estimate, for sei, vi, ninv, sqrtninv), and for
#               model="rma" from ret.fit=TRUE: fit.tau2 fit.b0 fit.b1 fit.se0 fit.se1 (the
#               meta-regression yi ~ predictor: tau^2, intercept, slope, their standard errors)
#               and fit.QE (its residual heterogeneity, weights 1/vi).
#   "ranktest"  tau pval.
#   "trimfill"  method/test of the rma fit passed; option = estimator, or estimator:side when the
#               side is given. Quantities: k0 se.k0 p.k0 (R0 only) side (text), k (studies after
#               filling), fill.yi.<j> fill.vi.<j> (the filled studies in metafor's order), and
#               beta se zval pval ci.lb ci.ub tau2 of the fit to the filled data.
#   "harbord"   method "lm", test "t", measure "OR" (from the 2x2 counts): Harbord, Egger & Sterne
#               (2006), Stat Med 25:3443-57; Harbord, Harris & Sterne (2009), Stata J 9:197-210.
#               Z = (a d - b c)/N, V = (a+b)(c+d)(a+c)(b+d)/(N^2 (N-1)) per table (tables with
#               V = 0, i.e. a zero margin, are left out); ordinary least squares of Z/sqrt(V) on
#               sqrt(V) by R's lm(); the test of small-study effects is the t test of the
#               intercept ("bias"). Quantities: k bias se.bias t pval dfs ci.lb ci.ub slope
#               se.slope. metafor 3.8-1 has no Harbord test: these values check our
#               implementation of the published formula against R's regression engine.
#   "warning"   rows with the text of a warning R gave for the call.
#
# The call column holds the literal R call that produced the row's value (each is eval'd from
# that very string). In it, `d` is the input table as read from tests/golden/inputs/<dataset>.csv
# (numeric columns as double) and `es` the escalc result of the same (dataset, measure).
#
# Tolerances: every rma fit uses control=list(threshold=1e-10, maxiter=1000, tol=1e-12).
# regtest() refits with the control of the fit passed to it (its ret.fit model carries it);
# trimfill() does NOT: its fits to the trimmed and to the filled data use the package defaults
# (Fisher scoring threshold 1e-5, so REML/ML estimates off by up to ~1e-4 relative: dat.raudenbush1985
# REML, tau2 after filling 0.0769376930 with the defaults, 0.0769301623 converged) unless the
# control list is given to trimfill() itself, as done here.
#
# ---------------------------------------------------------------------------------------------
# FACTS VERIFIED BY EXPERIMENT (metafor 3.8-1), re-checked below by check_facts() on every data set
# from first principles (not from metafor code); the script stops if metafor disagrees.
#  B1 regtest(res) (model "rma", predictor "sei") fits rma(yi, vi, mods = ~ sqrt(vi)) with the
#     method and test of res; zval = b1/se(b1); est, ci.lb, ci.ub = the intercept and its interval.
#     For test="knha" the variances are scaled by sum w e^2/(k - 2), w = 1/(vi + tau2); dfs = k - 2.
#  B2 regtest(res, model="lm"): lm(yi ~ sqrt(vi), weights = 1/vi); t test of the slope, dfs = k - 2;
#     est and its interval: the intercept with qt(.975, k - 2).
#  B3 Meta-regression tau^2 with one moderator (X = [1, x], p = 2, W = diag(1/vi),
#     P = W - W X (X'WX)^-1 X'W, Q_E = y'Py):
#       DL  max(0, (Q_E - (k - p)) / tr(P));   HS  max(0, (Q_E - k) / sum w);
#       HE  max(0, (RSS_ols - tr(P_ols V)) / (k - p)), P_ols = I - X (X'X)^-1 X';
#       SJ  t0 = sum (y - mean(y))^2 / k (unweighted mean, not the OLS residuals),
#           tau2 = t0 Q_E(t0) / (k - p), Q_E(t) with weights 1/(vi + t);
#       PM  root of Q_E(tau2) = k - p (0 if Q_E(0) < k - p);  EB: the same root (to ~1e-9).
#  B4 ranktest(res): Kendall's tau (cor.test, method "kendall") between
#     (yi - b_FE)/sqrt(vi - 1/sum(1/vi)) and vi, whatever model res is; the exact p-value whenever
#     there are no ties, whatever k (cor.test(exact = TRUE): curtis1998, k = 102, gets the exact
#     0.0382094 where cor.test's default, exact only for k < 50, gives 0.0381624), else the normal
#     approximation with the tie-corrected variance and no continuity correction.
#  B5 trimfill(res): side (when not given) "right" if the slope of regtest's meta-regression (the
#     model of res) is negative, else "left". L0 = (4 T - k (k + 1)) / (2k - 1), k0 = max(0, round(L0));
#     se.k0 = 4 sqrt(var(T)) / (2k - 1) with var(T) = (k(k+1)(2k+1) + 10 L0^3 + 27 L0^2 + 17 L0
#     - 18 k L0^2 - 18 k L0 + 6 k^2 L0) / 24 evaluated at the last unrounded L0 (Duval & Tweedie
#     2000a, with gamma = L0). R0 = (length of the run of positive centred values at the top of
#     the ranks) - 1, k0 = max(0, R0), se.k0 = sqrt(2 k0 + 2), p.k0 = 0.5^(k0 + 1).
#     T and the runs come from the ranks of |yi - b| with b the estimate after trimming the k0
#     most extreme studies on the side opposite to the missing ones; iterated from k0 = 0 until
#     k0 repeats. Checked by an independent R implementation (my_trimfill below) on every case.
#  B6 trimfill(res) refits the filled data (and the trimmed ones) with test = "z" and the default
#     control whatever res used: on dat.bcg (RR) with rma(test = "knha"), trimfill(res) reports
#     se 0.1785284 and test "z"; trimfill(res, test = "knha") gives 0.181506, the HKSJ se of
#     rma(tf$yi, tf$vi, test = "knha"). The calls below pass test= and control= to trimfill.
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

## ---- new input -------------------------------------------------------------------------------
d <- dat.lehmann2018
write_table("lehmann2018", data.frame(study = label(d$Short_Title), yi = d$yi, vi = d$vi))

## ---- cases -----------------------------------------------------------------------------------
cases <- list(
  list(ds = "bcg",             type = "binary",     measure = "RR"),
  list(ds = "bcg",             type = "binary",     measure = "OR"),
  list(ds = "collins1985a",    type = "binary",     measure = "OR"),
  list(ds = "nielweise2007",   type = "binary",     measure = "OR"),
  list(ds = "axfors2021",      type = "binary",     measure = "RR"),
  list(ds = "hine1989",        type = "binary",     measure = "RR"),
  list(ds = "normand1999",     type = "continuous", measure = "MD"),
  list(ds = "normand1999",     type = "continuous", measure = "SMD"),
  list(ds = "gibson2002",      type = "continuous", measure = "SMD"),
  list(ds = "curtis1998",      type = "continuous", measure = "ROM"),
  list(ds = "raudenbush1985",  type = "yi_vi",      measure = "GEN"),
  list(ds = "molloy2014",      type = "yi_vi",      measure = "GEN"),
  list(ds = "lehmann2018",     type = "yi_vi",      measure = "GEN"),
  list(ds = "hackshaw1998_ci", type = "ci",         measure = "OR")
)
methods <- c("FE", "DL", "REML", "ML", "PM", "EB", "SJ", "HE", "HS")
ctrl <- "control=list(threshold=1e-10, maxiter=1000, tol=1e-12)"
fit_call <- function(method, test) sprintf('rma(yi, vi, data=es, method="%s", test="%s", %s)', method, test, ctrl)

## ---- helpers ---------------------------------------------------------------------------------
rows <- list()
emit <- function(cs, analysis, method, test, option, quantity, value, call) {
  if (is.numeric(value) || is.logical(value)) value <- num(as.numeric(value))
  value <- gsub("[\r\n]+", " ", value)
  rows[[length(rows) + 1]] <<- data.frame(dataset = cs$ds, measure = cs$measure, analysis = analysis,
                                          method = method, test = test, option = option,
                                          quantity = quantity, value = value, call = call,
                                          stringsAsFactors = FALSE)
}

run <- function(call, env) {
  warns <- character(0)
  val <- withCallingHandlers(
    tryCatch(eval(parse(text = call), envir = env), error = function(e) e),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  list(value = val, warnings = warns, error = inherits(val, "error"))
}

effect_sizes <- function(cs, env) {
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
  for (w in r$warnings) emit(cs, "escalc", "", "", "", "warning", w, call)
  es <- r$value
  ni <- attr(es$yi, "ni")
  for (i in seq_len(nrow(es))) {
    emit(cs, "escalc", "", "", "", paste0("yi.", i), as.numeric(es$yi[i]), call)
    emit(cs, "escalc", "", "", "", paste0("vi.", i), as.numeric(es$vi[i]), call)
    if (!is.null(ni)) emit(cs, "escalc", "", "", "", paste0("ni.", i), ni[i], call)
  }
  es
}

## ---- regtest ---------------------------------------------------------------------------------
do_regtest <- function(cs, env, method, test, predictor, model = "rma") {
  mlabel <- if (model == "lm") "lm" else method
  tlabel <- if (model == "lm") "t" else test
  call <- sprintf('regtest(%s, model="%s", predictor="%s", ret.fit=TRUE)',
                  fit_call(method, test), model, predictor)
  E <- function(q, v) emit(cs, "regtest", mlabel, tlabel, predictor, q, v, call)
  r <- run(call, env)
  for (w in r$warnings) E("warning", w)
  if (r$error) { E("error", conditionMessage(r$value)); return(invisible()) }
  x <- r$value
  E("zval", x$zval); E("pval", x$pval)
  if (!is.na(x$dfs)) E("dfs", x$dfs)
  if (!is.null(x$est)) { E("est", x$est); E("ci.lb", x$ci.lb); E("ci.ub", x$ci.ub) }
  if (model == "rma") {
    f <- x$fit
    E("fit.tau2", f$tau2); E("fit.b0", f$beta[1]); E("fit.b1", f$beta[2])
    E("fit.se0", f$se[1]); E("fit.se1", f$se[2]); E("fit.QE", f$QE)
  }
  invisible(x)
}

## ---- ranktest --------------------------------------------------------------------------------
do_ranktest <- function(cs, env) {
  call <- sprintf("ranktest(%s)", fit_call("REML", "z"))
  E <- function(q, v) emit(cs, "ranktest", "", "", "", q, v, call)
  r <- run(call, env)
  for (w in r$warnings) E("warning", w)
  if (r$error) { E("error", conditionMessage(r$value)); return(invisible()) }
  E("tau", unname(r$value$tau)); E("pval", r$value$pval)
}

## ---- trimfill --------------------------------------------------------------------------------
do_trimfill <- function(cs, env, method, test, estimator, side = NULL) {
  extra <- if (is.null(side)) "" else sprintf(', side="%s"', side)
  option <- if (is.null(side)) estimator else paste0(estimator, ":", side)
  # trimfill() passes neither the test nor the control of the fit on to its refits (B6): both
  # are given to it, so that the filled data are refitted with the model of the fit.
  if (test != "z") extra <- sprintf('%s, test="%s"', extra, test)
  call <- sprintf('trimfill(%s, estimator="%s"%s, %s)', fit_call(method, test), estimator, extra, ctrl)
  E <- function(q, v) emit(cs, "trimfill", method, test, option, q, v, call)
  r <- run(call, env)
  for (w in r$warnings) E("warning", w)
  if (r$error) { E("error", conditionMessage(r$value)); return(invisible()) }
  x <- r$value
  E("k0", x$k0); E("se.k0", x$se.k0)
  if (!is.na(x$p.k0)) E("p.k0", x$p.k0)
  E("side", x$side); E("k", x$k)
  fy <- x$yi[x$fill]; fv <- x$vi[x$fill]
  for (j in seq_along(fy)) { E(paste0("fill.yi.", j), fy[j]); E(paste0("fill.vi.", j), fv[j]) }
  E("beta", x$beta[1]); E("se", x$se); E("zval", x$zval); E("pval", x$pval)
  E("ci.lb", x$ci.lb); E("ci.ub", x$ci.ub); E("tau2", x$tau2)
  invisible(x)
}

## ---- Harbord (binary data) -------------------------------------------------------------------
harbord_zv <- function(d) {
  a <- d$events_e; b <- d$n_e - d$events_e; c <- d$events_c; dd <- d$n_c - d$events_c
  N <- a + b + c + dd
  V <- (a + b) * (c + dd) * (a + c) * (b + dd) / (N^2 * (N - 1))
  Z <- (a * dd - b * c) / N
  keep <- V > 0
  data.frame(Z = Z[keep], V = V[keep])
}
do_harbord <- function(cs, env) {
  env$harbord_zv <- harbord_zv
  fcall <- "lm(I(Z/sqrt(V)) ~ sqrt(V), data=harbord_zv(d))"
  cs$measure <- "OR"  # Harbord's score and information are those of the log odds ratio
  E <- function(q, v, call) emit(cs, "harbord", "lm", "t", "", q, v, call)
  fit <- run(fcall, env)$value
  co <- summary(fit)$coefficients
  ci <- confint(fit)
  scall <- sprintf("summary(%s)$coefficients", fcall)
  E("k", nrow(harbord_zv(env$d)), sprintf("nrow(harbord_zv(d))"))
  E("bias", co[1, 1], scall); E("se.bias", co[1, 2], scall); E("t", co[1, 3], scall)
  E("pval", co[1, 4], scall); E("dfs", fit$df.residual, sprintf("%s$df.residual", fcall))
  E("ci.lb", ci[1, 1], sprintf("confint(%s)", fcall)); E("ci.ub", ci[1, 2], sprintf("confint(%s)", fcall))
  E("slope", co[2, 1], scall); E("se.slope", co[2, 2], scall)
}

## ---- fact checks (independent re-derivations; see the FACTS block) ---------------------------
near <- function(a, b, tol = 1e-8) isTRUE(all.equal(as.numeric(a), as.numeric(b), tolerance = tol))
check <- function(ok, what) if (!isTRUE(ok)) stop("fact check failed: ", what)

# trim and fill from Duval & Tweedie (2000a, 2000b), written from the papers: returns k0, the
# unrounded statistic, and the estimate after trimming.
my_trimfill <- function(yi, vi, side, method, estimator) {
  ctl <- list(threshold = 1e-10, maxiter = 1000, tol = 1e-12)
  k <- length(yi)
  y <- if (side == "left") yi else -yi
  o <- order(y); y <- y[o]; v <- vi[o]
  k0 <- 0
  for (it in 1:100) {
    b <- c(rma(y[seq_len(k - k0)], v[seq_len(k - k0)], method = method, control = ctl)$beta)
    cc <- y - b
    r <- rank(abs(cc))
    Tn <- sum(r[cc > 0])
    L0 <- (4 * Tn - k * (k + 1)) / (2 * k - 1)
    s <- sign(cc)[order(abs(cc))]
    run_len <- 0
    for (j in k:1) if (s[j] > 0) run_len <- run_len + 1 else break
    R0 <- run_len - 1
    new <- if (estimator == "L0") max(0, round(L0)) else max(0, R0)
    if (new == k0) break
    k0 <- new
  }
  list(k0 = k0, L0 = L0, R0 = R0)
}

check_facts <- function(es, ds) {
  y <- as.numeric(es$yi); v <- as.numeric(es$vi); k <- length(y)
  ctl <- list(threshold = 1e-10, maxiter = 1000, tol = 1e-12)
  X <- cbind(1, sqrt(v)); p <- 2
  # B2
  lmf <- summary(lm(y ~ sqrt(v), weights = 1 / v))$coefficients
  r2 <- regtest(y, v, model = "lm")
  check(near(r2$zval, lmf[2, 3]) && near(r2$est, lmf[1, 1]), paste(ds, "B2"))
  # B3
  W <- diag(1 / v)
  P <- W - W %*% X %*% solve(t(X) %*% W %*% X) %*% t(X) %*% W
  QE <- c(t(y) %*% P %*% y)
  tau2 <- function(m) rma(y, v, mods = ~ sqrt(v), method = m, control = ctl)$tau2
  check(near(tau2("DL"), max(0, (QE - (k - p)) / sum(diag(P))), 1e-10), paste(ds, "B3 DL"))
  check(near(tau2("HS"), max(0, (QE - k) / sum(1 / v)), 1e-10), paste(ds, "B3 HS"))
  Pu <- diag(k) - X %*% solve(t(X) %*% X) %*% t(X)
  check(near(tau2("HE"), max(0, (sum((Pu %*% y)^2) - sum(diag(Pu) * v)) / (k - p)), 1e-10), paste(ds, "B3 HE"))
  qf <- function(t) { Wt <- diag(1 / (v + t)); Pt <- Wt - Wt %*% X %*% solve(t(X) %*% Wt %*% X) %*% t(X) %*% Wt
                      c(t(y) %*% Pt %*% y) }
  t0 <- sum((y - mean(y))^2) / k
  check(near(tau2("SJ"), t0 * qf(t0) / (k - p)), paste(ds, "B3 SJ"))
  pm <- tau2("PM")
  if (QE < k - p) check(pm == 0, paste(ds, "B3 PM zero")) else check(abs(qf(pm) - (k - p)) < 1e-8, paste(ds, "B3 PM"))
  check(abs(tau2("EB") - pm) < 1e-8, paste(ds, "B3 EB == PM"))
  # B4
  b <- sum(y / v) / sum(1 / v)
  ys <- (y - b) / sqrt(v - 1 / sum(1 / v))
  ties <- anyDuplicated(ys) > 0 || anyDuplicated(v) > 0
  ct <- suppressWarnings(cor.test(ys, v, method = "kendall", exact = !ties))
  rt <- suppressWarnings(ranktest(y, v))
  check(near(rt$tau, ct$estimate) && near(rt$pval, ct$p.value), paste(ds, "B4"))
  # B5
  for (m in c("FE", "REML")) {
    res <- rma(y, v, method = m, control = ctl)
    slope <- coef(rma(y, v, mods = ~ sqrt(v), method = m, control = ctl))[2]
    for (est in c("L0", "R0")) {
      tf <- suppressWarnings(trimfill(res, estimator = est, control = ctl))
      check(tf$side == if (slope < 0) "right" else "left", paste(ds, m, est, "B5 side"))
      mine <- my_trimfill(y, v, tf$side, m, est)
      check(tf$k0 == mine$k0, paste(ds, m, est, "B5 k0"))
      if (est == "L0") {
        g <- mine$L0
        vT <- (k * (k + 1) * (2 * k + 1) + 10 * g^3 + 27 * g^2 + 17 * g - 18 * k * g^2 - 18 * k * g + 6 * k^2 * g) / 24
        check(near(tf$se.k0, 4 * sqrt(vT) / (2 * k - 1)), paste(ds, m, "B5 se L0"))
      } else {
        check(near(tf$se.k0, sqrt(2 * tf$k0 + 2)) && near(tf$p.k0, 0.5^(tf$k0 + 1)), paste(ds, m, "B5 se R0"))
      }
    }
  }
}

## ---- main ------------------------------------------------------------------------------------
for (cs in cases) {
  env <- new.env()
  env$d <- read_input(cs$ds)
  es <- effect_sizes(cs, env)
  env$es <- es
  check_facts(es, paste(cs$ds, cs$measure))
  has_ni <- !is.null(attr(es$yi, "ni"))
  for (m in methods) for (t in c("z", "knha")) do_regtest(cs, env, m, t, "sei")
  for (t in c("t", "adhoc")) do_regtest(cs, env, "REML", t, "sei")
  do_regtest(cs, env, "FE", "z", "sei", model = "lm")
  preds <- c("vi", if (has_ni) c("ni", "ninv", "sqrtni", "sqrtninv"))
  for (pr in preds) {
    do_regtest(cs, env, "REML", "z", pr)
    do_regtest(cs, env, "FE", "z", pr)
    do_regtest(cs, env, "FE", "z", pr, model = "lm")
  }
  do_ranktest(cs, env)
  for (m in c("FE", "DL", "REML")) for (est in c("L0", "R0")) do_trimfill(cs, env, m, "z", est)
  do_trimfill(cs, env, "REML", "knha", "L0")
  for (sd in c("left", "right")) do_trimfill(cs, env, "REML", "z", "L0", side = sd)
  if (cs$type == "binary" && cs$measure == "OR" || cs$ds %in% c("axfors2021", "hine1989")) do_harbord(cs, env)
  message(sprintf("bias: %s %s done", cs$ds, cs$measure))
}

all_rows <- do.call(rbind, rows)
write.csv(all_rows, file.path(out, "bias.csv"), row.names = FALSE, quote = TRUE)
message(sprintf("wrote %d rows to %s", nrow(all_rows), file.path(out, "bias.csv")))
