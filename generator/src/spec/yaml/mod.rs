//! One parse of a YAML text into a tree that carries both the values and where each node sits.
//!
//! yaml-rust2's event parser reports a position with every event; [`parse`] builds a [`Node`]
//! tree from those events, so the loader reads values and line numbers from the same parse.
//! Typed items are read from a node through serde ([`from_node`]), with serde's own messages.
//! The tree is built in `build`, scalars resolve in `scalar`, serde reads nodes in `de`.
//!
//! Scalars resolve as serde_yaml 0.9 resolved them (the YAML 1.2 core schema): a quoted or block
//! scalar is a string; a plain scalar is null (`~`, `null`, empty), a boolean (`true`, `false`,
//! also `True`/`TRUE`...), an integer (decimal, `0x`, `0o`, `0b`), a float (`1.5`, `1e3`,
//! `.inf`, `.nan`), or else a string. So `yes`, `no`, `on` and `off` are strings, and `0755` is
//! the string "0755", not an octal number.

mod build;
mod de;
mod node;
mod scalar;

use serde::de::DeserializeOwned;
use yaml_rust2::parser::Parser;

pub use de::DeError;
pub use node::{Node, Position, Value, YamlError};

/// Parses one YAML document (an empty text is a null document).
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut builder = build::TreeBuilder::default();
    let mut parser = Parser::new_from_str(text);
    // A syntax error wins over what the tree refused (a duplicate key, an unknown tag), as
    // it may be the cause.
    parser.load(&mut builder, true).map_err(|error| YamlError {
        position: Position::from_marker(error.marker()),
        message: error.info().to_owned(),
    })?;
    let (root, error) = builder.finish_document();
    if let Some(error) = error {
        return Err(error);
    }
    Ok(root.unwrap_or(Node {
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

    #[test]
    fn an_empty_value_reads_as_an_empty_list_or_mapping() {
        #[derive(Debug, serde::Deserialize)]
        struct Item {
            #[serde(default)]
            list: Vec<String>,
            inner: Option<Inner>,
        }
        #[derive(Debug, Default, serde::Deserialize)]
        struct Inner {
            name: Option<String>,
        }
        let item = from_str::<Item>("list:\n").unwrap();
        assert!(item.list.is_empty() && item.inner.is_none());
        let node = parse("inner:\n").unwrap();
        let inner = from_node::<Inner>(node.get("inner").unwrap()).unwrap();
        assert!(inner.name.is_none());
    }

    #[test]
    fn a_syntax_error_wins_over_a_duplicate_key_and_the_bare_tag_means_a_string() {
        let error = parse("a: 1\na: 2\nb: [\n").unwrap_err();
        assert_ne!(error.message, "duplicate entry with key \"a\"");
        assert!(matches!(value("! 12"), Value::String(ref s) if s == "12"));
        let error = parse("a: !custom x\n").unwrap_err();
        assert_eq!(
            error.message,
            "the tag `!custom` is not supported in spec files"
        );
    }
}
