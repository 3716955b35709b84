//! Where in a JSON text a decode failed, as a path (`value[3].createdDateTime`).
//!
//! A failed decode is run again on a compact text of the answer (written from its parsed
//! value), with the same plain serde_json decoder as the first try, and serde_json's column
//! then says where in that text it stopped. Walking the text to that column gives the path.
//! serde_path_to_error would track the path while decoding, but only through a deserializer of
//! its own, which compiles every model's decoder once more in every program (issue 13: compile
//! time); this walk is compiled once, in the runtime.

/// One step of a JSON path: an object's key or an array's index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// The value under this key of an object.
    Key(String),
    /// The item at this index of an array.
    Index(usize),
}

/// `a.b[3].c`, the root as `.` (the way serde_path_to_error writes paths, which the errors
/// of this crate have always used).
pub(crate) fn render(path: &[Step]) -> String {
    let mut text = String::new();
    for step in path {
        match step {
            Step::Key(key) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
            }
            Step::Index(index) => {
                text.push('[');
                text.push_str(&index.to_string());
                text.push(']');
            }
        }
    }
    if text.is_empty() {
        ".".to_owned()
    } else {
        text
    }
}

/// The path of the value serde_json blamed when it stopped before byte `offset` of `text`, a
/// compact JSON text (no whitespace) as `serde_json::to_vec` writes it.
///
/// serde_json reports a failed value at the first byte it has not read: after the value for
/// one it has read (a scalar, or a whole object or array, as for a missing field), at its
/// first byte for one it refused by its first byte (an object where a string was expected).
/// So the blamed value is the one that starts or ends at `offset`, or else the innermost one
/// around it: the object, for a duplicate key (blamed after the key). An offset the walk
/// never reaches (past the end, or not a text serde_json wrote) names the root.
pub(crate) fn blamed_at(text: &[u8], offset: usize) -> Vec<Step> {
    let mut walk = Walk {
        text,
        at: 0,
        offset,
        path: Vec::new(),
    };
    match walk.value() {
        Err(Stop::Found(path)) => path,
        Ok(()) | Err(Stop::Malformed) => Vec::new(),
    }
}

/// Why the walk stopped early.
enum Stop {
    /// The blamed value's path.
    Found(Vec<Step>),
    /// The text is not what `serde_json::to_vec` writes.
    Malformed,
}

/// A walk over a compact JSON text that stops at the value blamed at `offset`.
struct Walk<'t> {
    text: &'t [u8],
    /// The next byte to read.
    at: usize,
    offset: usize,
    /// The path of the value being read.
    path: Vec<Step>,
}

impl Walk<'_> {
    fn peek(&self) -> Result<u8, Stop> {
        self.text.get(self.at).copied().ok_or(Stop::Malformed)
    }

    /// Stops with the current path when the walk has reached `offset`.
    fn check(&self) -> Result<(), Stop> {
        if self.at == self.offset {
            return Err(Stop::Found(self.path.clone()));
        }
        Ok(())
    }

    /// Reads one value (and everything in it); stops at the blamed one.
    fn value(&mut self) -> Result<(), Stop> {
        // Blamed by its first byte.
        self.check()?;
        let start = self.at;
        match self.peek()? {
            b'{' => self.object()?,
            b'[' => self.array()?,
            b'"' => {
                self.string()?;
            }
            _ => self.scalar(),
        }
        // Blamed after it was read, or inside it (serde_json names a few failures one byte
        // into the value: a derived enum given `false`).
        if start < self.offset && self.offset <= self.at {
            return Err(Stop::Found(self.path.clone()));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<(), Stop> {
        if self.opened(b'}')? {
            return Ok(());
        }
        loop {
            let key = self.string()?;
            // Blamed after its key, before its value: the object (a duplicate key).
            self.check()?;
            self.expect(b':')?;
            self.path.push(Step::Key(key));
            self.value()?;
            self.path.pop();
            if self.closed(b'}')? {
                return Ok(());
            }
        }
    }

    fn array(&mut self) -> Result<(), Stop> {
        if self.opened(b']')? {
            return Ok(());
        }
        let mut index = 0usize;
        loop {
            self.path.push(Step::Index(index));
            self.value()?;
            self.path.pop();
            index = index.saturating_add(1);
            if self.closed(b']')? {
                return Ok(());
            }
        }
    }

    /// Reads the `{` or `[` that opens an object or array; true when `close` follows at once
    /// (an empty one), which it reads too.
    fn opened(&mut self, close: u8) -> Result<bool, Stop> {
        self.at = self.at.saturating_add(1);
        let empty = self.peek()? == close;
        if empty {
            self.at = self.at.saturating_add(1);
        }
        Ok(empty)
    }

    /// Reads the `,` after an item (false: another follows) or the `close` after the last one.
    fn closed(&mut self, close: u8) -> Result<bool, Stop> {
        match self.peek()? {
            b',' => {
                self.at = self.at.saturating_add(1);
                Ok(false)
            }
            byte if byte == close => {
                self.at = self.at.saturating_add(1);
                Ok(true)
            }
            _ => Err(Stop::Malformed),
        }
    }

    /// Reads a string and returns it unescaped.
    fn string(&mut self) -> Result<String, Stop> {
        let start = self.at;
        self.expect(b'"')?;
        loop {
            match self.peek()? {
                b'\\' => self.at = self.at.saturating_add(2),
                b'"' => break,
                _ => self.at = self.at.saturating_add(1),
            }
        }
        self.at = self.at.saturating_add(1);
        let quoted = self.text.get(start..self.at).ok_or(Stop::Malformed)?;
        serde_json::from_slice(quoted).map_err(|_| Stop::Malformed)
    }

    /// Reads a number, `true`, `false` or `null`: up to the next `,`, `]` or `}`.
    fn scalar(&mut self) {
        while let Some(byte) = self.text.get(self.at) {
            if matches!(byte, b',' | b']' | b'}') {
                break;
            }
            self.at = self.at.saturating_add(1);
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), Stop> {
        if self.peek()? != byte {
            return Err(Stop::Malformed);
        }
        self.at = self.at.saturating_add(1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    use serde::Deserialize;
    use serde_json::{Value, json};

    use crate::decode::{decode_parsed, json_path::render};

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Listing {
        value: Vec<Item>,
        #[serde(default)]
        count: Option<u8>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Item {
        id: u32,
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        kind: Option<Kind>,
        #[serde(default)]
        inner: Option<Box<Item>>,
        #[serde(default)]
        labels: std::collections::BTreeMap<String, u8>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    enum Kind {
        Report,
        Dashboard,
    }

    /// The path and message this module gives for `value`, if it does not fit a `Listing`.
    fn located(value: &Value) -> Option<(String, String)> {
        decode_parsed(value, |text| serde_json::from_slice::<Listing>(text))
            .err()
            .map(|error| (render(error.path()), error.message()))
    }

    /// The same as serde_path_to_error finds them, decoding the parsed value.
    fn tracked(value: &Value) -> Option<(String, String)> {
        serde_path_to_error::deserialize::<_, Listing>(value)
            .err()
            .map(|error| (error.path().to_string(), error.inner().to_string()))
    }

    #[test]
    fn each_kind_of_failure_is_named_where_serde_path_to_error_names_it() {
        let cases = [
            // A scalar of another type, inside an item.
            (
                json!({"value": [{"id": 1}, {"id": "seven"}]}),
                "value[1].id",
                "invalid type: string \"seven\", expected u32",
            ),
            // Refused by its first byte: an object where a number belongs.
            (
                json!({"value": [{"id": {"n": 1}}]}),
                "value[0].id",
                "invalid type: map, expected u32",
            ),
            // A missing field: its object, whose last value ends where the object does.
            (
                json!({"value": [{"id": 1}, {"tags": ["a"]}]}),
                "value[1]",
                "missing field `id`",
            ),
            // ... and at the root, at the very end of the text.
            (json!({"count": 1}), ".", "missing field `value`"),
            // Deeper, after keys that need escapes.
            (
                json!({"value": [{"id": 1, "inner": {"id": 2, "labels": {"a\"b\\c": 300}}}]}),
                "value[0].inner.labels.a\"b\\c",
                "invalid value: integer `300`, expected u8",
            ),
            (
                json!({"value": [{"id": 1, "kind": "Tile"}]}),
                "value[0].kind",
                "unknown variant `Tile`, expected `Report` or `Dashboard`",
            ),
            (
                json!({"value": [{"id": 1, "tags": ["a", 2, "c"]}]}),
                "value[0].tags[1]",
                "invalid type: integer `2`, expected a string",
            ),
            (
                json!("listing"),
                ".",
                "invalid type: string \"listing\", expected struct Listing",
            ),
        ];
        for (value, path, message) in cases {
            let expected = Some((path.to_owned(), message.to_owned()));
            assert_eq!(located(&value), expected, "{value}");
            assert_eq!(tracked(&value), expected, "{value}");
        }
    }

    #[test]
    fn a_doubled_key_is_blamed_on_its_object() {
        // A parsed value cannot hold a key twice; a text can.
        let text = br#"{"value":[{"id":1,"id":2}]}"#;
        let error = serde_json::from_slice::<Listing>(text).expect_err("a doubled key");
        let path = super::blamed_at(text, error.column());
        assert_eq!(render(&path), "value[0]");
        assert!(
            error.to_string().starts_with("duplicate field `id`"),
            "{error}"
        );
    }

    #[test]
    fn an_offset_the_walk_never_reaches_names_the_root() {
        for (text, offset) in [
            (&br#"{"value":[]}"#[..], 40),
            (&br#"{"value":[}"#[..], 3),
            (&b"{\"val"[..], 3),
            (&b""[..], 1),
        ] {
            assert_eq!(
                super::blamed_at(text, offset),
                Vec::new(),
                "{text:?} {offset}"
            );
        }
    }

    /// A JSON leaf of any type. Numbers with few digits: serde_json reads floats from text
    /// with the last digit of a long one off by one (without its `float_roundtrip` feature),
    /// where the parsed value kept every digit, and the messages quote the number.
    fn any_leaf() -> impl Strategy<Value = Value> + Clone {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (0u32..400).prop_map(Value::from),
            (-5i64..0).prop_map(Value::from),
            (-10i32..10).prop_map(|quarters| Value::from(f64::from(quarters) / 4.0)),
            "[a-z\"\\\\é]{0,3}".prop_map(Value::from),
        ]
    }

    /// An object built from the fields that are there.
    fn object(fields: Vec<(&str, Option<Value>)>) -> Value {
        let fields = fields.into_iter();
        Value::Object(
            fields
                .filter_map(|(key, value)| Some((key.to_owned(), value?)))
                .collect(),
        )
    }

    /// JSON shaped like a `Item`, each field fitting or not, there or not. Arrays stand only
    /// where a list belongs: serde's derived structs also accept an array, which serde_json
    /// reads from text but not from a parsed value, and the generated models accept neither.
    fn any_item() -> impl Strategy<Value = Value> {
        let leaf = any_leaf();
        let item = (
            prop::option::of(prop_oneof![(0u32..9).prop_map(Value::from), leaf.clone()]),
            prop::option::of(prop_oneof![
                prop::collection::vec(
                    prop_oneof![
                        "[a-z]{0,2}".prop_map(Value::from),
                        leaf.clone(),
                        prop::collection::vec(leaf.clone(), 0..2).prop_map(Value::Array),
                    ],
                    0..3
                )
                .prop_map(Value::Array),
                leaf.clone(),
            ]),
            // A derived enum read from text refuses a non-string with another message than
            // from a parsed value; the generated models' enums are read as strings.
            prop::option::of(prop_oneof![
                Just(Value::from("Report")),
                Just(Value::from("Tile")),
                Just(Value::Null),
            ]),
            prop::option::of(prop_oneof![
                prop::collection::btree_map(
                    "[a-z\"\\\\]{1,3}",
                    prop_oneof![(250u32..260).prop_map(Value::from), leaf.clone()],
                    0..3
                )
                .prop_map(|map| Value::Object(map.into_iter().collect())),
                leaf.clone(),
            ]),
            prop::option::of(leaf.clone()),
        )
            .prop_map(|(id, tags, kind, labels, other)| {
                object(vec![
                    ("id", id),
                    ("tags", tags),
                    ("kind", kind),
                    ("labels", labels),
                    ("x\"y", other),
                ])
            });
        item.prop_recursive(3, 12, 1, move |inner| {
            (inner, any_leaf()).prop_map(|(inner, leaf)| {
                let mut item = match inner {
                    Value::Object(item) => item,
                    _ => serde_json::Map::new(),
                };
                item.insert("id".to_owned(), leaf);
                item.insert("inner".to_owned(), json!({"id": 1}));
                Value::Object(item)
            })
        })
    }

    /// JSON shaped like a `Listing`, or a leaf.
    fn any_listing() -> impl Strategy<Value = Value> {
        let items = prop::collection::vec(prop_oneof![any_item(), any_leaf()], 0..4);
        prop_oneof![
            4 => (
                prop::option::of(prop_oneof![items.prop_map(Value::Array), any_leaf()]),
                prop::option::of(any_leaf()),
            )
                .prop_map(|(value, count)| object(vec![("value", value), ("count", count)])),
            1 => any_leaf(),
        ]
    }

    #[test]
    fn any_value_is_named_where_serde_path_to_error_names_it() {
        let mut runner = TestRunner::new(Config {
            cases: 2000,
            ..Config::default()
        });
        runner
            .run(&any_listing(), |value| {
                prop_assert_eq!(located(&value), tracked(&value), "{}", value);
                Ok(())
            })
            .expect("the same path and message as serde_path_to_error");
    }
}
