//! Forest and funnel plots checked as a person would look at them.
//!
//! - Always: the SVG is a single well-formed document whose every text label lies
//!   inside the canvas, with the study labels and the pooled rows present.
//! - When Debian's `chromium` is installed (`apt-get install chromium`; set
//!   `METAPOOL_CHROMIUM` to use another binary): the SVG is rendered headless to PNG
//!   and the picture is checked not to be blank. Without chromium the render test says
//!   so on stderr and passes.

use std::path::{Path, PathBuf};
use std::process::Command;

fn metapool(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_metapool"))
        .args(args)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("metapool-plots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

/// A text label and its position.
type Label = (f64, f64, String);

/// (width, height) of the SVG and every text label with its position.
fn labels(svg: &str) -> ((f64, f64), Vec<Label>) {
    let attr = |tag: &str, name: &str| -> f64 {
        let key = format!("{name}=\"");
        let start = tag.find(&key).expect(name) + key.len();
        tag[start..]
            .split('"')
            .next()
            .expect("value")
            .parse()
            .expect("number")
    };
    let head = &svg[..svg.find('>').expect("svg tag")];
    let size = (attr(head, "width"), attr(head, "height"));
    let mut out = Vec::new();
    for part in svg.split("<text ").skip(1) {
        let tag = &part[..part.find('>').expect("text tag")];
        let body =
            &part[part.find('>').expect("text tag") + 1..part.find("</text>").expect("close")];
        out.push((attr(tag, "x"), attr(tag, "y"), body.to_string()));
    }
    (size, out)
}

fn check_layout(path: &Path, must_contain: &[&str]) {
    let svg = std::fs::read_to_string(path).expect("svg written");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<svg").count(), 1);
    let ((w, h), texts) = labels(&svg);
    assert!(!texts.is_empty());
    for (x, y, t) in &texts {
        assert!(
            *x >= 0.0 && *x <= w && *y >= 0.0 && *y <= h,
            "label '{t}' at ({x}, {y}) outside {w} x {h}"
        );
    }
    for s in must_contain {
        assert!(
            texts.iter().any(|(_, _, t)| t.contains(s)),
            "no label containing '{s}'"
        );
    }
}

fn chromium() -> Option<String> {
    if let Ok(c) = std::env::var("METAPOOL_CHROMIUM") {
        return Some(c);
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .find(|p| Path::new(p).exists())
        .map(|p| p.to_string())
}

/// Renders an SVG to PNG with headless chromium; returns the share of non-white pixels.
fn render(svg: &Path, browser: &str) -> f64 {
    let png = svg.with_extension("png");
    let profile = svg.with_extension("profile");
    let status = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1000,800",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", svg.display()))
        .output()
        .expect("run chromium");
    assert!(
        png.exists(),
        "chromium wrote no picture: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&png).expect("png"),
    ));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("png frame");
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let non_white = pixels
        .chunks(channels)
        .filter(|p| p.iter().take(3).any(|&c| c < 200))
        .count();
    non_white as f64 / (pixels.len() / channels) as f64
}

#[test]
fn forest_plot_with_subgroups_has_every_label_inside_the_canvas() {
    let path = temp("forest.svg");
    metapool(&[
        "pool",
        "tests/golden/inputs/bcg_alloc.csv",
        "--subgroup",
        "subgroup",
        "--forest",
        path.to_str().expect("path"),
    ]);
    check_layout(
        &path,
        &[
            "Aronson 1948",
            "Comstock et al 1976",
            "Total (random effects, REML)",
            "Test for subgroup differences",
            "Prediction interval",
            "random",
            "systematic",
        ],
    );
}

#[test]
fn funnel_plot_has_every_label_inside_the_canvas() {
    let path = temp("funnel.svg");
    metapool(&[
        "pool",
        "tests/golden/inputs/normand1999.csv",
        "--measure",
        "MD",
        "--funnel",
        path.to_str().expect("path"),
    ]);
    check_layout(&path, &["Standard error", "MD"]);
}

#[test]
fn plots_render_to_pictures_that_are_not_blank() {
    let Some(browser) = chromium() else {
        eprintln!("skipping the render test: chromium is not installed (apt-get install chromium)");
        return;
    };
    let forest = temp("render_forest.svg");
    metapool(&[
        "pool",
        "data/cd007026/pub6_1_4_nonfatal_sae.csv",
        "--profile",
        "revman5",
        "--subgroup",
        "subgroup",
        "--forest",
        forest.to_str().expect("path"),
    ]);
    let ink = render(&forest, &browser);
    assert!(ink > 0.01 && ink < 0.5, "forest plot ink share {ink}");
    let funnel = temp("render_funnel.svg");
    metapool(&[
        "pool",
        "tests/golden/inputs/bcg.csv",
        "--funnel",
        funnel.to_str().expect("path"),
    ]);
    let ink = render(&funnel, &browser);
    assert!(ink > 0.002 && ink < 0.8, "funnel plot ink share {ink}");
}

/// The `data-estimate` of the funnel plot's centre line.
fn centre_of(svg: &str) -> f64 {
    let tag = &svg[svg.find("class=\"centre\"").expect("centre line")..];
    let key = "data-estimate=\"";
    let start = tag.find(key).expect("data-estimate") + key.len();
    tag[start..]
        .split('"')
        .next()
        .expect("value")
        .parse()
        .expect("number")
}

/// One value of a golden CSV whose first columns are `keys`.
fn golden(file: &str, keys: &[&str], value_col: usize) -> f64 {
    let mut rdr = csv::Reader::from_path(file).expect("golden");
    for rec in rdr.records() {
        let r = rec.expect("record");
        if keys.iter().enumerate().all(|(i, k)| &r[i] == *k) {
            return r[value_col].parse().expect("number");
        }
    }
    panic!("no {keys:?} in {file}");
}

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() <= 1e-8 * expected.abs(),
        "{actual} vs metafor {expected}"
    );
}

/// The funnel plot of a REML fit is centred on the REML estimate (it was centred on
/// the fixed-effect one), and its legend says so. R: rma(yi, vi, data=es,
/// method="REML") on dat.bcg (tests/golden/rma.csv).
#[test]
fn funnel_plot_is_centred_on_the_model_in_use() {
    let path = temp("funnel_reml.svg");
    metapool(&[
        "pool",
        "tests/golden/inputs/bcg.csv",
        "--tau2",
        "REML",
        "--funnel",
        path.to_str().expect("path"),
    ]);
    let svg = std::fs::read_to_string(&path).expect("svg");
    let beta = golden(
        "tests/golden/rma.csv",
        &["bcg", "RR", "rma", "REML", "z", "beta"],
        6,
    );
    close(centre_of(&svg), beta);
    assert!(svg.contains("REML random-effects estimate: "), "{svg}");
    assert!(svg.contains("pseudo 95% limits"));
    check_layout(&path, &["Standard error", "observed studies"]);
}

/// With trim and fill, the centre line is the axis the filled study mirrors: halfway
/// between metafor's filled study and the study of the same variance that it mirrors.
/// R: trimfill(rma(yi, vi, data=es, method="REML")) on dat.bcg (tests/golden/bias.csv:
/// fill.yi.1, fill.vi.1).
#[test]
fn trim_and_fill_funnel_is_centred_on_the_axis_of_the_filled_studies() {
    let path = temp("funnel_trimfill.svg");
    metapool(&[
        "bias",
        "tests/golden/inputs/bcg.csv",
        "--tau2",
        "REML",
        "--funnel",
        path.to_str().expect("path"),
    ]);
    let svg = std::fs::read_to_string(&path).expect("svg");
    let keys = |q| ["bcg", "RR", "trimfill", "REML", "z", "L0", q];
    let fill_yi = golden("tests/golden/bias.csv", &keys("fill.yi.1"), 7);
    let fill_vi = golden("tests/golden/bias.csv", &keys("fill.vi.1"), 7);
    let mut rdr = csv::Reader::from_path("tests/golden/inputs/bcg_yi_vi.csv").expect("bcg");
    let mirrored: f64 = rdr
        .records()
        .map(|r| r.expect("row"))
        .find(|r| {
            let vi: f64 = r[2].parse().expect("vi");
            (vi - fill_vi).abs() <= 1e-12 * fill_vi
        })
        .map(|r| r[1].parse().expect("yi"))
        .expect("the mirrored study");
    close(centre_of(&svg), (fill_yi + mirrored) / 2.0);
    assert!(svg.contains("without the 1 trimmed study"), "{svg}");
    assert!(svg.contains("studies filled in by trim and fill"));
    check_layout(&path, &["Standard error"]);
}
