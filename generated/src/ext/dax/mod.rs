//! DAX query results as data: a [`Table`] of named, typed columns and rows, written to CSV or
//! JSON Lines, from either query operation.
//!
//! - `executeQueries` (JSON, every capacity): [`DatasetsClient::execute_queries_table`] sends
//!   it and reads the answer's rows in the order the service sent their columns. The answer
//!   says no types, so they are inferred from the values ([`Table::from_json_rows`] says how).
//! - `executeDaxQueries` (Apache Arrow IPC, Premium and Fabric capacities), with the `arrow`
//!   feature: `DatasetsClient::execute_dax_queries_stream` decodes the answer's record
//!   batches as its bytes arrive, typed as the service sends them, and
//!   `Table::from_record_batch` and the writers' `write_batch` take them.
//!
//! The writers ([`CsvWriter`], [`JsonLinesWriter`]) take any [`std::io::Write`] and write a
//! row at a time, so a streamed answer is written batch by batch.
//!
//! Why the Arrow operation is `response: binary` in the spec and this layer hand-written: the
//! generated `execute_dax_queries` (whole answer, within the response size limit) and
//! `execute_dax_queries_download` (to a writer or file) already carry the bytes; decoding
//! Arrow needs the arrow crates, which only this optional layer should pull in, so the spec and
//! generator gain no Arrow concept and a build without the feature compiles none of it.

#[cfg(feature = "arrow")]
mod arrow;
mod json;
mod table;
#[cfg(test)]
mod tests;
mod write;

#[cfg(feature = "arrow")]
pub use arrow::{DaxBatch, DaxStream};
pub use table::{Column, ColumnType, Decimal, Table, Value};
pub use write::{CsvWriter, JsonLinesWriter};
/// The arrow crates the batches are made of, so that a user needs no dependency of the same
/// version to read a [`DaxBatch`] (feature `arrow`).
#[cfg(feature = "arrow")]
pub use {arrow_array, arrow_schema};

use std::future::Future;

use crate::datasets::DatasetsClient;
use crate::models::DatasetExecuteQueriesRequest;
use crate::runtime::{Result, Workspace};

impl DatasetsClient<'_> {
    /// [`execute_queries`](Self::execute_queries), answered as a [`Table`]: the first table of
    /// the answer, its columns in the order the service sent them and their types inferred
    /// from the values ([`Table::from_json_rows`]). An error the service reports inside a
    /// `200 OK` answer (more than one table, too many rows) is an [`Error::Api`](crate::Error::Api)
    /// with status 200, not a partial table; a body that is not the documented JSON is an
    /// [`Error::Decode`](crate::Error::Decode). The answer is read within the client's
    /// response size limit.
    pub fn execute_queries_table(
        &self,
        workspace: impl Into<Workspace>,
        dataset_id: &str,
        body: &DatasetExecuteQueriesRequest,
    ) -> impl Future<Output = Result<Table>> + Send + 'static {
        let request = self
            .client
            .request(&crate::datasets::operations::EXECUTE_QUERIES)
            .workspace(workspace.into())
            .path_param("datasetId", &dataset_id)
            .json_body(body);
        async move {
            let (body, request_id) = request.send_body().await?;
            json::table_from_answer(&body, request_id)
        }
    }
}
