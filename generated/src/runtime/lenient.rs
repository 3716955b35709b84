//! Lenient decoding of numbers: the service (and Microsoft's own samples) sometimes sends a
//! number as a string (`"order": "1"`, `"maxMemoryPercentageSetByUser": "66"`). Generated
//! models decode numeric fields through these functions, so both forms are accepted; encoding
//! always writes a JSON number.

use serde::Deserialize;
use serde::de::{Deserializer, Error};

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrText<T> {
    Number(T),
    Text(String),
}

fn parse<'de, D, T>(value: NumberOrText<T>) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
{
    match value {
        NumberOrText::Number(number) => Ok(number),
        NumberOrText::Text(text) => text
            .trim()
            .parse()
            .map_err(|_| D::Error::custom(format!("'{text}' is not a number"))),
    }
}

macro_rules! lenient {
    ($required:ident, $optional:ident, $ty:ty) => {
        #[doc = concat!("A `", stringify!($ty), "`, or a string holding one.")]
        pub fn $required<'de, D: Deserializer<'de>>(deserializer: D) -> Result<$ty, D::Error> {
            parse::<D, $ty>(NumberOrText::deserialize(deserializer)?)
        }

        #[doc = concat!("An optional `", stringify!($ty), "`, or a string holding one.")]
        pub fn $optional<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<$ty>, D::Error> {
            match Option::<NumberOrText<$ty>>::deserialize(deserializer)? {
                Some(value) => parse::<D, $ty>(value).map(Some),
                None => Ok(None),
            }
        }
    };
}

lenient!(i64, option_i64, i64);
lenient!(i32, option_i32, i32);
lenient!(f64, option_f64, f64);
