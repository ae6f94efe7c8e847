# Seeded generator of the differential test's data sets.
#
# Run from the repository root:   Rscript tests/differential/generate.R
# (then Rscript tests/differential/fit.R). Needs R with metafor
# (Debian: apt-get install r-cran-metafor r-cran-metadat).
# Writes:
#   tests/differential/generic.csv   id,family,study,yi,vi         (one row per study)
#   tests/differential/binary.csv    id,family,study,events_e,n_e,events_c,n_c
# Families are described in tests/differential/README.md.

source("tests/differential/common.R")
set.seed(20240611)
out <- "tests/differential"
num <- function(x) sprintf("%.17g", x)

generic <- list()
binary <- list()
add_generic <- function(family, y, v) {
  stopifnot(length(y) == length(v), all(is.finite(y)), all(v > 0))
  id <- sprintf("g%04d", length(generic) + 1)
  generic[[id]] <<- list(id = id, family = family, y = y, v = v)
  invisible(id)
}
add_binary <- function(family, ai, n1, ci, n2) {
  stopifnot(all(ai >= 0 & ai <= n1), all(ci >= 0 & ci <= n2), all(n1 >= 1), all(n2 >= 1))
  id <- sprintf("b%04d", length(binary) + 1)
  binary[[id]] <<- list(id = id, family = family, ai = ai, n1 = n1, ci = ci, n2 = n2)
  invisible(id)
}
lunif <- function(n, lo, hi) exp(runif(n, log(lo), log(hi)))
# Round to 12 significant digits: every value is then exactly what the CSV says.
r12 <- function(x) signif(x, 12)
bimodal <- function(y, v) {
  length(y) >= 3 && (scan_ml(y, v, TRUE)$n_local >= 2 || scan_ml(y, v, FALSE)$n_local >= 2)
}

## issue: the data sets of the reported bugs ----------------------------------------------------
add_generic("issue", c(0, 0, 20), c(1, 1, 30))                                    # bug 1
add_generic("issue", c(-12.004, 0.658, 0.808, 0.483, 0.674, -0.113, -0.4),
            c(5.895, 0.778, 2.855, 0.653, 3.598, 0.04, 0.019))                      # bug 2

## random: ordinary random-effects data, k 1 to 300 ---------------------------------------------
ks <- c(1, 1, 2, 2, 2, 3, 3, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 40, 50, 75, 100, 150,
        200, 250, 300)
for (k in ks) for (tau2 in c(0, 0.02, 0.3, 2)) {
  v <- r12(lunif(k, 0.005, 1))
  add_generic("random", r12(rnorm(1) + rnorm(k, 0, sqrt(v + tau2))), v)
}

## widevi: sampling variances spread from 1e-8 to 1e4 -------------------------------------------
for (i in 1:40) {
  k <- sample(c(2:10, 15, 20, 30, 50, 100), 1)
  v <- r12(lunif(k, 1e-8, 1e4))
  add_generic("widevi", r12(rnorm(k, 0, sqrt(v + runif(1, 0, 3)))), v)
}

## bimodal: a tight cluster of precise studies plus one or two imprecise outliers far away ------
## (the shape of bug 2); candidates kept only when the scan finds two local maxima.
n_bimodal <- 0
tries <- 0
while (n_bimodal < 70 && tries < 20000) {
  tries <- tries + 1
  m <- sample(3:12, 1)
  v_in <- lunif(m, 0.005, 4)
  y_in <- rnorm(m, 0, runif(1, 0.05, 1))
  n_out <- sample(1:2, 1)
  v_out <- lunif(n_out, 2, 12)
  y_out <- sample(c(-1, 1), n_out, replace = TRUE) * runif(n_out, 4, 25)
  y <- r12(c(y_in, y_out)); v <- r12(c(v_in, v_out))
  o <- sample(length(y))
  y <- y[o]; v <- v[o]
  if (bimodal(y, v)) {
    add_generic("bimodal", y, v)
    n_bimodal <- n_bimodal + 1
  }
}
cat("bimodal:", n_bimodal, "kept of", tries, "candidates\n")

## boundary: score at tau2 = 0 is <= 0 but the maximum is inside (the shape of bug 1): equal
## precise estimates and one imprecise study far away; kept when U(0) <= 0 for ML or REML
## while the global maximum is positive.
n_boundary <- 0
tries <- 0
while (n_boundary < 40 && tries < 20000) {
  tries <- tries + 1
  m <- sample(2:6, 1)
  y <- r12(c(rnorm(m, 0, runif(1, 0, 0.3)), sample(c(-1, 1), 1) * runif(1, 5, 40)))
  v <- r12(c(lunif(m, 0.2, 3), lunif(1, 5, 60)))
  hit <- FALSE
  for (reml in c(TRUE, FALSE)) {
    s <- scan_ml(y, v, reml)
    if (score(0, y, v, reml) <= 0 && s$tau2 > 0) hit <- TRUE
  }
  if (hit) {
    add_generic("boundary", y, v)
    n_boundary <- n_boundary + 1
  }
}
cat("boundary:", n_boundary, "kept of", tries, "candidates\n")

## identical: every yi equal --------------------------------------------------------------------
for (k in c(2, 2, 3, 3, 4, 5, 8, 10, 20, 50, 100, 300)) {
  add_generic("identical", rep(r12(sample(c(0, 0.3, -1.7, 1e3), 1)), k), r12(lunif(k, 1e-3, 10)))
}
for (k in c(2, 3, 5, 10, 30, 60, 100, 200)) add_generic("identical", rep(0.25, k), rep(0.1, k))

## dominant: one study with a variance 1e4 to 1e10 times smaller than the rest ----------------
for (i in 1:30) {
  k <- sample(c(2:8, 10, 20, 50), 1)
  v <- r12(lunif(k, 0.01, 1))
  j <- sample(k, 1)
  v[j] <- r12(v[j] * 10^-runif(1, 4, 10))
  add_generic("dominant", r12(rnorm(k, 0, sqrt(v + runif(1, 0, 0.5)))), v)
}

## tails: k = 2 or 3 (t with 1 or 2 df) with estimates far from 0 beside their spread ----------
for (i in 1:30) {
  k <- sample(2:3, 1)
  v <- r12(lunif(k, 1e-3, 1))
  centre <- 10^runif(1, 1, 5) * sample(c(-1, 1), 1)
  add_generic("tails", r12(centre + rnorm(k, 0, sqrt(v) * runif(1, 0.01, 2))), v)
}

## rescaled: copies of earlier sets with y -> c y, v -> c^2 v -----------------------------------
base <- names(generic)
fam <- vapply(generic, function(g) g$family, "")
pick <- c(base[fam == "issue"],
          sample(base[fam == "bimodal"], 16), sample(base[fam == "boundary"], 10),
          sample(base[fam == "random" & vapply(generic, function(g) length(g$y), 0) >= 2], 14),
          sample(base[fam == "widevi"], 4), sample(base[fam == "dominant"], 4))
for (b in pick) for (cc in c(1e-8, 1e-4, 1e4, 1e8)) {
  g <- generic[[b]]
  add_generic(paste0("rescaled:", b, ":", num(cc)), g$y * cc, g$v * cc^2)
}

## binary: rare events and zero cells, counts to 1e6 --------------------------------------------
for (i in 1:80) {
  k <- sample(c(2:10, 15, 20, 30, 50), 1)
  n1 <- round(lunif(k, 10, 1e6)); n2 <- round(n1 * runif(k, 0.5, 2))
  p <- lunif(1, 1e-5, 0.05)
  ai <- rbinom(k, n1, p * exp(rnorm(1, 0, 0.5) + rnorm(k, 0, runif(1, 0, 0.7))))
  ci <- rbinom(k, n2, p)
  add_binary("rare", ai, n1, ci, n2)
}
for (i in 1:25) {                     # many zero cells and double zeros
  k <- sample(3:15, 1)
  n1 <- round(lunif(k, 5, 200)); n2 <- round(lunif(k, 5, 200))
  ai <- rbinom(k, n1, 0.01); ci <- rbinom(k, n2, 0.02)
  if (sum(ai + ci > 0) >= 2) add_binary("zeros", ai, n1, ci, n2)
}
for (i in 1:10) {                     # at most one table with events (bug 5)
  k <- sample(2:6, 1)
  n1 <- round(lunif(k, 10, 1000)); n2 <- round(lunif(k, 10, 1000))
  ai <- integer(k); ci <- integer(k)
  j <- sample(k, 1)
  ai[j] <- sample(0:5, 1); ci[j] <- sample(1:5, 1)
  add_binary("mh_single", ai, n1, ci, n2)
}
for (i in 1:25) {                     # large trials, common events
  k <- sample(c(2:10, 20, 40), 1)
  n1 <- round(lunif(k, 1e4, 1e6)); n2 <- round(lunif(k, 1e4, 1e6))
  p <- runif(1, 0.05, 0.6)
  ai <- rbinom(k, n1, plogis(qlogis(p) + rnorm(1, 0, 0.3) + rnorm(k, 0, 0.1)))
  ci <- rbinom(k, n2, p)
  add_binary("large", ai, n1, ci, n2)
}

## write ----------------------------------------------------------------------------------------
gen_df <- do.call(rbind, lapply(generic, function(g)
  data.frame(id = g$id, family = g$family, study = seq_along(g$y), yi = num(g$y), vi = num(g$v))))
bin_df <- do.call(rbind, lapply(binary, function(b)
  data.frame(id = b$id, family = b$family, study = seq_along(b$ai), events_e = b$ai,
             n_e = b$n1, events_c = b$ci, n_c = b$n2)))
write.csv(gen_df, file.path(out, "generic.csv"), row.names = FALSE, quote = FALSE)
write.csv(bin_df, file.path(out, "binary.csv"), row.names = FALSE, quote = FALSE)
cat(length(generic), "generic and", length(binary), "binary data sets\n")
print(table(sub(":.*", "", vapply(generic, function(g) g$family, ""))))
print(table(vapply(binary, function(b) b$family, "")))
