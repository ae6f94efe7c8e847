//! `metapool scan`'s decoding of documents (`audit::scan::document`): a real PDF made by
//! RevMan Web (tests/scan/pdf/Fleiss1993_article.pdf, the article of the Fleiss 1993
//! example review), and a large HTML file.

use metapool::audit::scan::{decode, Decoded, DocumentFormat};

const FIXTURE: &str = "tests/scan/pdf/Fleiss1993_article.pdf";

fn fleiss() -> Decoded {
    let bytes = std::fs::read(FIXTURE).expect("the fixture is readable");
    decode("Fleiss1993_article.pdf", &bytes).expect("the RevMan PDF decodes")
}

/// The line of `text` that starts with `start`.
fn line<'a>(text: &'a str, start: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starts with {start:?} in:\n{text}"))
}

#[test]
fn the_revman_pdf_reads_as_lines_with_their_numbers_together() {
    let d = fleiss();
    assert_eq!(d.format, DocumentFormat::Pdf);
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    let text = &d.text;
    // Heterogeneity and the test of the overall effect, each on one line.
    assert!(
        text.contains("Heterogeneity: Chi² = 9.95, df = 6 (P = 0.13); I² = 40%"),
        "{text}"
    );
    assert!(
        text.contains("Heterogeneity: Chi² = 5.66, df = 4 (P = 0.23); I² = 29%"),
        "{text}"
    );
    assert!(text.contains("Test for overall effect: Z = 3.29 (P = 0.001)"));
    assert!(text.contains("Test for overall effect: Z = 2.53 (P = 0.01)"));
    // The forest plot's table: one line a study, a TAB between cells.
    assert_eq!(
        line(text, "MRC-1\t"),
        "MRC-1\t49\t615\t67\t624\t3.2%\t0.72 [0.49 , 1.06]"
    );
    assert_eq!(
        line(text, "Florell\t"),
        "Florell\t4.9\t1.71\t30\t6.1\t2.3\t50\t38.6%\t-1.20 [-2.08 , -0.32]"
    );
    // The pooled odds ratio with its interval, apart from the totals before it.
    assert_eq!(
        line(text, "Total (95% CI)\t14186"),
        "Total (95% CI)\t14186\t13817\t100.0%\t0.90 [0.84 , 0.96]"
    );
    assert_eq!(
        line(text, "Total (95% CI)\t106"),
        "Total (95% CI)\t106\t126\t100.0%\t-0.71 [-1.26 , -0.16]"
    );
    // The summary table of the comparison: the study count, the participants and the
    // effect are cells of their own.
    assert!(text.contains("\t7\t28003\t"), "{text}");
    assert!(text.contains("\t0.90 [0.84, 0.96]"), "{text}");
    // Ligatures spelt out, pages a blank line apart, no glyph-by-glyph spacing.
    assert!(text.contains("Search methods for identification of studies"));
    assert!(!text.contains('ﬁ') && !text.contains('ﬀ'));
    assert!(text.contains("\n\nSources of support\n"), "{text}");
    assert!(!text.contains("9 .9 5"));
}

#[test]
fn the_revman_pdf_footers_are_checked_against_their_totals() {
    // RevMan's "Test for overall effect: Z = 3.29 (P = 0.001)" below "Total (95% CI) ...
    // 0.90 [0.84, 0.96]", and Z = 2.53 below the MD total -0.71 [-1.26, -0.16].
    let bytes = std::fs::read(FIXTURE).expect("the fixture is readable");
    let scan = metapool::audit::scan::scan_document("Fleiss1993_article.pdf", &bytes)
        .expect("the RevMan PDF scans");
    let footers: Vec<_> = scan
        .figures
        .iter()
        .filter(|f| f.z.is_some())
        .map(|f| (f.z, f.verdict.kind, f.verdict.reason.contains("the total")))
        .collect();
    use metapool::audit::VerdictKind::Consistent;
    assert_eq!(
        footers,
        [
            (Some(3.29), Consistent, true),
            (Some(2.53), Consistent, true)
        ],
        "{:?}",
        scan.figures
    );
}

#[test]
fn a_pdf_cut_short_or_damaged_never_panics() {
    let bytes = std::fs::read(FIXTURE).expect("the fixture is readable");
    let mut cuts: Vec<usize> = (1..40).map(|k| bytes.len() * k / 40).collect();
    cuts.extend([6, 9, 100, bytes.len() - 1]);
    for cut in cuts {
        // Either some text or bad input; never a panic out of decode.
        match decode("cut.pdf", &bytes[..cut]) {
            Ok(d) => assert_eq!(d.format, DocumentFormat::Pdf),
            Err(e) => assert!(e.is_user_error(), "{e}"),
        }
    }
    // Bytes changed in the middle of its streams.
    for k in 1..10 {
        let mut damaged = bytes.clone();
        let at = bytes.len() * k / 10;
        for b in &mut damaged[at..(at + 64).min(bytes.len())] {
            *b = b.wrapping_mul(31).wrapping_add(7);
        }
        if let Err(e) = decode("damaged.pdf", &damaged) {
            assert!(e.is_user_error(), "{e}");
        }
    }
}

#[test]
fn a_20_mb_html_file_decodes() {
    let row = "<tr>\n  <td class=\"study\">Study &amp; co</td>\n  <td>0.96</td><td>(0.65&ndash;1.41)</td>\n  <td>I<sup>2</sup> = 59%</td>\n</tr>\n";
    let mut html = String::from("<!DOCTYPE html><html><head><title>Big</title><style>td { x: 1 }</style></head><body><table>\n");
    let rows = 20_000_000 / row.len();
    for _ in 0..rows {
        html.push_str(row);
    }
    html.push_str("</table><p>P &lt; 0.001</p></body></html>");
    let d = decode("big.html", html.as_bytes()).expect("the HTML decodes");
    assert_eq!(d.format, DocumentFormat::Html);
    let line = "Study & co\t0.96\t(0.65–1.41)\tI² = 59%";
    assert_eq!(d.text.lines().count(), rows + 4);
    assert!(d.text.starts_with(&format!("Big\n\n{line}\n{line}\n")));
    assert!(d.text.ends_with(&format!("{line}\n\nP < 0.001")));
    assert_eq!(
        d.text.len(),
        "Big\n\n".len() + rows * (line.len() + 1) + "\nP < 0.001".len()
    );
}

#[test]
fn a_large_malformed_html_file_decodes_in_linear_time() {
    // Many unclosed tags, `<` in text, unclosed superscripts and entities: each must be
    // read once (a quadratic reader would take minutes here).
    let chunk = "<sup><b>P <0.05 &minus;1 <td>I<sup>2 & <p a='1' ";
    let html = chunk.repeat(200_000);
    let d = decode("bad.html", html.as_bytes()).expect("the HTML decodes");
    assert!(d.text.len() > 1_000_000);
}
