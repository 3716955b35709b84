//! [`Continuation`] as JSON, to store it and resume later, even in another process. Written
//! by hand (the crate compiles no serde derive); the form is the one serde's derive gave:
//! `{"next": {"Skip": 100}, "windows": [[["key", "value"]]]}`, with `"next": "Done"` at the end.

use std::collections::VecDeque;

use serde::de::Error as _;
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::{Continuation, Cursor};

/// Query parameters, as pairs.
type Query = Vec<(String, String)>;

impl Serialize for Continuation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut object = serializer.serialize_struct("Continuation", 2)?;
        object.serialize_field("next", &self.next)?;
        object.serialize_field("windows", &self.windows)?;
        object.end()
    }
}

impl Serialize for Cursor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Cursor::Start(query) => {
                serializer.serialize_newtype_variant("Cursor", 0, "Start", query)
            }
            Cursor::Skip(skip) => serializer.serialize_newtype_variant("Cursor", 1, "Skip", skip),
            Cursor::Url(link) => serializer.serialize_newtype_variant("Cursor", 2, "Url", link),
            Cursor::Token(token) => {
                serializer.serialize_newtype_variant("Cursor", 3, "Token", token)
            }
            Cursor::Done => serializer.serialize_unit_variant("Cursor", 4, "Done"),
        }
    }
}

impl<'de> Deserialize<'de> for Continuation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A stored continuation is small: read it whole, then take it apart.
        let value = Value::deserialize(deserializer)?;
        read(&value).map_err(D::Error::custom)
    }
}

#[inline] // opt-in: compiled only in the programs that use it (lib.rs)
fn read(value: &Value) -> Result<Continuation, String> {
    let part = |key: &str| {
        value
            .get(key)
            .ok_or_else(|| format!("missing field `{key}` in a stored continuation"))
    };
    let windows = VecDeque::<Query>::deserialize(part("windows")?)
        .map_err(|error| format!("`windows` of a stored continuation: {error}"))?;
    let next = match part("next")? {
        Value::String(unit) if unit == "Done" => Cursor::Done,
        Value::Object(variant) if variant.len() == 1 => {
            let (name, inner) = variant.iter().next().ok_or("an empty cursor")?;
            let wrong = |error: serde_json::Error| format!("`next.{name}`: {error}");
            match name.as_str() {
                "Start" => Cursor::Start(Query::deserialize(inner).map_err(wrong)?),
                "Skip" => Cursor::Skip(u64::deserialize(inner).map_err(wrong)?),
                "Url" => Cursor::Url(String::deserialize(inner).map_err(wrong)?),
                "Token" => Cursor::Token(String::deserialize(inner).map_err(wrong)?),
                other => return Err(format!("unknown cursor `{other}` in a stored continuation")),
            }
        }
        _ => return Err("`next` of a stored continuation is not a cursor".to_owned()),
    };
    Ok(Continuation { next, windows })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_cursor_round_trips_in_the_stored_form() {
        let windows = VecDeque::from([vec![("a".to_owned(), "b".to_owned())]]);
        for (next, form) in [
            (
                Cursor::Start(vec![("k".into(), "v".into())]),
                json!({"Start": [["k", "v"]]}),
            ),
            (Cursor::Skip(100), json!({"Skip": 100})),
            (
                Cursor::Url("https://x/y".into()),
                json!({"Url": "https://x/y"}),
            ),
            (Cursor::Token("t".into()), json!({"Token": "t"})),
            (Cursor::Done, json!("Done")),
        ] {
            let continuation = Continuation {
                next,
                windows: windows.clone(),
            };
            let stored = serde_json::to_value(&continuation).unwrap();
            assert_eq!(stored, json!({"next": form, "windows": [[["a", "b"]]]}));
            let back: Continuation = serde_json::from_value(stored).unwrap();
            assert_eq!(back, continuation);
        }
    }

    #[test]
    fn a_damaged_continuation_is_an_error_not_a_panic() {
        for stored in [
            json!({}),
            json!({"next": "Done"}),
            json!({"next": {"Skip": -1}, "windows": []}),
            json!({"next": {"Jump": 1}, "windows": []}),
            json!({"next": {}, "windows": []}),
            json!({"next": 7, "windows": []}),
        ] {
            assert!(serde_json::from_value::<Continuation>(stored).is_err());
        }
    }
}
