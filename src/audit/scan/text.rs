//! A document's text as the scanner reads it: a stream of tokens (numbers, words,
//! signs), with the characters real documents print read for what they mean.
//!
//! - Numbers keep their printed precision ([`Printed`]). A decimal point is `.`, or the
//!   Lancet's middle dot (U+00B7, U+2219) between digits; a leading point reads
//!   (`p=.03`). Thousands are grouped by a comma (`1,773`) or a thin, narrow no-break,
//!   figure or no-break space (`30 233`) before exactly three digits; a plain space
//!   between groups is read where a count is expected ([`super::count`]).
//! - A minus is `-`, U+2212, the hyphens U+2010 and U+2011, or an en dash, when it stands
//!   directly before a digit and after no digit, letter or closing bracket
//!   (`(−2.30–−0.10)`: the first and last are signs, the middle en dash a range mark).
//!   Every other dash (hyphens, en and em dashes, U+2012) is a range mark.
//! - Words are letters with their digits and superscripts (`I²`, `I2`, `Chi²`, `τ²`,
//!   `NCT01234567`), so numbers inside names are no numbers.
//! - White space of any kind separates tokens; a line end is kept as a mark on the next
//!   token (a figure may be broken across it), a tab (a table cell) and a blank line (a
//!   paragraph) are tokens of their own, and figures do not run across them.

use crate::printed::Printed;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Tok {
    /// A number, with its printed precision.
    Num(Printed),
    /// A word (its text is the token's slice).
    Word,
    /// A range mark: a hyphen, en or em dash not read as a minus.
    Dash,
    /// Any other sign: brackets, punctuation, `%`, `=`, `<`, `≤`.
    Sym(char),
    /// A tab: the boundary of a table cell.
    Tab,
    /// A blank line: the boundary of a paragraph.
    Para,
}

/// A token and where it is in the text (byte offsets).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    /// What it is.
    pub tok: Tok,
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset just past it.
    pub end: usize,
    /// True when a line end stands between this token and the one before.
    pub after_line_end: bool,
}

/// The tokens of a text.
pub(crate) struct Tokens<'a> {
    /// The text.
    pub text: &'a str,
    /// Its tokens, in order.
    pub toks: Vec<Token>,
    /// The lines: the first token of each, in order.
    line_first: Vec<usize>,
    /// For each line, the first line of the table it is a row of (the lines with cell
    /// marks just above it and it), or `usize::MAX` when it has no cell marks.
    table_first: Vec<usize>,
}

/// Characters read as a minus sign before a digit.
fn is_minus(c: char) -> bool {
    matches!(c, '-' | '\u{2212}' | '\u{2010}' | '\u{2011}' | '\u{2013}')
}

/// Characters read as a range mark (when not a minus).
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2212}' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}'
    )
}

/// Characters read as a decimal point between digits.
fn is_decimal_point(c: char) -> bool {
    matches!(c, '.' | '\u{00B7}' | '\u{2219}')
}

/// Spaces that group thousands (thin, narrow no-break, figure, no-break).
fn is_group_space(c: char) -> bool {
    matches!(c, '\u{2009}' | '\u{202F}' | '\u{2007}' | '\u{00A0}')
}

/// The character at byte `i` of `s`, if any.
fn char_at(s: &str, i: usize) -> Option<char> {
    s.get(i..).and_then(|r| r.chars().next())
}

/// The number of ASCII digits at byte `i` of `b`.
fn digits_at(b: &[u8], i: usize) -> usize {
    b.get(i..)
        .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count())
}

impl<'a> Tokens<'a> {
    /// Splits `text` into tokens.
    pub fn new(text: &'a str) -> Self {
        let b = text.as_bytes();
        let mut toks = Vec::with_capacity(text.len() / 4);
        let mut i = 0;
        let mut newlines = 0u32;
        // The character before the token being read (for signs).
        let mut before: Option<char> = None;
        while i < b.len() {
            let c = match b[i] {
                ascii @ 0..=0x7f => char::from(ascii),
                _ => match char_at(text, i) {
                    Some(c) => c,
                    None => break,
                },
            };
            let width = c.len_utf8();
            if c == '\n' {
                newlines += 1;
                i += width;
                before = Some(c);
                continue;
            }
            if c == '\t' {
                toks.push(Token {
                    tok: Tok::Tab,
                    start: i,
                    end: i + 1,
                    after_line_end: newlines > 0,
                });
                newlines = 0;
                i += 1;
                before = Some(c);
                continue;
            }
            if c.is_whitespace() {
                i += width;
                before = Some(c);
                continue;
            }
            if newlines >= 2 {
                toks.push(Token {
                    tok: Tok::Para,
                    start: i,
                    end: i,
                    after_line_end: true,
                });
            }
            let after_line_end = newlines > 0;
            newlines = 0;
            let start = i;
            let digit_follows = |j: usize| {
                b.get(j).is_some_and(u8::is_ascii_digit)
                    || (char_at(text, j).is_some_and(is_decimal_point)
                        && b.get(j + char_at(text, j).map_or(1, char::len_utf8))
                            .is_some_and(u8::is_ascii_digit))
            };
            let sign_allowed =
                before.is_none_or(|p| !(p.is_alphanumeric() || matches!(p, ')' | ']' | '%')));
            let (tok, end) = if c.is_ascii_digit()
                || (c == '.' && digit_follows(i) && before.is_none_or(|p| !p.is_alphanumeric()))
            {
                with_exponent(text, read_number(text, i, false))
            } else if is_minus(c) && sign_allowed && digit_follows(i + width) {
                with_exponent(text, read_number(text, i + width, true))
            } else if c.is_alphabetic() {
                (Tok::Word, read_word(text, i))
            } else if is_dash(c) {
                (Tok::Dash, i + width)
            } else {
                (Tok::Sym(c), i + width)
            };
            toks.push(Token {
                tok,
                start,
                end,
                after_line_end,
            });
            before = match b[end - 1] {
                ascii @ 0..=0x7f => Some(char::from(ascii)),
                _ => text[..end].chars().next_back(),
            };
            i = end;
        }
        let mut line_first = Vec::new();
        let mut table_first = Vec::new();
        let mut marks = false;
        for (i, t) in toks.iter().enumerate() {
            if i == 0 || t.after_line_end {
                if !line_first.is_empty() {
                    table_first.push(Self::table_of(&table_first, marks));
                }
                line_first.push(i);
                marks = false;
            }
            marks |= matches!(t.tok, Tok::Tab | Tok::Sym('|'));
        }
        if !line_first.is_empty() {
            table_first.push(Self::table_of(&table_first, marks));
        }
        let mut tokens = Tokens {
            text,
            toks,
            line_first,
            table_first,
        };
        // A line that starts a paragraph starts its table.
        for k in 1..tokens.line_first.len() {
            if tokens.table_first[k] != usize::MAX
                && tokens.toks[tokens.line_first[k]].tok == Tok::Para
            {
                tokens.table_first[k] = k;
            }
        }
        tokens
    }

    /// The first line of the table of the line after those of `table_first`, which has
    /// cell marks when `marks`.
    fn table_of(table_first: &[usize], marks: bool) -> usize {
        let k = table_first.len();
        if !marks {
            usize::MAX
        } else {
            match table_first.last() {
                Some(&above) if above != usize::MAX => above,
                _ => k,
            }
        }
    }

    /// The line (index, from 0) of token `i`.
    pub fn line_of(&self, i: usize) -> usize {
        self.line_first
            .partition_point(|&f| f <= i)
            .saturating_sub(1)
    }

    /// The token at `i`, if any.
    pub fn get(&self, i: usize) -> Option<&Token> {
        self.toks.get(i)
    }

    /// The text of token `i` (empty past the end).
    pub fn slice(&self, i: usize) -> &'a str {
        self.toks.get(i).map_or("", |t| &self.text[t.start..t.end])
    }

    /// The number at token `i`, if it is one.
    pub fn num(&self, i: usize) -> Option<Printed> {
        match self.toks.get(i)?.tok {
            Tok::Num(p) => Some(p),
            _ => None,
        }
    }

    /// True when token `i` is the sign `c`.
    pub fn is_sym(&self, i: usize, c: char) -> bool {
        self.toks.get(i).is_some_and(|t| t.tok == Tok::Sym(c))
    }

    /// True when token `i` is a range mark.
    pub fn is_dash(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| t.tok == Tok::Dash)
    }

    /// True when token `i` is a word.
    pub fn is_word(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| t.tok == Tok::Word)
    }

    /// True when token `i` is a word equal to one of `words` (ASCII case ignored).
    pub fn word_in(&self, i: usize, words: &[&str]) -> bool {
        self.is_word(i) && {
            let w = self.slice(i);
            words.iter().any(|x| x.eq_ignore_ascii_case(w))
        }
    }

    /// Lower-case text of word `i` (empty when it is no word).
    pub fn lower(&self, i: usize) -> std::borrow::Cow<'a, str> {
        if !self.is_word(i) {
            return std::borrow::Cow::Borrowed("");
        }
        let w = self.slice(i);
        if w.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80) {
            std::borrow::Cow::Owned(w.to_lowercase())
        } else {
            std::borrow::Cow::Borrowed(w)
        }
    }

    /// True when token `i` ends a stretch a figure may not cross: a tab, a blank line,
    /// a table bar, or the end.
    pub fn is_barrier(&self, i: usize) -> bool {
        match self.toks.get(i) {
            None => true,
            Some(t) => matches!(t.tok, Tok::Tab | Tok::Para | Tok::Sym('|')),
        }
    }

    /// The first token of the line of token `i`.
    pub fn line_start(&self, i: usize) -> usize {
        self.line_first.get(self.line_of(i)).copied().unwrap_or(0)
    }

    /// True when the header of the table column of token `i` has one of `words`.
    pub fn header_names(&self, i: usize, words: &[&str]) -> bool {
        self.header_cell(i)
            .is_some_and(|cell| cell.into_iter().any(|h| self.word_in(h, words)))
    }

    /// The tokens of the line of token `i`.
    pub fn line_tokens(&self, i: usize) -> std::ops::Range<usize> {
        let line = self.line_of(i);
        let first = self.line_first.get(line).copied().unwrap_or(0);
        let end = self
            .line_first
            .get(line + 1)
            .copied()
            .unwrap_or(self.toks.len());
        first..end
    }

    /// True when the line of token `i` is a table row (has a tab or a `|`).
    pub fn in_table_row(&self, i: usize) -> bool {
        self.table_first
            .get(self.line_of(i))
            .is_some_and(|&f| f != usize::MAX)
    }

    /// True when tokens `first..=last` fill a table cell: a cell mark (or the line's
    /// start) before, and one (or the line's end) after, in a line with cell marks.
    pub fn alone_in_cell(&self, first: usize, last: usize) -> bool {
        let line = self.line_of(first);
        let start = self.line_first[line];
        let end = self
            .line_first
            .get(line + 1)
            .copied()
            .unwrap_or(self.toks.len());
        self.in_table_row(first)
            && (first == start || self.is_cell_mark(first - 1))
            && (last + 1 == end || self.is_cell_mark(last + 1))
    }

    /// True when token `i` separates table cells (a tab, or a Markdown `|`).
    fn is_cell_mark(&self, i: usize) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| t.tok == Tok::Tab || t.tok == Tok::Sym('|'))
    }

    /// The tokens of the header cell above token `i` in its table column: the cell of
    /// the same index (counted in tabs or bars) in the first line of its table (the
    /// lines with cell marks in a row), when `i` is in a row below that line.
    pub fn header_cell(&self, i: usize) -> Option<std::ops::Range<usize>> {
        let line = self.line_of(i);
        let first = *self.table_first.get(line)?;
        if first == usize::MAX || first == line {
            return None;
        }
        let start = self.line_first[line];
        let column = (start..i).filter(|&j| self.is_cell_mark(j)).count();
        let header = self.line_first[first];
        let header_end = self
            .line_first
            .get(first + 1)
            .copied()
            .unwrap_or(self.toks.len());
        let mut marks = 0;
        let mut cell_start = header;
        for j in header..header_end {
            if self.is_cell_mark(j) {
                if marks == column {
                    return Some(cell_start..j);
                }
                marks += 1;
                cell_start = j + 1;
            }
        }
        (marks == column).then_some(cell_start..header_end)
    }

    /// The number of tokens.
    pub fn len(&self) -> usize {
        self.toks.len()
    }
}

/// A number in exponent notation (`1e-5`, `1.5E3`) is no printed figure metapool reads
/// (its precision is not that of its digits): the whole of it becomes a word, so that
/// no figure is read from the part before the `e`.
fn with_exponent(text: &str, (tok, end): (Tok, usize)) -> (Tok, usize) {
    let b = text.as_bytes();
    if !matches!(b.get(end), Some(b'e' | b'E')) {
        return (tok, end);
    }
    let sign = usize::from(matches!(b.get(end + 1), Some(b'+' | b'-')));
    let digits = digits_at(b, end + 1 + sign);
    if digits == 0 {
        return (tok, end);
    }
    (Tok::Word, end + 1 + sign + digits)
}

/// Reads a number whose first digit (or point) is at byte `i`; `negative` when a minus
/// stood before it. Returns the token and the byte offset past it.
fn read_number(text: &str, i: usize, negative: bool) -> (Tok, usize) {
    let b = text.as_bytes();
    // Most numbers are digits with perhaps a point and more digits: read in place.
    let int_len = digits_at(b, i);
    let grouped = char_at(text, i + int_len).is_some_and(|c| c == ',' || is_group_space(c));
    if int_len > 0 && !grouped {
        let mut j = i + int_len;
        let mut decimals = 0;
        if b.get(j) == Some(&b'.') {
            let frac = digits_at(b, j + 1);
            if frac > 0 {
                decimals = frac as u32;
                j += 1 + frac;
            }
        }
        let plain = char_at(text, j).is_none_or(|c| !is_decimal_point(c) || c == '.');
        if plain {
            let magnitude = text[i..j].parse::<f64>().unwrap_or(f64::NAN);
            let value = if negative { -magnitude } else { magnitude };
            return (Tok::Num(Printed { value, decimals }), j);
        }
    }
    let mut digits = String::with_capacity(16);
    if negative {
        digits.push('-');
    }
    let mut j = i;
    let int_len = digits_at(b, j);
    digits.push_str(&text[j..j + int_len]);
    j += int_len;
    // Thousands groups: a comma or a grouping space, then exactly three digits.
    if (1..=3).contains(&int_len) && !(int_len > 1 && b[i] == b'0') {
        while let Some(sep) = char_at(text, j).filter(|&c| c == ',' || is_group_space(c)) {
            let k = j + sep.len_utf8();
            if digits_at(b, k) != 3 {
                break;
            }
            // "1,773" but not "0.61,1.32" (a point already read) nor "1,7730".
            digits.push_str(&text[k..k + 3]);
            j = k + 3;
        }
    }
    let mut decimals = 0;
    if let Some(p) = char_at(text, j) {
        let k = j + p.len_utf8();
        let frac = digits_at(b, k);
        if is_decimal_point(p) && frac > 0 {
            digits.push('.');
            digits.push_str(&text[k..k + frac]);
            decimals = frac as u32;
            j = k + frac;
        }
    }
    if int_len == 0 {
        digits.insert(usize::from(negative), '0');
    }
    let value = digits.parse::<f64>().unwrap_or(f64::NAN);
    (Tok::Num(Printed { value, decimals }), j)
}

/// The byte offset past the word starting at byte `i`: letters, digits, superscripts,
/// `^`, and an apostrophe between letters (`Cohen's`, `Hedges’`).
fn read_word(text: &str, i: usize) -> usize {
    let mut j = i;
    let mut chars = text[i..].chars().peekable();
    while let Some(c) = chars.next() {
        let keep = c.is_alphanumeric()
            || c == '^'
            || ((c == '\'' || c == '\u{2019}') && chars.peek().is_some_and(|n| n.is_alphabetic()));
        if !keep {
            break;
        }
        j += c.len_utf8();
    }
    j
}

/// Converts byte offsets into character offsets and line numbers, for offsets asked
/// in increasing order (each call costs the distance from the last).
pub(crate) struct Positions<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
    line: usize,
}

impl<'a> Positions<'a> {
    /// At the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Positions {
            text,
            byte: 0,
            chars: 0,
            line: 1,
        }
    }

    /// The character offset and line (1-based) of byte offset `at`; restarts from the
    /// beginning when `at` is before the last offset asked.
    pub fn at(&mut self, at: usize) -> (usize, usize) {
        if at < self.byte {
            *self = Positions::new(self.text);
        }
        let stretch = &self.text[self.byte..at];
        self.chars += stretch.chars().count();
        self.line += memchr::memchr_iter(b'\n', stretch.as_bytes()).count();
        self.byte = at;
        (self.chars, self.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nums(text: &str) -> Vec<(f64, u32)> {
        let t = Tokens::new(text);
        (0..t.len())
            .filter_map(|i| t.num(i))
            .map(|p| (p.value, p.decimals))
            .collect()
    }

    #[test]
    fn numbers_as_documents_print_them() {
        assert_eq!(
            nums("(−2.30–−0.10)"),
            vec![(-2.30, 2), (-0.10, 2)],
            "U+2212 signs, en dash range"
        );
        assert_eq!(nums("0.55-0.78"), vec![(0.55, 2), (0.78, 2)]);
        assert_eq!(
            nums("0·75 (0·60–0·90)"),
            vec![(0.75, 2), (0.60, 2), (0.90, 2)]
        );
        assert_eq!(nums("p=.03"), vec![(0.03, 2)]);
        assert_eq!(nums("1,773 patients"), vec![(1773.0, 0)]);
        assert_eq!(nums("30\u{2009}233 participants"), vec![(30233.0, 0)]);
        assert_eq!(nums("[0.61,1.32]"), vec![(0.61, 2), (1.32, 2)]);
        assert_eq!(nums("[1,2]"), vec![(1.0, 0), (2.0, 0)]);
        assert_eq!(nums("I² = 59%"), vec![(59.0, 0)]);
        assert_eq!(nums("NCT01234567 CD007026"), vec![]);
        assert_eq!(nums("CARS-2"), vec![(2.0, 0)]);
        assert_eq!(nums("-1.5"), vec![(-1.5, 1)]);
        assert_eq!(nums("2.39."), vec![(2.39, 2)]);
    }

    #[test]
    fn tabs_and_blank_lines_are_barriers() {
        let t = Tokens::new("a\tb\n\nc\nd");
        let kinds: Vec<Tok> = t.toks.iter().map(|x| x.tok).collect();
        assert_eq!(
            kinds,
            vec![
                Tok::Word,
                Tok::Tab,
                Tok::Word,
                Tok::Para,
                Tok::Word,
                Tok::Word
            ]
        );
        assert!(t.toks[5].after_line_end);
    }

    #[test]
    fn positions_count_characters_and_lines() {
        let text = "é\nαβ x";
        let mut p = Positions::new(text);
        let x = text.find('x').expect("x");
        assert_eq!(p.at(x), (5, 2));
        assert_eq!(p.at(0), (0, 1));
    }
}
