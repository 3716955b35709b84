//! Hostile and edge inputs of the table layer, without a server (the end-to-end tests in
//! `tests/e2e/tests/e2e/dax.rs` drive the operations against the sandbox).

use super::json::table_from_answer;
use super::table::{ColumnType, Decimal, Table, Value};
use crate::runtime::Error;

#[test]
fn decimals_print_exactly() {
    let cases = [
        (1_234_500, 4, "123.4500"),
        (-5, 1, "-0.5"),
        (7, 3, "0.007"),
        (12, -2, "1200"),
        (0, -2, "0"),
        (0, 4, "0.0000"),
        (i128::MIN, 0, "-170141183460469231731687303715884105728"),
    ];
    for (mantissa, scale, text) in cases {
        assert_eq!(Decimal { mantissa, scale }.to_string(), text);
    }
}

#[test]
fn malformed_json_answers_are_decode_errors_naming_the_place() {
    let cases: [(&[u8], &str); 6] = [
        (b"", ""),
        (b"{\"results\": [", ""),
        (b"[1, 2]", ""),
        (b"{\"results\": []}", "results[0].tables[0]"),
        (
            b"{\"results\": [{\"tables\": [{\"rows\": 3}]}]}",
            "results[0].tables[0].rows",
        ),
        (
            b"{\"results\": [{\"tables\": [{\"rows\": [1]}]}]}",
            "results[0].tables[0].rows[0]",
        ),
    ];
    for (body, at) in cases {
        match table_from_answer(body, Some("req-1".to_owned())) {
            Err(Error::Decode {
                path, request_id, ..
            }) => {
                assert_eq!(path, at, "{}", String::from_utf8_lossy(body));
                assert_eq!(request_id, "req-1");
            }
            other => panic!("{}: {other:?}", String::from_utf8_lossy(body)),
        }
    }
    // Nesting past serde_json's recursion limit is an error, not a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(
        table_from_answer(deep.as_bytes(), None),
        Err(Error::Decode { .. })
    ));
}

#[test]
fn an_error_inside_a_200_answer_is_the_services_error() {
    let body = br#"{"results":[{"tables":[{"rows":[{"T[a]":1}]}],"error":{"code":"DatasetExecuteQueriesError","message":"More than one result table in a query"}}]}"#;
    match table_from_answer(body, None) {
        Err(Error::Api(api)) => {
            assert_eq!(api.status, 200);
            assert_eq!(api.code.as_deref(), Some("DatasetExecuteQueriesError"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn json_types_are_inferred_per_column() {
    let body = "\u{FEFF}{\"results\":[{\"tables\":[{\"rows\":[\
        {\"[b]\":\"x\",\"[a]\":1,\"[m]\":1,\"[n]\":null,\"[t]\":true},\
        {\"[b]\":\"y\",\"[a]\":2.5,\"[m]\":\"one\",\"[t]\":false,\"[late]\":18446744073709551615}]}]}]}";
    let table = table_from_answer(body.as_bytes(), None).expect("a table");
    let types: Vec<_> = table
        .columns()
        .iter()
        .map(|column| (column.name.as_str(), column.column_type))
        .collect();
    assert_eq!(
        types,
        [
            ("[b]", ColumnType::Text),
            ("[a]", ColumnType::Double),
            ("[m]", ColumnType::Variant),
            ("[n]", ColumnType::Null),
            ("[t]", ColumnType::Boolean),
            ("[late]", ColumnType::Double),
        ]
    );
    assert_eq!(table.rows()[0][1], Value::Double(1.0));
    assert_eq!(table.rows()[0][5], Value::Null);
    assert_eq!(table.rows()[1][2], Value::Text("one".into()));
}

#[test]
fn rows_must_fit_the_columns() {
    let columns = vec![super::Column::new("[a]", ColumnType::Integer)];
    assert!(Table::new(columns.clone(), vec![vec![]]).is_err());
    let mut csv = super::CsvWriter::new(Vec::new(), &columns).unwrap();
    assert!(csv.write_row(&[Value::Null, Value::Null]).is_err());
}

#[cfg(feature = "arrow")]
mod arrow {
    use bytes::Bytes;
    use futures::stream;

    use super::super::DaxStream;
    use crate::runtime::{Error, Result};

    fn stream_of(chunks: Vec<Vec<u8>>, limit: u64) -> DaxStream {
        let chunks: Vec<Result<Bytes>> = chunks.into_iter().map(|c| Ok(Bytes::from(c))).collect();
        DaxStream::from_chunks(stream::iter(chunks), limit)
    }

    async fn first_error(chunks: Vec<Vec<u8>>, limit: u64) -> Error {
        let mut stream = stream_of(chunks, limit);
        loop {
            match stream.next_batch().await {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("no error"),
                Err(error) => return error,
            }
        }
    }

    #[tokio::test]
    async fn hostile_framing_is_an_error_not_an_allocation() {
        // A metadata length of 4 GiB - 2: refused before anything is read.
        let error = first_error(
            vec![vec![0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF]],
            1 << 20,
        )
        .await;
        assert!(
            matches!(
                error,
                Error::ResponseTooLarge {
                    declared: Some(4_294_967_294),
                    ..
                }
            ),
            "{error}"
        );
        // Metadata that is no flatbuffer.
        let mut garbage = vec![0xFF, 0xFF, 0xFF, 0xFF, 8, 0, 0, 0];
        garbage.extend_from_slice(&[0x7F; 8]);
        let error = first_error(vec![garbage], 1 << 20).await;
        assert!(matches!(error, Error::Decode { .. }), "{error}");
        // An answer that stops inside the prefix.
        let error = first_error(vec![vec![0xFF, 0xFF, 0xFF]], 1 << 20).await;
        assert!(
            error.to_string().contains("ends inside a message"),
            "{error}"
        );
        // An empty answer, or one end-of-stream marker, has no batches and no error.
        for chunks in [vec![], vec![vec![0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]]] {
            assert!(
                stream_of(chunks, 1 << 20)
                    .next_batch()
                    .await
                    .unwrap()
                    .is_none()
            );
        }
    }

    /// A compressed batch whose buffer declares it inflates to 1 TiB is refused before
    /// arrow-ipc inflates anything.
    #[tokio::test]
    async fn a_batch_declaring_a_huge_inflated_size_is_refused() {
        use std::sync::Arc;

        use arrow_array::{Int64Array, RecordBatch};
        use arrow_ipc::CompressionType;
        use arrow_ipc::writer::{IpcWriteOptions, StreamWriter};
        use arrow_schema::{DataType, Field, Schema};

        let schema = Arc::new(Schema::new(vec![Field::new("[n]", DataType::Int64, false)]));
        let options = IpcWriteOptions::default()
            .try_with_compression(Some(CompressionType::LZ4_FRAME))
            .unwrap();
        let mut writer = StreamWriter::try_new_with_options(Vec::new(), &schema, options).unwrap();
        let column = Arc::new(Int64Array::from(vec![1, 2, 3]));
        writer
            .write(&RecordBatch::try_new(schema.clone(), vec![column]).unwrap())
            .unwrap();
        let mut bytes = writer.into_inner().unwrap();
        // The stream is: schema message, batch message. Find the batch's first buffer.
        let mut at = 0;
        loop {
            let length = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
            let message = arrow_ipc::root_as_message(&bytes[at + 8..at + 8 + length]).unwrap();
            let body_start = at + 8 + length;
            if let Some(batch) = message.header_as_record_batch() {
                let buffer = batch
                    .buffers()
                    .unwrap()
                    .iter()
                    .find(|b| b.length() >= 8)
                    .unwrap();
                let start = body_start + buffer.offset() as usize;
                bytes[start..start + 8].copy_from_slice(&(1i64 << 40).to_le_bytes());
                break;
            }
            at = body_start + message.bodyLength() as usize;
        }
        let error = first_error(vec![bytes], 1 << 20).await;
        assert!(
            matches!(error, Error::ResponseTooLarge { declared: Some(size), .. } if size >= 1 << 40),
            "{error}"
        );
    }
}
