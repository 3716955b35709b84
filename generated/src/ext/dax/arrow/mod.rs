//! `execute_dax_queries`' Apache Arrow IPC answer, decoded as its bytes arrive.
//!
//! The answer is one or more concatenated Arrow IPC streams, one per `EVALUATE` statement (a
//! *result set*), each a schema then record batches (possibly LZ4-compressed). This module
//! frames the messages itself (continuation marker, metadata length, the metadata's
//! `bodyLength`), so that it can bound each message before holding it and start a new
//! stream after an end-of-stream marker, and hands each whole message to arrow-ipc's
//! push-based `StreamDecoder` (the async sibling of its `StreamReader`, which needs a blocking
//! `std::io::Read`). A stream whose schema metadata says `IsError = true` is the service
//! reporting a failure with `200 OK`: it becomes an [`Error::Api`].

mod values;

use std::future::Future;
use std::pin::Pin;

use arrow_array::RecordBatch;
use arrow_buffer::Buffer;
use arrow_ipc::reader::StreamDecoder;
use arrow_schema::SchemaRef;
use bytes::{Buf, Bytes, BytesMut};
use futures::{Stream, StreamExt};

use super::table::{Column, Table};
use crate::datasets::DatasetsClient;
use crate::models::DatasetExecuteDaxQueriesRequest;
use crate::runtime::{ApiError, Error, Result, Workspace};

const OPERATION: &str = "execute_dax_queries";

// A stream and its batches can be moved into spawned tasks.
const _: fn() = || {
    #[inline]
    fn send_static<T: Send + 'static>() {}
    send_static::<DaxStream>();
    send_static::<DaxBatch>();
};
const CONTINUATION: u32 = 0xFFFF_FFFF;

/// One record batch of a DAX answer, with the result set (the `EVALUATE` statement, from 0)
/// it belongs to.
#[derive(Debug, Clone)]
pub struct DaxBatch {
    result_set: usize,
    batch: RecordBatch,
}

impl DaxBatch {
    /// The result set (`EVALUATE` statement) this batch belongs to, counted from 0.
    #[inline]
    pub fn result_set(&self) -> usize {
        self.result_set
    }

    /// The record batch.
    #[inline]
    pub fn record_batch(&self) -> &RecordBatch {
        &self.batch
    }

    /// The record batch, owned.
    #[inline]
    pub fn into_record_batch(self) -> RecordBatch {
        self.batch
    }

    /// The batch's columns (names and types).
    #[inline]
    pub fn columns(&self) -> Vec<Column> {
        values::columns(self.batch.schema_ref())
    }

    /// The batch as a [`Table`] (see [`Table::from_record_batch`]).
    #[inline]
    pub fn to_table(&self) -> Result<Table> {
        Table::from_record_batch(&self.batch)
    }
}

/// What the framer found next in the answer.
enum Frame {
    /// A whole message: prefix, metadata and body.
    Message(Bytes),
    /// An end-of-stream marker: the next message starts another result set.
    EndOfStream,
    /// The answer ended between messages.
    End,
}

/// `execute_dax_queries`' answer, decoded batch by batch as its bytes arrive: at most one
/// message (the limit below) plus one transport chunk is held at a time, and each batch is
/// handed over as soon as its last byte is in.
///
/// Bounds: a message (a schema, dictionary or record batch, metadata and body) larger than the
/// limit (the request's response size limit, 128 MiB unless raised with
/// [`PowerBiClientBuilder::max_response_size`](crate::PowerBiClientBuilder::max_response_size))
/// fails with [`Error::ResponseTooLarge`] before it is read; [`into_tables`](Self::into_tables),
/// which keeps every batch, fails the same way past the limit in total. A malformed stream
/// (bad framing or metadata, a batch arrow-ipc refuses, an answer cut inside a message) fails
/// with [`Error::Decode`] naming the result set and message; after any error the stream ends.
pub struct DaxStream {
    source: Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>,
    request_id: Option<String>,
    limit: u64,
    pending: BytesMut,
    decoder: StreamDecoder,
    result_set: usize,
    /// Messages read in the current result set (for error messages).
    message: usize,
    schema_seen: bool,
    /// The schema of every result set so far (a `schemaOnly` answer has nothing else).
    schemas: Vec<SchemaRef>,
    error_rowset: bool,
    done: bool,
}

impl std::fmt::Debug for DaxStream {
    #[inline]
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DaxStream")
            .field("request_id", &self.request_id)
            .field("limit", &self.limit)
            .field("result_set", &self.result_set)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl DaxStream {
    /// Decodes an Arrow IPC answer from any source of chunks (a saved `.arrows` file, another
    /// transport), holding at most `limit` bytes of one message.
    pub fn from_chunks(
        chunks: impl Stream<Item = Result<Bytes>> + Send + 'static,
        limit: u64,
    ) -> Self {
        DaxStream {
            source: Box::pin(chunks),
            request_id: None,
            limit,
            pending: BytesMut::new(),
            decoder: StreamDecoder::new(),
            result_set: 0,
            message: 0,
            schema_seen: false,
            schemas: Vec::new(),
            error_rowset: false,
            done: false,
        }
    }

    /// The answer's `RequestId`, to quote to Microsoft.
    #[inline]
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The schema of the latest result set, once its first message is in.
    #[inline]
    pub fn schema(&self) -> Option<SchemaRef> {
        self.schemas.last().cloned()
    }

    /// The schemas of the result sets read so far, one per `EVALUATE` (after the last batch,
    /// all of them: the whole answer of a `schemaOnly` request).
    #[inline]
    pub fn schemas(&self) -> &[SchemaRef] {
        &self.schemas
    }

    /// The next record batch, `None` after the last; an error ends the stream.
    #[inline]
    pub async fn next_batch(&mut self) -> Result<Option<DaxBatch>> {
        if self.done {
            return Ok(None);
        }
        let next = self.advance().await;
        if !matches!(next, Ok(Some(_))) {
            self.done = true;
        }
        next
    }

    /// The batches as a [`Stream`] (`Send + 'static`, to move into a spawned task).
    #[inline]
    pub fn into_stream(self) -> impl Stream<Item = Result<DaxBatch>> + Send + 'static {
        futures::stream::unfold(self, |mut stream| async move {
            match stream.next_batch().await {
                Ok(Some(batch)) => Some((Ok(batch), stream)),
                Ok(None) => None,
                Err(error) => Some((Err(error), stream)),
            }
        })
    }

    /// Reads the whole answer into one [`Table`] per result set, within the limit in total.
    #[inline]
    pub async fn into_tables(mut self) -> Result<Vec<Table>> {
        let mut tables: Vec<Table> = Vec::new();
        let mut kept = 0u64;
        while let Some(batch) = self.next_batch().await? {
            kept = kept.saturating_add(batch.batch.get_array_memory_size() as u64);
            if kept > self.limit {
                return Err(self.too_large(None));
            }
            let table = batch.to_table()?;
            match tables.get_mut(batch.result_set) {
                Some(existing) => existing.append(table)?,
                None => {
                    tables.resize_with(batch.result_set, Table::default);
                    tables.push(table);
                }
            }
        }
        // A result set without batches (no rows, or `schemaOnly`) is its columns, no rows.
        for (index, schema) in self.schemas.iter().enumerate() {
            let empty = Table::new(values::columns(schema), Vec::new())?;
            match tables.get_mut(index) {
                Some(table) if table.columns().is_empty() => *table = empty,
                Some(_) => {}
                None => tables.push(empty),
            }
        }
        Ok(tables)
    }

    #[inline]
    async fn advance(&mut self) -> Result<Option<DaxBatch>> {
        loop {
            match self.frame().await? {
                Frame::Message(message) => {
                    self.message += 1;
                    if let Some(batch) = self.decode(message)? {
                        if self.error_rowset {
                            return Err(self.error_rowset_failure(Some(&batch)));
                        }
                        return Ok(Some(DaxBatch {
                            result_set: self.result_set,
                            batch,
                        }));
                    }
                    if !self.schema_seen
                        && let Some(schema) = self.decoder.schema()
                    {
                        self.schema_seen = true;
                        self.error_rowset = schema.metadata().iter().any(|(key, value)| {
                            key.eq_ignore_ascii_case("IsError")
                                && value.eq_ignore_ascii_case("true")
                        });
                        if !self.error_rowset {
                            self.schemas.push(schema);
                        }
                    }
                }
                Frame::EndOfStream => {
                    if self.error_rowset {
                        return Err(self.error_rowset_failure(None));
                    }
                    self.decoder = StreamDecoder::new();
                    if self.schema_seen {
                        self.result_set += 1;
                    }
                    self.schema_seen = false;
                    self.message = 0;
                }
                Frame::End => {
                    if self.error_rowset {
                        return Err(self.error_rowset_failure(None));
                    }
                    return Ok(None);
                }
            }
        }
    }

    /// The next whole message (or marker), reading chunks until it is in.
    #[inline]
    async fn frame(&mut self) -> Result<Frame> {
        loop {
            if let Some(frame) = self.split_frame()? {
                return Ok(frame);
            }
            match self.source.next().await {
                Some(chunk) => self.pending.extend_from_slice(&chunk?),
                None if self.pending.is_empty() => return Ok(Frame::End),
                None => {
                    return Err(self.malformed(format!(
                        "the answer ends inside a message ({} bytes of it)",
                        self.pending.len()
                    )));
                }
            }
        }
    }

    /// Splits the next whole message off `pending`, if it is all there; fails as soon as the
    /// prefix or metadata show it is malformed or over the limit.
    #[inline]
    fn split_frame(&mut self) -> Result<Option<Frame>> {
        let word = |at: usize, pending: &BytesMut| {
            pending
                .get(at..at + 4)
                .and_then(|bytes| <[u8; 4]>::try_from(bytes).ok())
                .map(u32::from_le_bytes)
        };
        let Some(first) = word(0, &self.pending) else {
            return Ok(None);
        };
        // An IPC message is `0xFFFFFFFF`, the metadata length, the metadata, the body; a
        // stream written before Arrow 0.15 leaves out the marker.
        let (prefix, length) = if first == CONTINUATION {
            match word(4, &self.pending) {
                Some(length) => (8usize, length),
                None => return Ok(None),
            }
        } else {
            (4usize, first)
        };
        if length == 0 {
            self.pending.advance(prefix);
            return Ok(Some(Frame::EndOfStream));
        }
        if u64::from(length) > self.limit {
            return Err(self.too_large(Some(u64::from(length))));
        }
        let metadata_end = prefix.saturating_add(length as usize);
        let Some(metadata) = self.pending.get(prefix..metadata_end) else {
            return Ok(None);
        };
        let body = match arrow_ipc::root_as_message(metadata) {
            Ok(message) => message.bodyLength(),
            Err(error) => {
                return Err(self.malformed(format!("unreadable message metadata: {error}")));
            }
        };
        let Ok(body) = u64::try_from(body) else {
            return Err(self.malformed(format!("a message declares a body of {body} bytes")));
        };
        let total = body.saturating_add(u64::from(length));
        if total > self.limit {
            return Err(self.too_large(Some(total)));
        }
        let Some(end) = usize::try_from(body)
            .ok()
            .and_then(|body| metadata_end.checked_add(body))
        else {
            return Err(self.too_large(Some(total)));
        };
        if self.pending.len() < end {
            return Ok(None);
        }
        // A compressed batch says how large each buffer inflates to, and arrow-ipc inflates
        // no further: refuse a message that would inflate past the limit (an LZ4 bomb).
        let inflated = declared_inflated_size(
            &self.pending[prefix..metadata_end],
            &self.pending[metadata_end..end],
        );
        if inflated > self.limit {
            return Err(self.too_large(Some(inflated)));
        }
        Ok(Some(Frame::Message(self.pending.split_to(end).freeze())))
    }

    /// Hands one whole message to the decoder: a batch, or `None` for a schema or dictionary.
    #[inline]
    fn decode(&mut self, message: Bytes) -> Result<Option<RecordBatch>> {
        let decoder = &mut self.decoder;
        let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut buffer = Buffer::from(message);
            let batch = decoder.decode(&mut buffer)?;
            if !buffer.is_empty() {
                return Err(arrow_schema::ArrowError::IpcError(format!(
                    "{} bytes of the message were not read",
                    buffer.len()
                )));
            }
            Ok(batch)
        }));
        match decoded {
            Ok(Ok(batch)) => Ok(batch),
            Ok(Err(error)) => Err(self.malformed_at(self.message, error.to_string())),
            Err(_) => Err(self.malformed_at(
                self.message,
                "the arrow crates refused the message".to_owned(),
            )),
        }
    }

    /// A malformed answer, at the message being read (`message` counted from 1 in its
    /// result set); the arrow crates' text is put on one line.
    #[inline]
    fn malformed_at(&self, message: usize, text: String) -> Error {
        Error::Decode {
            operation: OPERATION,
            path: format!("Arrow result set {}, message {message}", self.result_set),
            message: text.split_whitespace().collect::<Vec<_>>().join(" "),
            request_id: self.request_id.clone().unwrap_or_else(|| "-".to_owned()),
        }
    }

    /// A malformed message that is being framed (not yet counted).
    #[inline]
    fn malformed(&self, text: String) -> Error {
        self.malformed_at(self.message + 1, text)
    }

    #[inline]
    fn too_large(&self, declared: Option<u64>) -> Error {
        Error::ResponseTooLarge {
            operation: OPERATION,
            host: "the Arrow answer".to_owned(),
            limit: self.limit,
            declared,
        }
    }

    /// The service's failure, from the error rowset's schema metadata (`FaultCode`,
    /// `FaultString`) or its `ErrorCode` and `ErrorMessage` columns.
    #[inline]
    fn error_rowset_failure(&self, batch: Option<&RecordBatch>) -> Error {
        let schema = self.decoder.schema();
        let metadata = |key: &str| {
            schema.as_ref().and_then(|schema| {
                (schema.metadata().iter())
                    .find(|(name, _)| name.eq_ignore_ascii_case(key))
                    .map(|(_, value)| value.clone())
            })
        };
        let column = |name: &str| batch.and_then(|batch| values::first_text(batch, name));
        Error::Api(Box::new(ApiError::in_answer(
            OPERATION,
            "POST executeDaxQueries".to_owned(),
            metadata("FaultCode").or_else(|| column("ErrorCode")),
            metadata("FaultString")
                .or_else(|| column("ErrorMessage"))
                .unwrap_or_else(|| {
                    "the query failed (an error rowset without a message)".to_owned()
                }),
            self.request_id.clone(),
        )))
    }
}

/// The bytes a compressed record or dictionary batch declares its buffers inflate to (each
/// compressed buffer starts with its uncompressed length, `-1` for one sent uncompressed); 0
/// for any other message, whose size is its body's.
#[inline]
fn declared_inflated_size(metadata: &[u8], body: &[u8]) -> u64 {
    let Ok(message) = arrow_ipc::root_as_message(metadata) else {
        return 0;
    };
    let batch = (message.header_as_record_batch()).or_else(|| {
        message
            .header_as_dictionary_batch()
            .and_then(|batch| batch.data())
    });
    let Some(batch) = batch.filter(|batch| batch.compression().is_some()) else {
        return 0;
    };
    let buffers = batch.buffers().into_iter().flatten();
    buffers.fold(0u64, |total, buffer| {
        let start = usize::try_from(buffer.offset()).unwrap_or(usize::MAX);
        let prefix = start
            .checked_add(8)
            .and_then(|end| body.get(start..end))
            .and_then(|bytes| <[u8; 8]>::try_from(bytes).ok())
            .map(i64::from_le_bytes);
        let size = match prefix {
            Some(-1) => buffer.length().saturating_sub(8),
            Some(size) => size,
            None => 0,
        };
        total.saturating_add(u64::try_from(size).unwrap_or(0))
    })
}

impl DatasetsClient<'_> {
    /// [`execute_dax_queries`](Self::execute_dax_queries), its Arrow answer decoded as it
    /// arrives: the returned [`DaxStream`] yields each record batch as soon as its bytes are
    /// in (see there for the bounds and errors). The future and the stream are `Send + 'static`.
    pub fn execute_dax_queries_stream(
        &self,
        workspace: impl Into<Workspace>,
        dataset_id: &str,
        body: &DatasetExecuteDaxQueriesRequest,
    ) -> impl Future<Output = Result<DaxStream>> + Send + 'static {
        let request = self
            .execute_dax_queries_download(workspace, dataset_id, body)
            .header("Accept", &"application/vnd.apache.arrow.stream");
        async move {
            let limit = request.response_size_limit();
            let bytes = request.send_streaming().await?;
            let request_id = bytes.request_id().map(str::to_owned);
            let mut stream = DaxStream::from_chunks(bytes, limit);
            stream.request_id = request_id;
            Ok(stream)
        }
    }
}
