//! One study's 2x2 table, the unit of binary data.

use super::BinaryArms;
use serde::Serialize;

/// One study's 2x2 table: the one form of binary data that every computation takes
/// (study effects, Mantel-Haenszel and Peto sums, reconstructions).
///
/// |              | events | non-events | size |
/// |--------------|--------|------------|------|
/// | experimental | a      | b          | n_e  |
/// | control      | c      | d          | n_c  |
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Table2x2 {
    /// Events, experimental arm.
    pub a: f64,
    /// Non-events, experimental arm.
    pub b: f64,
    /// Events, control arm.
    pub c: f64,
    /// Non-events, control arm.
    pub d: f64,
}

impl Table2x2 {
    /// From events and arm sizes.
    pub fn from_arms(events_e: f64, n_e: f64, events_c: f64, n_c: f64) -> Self {
        Table2x2 {
            a: events_e,
            b: n_e - events_e,
            c: events_c,
            d: n_c - events_c,
        }
    }

    /// Study `i` of a table's binary arms.
    ///
    /// # Panics
    /// When `i` is out of range of a column (the arms of a [`crate::data::StudyTable`]
    /// have one entry per study, `i < k`).
    pub fn of_study(arms: &BinaryArms, i: usize) -> Self {
        Self::from_arms(arms.events_e[i], arms.n_e[i], arms.events_c[i], arms.n_c[i])
    }

    /// Size of the experimental arm, a + b.
    pub fn n_e(&self) -> f64 {
        self.a + self.b
    }

    /// Size of the control arm, c + d.
    pub fn n_c(&self) -> f64 {
        self.c + self.d
    }

    /// Total size.
    pub fn n(&self) -> f64 {
        self.a + self.b + self.c + self.d
    }

    /// True when any cell is zero.
    pub fn has_zero_cell(&self) -> bool {
        self.a == 0.0 || self.b == 0.0 || self.c == 0.0 || self.d == 0.0
    }

    /// True when neither arm has an event, or every participant of both arms has one.
    pub fn is_double_zero(&self) -> bool {
        (self.a == 0.0 && self.c == 0.0) || (self.b == 0.0 && self.d == 0.0)
    }

    /// The table with `increment` added to every cell.
    pub fn plus(&self, increment: f64) -> Self {
        Table2x2 {
            a: self.a + increment,
            b: self.b + increment,
            c: self.c + increment,
            d: self.d + increment,
        }
    }
}
