//! RevMan 5 review files (`.rm5`): the XML RevMan 5 saves, with every analysis and
//! RevMan's own results at full double precision.
//!
//! The analyses are under `ANALYSES_AND_DATA`: `COMPARISON` elements (attribute `NO`,
//! child `NAME`) hold outcomes of four types, each with its study rows, either directly
//! or inside subgroups:
//!
//! | outcome | subgroup | study row | the study's data (inputs) |
//! |---|---|---|---|
//! | `DICH_OUTCOME` | `DICH_SUBGROUP` | `DICH_DATA` | `EVENTS_1 TOTAL_1 EVENTS_2 TOTAL_2` |
//! | `CONT_OUTCOME` | `CONT_SUBGROUP` | `CONT_DATA` | `MEAN_1 SD_1 TOTAL_1 MEAN_2 SD_2 TOTAL_2` |
//! | `IV_OUTCOME` | `IV_SUBGROUP` | `IV_DATA` | `EFFECT_SIZE SE` (generic inverse variance) |
//! | `IPD_OUTCOME` | `IPD_SUBGROUP` | `IPD_DATA` | `O_E VAR` (O-E and variance) |
//!
//! `OTHER_OUTCOME` (other data) is read and listed, not re-run. Group 1 is the
//! experimental arm, group 2 the control arm.
//!
//! # What an outcome asks for (its attributes)
//! - `METHOD`: `MH`, `IV` or `PETO` (absent on continuous outcomes: inverse variance;
//!   absent on O-E outcomes: Peto's method, pooled by inverse variance on V);
//! - `EFFECT_MEASURE`: `RR`, `OR`, `RD`, `PETO_OR`, `MD`, `SMD` as an attribute of
//!   dichotomous and continuous outcomes; the measure of a generic or O-E outcome is the
//!   text of its `EFFECT_MEASURE` child (`Hazard Ratio`, …), a name only;
//! - `RANDOM`: `YES` (random effects, DerSimonian-Laird) or `NO`;
//! - `CI_STUDY`, `CI_TOTAL`: the confidence levels in percent (95 when absent);
//! - `SWAP_EVENTS`: `YES` when events and non-events are swapped;
//! - `LOG_DATA` (generic outcomes): `YES` when the analysis is on the log scale. Then
//!   `EFFECT_SIZE` of a study row is the ratio itself and its logarithm is the
//!   estimate pooled; `SE` is on the log scale. This is how R's meta package
//!   (`read.rm5`, `metacr`) reads these files; no generic outcome of a real file is at
//!   hand to confirm it. Without `LOG_DATA` the measure's name decides (a ratio when it
//!   says "ratio" or is HR, OR, RR), with a warning.
//!
//! # The printed figures
//! Every other numeric attribute RevMan computed is a printed figure of its row:
//! `EFFECT_SIZE CI_START CI_END` (natural scale), `LOG_EFFECT_SIZE LOG_CI_START
//! LOG_CI_END` (base-10 logarithms of a ratio's), `SE VAR` (analysis scale: natural
//! logarithms), `WEIGHT` (%), `O_E` (dichotomous rows),
//! `ESTIMABLE`, and on outcome and subgroup elements the arm totals, `STUDIES`,
//! `CHI2 DF P_CHI2 I2` (heterogeneity), `TAU2`, `Z P_Z` (the test of the effect) and
//! `Q P_Q I2_Q` (the test for subgroup differences). An empty attribute (`CHI2=""`: not
//! computed) is not a figure. Attributes the reader does not know are not read; a
//! warning names each once.
//!
//! # Encoding and errors
//! The file is decoded as its XML declaration says: UTF-8 (also when there is no
//! declaration) or ISO-8859-1 (`latin1`, `US-ASCII`); other encodings, UTF-16 and
//! bytes that are not UTF-8 in a file declared UTF-8 are errors naming the line.
//! Errors ([`Error::Input`], exit 2) name the file, the line and the element (with the
//! attribute): XML that is not well formed (a truncated file), a missing `NO`,
//! `RANDOM`, `EFFECT_MEASURE` or `METHOD`, a value that is not what RevMan writes, a
//! study input that is not a number, a count that is negative, not whole or above its
//! total, a negative SD, study rows beside subgroups in one outcome, a review without
//! `ANALYSES_AND_DATA` or without any outcome.

use super::{
    checked_count, checked_events, checked_not_negative, measure_of, measures_of, method_of,
    methods_of, names_a_ratio, Analysis, Figure, Method, Model, PrintedFigure, PrintedRow,
    RevManOutcome, RevManStudy, Review, ReviewFormat, StudyArms,
};
use crate::data::DataType;
use crate::error::{Error, Result};
use crate::measure::Measure;
use roxmltree::{Document, Node};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The printed figures of outcome, subgroup and study elements, by attribute.
const FIGURES: [(&str, Figure); 26] = [
    ("EVENTS_1", Figure::Events1),
    ("TOTAL_1", Figure::Total1),
    ("EVENTS_2", Figure::Events2),
    ("TOTAL_2", Figure::Total2),
    ("EFFECT_SIZE", Figure::EffectEstimate),
    ("SE", Figure::Se),
    ("CI_START", Figure::CiStart),
    ("CI_END", Figure::CiEnd),
    ("LOG_EFFECT_SIZE", Figure::LogEffectEstimate),
    ("LOG_CI_START", Figure::LogCiStart),
    ("LOG_CI_END", Figure::LogCiEnd),
    ("VAR", Figure::Var),
    ("O_E", Figure::Oe),
    ("WEIGHT", Figure::Weight),
    ("CHI2", Figure::Q),
    ("DF", Figure::Df),
    ("P_CHI2", Figure::PQ),
    ("I2", Figure::I2Q),
    ("TAU2", Figure::Tau2),
    ("Z", Figure::Z),
    ("P_Z", Figure::PZ),
    ("Q", Figure::Qint),
    ("P_Q", Figure::PQint),
    ("I2_Q", Figure::I2Qint),
    ("STUDIES", Figure::Studies),
    ("ESTIMABLE", Figure::Estimable),
];

/// Attributes that are settings, identifiers or display options, not figures.
const SETTINGS: [&str; 22] = [
    "CI_STUDY",
    "CI_TOTAL",
    "EFFECT_MEASURE",
    "ID",
    "METHOD",
    "MODIFIED",
    "MODIFIED_BY",
    "NO",
    "RANDOM",
    "SCALE",
    "SORT_BY",
    "SUBGROUPS",
    "SUBGROUP_TEST",
    "SWAP_EVENTS",
    "TOTALS",
    "UNITS",
    "LOG_DATA",
    "ORDER",
    "STUDY_ID",
    "FEEDBACK",
    "CHI2_SUBGROUP",
    "ENTER_N",
];

/// The four outcome types that are re-run, and other data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dich,
    Cont,
    Iv,
    Ipd,
    Other,
}

impl Kind {
    fn of_outcome(tag: &str) -> Option<Kind> {
        Some(match tag {
            "DICH_OUTCOME" => Kind::Dich,
            "CONT_OUTCOME" => Kind::Cont,
            "IV_OUTCOME" => Kind::Iv,
            "IPD_OUTCOME" => Kind::Ipd,
            "OTHER_OUTCOME" => Kind::Other,
            _ => return None,
        })
    }

    fn prefix(self) -> &'static str {
        match self {
            Kind::Dich => "DICH",
            Kind::Cont => "CONT",
            Kind::Iv => "IV",
            Kind::Ipd => "IPD",
            Kind::Other => "OTHER",
        }
    }

    /// The study inputs of a data element: not printed figures.
    fn inputs(self) -> &'static [&'static str] {
        match self {
            Kind::Dich => &["EVENTS_1", "TOTAL_1", "EVENTS_2", "TOTAL_2"],
            Kind::Cont => &["MEAN_1", "SD_1", "TOTAL_1", "MEAN_2", "SD_2", "TOTAL_2"],
            Kind::Iv => &["EFFECT_SIZE", "SE"],
            Kind::Ipd => &["O_E", "VAR"],
            Kind::Other => &[],
        }
    }
}

/// Reads a RevMan 5 review file from memory; `source` names it in messages.
///
/// # Errors
/// [`Error::Input`] naming the file, line and element for every error of the module
/// documentation.
pub fn read_rm5_bytes(source: &str, bytes: &[u8]) -> Result<Review> {
    let text = decode(source, bytes)?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = Document::parse_with_options(&text, options).map_err(|e| {
        let (line, why) = match e {
            // At the end of the text: the file is cut short.
            roxmltree::Error::UnexpectedEndOfStream => (
                text.lines().count().max(1),
                "the file ends inside an element: is it cut short?",
            ),
            roxmltree::Error::DtdDetected => (
                e.pos().row as usize,
                "a document type declaration (DTD) is not read: RevMan writes none",
            ),
            _ => (
                e.pos().row as usize,
                "expected a RevMan 5 review file as RevMan saves it",
            ),
        };
        Error::xml(
            source,
            Some(line),
            None,
            format!("not well-formed XML ({e}); {why}"),
        )
    })?;
    Reader {
        source,
        doc: &doc,
        warnings: Vec::new(),
        unknown: BTreeSet::new(),
        names: HashMap::new(),
    }
    .review()
}

/// The text of the file as its XML declaration says it is encoded.
fn decode(source: &str, bytes: &[u8]) -> Result<String> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Error::xml(
            source,
            Some(1),
            None,
            "the file is UTF-16 text; expected a RevMan 5 review file (UTF-8 or ISO-8859-1)",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let encoding = declared_encoding(bytes).unwrap_or_else(|| "UTF-8".to_string());
    match encoding.to_ascii_lowercase().as_str() {
        "utf-8" | "utf8" => match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_string()),
            Err(e) => {
                let at = e.valid_up_to();
                let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
                Err(Error::xml(
                    source,
                    Some(line),
                    None,
                    format!(
                        "byte {at} is not UTF-8, the encoding the file declares ({encoding}); \
                         was it saved in another encoding (ISO-8859-1?) without changing the \
                         declaration?"
                    ),
                ))
            }
        },
        // Latin-1: every byte is the character of the same number.
        "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "us-ascii" | "ascii" => {
            Ok(bytes.iter().map(|&b| char::from(b)).collect())
        }
        _ => Err(Error::xml(
            source,
            Some(1),
            None,
            format!(
                "the file declares the encoding '{encoding}'; metapool reads review files in \
                 UTF-8 or ISO-8859-1, the encodings RevMan writes"
            ),
        )),
    }
}

/// The `encoding` of an XML declaration (`<?xml version="1.0" encoding="…"?>`).
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let declaration = bytes.strip_prefix(b"<?xml")?;
    let end = declaration.windows(2).position(|w| w == b"?>")?;
    let declaration = std::str::from_utf8(&declaration[..end]).ok()?;
    let after = &declaration[declaration.find("encoding")? + "encoding".len()..];
    let after = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &after[1..];
    Some(value[..value.find(quote)?].to_string())
}

struct Reader<'a, 'input> {
    source: &'a str,
    doc: &'a Document<'input>,
    warnings: Vec<String>,
    /// Unknown attributes already warned about.
    unknown: BTreeSet<String>,
    /// Study ID → the study's name.
    names: HashMap<String, String>,
}

/// Whether a node is the element `tag`.
fn is(node: &Node, tag: &str) -> bool {
    node.is_element() && node.tag_name().name() == tag
}

fn children<'a, 'input>(node: Node<'a, 'input>) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children().filter(Node::is_element)
}

/// The text of the child element `tag`, trimmed (empty when there is none).
fn child_text(node: Node, tag: &str) -> String {
    children(node)
        .find(|c| is(c, tag))
        .and_then(|c| c.text())
        .unwrap_or_default()
        .trim()
        .to_string()
}

impl<'input> Reader<'_, 'input> {
    fn line(&self, node: Node) -> usize {
        self.doc.text_pos_at(node.range().start).row as usize
    }

    fn error(&self, node: Node, attribute: Option<&str>, message: impl Into<String>) -> Error {
        let tag = node.tag_name().name();
        let element = match attribute {
            Some(a) => format!("element {tag}, attribute {a}"),
            None => format!("element {tag}"),
        };
        Error::xml(self.source, Some(self.line(node)), Some(&element), message)
    }

    /// A required attribute.
    fn required<'n>(&self, node: Node<'n, 'input>, attribute: &str) -> Result<&'n str> {
        node.attribute(attribute).ok_or_else(|| {
            self.error(
                node,
                Some(attribute),
                format!(
                    "the attribute {attribute} is missing; RevMan writes it on every {}",
                    node.tag_name().name()
                ),
            )
        })
    }

    /// `YES` or `NO` (absent: `default`).
    fn yes_no(&self, node: Node, attribute: &str, default: Option<bool>) -> Result<bool> {
        match (node.attribute(attribute), default) {
            (Some("YES"), _) => Ok(true),
            (Some("NO"), _) => Ok(false),
            (None, Some(d)) => Ok(d),
            (None, None) => Err(self.error(
                node,
                Some(attribute),
                format!("the attribute {attribute} is missing; expected YES or NO"),
            )),
            (Some(other), _) => Err(self.error(
                node,
                Some(attribute),
                format!("'{other}' is neither YES nor NO"),
            )),
        }
    }

    /// A whole number attribute (`NO`).
    fn number(&self, node: Node, attribute: &str) -> Result<u32> {
        let text = self.required(node, attribute)?;
        match text.trim().parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(self.error(
                node,
                Some(attribute),
                format!(
                    "'{text}' is not a number RevMan gives a comparison, an outcome or a \
                     subgroup; expected a whole number from 1"
                ),
            )),
        }
    }

    fn review(mut self) -> Result<Review> {
        let root = self.doc.root_element();
        if !is(&root, "COCHRANE_REVIEW") {
            return Err(self.error(
                root,
                None,
                format!(
                    "the document's root is {}; a RevMan 5 review file's is COCHRANE_REVIEW",
                    root.tag_name().name()
                ),
            ));
        }
        for study in root.descendants().filter(|n| is(n, "STUDY")) {
            if let (Some(id), Some(name)) = (study.attribute("ID"), study.attribute("NAME")) {
                self.names.insert(id.to_string(), name.to_string());
            }
        }
        let analyses = children(root)
            .find(|n| is(n, "ANALYSES_AND_DATA"))
            .ok_or_else(|| {
                self.error(
                    root,
                    None,
                    "the review has no ANALYSES_AND_DATA element: no analyses to check",
                )
            })?;
        let mut outcomes = Vec::new();
        for comparison in children(analyses).filter(|n| is(n, "COMPARISON")) {
            let c = self.number(comparison, "NO")?;
            let comparison_name = child_text(comparison, "NAME");
            for outcome in children(comparison) {
                if let Some(kind) = Kind::of_outcome(outcome.tag_name().name()) {
                    outcomes.push(self.outcome(c, &comparison_name, kind, outcome)?);
                }
            }
        }
        if outcomes.is_empty() {
            return Err(self.error(
                analyses,
                None,
                "the review holds no outcome (no DICH_OUTCOME, CONT_OUTCOME, IV_OUTCOME, \
                 IPD_OUTCOME or OTHER_OUTCOME under a COMPARISON)",
            ));
        }
        let mut ids = BTreeMap::new();
        for o in &outcomes {
            if let Some(first) = ids.insert(o.id.clone(), o.row) {
                return Err(Error::xml(
                    self.source,
                    o.row,
                    None,
                    format!(
                        "a second outcome numbered {} (the first is at line {}); expected one \
                         outcome per number",
                        o.id,
                        first.unwrap_or_default()
                    ),
                ));
            }
        }
        Ok(Review {
            source: self.source.to_string(),
            format: ReviewFormat::Rm5,
            outcomes,
            warnings: self.warnings,
        })
    }

    /// The printed figures of an element (not its inputs `inputs`).
    fn printed(&mut self, node: Node, name: String, inputs: &[&str]) -> PrintedRow {
        let mut figures = Vec::new();
        for a in node.attributes() {
            let (attribute, value) = (a.name(), a.value());
            if inputs.contains(&attribute) || SETTINGS.contains(&attribute) {
                continue;
            }
            match FIGURES.iter().find(|(n, _)| *n == attribute) {
                Some(&(_, figure)) if !value.trim().is_empty() => figures.push(PrintedFigure {
                    figure: Some(figure),
                    column: attribute.to_string(),
                    text: value.trim().to_string(),
                }),
                Some(_) => {}
                None => {
                    let key = format!("{} {attribute}", node.tag_name().name());
                    if self.unknown.insert(key) {
                        self.warnings.push(format!(
                            "{}, line {}: attribute {attribute} of {} is not read (not an \
                             attribute metapool knows)",
                            self.source,
                            self.line(node),
                            node.tag_name().name()
                        ));
                    }
                }
            }
        }
        PrintedRow {
            name,
            row: self.line(node),
            file: None,
            figures,
        }
    }

    fn outcome(
        &mut self,
        comparison: u32,
        comparison_name: &str,
        kind: Kind,
        node: Node<'_, 'input>,
    ) -> Result<RevManOutcome> {
        let id = format!("{comparison}.{}", self.number(node, "NO")?);
        let name = child_text(node, "NAME");
        let method_text = node.attribute("METHOD").unwrap_or_default().to_string();
        let measure_text = match kind {
            Kind::Iv | Kind::Ipd | Kind::Other => child_text(node, "EFFECT_MEASURE"),
            _ => node
                .attribute("EFFECT_MEASURE")
                .unwrap_or_default()
                .to_string(),
        };
        let random = match kind {
            Kind::Other => node.attribute("RANDOM") == Some("YES"),
            _ => self.yes_no(node, "RANDOM", None)?,
        };
        let analysis = self.analysis(kind, node, &measure_text, random)?;
        let data_tag = format!("{}_DATA", kind.prefix());
        let subgroup_tag = format!("{}_SUBGROUP", kind.prefix());
        let mut subgroups = BTreeMap::new();
        let mut studies = Vec::new();
        let mut direct: Option<Node> = None;
        for child in children(node) {
            if is(&child, &data_tag) {
                direct.get_or_insert(child);
                studies.push(self.study(kind, child, 0, analysis.as_ref().ok())?);
            } else if is(&child, &subgroup_tag) {
                let number = self.number(child, "NO")?;
                let row = self.printed(child, child_text(child, "NAME"), &[]);
                if subgroups.insert(number, row).is_some() {
                    return Err(self.error(
                        child,
                        Some("NO"),
                        format!("a second subgroup numbered {number} in outcome {id}"),
                    ));
                }
                for data in children(child).filter(|n| is(n, &data_tag)) {
                    studies.push(self.study(kind, data, number, analysis.as_ref().ok())?);
                }
            }
        }
        if let (Some(data), false) = (direct, subgroups.is_empty()) {
            return Err(self.error(
                data,
                None,
                format!(
                    "a study row of outcome {id} outside its subgroups; expected every {data_tag} \
                     of an outcome with subgroups inside a {subgroup_tag}"
                ),
            ));
        }
        let pooled = self.printed(node, name.clone(), &[]);
        Ok(RevManOutcome {
            comparison: comparison_name.to_string(),
            name,
            row: Some(pooled.row),
            data_type: node.tag_name().name().to_string(),
            method: method_text,
            measure: measure_text,
            model: if random { "Random" } else { "Fixed" }.to_string(),
            analysis,
            pooled: Some(pooled),
            subgroups,
            studies,
            id,
        })
    }

    /// A confidence level in percent (`CI_STUDY`, `CI_TOTAL`; 95 when absent).
    fn level(&self, node: Node, attribute: &str) -> Result<f64> {
        let Some(text) = node.attribute(attribute) else {
            return Ok(0.95);
        };
        match text.trim().parse::<f64>() {
            Ok(l) if l > 0.0 && l < 100.0 => Ok(l / 100.0),
            _ => Err(self.error(
                node,
                Some(attribute),
                format!(
                    "'{text}' is not a confidence level; expected a percentage between 0 and \
                     100 such as 95"
                ),
            )),
        }
    }

    /// What an outcome asks for, or why it is not re-run.
    fn analysis(
        &mut self,
        kind: Kind,
        node: Node,
        measure_text: &str,
        random: bool,
    ) -> Result<std::result::Result<Analysis, String>> {
        let model = if random { Model::Random } else { Model::Fixed };
        let (study_level, total_level) =
            (self.level(node, "CI_STUDY")?, self.level(node, "CI_TOTAL")?);
        let swap_events = kind == Kind::Dich && self.yes_no(node, "SWAP_EVENTS", Some(false))?;
        let method = |s: &Self| -> Result<Method> {
            let text = s.required(node, "METHOD")?;
            method_of(text).ok_or_else(|| {
                s.error(
                    node,
                    Some("METHOD"),
                    format!("'{text}' is not a RevMan 5 method; expected MH, IV or PETO"),
                )
            })
        };
        let (data_type, method, measure, ratio) = match kind {
            Kind::Other => {
                return Ok(Err(
                    "an outcome of other data (OTHER_OUTCOME) has no analysis to re-run".into(),
                ))
            }
            Kind::Dich | Kind::Cont => {
                let data_type = if kind == Kind::Dich {
                    DataType::Binary
                } else {
                    DataType::Continuous
                };
                let text = self.required(node, "EFFECT_MEASURE")?;
                let measure = measure_of(text)
                    .map(|m| m.0)
                    .filter(|m| measures_of(data_type).is_none_or(|ok| ok.0.contains(m)))
                    .ok_or_else(|| {
                        self.error(
                            node,
                            Some("EFFECT_MEASURE"),
                            format!(
                                "'{text}' is not a measure of {}; expected {}",
                                node.tag_name().name(),
                                measures_of(data_type).map_or("", |m| m.1)
                            ),
                        )
                    })?;
                // A continuous outcome has no METHOD (inverse variance is its only one).
                let method = match (kind, node.attribute("METHOD")) {
                    (Kind::Cont, None) => Method::InverseVariance,
                    _ => method(self)?,
                };
                if let Some(ok) = methods_of(data_type, measure).filter(|m| !m.0.contains(&method))
                {
                    return Err(self.error(
                        node,
                        Some("METHOD"),
                        format!(
                            "'{}' does not go with the measure {text}; expected {}",
                            node.attribute("METHOD").unwrap_or_default(),
                            ok.1
                        ),
                    ));
                }
                (data_type, method, measure, measure.is_ratio())
            }
            Kind::Iv => {
                let ratio = match node.attribute("LOG_DATA") {
                    Some(_) => self.yes_no(node, "LOG_DATA", None)?,
                    None => {
                        let ratio = names_a_ratio(measure_text);
                        self.warnings.push(format!(
                            "{}, line {}: generic outcome without LOG_DATA: read as {} from \
                             its measure '{measure_text}'",
                            self.source,
                            self.line(node),
                            if ratio {
                                "a ratio (EFFECT_SIZE on the natural scale, pooled on the log \
                                 scale)"
                            } else {
                                "a difference (pooled on the scale of EFFECT_SIZE)"
                            }
                        ));
                        ratio
                    }
                };
                match node.attribute("METHOD") {
                    None | Some("IV") => {}
                    Some(other) => {
                        return Err(self.error(
                            node,
                            Some("METHOD"),
                            format!(
                                "'{other}' is not a method of generic inverse-variance data; \
                                 expected IV"
                            ),
                        ))
                    }
                }
                (
                    DataType::GenericSe,
                    Method::InverseVariance,
                    Measure::GEN,
                    ratio,
                )
            }
            Kind::Ipd => {
                match node.attribute("METHOD") {
                    None | Some("PETO") => {}
                    Some(other) => {
                        return Err(self.error(
                            node,
                            Some("METHOD"),
                            format!(
                                "'{other}' is not a method of O-E and variance data; expected \
                                 PETO (or no METHOD)"
                            ),
                        ))
                    }
                }
                (DataType::GenericVariance, Method::Peto, Measure::GEN, true)
            }
        };
        Ok(Ok(Analysis {
            data_type,
            method,
            measure,
            ratio,
            swap_events,
            model,
            study_level,
            total_level,
        }))
    }

    /// A numeric input attribute of a study row.
    fn input(&self, node: Node, attribute: &str) -> Result<f64> {
        let text = self.required(node, attribute)?;
        match text.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            _ => Err(self.error(
                node,
                Some(attribute),
                format!("'{text}' is not a number; expected the study's data as RevMan writes it"),
            )),
        }
    }

    fn count(&self, node: Node, attribute: &str) -> Result<f64> {
        checked_count(self.input(node, attribute)?)
            .map_err(|m| self.error(node, Some(attribute), m))
    }

    /// A study row: its printed figures and, for an outcome that is re-run, its data.
    fn study(
        &mut self,
        kind: Kind,
        node: Node,
        subgroup: u32,
        analysis: Option<&Analysis>,
    ) -> Result<RevManStudy> {
        let id = node.attribute("STUDY_ID").unwrap_or_default();
        let name = self
            .names
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string());
        let arms = match analysis.map(|_| kind) {
            None | Some(Kind::Other) => None,
            Some(Kind::Dich) => {
                let (events_1, total_1) =
                    (self.count(node, "EVENTS_1")?, self.count(node, "TOTAL_1")?);
                let (events_2, total_2) =
                    (self.count(node, "EVENTS_2")?, self.count(node, "TOTAL_2")?);
                for (events, total, e, t) in [
                    (events_1, total_1, "EVENTS_1", "TOTAL_1"),
                    (events_2, total_2, "EVENTS_2", "TOTAL_2"),
                ] {
                    checked_events(events, total, t).map_err(|m| self.error(node, Some(e), m))?;
                }
                Some(StudyArms::Dichotomous {
                    events_1,
                    total_1,
                    events_2,
                    total_2,
                })
            }
            Some(Kind::Cont) => {
                let sd = |s: &Self, attribute: &str| -> Result<f64> {
                    checked_not_negative(s.input(node, attribute)?, "a standard deviation")
                        .map_err(|m| s.error(node, Some(attribute), m))
                };
                Some(StudyArms::Continuous {
                    mean_1: self.input(node, "MEAN_1")?,
                    sd_1: sd(self, "SD_1")?,
                    total_1: self.count(node, "TOTAL_1")?,
                    mean_2: self.input(node, "MEAN_2")?,
                    sd_2: sd(self, "SD_2")?,
                    total_2: self.count(node, "TOTAL_2")?,
                })
            }
            Some(Kind::Iv) => {
                let effect = self.input(node, "EFFECT_SIZE")?;
                let se = self.input(node, "SE")?;
                let ratio = analysis.is_some_and(|a| a.ratio);
                if ratio && effect <= 0.0 {
                    return Err(self.error(
                        node,
                        Some("EFFECT_SIZE"),
                        format!(
                            "{effect} is not a ratio (the outcome is on the log scale, \
                             LOG_DATA=\"YES\"); expected a number above 0"
                        ),
                    ));
                }
                Some(StudyArms::Generic {
                    estimate: if ratio { effect.ln() } else { effect },
                    se,
                })
            }
            Some(Kind::Ipd) => Some(StudyArms::ObservedMinusExpected {
                o_e: self.input(node, "O_E")?,
                variance: self.input(node, "VAR")?,
            }),
        };
        let inputs = if arms.is_some() { kind.inputs() } else { &[] };
        Ok(RevManStudy {
            printed: self.printed(node, name, inputs),
            subgroup,
            arms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declared_encoding_is_read() {
        assert_eq!(
            declared_encoding(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\" standalone=\"no\"?>"),
            Some("ISO-8859-1".into())
        );
        assert_eq!(
            declared_encoding(b"<?xml version='1.0' encoding = 'utf-8'?><a/>"),
            Some("utf-8".into())
        );
        assert_eq!(declared_encoding(b"<?xml version=\"1.0\"?>"), None);
        assert_eq!(declared_encoding(b"<COCHRANE_REVIEW/>"), None);
    }

    #[test]
    fn latin1_is_decoded_and_bad_utf8_is_an_error_at_its_line() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<A N=\"\xB2\"/>";
        assert!(decode("f", latin1).unwrap().contains('²'));
        let bad = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\n<A N=\"\xB2\"/>";
        let e = decode("f.rm5", bad).unwrap_err().to_string();
        assert!(
            e.contains("f.rm5, line 3") && e.contains("not UTF-8"),
            "{e}"
        );
    }
}
