//! HTML to text, in one pass over the source (see the module doc of `document`).
//!
//! Not a conforming HTML parser: a tokenizer that knows which elements end a line,
//! which are table cells, and which hide their content. Every byte is looked at a fixed
//! number of times, so time and memory are linear in the size.

use super::scripted;
use std::borrow::Cow;

/// The text of an HTML document, and for each of its lines the line of the source (from
/// 1) its first character came from.
pub(super) fn decode(html: &str) -> (String, Vec<u32>) {
    let mut w = Writer::with_capacity(html.len());
    let b = html.as_bytes();
    let mut pos = 0;
    let mut text_start = 0;
    // The source line at byte `counted`, counted forward as the pass goes.
    let (mut counted, mut line) = (0, 1u32);
    let mut line_at = |to: usize| {
        line += line_ends(&b[counted..to]);
        counted = to;
        line
    };
    while pos < b.len() {
        let Some(lt) = memchr::memchr(b'<', &b[pos..]).map(|i| pos + i) else {
            break;
        };
        let next = b.get(lt + 1).copied();
        let markup = matches!(next, Some(c) if c.is_ascii_alphabetic() || c == b'/' || c == b'!' || c == b'?');
        if !markup {
            pos = lt + 1;
            continue;
        }
        w.src_line = line_at(text_start);
        w.text(&html[text_start..lt]);
        w.src_line = line_at(lt);
        pos = markup_at(html, lt, &mut w);
        text_start = pos;
    }
    if text_start < html.len() {
        w.src_line = line_at(text_start);
        w.text(&html[text_start..]);
    }
    w.finish()
}

/// The line ends in `b`: LF, CR LF and a lone CR (as editors count lines).
fn line_ends(b: &[u8]) -> u32 {
    memchr::memchr2_iter(b'\n', b'\r', b)
        .filter(|&i| b[i] == b'\n' || b.get(i + 1) != Some(&b'\n'))
        .count() as u32
}

/// How many line ends an element asks for around it: 2 a paragraph (a blank line), 1 a
/// line; `None` for an inline element.
fn block_breaks(name: &str) -> Option<u8> {
    Some(match name {
        "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "table" | "blockquote" | "pre" | "ul"
        | "ol" | "dl" | "figure" | "hr" | "title" | "address" | "fieldset" | "form" | "details"
        | "center" | "menu" | "listing" | "xmp" | "plaintext" => 2,
        "div" | "li" | "tr" | "dt" | "dd" | "thead" | "tbody" | "tfoot" | "caption"
        | "figcaption" | "section" | "article" | "header" | "footer" | "nav" | "aside" | "main"
        | "summary" | "legend" | "option" | "body" | "dir" | "hgroup" | "search" | "frameset"
        | "frame" | "iframe" | "noscript" | "video" | "audio" | "object" => 1,
        _ => return None,
    })
}

/// Elements allowed in `<head>`: any other start tag ends it.
fn in_head_element(name: &str) -> bool {
    matches!(
        name,
        "head"
            | "meta"
            | "link"
            | "base"
            | "title"
            | "script"
            | "style"
            | "noscript"
            | "template"
            | "html"
            | "basefont"
            | "bgsound"
    )
}

/// Elements whose content is not shown: skipped up to their end tag.
fn hidden(name: &str) -> bool {
    matches!(name, "script" | "style" | "template")
}

/// A tag as read: its name (lower case, at most 16 bytes) and whether it is an end tag.
struct Tag {
    name: [u8; 16],
    len: usize,
    end: bool,
    /// The columns a table cell spans (its `colspan`, 1 unless given; at most 1000).
    span: usize,
}

impl Tag {
    /// The name, lower case; empty when it is too long to be one metapool knows.
    fn name(&self) -> &str {
        std::str::from_utf8(&self.name[..self.len]).unwrap_or("")
    }
}

/// Reads the markup (tag, comment, declaration) at `lt` (a `<`), acts on it and returns
/// where the text after it starts.
fn markup_at(html: &str, lt: usize, w: &mut Writer) -> usize {
    let b = html.as_bytes();
    let rest = &b[lt..];
    if rest.starts_with(b"<!--") {
        // "<!-->" and "<!--->" are empty comments; one without an end runs to the end.
        if rest[4..].starts_with(b">") {
            return lt + 5;
        }
        if rest[4..].starts_with(b"->") {
            return lt + 6;
        }
        return memchr::memmem::find(&rest[4..], b"-->").map_or(b.len(), |i| lt + 4 + i + 3);
    }
    if rest[1] == b'!'
        || rest[1] == b'?'
        || (rest[1] == b'/' && !rest.get(2).is_some_and(u8::is_ascii_alphabetic))
    {
        // A declaration, a processing instruction, "</>" or a bogus comment: up to `>`.
        return memchr::memchr(b'>', &rest[1..]).map_or(b.len(), |i| lt + 1 + i + 1);
    }
    let end = rest[1] == b'/';
    let name_start = lt + if end { 2 } else { 1 };
    let name_len = b[name_start..]
        .iter()
        .take_while(|c| !(c.is_ascii_whitespace() || **c == b'/' || **c == b'>'))
        .count();
    let mut tag = Tag {
        name: [0; 16],
        len: 0,
        end,
        span: 1,
    };
    if name_len <= 16 {
        for (k, c) in b[name_start..name_start + name_len].iter().enumerate() {
            tag.name[k] = c.to_ascii_lowercase();
        }
        tag.len = name_len;
    }
    let Some(after) = tag_end(b, name_start + name_len) else {
        // A tag cut short by the end of the file is dropped, as a browser does.
        return b.len();
    };
    if matches!(tag.name(), "td" | "th") && !end {
        tag.span = colspan(&b[name_start + name_len..after]);
    }
    w.tag(html, &tag, after)
}

/// The `colspan` among a cell's attributes: 1 when absent or not a number, at most
/// 1000 (as browsers clamp it).
fn colspan(attributes: &[u8]) -> usize {
    let Some(at) = attributes
        .windows(7)
        .position(|w| w.eq_ignore_ascii_case(b"colspan"))
    else {
        return 1;
    };
    let digits: usize = attributes[at + 7..]
        .iter()
        .skip_while(|c| c.is_ascii_whitespace() || **c == b'=' || **c == b'"' || **c == b'\'')
        .take_while(|c| c.is_ascii_digit())
        .take(4)
        .fold(0, |n, c| n * 10 + usize::from(c - b'0'));
    digits.clamp(1, 1000)
}

/// Where a tag whose attributes start at `from` ends (just past its `>`), quoted
/// attribute values skipped; `None` when the file ends first.
fn tag_end(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    let mut after_eq = false;
    while i < b.len() {
        match b[i] {
            b'>' => return Some(i + 1),
            b'=' => after_eq = true,
            q @ (b'"' | b'\'') if after_eq => {
                let close = memchr::memchr(q, &b[i + 1..])?;
                i += close + 1;
                after_eq = false;
            }
            c if c.is_ascii_whitespace() => {}
            _ => after_eq = false,
        }
        i += 1;
    }
    None
}

/// Finds the end tag `</name` (ASCII case ignored) at or after `from`: (its start, just
/// past its `>`), or `None`.
fn find_end_tag(b: &[u8], from: usize, name: &str) -> Option<(usize, usize)> {
    let mut i = from;
    while let Some(k) = memchr::memmem::find(&b[i..], b"</") {
        let s = i + k;
        if let Some(close) = end_tag_at(b, s, name) {
            return Some((s, close));
        }
        i = s + 2;
    }
    None
}

/// Whether the end tag `</name` (ASCII case ignored) starts at `at`: just past its `>`.
fn end_tag_at(b: &[u8], at: usize, name: &str) -> Option<usize> {
    let n = at + 2 + name.len();
    let is_it = n <= b.len()
        && b[at..at + 2] == *b"</"
        && b[at + 2..n].eq_ignore_ascii_case(name.as_bytes())
        && b.get(n)
            .is_none_or(|c| c.is_ascii_whitespace() || *c == b'>' || *c == b'/');
    is_it.then(|| memchr::memchr(b'>', &b[n..]).map_or(b.len(), |j| n + j + 1))
}

/// The text being written, with the separator owed before the next character.
struct Writer {
    out: String,
    /// Line ends owed (0, 1 or 2).
    newlines: u8,
    /// TABs owed (empty table cells count).
    tabs: usize,
    /// A space owed (white space in the source).
    space: bool,
    /// Inside `<pre>` (nesting depth): white space kept.
    pre: usize,
    /// Inside a table cell: a block inside it is a space, not a line end.
    in_cell: bool,
    /// The row has had a cell: the next cell starts after a TAB.
    row_has_cell: bool,
    /// The columns the row's last cell spans: the TABs before the next.
    last_span: usize,
    /// Inside `<head>`: text dropped.
    in_head: bool,
    /// Just after `<pre>`: a first line end is dropped, as a browser does.
    pre_start: bool,
    /// The line of the source (from 1) being written.
    src_line: u32,
    /// For each line of `out`, the source line of its first character (a blank line's,
    /// of the text after it); filled when a line's first character is written.
    lines: Vec<u32>,
    /// The line ends in `out`.
    out_lines: usize,
}

impl Writer {
    fn with_capacity(n: usize) -> Self {
        Writer {
            out: String::with_capacity(n),
            newlines: 0,
            tabs: 0,
            space: false,
            pre: 0,
            in_cell: false,
            row_has_cell: false,
            last_span: 1,
            in_head: false,
            pre_start: false,
            src_line: 1,
            lines: Vec::new(),
            out_lines: 0,
        }
    }

    /// Writes one character, noting the source line of each line of the text.
    fn put(&mut self, c: char) {
        if c == '\n' {
            self.out_lines += 1;
        } else if self.lines.len() <= self.out_lines {
            self.lines.resize(self.out_lines + 1, self.src_line);
        }
        self.out.push(c);
    }

    /// Writes the separator owed before a character.
    fn flush(&mut self) {
        if self.newlines > 0 {
            if !self.out.is_empty() {
                let have = self
                    .out
                    .bytes()
                    .rev()
                    .take(2)
                    .take_while(|c| *c == b'\n')
                    .count();
                for _ in have..usize::from(self.newlines) {
                    self.put('\n');
                }
            }
            for _ in 0..self.tabs {
                self.put('\t');
            }
        } else if self.tabs > 0 {
            for _ in 0..self.tabs {
                self.put('\t');
            }
        } else if self.space
            && !self.out.is_empty()
            && !self.out.ends_with(|c: char| c.is_ascii_whitespace())
        {
            self.put(' ');
        }
        self.newlines = 0;
        self.tabs = 0;
        self.space = false;
    }

    /// Asks for `n` line ends (a space inside a table cell).
    fn block(&mut self, n: u8) {
        if self.in_cell {
            self.space = true;
        } else {
            self.newlines = self.newlines.max(n);
        }
    }

    /// A text node, its character references not yet decoded.
    fn text(&mut self, raw: &str) {
        if raw.is_empty() {
            return;
        }
        if self.in_head {
            if raw.trim_ascii().is_empty() {
                return;
            }
            // Text in <head> that is not white space starts the body, as in a browser.
            self.in_head = false;
        }
        // Line by line of the source, so that the source line is counted from its own
        // line ends (LF, CR LF, CR), not from those character references decode to.
        let mut rest = raw;
        while !rest.is_empty() {
            let mut cut = rest.find(['\n', '\r']).map_or(rest.len(), |k| k + 1);
            if rest[..cut].ends_with('\r') && rest[cut..].starts_with('\n') {
                cut += 1;
            }
            let (piece, after) = rest.split_at(cut);
            let text: Cow<str> = if piece.contains('&') {
                htmlize::unescape(piece)
            } else {
                Cow::Borrowed(piece)
            };
            if self.pre > 0 {
                self.pre_text(&text);
            } else {
                self.flowing_text(&text);
            }
            if piece.ends_with(['\n', '\r']) {
                self.src_line += 1;
            }
            rest = after;
        }
    }

    /// Decoded text outside `<pre>`: white space collapsed.
    fn flowing_text(&mut self, text: &str) {
        for c in text.chars() {
            if c.is_ascii_whitespace() {
                self.space = true;
            } else {
                if self.newlines > 0 || self.tabs > 0 || self.space {
                    self.flush();
                }
                self.put(c);
            }
        }
    }

    /// Text inside `<pre>`: as it is, but line ends as `LF`.
    fn pre_text(&mut self, text: &str) {
        let mut text = text;
        if self.pre_start {
            self.pre_start = false;
            text = text
                .strip_prefix("\r\n")
                .or_else(|| text.strip_prefix('\n'))
                .unwrap_or(text);
        }
        if text.is_empty() {
            return;
        }
        self.flush();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\r' || c == '\n' {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                self.put('\n');
            } else {
                self.put(c);
            }
        }
    }

    /// Characters written as they are (a super- or subscript).
    fn literal(&mut self, s: &str) {
        self.in_head = false;
        if self.newlines > 0 || self.tabs > 0 || self.space {
            self.flush();
        }
        for c in s.chars() {
            self.put(c);
        }
    }

    /// Acts on a tag that ends just before `after`; returns where the text after it
    /// starts.
    fn tag(&mut self, html: &str, tag: &Tag, after: usize) -> usize {
        let name = tag.name();
        if self.in_head && !tag.end && !in_head_element(name) {
            self.in_head = false;
        }
        if tag.end {
            self.end_tag(name);
            return after;
        }
        let b = html.as_bytes();
        match name {
            _ if hidden(name) => {
                return find_end_tag(b, after, name).map_or(b.len(), |(_, close)| close);
            }
            "head" => self.in_head = true,
            "title" | "textarea" => {
                // Text only (RCDATA) up to the end tag; a title is a line of its own.
                let (s, close) = find_end_tag(b, after, name).unwrap_or((b.len(), b.len()));
                let head = std::mem::replace(&mut self.in_head, false);
                let n = if name == "title" { 2 } else { 0 };
                self.block(n);
                self.text(&html[after..s]);
                self.block(n);
                self.in_head = head && name == "title";
                return close;
            }
            "sup" | "sub" => {
                // `I<sup>2</sup>` as `I²`: short content of digits and signs.
                let window = &b[after..b.len().min(after + 64)];
                if let Some(k) = memchr::memchr(b'<', window) {
                    let s = after + k;
                    if let Some(close) = end_tag_at(b, s, name) {
                        let inner = &html[after..s];
                        let inner = if inner.contains('&') {
                            htmlize::unescape(inner)
                        } else {
                            Cow::Borrowed(inner)
                        };
                        if let Some(s) = scripted(&inner, name == "sup") {
                            self.literal(&s);
                            return close;
                        }
                    }
                }
            }
            "br" => {
                if self.in_cell {
                    self.space = true;
                } else {
                    self.newlines = (self.newlines + 1).min(2);
                }
            }
            "table" => {
                self.in_cell = false;
                self.row_has_cell = false;
                self.block(2);
            }
            "tr" => {
                self.in_cell = false;
                self.row_has_cell = false;
                self.block(1);
            }
            "td" | "th" => {
                if self.row_has_cell {
                    self.tabs += self.last_span;
                    self.space = false;
                }
                self.last_span = tag.span;
                self.row_has_cell = true;
                self.in_cell = true;
            }
            "pre" | "listing" | "xmp" => {
                self.block(2);
                self.pre += 1;
                self.pre_start = true;
            }
            _ => {
                if let Some(n) = block_breaks(name) {
                    self.block(n);
                }
            }
        }
        after
    }

    /// Acts on an end tag.
    fn end_tag(&mut self, name: &str) {
        match name {
            "head" => self.in_head = false,
            "br" => self.block(1),
            "td" | "th" => self.in_cell = false,
            "tr" | "table" => {
                self.in_cell = false;
                self.row_has_cell = false;
                self.block(if name == "table" { 2 } else { 1 });
            }
            "pre" | "listing" | "xmp" => {
                self.pre = self.pre.saturating_sub(1);
                self.block(2);
            }
            _ => {
                if let Some(n) = block_breaks(name) {
                    self.block(n);
                }
            }
        }
    }

    /// The text, without white space at its end, and the source line of each of its
    /// lines.
    fn finish(mut self) -> (String, Vec<u32>) {
        let keep = self.out.trim_end().len();
        self.out.truncate(keep);
        (self.out, self.lines)
    }
}

#[cfg(test)]
mod tests {
    /// The text alone.
    fn decode(html: &str) -> String {
        super::decode(html).0
    }

    #[test]
    fn each_line_knows_the_source_line_it_starts_on() {
        let html = "<html>\n<body>\n<p>RR 0.96\n(95% CI 0.65 to 1.41)</p>\n\n<table>\n                    <tr><td>a</td>\n<td>0.90 [0.61, 1.32]</td></tr>\n<tr><td>b</td></tr>\n                    </table><pre>x\ny</pre>";
        let (text, lines) = super::decode(html);
        assert_eq!(
            text,
            "RR 0.96 (95% CI 0.65 to 1.41)\n\na\t0.90 [0.61, 1.32]\nb\n\nx\ny"
        );
        // A blank line counts from the line of the text after it.
        assert_eq!(&lines[..text.lines().count()], [3, 7, 7, 9, 10, 10, 11]);
        // The line end after <pre>, CR LF and lone CR line ends, and line ends that
        // character references decode to (no line of the file).
        for (html, figure_line) in [
            ("<pre>\nOR 2.00 (1.00 to 4.00)\n</pre>", 2),
            ("<p>a</p>\r\n<pre>\r\nOR 2.00\r\n</pre>", 3),
            ("<p>a</p>\r<p>b</p>\r<p>OR 2.00</p>\r", 3),
            ("<p>&#10;&#10;&NewLine;OR 2.00</p>", 1),
        ] {
            let (text, lines) = super::decode(html);
            let at = text
                .lines()
                .position(|l| l.starts_with("OR"))
                .expect("the figure");
            assert_eq!(lines[at], figure_line, "{html:?}: {text:?} {lines:?}");
        }
    }

    #[test]
    fn a_cell_spanning_columns_is_followed_by_a_tab_for_each() {
        assert_eq!(
            decode("<tr><th>Study</th><th colspan=\"3\">Exercise</th><th COLSPAN=2>Usual</th><th>Weight</th></tr>\
                    <tr><td>A</td><td>1</td><td>2</td><td>3</td><td>4</td><td>5</td><td>10.3%</td></tr>"),
            "Study\tExercise\t\t\tUsual\t\tWeight\nA\t1\t2\t3\t4\t5\t10.3%"
        );
    }

    #[test]
    fn table_cells_are_tab_separated_rows_are_lines() {
        assert_eq!(decode("<tr><td>0.96</td><td>0.65</td></tr>"), "0.96\t0.65");
        assert_eq!(
            decode(
                "<table>\n  <tr><th>Study</th> <th>OR</th>\n<th>95% CI</th></tr>\n  <tr>\n <td>A</td>\n <td> 0.96 </td><td>0.65 to 1.41</td></tr>\n<tr><td></td><td>1.2</td></table>after"
            ),
            "Study\tOR\t95% CI\nA\t0.96\t0.65 to 1.41\n\t1.2\n\nafter"
        );
        // Unclosed cells, a block and a <br> inside a cell.
        assert_eq!(
            decode("<table><tr><td><p>0.96</p><td>0.65<br>1.41<tr><td>2"),
            "0.96\t0.65 1.41\n2"
        );
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            decode("<p>&minus;1.20 (&minus;2.30&ndash;&minus;0.10)</p>"),
            "−1.20 (−2.30–−0.10)"
        );
        assert_eq!(
            decode(
                "a&nbsp;b &mdash; &middot; &le;&ge;&plusmn;&sup2;&thinsp;&amp;&lt;&gt;&quot;&apos;"
            ),
            "a\u{a0}b — · ≤≥±²\u{2009}&<>\"'"
        );
        assert_eq!(
            decode("&#8722;1 &#x2212;2 &#X2212;3 &Chi;&sup2; &tau;"),
            "−1 −2 −3 Χ² τ"
        );
        assert_eq!(decode("R&D &unknown; &amp"), "R&D &unknown; &");
    }

    #[test]
    fn superscripts() {
        assert_eq!(decode("<p>I<sup>2</sup> = 59%</p>"), "I² = 59%");
        assert_eq!(
            decode("&tau;<sup>2</sup>=0.04, Chi<SUP> 2 </SUP>, 10<sup>&minus;3</sup>"),
            "τ²=0.04, Chi², 10⁻³"
        );
        assert_eq!(decode("&chi;<sup>2</sup><sub>4</sub>"), "χ²₄");
        assert_eq!(
            decode("0.96<sup>a</sup> and x<sup><b>2</b></sup>"),
            "0.96a and x2"
        );
        assert_eq!(decode("I<sup>2"), "I2");
    }

    #[test]
    fn inline_elements_add_no_space() {
        assert_eq!(
            decode("<p>RR <b>0.9</b><i>6</i> (<span>95%</span> <a href='x>y'>CI</a>)</p>"),
            "RR 0.96 (95% CI)"
        );
    }

    #[test]
    fn hidden_content_is_dropped() {
        let html = "<!DOCTYPE html><html><head><meta charset=utf-8><title>Trial &amp; error</title>\
            <style>p { x: '<p>1</p>' }</style><script>if (a < b) { '</p>' }</script></head>\
            <body><!-- P = 0.5 --><p>P = 0.03</p><SCRIPT type=x>1.2</SCRIPT ><template><p>9</p></template>end</body></html>";
        assert_eq!(decode(html), "Trial & error\n\nP = 0.03\n\nend");
    }

    #[test]
    fn blocks_are_lines_with_at_most_one_blank_line() {
        assert_eq!(
            decode("<h1>Results</h1>\n\n\n<p>one\n   two</p><p></p><p></p><div>three</div><div>four<br>five</div><ul><li>a</li><li>b</li></ul>"),
            "Results\n\none two\n\nthree\nfour\nfive\n\na\nb"
        );
        assert_eq!(decode("a<br><br><br>b"), "a\n\nb");
        assert_eq!(decode("a<br/>b<br />c"), "a\nb\nc");
    }

    #[test]
    fn pre_keeps_white_space() {
        assert_eq!(
            decode("<p>x</p><pre>\nA   0.96\r\nB\t1.2\n</pre>y"),
            "x\n\nA   0.96\nB\t1.2\n\ny"
        );
    }

    #[test]
    fn malformed_html_decodes_to_something_sensible() {
        assert_eq!(
            decode("P < 0.001 and P<0.05, a <= b"),
            "P < 0.001 and P<0.05, a <= b"
        );
        assert_eq!(decode("<p>unclosed <b>bold <i>text"), "unclosed bold text");
        assert_eq!(decode("<p>cut short <a href=\"x"), "cut short");
        assert_eq!(decode("<p>cut short <span"), "cut short");
        assert_eq!(decode("text <!-- never closed"), "text");
        assert_eq!(
            decode("a<!-->b<!--->c</>d<!x>e<?php ?>f</ weird>g"),
            "abcdefg"
        );
        assert_eq!(decode("<script>never closed"), "");
        assert_eq!(decode("x</p></div></td></tr></table></pre>y"), "x\n\ny");
        assert_eq!(
            decode("<verylongtagnamethatisnotknown>1</verylongtagnamethatisnotknown>"),
            "1"
        );
        assert_eq!(decode("<"), "<");
        assert_eq!(decode("a <"), "a <");
        assert_eq!(decode("&"), "&");
        assert_eq!(decode("<sup>"), "");
        assert_eq!(decode("é<p>ü</p>€"), "é\n\nü\n\n€");
    }

    #[test]
    fn head_text_is_dropped_but_the_title() {
        assert_eq!(
            decode("<head>\n<title>T</title>\n<link rel=x>\n</head>\n<p>body"),
            "T\n\nbody"
        );
        // An unclosed <head> ends at the first element of a body.
        assert_eq!(decode("<head><title>T</title><p>body"), "T\n\nbody");
    }
}
