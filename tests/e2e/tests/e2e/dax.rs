//! DAX results as data: `executeQueries`' JSON answer as a typed table, CSV and JSON Lines
//! written exactly, and `executeDaxQueries`' Arrow answer decoded batch by batch as it streams
//! from the sandbox (several batches and result sets), with hostile answers as errors.

use futures::StreamExt;
use powerbi::Error;
use powerbi::ext::dax::{Column, ColumnType, CsvWriter, DaxStream, JsonLinesWriter, Table, Value};
use powerbi::models::{
    DatasetExecuteDaxQueriesRequest, DatasetExecuteQueriesQuery, DatasetExecuteQueriesRequest,
};
use powerbi_sandbox::demo;

use crate::common::*;

fn json_query(text: &str) -> DatasetExecuteQueriesRequest {
    DatasetExecuteQueriesRequest {
        queries: vec![DatasetExecuteQueriesQuery {
            query: text.to_owned(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn dax_query(text: &str) -> DatasetExecuteDaxQueriesRequest {
    DatasetExecuteDaxQueriesRequest {
        query: text.to_owned(),
        ..Default::default()
    }
}

/// The sandbox's query table in CSV, as both answers must give it.
const SALES_CSV: &str = "Sales[Region],Sales[Year],Sales[Revenue],Sales[Target]\r\n\
    West,2024,125000.5,120000\r\n\
    East,2024,98250.25,110000\r\n\
    North,2024,40100,\r\n";

/// The same table in JSON Lines.
const SALES_JSONL: &str = "\
{\"Sales[Region]\":\"West\",\"Sales[Year]\":2024,\"Sales[Revenue]\":125000.5,\"Sales[Target]\":120000}\n\
{\"Sales[Region]\":\"East\",\"Sales[Year]\":2024,\"Sales[Revenue]\":98250.25,\"Sales[Target]\":110000}\n\
{\"Sales[Region]\":\"North\",\"Sales[Year]\":2024,\"Sales[Revenue]\":40100,\"Sales[Target]\":null}\n";

fn sales_columns() -> Vec<Column> {
    vec![
        Column::new("Sales[Region]", ColumnType::Text),
        Column::new("Sales[Year]", ColumnType::Integer),
        Column::new("Sales[Revenue]", ColumnType::Double),
        Column::new("Sales[Target]", ColumnType::Integer),
    ]
}

fn csv(table: &Table) -> String {
    String::from_utf8(table.write_csv(Vec::new()).expect("csv")).expect("utf-8")
}

fn json_lines(table: &Table) -> String {
    String::from_utf8(table.write_json_lines(Vec::new()).expect("jsonl")).expect("utf-8")
}

#[tokio::test]
async fn the_json_answer_is_a_table_in_the_answers_column_order_with_inferred_types() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let table = client
        .datasets()
        .execute_queries_table(
            sales(),
            demo::SALES_DATASET_ID,
            &json_query("EVALUATE 'Sales'"),
        )
        .await
        .expect("the table");
    // The sandbox leaves North's null target out of its row (no includeNulls): it is Null.
    assert_eq!(table.columns(), sales_columns());
    assert_eq!(
        table.rows()[2],
        [
            Value::Text("North".into()),
            Value::Integer(2024),
            Value::Double(40100.0),
            Value::Null
        ]
    );
    assert_eq!(table.column_index("Revenue"), Some(2));
    assert_eq!(table.columns()[0].short_name(), "Region");

    // From the decoded model, whose rows are sorted maps: the same cells, columns by name.
    let answer = client
        .datasets()
        .execute_queries(
            sales(),
            demo::SALES_DATASET_ID,
            &json_query("EVALUATE 'Sales'"),
        )
        .await
        .expect("the answer");
    let sorted = Table::from_response(&answer).expect("the table");
    let names: Vec<&str> = sorted.columns().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Sales[Region]",
            "Sales[Revenue]",
            "Sales[Target]",
            "Sales[Year]"
        ]
    );
    assert_eq!(sorted.rows()[0][1], Value::Double(125000.5));

    // A query the service refuses is its error, not a table.
    let error = client
        .datasets()
        .execute_queries_table(sales(), demo::SALES_DATASET_ID, &json_query("SELECT 1"))
        .await
        .expect_err("a refused query");
    assert!(
        matches!(&error, Error::Api(api) if api.status == 400),
        "{error}"
    );
}

#[tokio::test]
async fn csv_and_json_lines_are_written_exactly() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let table = client
        .datasets()
        .execute_queries_table(
            sales(),
            demo::SALES_DATASET_ID,
            &json_query("EVALUATE 'Sales'"),
        )
        .await
        .expect("the table");
    assert_eq!(csv(&table), SALES_CSV);
    assert_eq!(json_lines(&table), SALES_JSONL);

    // RFC 4180 quoting: a field with a comma, a quote, CR or LF is quoted, quotes doubled.
    let awkward = Table::new(
        vec![
            Column::new("Name, full", ColumnType::Text),
            Column::new("Note", ColumnType::Variant),
        ],
        vec![
            vec![
                Value::Text("say \"hi\"".into()),
                Value::Text("two\nlines".into()),
            ],
            vec![Value::Text("plain".into()), Value::Boolean(true)],
            vec![Value::Null, Value::Double(f64::NAN)],
        ],
    )
    .expect("a table");
    assert_eq!(
        csv(&awkward),
        "\"Name, full\",Note\r\n\"say \"\"hi\"\"\",\"two\nlines\"\r\nplain,true\r\n,NaN\r\n"
    );
    assert_eq!(
        json_lines(&awkward),
        "{\"Name, full\":\"say \\\"hi\\\"\",\"Note\":\"two\\nlines\"}\n\
         {\"Name, full\":\"plain\",\"Note\":true}\n\
         {\"Name, full\":null,\"Note\":null}\n"
    );
}

#[tokio::test]
async fn arrow_batches_stream_one_at_a_time_across_result_sets() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    // Two EVALUATE statements: two concatenated IPC streams of one batch per row each.
    let mut stream = client
        .datasets()
        .execute_dax_queries_stream(
            sales(),
            demo::SALES_DATASET_ID,
            &dax_query("EVALUATE 'Sales' EVALUATE 'Sales'"),
        )
        .await
        .expect("the stream");
    assert!(stream.request_id().is_some());
    let mut csv_out = None::<CsvWriter<Vec<u8>>>;
    let mut jsonl_out = None::<JsonLinesWriter<Vec<u8>>>;
    let mut result_sets = Vec::new();
    while let Some(batch) = stream.next_batch().await.expect("a batch") {
        assert_eq!(batch.record_batch().num_rows(), 1);
        result_sets.push(batch.result_set());
        if batch.result_set() == 0 {
            let columns = batch.columns();
            assert_eq!(
                columns,
                sales_columns(),
                "Arrow types, dictionary strings as text"
            );
            let csv = csv_out.get_or_insert_with(|| CsvWriter::new(Vec::new(), &columns).unwrap());
            csv.write_batch(batch.record_batch()).expect("csv");
            let jsonl = jsonl_out.get_or_insert_with(|| JsonLinesWriter::new(Vec::new(), &columns));
            jsonl.write_batch(batch.record_batch()).expect("jsonl");
        }
    }
    assert_eq!(result_sets, [0, 0, 0, 1, 1, 1]);
    // The Arrow answer writes exactly what the JSON answer does.
    let csv = csv_out.expect("batches").into_inner().expect("flush");
    assert_eq!(String::from_utf8(csv).unwrap(), SALES_CSV);
    let jsonl = jsonl_out.expect("batches").into_inner().expect("flush");
    assert_eq!(String::from_utf8(jsonl).unwrap(), SALES_JSONL);
    assert!(stream.next_batch().await.expect("the end").is_none());
}

#[tokio::test]
async fn a_batch_is_handed_over_before_the_answer_ends() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    // The sandbox sends the schema and first batch, then keeps the answer open: only a
    // decoder that works as bytes arrive returns the batch. (The timeout only turns a hang
    // into a failure; nothing measures time.)
    let mut stream = client
        .datasets()
        .execute_dax_queries_stream(
            sales(),
            demo::SALES_DATASET_ID,
            &dax_query("EVALUATE 'Stalled'"),
        )
        .await
        .expect("the stream");
    let first = tokio::time::timeout(std::time::Duration::from_secs(120), stream.next_batch())
        .await
        .expect("the first batch while the answer is still open")
        .expect("a batch")
        .expect("not the end");
    assert_eq!(
        first.to_table().expect("a table").rows()[0][0],
        Value::Text("West".into())
    );
}

#[tokio::test]
async fn arrow_tables_equal_the_json_table_and_the_request_options_apply() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let datasets = client.datasets();
    let json = datasets
        .execute_queries_table(
            sales(),
            demo::SALES_DATASET_ID,
            &json_query("EVALUATE 'Sales'"),
        )
        .await
        .expect("the JSON table");
    let tables = datasets
        .execute_dax_queries_stream(
            sales(),
            demo::SALES_DATASET_ID,
            &dax_query("EVALUATE 'Sales'"),
        )
        .await
        .expect("the stream")
        .into_tables()
        .await
        .expect("the tables");
    assert_eq!(tables, [json]);
    let schema_only = DatasetExecuteDaxQueriesRequest {
        schema_only: Some(true),
        ..dax_query("EVALUATE 'Sales' EVALUATE 'Sales'")
    };
    let empty = datasets
        .execute_dax_queries_stream(sales(), demo::SALES_DATASET_ID, &schema_only)
        .await
        .expect("the stream")
        .into_tables()
        .await
        .expect("the tables");
    assert_eq!(empty.len(), 2, "one table per result set");
    assert!(
        empty
            .iter()
            .all(|table| table.columns() == sales_columns() && table.rows().is_empty())
    );

    // resultSetRowCountLimit: two rows, so two batches; schemaOnly: none. As a Stream, spawned.
    let limited = DatasetExecuteDaxQueriesRequest {
        result_set_row_count_limit: Some(2),
        ..dax_query("EVALUATE 'Sales'")
    };
    let stream = datasets
        .execute_dax_queries_stream(sales(), demo::SALES_DATASET_ID, &limited)
        .await
        .expect("the stream")
        .into_stream();
    let batches = tokio::spawn(stream.collect::<Vec<_>>())
        .await
        .expect("the task");
    assert_eq!(batches.len(), 2);
    assert!(batches.iter().all(Result::is_ok));
    let schema_only = DatasetExecuteDaxQueriesRequest {
        schema_only: Some(true),
        ..dax_query("EVALUATE 'Sales'")
    };
    let mut stream = datasets
        .execute_dax_queries_stream(sales(), demo::SALES_DATASET_ID, &schema_only)
        .await
        .expect("the stream");
    assert!(stream.next_batch().await.expect("no batch").is_none());
    assert_eq!(stream.schemas().len(), 1);
    assert_eq!(stream.schema().map(|schema| schema.fields().len()), Some(4));

    // My workspace has no such dataset: the service's 404, before any stream.
    let error = datasets
        .execute_dax_queries_stream(
            powerbi::Workspace::My,
            "no-such-dataset",
            &dax_query("EVALUATE 'Sales'"),
        )
        .await
        .expect_err("no dataset");
    assert!(
        matches!(&error, Error::Api(api) if api.status == 404 || api.status == 403),
        "{error}"
    );
}

#[tokio::test]
async fn a_malformed_arrow_stream_is_an_error_after_the_batches_before_it() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    for (query, expected) in [
        ("EVALUATE 'Truncated'", "ends inside a message"),
        ("EVALUATE 'Garbage'", "metadata"),
    ] {
        let mut stream = client
            .datasets()
            .execute_dax_queries_stream(sales(), demo::SALES_DATASET_ID, &dax_query(query))
            .await
            .expect("the stream");
        let first = stream.next_batch().await.expect("the first batch is whole");
        assert!(
            first.is_some(),
            "{query}: the batch before the fault arrives"
        );
        let error = stream.next_batch().await.expect_err("a malformed stream");
        let text = error.to_string();
        assert!(matches!(error, Error::Decode { .. }), "{query}: {text}");
        assert!(
            text.contains(expected) && text.contains("execute_dax_queries"),
            "{query}: {text}"
        );
        assert!(!text.contains('\n'), "one line: {text}");
        assert!(
            stream.next_batch().await.expect("ended").is_none(),
            "an error ends the stream"
        );
    }
}

#[tokio::test]
async fn an_error_rowset_is_the_services_error() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let mut stream = client
        .datasets()
        .execute_dax_queries_stream(sales(), demo::SALES_DATASET_ID, &dax_query("SELECT 1"))
        .await
        .expect("200 OK");
    let error = stream.next_batch().await.expect_err("an error rowset");
    let api = api_error(error);
    assert_eq!(api.status, 200);
    assert_eq!(api.code.as_deref(), Some("0xC1000000"));
    assert!(
        api.message.as_deref().is_some_and(|m| m.contains("syntax")),
        "{api}"
    );
}

#[tokio::test]
async fn a_message_over_the_limit_is_refused_before_it_is_read() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let request = client
        .datasets()
        .execute_dax_queries_download(
            sales(),
            demo::SALES_DATASET_ID,
            &dax_query("EVALUATE 'Sales'"),
        )
        .max_response_size(64);
    let limit = request.response_size_limit();
    assert_eq!(limit, 64);
    let mut stream = DaxStream::from_chunks(request.send_streaming().await.expect("sent"), limit);
    let error = stream.next_batch().await.expect_err("over the limit");
    assert!(
        matches!(error, Error::ResponseTooLarge { limit: 64, declared: Some(declared), .. } if declared > 64),
        "{error}"
    );
}
