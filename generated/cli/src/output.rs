//! Output that fits where it goes: a table on a terminal, JSON in a pipe, or what `--output`
//! asks for, through `--query` when given. Lists stream page by page in `json`, `jsonl` and
//! `csv` (nothing is collected); only a table waits for the end.

use std::io::{IsTerminal, Write};

use serde_json::Value;

use crate::csv::CsvRows;
use crate::failure::Failure;
use crate::query::Query;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Pretty JSON: the answer as it came (an OData list as the array of its items, as with
    /// `--all`).
    Json,
    /// One compact JSON item per line (a list's items; an object as one line).
    Jsonl,
    /// Comma-separated values: a header, then one row per item, nested values as JSON text.
    Csv,
    /// A table of a list's items (an object: one row per field).
    Table,
}

/// The chosen format and `--query`.
#[derive(Debug)]
pub struct Output {
    /// The format.
    pub format: Format,
    query: Option<Query>,
}

impl Output {
    /// `--output` and `--query` (a usage error when the query is not JMESPath).
    pub fn new(format: Option<&str>, query: Option<&str>) -> Result<Output, Failure> {
        Ok(Output {
            format: Format::choose(format),
            query: query.map(Query::compile).transpose()?,
        })
    }

    /// The same output in another format (`auth status` shows an object, never `jsonl`).
    pub fn with_format(&self, format: Format) -> Output {
        Output {
            format,
            query: self
                .query
                .as_ref()
                .and_then(|query| Query::compile(query.text()).ok()),
        }
    }

    /// Writes one whole answer to stdout: what JSON output shows (a list's items), through
    /// the query.
    pub fn print(&self, value: &Value) -> Result<(), Failure> {
        let mut out = std::io::stdout().lock();
        match &self.query {
            Some(query) => {
                let shown =
                    items(value).map_or_else(|| value.clone(), |items| Value::Array(items.clone()));
                write_value(&mut out, self.format, &query.apply(&shown)?)?;
            }
            None => write_value(&mut out, self.format, value)?,
        }
        out.flush()?;
        Ok(())
    }

    /// Writes an answer's bytes to stdout: JSON in the chosen format (through the query),
    /// other bytes (a file) as they are, nothing for none.
    pub fn print_answer(&self, body: &[u8]) -> Result<(), Failure> {
        if body.is_empty() {
            return Ok(());
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(value) => self.print(&value),
            Err(_) => {
                let mut out = std::io::stdout().lock();
                out.write_all(body)?;
                out.flush()?;
                Ok(())
            }
        }
    }

    /// A writer of a paged listing's items to stdout.
    pub fn items(&self) -> ItemWriter<'_, std::io::StdoutLock<'static>> {
        ItemWriter::new(std::io::stdout().lock(), self.format, self.query.as_ref())
    }
}

impl Format {
    /// `--output`, else a table on a terminal and JSON in a pipe.
    pub fn choose(flag: Option<&str>) -> Format {
        match flag {
            Some("json") => Format::Json,
            Some("jsonl") => Format::Jsonl,
            Some("csv") => Format::Csv,
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
        Format::Csv => match items(value) {
            Some(items) => CsvRows::default().write(out, items),
            None => CsvRows::default().write(out, std::slice::from_ref(value)),
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
pub struct ItemWriter<'q, W: Write> {
    out: W,
    format: Format,
    query: Option<&'q Query>,
    written: u64,
    csv: CsvRows,
    table: Vec<Value>,
}

impl<'q, W: Write> ItemWriter<'q, W> {
    /// A writer of items to `out`, each page through `query` when given.
    pub fn new(out: W, format: Format, query: Option<&'q Query>) -> Self {
        ItemWriter {
            out,
            format,
            query,
            written: 0,
            csv: CsvRows::default(),
            table: Vec::new(),
        }
    }

    /// One page's items; all but a table are written and flushed at once.
    pub fn page(&mut self, items: Vec<Value>) -> Result<(), Failure> {
        let items = match self.query {
            Some(query) => match query.apply(&Value::Array(items))? {
                Value::Array(items) => items,
                Value::Null => Vec::new(),
                other => vec![other],
            },
            None => items,
        };
        if self.format == Format::Csv {
            self.csv.write(&mut self.out, &items)?;
        }
        for item in items {
            match self.format {
                Format::Table => self.table.push(item),
                Format::Csv => {}
                Format::Jsonl => write_line(&mut self.out, &item)?,
                Format::Json => {
                    self.out.write_all(if self.written == 0 {
                        b"[\n  "
                    } else {
                        b",\n  "
                    })?;
                    serde_json::to_writer(&mut self.out, &item).map_err(std::io::Error::from)?;
                }
            }
            self.written = self.written.saturating_add(1);
        }
        self.out.flush()?;
        Ok(())
    }

    /// The writer (a workflow takes what a page wrote to a buffer and writes it to its file).
    pub fn out_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// The end of the listing.
    pub fn finish(mut self) -> std::io::Result<()> {
        match self.format {
            Format::Table => write_table(&mut self.out, &self.table)?,
            Format::Jsonl | Format::Csv => {}
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
        let mut writer = ItemWriter::new(&mut out, Format::Json, None);
        writer
            .page(vec![serde_json::json!(1), serde_json::json!({"a": 2})])
            .unwrap();
        writer.page(vec![serde_json::json!(3)]).unwrap();
        writer.finish().unwrap();
        let parsed: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(parsed, serde_json::json!([1, {"a": 2}, 3]));
    }
}
