//! The JSON objects of the generated models: one reader and one writer that the generated
//! `Serialize` and `Deserialize` impls call, in place of serde's derive.
//!
//! Why not `#[derive(Serialize, Deserialize)]`: the derive compiles `syn` and `serde_derive`
//! into every user's build, and every model keeps the fields it does not know
//! (`unknown_fields`), which the derive can only express as `#[serde(flatten)]`, buffering
//! each object before decoding it. The generator knows every field already, so it writes the
//! impls itself: for writing, one line per field on a [`Writer`]; for reading, an [`Object`]
//! impl that only describes the model (its key table, a tuple of [`Required`] and
//! [`Defaulted`] slots, and `assemble`), which [`decode`] follows. The JSON read and written,
//! and serde's error messages (`missing field`, `duplicate field`, `invalid type: ...,
//! expected struct Name`), are the derive's.

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

/// A generated model as its JSON object is read: its key table, the slots its fields are
/// read into, and how their values become the model.
///
/// A model names these and [`decode`] does the reading: the loop over the entries, the
/// dispatch to a field by its index, the checks for a missing or doubled field. The compiler
/// checks that code once here rather than a loop, a slot and a match arm in every model, and
/// nothing in a model's impl depends on the decoder (issue 13: compile time). A program
/// compiles the reading for each model and decoder it uses.
pub trait Object<'de>: Sized {
    /// The model's name, for `expected struct Name` in errors.
    const NAME: &'static str;
    /// Each wire name of the model's fields, aliases included, with the index of its slot.
    const KEYS: Keys;
    /// Whether the entries `KEYS` does not know are kept (`unknown_fields`) or skipped.
    const KEEPS_UNKNOWN: bool = true;
    /// The slots of the fields, in the order of their indexes: see [`Fields`].
    type Fields: Fields<'de>;

    /// The model from its fields' values and the entries `KEYS` does not know.
    fn assemble(values: Values<'de, Self>, unknown_fields: JsonMap) -> Self;
}

/// The values of a model's fields as [`Object::assemble`] gets them.
pub type Values<'de, T> = <<T as Object<'de>>::Fields as Fields<'de>>::Values;

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

    #[allow(clippy::question_mark)] // not `?`: see below
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut fields = T::Fields::empty();
        let mut unknown_fields = JsonMap::new();
        loop {
            let read = match next_field(&mut map, T::KEYS, T::KEEPS_UNKNOWN, &mut unknown_fields) {
                Ok(Some(index)) => fields.read(index, index, &mut map, T::KEYS),
                Ok(None) => break,
                Err(error) => Err(error),
            };
            if let Err(error) = read {
                return Err(error);
            }
        }
        match fields.finish(T::KEYS, 0) {
            Ok(values) => Ok(T::assemble(values, unknown_fields)),
            Err(error) => Err(error),
        }
    }
}

// The reader's code is compiled for every model and decoder a program uses, so it is written
// to stay small at `opt-level = 0`: what does not depend on the model is in functions of the
// decoder alone (`next_field`), and errors pass through a `match` rather than `?`, which
// compiles two more functions for every type it passes (issue 13: compile time).

/// Reads keys up to the next one `keys` knows and returns its field's index, `None` at the
/// object's end; the entries in between are kept in `unknown_fields` or skipped.
fn next_field<'de, A: MapAccess<'de>>(
    map: &mut A,
    keys: Keys,
    keep_unknown: bool,
    unknown_fields: &mut JsonMap,
) -> Result<Option<usize>, A::Error> {
    loop {
        match map.next_key_seed(keys)? {
            None => return Ok(None),
            Some(Key::Field(index)) => return Ok(Some(index)),
            Some(Key::Unknown(key)) if keep_unknown => {
                unknown_fields.insert(key, map.next_value()?);
            }
            Some(Key::Unknown(_)) => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
}

impl Keys {
    /// The wire name of the field at `index` (its first entry: aliases follow it), for
    /// serde's `missing field` and `duplicate field` errors.
    fn name(&self, index: usize) -> &'static str {
        self.0
            .iter()
            .find(|(_, at)| *at == index)
            .map_or("", |(name, _)| name)
    }
}

/// The slots of a model's fields while its object is read: one [`Required`] or [`Defaulted`]
/// per field, or a tuple of them (tuples nest, so a model has as many fields as it needs).
pub trait Fields<'de>: Sized {
    /// The fields' values, in the shape of the slots (a tuple for a tuple).
    type Values;
    /// How many fields: the indexes these slots take in the key table.
    const LEN: usize;
    /// Every slot empty.
    fn empty() -> Self;
    /// Reads the value of the field at `index` (counted from these slots' first field) into
    /// its slot; `at` is its index in the whole table, for the error of a field sent twice.
    fn read<A: MapAccess<'de>>(
        &mut self,
        index: usize,
        at: usize,
        map: &mut A,
        keys: Keys,
    ) -> Result<(), A::Error>;
    /// The values, or serde's `missing field` error for an empty required slot; `first` is
    /// the index of these slots' first field in the table.
    fn finish<E: de::Error>(self, keys: Keys, first: usize) -> Result<Self::Values, E>;
}

/// How a slot reads its value: [`AsDeclared`] with the type's own `Deserialize`,
/// [`NumberOrString`] as a number that may arrive as a string holding it.
pub trait ReadAs<'de, T> {
    /// Reads the value of the current entry.
    fn read<A: MapAccess<'de>>(map: &mut A) -> Result<T, A::Error>;
}

/// Reads a value with its type's own `Deserialize` impl.
#[derive(Debug)]
pub enum AsDeclared {}

impl<'de, T: Deserialize<'de>> ReadAs<'de, T> for AsDeclared {
    #[inline]
    fn read<A: MapAccess<'de>>(map: &mut A) -> Result<T, A::Error> {
        map.next_value()
    }
}

/// Reads a number that may also arrive as a string holding it (see
/// [`lenient`](super::lenient)).
#[derive(Debug)]
pub enum NumberOrString {}

impl<'de, T: super::lenient::Lenient> ReadAs<'de, T> for NumberOrString {
    #[inline]
    fn read<A: MapAccess<'de>>(map: &mut A) -> Result<T, A::Error> {
        map.next_value_seed(super::lenient::LenientSeed(PhantomData))
    }
}

/// A field's slot while its object is read: `M` says what a missing field gives, `R` how the
/// value is read. Models name it as [`Required`] or [`Defaulted`].
pub struct Slot<T, M, R>(Option<T>, PhantomData<(M, R)>);

/// The slot of a field the object must hold: serde's `missing field` error without it.
pub type Required<T, R = AsDeclared> = Slot<T, MustBeSent, R>;

/// The slot of a field the object may leave out: its type's default (`None`) without it.
pub type Defaulted<T, R = AsDeclared> = Slot<T, DefaultIfAbsent, R>;

/// What a slot gives for a field the object does not hold.
pub trait IfAbsent<T> {
    /// The field's value, or the error; `at` is its index in `keys`, to name it.
    fn absent<E: de::Error>(keys: Keys, at: usize) -> Result<T, E>;
}

/// A missing field is serde's `missing field` error.
#[derive(Debug)]
pub enum MustBeSent {}

impl<T> IfAbsent<T> for MustBeSent {
    fn absent<E: de::Error>(keys: Keys, at: usize) -> Result<T, E> {
        Err(E::missing_field(keys.name(at)))
    }
}

/// A missing field is its type's default.
#[derive(Debug)]
pub enum DefaultIfAbsent {}

impl<T: Default> IfAbsent<T> for DefaultIfAbsent {
    fn absent<E: de::Error>(_: Keys, _: usize) -> Result<T, E> {
        Ok(T::default())
    }
}

impl<'de, T, M: IfAbsent<T>, R: ReadAs<'de, T>> Fields<'de> for Slot<T, M, R> {
    type Values = T;
    const LEN: usize = 1;

    fn empty() -> Self {
        Self(None, PhantomData)
    }

    /// Reads the slot's value; a field sent twice is serde's `duplicate field` error.
    fn read<A: MapAccess<'de>>(
        &mut self,
        _: usize,
        at: usize,
        map: &mut A,
        keys: Keys,
    ) -> Result<(), A::Error> {
        if self.0.is_some() {
            return Err(de::Error::duplicate_field(keys.name(at)));
        }
        match R::read(map) {
            Ok(value) => {
                self.0 = Some(value);
                Ok(())
            }
            Err(error) => Err(error),
        }
    }

    fn finish<E: de::Error>(self, keys: Keys, first: usize) -> Result<T, E> {
        match self.0 {
            Some(value) => Ok(value),
            None => M::absent(keys, first),
        }
    }
}

/// `Fields` for the tuples of slots, up to 8 (a longer model nests a tuple as the last: the
/// generator's `WIDEST_TUPLE`). Each width is type-checked once here, so a few narrow ones
/// cost less than many wide ones; a model of 40 fields nests five deep.
/// Index arithmetic wraps or saturates rather than panics; `index >= LEN` is checked first.
macro_rules! tuple_fields {
    ($($slot:ident $value:ident),*) => {
        impl<'de, $($slot: Fields<'de>),*> Fields<'de> for ($($slot,)*) {
            type Values = ($($slot::Values,)*);
            const LEN: usize = 0 $(+ $slot::LEN)*;

            #[allow(clippy::unused_unit)] // the model with no fields: `()`
            fn empty() -> Self {
                ($($slot::empty(),)*)
            }

            #[allow(unused_assignments, unused_mut, unused_variables)]
            fn read<A: MapAccess<'de>>(
                &mut self,
                mut index: usize,
                at: usize,
                map: &mut A,
                keys: Keys,
            ) -> Result<(), A::Error> {
                #[allow(non_snake_case)]
                let ($($value,)*) = self;
                $(
                    if index < $slot::LEN {
                        return $value.read(index, at, map, keys);
                    }
                    index = index.wrapping_sub($slot::LEN);
                )*
                // Not an index `Keys` gives for a table that matches the slots: skipped.
                map.next_value::<IgnoredAny>().map(drop)
            }

            #[allow(unused_assignments, unused_mut, unused_variables)]
            fn finish<E: de::Error>(self, keys: Keys, mut first: usize) -> Result<Self::Values, E> {
                #[allow(non_snake_case)]
                let ($($value,)*) = self;
                Ok(($({
                    let value = match $value.finish(keys, first) {
                        Ok(value) => value,
                        Err(error) => return Err(error),
                    };
                    first = first.saturating_add($slot::LEN);
                    value
                },)*))
            }
        }
    };
}

tuple_fields!();
tuple_fields!(S0 v0);
tuple_fields!(S0 v0, S1 v1);
tuple_fields!(S0 v0, S1 v1, S2 v2);
tuple_fields!(S0 v0, S1 v1, S2 v2, S3 v3);
tuple_fields!(S0 v0, S1 v1, S2 v2, S3 v3, S4 v4);
tuple_fields!(S0 v0, S1 v1, S2 v2, S3 v3, S4 v4, S5 v5);
tuple_fields!(S0 v0, S1 v1, S2 v2, S3 v3, S4 v4, S5 v5, S6 v6);
tuple_fields!(S0 v0, S1 v1, S2 v2, S3 v3, S4 v4, S5 v5, S6 v6, S7 v7);

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
        const KEYS: Keys = Keys(&[
            ("id", 0),
            ("title", 1),
            ("rowSpan", 2),
            ("embed", 3),
            ("reportId", 4),
            ("reportID", 4),
        ]);
        type Fields = (
            Required<String>,
            Defaulted<Option<String>>,
            Defaulted<Option<i64>, NumberOrString>,
            Defaulted<Nullable<String>>,
            Defaulted<Option<String>>,
        );

        fn assemble(
            (id, title, row_span, embed, report_id): Values<'de, Self>,
            unknown_fields: JsonMap,
        ) -> Self {
            Self {
                id,
                title,
                row_span,
                embed,
                report_id,
                unknown_fields,
            }
        }
    }

    /// A model wider than one tuple: 7 slots and the rest nested, twice, as the generator
    /// writes 18 fields.
    #[derive(Debug, PartialEq)]
    struct Wide {
        first: Option<i64>,
        middle: Vec<i64>,
        last: String,
    }

    impl<'de> Deserialize<'de> for Wide {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            decode(deserializer)
        }
    }

    impl<'de> Object<'de> for Wide {
        const NAME: &'static str = "Wide";
        const KEYS: Keys = Keys(&[
            ("f0", 0),
            ("f7", 7),
            ("f15", 15),
            ("f16", 16),
            ("last", 17),
            ("LAST", 17),
        ]);
        type Fields = (
            Defaulted<Option<i64>, NumberOrString>,
            Defaulted<Option<i64>>,
            Defaulted<Option<i64>>,
            Defaulted<Option<i64>>,
            Defaulted<Option<i64>>,
            Defaulted<Option<i64>>,
            Defaulted<Option<i64>>,
            (
                Defaulted<Option<i64>>,
                Defaulted<Option<i64>>,
                Defaulted<Option<i64>>,
                Defaulted<Option<i64>>,
                Defaulted<Option<i64>>,
                Defaulted<Option<i64>>,
                Defaulted<Option<i64>>,
                (
                    Defaulted<Option<i64>>,
                    Defaulted<Option<i64>>,
                    Defaulted<Option<i64>>,
                    Required<String>,
                ),
            ),
        );

        fn assemble(
            (f0, _, _, _, _, _, _, (f7, _, _, _, _, _, _, (_, f15, f16, last))): Values<'de, Self>,
            _: JsonMap,
        ) -> Self {
            let middle = [f7, f15, f16].into_iter().flatten().collect();
            Self {
                first: f0,
                middle,
                last,
            }
        }
    }

    #[test]
    fn a_nested_tuple_of_slots_reads_and_names_each_field_by_its_index() {
        let wide: Wide =
            serde_json::from_str(r#"{"LAST":"z","f16":16,"f0":"0","f7":7,"f15":15}"#).unwrap();
        assert_eq!(
            wide,
            Wide {
                first: Some(0),
                middle: vec![7, 15, 16],
                last: "z".into(),
            }
        );
        let error = |text: &str| serde_json::from_str::<Wide>(text).unwrap_err().to_string();
        let missing = error(r#"{"f16":1}"#);
        assert!(missing.starts_with("missing field `last`"), "{missing}");
        let twice = error(r#"{"last":"a","f16":1,"f16":2}"#);
        assert!(twice.starts_with("duplicate field `f16`"), "{twice}");
        let twice = error(r#"{"last":"a","LAST":"b"}"#);
        assert!(twice.starts_with("duplicate field `last`"), "{twice}");
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
