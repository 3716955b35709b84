//! CSV (RFC 4180) and JSON Lines writers over any [`std::io::Write`], one row at a time.
//!
//! The writers are synchronous and write each row as it is given, so a table or an Arrow
//! stream is written batch by batch without being held whole. To write to a tokio
//! `AsyncWrite`, write into a `Vec<u8>` per batch and send that buffer on, or wrap the async
//! writer in `tokio_util::io::SyncIoBridge` on a blocking thread.

use std::io::Write;

use base64::Engine as _;

use super::table::{Column, Table, Value};
use crate::runtime::{Error, JsonValue, Result};

#[inline]
fn write_error(error: std::io::Error) -> Error {
    Error::InvalidRequest(format!("cannot write the table: {error}"))
}

/// The text of a value in CSV: empty for null, `true`/`false`, numbers as Rust prints them
/// (`125000.5`, `-3`; a non-finite double as `NaN`, `inf`, `-inf`), decimals exactly, date-times
/// in RFC 3339 (`2024-01-31T00:00:00Z`), bytes in standard base64.
#[inline]
fn text_of(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Boolean(value) => value.to_string(),
        Value::Integer(value) => value.to_string(),
        Value::Double(value) => value.to_string(),
        Value::Decimal(value) => value.to_string(),
        Value::DateTime(value) => value.to_string(),
        Value::Text(text) => text.clone(),
        Value::Binary(bytes) => base64::engine::general_purpose::STANDARD.encode(bytes),
    }
}

/// Writes CSV as RFC 4180 defines it: a header row of the column names, then one record per
/// row, fields separated by `,`, records ended by CRLF; a field holding `,`, `"`, CR or LF is
/// put in double quotes, with each `"` doubled. A null value is an empty field.
#[derive(Debug)]
pub struct CsvWriter<W: Write> {
    out: W,
    width: usize,
}

impl<W: Write> CsvWriter<W> {
    /// Writes the header row for `columns` to `out`.
    pub fn new(mut out: W, columns: &[Column]) -> Result<Self> {
        write_record(&mut out, columns.iter().map(|column| column.name.clone()))
            .map_err(write_error)?;
        Ok(CsvWriter {
            out,
            width: columns.len(),
        })
    }

    /// Writes one row; it must have one value per column.
    pub fn write_row(&mut self, row: &[Value]) -> Result<()> {
        if row.len() != self.width {
            return Err(Error::InvalidRequest(format!(
                "a row of {} values for {} columns",
                row.len(),
                self.width
            )));
        }
        write_record(&mut self.out, row.iter().map(text_of)).map_err(write_error)
    }

    /// Flushes and returns the writer.
    pub fn into_inner(mut self) -> Result<W> {
        self.out.flush().map_err(write_error)?;
        Ok(self.out)
    }
}

fn write_record(out: &mut impl Write, fields: impl Iterator<Item = String>) -> std::io::Result<()> {
    let mut line = String::new();
    for (index, field) in fields.enumerate() {
        if index > 0 {
            line.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            line.push('"');
            line.push_str(&field.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(&field);
        }
    }
    line.push_str("\r\n");
    out.write_all(line.as_bytes())
}

/// Writes JSON Lines: one JSON object per row, keys the column names in the columns' order,
/// each line ended by `\n`. Values: `null`, booleans, numbers (a decimal exactly, as a JSON
/// number; a non-finite double, which JSON cannot hold, as `null`), strings, date-times as
/// RFC 3339 strings, bytes as standard base64 strings.
#[derive(Debug)]
pub struct JsonLinesWriter<W: Write> {
    out: W,
    keys: Vec<String>,
}

impl<W: Write> JsonLinesWriter<W> {
    /// A writer of rows with `columns` to `out` (JSON Lines has no header).
    pub fn new(out: W, columns: &[Column]) -> Self {
        let keys = columns
            .iter()
            .map(|column| JsonValue::String(column.name.clone()).to_string())
            .collect();
        JsonLinesWriter { out, keys }
    }

    /// Writes one row; it must have one value per column.
    pub fn write_row(&mut self, row: &[Value]) -> Result<()> {
        if row.len() != self.keys.len() {
            return Err(Error::InvalidRequest(format!(
                "a row of {} values for {} columns",
                row.len(),
                self.keys.len()
            )));
        }
        let mut line = String::from("{");
        for (index, (key, value)) in self.keys.iter().zip(row).enumerate() {
            if index > 0 {
                line.push(',');
            }
            line.push_str(key);
            line.push(':');
            line.push_str(&json_of(value));
        }
        line.push_str("}\n");
        self.out.write_all(line.as_bytes()).map_err(write_error)
    }

    /// Flushes and returns the writer.
    pub fn into_inner(mut self) -> Result<W> {
        self.out.flush().map_err(write_error)?;
        Ok(self.out)
    }
}

#[inline]
fn json_of(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Double(value) if !value.is_finite() => "null".to_owned(),
        Value::Boolean(_) | Value::Integer(_) | Value::Double(_) | Value::Decimal(_) => {
            text_of(value)
        }
        Value::DateTime(_) | Value::Text(_) | Value::Binary(_) => {
            JsonValue::String(text_of(value)).to_string()
        }
    }
}

impl Table {
    /// Writes the table as CSV (see [`CsvWriter`]) to `out`.
    pub fn write_csv<W: Write>(&self, out: W) -> Result<W> {
        let mut writer = CsvWriter::new(out, self.columns())?;
        for row in self.rows() {
            writer.write_row(row)?;
        }
        writer.into_inner()
    }

    /// Writes the table as JSON Lines (see [`JsonLinesWriter`]) to `out`.
    pub fn write_json_lines<W: Write>(&self, out: W) -> Result<W> {
        let mut writer = JsonLinesWriter::new(out, self.columns());
        for row in self.rows() {
            writer.write_row(row)?;
        }
        writer.into_inner()
    }
}
