//! Markdown: kept line for line, table rows as TAB-separated cells, strong emphasis and
//! trivial code spans dropped (see the module doc of `document`).

use super::scripted;

/// The Markdown `text` (line ends already `LF`) as the text to scan: as many lines as
/// it has.
pub(super) fn decode(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let kinds = line_kinds(&lines);
    let mut out = String::with_capacity(text.len());
    for (i, (line, kind)) in lines.iter().zip(&kinds).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match kind {
            Kind::Code => out.push_str(line),
            // A tab keeps the header and the rows one table (no blank line between).
            Kind::Separator => out.push('\t'),
            Kind::Row => row(line, &mut out),
            Kind::Prose => inline(line, &mut out),
        }
    }
    out
}

/// What a line of Markdown is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Ordinary text.
    Prose,
    /// Inside a fenced code block (or its fence): left as it is.
    Code,
    /// A table row.
    Row,
    /// The line under a table's header: `|---|:--:|`.
    Separator,
}

/// A table's header separator: only `|`, `-`, `:` and white space, with a `-` and a `|`.
fn is_separator(line: &str) -> bool {
    let t = line.trim();
    t.contains('-')
        && t.contains('|')
        && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
}

/// A line that is a table row by itself: it starts and ends with `|`.
fn is_piped_row(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 2 && t.starts_with('|') && t.ends_with('|')
}

/// A code fence: three or more backticks or tildes (indented less than four spaces).
fn fence(line: &str) -> Option<(char, usize)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let t = &line[indent..];
    let c = t.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = t.chars().take_while(|x| *x == c).count();
    (n >= 3).then_some((c, n))
}

/// The kind of every line.
fn line_kinds(lines: &[&str]) -> Vec<Kind> {
    let mut kinds = vec![Kind::Prose; lines.len()];
    let mut open: Option<(char, usize)> = None;
    for (i, line) in lines.iter().enumerate() {
        if let Some((c, n)) = open {
            kinds[i] = Kind::Code;
            if fence(line).is_some_and(|(d, m)| d == c && m >= n)
                && line.trim().chars().all(|x| x == c)
            {
                open = None;
            }
            continue;
        }
        if let Some(f) = fence(line) {
            kinds[i] = Kind::Code;
            open = Some(f);
            continue;
        }
        if is_separator(line) {
            kinds[i] = Kind::Separator;
            if i > 0 && kinds[i - 1] == Kind::Prose && lines[i - 1].contains('|') {
                kinds[i - 1] = Kind::Row;
            }
        } else if is_piped_row(line)
            || (i > 0
                && matches!(kinds[i - 1], Kind::Row | Kind::Separator)
                && line.contains('|')
                && !line.trim().is_empty())
        {
            kinds[i] = Kind::Row;
        }
    }
    kinds
}

/// A table row: its cells, each read as prose, separated by a TAB.
fn row(line: &str, out: &mut String) {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = if t.ends_with('|') && !t.ends_with("\\|") {
        &t[..t.len() - 1]
    } else {
        t
    };
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    cells.push(cell);
    for (k, cell) in cells.iter().enumerate() {
        if k > 0 {
            out.push('\t');
        }
        inline(cell.trim(), out);
    }
}

/// Whether a code span's content is a number (digits with signs, points, `%`): its
/// backticks are dropped.
fn trivial_code(content: &str) -> bool {
    content.chars().any(|c| c.is_ascii_digit())
        && content
            .chars()
            .all(|c| c.is_ascii_digit() || ".,+-−–%<>= ".contains(c))
}

/// Whether the text at the start of `rest` is `<tag>` or `<tag/>`, `<tag />` (ASCII
/// case ignored); the length matched.
fn tag_at(rest: &str, name: &str) -> Option<usize> {
    let b = rest.as_bytes();
    if b.first() != Some(&b'<') || b.len() < name.len() + 2 {
        return None;
    }
    if !b[1..=name.len()].eq_ignore_ascii_case(name.as_bytes()) {
        return None;
    }
    let after = &rest[name.len() + 1..];
    for end in [">", "/>", " />"] {
        if after.starts_with(end) {
            return Some(name.len() + 1 + end.len());
        }
    }
    None
}

/// A line of prose: `**`, `__` at a word's edge and the backticks of a number's code span
/// dropped, `<sup>`/`<sub>` of digits as Unicode, `<br>` as a space.
fn inline(line: &str, out: &mut String) {
    let mut i = 0;
    let b = line.as_bytes();
    while i < line.len() {
        let rest = &line[i..];
        if rest.starts_with("**") {
            i += 2;
            continue;
        }
        if let Some(after) = rest.strip_prefix("__") {
            let before = line[..i].chars().next_back();
            let after = after.chars().next();
            let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
            if !word(before) || !word(after) {
                i += 2;
                continue;
            }
        }
        if b[i] == b'`' {
            let n = rest.bytes().take_while(|c| *c == b'`').count();
            let ticks = &rest[..n];
            if let Some(close) = rest[n..].find(ticks) {
                let content = &rest[n..n + close];
                let end = n + close + n;
                let single = !rest[end..].starts_with('`');
                if single && trivial_code(content) {
                    out.push_str(content.trim());
                } else {
                    out.push_str(&rest[..end]);
                }
                i += end;
                continue;
            }
            out.push_str(ticks);
            i += n;
            continue;
        }
        if b[i] == b'<' {
            if let Some(n) = tag_at(rest, "br") {
                out.push(' ');
                i += n;
                continue;
            }
            let mut done = false;
            for (name, sup) in [("sup", true), ("sub", false)] {
                if let Some(n) = tag_at(rest, name) {
                    let close = format!("</{name}>");
                    let inner = &rest[n..];
                    let end = inner
                        .get(..inner.len().min(64))
                        .and_then(|head| head.to_ascii_lowercase().find(&close));
                    if let Some(s) = end.and_then(|e| scripted(&inner[..e], sup).map(|s| (e, s))) {
                        out.push_str(&s.1);
                        i += n + s.0 + close.len();
                        done = true;
                    }
                    break;
                }
            }
            if done {
                continue;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
}

#[cfg(test)]
mod tests {
    use super::super::{decode as decode_document, DocumentFormat};

    fn md(text: &str) -> String {
        match decode_document("a.md", text.as_bytes()) {
            Ok(d) => {
                assert_eq!(d.format, DocumentFormat::Markdown);
                d.text
            }
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn table_rows_keep_cells_apart_and_lines_in_place() {
        let src = "Intro\n\n| Study | OR | 95% CI |\n|---|:---:|---:|\n| A | 0.96 | 0.65 to 1.41 |\n|B|1.2|0.9|\n\nAfter";
        let out = md(src);
        assert_eq!(
            out,
            "Intro\n\nStudy\tOR\t95% CI\n\t\nA\t0.96\t0.65 to 1.41\nB\t1.2\t0.9\n\nAfter"
        );
        assert_eq!(out.lines().count(), src.lines().count());
    }

    #[test]
    fn tables_without_outer_pipes_and_escaped_pipes() {
        assert_eq!(
            md("OR | CI\n-- | --\n0.96 | 0.65\\|1.41\nend"),
            "OR\tCI\n\t\n0.96\t0.65|1.41\nend"
        );
        // A thematic break is no table separator.
        assert_eq!(md("a | b\n---\nc"), "a | b\n---\nc");
    }

    #[test]
    fn strong_emphasis_and_trivial_code_spans_are_dropped() {
        assert_eq!(
            md("**RR 0.96** (__95% CI__ `0.65` to `1.41`), `P < x` and snake__case"),
            "RR 0.96 (95% CI 0.65 to 1.41), `P < x` and snake__case"
        );
        assert_eq!(md("*italic* _x_ `unclosed"), "*italic* _x_ `unclosed");
    }

    #[test]
    fn html_superscripts_in_markdown() {
        assert_eq!(
            md("I<sup>2</sup> = 59%, 10<SUP>-3</SUP>, a<sup>b</sup>"),
            "I² = 59%, 10⁻³, a<sup>b</sup>"
        );
        assert_eq!(md("| 0.96<br>(0.65) | x<br/>y |"), "0.96 (0.65)\tx y");
    }

    #[test]
    fn code_blocks_are_left_alone() {
        assert_eq!(
            md("```\n| a | b |\n**x**\n```\n**y**"),
            "```\n| a | b |\n**x**\n```\ny"
        );
    }

    #[test]
    fn crlf_in_markdown() {
        assert_eq!(
            md("| a | b |\r\n|---|---|\r\n| 1 | 2 |\r\n"),
            "a\tb\n\t\n1\t2\n"
        );
    }
}
