//! A request field that can be left out, sent as JSON `null`, or sent with a value.
//!
//! Most optional fields are `Option<T>`: `None` is left out of the request. Where the service
//! gives an explicit `null` a meaning of its own (the spec marks the field `nullable: true`),
//! the field is a [`Nullable<T>`] instead, so that "leave it as it is" and "clear it" are two
//! different values.

use serde::de::{Deserialize, Deserializer};
use serde::ser::{Serialize, Serializer};

use super::UnknownFieldPaths;

/// A field that is absent, an explicit JSON `null`, or a value.
///
/// - [`Nullable::Absent`] (the default) is left out of the request, like `None` of an
///   `Option` field: the service keeps what it has.
/// - [`Nullable::Null`] is sent as `null`: for the fields the spec marks nullable, this clears
///   or unassigns the property (Microsoft's *Update Group As Admin* unassigns a Log Analytics
///   workspace with `"logAnalyticsWorkspace": null`).
/// - [`Nullable::Value`] is sent as the value.
///
/// Decoding reads a missing key as `Absent`, `null` as `Null` and anything else as `Value`,
/// so an answer re-encodes as it came. `From<T>` makes a `Value`.
///
/// `powerbi`'s `runtime` module documentation shows all three in a request body.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Nullable<T> {
    /// Left out of the request (the default): the service keeps what it has.
    #[default]
    Absent,
    /// Sent as JSON `null`: the service clears the property.
    Null,
    /// Sent as the value.
    Value(T),
}

impl<T> Nullable<T> {
    /// Whether the field is left out. Generated models skip such fields when encoding.
    pub fn is_absent(&self) -> bool {
        matches!(self, Nullable::Absent)
    }

    /// Whether the field is an explicit `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Nullable::Null)
    }

    /// The value, if there is one (`Absent` and `Null` both give `None`).
    pub fn value(&self) -> Option<&T> {
        match self {
            Nullable::Value(value) => Some(value),
            Nullable::Absent | Nullable::Null => None,
        }
    }

    /// The value, if there is one, by value.
    pub fn into_value(self) -> Option<T> {
        match self {
            Nullable::Value(value) => Some(value),
            Nullable::Absent | Nullable::Null => None,
        }
    }

    /// `Absent` stays `Absent`, `Null` stays `Null`, a value is borrowed.
    pub fn as_ref(&self) -> Nullable<&T> {
        match self {
            Nullable::Absent => Nullable::Absent,
            Nullable::Null => Nullable::Null,
            Nullable::Value(value) => Nullable::Value(value),
        }
    }

    /// Maps the value, keeping `Absent` and `Null`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Nullable<U> {
        match self {
            Nullable::Absent => Nullable::Absent,
            Nullable::Null => Nullable::Null,
            Nullable::Value(value) => Nullable::Value(f(value)),
        }
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(value: T) -> Self {
        Nullable::Value(value)
    }
}

/// `Null` and `Value` encode as `null` and the value. `Absent` also encodes as `null` when it
/// is encoded at all: a field of a generated model skips it (`skip_serializing_if =
/// "Nullable::is_absent"`), so it never reaches the request.
impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Nullable::Value(value) => serializer.serialize_some(value),
            Nullable::Absent | Nullable::Null => serializer.serialize_none(),
        }
    }
}

/// `null` decodes as `Null`, anything else as a `Value`. A missing key is `Absent` through the
/// field's `#[serde(default)]`, which generated models spell out.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Nullable::Value(value),
            None => Nullable::Null,
        })
    }
}

impl<T: UnknownFieldPaths> UnknownFieldPaths for Nullable<T> {
    fn unknown_field_paths(&self, path: &str, out: &mut Vec<String>) {
        if let Nullable::Value(value) = self {
            value.unknown_field_paths(path, out);
        }
    }
}

/// Numeric nullable fields decode leniently, like other numeric fields
/// ([`lenient`](super::lenient)): a number sent as a string is accepted.
pub mod lenient {
    use serde::de::Deserializer;

    use super::Nullable;

    fn nullable<T>(value: Option<T>) -> Nullable<T> {
        value.map_or(Nullable::Null, Nullable::Value)
    }

    /// A nullable `i64`, or a string holding one.
    pub fn i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Nullable<i64>, D::Error> {
        crate::lenient::option_i64(deserializer).map(nullable)
    }

    /// A nullable `i32`, or a string holding one.
    pub fn i32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Nullable<i32>, D::Error> {
        crate::lenient::option_i32(deserializer).map(nullable)
    }

    /// A nullable `f64`, or a string holding one.
    pub fn f64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Nullable<f64>, D::Error> {
        crate::lenient::option_f64(deserializer).map(nullable)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    use super::Nullable;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Body {
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        target: Nullable<String>,
        #[serde(
            default,
            skip_serializing_if = "Nullable::is_absent",
            deserialize_with = "super::lenient::i32"
        )]
        count: Nullable<i32>,
    }

    #[test]
    fn absent_is_left_out_null_is_sent_a_value_is_sent() {
        let absent = Body::default();
        assert_eq!(serde_json::to_value(&absent).unwrap(), json!({}));
        let null = Body {
            target: Nullable::Null,
            count: Nullable::Null,
        };
        assert_eq!(
            serde_json::to_value(&null).unwrap(),
            json!({"target": null, "count": null})
        );
        let value = Body {
            target: "x".to_owned().into(),
            count: 3.into(),
        };
        assert_eq!(
            serde_json::to_value(&value).unwrap(),
            json!({"target": "x", "count": 3})
        );
    }

    #[test]
    fn decoding_tells_missing_from_null_from_a_value() {
        let body: Body = serde_json::from_value(json!({})).unwrap();
        assert_eq!(body, Body::default());
        let body: Body = serde_json::from_value(json!({"target": null, "count": null})).unwrap();
        assert_eq!(body.target, Nullable::Null);
        assert_eq!(body.count, Nullable::Null);
        let body: Body = serde_json::from_value(json!({"target": "x", "count": "7"})).unwrap();
        assert_eq!(body.target, Nullable::Value("x".to_owned()));
        assert_eq!(body.count, Nullable::Value(7));
        assert!(serde_json::from_value::<Body>(json!({"count": "seven"})).is_err());
        assert!(serde_json::from_value::<Body>(json!({"target": 1})).is_err());
    }

    #[test]
    fn every_form_round_trips() {
        for text in [r#"{}"#, r#"{"target":null}"#, r#"{"target":"x","count":2}"#] {
            let body: Body = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&body).unwrap(), text);
        }
    }

    #[test]
    fn helpers() {
        let value: Nullable<u8> = 4.into();
        assert_eq!(value.value(), Some(&4));
        assert_eq!(value.as_ref().map(|n| n + 1), Nullable::Value(5));
        assert_eq!(value.clone().into_value(), Some(4));
        assert!(Nullable::<u8>::Null.is_null() && Nullable::<u8>::Null.value().is_none());
        assert!(Nullable::<u8>::default().is_absent());
        assert_eq!(format!("{value:?}"), "Value(4)");
        assert_eq!(format!("{:?}", Nullable::<u8>::Null), "Null");
        assert_eq!(format!("{:?}", Nullable::<u8>::Absent), "Absent");
    }
}
