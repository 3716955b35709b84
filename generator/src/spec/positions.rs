//! Line and column of every node in a YAML file, by its path (`operations/3/path`).
//!
//! serde_yaml turns YAML into values but forgets where each value came from. Diagnostics must
//! point at the exact line, so the same text is also read with yaml-rust2's event parser, which
//! reports a position for every event, and the positions are indexed by node path.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

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

/// Positions of the nodes of one YAML document, keyed by path. For a mapping entry the position
/// is that of its key, which is where a reader looks.
#[derive(Debug, Default)]
pub struct Positions {
    by_path: HashMap<String, Position>,
}

impl Positions {
    /// Indexes `text`; a syntax error comes back with its position.
    pub fn index(text: &str) -> Result<Self, (Position, String)> {
        let mut indexer = Indexer::default();
        let mut parser = Parser::new_from_str(text);
        parser.load(&mut indexer, false).map_err(|error| {
            (
                Position::from_marker(error.marker()),
                error.info().to_owned(),
            )
        })?;
        Ok(Positions {
            by_path: indexer.by_path,
        })
    }

    /// The position of `path`, or of its nearest ancestor that has one (the document start as a
    /// last resort), so every diagnostic gets a usable place.
    pub fn find(&self, path: &str) -> Position {
        let mut path = path;
        loop {
            if let Some(position) = self.by_path.get(path) {
                return *position;
            }
            match path.rfind('/') {
                Some(cut) => path = &path[..cut],
                None => {
                    return self
                        .by_path
                        .get("")
                        .copied()
                        .unwrap_or(Position { line: 1, column: 1 });
                }
            }
        }
    }
}

/// One open collection while walking the events.
enum Frame {
    /// A mapping: the key just read (if any) waits for its value. `start` is the position
    /// its start event reported, until the first key has been seen.
    Mapping {
        path: String,
        pending_key: Option<String>,
        start: Option<Position>,
    },
    /// A sequence and the index of its next item.
    Sequence { path: String, next: usize },
}

#[derive(Default)]
struct Indexer {
    stack: Vec<Frame>,
    by_path: HashMap<String, Position>,
}

impl Indexer {
    /// Where the next node goes: its path, or `None` when the node is a mapping key.
    fn place_node(&mut self, scalar: Option<&str>, position: Position) -> Option<String> {
        match self.stack.last_mut() {
            None => {
                self.by_path.entry(String::new()).or_insert(position);
                Some(String::new())
            }
            Some(Frame::Sequence { path, next }) => {
                let child = join(path, &next.to_string());
                *next += 1;
                self.by_path.entry(child.clone()).or_insert(position);
                Some(child)
            }
            Some(Frame::Mapping {
                path,
                pending_key,
                start,
            }) => match pending_key.take() {
                Some(key) => Some(join(path, &key)),
                None => {
                    // yaml-rust2 marks a block mapping's start at its first ':', after the
                    // first key: the mapping starts where that key does (a flow mapping's '{'
                    // comes before its first key and stays).
                    if let Some(start) = start.take()
                        && let Some(recorded) = self.by_path.get_mut(path.as_str())
                        && *recorded == start
                        && (position.line, position.column) < (start.line, start.column)
                    {
                        *recorded = position;
                    }
                    // This node is a key: remember it and record the key's position.
                    let key = scalar.unwrap_or("?").to_owned();
                    let child = join(path, &key);
                    self.by_path.entry(child).or_insert(position);
                    *pending_key = Some(key);
                    None
                }
            },
        }
    }
}

fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else {
        format!("{parent}/{child}")
    }
}

impl MarkedEventReceiver for Indexer {
    fn on_event(&mut self, event: Event, marker: Marker) {
        let position = Position::from_marker(&marker);
        match event {
            Event::Scalar(value, ..) => {
                self.place_node(Some(&value), position);
            }
            Event::Alias(_) => {
                self.place_node(None, position);
            }
            Event::MappingStart(..) => {
                // A complex key (a mapping used as a key) is indexed under "?".
                let path = self
                    .place_node(None, position)
                    .unwrap_or_else(|| "?".to_owned());
                self.stack.push(Frame::Mapping {
                    path,
                    pending_key: None,
                    start: Some(position),
                });
            }
            Event::SequenceStart(..) => {
                let path = self
                    .place_node(None, position)
                    .unwrap_or_else(|| "?".to_owned());
                self.stack.push(Frame::Sequence { path, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}
