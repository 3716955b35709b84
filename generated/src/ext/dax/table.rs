//! [`Table`]: columns with names and types, rows of typed values.

use std::fmt;

use crate::runtime::{DateTime, Error, Result};

/// The type of a [`Column`]: what every non-null value of the column is.
///
/// From an Arrow answer it is the Arrow type's family (`int64` → `Integer`, `decimal128` →
/// `Decimal`, `date64` → `DateTime`, a dense union → `Variant`, ...). `executeQueries` (JSON)
/// says no types, so they are inferred from the values (see [`Table::from_json_rows`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColumnType {
    /// No value in the column is set (every row is null, or there are no rows).
    Null,
    /// `true` or `false`.
    Boolean,
    /// A whole number (DAX integer).
    Integer,
    /// A floating-point number (DAX decimal or double).
    Double,
    /// An exact decimal (DAX currency, Arrow `decimal128`).
    Decimal,
    /// A date and time (Arrow `date64`, `date32` or `timestamp`).
    DateTime,
    /// A string.
    Text,
    /// Bytes (Arrow `binary`).
    Binary,
    /// Values of several types (a DAX variant, or a JSON column whose values differ in type).
    Variant,
}

/// One column of a [`Table`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Column {
    /// The name as the service sends it: `Table[Column]` for a column of the model,
    /// `[Name]` for one the query renames or creates.
    pub name: String,
    /// What the column's values are.
    pub column_type: ColumnType,
}

impl Column {
    /// A column named `name` of type `column_type`.
    pub fn new(name: impl Into<String>, column_type: ColumnType) -> Self {
        Column {
            name: name.into(),
            column_type,
        }
    }

    /// The name inside the last square brackets (`Sales[Region]` → `Region`, `[Total]` →
    /// `Total`), or the whole name when it has none.
    #[inline]
    pub fn short_name(&self) -> &str {
        let name = self.name.as_str();
        match (name.rfind('['), name.ends_with(']')) {
            (Some(open), true) if open + 1 < name.len() => &name[open + 1..name.len() - 1],
            _ => name,
        }
    }
}

/// An exact decimal: `mantissa × 10^-scale` (Arrow `decimal128`, DAX currency).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// The digits as an integer.
    pub mantissa: i128,
    /// How many of the digits are after the decimal point (negative: zeros to append).
    pub scale: i8,
}

impl fmt::Display for Decimal {
    /// The exact decimal text (`12.3400`, `-0.5`, `1200`), never an exponent.
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.mantissa.unsigned_abs().to_string();
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let scale = usize::from(self.scale.unsigned_abs());
        if self.scale <= 0 {
            return write!(
                f,
                "{sign}{digits}{}",
                "0".repeat(if digits == "0" { 0 } else { scale })
            );
        }
        if digits.len() > scale {
            let (whole, fraction) = digits.split_at(digits.len() - scale);
            write!(f, "{sign}{whole}.{fraction}")
        } else {
            write!(f, "{sign}0.{}{digits}", "0".repeat(scale - digits.len()))
        }
    }
}

/// One cell of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// Blank (DAX `BLANK()`), or a key the JSON row left out.
    Null,
    /// A boolean.
    Boolean(bool),
    /// A whole number.
    Integer(i64),
    /// A floating-point number.
    Double(f64),
    /// An exact decimal.
    Decimal(Decimal),
    /// A date and time (UTC).
    DateTime(DateTime),
    /// A string.
    Text(String),
    /// Bytes.
    Binary(Vec<u8>),
}

impl Value {
    /// The column type this value belongs to (`Null` for [`Value::Null`]).
    #[inline]
    pub fn column_type(&self) -> ColumnType {
        match self {
            Value::Null => ColumnType::Null,
            Value::Boolean(_) => ColumnType::Boolean,
            Value::Integer(_) => ColumnType::Integer,
            Value::Double(_) => ColumnType::Double,
            Value::Decimal(_) => ColumnType::Decimal,
            Value::DateTime(_) => ColumnType::DateTime,
            Value::Text(_) => ColumnType::Text,
            Value::Binary(_) => ColumnType::Binary,
        }
    }
}

/// A result table: named, typed columns and rows of values, one per column.
///
/// Built from `executeQueries`' JSON ([`DatasetsClient::execute_queries_table`](crate::datasets::DatasetsClient::execute_queries_table),
/// [`Table::from_response`]) or, with the `arrow` feature, from Arrow record batches
/// (`Table::from_record_batch`); written out with
/// [`write_csv`](Table::write_csv) and [`write_json_lines`](Table::write_json_lines).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub(super) columns: Vec<Column>,
    pub(super) rows: Vec<Vec<Value>>,
}

impl Table {
    /// A table of `columns` and `rows`; every row must have one value per column.
    #[inline]
    pub fn new(columns: Vec<Column>, rows: Vec<Vec<Value>>) -> Result<Self> {
        if let Some(index) = rows.iter().position(|row| row.len() != columns.len()) {
            return Err(Error::InvalidRequest(format!(
                "table row {index} has {} values for {} columns",
                rows[index].len(),
                columns.len()
            )));
        }
        Ok(Table { columns, rows })
    }

    /// The columns, in the order of the answer.
    #[inline]
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The rows; each has one value per column, in the columns' order.
    #[inline]
    pub fn rows(&self) -> &[Vec<Value>] {
        &self.rows
    }

    /// The index of the column named `name` (the full name, or its [short name](Column::short_name)
    /// when no full name matches).
    #[inline]
    pub fn column_index(&self, name: &str) -> Option<usize> {
        (self.columns.iter().position(|column| column.name == name)).or_else(|| {
            self.columns
                .iter()
                .position(|column| column.short_name() == name)
        })
    }

    /// Appends the rows of `other`, which must have the same columns (names); a column's type
    /// becomes [`ColumnType::Variant`] when the two disagree, and a `Null` column takes the
    /// other's type.
    #[inline]
    pub fn append(&mut self, other: Table) -> Result<()> {
        if self.columns.is_empty() && self.rows.is_empty() {
            *self = other;
            return Ok(());
        }
        let same = self.columns.len() == other.columns.len()
            && (self.columns.iter().zip(&other.columns)).all(|(a, b)| a.name == b.name);
        if !same {
            return Err(Error::InvalidRequest(
                "cannot append a table with other columns".to_owned(),
            ));
        }
        for (mine, theirs) in self.columns.iter_mut().zip(&other.columns) {
            mine.column_type = merge(mine.column_type, theirs.column_type);
        }
        self.rows.extend(other.rows);
        Ok(())
    }
}

/// The type of a column holding values of types `a` and `b`.
#[inline]
pub(super) fn merge(a: ColumnType, b: ColumnType) -> ColumnType {
    match (a, b) {
        (ColumnType::Null, other) | (other, ColumnType::Null) => other,
        (a, b) if a == b => a,
        (ColumnType::Integer, ColumnType::Double) | (ColumnType::Double, ColumnType::Integer) => {
            ColumnType::Double
        }
        _ => ColumnType::Variant,
    }
}
