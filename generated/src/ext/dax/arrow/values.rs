//! Arrow arrays to [`Value`]s and [`Column`]s.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float16Type, Float32Type, Float64Type, Int8Type,
    Int16Type, Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Schema, TimeUnit};
use time::OffsetDateTime;

use super::super::table::{Column, ColumnType, Decimal, Table, Value};
use super::super::write::{CsvWriter, JsonLinesWriter};
use crate::runtime::{DateTime, Error, Result};

/// The column type of an Arrow type (`Variant` for a union, and for a type the table does not
/// convert, whose values then fail with a clear error).
#[inline]
fn column_type(data_type: &DataType) -> ColumnType {
    match data_type {
        DataType::Null => ColumnType::Null,
        DataType::Boolean => ColumnType::Boolean,
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => ColumnType::Integer,
        DataType::Float16 | DataType::Float32 | DataType::Float64 => ColumnType::Double,
        DataType::Decimal128(..) => ColumnType::Decimal,
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(..) => ColumnType::DateTime,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => ColumnType::Text,
        DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => ColumnType::Binary,
        DataType::Dictionary(_, values) => column_type(values),
        _ => ColumnType::Variant,
    }
}

/// The columns of an Arrow schema.
#[inline]
pub(super) fn columns(schema: &Schema) -> Vec<Column> {
    (schema.fields().iter())
        .map(|field| Column::new(field.name().clone(), column_type(field.data_type())))
        .collect()
}

#[inline]
fn unsupported(data_type: &DataType) -> Error {
    Error::InvalidRequest(format!(
        "an Arrow column of type {data_type} cannot be converted to a table value"
    ))
}

#[inline]
fn out_of_range(what: &str) -> Error {
    Error::InvalidRequest(format!(
        "an Arrow {what} value is out of the date-time range"
    ))
}

#[inline]
fn date_time_nanos(nanos: i128) -> Result<Value> {
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .map(|at| Value::DateTime(DateTime(at)))
        .map_err(|_| out_of_range("date-time"))
}

/// The value of `array` at `row` (which must be below its length).
#[inline]
fn value_at(array: &dyn Array, row: usize) -> Result<Value> {
    if row >= array.len() {
        return Err(Error::InvalidRequest(format!(
            "row {row} is past the Arrow array's {} values",
            array.len()
        )));
    }
    let data_type = array.data_type();
    if matches!(data_type, DataType::Null)
        || (array.logical_nulls()).is_some_and(|nulls| nulls.is_null(row))
    {
        return Ok(Value::Null);
    }
    macro_rules! primitive {
        ($kind:ty) => {
            array
                .as_primitive_opt::<$kind>()
                .map(|values| values.value(row))
                .ok_or_else(|| unsupported(data_type))?
        };
    }
    Ok(match data_type {
        DataType::Boolean => Value::Boolean(
            (array.as_boolean_opt().map(|values| values.value(row)))
                .ok_or_else(|| unsupported(data_type))?,
        ),
        DataType::Int8 => Value::Integer(primitive!(Int8Type).into()),
        DataType::Int16 => Value::Integer(primitive!(Int16Type).into()),
        DataType::Int32 => Value::Integer(primitive!(Int32Type).into()),
        DataType::Int64 => Value::Integer(primitive!(Int64Type)),
        DataType::UInt8 => Value::Integer(primitive!(UInt8Type).into()),
        DataType::UInt16 => Value::Integer(primitive!(UInt16Type).into()),
        DataType::UInt32 => Value::Integer(primitive!(UInt32Type).into()),
        DataType::UInt64 => {
            let value = primitive!(UInt64Type);
            i64::try_from(value).map_or(
                Value::Decimal(Decimal {
                    mantissa: value.into(),
                    scale: 0,
                }),
                Value::Integer,
            )
        }
        DataType::Float16 => Value::Double(primitive!(Float16Type).to_f64()),
        DataType::Float32 => Value::Double(primitive!(Float32Type).into()),
        DataType::Float64 => Value::Double(primitive!(Float64Type)),
        DataType::Decimal128(_, scale) => Value::Decimal(Decimal {
            mantissa: primitive!(Decimal128Type),
            scale: *scale,
        }),
        DataType::Date32 => {
            date_time_nanos(i128::from(primitive!(Date32Type)) * 86_400_000_000_000)?
        }
        DataType::Date64 => date_time_nanos(i128::from(primitive!(Date64Type)) * 1_000_000)?,
        DataType::Timestamp(unit, _) => date_time_nanos(match unit {
            TimeUnit::Second => i128::from(primitive!(TimestampSecondType)) * 1_000_000_000,
            TimeUnit::Millisecond => i128::from(primitive!(TimestampMillisecondType)) * 1_000_000,
            TimeUnit::Microsecond => i128::from(primitive!(TimestampMicrosecondType)) * 1_000,
            TimeUnit::Nanosecond => i128::from(primitive!(TimestampNanosecondType)),
        })?,
        DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => variable_width(array, row)?,
        DataType::Dictionary(..) | DataType::Union(..) => nested(array, row)?,
        _ => return Err(unsupported(data_type)),
    })
}

/// A string or bytes value (`row` is within the array).
#[inline]
fn variable_width(array: &dyn Array, row: usize) -> Result<Value> {
    let data_type = array.data_type();
    Ok(match data_type {
        DataType::Utf8 => text(
            array.as_string_opt::<i32>().map(|values| values.value(row)),
            data_type,
        )?,
        DataType::LargeUtf8 => text(
            array.as_string_opt::<i64>().map(|values| values.value(row)),
            data_type,
        )?,
        DataType::Utf8View => text(
            array.as_string_view_opt().map(|values| values.value(row)),
            data_type,
        )?,
        DataType::Binary => bytes(
            array.as_binary_opt::<i32>().map(|values| values.value(row)),
            data_type,
        )?,
        DataType::LargeBinary => bytes(
            array.as_binary_opt::<i64>().map(|values| values.value(row)),
            data_type,
        )?,
        DataType::BinaryView => bytes(
            array.as_binary_view_opt().map(|values| values.value(row)),
            data_type,
        )?,
        DataType::FixedSizeBinary(_) => bytes(
            array
                .as_fixed_size_binary_opt()
                .map(|values| values.value(row)),
            data_type,
        )?,
        _ => return Err(unsupported(data_type)),
    })
}

/// A dictionary-encoded or union value, read through to the value it stands for.
#[inline]
fn nested(array: &dyn Array, row: usize) -> Result<Value> {
    let data_type = array.data_type();
    Ok(match data_type {
        DataType::Dictionary(..) => {
            let dictionary = array
                .as_any_dictionary_opt()
                .ok_or_else(|| unsupported(data_type))?;
            let key = match value_at(dictionary.keys(), row)? {
                Value::Integer(key) => usize::try_from(key).ok(),
                _ => None,
            };
            match key {
                Some(key) if key < dictionary.values().len() => {
                    value_at(dictionary.values().as_ref(), key)?
                }
                _ => {
                    return Err(Error::InvalidRequest(
                        "an Arrow dictionary key is out of range".to_owned(),
                    ));
                }
            }
        }
        DataType::Union(fields, _) => {
            let union = array.as_union_opt().ok_or_else(|| unsupported(data_type))?;
            let type_id = union.type_id(row);
            if !fields.iter().any(|(id, _)| id == type_id) {
                return Err(Error::InvalidRequest(format!(
                    "an Arrow union value names type id {type_id}, which the union does not have"
                )));
            }
            value_at(union.child(type_id).as_ref(), union.value_offset(row))?
        }
        _ => return Err(unsupported(data_type)),
    })
}

#[inline]
fn text(value: Option<&str>, data_type: &DataType) -> Result<Value> {
    value
        .map(|text| Value::Text(text.to_owned()))
        .ok_or_else(|| unsupported(data_type))
}

#[inline]
fn bytes(value: Option<&[u8]>, data_type: &DataType) -> Result<Value> {
    value
        .map(|bytes| Value::Binary(bytes.to_vec()))
        .ok_or_else(|| unsupported(data_type))
}

/// The rows of `batch`, each one value per column.
#[inline]
fn rows(batch: &RecordBatch) -> Result<Vec<Vec<Value>>> {
    let columns = batch.columns();
    (0..batch.num_rows())
        .map(|row| {
            columns
                .iter()
                .map(|column| value_at(column.as_ref(), row))
                .collect()
        })
        .collect()
}

/// The first row's value of the column `name` as text (an error rowset's message).
#[inline]
pub(super) fn first_text(batch: &RecordBatch, name: &str) -> Option<String> {
    let index = batch.schema_ref().index_of(name).ok()?;
    let array = batch.column(index);
    match guarded("read", || value_at(array.as_ref(), 0)).ok()? {
        Value::Null => None,
        Value::Text(text) => Some(text),
        other => Some(format!("{other:?}")),
    }
}

/// Runs a conversion of decoded (untrusted) Arrow data so that a panic in the arrow crates
/// becomes an error instead of unwinding into the caller.
pub(super) fn guarded<T>(what: &str, run: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_else(|_| {
        Err(Error::InvalidRequest(format!(
            "the Arrow data could not be {what}: the arrow crates refused it"
        )))
    })
}

impl Table {
    /// A table of one Arrow record batch: a column per field (its name, and the type family of
    /// its Arrow type: `int64` → `Integer`, `double` → `Double`, `decimal128` → `Decimal`,
    /// `date64` → `DateTime`, `utf8` and dictionary-encoded strings → `Text`, a dense union →
    /// `Variant`), a row per record. A type outside these fails with
    /// [`Error::InvalidRequest`](crate::Error::InvalidRequest) naming it.
    #[inline]
    pub fn from_record_batch(batch: &RecordBatch) -> Result<Table> {
        guarded("converted", || {
            Table::new(columns(batch.schema_ref()), rows(batch)?)
        })
    }
}

impl<W: std::io::Write> CsvWriter<W> {
    /// Writes every record of an Arrow batch whose columns are this writer's.
    pub fn write_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        for row in guarded("converted", || rows(batch))? {
            self.write_row(&row)?;
        }
        Ok(())
    }
}

impl<W: std::io::Write> JsonLinesWriter<W> {
    /// Writes every record of an Arrow batch whose columns are this writer's.
    pub fn write_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        for row in guarded("converted", || rows(batch))? {
            self.write_row(&row)?;
        }
        Ok(())
    }
}
