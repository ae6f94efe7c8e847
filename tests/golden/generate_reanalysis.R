# Reference values for `metapool revman FILE --reanalyse revman-web`: each analysis of the
# committed review files re-analysed by metafor as RevMan Web's current methods ask:
# random effects with REML, the Hartung-Knapp-Sidik-Jonkman interval (test = "knha"),
# the Q-profile interval of tau2 (confint), I2 from tau2, and the prediction interval
# mu +/- qt(0.975, k - 2) * sqrt(se^2 + tau2) with the knha se (Higgins, Thompson &
# Spiegelhalter 2009; metafor 3.8 has no t(k - 2) option in predict()). Zero cells as
# RevMan: 0.5 added to every cell of a study with a zero cell (to = "only0"), double
# zeros dropped for RR and OR.
# Study data: the review files themselves (tests/revman/Fleiss1993.rm5 analysis 1.1;
# tests/revman/Fleiss93_CR.csv analysis 1.2; tests/revman/cd007026_pub6_analysis_1_4.csv,
# whose rows are data/cd007026/pub6_1_4_nonfatal_sae.csv).
# Run from the repository root: Rscript tests/golden/generate_reanalysis.R
suppressMessages(library(metafor))
ctrl <- list(threshold = 1e-12, maxiter = 1000, stepadj = 0.5)
row <- function(file, analysis, res) {
  ci <- confint(res, control = list(tol = 1e-12))$random
  half <- qt(0.975, res$k - 2) * sqrt(res$se^2 + res$tau2)
  data.frame(file = file, analysis = analysis, k = res$k,
             estimate = sprintf("%.17g", res$beta[1]),
             ci_lower = sprintf("%.17g", res$ci.lb), ci_upper = sprintf("%.17g", res$ci.ub),
             pi_lower = sprintf("%.17g", res$beta[1] - half),
             pi_upper = sprintf("%.17g", res$beta[1] + half),
             tau2 = sprintf("%.17g", res$tau2),
             tau2_ci_lower = sprintf("%.17g", ci["tau^2", "ci.lb"]),
             tau2_ci_upper = sprintf("%.17g", ci["tau^2", "ci.ub"]),
             i2 = sprintf("%.17g", res$I2),
             p_value = sprintf("%.17g", res$pval))
}
rows <- list()
# Fleiss1993.rm5, analysis 1.1: aspirin after myocardial infarction, OR.
ai <- c(49, 44, 102, 32, 85, 246, 1570); n1 <- c(615, 758, 832, 317, 810, 2267, 8587)
ci <- c(67, 64, 126, 38, 52, 219, 1720); n2 <- c(624, 771, 850, 309, 406, 2257, 8600)
es <- escalc(measure = "OR", ai = ai, n1i = n1, ci = ci, n2i = n2)
rows[[1]] <- row("tests/revman/Fleiss1993.rm5", "1.1",
                 rma(yi, vi, data = es, method = "REML", test = "knha", control = ctrl))
# Fleiss93_CR.csv, analysis 1.2: mental health treatment, MD.
m1 <- c(5, 4.9, 22.5, 12.5, 6.5); s1 <- c(4.7, 1.71, 3.44, 1.47, 0.76); k1 <- c(13, 30, 35, 20, 8)
m2 <- c(6.5, 6.1, 24.9, 12.3, 7.38); s2 <- c(3.8, 2.3, 10.65, 1.66, 1.41); k2 <- c(13, 50, 35, 20, 8)
es <- escalc(measure = "MD", m1i = m1, sd1i = s1, n1i = k1, m2i = m2, sd2i = s2, n2i = k2)
rows[[2]] <- row("tests/revman/Fleiss93_CR.csv", "1.2",
                 rma(yi, vi, data = es, method = "REML", test = "knha", control = ctrl))
# cd007026_pub6_analysis_1_4.csv: non-fatal SAEs, RR, one zero cell (Ladurner 2005).
d <- read.csv("data/cd007026/pub6_1_4_nonfatal_sae.csv")
es <- escalc(measure = "RR", ai = events_e, n1i = n_e, ci = events_c, n2i = n_c, data = d,
             add = 0.5, to = "only0", drop00 = TRUE)
rows[[3]] <- row("tests/revman/cd007026_pub6_analysis_1_4.csv", "1.4",
                 rma(yi, vi, data = es, method = "REML", test = "knha", control = ctrl))
write.csv(do.call(rbind, rows), "tests/golden/reanalysis.csv", row.names = FALSE)
