//! `pbi workflow refresh-all`: refresh every refreshable dataset of a workspace, wait for all
//! of them, and report each outcome (exit 4 when any ended other than completed).

use std::time::Instant;

use clap::{ArgMatches, Command};
use futures::future::join_all;
use powerbi::Workspace;
use serde_json::{Value, json};

use crate::failure::Failure;
use crate::session::Session;

/// The `workflow refresh-all` command.
pub fn command() -> Command {
    Command::new("refresh-all")
        .about("Refresh every dataset of a workspace and report the outcomes")
        .long_about(
            "Start a refresh of every refreshable dataset of --workspace, wait for all of them \
             and print one row per dataset (its id, name, outcome and time taken). Exits 4 when \
             any refresh ended other than Completed. Needs Dataset.ReadWrite.All.",
        )
        .arg(super::workspace_arg())
        .args(super::job_args())
}

/// Refreshes and reports.
pub async fn run(session: &Session, args: &ArgMatches) -> Result<(), Failure> {
    let given = args
        .get_one::<String>("workspace")
        .map(String::as_str)
        .unwrap_or_default();
    let workspace: Workspace = crate::call::resolve_workspace(session, given).await?;
    let datasets = session.client.datasets().list_datasets(workspace).await?;
    let refreshable: Vec<_> = datasets
        .into_iter()
        .filter(|dataset| dataset.is_refreshable != Some(false))
        .collect();
    let bar = crate::progress::spinner(format!("refresh-all: {} datasets", refreshable.len()));
    let started = Instant::now();
    let refreshes = refreshable.iter().map(|dataset| async {
        let name = dataset.name.clone().unwrap_or_default();
        let outcome = refresh(session, args, workspace, &dataset.id).await;
        let seconds = started.elapsed().as_secs();
        match outcome {
            Ok((status, id)) => json!({
                "dataset": dataset.id, "name": name, "status": status,
                "request_id": id, "seconds": seconds,
            }),
            Err(failure) => json!({
                "dataset": dataset.id, "name": name, "status": "Error",
                "error": failure.message, "seconds": seconds,
            }),
        }
    });
    let rows = join_all(refreshes).await;
    bar.finish_and_clear();
    let failed = rows
        .iter()
        .filter(|row| row["status"] != "Completed")
        .count();
    session.output.print(&Value::Array(rows))?;
    if failed > 0 {
        return Err(Failure::job_failed(format!(
            "refresh-all: {failed} of {} refreshes did not complete",
            refreshable.len()
        )));
    }
    Ok(())
}

/// One refresh, started and waited on: its final status and request id.
async fn refresh(
    session: &Session,
    args: &ArgMatches,
    workspace: Workspace,
    dataset: &str,
) -> Result<(String, Option<String>), Failure> {
    let job = session
        .client
        .datasets()
        .refresh_dataset_job(workspace, dataset, None)
        .await?;
    let mut job = super::tune(job, args);
    let status = job.wait().await?;
    Ok((status.status, job.id().map(str::to_owned)))
}
