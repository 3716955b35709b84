//! The JSON objects of the generated models: one key matcher and a few field helpers that the
//! generated `Serialize` and `Deserialize` impls call, in place of serde's derive.
//!
//! Why not `#[derive(Serialize, Deserialize)]`: the derive compiles `syn` and `serde_derive`
//! into every user's build, and every model keeps the fields it does not know
//! (`unknown_fields`), which the derive can only express as `#[serde(flatten)]`, buffering
//! each object before decoding it. The generator knows every field already, so it writes the
//! impls itself: a table of wire names per model, one line per field, and these helpers. The
//! JSON read and written, and serde's error messages (`missing field`, `duplicate field`,
//! `invalid type: ..., expected struct Name`), are the derive's.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

use super::{JsonMap, Nullable};

/// A key of a model's JSON object, as [`Keys`] matched it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// The field at this index of the model's key table.
    Field(usize),
    /// A key the model does not know; its value goes to `unknown_fields`.
    Unknown(String),
}

/// A model's key table: each wire name (aliases included) with the index of its field. Used as
/// the seed of `MapAccess::next_key_seed`, so a known key is matched without being copied.
#[derive(Debug, Clone, Copy)]
pub struct Keys(pub &'static [(&'static str, usize)]);

impl Keys {
    fn find(&self, key: &str) -> Option<usize> {
        self.0
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, index)| *index)
    }
}

impl<'de> DeserializeSeed<'de> for Keys {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for Keys {
    type Value = Key;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("field identifier")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(self
            .find(key)
            .map_or_else(|| Key::Unknown(key.to_owned()), Key::Field))
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<Key, E> {
        Ok(self.find(&key).map_or(Key::Unknown(key), Key::Field))
    }
}

/// A generated model read from the entries of a JSON object.
pub trait Object<'de>: Sized {
    /// The model's name, for `expected struct Name` in errors.
    const NAME: &'static str;

    /// Reads the model from the object's entries.
    fn from_entries<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// Decodes a model from a JSON object: the body of every generated `Deserialize` impl.
pub fn decode<'de, T: Object<'de>, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_map(ObjectVisitor(PhantomData))
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Object<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "struct {}", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::from_entries(map)
    }
}

/// Reads a field's value into its slot; a field sent twice is an error.
pub fn field<'de, A, T>(
    map: &mut A,
    slot: &mut Option<T>,
    key: &'static str,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de>,
{
    once(slot.is_some(), key)?;
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Reads a numeric field that may also arrive as a string holding the number (see
/// [`lenient`](super::lenient)); a field sent twice is an error.
pub fn lenient_field<'de, A, T>(
    map: &mut A,
    slot: &mut Option<T>,
    key: &'static str,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: super::lenient::Lenient,
{
    once(slot.is_some(), key)?;
    *slot = Some(map.next_value_seed(super::lenient::LenientSeed(PhantomData))?);
    Ok(())
}

/// serde's `duplicate field` error for a field whose slot is already `filled`. The readers
/// above are written out rather than sharing a helper that takes the read as a closure: each is
/// compiled for every field type and decoder, and a closure and its call add about a quarter
/// to each at `opt-level = 0` (issue 13: compile time).
fn once<E: de::Error>(filled: bool, key: &'static str) -> Result<(), E> {
    if filled {
        Err(E::duplicate_field(key))
    } else {
        Ok(())
    }
}

/// Keeps the value of a key the model does not know.
pub fn unknown<'de, A: MapAccess<'de>>(
    map: &mut A,
    unknown_fields: &mut JsonMap,
    key: Key,
) -> Result<(), A::Error> {
    match key {
        Key::Unknown(key) => {
            unknown_fields.insert(key, map.next_value()?);
        }
        // Not produced by `Keys` for an index the table does not hold; skipped if it were.
        Key::Field(_) => {
            map.next_value::<IgnoredAny>()?;
        }
    }
    Ok(())
}

/// The value of a required field, or serde's `missing field` error.
pub fn required<T, E: de::Error>(slot: Option<T>, key: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(key))
}

/// Writes a model as a JSON object: the body of every generated `Serialize` impl.
///
/// The field methods return nothing: the writer keeps the first error, writes nothing after
/// it, and [`end`](Self::end) returns it. So a generated impl has no `?` per field, which the
/// compiler would type-check in every model.
pub struct Writer<M: SerializeMap> {
    map: M,
    error: Option<M::Error>,
}

impl<M: SerializeMap> fmt::Debug for Writer<M> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Writer")
            .field("failed", &self.error.is_some())
            .finish_non_exhaustive()
    }
}

impl<M: SerializeMap> Writer<M> {
    /// Starts the object.
    pub fn begin<S: Serializer<SerializeMap = M>>(serializer: S) -> Result<Self, S::Error> {
        serializer
            .serialize_map(None)
            .map(|map| Writer { map, error: None })
    }

    /// Writes a required field.
    pub fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) {
        if self.error.is_none()
            && let Err(error) = self.map.serialize_entry(key, value)
        {
            self.error = Some(error);
        }
    }

    /// Writes an optional field when it is set.
    pub fn optional<T: Serialize>(&mut self, key: &str, value: &Option<T>) {
        if value.is_some() {
            self.field(key, value);
        }
    }

    /// Writes a nullable field unless it is absent (`null` is written).
    pub fn nullable<T: Serialize>(&mut self, key: &str, value: &Nullable<T>) {
        if !value.is_absent() {
            self.field(key, value);
        }
    }

    /// Writes the fields the model did not know, as they were read, and ends the object; or
    /// returns the first error of a field.
    pub fn end(mut self, unknown_fields: &JsonMap) -> Result<M::Ok, M::Error> {
        for (key, value) in unknown_fields {
            self.field(key, value);
        }
        match self.error {
            Some(error) => Err(error),
            None => self.map.end(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    use super::*;

    /// What the generator writes for a model with a required, an optional, a lenient, a
    /// nullable and an aliased field.
    #[derive(Debug, PartialEq, Default)]
    struct Tile {
        id: String,
        title: Option<String>,
        row_span: Option<i64>,
        embed: Nullable<String>,
        report_id: Option<String>,
        unknown_fields: JsonMap,
    }

    impl Serialize for Tile {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut object = Writer::begin(serializer)?;
            object.field("id", &self.id);
            object.optional("title", &self.title);
            object.optional("rowSpan", &self.row_span);
            object.nullable("embed", &self.embed);
            object.optional("reportId", &self.report_id);
            object.end(&self.unknown_fields)
        }
    }

    impl<'de> Deserialize<'de> for Tile {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            decode(deserializer)
        }
    }

    impl<'de> Object<'de> for Tile {
        const NAME: &'static str = "Tile";

        fn from_entries<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            const KEYS: Keys = Keys(&[
                ("id", 0),
                ("title", 1),
                ("rowSpan", 2),
                ("embed", 3),
                ("reportId", 4),
                ("reportID", 4),
            ]);
            let mut id: Option<String> = None;
            let mut title: Option<Option<String>> = None;
            let mut row_span: Option<Option<i64>> = None;
            let mut embed: Option<Nullable<String>> = None;
            let mut report_id: Option<Option<String>> = None;
            let mut unknown_fields = JsonMap::new();
            while let Some(key) = map.next_key_seed(KEYS)? {
                match key {
                    Key::Field(0) => field(&mut map, &mut id, "id"),
                    Key::Field(1) => field(&mut map, &mut title, "title"),
                    Key::Field(2) => lenient_field(&mut map, &mut row_span, "rowSpan"),
                    Key::Field(3) => field(&mut map, &mut embed, "embed"),
                    Key::Field(4) => field(&mut map, &mut report_id, "reportId"),
                    key => unknown(&mut map, &mut unknown_fields, key),
                }?;
            }
            Ok(Self {
                id: required(id, "id")?,
                title: title.unwrap_or_default(),
                row_span: row_span.unwrap_or_default(),
                embed: embed.unwrap_or_default(),
                report_id: report_id.unwrap_or_default(),
                unknown_fields,
            })
        }
    }

    #[test]
    fn a_model_round_trips_with_its_unknown_fields_in_order() {
        let text = r#"{"id":"t1","title":null,"rowSpan":"2","embed":null,"reportID":"r","new":[1],"z":{}}"#;
        let tile: Tile = serde_json::from_str(text).unwrap();
        assert_eq!(tile.id, "t1");
        assert_eq!(tile.title, None);
        assert_eq!(tile.row_span, Some(2));
        assert_eq!(tile.embed, Nullable::Null);
        assert_eq!(tile.report_id.as_deref(), Some("r"));
        assert_eq!(tile.unknown_fields.get("new"), Some(&json!([1])));
        assert_eq!(
            serde_json::to_value(&tile).unwrap(),
            json!({"id": "t1", "rowSpan": 2, "embed": null, "reportId": "r", "new": [1], "z": {}})
        );
        // From a parsed value too (the lenient decode path).
        let again: Tile = serde_json::from_value(serde_json::to_value(&tile).unwrap()).unwrap();
        assert_eq!(again, tile);
    }

    #[test]
    fn missing_optional_fields_are_none_and_absent() {
        let tile: Tile = serde_json::from_str(r#"{"id":"t1"}"#).unwrap();
        assert_eq!(
            tile,
            Tile {
                id: "t1".into(),
                ..Tile::default()
            }
        );
        assert_eq!(serde_json::to_string(&tile).unwrap(), r#"{"id":"t1"}"#);
    }

    #[test]
    fn errors_are_serdes_own() {
        let error = |text: &str| serde_json::from_str::<Tile>(text).unwrap_err().to_string();
        assert!(
            error("{}").starts_with("missing field `id`"),
            "{}",
            error("{}")
        );
        let twice = error(r#"{"id":"a","reportId":"r","reportID":"s"}"#);
        assert!(twice.starts_with("duplicate field `reportId`"), "{twice}");
        let wrong = error(r#"["a"]"#);
        assert!(
            wrong.starts_with("invalid type: sequence, expected struct Tile"),
            "{wrong}"
        );
        let number = error(r#"{"id":"a","rowSpan":true}"#);
        assert!(number.contains("expected an integer"), "{number}");
    }

    #[test]
    fn the_first_field_that_fails_to_write_is_the_error_and_nothing_follows_it() {
        struct Fails;
        impl Serialize for Fails {
            fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("this value cannot be written"))
            }
        }
        struct Model;
        impl Serialize for Model {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut object = Writer::begin(serializer)?;
                object.field("before", &1);
                object.field("failing", &Fails);
                object.field("after", &2);
                let mut unknown = JsonMap::new();
                unknown.insert("unknown".to_owned(), json!(3));
                object.end(&unknown)
            }
        }
        let mut written = Vec::new();
        let error = Model
            .serialize(&mut serde_json::Serializer::new(&mut written))
            .unwrap_err();
        assert!(
            error.to_string().contains("this value cannot be written"),
            "{error}"
        );
        let written = String::from_utf8(written).unwrap();
        assert!(written.contains(r#""before":1"#), "{written}");
        assert!(
            !written.contains("after") && !written.contains("unknown"),
            "{written}"
        );
    }

    #[test]
    fn the_path_of_a_bad_value_is_tracked() {
        let text = r#"{"id":"a","rowSpan":"many"}"#;
        let mut reader = serde_json::Deserializer::from_str(text);
        let error = serde_path_to_error::deserialize::<_, Tile>(&mut reader).unwrap_err();
        assert_eq!(error.path().to_string(), "rowSpan");
        assert!(error.inner().to_string().contains("'many' is not a number"));
    }
}
