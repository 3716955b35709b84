//! Output that fits where it goes: a table on a terminal, JSON in a pipe, or what `--output`
//! asks for. Lists stream item by item in `jsonl` and `json`; only a table waits for the end.

use std::io::{IsTerminal, Write};

use serde_json::Value;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Pretty JSON: the answer as it came (an OData list as the array of its items, as with
    /// `--all`).
    Json,
    /// One compact JSON item per line (a list's items; an object as one line).
    Jsonl,
    /// A table of a list's items (an object: one row per field).
    Table,
}

impl Format {
    /// `--output`, else a table on a terminal and JSON in a pipe.
    pub fn choose(flag: Option<&str>) -> Format {
        match flag {
            Some("json") => Format::Json,
            Some("jsonl") => Format::Jsonl,
            Some("table") => Format::Table,
            _ if std::io::stdout().is_terminal() => Format::Table,
            _ => Format::Json,
        }
    }
}

/// The items of a list answer: an OData `value` list or a bare array; `None` otherwise.
pub fn items(value: &Value) -> Option<&Vec<Value>> {
    match value {
        Value::Array(items) => Some(items),
        Value::Object(object) => match object.get("value") {
            Some(Value::Array(items)) => Some(items),
            _ => None,
        },
        _ => None,
    }
}

/// Writes one whole answer.
pub fn write_value(out: &mut impl Write, format: Format, value: &Value) -> std::io::Result<()> {
    match format {
        Format::Json => {
            match items(value) {
                Some(items) => serde_json::to_writer_pretty(&mut *out, items)?,
                None => serde_json::to_writer_pretty(&mut *out, value)?,
            }
            writeln!(out)
        }
        Format::Jsonl => match items(value) {
            Some(items) => items.iter().try_for_each(|item| write_line(out, item)),
            None => write_line(out, value),
        },
        Format::Table => match items(value) {
            Some(items) => write_table(out, items),
            None => write_fields(out, value),
        },
    }
}

fn write_line(out: &mut impl Write, item: &Value) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, item)?;
    writeln!(out)
}

/// The items of a paged listing, written as they arrive (a table when they all have).
pub struct ItemWriter<W: Write> {
    out: W,
    format: Format,
    written: u64,
    table: Vec<Value>,
}

impl<W: Write> ItemWriter<W> {
    /// A writer of items to `out`.
    pub fn new(out: W, format: Format) -> Self {
        ItemWriter {
            out,
            format,
            written: 0,
            table: Vec::new(),
        }
    }

    /// One page's items; `jsonl` and `json` are flushed at once.
    pub fn page(&mut self, items: Vec<Value>) -> std::io::Result<()> {
        for item in items {
            match self.format {
                Format::Table => self.table.push(item),
                Format::Jsonl => write_line(&mut self.out, &item)?,
                Format::Json => {
                    self.out.write_all(if self.written == 0 {
                        b"[\n  "
                    } else {
                        b",\n  "
                    })?;
                    serde_json::to_writer(&mut self.out, &item)?;
                }
            }
            self.written = self.written.saturating_add(1);
        }
        self.out.flush()
    }

    /// The end of the listing.
    pub fn finish(mut self) -> std::io::Result<()> {
        match self.format {
            Format::Table => write_table(&mut self.out, &self.table)?,
            Format::Jsonl => {}
            Format::Json if self.written == 0 => self.out.write_all(b"[]\n")?,
            Format::Json => self.out.write_all(b"\n]\n")?,
        }
        self.out.flush()
    }
}

/// The widest a table cell gets before it is cut (with `…`).
const MAX_CELL: usize = 60;

/// A cell's text: scalars as themselves, anything else as compact JSON; one line, bounded.
fn cell(value: Option<&Value>) -> String {
    let text = match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    };
    let line = text.replace(['\n', '\r', '\t'], " ");
    if line.chars().count() > MAX_CELL {
        let cut: String = line.chars().take(MAX_CELL.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        line
    }
}

fn write_table(out: &mut impl Write, items: &[Value]) -> std::io::Result<()> {
    // Columns: the items' keys in order of first appearance.
    let mut columns: Vec<&str> = Vec::new();
    for item in items {
        if let Value::Object(object) = item {
            for key in object.keys() {
                if !columns.contains(&key.as_str()) {
                    columns.push(key);
                }
            }
        }
    }
    if columns.is_empty() {
        // A list of scalars (or nothing): one per line.
        return items
            .iter()
            .try_for_each(|item| writeln!(out, "{}", cell(Some(item))));
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|column| cell(item.get(column)))
                .collect()
        })
        .collect();
    let headers: Vec<String> = columns.iter().map(|column| (*column).to_owned()).collect();
    let widths: Vec<usize> = (0..columns.len())
        .map(|index| {
            std::iter::once(&headers)
                .chain(&rows)
                .map(|row| row[index].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in std::iter::once(&headers).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(text, width)| format!("{text:<width$}"))
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
    Ok(())
}

/// An object as `field  value` lines (a scalar as itself).
fn write_fields(out: &mut impl Write, value: &Value) -> std::io::Result<()> {
    let Value::Object(object) = value else {
        return writeln!(out, "{}", cell(Some(value)));
    };
    let width = object
        .keys()
        .map(|key| key.chars().count())
        .max()
        .unwrap_or(0);
    for (key, field) in object {
        writeln!(out, "{key:<width$}  {}", cell(Some(field)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_aligns_the_union_of_the_items_keys() {
        let items = serde_json::json!([{"id": "1", "name": "Sales"}, {"id": "22", "state": "ok"}]);
        let mut out = Vec::new();
        write_value(&mut out, Format::Table, &items).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id  name   state\n1   Sales\n22         ok\n"
        );
    }

    #[test]
    fn streamed_json_is_one_valid_array() {
        let mut out = Vec::new();
        let mut writer = ItemWriter::new(&mut out, Format::Json);
        writer
            .page(vec![serde_json::json!(1), serde_json::json!({"a": 2})])
            .unwrap();
        writer.page(vec![serde_json::json!(3)]).unwrap();
        writer.finish().unwrap();
        let parsed: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(parsed, serde_json::json!([1, {"a": 2}, 3]));
    }
}
