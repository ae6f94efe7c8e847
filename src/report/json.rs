//! JSON output: one representation of the numbers JSON has no literal for.
//!
//! Every JSON document metapool writes goes through this module, which writes
//!
//! | value | JSON | meaning |
//! |---|---|---|
//! | a finite number | the number | |
//! | NaN | `null` | undefined or not computed (a τ² limit with one study, a Q that has no degrees of freedom, a random-effects row without τ²) |
//! | +∞ | `"Infinity"` | the limit is infinite (an HKSJ statistic of identical estimates, a z with a standard error of 0) |
//! | −∞ | `"-Infinity"` | as +∞ |
//!
//! `null` keeps its meaning of "no value", and ±∞ stay apart from it: the strings are
//! those JavaScript's `Number()`, Python's `float()` and R's `as.numeric()` read as
//! infinities. (serde_json alone writes every non-finite number as `null`.)

use serde::ser::{self, Serialize, Serializer};

/// A value whose non-finite numbers serialise as the table of the module documentation
/// says, at every depth.
pub struct Finite<'a, T: ?Sized>(pub &'a T);

/// The JSON value of a number: NaN as `null`, ±∞ as `"Infinity"`, `"-Infinity"`.
fn serialize_f64<S: Serializer>(x: f64, s: S) -> Result<S::Ok, S::Error> {
    if x.is_nan() {
        s.serialize_none()
    } else if x == f64::INFINITY {
        s.serialize_str("Infinity")
    } else if x == f64::NEG_INFINITY {
        s.serialize_str("-Infinity")
    } else {
        s.serialize_f64(x)
    }
}

impl<T: ?Sized + Serialize> Serialize for Finite<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(Wrap(s))
    }
}

/// A serializer that hands every value to `S`, wrapping nested values in [`Finite`].
struct Wrap<S>(S);

/// A compound serializer (sequence, map, struct) whose elements are wrapped in
/// [`Finite`].
struct Compound<C>(C);

impl<S: Serializer> Serializer for Wrap<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Compound<S::SerializeSeq>;
    type SerializeTuple = Compound<S::SerializeTuple>;
    type SerializeTupleStruct = Compound<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Compound<S::SerializeTupleVariant>;
    type SerializeMap = Compound<S::SerializeMap>;
    type SerializeStruct = Compound<S::SerializeStruct>;
    type SerializeStructVariant = Compound<S::SerializeStructVariant>;

    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        serialize_f64(v, self.0)
    }
    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        serialize_f64(f64::from(v), self.0)
    }
    fn serialize_bool(self, v: bool) -> Result<S::Ok, S::Error> {
        self.0.serialize_bool(v)
    }
    fn serialize_i8(self, v: i8) -> Result<S::Ok, S::Error> {
        self.0.serialize_i8(v)
    }
    fn serialize_i16(self, v: i16) -> Result<S::Ok, S::Error> {
        self.0.serialize_i16(v)
    }
    fn serialize_i32(self, v: i32) -> Result<S::Ok, S::Error> {
        self.0.serialize_i32(v)
    }
    fn serialize_i64(self, v: i64) -> Result<S::Ok, S::Error> {
        self.0.serialize_i64(v)
    }
    fn serialize_u8(self, v: u8) -> Result<S::Ok, S::Error> {
        self.0.serialize_u8(v)
    }
    fn serialize_u16(self, v: u16) -> Result<S::Ok, S::Error> {
        self.0.serialize_u16(v)
    }
    fn serialize_u32(self, v: u32) -> Result<S::Ok, S::Error> {
        self.0.serialize_u32(v)
    }
    fn serialize_u64(self, v: u64) -> Result<S::Ok, S::Error> {
        self.0.serialize_u64(v)
    }
    fn serialize_char(self, v: char) -> Result<S::Ok, S::Error> {
        self.0.serialize_char(v)
    }
    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        self.0.serialize_str(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<S::Ok, S::Error> {
        self.0.serialize_bytes(v)
    }
    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_none()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<S::Ok, S::Error> {
        self.0.serialize_some(&Finite(v))
    }
    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit()
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_struct(name)
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_variant(name, index, variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_newtype_struct(name, &Finite(v))
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0
            .serialize_newtype_variant(name, index, variant, &Finite(v))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        self.0.serialize_seq(len).map(Compound)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        self.0.serialize_tuple(len).map(Compound)
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        self.0.serialize_tuple_struct(name, len).map(Compound)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        self.0
            .serialize_tuple_variant(name, index, variant, len)
            .map(Compound)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        self.0.serialize_map(len).map(Compound)
    }
    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        self.0.serialize_struct(name, len).map(Compound)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        self.0
            .serialize_struct_variant(name, index, variant, len)
            .map(Compound)
    }
    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// The sequence-like compounds pass each element (or field) through [`Finite`].
macro_rules! finite_elements {
    ($($trait:ident :: $method:ident),+) => {$(
        impl<C: ser::$trait> ser::$trait for Compound<C> {
            type Ok = C::Ok;
            type Error = C::Error;
            fn $method<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), C::Error> {
                self.0.$method(&Finite(v))
            }
            fn end(self) -> Result<C::Ok, C::Error> {
                self.0.end()
            }
        }
    )+};
}

finite_elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl<C: ser::SerializeMap> ser::SerializeMap for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, k: &T) -> Result<(), C::Error> {
        self.0.serialize_key(k)
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), C::Error> {
        self.0.serialize_value(&Finite(v))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: ser::SerializeStruct> ser::SerializeStruct for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), C::Error> {
        self.0.serialize_field(key, &Finite(v))
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
        self.0.skip_field(key)
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: ser::SerializeStructVariant> ser::SerializeStructVariant for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), C::Error> {
        self.0.serialize_field(key, &Finite(v))
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
        self.0.skip_field(key)
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

fn json_error(e: serde_json::Error) -> crate::Error {
    crate::Error::Serialize(e.to_string())
}

/// The JSON value of `value` (see the module documentation for non-finite numbers).
///
/// # Errors
/// [`crate::Error::Serialize`] if serialisation fails (a map with keys that are not
/// strings), which the crate's results cannot make it do.
pub fn to_value<T: ?Sized + Serialize>(value: &T) -> crate::Result<serde_json::Value> {
    serde_json::to_value(Finite(value)).map_err(json_error)
}

/// `value` as indented JSON with a final line end.
///
/// # Errors
/// As [`to_value`].
pub fn to_string_pretty<T: ?Sized + Serialize>(value: &T) -> crate::Result<String> {
    serde_json::to_string_pretty(&Finite(value))
        .map(|s| s + "\n")
        .map_err(json_error)
}

/// Writes `value` as indented JSON with a final line end to `out`, as it is
/// serialised (no document in memory).
///
/// # Errors
/// The error of `out` (a full disk, a closed pipe).
pub fn to_writer_pretty<W: std::io::Write, T: ?Sized + Serialize>(
    out: W,
    value: &T,
) -> std::io::Result<()> {
    // serde_json writes a document in many small pieces (a key, a colon, an
    // indentation): gathered here, they reach `out` (often a `dyn Write`) in blocks.
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut out, &Finite(value))?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Writes `value` as one line of JSON with its line end (JSON Lines) to `out`.
///
/// # Errors
/// The error of `out`.
pub fn to_writer_line<W: std::io::Write, T: ?Sized + Serialize>(
    mut out: W,
    value: &T,
) -> std::io::Result<()> {
    serde_json::to_writer(&mut out, &Finite(value))?;
    out.write_all(b"\n")
}

/// `value` as one line of JSON, without a line end (JSON Lines).
///
/// # Errors
/// As [`to_value`].
pub fn to_string<T: ?Sized + Serialize>(value: &T) -> crate::Result<String> {
    serde_json::to_string(&Finite(value)).map_err(json_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Row {
        finite: f64,
        nan: f64,
        plus: f64,
        minus: Option<f64>,
        absent: Option<f64>,
        nested: Vec<(f64, f32)>,
    }

    #[test]
    fn infinities_are_strings_and_nan_is_null_at_every_depth() {
        let row = Row {
            finite: 1.5,
            nan: f64::NAN,
            plus: f64::INFINITY,
            minus: Some(f64::NEG_INFINITY),
            absent: None,
            nested: vec![(f64::INFINITY, f32::NAN)],
        };
        assert_eq!(
            to_string(&row).expect("json"),
            r#"{"finite":1.5,"nan":null,"plus":"Infinity","minus":"-Infinity","absent":null,"nested":[["Infinity",null]]}"#
        );
        let v = to_value(&[f64::NEG_INFINITY]).expect("value");
        assert_eq!(v[0], "-Infinity");
    }
}
