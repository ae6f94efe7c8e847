//! The claims registry and the checks behind `metapool audit`.
//!
//! A registry is a CSV file (`data/claims.csv`) with one claim per row and the columns
//! `id, document, claim, figure, measures, inputs, check, params, notes`:
//! `figure` is the printed figure to check (see [`Figure`]), `inputs` the study tables
//! (paths relative to the registry's folder, `;`-separated), `check` one of the kinds
//! below, and `params` its settings as `key=value; key=value`.
//!
//! | check | what it does | params |
//! |---|---|---|
//! | `recompute` | pools the input and compares at the printed precision | `measure`, `profile`, optional `fixed`, `tau2` (or `none`), `pooled` (`fixed`/`random`, default `fixed`), `level` (default 95), `subgroup`, `compare_profile` with `compare_note` |
//! | `recompute_candidates` | as `recompute`, once per candidate set (input 2 has a `candidate` column) added to input 1; for each listed `pooled` model | as `recompute`; `pooled` may list `fixed,random`; `multiarm` names a trial of input 1 to try also as two comparisons ([`two_comparisons`]) |
//! | `ci_consistency` | estimate against its CI; implied SE, z and p | `scale` (`difference`/`ratio`), `level` |
//! | `mann_whitney_p` | a printed p against the null SE of a Mann-Whitney effect | `n1`, `n2`, `p` |
//! | `sum` | parts against a printed total | `parts` (`a+b+...`) |
//! | `granularity_percent` | `;`-separated percentages against a total split into arms | `total` |
//! | `relative_difference` | a printed range against the relative and absolute differences of two percentages | `a`, `b` |
//! | `none` | nothing can be checked | `missing` (what is missing) |
//!
//! The registry is read strictly ([`read_registry`]): an unknown column, an unknown
//! check, a parameter the check does not take (a misspelt key), a missing required
//! parameter, a repeated parameter, an entry without `=`, a value outside those listed
//! (`pooled=banana`, `scale=log`, a level that is neither a percentage nor a proportion:
//! see [`crate::model::level`]), an input file that does not exist (or a count of
//! inputs the check cannot use) or a figure that cannot be read is an input error naming
//! the file, the row (header = row 1) and the column (`check`, `params`, `inputs` or
//! `figure`). A check that is well formed but fails on its data (an input table that is
//! malformed or not binary) gets a `not checkable` verdict naming the error.

use super::consistency::{check_ci, mann_whitney_null_se, p_consistent, Scale};
use super::figure::{Figure, Printed};
use super::granularity::{allocations, percent_attainable, sums_to};
use super::reconstruct::{pooled_figure, two_comparisons, KnownTrial, Pooled};
use super::{Verdict, VerdictKind};
use crate::data::{read_csv_path, StudyData, StudyTable};
use crate::distribution::normal_two_sided_p;
use crate::effect::Measure;
use crate::error::{Error, Result};
use crate::model::{FixedMethod, Tau2Method};
use crate::profile::Profile;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One row of the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// Identifier (`D3-2`).
    pub id: String,
    /// The document that prints it.
    pub document: String,
    /// The claim as printed.
    pub claim: String,
    /// The figure to check.
    pub figure: String,
    /// What it says it measures.
    pub measures: String,
    /// Input files, `;`-separated, or `none`.
    pub inputs: String,
    /// The kind of check.
    pub check: String,
    /// Settings of the check.
    pub params: String,
    /// Notes.
    pub notes: String,
}

/// A claim with its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Audited {
    /// The claim.
    pub claim: Claim,
    /// The verdict.
    pub verdict: Verdict,
}

/// Reads a registry and checks every row's check, parameters and figure.
///
/// # Errors
/// [`Error::Io`] or [`Error::Input`] (with the row, and the column where there is
/// one) for an unreadable or malformed file (see the module documentation).
pub fn read_registry(path: &Path) -> Result<Vec<Claim>> {
    let name = path.display().to_string();
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| Error::Io {
            file: name.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
    const COLUMNS: [&str; 9] = [
        "id", "document", "claim", "figure", "measures", "inputs", "check", "params", "notes",
    ];
    let headers = rdr
        .headers()
        .map_err(|e| Error::input(&name, Some(1), None, e.to_string()))?
        .clone();
    for h in &headers {
        if !COLUMNS.contains(&h) {
            return Err(Error::input(
                &name,
                Some(1),
                Some(h),
                format!(
                    "unknown column; expected the columns {}",
                    COLUMNS.join(", ")
                ),
            ));
        }
    }
    if let Some(missing) = COLUMNS.iter().find(|c| !headers.iter().any(|h| h == **c)) {
        return Err(Error::input(
            &name,
            Some(1),
            Some(missing),
            format!(
                "missing column; expected the columns {}",
                COLUMNS.join(", ")
            ),
        ));
    }
    let mut claims = Vec::new();
    for (i, rec) in rdr.deserialize::<Claim>().enumerate() {
        let row = i + 2;
        let claim = rec.map_err(|e| Error::input(&name, Some(row), None, e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new(""));
        validate(&claim, base).map_err(|(column, message)| {
            Error::input(
                &name,
                Some(row),
                Some(column),
                format!("claim {}: {message}", claim.id),
            )
        })?;
        claims.push(claim);
    }
    Ok(claims)
}

/// Audits every claim of a registry, in order.
///
/// # Errors
/// As [`read_registry`]; a claim whose check fails to run gets a `not checkable`
/// verdict naming the error, so one bad row does not hide the others.
pub fn audit_registry(path: &Path) -> Result<Vec<Audited>> {
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(read_registry(path)?
        .into_iter()
        .map(|claim| {
            let verdict = audit_once(&claim, &base).unwrap_or_else(|e| {
                Verdict::new(
                    VerdictKind::NotCheckable,
                    "",
                    format!("the check failed: {e}"),
                )
            });
            Audited { claim, verdict }
        })
        .collect())
}

thread_local! {
    /// Verdicts of checks already run in this thread, by (figure, input paths, check,
    /// params): two registries that check the same figure the same way (the Cochrane
    /// figures and a web page quoting one) enumerate its candidate inputs once.
    static DONE: std::cell::RefCell<BTreeMap<[String; 4], Verdict>> = const { std::cell::RefCell::new(BTreeMap::new()) };
}

fn audit_once(claim: &Claim, base: &Path) -> Result<Verdict> {
    let key = [
        claim.figure.clone(),
        claim
            .inputs
            .split(';')
            .map(|i| base.join(i.trim()).display().to_string())
            .collect::<Vec<_>>()
            .join(";"),
        claim.check.clone(),
        claim.params.clone(),
    ];
    if let Some(v) = DONE.with(|d| d.borrow().get(&key).cloned()) {
        return Ok(v);
    }
    let v = audit(claim, base)?;
    DONE.with(|d| d.borrow_mut().insert(key, v.clone()));
    Ok(v)
}

/// The parameters of each check: required, then optional.
const CHECKS: &[(&str, &[&str], &[&str])] = &[
    (
        "recompute",
        &["measure", "profile"],
        &[
            "fixed",
            "tau2",
            "pooled",
            "level",
            "subgroup",
            "compare_profile",
            "compare_note",
        ],
    ),
    (
        "recompute_candidates",
        &["measure", "profile"],
        &["fixed", "tau2", "pooled", "level", "subgroup", "multiarm"],
    ),
    ("ci_consistency", &[], &["scale", "level"]),
    ("mann_whitney_p", &["n1", "n2", "p"], &[]),
    ("sum", &["parts"], &[]),
    ("granularity_percent", &["total"], &[]),
    ("relative_difference", &["a", "b"], &[]),
    ("none", &[], &["missing"]),
];

/// A claim's parameters, `key=value; key=value`, read strictly: every entry needs a
/// `=`, and a key may not repeat.
fn parse_params(text: &str) -> std::result::Result<BTreeMap<String, String>, String> {
    let mut map = BTreeMap::new();
    for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let Some((k, v)) = entry.split_once('=') else {
            return Err(format!("'{entry}': expected key=value"));
        };
        let (k, v) = (k.trim().to_string(), v.trim().to_string());
        if map.insert(k.clone(), v).is_some() {
            return Err(format!(
                "the parameter '{k}' is given twice; expected it once"
            ));
        }
    }
    Ok(map)
}

/// Checks a claim's check, parameters, inputs (relative to `base`) and figure; the
/// error names the column.
fn validate(claim: &Claim, base: &Path) -> std::result::Result<(), (&'static str, String)> {
    let Some((_, required, optional)) = CHECKS.iter().find(|(c, ..)| *c == claim.check) else {
        let known: Vec<&str> = CHECKS.iter().map(|(c, ..)| *c).collect();
        return Err((
            "check",
            format!(
                "unknown check '{}'; expected one of {}",
                claim.check,
                known.join(", ")
            ),
        ));
    };
    let p = parse_params(&claim.params).map_err(|e| ("params", e))?;
    let in_params = |e: Error| ("params", e.to_string());
    for key in p.keys() {
        if !required.contains(&key.as_str()) && !optional.contains(&key.as_str()) {
            let mut known: Vec<&str> = required.iter().chain(optional.iter()).copied().collect();
            known.sort_unstable();
            return Err((
                "params",
                format!(
                    "the check {} takes no parameter '{key}'; expected {}",
                    claim.check,
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        format!("one of {}", known.join(", "))
                    }
                ),
            ));
        }
    }
    for key in *required {
        if !p.contains_key(*key) {
            return Err((
                "params",
                format!("the check {} needs the parameter '{key}'", claim.check),
            ));
        }
    }
    for (key, value) in &p {
        match key.as_str() {
            "measure" => value.parse::<Measure>().map(drop).map_err(in_params)?,
            "profile" | "compare_profile" => {
                value.parse::<Profile>().map(drop).map_err(in_params)?
            }
            "fixed" => value.parse::<FixedMethod>().map(drop).map_err(in_params)?,
            "tau2" => tau2_param(value).map(drop).map_err(in_params)?,
            "pooled" => {
                let kinds = pooled_kinds(&p).map_err(in_params)?;
                if claim.check == "recompute" && kinds.len() > 1 {
                    return Err((
                        "params",
                        format!(
                            "pooled={value}: expected one model (fixed or random) for recompute"
                        ),
                    ));
                }
            }
            "level" => level_param(value).map(drop).map_err(in_params)?,
            "scale" => scale_param(value).map(drop).map_err(in_params)?,
            "n1" | "n2" | "total" => {
                let n = number(value, key).map_err(in_params)?;
                if !(n > 0.0 && n.is_finite()) {
                    return Err((
                        "params",
                        format!("{key}={value}: expected a number above 0"),
                    ));
                }
            }
            "p" => match Figure::parse(value) {
                Ok(Figure::PValue { .. }) => {}
                _ => {
                    return Err((
                        "params",
                        format!("p={value}: expected a p-value such as 'P < 0.0001'"),
                    ))
                }
            },
            "parts" => {
                for x in value.split('+') {
                    number(x, "parts").map_err(in_params)?;
                }
            }
            "a" | "b" => Printed::parse(value).map(drop).map_err(in_params)?,
            _ => {}
        }
    }
    let inputs: Vec<&str> = claim
        .inputs
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "none")
        .collect();
    for input in &inputs {
        if !base.join(input).is_file() {
            return Err((
                "inputs",
                format!(
                    "no file '{input}' beside the registry; expected a study table (paths \
                     relative to the registry's folder, separated by ';')"
                ),
            ));
        }
    }
    let needed = match claim.check.as_str() {
        "recompute" => Some((1, usize::MAX, "at least one study table")),
        "recompute_candidates" => Some((2, 2, "two files: the trials; the candidates")),
        _ => None,
    };
    if let Some((min, max, what)) = needed {
        if inputs.len() < min || inputs.len() > max {
            return Err((
                "inputs",
                format!(
                    "{} input{} for {}; expected {what}",
                    inputs.len(),
                    if inputs.len() == 1 { "" } else { "s" },
                    claim.check
                ),
            ));
        }
    }
    match claim.check.as_str() {
        "none" | "relative_difference" => {}
        "granularity_percent" => {
            for part in claim.figure.split(';') {
                if !matches!(Figure::parse(part), Ok(Figure::Percent(_))) {
                    return Err((
                        "figure",
                        format!("'{part}': expected percentages separated by ';'"),
                    ));
                }
            }
        }
        _ => {
            Figure::parse(&claim.figure).map_err(|e| ("figure", e.to_string()))?;
        }
    }
    Ok(())
}

fn tau2_param(value: &str) -> Result<Option<Tau2Method>> {
    if value.eq_ignore_ascii_case("none") {
        Ok(None)
    } else {
        value.parse::<Tau2Method>().map(Some)
    }
}

fn level_param(value: &str) -> Result<f64> {
    crate::model::level_from_user(number(value, "level")?)
        .map_err(|e| Error::InvalidArgument(format!("level={e}")))
}

fn scale_param(value: &str) -> Result<Scale> {
    match value {
        "difference" => Ok(Scale::Difference),
        "ratio" => Ok(Scale::Ratio),
        other => Err(Error::InvalidArgument(format!(
            "scale={other}: expected difference or ratio"
        ))),
    }
}

/// A claim's parameters; [`read_registry`] has checked them.
fn params(claim: &Claim) -> Result<BTreeMap<String, String>> {
    parse_params(&claim.params)
        .map_err(|e| Error::InvalidArgument(format!("claim {}: {e}", claim.id)))
}

fn param<'a>(p: &'a BTreeMap<String, String>, key: &str, claim: &Claim) -> Result<&'a str> {
    p.get(key).map(String::as_str).ok_or_else(|| {
        Error::InvalidArgument(format!(
            "claim {}: the check needs the parameter '{key}'",
            claim.id
        ))
    })
}

fn number(text: &str, what: &str) -> Result<f64> {
    text.trim()
        .parse()
        .map_err(|_| Error::InvalidArgument(format!("{what}: '{text}' is not a number")))
}

fn known_trials(table: &StudyTable) -> Result<Vec<KnownTrial>> {
    known_trials_in(table, None)
}

/// The trials of a binary table, those of one subgroup when `subgroup` is given.
fn known_trials_in(table: &StudyTable, subgroup: Option<&str>) -> Result<Vec<KnownTrial>> {
    let StudyData::Binary(b) = &table.data else {
        return Err(Error::InvalidArgument(format!(
            "{}: binary data expected",
            table.source
        )));
    };
    let keep = |i: usize| match (subgroup, &table.subgroup) {
        (None, _) => true,
        (Some(s), Some(groups)) => groups[i] == s,
        (Some(_), None) => false,
    };
    Ok((0..table.k())
        .filter(|&i| keep(i))
        .map(|i| KnownTrial {
            study: table.labels[i].clone(),
            events_e: b.events_e[i] as u64,
            n_e: b.n_e[i] as u64,
            events_c: b.events_c[i] as u64,
            n_c: b.n_c[i] as u64,
        })
        .collect())
}

/// The pooling settings named by a claim's params.
struct Settings {
    profile: Profile,
    effect: crate::effect::EffectOptions,
    pool: crate::model::PoolOptions,
}

fn settings(p: &BTreeMap<String, String>, profile_key: &str, claim: &Claim) -> Result<Settings> {
    let measure: Measure = param(p, "measure", claim)?.parse()?;
    let profile: Profile = param(p, profile_key, claim)?.parse()?;
    let fixed = p
        .get("fixed")
        .map(|f| f.parse::<FixedMethod>())
        .transpose()?;
    let (mut effect, mut pool) = profile.options(measure, crate::data::DataType::Binary, fixed);
    if let Some(t) = p.get("tau2") {
        pool.tau2 = tau2_param(t)?;
    }
    if let Some(level) = p.get("level") {
        pool.level = level_param(level)?;
        effect.level = pool.level;
    }
    Ok(Settings {
        profile,
        effect,
        pool,
    })
}

/// The pooled models a claim names (`pooled=fixed`, `random` or `fixed,random`;
/// default fixed).
fn pooled_kinds(p: &BTreeMap<String, String>) -> Result<Vec<Pooled>> {
    p.get("pooled")
        .map(String::as_str)
        .unwrap_or("fixed")
        .split(',')
        .map(|s| match s.trim() {
            "fixed" => Ok(Pooled::Fixed),
            "random" => Ok(Pooled::Random),
            other => Err(Error::InvalidArgument(format!(
                "pooled={other}: expected fixed or random"
            ))),
        })
        .collect()
}

fn kind_name(k: Pooled) -> &'static str {
    match k {
        Pooled::Fixed => "fixed effect",
        Pooled::Random => "random effects",
    }
}

/// Runs one claim's check; `base` is the folder input paths are relative to.
///
/// # Errors
/// When the claim's params or inputs are malformed or cannot be read.
pub fn audit(claim: &Claim, base: &Path) -> Result<Verdict> {
    let p = params(claim)?;
    let inputs: Vec<PathBuf> = claim
        .inputs
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "none")
        .map(|s| base.join(s))
        .collect();
    match claim.check.as_str() {
        "recompute" => {
            let figure = Figure::parse(&claim.figure)?;
            let s = settings(&p, "profile", claim)?;
            let subgroup = p.get("subgroup").map(String::as_str);
            let trials: Vec<KnownTrial> = inputs
                .iter()
                .map(|f| read_csv_path(f).and_then(|t| known_trials_in(&t, subgroup)))
                .collect::<Result<Vec<_>>>()?
                .concat();
            let kind = pooled_kinds(&p)?[0];
            let (e, lo, hi) = pooled_figure(&trials, &s.effect, &s.pool, kind)?;
            let recomputed = figure.format_like(e, lo, hi);
            let mut reason = format!(
                "{} ({}), {} trial{}",
                s.profile.plain_name(),
                kind_name(kind),
                trials.len(),
                if trials.len() == 1 { "" } else { "s" }
            );
            if let Some(other) = p.get("compare_profile") {
                let mut q = p.clone();
                q.insert("other".into(), other.clone());
                let o = settings(&q, "other", claim)?;
                let (e2, lo2, hi2) = pooled_figure(&trials, &o.effect, &o.pool, kind)?;
                reason += &format!(
                    "; {} give {} ({})",
                    o.profile.plain_name(),
                    figure.format_like(e2, lo2, hi2),
                    p.get("compare_note")
                        .map_or("another convention", String::as_str)
                );
            }
            Ok(if figure.matches_estimate(e, lo, hi) {
                Verdict::new(VerdictKind::Reproduced, recomputed, reason)
            } else {
                Verdict::new(
                    VerdictKind::NotReproduced,
                    recomputed.clone(),
                    format!("recomputed {recomputed}; {reason}"),
                )
            })
        }
        "recompute_candidates" => {
            let figure = Figure::parse(&claim.figure)?;
            let s = settings(&p, "profile", claim)?;
            let [base_file, candidates_file] = inputs.as_slice() else {
                return Err(Error::InvalidArgument(format!(
                    "claim {}: recompute_candidates needs two inputs (trials; candidates)",
                    claim.id
                )));
            };
            let subgroup = p.get("subgroup").map(String::as_str);
            let fixed_trials = known_trials_in(&read_csv_path(base_file)?, subgroup)?;
            let cand_table = read_csv_path(candidates_file)?;
            let cand_trials = known_trials(&cand_table)?;
            let in_subgroup: Vec<bool> = (0..cand_table.k())
                .map(|i| match (subgroup, &cand_table.subgroup) {
                    (Some(s), Some(groups)) => groups[i] == s,
                    (Some(_), None) => false,
                    (None, _) => true,
                })
                .collect();
            let ids = &cand_table
                .covariate("candidate")
                .ok_or_else(|| {
                    Error::input(
                        candidates_file.display().to_string(),
                        Some(1),
                        Some("candidate"),
                        "missing column 'candidate'",
                    )
                })?
                .values;
            let mut sets: BTreeMap<&str, Vec<KnownTrial>> = BTreeMap::new();
            for ((id, t), keep) in ids.iter().zip(cand_trials).zip(in_subgroup) {
                let set = sets.entry(id.as_str()).or_default();
                if keep {
                    set.push(t);
                }
            }
            let multiarm = p.get("multiarm");
            let (single, multi): (Vec<KnownTrial>, Vec<KnownTrial>) = fixed_trials
                .iter()
                .cloned()
                .partition(|t| Some(&t.study) != multiarm);
            let variants: Vec<[KnownTrial; 2]> = multi
                .first()
                .map(|t| two_comparisons(t).collect())
                .unwrap_or_default();
            let mut ordered: Vec<(&str, &Vec<KnownTrial>)> =
                sets.iter().map(|(k, v)| (*k, v)).collect();
            ordered.sort_by_key(|(id, _)| (id.parse::<u64>().unwrap_or(u64::MAX), id.to_string()));
            let mut parts = Vec::new();
            // The first input that reproduces the figure (its figure and its description),
            // and the figure of the first candidate (shown when none does).
            let mut shown: Option<(String, String)> = None;
            let mut first = String::new();
            // (candidate, None) as one comparison; (candidate, Some(v)) as two.
            let mut matched: std::collections::BTreeSet<(String, Option<usize>)> =
                Default::default();
            let arm = |t: &KnownTrial| {
                format!("{}/{} against {}/{}", t.events_e, t.n_e, t.events_c, t.n_c)
            };
            for kind in pooled_kinds(&p)? {
                let (mut as_one, mut as_two, mut tried_two) = (Vec::new(), 0usize, 0usize);
                for (id, set) in &ordered {
                    let trials: Vec<KnownTrial> =
                        set.iter().chain(&fixed_trials).cloned().collect();
                    let (e, lo, hi) = pooled_figure(&trials, &s.effect, &s.pool, kind)?;
                    if first.is_empty() {
                        first = figure.format_like(e, lo, hi);
                    }
                    if figure.matches_estimate(e, lo, hi) {
                        as_one.push(id.to_string());
                        matched.insert((id.to_string(), None));
                        shown.get_or_insert_with(|| {
                            (
                                figure.format_like(e, lo, hi),
                                format!("candidate {id}, {}", kind_name(kind)),
                            )
                        });
                    }
                    for (vi, v) in variants.iter().enumerate() {
                        let trials: Vec<KnownTrial> =
                            set.iter().chain(&single).chain(v.iter()).cloned().collect();
                        let (e, lo, hi) = pooled_figure(&trials, &s.effect, &s.pool, kind)?;
                        tried_two += 1;
                        if figure.matches_estimate(e, lo, hi) {
                            as_two += 1;
                            matched.insert((id.to_string(), Some(vi)));
                            shown.get_or_insert_with(|| {
                                (
                                    figure.format_like(e, lo, hi),
                                    format!(
                                        "candidate {id}, {}, with '{}' entered as two comparisons \
                                         (events/participants {} and {})",
                                        kind_name(kind),
                                        multiarm.map_or("", String::as_str),
                                        arm(&v[0]),
                                        arm(&v[1])
                                    ),
                                )
                            });
                        }
                    }
                }
                let mut part = format!(
                    "with {}, {} of the {} reproduce it{}",
                    kind_name(kind),
                    as_one.len(),
                    sets.len(),
                    if as_one.is_empty() || as_one.len() == sets.len() {
                        String::new()
                    } else {
                        format!(" (candidates {})", as_one.join(", "))
                    }
                );
                if let Some(m) = multiarm {
                    part += &format!(
                        ", and {as_two} of {tried_two} do when '{m}' is entered as two comparisons against a halved control group (every split of its arm sizes and events tried)"
                    );
                }
                parts.push(part);
            }
            let file = candidates_file
                .file_name()
                .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
            let reason = format!(
                "{}; the per-trial counts are not known, and {file} lists {} candidate sets \
                 that agree with what the sources print: {}",
                s.profile.plain_name(),
                sets.len(),
                parts.join("; ")
            );
            let n = matched.len();
            Ok(match shown {
                Some((figure_shown, which)) => Verdict::new(
                    VerdictKind::Consistent,
                    figure_shown,
                    format!(
                        "consistent with {n} of the candidate inputs, not with a unique one; \
                         shown: {which}; {reason}"
                    ),
                ),
                None => Verdict::new(
                    VerdictKind::NotReproduced,
                    first,
                    format!("no candidate input reproduces it (shown: the first); {reason}"),
                ),
            })
        }
        "ci_consistency" => {
            let Figure::Estimate {
                estimate,
                ci: Some((lo, hi)),
                ..
            } = Figure::parse(&claim.figure)?
            else {
                return Err(Error::InvalidArgument(format!(
                    "claim {}: an estimate with a CI is needed",
                    claim.id
                )));
            };
            let scale = p
                .get("scale")
                .map(|s| scale_param(s))
                .transpose()?
                .unwrap_or(Scale::Difference);
            let level = p
                .get("level")
                .map(|l| level_param(l))
                .transpose()?
                .unwrap_or(0.95);
            let implied = check_ci(estimate, lo, hi, scale, level)?;
            let summary = format!(
                "implied SE {:.3}, z {:.2}, two-sided p {:.2e} (between {:.1e} and {:.1e} within rounding)",
                implied.se, implied.z, implied.p, implied.p_range.0, implied.p_range.1
            );
            Ok(if implied.symmetric {
                Verdict::new(
                    VerdictKind::Consistent,
                    format!("SE {:.3}, p {:.3}", implied.se, implied.p),
                    format!("CI symmetric about the estimate within rounding; {summary}"),
                )
            } else {
                Verdict::new(
                    VerdictKind::Inconsistent,
                    format!("SE {:.3}", implied.se),
                    format!(
                        "the estimate is not the midpoint of its CI within rounding; {summary}"
                    ),
                )
            })
        }
        "mann_whitney_p" => {
            let Figure::Estimate { estimate, .. } = Figure::parse(&claim.figure)? else {
                return Err(Error::InvalidArgument(format!(
                    "claim {}: an estimate is needed",
                    claim.id
                )));
            };
            let (n1, n2) = (
                number(param(&p, "n1", claim)?, "n1")?,
                number(param(&p, "n2", claim)?, "n2")?,
            );
            let Figure::PValue { relation, value } = Figure::parse(param(&p, "p", claim)?)? else {
                return Err(Error::InvalidArgument(format!(
                    "claim {}: p must be a p-value such as 'P < 0.0001'",
                    claim.id
                )));
            };
            let se = mann_whitney_null_se(n1, n2);
            let (lo, hi) = estimate.bounds();
            let z = (estimate.value - 0.5) / se;
            let range = (
                normal_two_sided_p((hi - 0.5).abs().max((lo - 0.5).abs()) / se),
                normal_two_sided_p((lo - 0.5).abs().min((hi - 0.5).abs()) / se),
            );
            let reason = format!(
                "null SE {:.4} for arms of {n1} and {n2}; z = {:.2}; two-sided p {:.1e} (between {:.1e} and {:.1e} within rounding)",
                se, z, normal_two_sided_p(z), range.0, range.1
            );
            Ok(if p_consistent(relation, value, range) {
                Verdict::new(
                    VerdictKind::Consistent,
                    format!("p = {:.1e}", normal_two_sided_p(z)),
                    reason,
                )
            } else {
                Verdict::new(
                    VerdictKind::Inconsistent,
                    format!("p = {:.1e}", normal_two_sided_p(z)),
                    reason,
                )
            })
        }
        "sum" => {
            let total = Printed::parse(&claim.figure)?;
            let parts: Vec<f64> = param(&p, "parts", claim)?
                .split('+')
                .map(|x| number(x, "parts"))
                .collect::<Result<_>>()?;
            let sum: f64 = parts.iter().sum();
            Ok(if sums_to(&parts, total.value) {
                Verdict::new(
                    VerdictKind::Consistent,
                    format!("{sum}"),
                    format!("{} = {sum}", p["parts"]),
                )
            } else {
                Verdict::new(
                    VerdictKind::Inconsistent,
                    format!("{sum}"),
                    format!("{} = {sum}, not {}", p["parts"], total.text()),
                )
            })
        }
        "granularity_percent" => {
            let percents: Vec<Printed> = claim
                .figure
                .split(';')
                .map(|s| match Figure::parse(s)? {
                    Figure::Percent(p) => Ok(p),
                    _ => Err(Error::InvalidArgument(format!(
                        "claim {}: '{s}' is not a percentage",
                        claim.id
                    ))),
                })
                .collect::<Result<_>>()?;
            let total = number(param(&p, "total", claim)?, "total")? as u64;
            let arms = percents.len() as u64;
            let mut reason = String::new();
            if total.is_multiple_of(arms) {
                let n = total / arms;
                let bad: Vec<String> = percents
                    .iter()
                    .filter(|q| !percent_attainable(**q, n))
                    .map(|q| format!("{}%", q.text()))
                    .collect();
                reason += &if bad.is_empty() {
                    format!("with equal arms of {n} every percentage is attainable; ")
                } else {
                    format!(
                        "with equal arms of {n}, {} cannot arise from whole patients; ",
                        bad.join(" and ")
                    )
                };
            }
            let found = allocations(&percents, total)?;
            reason += &format!(
                "{} allocations of {total} to {arms} arms make all of them attainable",
                found.count
            );
            if let Some(c) = &found.most_nearly_equal {
                reason += &format!(
                    " (the most nearly equal: {})",
                    c.iter().map(u64::to_string).collect::<Vec<_>>().join(" + ")
                );
            }
            Ok(if found.count == 0 {
                Verdict::new(VerdictKind::Inconsistent, "", reason)
            } else {
                Verdict::new(
                    VerdictKind::Consistent,
                    format!("{} allocations", found.count),
                    format!("consistent only with some arm sizes: {reason}"),
                )
            })
        }
        "relative_difference" => {
            let range: Vec<f64> = claim
                .figure
                .trim_end_matches('%')
                .split('-')
                .map(|x| number(x, "range"))
                .collect::<Result<_>>()?;
            let (a, b) = (
                Printed::parse(param(&p, "a", claim)?)?,
                Printed::parse(param(&p, "b", claim)?)?,
            );
            let ((al, ah), (bl, bh)) = (a.bounds(), b.bounds());
            let rel = (100.0 * (al / bh - 1.0), 100.0 * (ah / bl - 1.0));
            let abs = (al - bh, ah - bl);
            let (lo, hi) = (range[0], *range.last().unwrap_or(&range[0]));
            let overlaps = |(x, y): (f64, f64)| x <= hi && lo <= y;
            let reason = format!(
                "{}% vs {}%: relative increase {:.0}% ({:.0}% to {:.0}% within rounding), absolute difference {:.0} points ({:.0} to {:.0})",
                a.text(), b.text(), 100.0 * (a.value / b.value - 1.0), rel.0, rel.1, a.value - b.value, abs.0, abs.1
            );
            let recomputed = format!(
                "{:.0}% relative, {:.0} points absolute",
                100.0 * (a.value / b.value - 1.0),
                a.value - b.value
            );
            Ok(if overlaps(rel) || overlaps(abs) {
                Verdict::new(VerdictKind::Consistent, recomputed, reason)
            } else {
                Verdict::new(
                    VerdictKind::Inconsistent,
                    recomputed,
                    format!("neither is {}: {reason}", claim.figure),
                )
            })
        }
        "none" => Ok(Verdict::new(
            VerdictKind::NotCheckable,
            "",
            format!(
                "missing: {}",
                p.get("missing").map_or("the inputs", String::as_str)
            ),
        )),
        other => Err(Error::InvalidArgument(format!(
            "claim {}: unknown check '{other}'",
            claim.id
        ))),
    }
}
