//! One parse of a YAML text into a tree that carries both the values and where each node sits.
//!
//! yaml-rust2's event parser reports a position with every event; [`parse`] builds a [`Node`]
//! tree from those events, so the loader reads values and line numbers from the same parse.
//! Typed items are read from a node through serde ([`from_node`]), with serde's own messages.
//!
//! Scalars resolve as serde_yaml 0.9 resolved them (the YAML 1.2 core schema): a quoted or block
//! scalar is a string; a plain scalar is null (`~`, `null`, empty), a boolean (`true`, `false`,
//! also `True`/`TRUE`...), an integer (decimal, `0x`, `0o`, `0b`), a float (`1.5`, `1e3`,
//! `.inf`, `.nan`), or else a string. So `yes`, `no`, `on` and `off` are strings, and `0755` is
//! the string "0755", not an octal number.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Nesting deeper than this is refused rather than risking the stack (serde_yaml's limit too).
const MAX_DEPTH: usize = 128;

/// Aliases may repeat at most this many nodes in all, so that a few lines of anchors cannot
/// expand into billions of nodes.
const MAX_ALIAS_NODES: usize = 100_000;

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl Position {
    pub(crate) fn from_marker(marker: &Marker) -> Self {
        Position {
            line: marker.line().max(1),
            column: marker.col() + 1,
        }
    }
}

/// A YAML node and the position of its first character (for a block mapping, of its first key).
#[derive(Debug, Clone)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where the node starts.
    pub position: Position,
}

/// The value of a [`Node`].
#[derive(Debug, Clone)]
pub enum Value {
    /// `~`, `null`, or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer that fits `i128`.
    Int(i128),
    /// An unsigned integer too large for `i128`.
    BigUint(u128),
    /// A floating-point number.
    Float(f64),
    /// Any other scalar.
    String(String),
    /// A sequence.
    Sequence(Vec<Node>),
    /// A mapping, in the order written (keys are unique).
    Mapping(Vec<(Node, Node)>),
}

/// A syntax problem, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// Where the problem was found.
    pub position: Position,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.message, self.position.line, self.position.column
        )
    }
}

impl std::error::Error for YamlError {}

impl Node {
    /// The string, when this node is a string scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// The value under `key`, when this node is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Mapping(entries) => entries
                .iter()
                .find(|(name, _)| name.as_str() == Some(key))
                .map(|(_, value)| value),
            _ => None,
        }
    }

    /// Takes the value under `key` out of this mapping, if it is one and has it.
    pub fn take(&mut self, key: &str) -> Option<Node> {
        let Value::Mapping(entries) = &mut self.value else {
            return None;
        };
        let index = entries
            .iter()
            .position(|(name, _)| name.as_str() == Some(key))?;
        Some(entries.remove(index).1)
    }

    /// The text of a scalar as a path segment or a message shows it.
    pub(crate) fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Null => Some("null".to_owned()),
            Value::Bool(value) => Some(value.to_string()),
            Value::Int(value) => Some(value.to_string()),
            Value::BigUint(value) => Some(value.to_string()),
            Value::Float(value) => Some(value.to_string()),
            Value::String(value) => Some(value.clone()),
            Value::Sequence(_) | Value::Mapping(_) => None,
        }
    }
}

/// Parses one YAML document (an empty text is a null document).
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut builder = TreeBuilder::default();
    let mut parser = Parser::new_from_str(text);
    let result = parser.load(&mut builder, true);
    if let Some(error) = builder.error {
        return Err(error);
    }
    result.map_err(|error| YamlError {
        position: Position::from_marker(error.marker()),
        message: error.info().to_owned(),
    })?;
    Ok(builder.root.unwrap_or(Node {
        value: Value::Null,
        position: Position { line: 1, column: 1 },
    }))
}

/// Parses a YAML text straight into `T` (for small files whose problems need no exact line).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    let node = parse(text)?;
    from_node(&node).map_err(|error| YamlError {
        position: node.position,
        message: error.to_string(),
    })
}

/// Reads `T` from a node, with serde's messages (`unknown field ...`, `invalid type ...`).
pub fn from_node<T: DeserializeOwned>(node: &Node) -> Result<T, DeError> {
    T::deserialize(node)
}

/// One open collection while the events are read.
enum Open {
    Sequence {
        node: Node,
        anchor: usize,
        items: Vec<Node>,
    },
    Mapping {
        node: Node,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        keys: HashSet<String>,
        key: Option<Node>,
    },
}

#[derive(Default)]
struct TreeBuilder {
    stack: Vec<Open>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    documents: usize,
    alias_nodes: usize,
    error: Option<YamlError>,
}

impl TreeBuilder {
    fn fail(&mut self, position: Position, message: impl Into<String>) {
        if self.error.is_none() {
            self.error = Some(YamlError {
                position,
                message: message.into(),
            });
        }
    }

    /// Places a finished node: the document's root, a sequence item, a key or a value.
    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        let duplicate = match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                None
            }
            Some(Open::Sequence { items, .. }) => {
                items.push(node);
                None
            }
            Some(Open::Mapping {
                node: mapping,
                entries,
                keys,
                key,
                ..
            }) => match key.take() {
                Some(name) => {
                    entries.push((name, node));
                    None
                }
                None => {
                    // yaml-rust2 marks a block mapping's start at its first ':', after the
                    // first key: the mapping starts where that key does (a flow mapping's '{'
                    // comes before its first key and stays).
                    if entries.is_empty()
                        && (node.position.line, node.position.column)
                            < (mapping.position.line, mapping.position.column)
                    {
                        mapping.position = node.position;
                    }
                    let duplicate = match &node.value {
                        Value::String(text) => !keys.insert(text.clone()),
                        _ => entries.iter().any(|(other, _)| same(other, &node)),
                    };
                    let found = duplicate.then(|| (node.position, duplicate_message(&node)));
                    *key = Some(node);
                    found
                }
            },
        };
        if let Some((position, message)) = duplicate {
            self.fail(position, message);
        }
    }

    fn scalar(
        &mut self,
        (text, style, anchor): (String, TScalarStyle, usize),
        tag: Option<&Tag>,
        at: Position,
    ) {
        let value = match resolve(text, style, tag) {
            Ok(value) => value,
            Err(message) => {
                self.fail(at, message);
                Value::Null
            }
        };
        self.finish(
            Node {
                value,
                position: at,
            },
            anchor,
        );
    }

    fn alias(&mut self, anchor: usize, at: Position) {
        let Some(node) = self.anchors.get(&anchor) else {
            self.fail(at, "unknown anchor");
            return;
        };
        self.alias_nodes = self.alias_nodes.saturating_add(count(node));
        if self.alias_nodes > MAX_ALIAS_NODES {
            self.fail(at, "repetition limit exceeded");
            return;
        }
        let mut node = node.clone();
        node.position = at;
        self.finish(node, 0);
    }

    fn open(&mut self, open: Open) {
        if self.stack.len() >= MAX_DEPTH {
            let position = match &open {
                Open::Sequence { node, .. } | Open::Mapping { node, .. } => node.position,
            };
            self.fail(position, "recursion limit exceeded");
            return;
        }
        self.stack.push(open);
    }

    fn close(&mut self) {
        let (node, anchor) = match self.stack.pop() {
            Some(Open::Sequence {
                mut node,
                anchor,
                items,
            }) => {
                node.value = Value::Sequence(items);
                (node, anchor)
            }
            Some(Open::Mapping {
                mut node,
                anchor,
                entries,
                ..
            }) => {
                node.value = Value::Mapping(entries);
                (node, anchor)
            }
            None => return,
        };
        self.finish(node, anchor);
    }
}

impl MarkedEventReceiver for TreeBuilder {
    fn on_event(&mut self, event: Event, marker: Marker) {
        if self.error.is_some() {
            return;
        }
        let at = Position::from_marker(&marker);
        let empty = |value| Node {
            value,
            position: at,
        };
        match event {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    self.fail(
                        at,
                        "deserializing from YAML containing more than one document is not supported",
                    );
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.scalar((text, style, anchor), tag.as_ref(), at);
            }
            Event::Alias(anchor) => self.alias(anchor, at),
            Event::SequenceStart(anchor, tag) => {
                if let Some(tag) = tag.filter(|tag| !is_core(tag, "seq")) {
                    self.fail(at, unsupported(&tag));
                }
                self.open(Open::Sequence {
                    node: empty(Value::Null),
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, tag) => {
                if let Some(tag) = tag.filter(|tag| !is_core(tag, "map")) {
                    self.fail(at, unsupported(&tag));
                }
                self.open(Open::Mapping {
                    node: empty(Value::Null),
                    anchor,
                    entries: Vec::new(),
                    keys: HashSet::new(),
                    key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
    }
}

/// The number of nodes in a tree.
fn count(node: &Node) -> usize {
    match &node.value {
        Value::Sequence(items) => 1 + items.iter().map(count).sum::<usize>(),
        Value::Mapping(entries) => {
            1 + entries
                .iter()
                .map(|(key, value)| count(key) + count(value))
                .sum::<usize>()
        }
        _ => 1,
    }
}

/// Whether two keys are the same value (for keys that are not strings).
fn same(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Int(a), Value::Int(b)) => a == b,
        (Value::BigUint(a), Value::BigUint(b)) => a == b,
        (Value::Float(a), Value::Float(b)) => a == b,
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Sequence(a), Value::Sequence(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
        }
        (Value::Mapping(a), Value::Mapping(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ak, av), (bk, bv))| same(ak, bk) && same(av, bv))
        }
        _ => false,
    }
}

fn duplicate_message(key: &Node) -> String {
    match &key.value {
        Value::Null => "duplicate entry with null key".to_owned(),
        Value::String(text) => format!("duplicate entry with key {text:?}"),
        Value::Sequence(_) | Value::Mapping(_) => "duplicate entry in YAML map".to_owned(),
        _ => format!(
            "duplicate entry with key {}",
            key.scalar_text().unwrap_or_default()
        ),
    }
}

/// Whether `tag` is the core schema's `!!name` (`tag:yaml.org,2002:name`).
fn is_core(tag: &Tag, name: &str) -> bool {
    (tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:") && tag.suffix == name
}

fn unsupported(tag: &Tag) -> String {
    format!(
        "the tag `{}{}` is not supported in spec files",
        tag.handle, tag.suffix
    )
}

/// The value of a scalar: quoted and block scalars are strings, plain ones resolve by the
/// core schema. Of the tags, only the core schema's `!!str` and `!!null`... are understood.
fn resolve(text: String, style: TScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    if let Some(tag) = tag {
        return if is_core(tag, "str") {
            Ok(Value::String(text))
        } else {
            Err(unsupported(tag))
        };
    }
    if style != TScalarStyle::Plain {
        return Ok(Value::String(text));
    }
    Ok(resolve_plain(text))
}

fn resolve_plain(text: String) -> Value {
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(value) = integer(&text) {
        return value;
    }
    if !leading_zero_digits(&text)
        && let Some(float) = float(&text)
    {
        return Value::Float(float);
    }
    Value::String(text)
}

/// A decimal, `0x`, `0o` or `0b` integer with an optional sign.
fn integer(text: &str) -> Option<Value> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(rest) = unsigned.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = unsigned.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = unsigned.strip_prefix("0b") {
        (2, rest)
    } else {
        (10, unsigned)
    };
    // from_str_radix accepts a sign of its own: after ours, only digits may follow.
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    if radix == 10 && leading_zero_digits(text) {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok()?;
    if negative {
        if magnitude <= i128::MAX as u128 {
            Some(Value::Int(-(magnitude as i128)))
        } else if magnitude == i128::MAX as u128 + 1 {
            Some(Value::Int(i128::MIN))
        } else {
            None
        }
    } else if let Ok(value) = i128::try_from(magnitude) {
        Some(Value::Int(value))
    } else {
        Some(Value::BigUint(magnitude))
    }
}

/// Leading zeros followed by digits (`0755`): a string in YAML 1.2, not a number.
fn leading_zero_digits(text: &str) -> bool {
    let text = text.strip_prefix(['-', '+']).unwrap_or(text);
    text.len() > 1 && text.starts_with('0') && text[1..].bytes().all(|b| b.is_ascii_digit())
}

fn float(text: &str) -> Option<f64> {
    let unsigned = match text.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => text,
    };
    match unsigned {
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    unsigned
        .parse::<f64>()
        .ok()
        .filter(|float| float.is_finite())
}

/// Why a node could not be read as the type asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeError(String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        DeError(message.to_string())
    }
}

impl<'de> IntoDeserializer<'de, DeError> for &'de Node {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for &'de Node {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(value) => visitor.visit_bool(*value),
            Value::Int(value) => match (u64::try_from(*value), i64::try_from(*value)) {
                (Ok(value), _) => visitor.visit_u64(value),
                (_, Ok(value)) => visitor.visit_i64(value),
                _ => visitor.visit_i128(*value),
            },
            Value::BigUint(value) => visitor.visit_u128(*value),
            Value::Float(value) => visitor.visit_f64(*value),
            Value::String(text) => visitor.visit_borrowed_str(text),
            Value::Sequence(items) => {
                let mut access = SeqDeserializer::new(items.iter());
                let value = visitor.visit_seq(&mut access)?;
                access.end()?;
                Ok(value)
            }
            Value::Mapping(entries) => {
                let mut access =
                    MapDeserializer::new(entries.iter().map(|(key, value)| (Key(key), value)));
                let value = visitor.visit_map(&mut access)?;
                access.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.value {
            // A unit variant: `tests: [response]`.
            Value::String(text) => visitor.visit_enum(text.as_str().into_deserializer()),
            _ => self.deserialize_any(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// A mapping key: a field name when it is a string, its text otherwise (`unknown field `1``).
struct Key<'a>(&'a Node);

impl<'de> IntoDeserializer<'de, DeError> for Key<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for Key<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match (&self.0.value, self.0.scalar_text()) {
            (Value::String(text), _) => visitor.visit_borrowed_str(text),
            (_, Some(text)) => visitor.visit_string(text),
            (_, None) => self.0.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.0.deserialize_option(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Value {
        parse(&format!("key: {text}"))
            .expect("valid YAML")
            .get("key")
            .expect("the key")
            .value
            .clone()
    }

    #[test]
    fn plain_scalars_resolve_by_the_core_schema() {
        assert!(matches!(value("true"), Value::Bool(true)));
        assert!(matches!(value("FALSE"), Value::Bool(false)));
        assert!(matches!(value("~"), Value::Null));
        assert!(matches!(value(""), Value::Null));
        assert!(matches!(value("12"), Value::Int(12)));
        assert!(matches!(value("-0x1F"), Value::Int(-31)));
        assert!(matches!(value("0o17"), Value::Int(15)));
        assert!(matches!(value("1.5"), Value::Float(f) if f == 1.5));
        assert!(matches!(value(".inf"), Value::Float(f) if f.is_infinite()));
        for text in [
            "yes", "no", "on", "off", "0755", "1.2.3", "inf", "+-1", "0x",
        ] {
            assert!(
                matches!(value(text), Value::String(ref s) if s == text),
                "{text}"
            );
        }
    }

    #[test]
    fn quoted_and_block_scalars_are_strings() {
        assert!(matches!(value("'true'"), Value::String(ref s) if s == "true"));
        assert!(matches!(value("\"12\""), Value::String(ref s) if s == "12"));
        assert!(matches!(value("!!str 12"), Value::String(ref s) if s == "12"));
        assert!(matches!(value("|\n  1\n"), Value::String(ref s) if s == "1\n"));
    }

    #[test]
    fn nodes_know_their_lines_and_block_mappings_start_at_their_first_key() {
        let root = parse("a: 1\nlist:\n  - name: x\n    other: y\n  - [1, 2]\n").unwrap();
        assert_eq!(root.position, Position { line: 1, column: 1 });
        let list = root.get("list").unwrap();
        let Value::Sequence(items) = &list.value else {
            panic!("a list")
        };
        assert_eq!(items[0].position, Position { line: 3, column: 5 });
        assert_eq!(items[1].position, Position { line: 5, column: 5 });
    }

    #[test]
    fn duplicates_several_documents_aliases_and_depth_are_handled() {
        let error = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(error.message, "duplicate entry with key \"a\"");
        assert_eq!(error.position, Position { line: 3, column: 1 });
        assert!(parse("a: 1\n---\nb: 2\n").is_err());
        let aliased = parse("a: &x [1, 2]\nb: *x\n").unwrap();
        assert!(
            matches!(&aliased.get("b").unwrap().value, Value::Sequence(items) if items.len() == 2)
        );
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n".to_owned()
            + &(b'b'..=b'z')
                .map(|c| {
                    let previous = (c - 1) as char;
                    let c = c as char;
                    format!("{c}: &{c} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n")
                })
                .collect::<String>();
        assert_eq!(
            parse(&bomb).unwrap_err().message,
            "repetition limit exceeded"
        );
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert_eq!(
            parse(&deep).unwrap_err().message,
            "recursion limit exceeded"
        );
    }

    #[test]
    fn typed_items_read_with_serde_messages() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Item {
            #[allow(dead_code)]
            name: Option<String>,
        }
        let error = from_str::<Item>("name: x\nnmae: y\n").unwrap_err();
        assert!(error.message.starts_with("unknown field `nmae`"), "{error}");
        let error = from_str::<Item>("name: 12\n").unwrap_err();
        assert_eq!(
            error.message,
            "invalid type: integer `12`, expected a string"
        );
    }
}
