# Shared by generate.R and fit.R: the independent reference for the iterative tau^2
# estimators, written from the formulas of the random-effects model
#   y_i = mu + u_i + e_i,  u_i ~ N(0, tau2),  e_i ~ N(0, v_i),
# with no metafor code. Notation: w_i = 1/(v_i + tau2), mu(tau2) = sum w y / sum w,
# r_i = y_i - mu(tau2).
#
# Profile log-likelihood (mu profiled out, constants dropped):
#   ML    l(tau2)  = -1/2 [ sum log(v_i + tau2) + sum w_i r_i^2 ]
#   REML  lR(tau2) = l(tau2) - 1/2 log(sum w_i)
# Score (d/dtau2; the d mu/d tau2 term vanishes because mu(tau2) maximises l at fixed tau2):
#   ML    U  = 1/2 [ sum w_i^2 r_i^2 - sum w_i ]
#   REML  UR = 1/2 [ sum w_i^2 r_i^2 - (sum w_i - sum w_i^2 / sum w_i) ]
# sum w - sum w^2/sum w is formed as sum_i w_i (S - w_i) / S with S - w_i the sum of the
# other weights (prefix + suffix sums), which does not cancel when one v_i is tiny.
# Residuals are formed about the estimate of the study with the largest weight.

wmean <- function(y, w) {
  ref <- y[which.max(w)]
  ref + sum(w * (y - ref)) / sum(w)
}

trace_p <- function(w) {
  k <- length(w)
  if (k < 2) return(0)
  pre <- c(0, cumsum(w))[1:k]                 # sum of w_j, j < i
  suf <- c(rev(cumsum(rev(w)))[-1], 0)        # sum of w_j, j > i
  sum(w * (pre + suf)) / sum(w)
}

loglik <- function(t, y, v, reml) {
  w <- 1 / (v + t)
  mu <- wmean(y, w)
  l <- -0.5 * (sum(log(v + t)) + sum(w * (y - mu)^2))
  if (reml) l <- l - 0.5 * log(sum(w))
  l
}

score <- function(t, y, v, reml) {
  w <- 1 / (v + t)
  r <- y - wmean(y, w)
  if (reml) 0.5 * (sum((w * r)^2) - trace_p(w)) else 0.5 * sum(w * (w * r^2 - 1))
}

# Generalised Q(tau2) = sum w_i r_i^2 (decreasing in tau2).
gen_q <- function(t, y, v) {
  w <- 1 / (v + t)
  sum(w * (y - wmean(y, w))^2)
}

# Bisection to machine precision: f(lo) > 0 >= f(hi). Stops when the midpoint equals an end.
bisect <- function(f, lo, hi) {
  repeat {
    mid <- lo + (hi - lo) / 2
    if (mid <= lo || mid >= hi) break
    if (f(mid) > 0) lo <- mid else hi <- mid
  }
  if (abs(f(lo)) < abs(f(hi))) lo else hi
}

# Upper bound beyond which the score is negative, with a safety factor of 10:
#   REML: max(vmax (k+1)/(k-1), 2 SS/(k-1)),  ML: max(vmax, 2 SS/k), SS = sum (y - ybar)^2.
score_bound <- function(y, v) {
  k <- length(y)
  ss <- sum((y - mean(y))^2)
  10 * max(max(v) * (k + 1) / (k - 1), 2 * ss / (k - 1), max(v), 2 * ss / k)
}

# Dense scan of the score on tau2 = 0 plus a log grid of `per_decade` points per decade
# from 1e-8 min(v) to score_bound(); every sign change + -> - (and 0 when U(0) <= 0) is a
# local maximum, polished by bisection to machine precision. Returns the local maxima
# (tau2, log-likelihood), the global one, and their number.
scan_ml <- function(y, v, reml, per_decade = 100) {
  k <- length(y)
  if (k < 2) return(list(tau2 = 0, ll = loglik(0, y, v, reml), n_local = 1L, maxima = 0,
                         lls = loglik(0, y, v, reml), tie = FALSE))
  lo <- 1e-8 * min(v)
  hi <- score_bound(y, v)
  n <- ceiling(per_decade * log10(hi / lo))
  grid <- c(0, exp(seq(log(lo), log(hi), length.out = n)))
  u <- vapply(grid, score, 0, y = y, v = v, reml = reml)
  stopifnot(u[length(u)] < 0)
  maxima <- numeric(0)
  if (u[1] <= 0) maxima <- 0
  for (j in which(u[-length(u)] > 0 & u[-1] <= 0)) {
    maxima <- c(maxima, bisect(function(t) score(t, y, v, reml), grid[j], grid[j + 1]))
  }
  lls <- vapply(maxima, loglik, 0, y = y, v = v, reml = reml)
  best <- which.max(lls)
  # Two maxima whose log-likelihoods agree to 1e-12 (relative) cannot be told apart.
  others <- lls[-best]
  tie <- length(others) > 0 && max(others) >= lls[best] - 1e-12 * max(1, abs(lls[best]))
  list(tau2 = maxima[best], ll = lls[best], n_local = length(maxima), maxima = maxima,
       lls = lls, tie = tie)
}

# Paule-Mandel (and EB, the same fixed point without moderators): root of Q(tau2) = k - 1,
# 0 when Q(0) <= k - 1; bracket grown by doubling, then bisection to machine precision.
ref_pm <- function(y, v) {
  k <- length(y)
  if (k < 2) return(0)
  f <- function(t) gen_q(t, y, v) - (k - 1)
  if (f(0) <= 0) return(0)
  hi <- max(v)
  while (f(hi) > 0) hi <- 2 * hi
  bisect(f, 0, hi)
}

# Closed forms, written so that nothing cancels when one v_i is tiny beside the others
# (residuals about the most precise study; sum w - sum w^2/sum w by trace_p):
#   Q   = sum w_i (y_i - mu(0))^2, w_i = 1/v_i             (Cochran)
#   vt  = (k - 1) / (sum w - sum w^2 / sum w)               (typical within-study variance)
#   DL  = max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w))  (DerSimonian & Laird 1986)
#   HS  = max(0, (Q - k) / sum w)                            (Hunter & Schmidt)
#   HE  = max(0, (sum (y - ybar)^2 - (k - 1)/k sum v) / (k - 1))   (Hedges, unweighted)
#   SJ  = t0 Q(t0) / (k - 1), t0 = sum (y - ybar)^2 / k       (Sidik & Jonkman 2005)
# I2 = 100 tau2 / (vt + tau2), H2 = 1 + tau2 / vt for a random-effects fit.
typical_v <- function(v) if (length(v) < 2) 0 else (length(v) - 1) / trace_p(1 / v)
closed_form <- function(method, y, v) {
  k <- length(y)
  if (k < 2) return(0)
  q <- gen_q(0, y, v)
  ss <- sum((y - mean(y))^2)
  switch(method,
         DL = max(0, (q - (k - 1)) / trace_p(1 / v)),
         HS = max(0, (q - k) / sum(1 / v)),
         HE = max(0, (ss - (k - 1) / k * sum(v)) / (k - 1)),
         SJ = if (ss == 0) 0 else (ss / k) * gen_q(ss / k, y, v) / (k - 1))
}
