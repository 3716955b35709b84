//! Tables from `executeQueries`' JSON answer, its columns in the order the service sent them.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use super::table::{Column, ColumnType, Table, Value, merge};
use crate::models::DatasetExecuteQueriesResponse;
use crate::runtime::ApiError;
use crate::runtime::{Error, JsonValue, Result};

/// A JSON value whose objects keep their keys in the order they came (serde_json's own map
/// sorts them, and the column order of a DAX answer is the query's).
#[derive(Debug)]
pub(super) enum Ordered {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Ordered>),
    Object(Vec<(String, Ordered)>),
}

impl Ordered {
    #[inline]
    fn get(&self, key: &str) -> Option<&Ordered> {
        match self {
            Ordered::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    #[inline]
    fn items(&self) -> &[Ordered] {
        match self {
            Ordered::Array(items) => items,
            _ => &[],
        }
    }

    #[inline]
    fn text(&self) -> Option<String> {
        match self {
            Ordered::String(text) => Some(text.clone()),
            _ => None,
        }
    }
}

impl<'de> de::Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OrderedVisitor)
    }
}

struct OrderedVisitor;

impl<'de> Visitor<'de> for OrderedVisitor {
    type Value = Ordered;

    #[inline]
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Ordered, E> {
        Ok(Ordered::Null)
    }
    fn visit_bool<E>(self, value: bool) -> Result<Ordered, E> {
        Ok(Ordered::Bool(value))
    }
    fn visit_i64<E>(self, value: i64) -> Result<Ordered, E> {
        Ok(Ordered::Number(value.into()))
    }
    fn visit_u64<E>(self, value: u64) -> Result<Ordered, E> {
        Ok(Ordered::Number(value.into()))
    }
    fn visit_f64<E>(self, value: f64) -> Result<Ordered, E> {
        Ok(serde_json::Number::from_f64(value).map_or(Ordered::Null, Ordered::Number))
    }
    fn visit_str<E>(self, value: &str) -> Result<Ordered, E> {
        Ok(Ordered::String(value.to_owned()))
    }
    fn visit_string<E>(self, value: String) -> Result<Ordered, E> {
        Ok(Ordered::String(value))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Ordered::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
        let mut entries: Vec<(String, Ordered)> = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Ordered>()? {
            entries.push((key, value));
        }
        Ok(Ordered::Object(entries))
    }
}

/// A cell of a JSON row: null, a boolean, a whole number that fits `i64`, another number, a
/// string; an array or object (which the service does not send) is kept as its JSON text.
#[inline]
fn cell(value: &Ordered) -> Value {
    match value {
        Ordered::Null => Value::Null,
        Ordered::Bool(value) => Value::Boolean(*value),
        Ordered::Number(number) => match number.as_i64() {
            Some(whole) => Value::Integer(whole),
            None => number.as_f64().map_or(Value::Null, Value::Double),
        },
        Ordered::String(text) => Value::Text(text.clone()),
        Ordered::Array(_) | Ordered::Object(_) => Value::Text(json_text(value)),
    }
}

#[inline]
fn json_text(value: &Ordered) -> String {
    match value {
        Ordered::Null => "null".to_owned(),
        Ordered::Bool(value) => value.to_string(),
        Ordered::Number(number) => number.to_string(),
        Ordered::String(text) => JsonValue::String(text.clone()).to_string(),
        Ordered::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(json_text).collect::<Vec<_>>().join(",")
            )
        }
        Ordered::Object(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(key, value)| format!(
                    "{}:{}",
                    JsonValue::String(key.clone()),
                    json_text(value)
                ))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

impl Table {
    /// A table from JSON rows (each a list of `(column name, value)` in the answer's order),
    /// with the types inferred, since `executeQueries` does not send them:
    ///
    /// - columns in the order they first appear (a row leaves out a null cell unless
    ///   `includeNulls` is set, so a column first met in a later row comes after the others);
    ///   a cell a row leaves out is [`Value::Null`];
    /// - a cell is `Boolean`, `Integer` (a whole number within `i64`), `Double` (any other
    ///   number), `Text` (a string: dates stay text, as the service sends them) or `Null`;
    /// - a column's type is that of its non-null cells: `Integer` and `Double` together make
    ///   `Double` (and the whole numbers become doubles), any other mix `Variant` (each cell
    ///   keeps its own type), no non-null cell `Null`.
    pub fn from_json_rows<'a, R, C>(rows: R) -> Table
    where
        R: IntoIterator<Item = C>,
        C: IntoIterator<Item = (&'a str, Value)>,
    {
        let mut columns: Vec<Column> = Vec::new();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut cells: Vec<Vec<(usize, Value)>> = Vec::new();
        for row in rows {
            let mut row_cells = Vec::new();
            for (name, value) in row {
                let at = *index.entry(name.to_owned()).or_insert_with(|| {
                    columns.push(Column::new(name, ColumnType::Null));
                    columns.len() - 1
                });
                columns[at].column_type = merge(columns[at].column_type, value.column_type());
                row_cells.push((at, value));
            }
            cells.push(row_cells);
        }
        let rows = cells
            .into_iter()
            .map(|row_cells| {
                let mut row = vec![Value::Null; columns.len()];
                for (at, value) in row_cells {
                    row[at] = match (columns[at].column_type, value) {
                        (ColumnType::Double, Value::Integer(whole)) => Value::Double(whole as f64),
                        (_, value) => value,
                    };
                }
                row
            })
            .collect();
        Table { columns, rows }
    }

    /// The first table of a decoded `executeQueries` answer. The model's rows are maps sorted
    /// by column name, so the columns come sorted by name; [`execute_queries_table`](crate::datasets::DatasetsClient::execute_queries_table)
    /// keeps the answer's order. An error in the answer (which the service sends with
    /// `200 OK`, for example when a query asks for more than one table or too many rows) is an
    /// [`Error::Api`].
    #[inline]
    pub fn from_response(response: &DatasetExecuteQueriesResponse) -> Result<Table> {
        let failure = |error: &crate::models::DatasetExecuteQueriesError| {
            answer_error(error.code.clone(), error.message.clone(), None)
        };
        if let Some(error) = &response.error {
            return Err(failure(error));
        }
        let result = response
            .results
            .as_ref()
            .and_then(|results| results.first());
        if let Some(error) = result.and_then(|result| result.error.as_ref()) {
            return Err(failure(error));
        }
        let table = result
            .and_then(|result| result.tables.as_ref())
            .and_then(|tables| tables.first());
        if let Some(error) = table.and_then(|table| table.error.as_ref()) {
            return Err(failure(error));
        }
        let rows = table.and_then(|table| table.rows.as_ref());
        let ordered: Vec<Vec<(&str, Value)>> = rows
            .into_iter()
            .flatten()
            .map(|row| {
                row.iter()
                    .map(|(name, value)| (name.as_str(), cell(&to_ordered(value))))
                    .collect()
            })
            .collect();
        Ok(Table::from_json_rows(ordered))
    }
}

#[inline]
fn to_ordered(value: &JsonValue) -> Ordered {
    match value {
        JsonValue::Null => Ordered::Null,
        JsonValue::Bool(value) => Ordered::Bool(*value),
        JsonValue::Number(number) => Ordered::Number(number.clone()),
        JsonValue::String(text) => Ordered::String(text.clone()),
        JsonValue::Array(items) => Ordered::Array(items.iter().map(to_ordered).collect()),
        JsonValue::Object(map) => Ordered::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), to_ordered(value)))
                .collect(),
        ),
    }
}

/// An error the service reported inside a successful (`200`) answer.
#[inline]
pub(super) fn answer_error(
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
) -> Error {
    Error::Api(Box::new(ApiError::in_answer(
        "execute_queries",
        "POST executeQueries".to_owned(),
        code,
        message.unwrap_or_else(|| {
            "the query failed (the answer carries an error and no message)".to_owned()
        }),
        request_id,
    )))
}

/// The first table of a raw `executeQueries` answer, its columns in the answer's order.
#[inline]
pub(super) fn table_from_answer(body: &[u8], request_id: Option<String>) -> Result<Table> {
    let decode = |path: &str, message: String| Error::Decode {
        operation: "execute_queries",
        path: path.to_owned(),
        message,
        request_id: request_id.clone().unwrap_or_else(|| "-".to_owned()),
    };
    // The service may start its answer with a UTF-8 byte order mark.
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let answer: Ordered =
        serde_json::from_slice(body).map_err(|error| decode("", error.to_string()))?;
    if !matches!(answer, Ordered::Object(_)) {
        return Err(decode("", "expected a JSON object".to_owned()));
    }
    let error_of = |at: Option<&Ordered>| {
        at.filter(|error| !matches!(error, Ordered::Null))
            .map(|error| {
                answer_error(
                    error.get("code").and_then(Ordered::text),
                    error.get("message").and_then(Ordered::text),
                    request_id.clone(),
                )
            })
    };
    let result = answer
        .get("results")
        .and_then(|results| results.items().first());
    let table = result
        .and_then(|result| result.get("tables"))
        .and_then(|tables| tables.items().first());
    for at in [
        answer.get("error"),
        result.and_then(|r| r.get("error")),
        table.and_then(|t| t.get("error")),
    ] {
        if let Some(error) = error_of(at) {
            return Err(error);
        }
    }
    let Some(table) = table else {
        return Err(decode(
            "results[0].tables[0]",
            "the answer has no result table".to_owned(),
        ));
    };
    let rows = match table.get("rows") {
        None | Some(Ordered::Null) => &[][..],
        Some(Ordered::Array(rows)) => rows,
        Some(_) => {
            return Err(decode(
                "results[0].tables[0].rows",
                "expected a list of rows".to_owned(),
            ));
        }
    };
    let mut ordered = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        let Ordered::Object(entries) = row else {
            return Err(decode(
                &format!("results[0].tables[0].rows[{index}]"),
                "expected an object (column name → value)".to_owned(),
            ));
        };
        ordered.push(
            entries
                .iter()
                .map(|(name, value)| (name.as_str(), cell(value)))
                .collect::<Vec<_>>(),
        );
    }
    Ok(Table::from_json_rows(ordered))
}
