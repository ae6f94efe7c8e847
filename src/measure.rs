//! The effect measures, and the scale each is analysed on: ratio measures (RR, OR, Peto
//! OR, ROM) on the log scale, reported exponentiated; differences (RD, MD, SMD) and
//! generic estimates on their own scale. A leaf, so that the readers (a RevMan export
//! names its measure) and every later stage name a measure the same way; the effects
//! themselves are computed in [`crate::effect`], which re-exports [`Measure`].

/// The effect measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Measure {
    /// Log risk ratio (binary).
    RR,
    /// Log odds ratio (binary).
    OR,
    /// Risk difference (binary).
    RD,
    /// Peto's log odds ratio (binary).
    PETO,
    /// Raw mean difference (continuous).
    MD,
    /// Standardised mean difference, Hedges' g (continuous).
    SMD,
    /// Log ratio of means (continuous).
    ROM,
    /// Generic estimate on its own scale (generic data).
    GEN,
}

impl Measure {
    /// True for measures analysed on the log scale and reported exponentiated.
    pub fn is_ratio(self) -> bool {
        matches!(
            self,
            Measure::RR | Measure::OR | Measure::PETO | Measure::ROM
        )
    }

    /// Back-transforms a value of the analysis scale to the reporting scale
    /// (exponentiates ratio measures).
    pub fn to_natural(self, x: f64) -> f64 {
        if self.is_ratio() {
            x.exp()
        } else {
            x
        }
    }
}

crate::spelling::spellings!(Measure, "measure", {
    Measure::RR => ["RR"],
    Measure::OR => ["OR"],
    Measure::RD => ["RD"],
    Measure::PETO => ["PETO", "PETO_OR"],
    Measure::MD => ["MD"],
    Measure::SMD => ["SMD"],
    Measure::ROM => ["ROM"],
    Measure::GEN => ["GEN"],
});
