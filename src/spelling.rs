//! The words a user types for an option: one table per option enum.
//!
//! Each option enum (the measure, the fixed-effect method, the τ² estimator, the
//! interval methods, the zero-cell rules, the profile, the output formats) lists its
//! values with the words that name them in one [`spellings!`](crate::spelling) table,
//! the first word of each being the value's name. From that table come the enum's
//! `name()`, its `Display`, its `FromStr` (any case, surrounding white space ignored)
//! and, with the `cli` feature, `clap::ValueEnum`, so that a library user and the
//! command line accept the same words:
//!
//! ```
//! use metapool::model::Tau2Method;
//! assert_eq!("reml".parse::<Tau2Method>()?, Tau2Method::REML);
//! assert_eq!(Tau2Method::REML.to_string(), "REML");
//! # Ok::<(), metapool::Error>(())
//! ```

use crate::error::{Error, Result};

/// An option enum with its table of spellings (written by [`spellings!`](crate::spelling)).
pub trait Spelling: Copy + PartialEq + Send + Sync + 'static {
    /// What the option is, in a message: `measure`, `tau2 estimator`.
    const WHAT: &'static str;
    /// Every value with the words that name it: its name first, then its aliases.
    const TABLE: &'static [(Self, &'static [&'static str])];
    /// Every value, in the order of [`Spelling::TABLE`].
    const VALUES: &'static [Self];
}

/// The value `text` names (in any case, white space around it ignored).
///
/// # Errors
/// [`Error::InvalidArgument`] naming the option, the text and the names expected.
pub fn parse<T: Spelling>(text: &str) -> Result<T> {
    let t = text.trim();
    T::TABLE
        .iter()
        .find(|(_, words)| words.iter().any(|w| w.eq_ignore_ascii_case(t)))
        .map(|&(value, _)| value)
        .ok_or_else(|| {
            Error::InvalidArgument(format!(
                "unknown {} '{t}': expected {}",
                T::WHAT,
                names::<T>()
            ))
        })
}

/// The names of every value, as a message lists them: `a, b or c`.
pub fn names<T: Spelling>() -> String {
    let names: Vec<&str> = T::TABLE.iter().map(|(_, words)| words[0]).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

/// The value as clap lists it: its name, with its aliases (hidden from the help).
#[cfg(feature = "cli")]
pub fn possible_value<T: Spelling>(value: T) -> clap::builder::PossibleValue {
    let words = T::TABLE
        .iter()
        .find(|(v, _)| *v == value)
        .map_or(&[][..], |(_, words)| *words);
    match words.split_first() {
        Some((name, aliases)) => {
            clap::builder::PossibleValue::new(*name).aliases(aliases.iter().copied())
        }
        None => clap::builder::PossibleValue::new(""),
    }
}

/// The command line's parser of an option enum: its `FromStr` (for a spelling table,
/// [`parse`]: any case, white space around ignored); a word that names no value is
/// refused with clap's message, which names the option, the word and the values
/// expected.
#[cfg(feature = "cli")]
#[derive(Debug, Clone, Copy, Default)]
pub struct Parser<T>(std::marker::PhantomData<T>);

/// The parser of the option enum `T`, for clap's `value_parser`.
#[cfg(feature = "cli")]
pub fn parser<T>() -> Parser<T> {
    Parser(std::marker::PhantomData)
}

#[cfg(feature = "cli")]
impl<T> clap::builder::TypedValueParser for Parser<T>
where
    T: std::str::FromStr + clap::ValueEnum + Send + Sync + 'static,
{
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> std::result::Result<T, clap::Error> {
        match value.to_str().map(str::parse::<T>) {
            Some(Ok(v)) => Ok(v),
            _ => clap::builder::EnumValueParser::<T>::new().parse_ref(cmd, arg, value),
        }
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            T::value_variants()
                .iter()
                .filter_map(clap::ValueEnum::to_possible_value),
        ))
    }
}

/// Writes the spelling table of an option enum and what comes from it: `name()`,
/// `Display`, `FromStr`, `Serialize` (as the name) and, with the `cli` feature,
/// `clap::ValueEnum`.
///
/// ```text
/// spellings!(Measure, "measure", {
///     Measure::RR => ["RR"],
///     Measure::PETO => ["PETO", "PETO_OR"],
/// });
/// ```
macro_rules! spellings {
    ($ty:ty, $what:literal, { $($value:path => [$name:literal $(, $alias:literal)* $(,)?]),+ $(,)? }) => {
        impl $crate::spelling::Spelling for $ty {
            const WHAT: &'static str = $what;
            const TABLE: &'static [(Self, &'static [&'static str])] =
                &[$(($value, &[$name $(, $alias)*])),+];
            const VALUES: &'static [Self] = &[$($value),+];
        }

        impl $ty {
            /// The value's name: the word the command line takes and the reports print.
            pub fn name(self) -> &'static str {
                match self {
                    $($value => $name,)+
                }
            }
        }

        impl ::serde::Serialize for $ty {
            /// As its [`name`](Self::name): the JSON writes the word the command line takes.
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.name())
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::Error;
            fn from_str(s: &str) -> $crate::Result<Self> {
                $crate::spelling::parse(s)
            }
        }

        #[cfg(feature = "cli")]
        impl ::clap::ValueEnum for $ty {
            fn value_variants<'a>() -> &'a [Self] {
                <Self as $crate::spelling::Spelling>::VALUES
            }
            fn to_possible_value(&self) -> Option<::clap::builder::PossibleValue> {
                Some($crate::spelling::possible_value(*self))
            }
        }
    };
}
pub(crate) use spellings;
