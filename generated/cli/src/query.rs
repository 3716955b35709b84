//! `--query`: a JMESPath expression over the output, the convention of `az --query` (the
//! `jmespath` crate, the language's reference implementation in Rust). It runs on what the
//! JSON output would show: a list's items as an array, an object as itself. With `--all` it
//! runs on each page's items and the results are written as they come, so a listing still
//! streams; a function over the whole list (`length(@)`, `sort_by`) then sees one page.

use serde_json::Value;

use crate::failure::Failure;

/// A compiled `--query`.
pub struct Query {
    text: String,
    expression: jmespath::Expression<'static>,
}

impl std::fmt::Debug for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Query").field(&self.text).finish()
    }
}

impl Query {
    /// Compiles `text`; a usage error (exit 2) when it is not JMESPath.
    pub fn compile(text: &str) -> Result<Query, Failure> {
        let expression = jmespath::compile(text).map_err(|error| {
            Failure::usage(format!("--query: {}", one_line(&error.to_string())))
        })?;
        Ok(Query {
            text: text.to_owned(),
            expression,
        })
    }

    /// The expression as given.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The expression's result over `value` (`null` when nothing matches).
    pub fn apply(&self, value: &Value) -> Result<Value, Failure> {
        let result = self.expression.search(value).map_err(|error| {
            Failure::usage(format!(
                "--query {}: {}",
                self.text,
                one_line(&error.to_string())
            ))
        })?;
        serde_json::to_value(&*result)
            .map_err(|error| Failure::other(format!("--query {}: {error}", self.text)))
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_query_filters_and_projects_as_az_does() {
        let items = json!([
            {"id": "1", "name": "Sales", "isReadOnly": false},
            {"id": "2", "name": "Ops", "isReadOnly": true}
        ]);
        let query = Query::compile("[?isReadOnly].{id: id, name: name}").unwrap();
        assert_eq!(
            query.apply(&items).unwrap(),
            json!([{"id": "2", "name": "Ops"}])
        );
        assert_eq!(
            Query::compile("[0].name").unwrap().apply(&items).unwrap(),
            json!("Sales")
        );
        assert_eq!(
            Query::compile("[?").unwrap_err().code,
            crate::failure::USAGE
        );
    }
}
