//! Lenient decoding of numbers: the service (and Microsoft's own samples) sometimes sends a
//! number as a string (`"order": "1"`, `"maxMemoryPercentageSetByUser": "66"`). Generated
//! models decode numeric fields through [`Lenient`], so both forms are accepted; encoding
//! always writes a JSON number.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, Unexpected, Visitor};

use super::Nullable;

/// A value decoded leniently: `i64`, `i32` and `f64` from a number or a string holding one,
/// and `Option` or [`Nullable`] of those (`null` is `None` or `Null`).
pub trait Lenient: Sized {
    /// Decodes the value.
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// [`Lenient::decode`] as a seed, for `MapAccess::next_value_seed`.
#[derive(Debug)]
pub struct LenientSeed<T>(pub PhantomData<T>);

impl<'de, T: Lenient> DeserializeSeed<'de> for LenientSeed<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        T::decode(deserializer)
    }
}

/// The numbers a field may hold, with how each converts without loss.
trait Number: Sized + std::str::FromStr {
    const EXPECTING: &'static str;
    fn from_i64(value: i64) -> Option<Self>;
    fn from_u64(value: u64) -> Option<Self>;
    fn from_f64(value: f64) -> Option<Self>;
}

impl Number for i64 {
    const EXPECTING: &'static str = "an integer (i64) or a string holding one";
    fn from_i64(value: i64) -> Option<Self> {
        Some(value)
    }
    fn from_u64(value: u64) -> Option<Self> {
        i64::try_from(value).ok()
    }
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
}

impl Number for i32 {
    const EXPECTING: &'static str = "an integer (i32) or a string holding one";
    fn from_i64(value: i64) -> Option<Self> {
        i32::try_from(value).ok()
    }
    fn from_u64(value: u64) -> Option<Self> {
        i32::try_from(value).ok()
    }
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
}

impl Number for f64 {
    const EXPECTING: &'static str = "a number (f64) or a string holding one";
    // As serde reads an integer into an `f64`: the nearest value.
    #[allow(clippy::cast_precision_loss)]
    fn from_i64(value: i64) -> Option<Self> {
        Some(value as f64)
    }
    #[allow(clippy::cast_precision_loss)]
    fn from_u64(value: u64) -> Option<Self> {
        Some(value as f64)
    }
    fn from_f64(value: f64) -> Option<Self> {
        Some(value)
    }
}

struct NumberVisitor<T>(PhantomData<T>);

impl<T: Number> Visitor<'_> for NumberVisitor<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(T::EXPECTING)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
        T::from_i64(value).ok_or_else(|| E::invalid_value(Unexpected::Signed(value), &self))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
        T::from_u64(value).ok_or_else(|| E::invalid_value(Unexpected::Unsigned(value), &self))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<T, E> {
        T::from_f64(value).ok_or_else(|| E::invalid_type(Unexpected::Float(value), &self))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        text.trim()
            .parse()
            .map_err(|_| E::custom(format!("'{text}' is not a number")))
    }
}

/// `null` or a number, for `Option` and `Nullable`.
struct OptionVisitor<T>(PhantomData<T>);

impl<'de, T: Number> Visitor<'de> for OptionVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "null or {}", T::EXPECTING)
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        deserializer
            .deserialize_any(NumberVisitor(PhantomData))
            .map(Some)
    }
}

impl<T: Number> Lenient for T {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NumberVisitor(PhantomData))
    }
}

impl<T: Number> Lenient for Option<T> {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_option(OptionVisitor(PhantomData))
    }
}

impl<T: Number> Lenient for Nullable<T> {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<T>::decode(deserializer).map(|value| value.map_or(Nullable::Null, Nullable::Value))
    }
}

macro_rules! lenient {
    ($required:ident, $optional:ident, $ty:ty) => {
        #[doc = concat!("A `", stringify!($ty), "`, or a string holding one.")]
        pub fn $required<'de, D: Deserializer<'de>>(deserializer: D) -> Result<$ty, D::Error> {
            <$ty>::decode(deserializer)
        }

        #[doc = concat!("An optional `", stringify!($ty), "`, or a string holding one.")]
        pub fn $optional<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<$ty>, D::Error> {
            Option::<$ty>::decode(deserializer)
        }
    };
}

lenient!(i64, option_i64, i64);
lenient!(i32, option_i32, i32);
lenient!(f64, option_f64, f64);

#[cfg(test)]
mod tests {
    use super::*;

    fn decode<T: Lenient>(text: &str) -> Result<T, String> {
        let mut reader = serde_json::Deserializer::from_str(text);
        T::decode(&mut reader).map_err(|error| error.to_string())
    }

    #[test]
    fn numbers_and_strings_holding_them_are_read() {
        assert_eq!(decode::<i64>("42"), Ok(42));
        assert_eq!(decode::<i64>(r#"" 42 ""#), Ok(42));
        assert_eq!(decode::<i64>("-7"), Ok(-7));
        assert_eq!(decode::<i32>(r#""66""#), Ok(66));
        assert_eq!(decode::<f64>("1"), Ok(1.0));
        assert_eq!(decode::<f64>(r#""2.5""#), Ok(2.5));
        assert_eq!(decode::<Option<i64>>("null"), Ok(None));
        assert_eq!(decode::<Option<i64>>(r#""3""#), Ok(Some(3)));
        assert_eq!(decode::<Nullable<i32>>("null"), Ok(Nullable::Null));
        assert_eq!(decode::<Nullable<i32>>("4"), Ok(Nullable::Value(4)));
        let value: serde_json::Value = serde_json::from_str(r#"{"n":"5"}"#).unwrap();
        assert_eq!(option_i64(&value["n"]).ok(), Some(Some(5)));
    }

    #[test]
    fn what_does_not_fit_is_refused_without_loss() {
        let too_big = decode::<i32>("5000000000").unwrap_err();
        assert!(too_big.contains("expected an integer (i32)"), "{too_big}");
        assert!(decode::<i64>("18446744073709551615").is_err());
        assert!(decode::<i64>("1.5").unwrap_err().contains("floating point"));
        assert!(
            decode::<i64>(r#""soon""#)
                .unwrap_err()
                .contains("'soon' is not a number")
        );
        assert!(
            decode::<Option<i32>>("true")
                .unwrap_err()
                .contains("expected an integer")
        );
    }
}
