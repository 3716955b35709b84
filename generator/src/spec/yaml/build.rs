//! The tree built from yaml-rust2's marked events: collections opened and closed, anchors and
//! aliases (bounded), duplicate keys and nesting depth refused.

use std::collections::{HashMap, HashSet};

use yaml_rust2::parser::{Event, MarkedEventReceiver, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::node::{Node, Position, Value, YamlError};
use super::scalar::{is_core, is_non_specific, resolve, unsupported};

/// Nesting deeper than this is refused rather than risking the stack (serde_yaml's limit too).
const MAX_DEPTH: usize = 128;

/// Aliases may repeat at most this many nodes in all, so that a few lines of anchors cannot
/// expand into billions of nodes.
const MAX_ALIAS_NODES: usize = 100_000;

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

/// Receives the events of one parse and builds the tree.
#[derive(Default)]
pub(super) struct TreeBuilder {
    stack: Vec<Open>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    documents: usize,
    alias_nodes: usize,
    error: Option<YamlError>,
}

impl TreeBuilder {
    /// The document's root (none for an empty text) and the first problem found.
    pub(super) fn finish_document(self) -> (Option<Node>, Option<YamlError>) {
        (self.root, self.error)
    }

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
                if let Some(tag) = tag.filter(|tag| !is_core(tag, "seq") && !is_non_specific(tag)) {
                    self.fail(at, unsupported(&tag));
                }
                self.open(Open::Sequence {
                    node: empty(Value::Null),
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, tag) => {
                if let Some(tag) = tag.filter(|tag| !is_core(tag, "map") && !is_non_specific(tag)) {
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
