//! Line and column of every node in a YAML file, by its path (`operations/3/path`).
//!
//! Diagnostics must point at the exact line: the tree of [`super::yaml`] knows where each node
//! sits, and this index finds a node's position by the path a diagnostic names.

use std::collections::HashMap;

pub use super::yaml::Position;
use super::yaml::{Node, Value};

/// Positions of the nodes of one YAML document, keyed by path. For a mapping entry the position
/// is that of its key, which is where a reader looks.
#[derive(Debug, Default)]
pub struct Positions {
    by_path: HashMap<String, Position>,
}

impl Positions {
    /// Indexes the nodes of a parsed document.
    pub fn of(root: &Node) -> Self {
        let mut by_path = HashMap::new();
        by_path.insert(String::new(), root.position);
        index(root, "", &mut by_path);
        Positions { by_path }
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

/// Records the position of every node under `node`: a mapping entry at its key, a sequence
/// item at itself. A repeated path keeps its first position.
fn index(node: &Node, path: &str, by_path: &mut HashMap<String, Position>) {
    match &node.value {
        Value::Sequence(items) => {
            for (number, item) in items.iter().enumerate() {
                let child = join(path, &number.to_string());
                by_path.entry(child.clone()).or_insert(item.position);
                index(item, &child, by_path);
            }
        }
        Value::Mapping(entries) => {
            for (key, value) in entries {
                let name = key.scalar_text().unwrap_or_else(|| "?".to_owned());
                let child = join(path, &name);
                by_path.entry(child.clone()).or_insert(key.position);
                index(value, &child, by_path);
            }
        }
        _ => {}
    }
}

fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else {
        format!("{parent}/{child}")
    }
}
