//! `--output csv`: one row per item, flat columns. A nested value (an object, a list) is one
//! cell holding its compact JSON text. The columns are the first page's keys in order of
//! appearance, so rows are written as pages arrive; a field that appears only later is left
//! out (a `--query` projection such as `[].{id: id, name: name}` fixes the columns).

use std::io::Write;

use serde_json::Value;

/// Writes CSV rows under a header fixed by the first items seen.
#[derive(Debug, Default)]
pub struct CsvRows {
    columns: Option<Vec<String>>,
}

impl CsvRows {
    /// Writes `items`, after the header if this is the first of them.
    pub fn write(&mut self, out: &mut impl Write, items: &[Value]) -> std::io::Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let columns = match &self.columns {
            Some(columns) => columns,
            None => {
                let mut columns = columns_of(items);
                if columns.is_empty() {
                    // A list of scalars: one column.
                    columns.push("value".to_owned());
                }
                let header: Vec<String> = columns.iter().map(|column| field(column)).collect();
                writeln!(out, "{}", header.join(","))?;
                self.columns.insert(columns)
            }
        };
        for item in items {
            let row: Vec<String> = match item {
                Value::Object(object) => columns
                    .iter()
                    .map(|column| field(&cell(object.get(column))))
                    .collect(),
                scalar => vec![field(&cell(Some(scalar)))],
            };
            writeln!(out, "{}", row.join(","))?;
        }
        Ok(())
    }
}

/// The union of the items' keys, in order of first appearance.
fn columns_of(items: &[Value]) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for item in items {
        if let Value::Object(object) = item {
            for key in object.keys() {
                if !columns.iter().any(|column| column == key) {
                    columns.push(key.clone());
                }
            }
        }
    }
    columns
}

/// A value's text: a string as itself, null as nothing, anything else as compact JSON.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

/// A field quoted as RFC 4180 asks: in quotes (doubled inside) when it holds a comma, a quote
/// or a line break, or starts or ends with a space.
fn field(text: &str) -> String {
    let quote =
        text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ');
    if quote {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_values_are_json_text_and_fields_are_quoted() {
        let mut out = Vec::new();
        let mut rows = CsvRows::default();
        rows.write(
            &mut out,
            &[json!({"id": "1", "name": "Sales, EMEA", "tags": ["a", "b"]})],
        )
        .unwrap();
        rows.write(
            &mut out,
            &[json!({"id": "2", "late": true, "name": "Say \"hi\""})],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id,name,tags\n1,\"Sales, EMEA\",\"[\"\"a\"\",\"\"b\"\"]\"\n2,\"Say \"\"hi\"\"\",\n"
        );
    }
}
