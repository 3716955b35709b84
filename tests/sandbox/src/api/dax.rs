//! DAX queries' one result table, answered as JSON rows (`executeQueries`, in `datasets.rs`)
//! and as Apache Arrow IPC (`executeDaxQueries`, here), so both answers carry the same data.
//!
//! `executeDaxQueries` answers one Arrow IPC stream per `EVALUATE` statement, each the query
//! table in one record batch per row (LZ4-compressed, strings dictionary-encoded, as the
//! service sends them), written to the wire in small chunks so that messages span chunks.
//! A query that does not start with `EVALUATE` or `DEFINE` is answered as the service answers
//! a failing query: `200 OK` with an error rowset (`IsError = true`). Two test hooks make the
//! answer hostile: a statement naming `'Truncated'` cuts the answer inside its second batch;
//! one naming `'Garbage'` follows its first batch with bytes that are no Arrow message. And
//! `'Stalled'` sends the schema and first batch, then keeps the answer open without another
//! byte: a client that waits for the whole answer before decoding never sees that batch.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_ipc::CompressionType;
use arrow_ipc::writer::{IpcWriteOptions, StreamWriter};
use arrow_schema::{DataType, Field, Schema};
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::StreamExt;
use serde::Deserialize;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use super::extract::{Body, Params};
use super::in_both;
use crate::app::App;
use crate::auth::{Caller, Need, WorkspaceRef, open_workspace};
use crate::scopes::DATASET_READ;
use crate::wire::ApiError;

/// The `executeDaxQueries` route, in both the My-workspace and the group variant.
pub(super) fn routes() -> Router<App> {
    in_both(
        Router::new(),
        "/datasets/{dataset_id}/executeDaxQueries",
        post(execute_dax_queries),
    )
}

/// One row of the query table: region, year, revenue, target (null in one row).
type Row = (&'static str, i64, f64, Option<i64>);

/// The query table every DAX query returns, in the columns' order.
const COLUMNS: [&str; 4] = [
    "Sales[Region]",
    "Sales[Year]",
    "Sales[Revenue]",
    "Sales[Target]",
];
const ROWS: [Row; 3] = [
    ("West", 2024, 125_000.5, Some(120_000)),
    ("East", 2024, 98_250.25, Some(110_000)),
    ("North", 2024, 40_100.0, None),
];

/// A JSON row whose keys keep the table's column order on the wire (serde_json's own map
/// would sort them), as the service sends them.
struct JsonRow(Vec<(&'static str, Value)>);

impl Serialize for JsonRow {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// `executeQueries`' answer: the query table as rows whose keys keep the columns' order.
#[derive(serde::Serialize)]
pub(super) struct JsonAnswer {
    results: [JsonResult; 1],
}

#[derive(serde::Serialize)]
struct JsonResult {
    tables: [JsonTable; 1],
}

#[derive(serde::Serialize)]
struct JsonTable {
    rows: Vec<JsonRow>,
}

/// The answer to any `executeQueries` query; a null cell is left out unless `include_nulls`.
pub(super) fn json_answer(include_nulls: bool) -> JsonAnswer {
    JsonAnswer {
        results: [JsonResult {
            tables: [JsonTable {
                rows: json_rows(include_nulls),
            }],
        }],
    }
}

fn json_rows(include_nulls: bool) -> Vec<JsonRow> {
    ROWS.iter()
        .map(|(region, year, revenue, target)| {
            let cells = [
                Value::from(*region),
                Value::from(*year),
                Value::from(*revenue),
                target.map_or(Value::Null, Value::from),
            ];
            JsonRow(
                COLUMNS
                    .into_iter()
                    .zip(cells)
                    .filter(|(_, value)| include_nulls || !value.is_null())
                    .collect(),
            )
        })
        .collect()
}

/// Body of `POST .../executeDaxQueries`, as Microsoft documents it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DaxQueryRequest {
    query: String,
    #[serde(rename = "queryTimeout")]
    _query_timeout: Option<i64>,
    result_set_row_count_limit: Option<i64>,
    schema_only: Option<bool>,
    #[serde(rename = "effectiveUsername")]
    _effective_username: Option<String>,
    #[serde(rename = "roles")]
    _roles: Option<Vec<String>>,
    #[serde(rename = "customData")]
    _custom_data: Option<String>,
    #[serde(rename = "culture")]
    _culture: Option<String>,
}

#[derive(Deserialize)]
struct DatasetPath {
    group_id: Option<String>,
    dataset_id: String,
}

/// How large the pieces of the answer are on the wire.
const CHUNK: usize = 97;

/// `POST .../datasets/{datasetId}/executeDaxQueries`.
async fn execute_dax_queries(
    State(app): State<App>,
    Caller(principal): Caller,
    Params(path): Params<DatasetPath>,
    Body(request): Body<DaxQueryRequest>,
) -> Result<Response, ApiError> {
    {
        let mut state = app.lock();
        let addressed = WorkspaceRef::from_group(path.group_id);
        let workspace =
            open_workspace(&mut state, &principal, &addressed, DATASET_READ, Need::Read)?;
        workspace
            .dataset(&path.dataset_id)
            .ok_or(ApiError::EntityNotFound)?;
    }
    let first_word = request.query.split_whitespace().next().unwrap_or_default();
    let body = if ["EVALUATE", "DEFINE"]
        .iter()
        .any(|keyword| first_word.eq_ignore_ascii_case(keyword))
    {
        let limit = request
            .result_set_row_count_limit
            .and_then(|limit| usize::try_from(limit).ok())
            .unwrap_or(usize::MAX);
        let rows = if request.schema_only == Some(true) {
            0
        } else {
            limit
        };
        statements(&request.query)
            .iter()
            .flat_map(|statement| result_set(statement, rows))
            .collect()
    } else {
        error_rowset(first_word)
    };
    let stalled = request.query.contains("'Stalled'");
    let body: Vec<u8> = if stalled { first_batch_only() } else { body };
    let chunks: Vec<Result<Vec<u8>, Infallible>> =
        body.chunks(CHUNK).map(|chunk| Ok(chunk.to_vec())).collect();
    let chunks = futures::stream::iter(chunks);
    let body = if stalled {
        axum::body::Body::from_stream(chunks.chain(futures::stream::pending()))
    } else {
        axum::body::Body::from_stream(chunks)
    };
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/vnd.apache.arrow.stream")],
        body,
    )
        .into_response())
}

/// The query's `EVALUATE` statements (at least one; a `DEFINE` part belongs to the first).
fn statements(query: &str) -> Vec<String> {
    let mut statements: Vec<String> = Vec::new();
    for word in query.split_whitespace() {
        match statements.last_mut() {
            Some(last) if !word.eq_ignore_ascii_case("EVALUATE") => {
                last.push(' ');
                last.push_str(word);
            }
            _ => statements.push(word.to_owned()),
        }
    }
    if statements.len() > 1 && !statements[0].to_ascii_uppercase().starts_with("EVALUATE") {
        statements.remove(0);
    }
    statements
}

fn schema() -> Arc<Schema> {
    let text = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    Arc::new(Schema::new(vec![
        Field::new(COLUMNS[0], text, false),
        Field::new(COLUMNS[1], DataType::Int64, false),
        Field::new(COLUMNS[2], DataType::Float64, false),
        Field::new(COLUMNS[3], DataType::Int64, true),
    ]))
}

fn batch(schema: &Arc<Schema>, row: &Row) -> RecordBatch {
    let (region, year, revenue, target) = *row;
    let region: DictionaryArray<Int32Type> = [region].into_iter().collect();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(region),
        Arc::new(Int64Array::from(vec![year])),
        Arc::new(Float64Array::from(vec![revenue])),
        Arc::new(Int64Array::from(vec![target])),
    ];
    RecordBatch::try_new(schema.clone(), columns).expect("the query table fits its schema")
}

fn writer(schema: &Schema) -> StreamWriter<Vec<u8>> {
    let options = IpcWriteOptions::default()
        .try_with_compression(Some(CompressionType::LZ4_FRAME))
        .expect("LZ4 is compiled in");
    StreamWriter::try_new_with_options(Vec::new(), schema, options).expect("an IPC stream writer")
}

/// One statement's Arrow IPC stream: the query table, one batch per row, at most `rows` rows.
fn result_set(statement: &str, rows: usize) -> Vec<u8> {
    let schema = schema();
    let mut writer = writer(&schema);
    let mut cut = None;
    for (index, row) in ROWS.iter().take(rows).enumerate() {
        writer.write(&batch(&schema, row)).expect("write a batch");
        let written = writer.get_ref().len();
        if statement.contains("'Garbage'") && index == 0 {
            let mut bytes = writer.get_ref().clone();
            bytes.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0x10, 0, 0, 0]);
            bytes.extend_from_slice(b"not an IPC message");
            return bytes;
        }
        if statement.contains("'Truncated'") && index == 1 {
            cut = Some(written - 5);
        }
    }
    writer.finish().expect("finish the stream");
    let mut bytes = writer.into_inner().expect("the stream");
    if let Some(cut) = cut {
        bytes.truncate(cut);
    }
    bytes
}

/// The schema and first batch of the query table's stream, without an end.
fn first_batch_only() -> Vec<u8> {
    let schema = schema();
    let mut writer = writer(&schema);
    writer
        .write(&batch(&schema, &ROWS[0]))
        .expect("write a batch");
    writer.get_ref().clone()
}

/// The error rowset the service answers (with `200 OK`) for a query it cannot run.
fn error_rowset(first_word: &str) -> Vec<u8> {
    let message = format!("Query (1, 1) The syntax for '{first_word}' is incorrect.");
    let metadata = HashMap::from([
        ("IsError".to_owned(), "true".to_owned()),
        ("FaultCode".to_owned(), "0xC1000000".to_owned()),
        ("FaultString".to_owned(), message.clone()),
    ]);
    let schema = Arc::new(
        Schema::new(vec![
            Field::new("ErrorCode", DataType::Utf8, false),
            Field::new("ErrorMessage", DataType::Utf8, false),
        ])
        .with_metadata(metadata),
    );
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec!["0xC1000000"])),
        Arc::new(StringArray::from(vec![message])),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).expect("the error rowset");
    let mut writer = writer(&schema);
    writer.write(&batch).expect("write the error rowset");
    writer.finish().expect("finish the stream");
    writer.into_inner().expect("the stream")
}
