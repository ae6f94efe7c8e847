//! A column of texts held in one buffer: the study labels, subgroups and other text
//! columns of a table.
//!
//! A table of 10⁶ studies read into a `Vec<String>` makes 10⁶ allocations per text
//! column, each of at least 32 bytes with the allocator's overhead, and as many frees;
//! [`Texts`] holds the same column in two (the bytes, and where each text ends).

use serde::Serialize;

/// Texts in one buffer, in order: `texts[i]` is text `i`.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Texts {
    /// The texts one after the other.
    bytes: String,
    /// Where each text ends in `bytes` (it begins where the one before ends).
    ends: Vec<usize>,
}

impl Texts {
    /// No texts.
    pub fn new() -> Self {
        Self::default()
    }

    /// No texts, with room for `texts` of `bytes` bytes in all.
    pub fn with_capacity(texts: usize, bytes: usize) -> Self {
        Texts {
            bytes: String::with_capacity(bytes),
            ends: Vec::with_capacity(texts),
        }
    }

    /// The texts `1`, `2`, ..., `k` (the labels of studies given without names), written
    /// digit by digit from a decimal counter rather than formatted one by one.
    pub fn numbered(k: usize) -> Self {
        let mut texts = Texts::with_capacity(k, k * (k.max(1).ilog10() as usize + 1));
        let mut digits = vec![b'0'];
        for _ in 0..k {
            // Add one to the decimal counter.
            let mut i = digits.len();
            loop {
                if i == 0 {
                    digits.insert(0, b'1');
                    break;
                }
                i -= 1;
                if digits[i] == b'9' {
                    digits[i] = b'0';
                } else {
                    digits[i] += 1;
                    break;
                }
            }
            texts
                .bytes
                .push_str(std::str::from_utf8(&digits).unwrap_or_default());
            texts.ends.push(texts.bytes.len());
        }
        texts
    }

    /// Adds `text` after the others.
    pub fn push(&mut self, text: &str) {
        self.bytes.push_str(text);
        self.ends.push(self.bytes.len());
    }

    /// The number of texts.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there is no text.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Text `i`, `None` beyond the last.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.bytes.get(start..end)
    }

    /// The texts in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            texts: self,
            front: 0,
            back: self.len(),
        }
    }

    /// The texts at `indices`, in that order.
    ///
    /// # Panics
    /// When an index is out of range (as slice indexing does).
    pub fn select(&self, indices: &[usize]) -> Texts {
        let mut out = Texts::with_capacity(indices.len(), 0);
        for &i in indices {
            out.push(&self[i]);
        }
        out
    }

    /// Adds the texts of `other` after these.
    pub fn append(&mut self, other: &Texts) {
        let shift = self.bytes.len();
        self.bytes.push_str(&other.bytes);
        self.ends.extend(other.ends.iter().map(|&end| shift + end));
    }

    /// Keeps the first `n` texts.
    pub fn truncate(&mut self, n: usize) {
        if n < self.len() {
            self.ends.truncate(n);
            self.bytes.truncate(self.ends.last().copied().unwrap_or(0));
        }
    }

    /// The texts as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }
}

impl std::ops::Index<usize> for Texts {
    type Output = str;

    /// Text `i`.
    ///
    /// # Panics
    /// When `i` is out of range (as slice indexing does).
    fn index(&self, i: usize) -> &str {
        match self.get(i) {
            Some(text) => text,
            None => panic!("index {i} is out of range for {} texts", self.len()),
        }
    }
}

/// The texts of a [`Texts`] in order.
#[derive(Clone)]
pub struct Iter<'a> {
    texts: &'a Texts,
    front: usize,
    back: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        (self.front < self.back).then(|| {
            self.front += 1;
            &self.texts[self.front - 1]
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        (self.front < self.back).then(|| {
            self.back -= 1;
            &self.texts[self.back]
        })
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Texts {
    type Item = &'a str;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<S: AsRef<str>> FromIterator<S> for Texts {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut texts = Texts::new();
        for text in iter {
            texts.push(text.as_ref());
        }
        texts
    }
}

impl<S: AsRef<str>> From<Vec<S>> for Texts {
    fn from(texts: Vec<S>) -> Self {
        texts.iter().collect()
    }
}

impl<S: AsRef<str>, const N: usize> From<[S; N]> for Texts {
    fn from(texts: [S; N]) -> Self {
        texts.iter().collect()
    }
}

impl<S: AsRef<str>> PartialEq<[S]> for Texts {
    fn eq(&self, other: &[S]) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for Texts {
    fn eq(&self, other: &[S; N]) -> bool {
        *self == other[..]
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for Texts {
    fn eq(&self, other: &Vec<S>) -> bool {
        *self == other[..]
    }
}

impl std::fmt::Debug for Texts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Texts {
    /// As a sequence of strings, as a `Vec<String>` is.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_texts_are_the_decimal_numbers_from_1() {
        let texts = Texts::numbered(1001);
        let expected: Vec<String> = (1..=1001).map(|i| i.to_string()).collect();
        assert_eq!(
            texts,
            expected.iter().map(String::as_str).collect::<Vec<_>>()
        );
        assert!(Texts::numbered(0).is_empty());
    }

    #[test]
    fn texts_read_back_as_pushed() {
        let words = ["", "a", "", "é, ü", "last"];
        let texts = Texts::from(words);
        assert_eq!(texts.len(), 5);
        assert_eq!(texts, words);
        assert_eq!(
            texts.iter().rev().collect::<Vec<_>>(),
            ["last", "é, ü", "", "a", ""]
        );
        assert_eq!(texts.get(5), None);
        assert_eq!(texts.select(&[3, 1, 3]), ["é, ü", "a", "é, ü"]);
        let mut cut = texts.clone();
        cut.truncate(2);
        assert_eq!(cut, ["", "a"]);
        cut.push("b");
        assert_eq!(cut, ["", "a", "b"]);
        assert_eq!(format!("{texts:?}"), format!("{words:?}"));
        assert_eq!(
            serde_json::to_string(&texts).unwrap(),
            serde_json::to_string(&words).unwrap()
        );
    }
}
