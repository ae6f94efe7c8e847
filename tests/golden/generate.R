# Generator of the golden reference values that metapool's tests compare against.
#
# Run from the repository root:   Rscript tests/golden/generate.R
# Needs R with metafor and metadat (Debian: apt-get install r-cran-metafor r-cran-metadat).
# Writes:
#   tests/golden/inputs/<name>.csv   study tables in metapool's input format
#   tests/golden/escalc.csv          metafor::escalc() yi and vi for every measure and
#                                    zero-cell option (long format, one row per study)
#   tests/golden/versions.txt        the R, metafor and metadat versions used
# CI does not run this script; its outputs are committed.

suppressMessages(library(metafor))
options(warn = 1)
out <- "tests/golden"
dir.create(file.path(out, "inputs"), showWarnings = FALSE, recursive = TRUE)

num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

write_table <- function(name, df) {
  # every column as text, numbers at full precision
  for (j in seq_along(df)) if (is.numeric(df[[j]])) df[[j]] <- num(df[[j]])
  write.csv(df, file.path(out, "inputs", paste0(name, ".csv")), row.names = FALSE, quote = TRUE)
}

label <- function(...) make.unique(paste(...), sep = " #")

## ---- inputs --------------------------------------------------------------
binary <- list()
continuous <- list()

d <- dat.bcg
binary$bcg <- data.frame(study = label(d$author, d$year), events_e = d$tpos, n_e = d$tpos + d$tneg,
                         events_c = d$cpos, n_c = d$cpos + d$cneg, ablat = d$ablat)

d <- dat.collins1985a   # diuretics in pregnancy; pre-eclampsia: zero cells, double zeros
d <- d[!is.na(d$d.xti) & !is.na(d$d.xci), ]
binary$collins1985a <- data.frame(study = label(d$trial, d$year), events_e = d$d.xti, n_e = d$nti,
                                  events_c = d$d.xci, n_c = d$nci)

d <- dat.nielweise2007  # one double-zero study, several single zeros
binary$nielweise2007 <- data.frame(study = label(d$author, d$year), events_e = d$ai, n_e = d$n1i,
                                   events_c = d$ci, n_c = d$n2i)

d <- dat.yusuf1985      # large k, many zero and double-zero tables
d <- d[!is.na(d$ai) & !is.na(d$ci), ]
binary$yusuf1985 <- data.frame(study = label(d$trial, d$table), events_e = d$ai, n_e = d$n1i,
                               events_c = d$ci, n_c = d$n2i, subgroup = d$table)

d <- dat.axfors2021     # hydroxychloroquine and COVID-19 mortality: many double zeros
binary$axfors2021 <- data.frame(study = label(d$acronym), events_e = d$hcq_arm_event, n_e = d$hcq_arm_total,
                                events_c = d$control_arm_event, n_c = d$control_arm_total)

d <- dat.hine1989       # small k, no zero cells
binary$hine1989 <- data.frame(study = label(d$study, d$source), events_e = d$ai, n_e = d$n1i,
                              events_c = d$ci, n_c = d$n2i)

d <- dat.normand1999    # length of stay: continuous, k = 9
continuous$normand1999 <- data.frame(study = label(d$source), mean_e = d$m1i, sd_e = d$sd1i, n_e = d$n1i,
                                     mean_c = d$m2i, sd_c = d$sd2i, n_c = d$n2i)

d <- dat.curtis1998     # plant biomass under elevated CO2: continuous, k = 102, positive means
continuous$curtis1998 <- data.frame(study = label(d$paper, d$id), mean_e = d$m1i, sd_e = d$sd1i, n_e = d$n1i,
                                    mean_c = d$m2i, sd_c = d$sd2i, n_c = d$n2i)

d <- dat.gibson2002     # continuous subset of a mixed data set, small arms
d <- d[!is.na(d$m1i), ]
continuous$gibson2002 <- data.frame(study = label(d$author, d$year), mean_e = d$m1i, sd_e = d$sd1i, n_e = d$n1i,
                                    mean_c = d$m2i, sd_c = d$sd2i, n_c = d$n2i)

for (nm in names(binary)) write_table(nm, binary[[nm]])
for (nm in names(continuous)) write_table(nm, continuous[[nm]])

# Generic layouts from dat.hackshaw1998 (odds ratios with 95% CIs as published).
d <- dat.hackshaw1998
write_table("hackshaw1998_ci", data.frame(study = label(d$author, d$year), estimate = d$or,
                                          ci_lower = d$or.lb, ci_upper = d$or.ub))
h_yi <- log(d$or)
h_vi <- ((log(d$or.ub) - log(d$or.lb)) / (2 * qnorm(0.975)))^2
e <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
write_table("bcg_yi_vi", data.frame(study = binary$bcg$study, yi = e$yi, vi = e$vi))
write_table("bcg_yi_sei", data.frame(study = binary$bcg$study, yi = e$yi, sei = sqrt(e$vi)))

## ---- escalc --------------------------------------------------------------
rows <- list()
add_rows <- function(dataset, measure, add, to, drop00, variant, yi, vi) {
  rows[[length(rows) + 1]] <<- data.frame(dataset = dataset, measure = measure, add = num(add), to = to,
                                          drop00 = drop00, variant = variant, row = seq_along(yi),
                                          yi = num(as.numeric(yi)), vi = num(as.numeric(vi)))
}

for (nm in names(binary)) {
  d <- binary[[nm]]
  for (measure in c("RR", "OR", "RD", "PETO")) {
    for (to in c("only0", "all", "if0all", "none")) {
      for (drop00 in c(FALSE, TRUE)) {
        e <- escalc(measure = measure, ai = d$events_e, n1i = d$n_e, ci = d$events_c, n2i = d$n_c,
                    add = 1/2, to = to, drop00 = drop00)
        add_rows(nm, measure, 0.5, to, drop00, "", e$yi, e$vi)
      }
    }
    # another increment
    e <- escalc(measure = measure, ai = d$events_e, n1i = d$n_e, ci = d$events_c, n2i = d$n_c,
                add = 1, to = "only0", drop00 = FALSE)
    add_rows(nm, measure, 1, "only0", FALSE, "", e$yi, e$vi)
  }
}

for (nm in names(continuous)) {
  d <- continuous[[nm]]
  for (measure in c("MD", "SMD", "ROM")) {
    e <- escalc(measure = measure, m1i = d$mean_e, sd1i = d$sd_e, n1i = d$n_e,
                m2i = d$mean_c, sd2i = d$sd_c, n2i = d$n_c)
    add_rows(nm, measure, NA, "", FALSE, "", e$yi, e$vi)
  }
}

# Generic estimate with CI: log of the ratio, SE from the CI with R's qnorm(0.975).
add_rows("hackshaw1998_ci", "OR", NA, "", FALSE, "ci95", h_yi, h_vi)
e <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
add_rows("bcg_yi_vi", "GEN", NA, "", FALSE, "", e$yi, e$vi)
add_rows("bcg_yi_sei", "GEN", NA, "", FALSE, "", e$yi, e$vi)

write.csv(do.call(rbind, rows), file.path(out, "escalc.csv"), row.names = FALSE, quote = TRUE)

writeLines(c(R.version.string,
             paste("metafor", packageVersion("metafor")),
             paste("metadat", packageVersion("metadat"))),
           file.path(out, "versions.txt"))
