//! `pbi workflow scan`: the whole tenant's metadata (the scanner API) to a folder of JSON
//! files, one per batch, within the scanner's limits: batches of at most 100 workspaces, at
//! most 16 scans in flight, as `AdminClient::scan_workspaces` runs them. It follows the same
//! steps (`get_modified_workspaces`, then per batch `post_workspace_info_job`, `wait`,
//! `scan_result`) rather than calling it, because resuming needs what that stream does not
//! give: which batch each result is and a way to skip finished ones.
//!
//! Resumable: `scan-state.json` in the folder lists the batches and which are done; each
//! batch's file (`batch-0007.json`) is written through a `.partial` file and only then
//! marked done, so an interrupted or failed run, started again, scans only what is left.

use std::path::{Path, PathBuf};

use clap::{Arg, ArgAction, ArgMatches, Command};
use futures::StreamExt;
use powerbi::DateTime;
use powerbi::admin::{GetModifiedWorkspacesOptions, PostWorkspaceInfoOptions};
use powerbi::models::RequiredWorkspaces;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::failure::Failure;
use crate::session::Session;
use crate::transfer::PartialFile;

/// The state file's name in the folder.
pub const STATE_FILE: &str = "scan-state.json";
/// Workspaces per scan, at most (the scanner's limit).
const MAX_BATCH: usize = 100;
/// Scans in flight, at most (the scanner's limit).
const MAX_IN_FLIGHT: usize = 16;

/// The `workflow scan` command.
pub fn command() -> Command {
    Command::new("scan")
        .about("Scan the whole tenant to a folder of JSON files, resumable")
        .long_about(
            "Scan every workspace (admin scanner API) to --folder: one JSON file per batch of at \
             most 100 workspaces, at most 16 scans in flight. scan-state.json in the folder \
             records the batches and which are done: after an interruption or a failure, the \
             same command scans only the batches left. Needs Tenant.Read.All (an admin, or a \
             service principal with read-only admin API access); --dataset-schema and \
             --dataset-expressions need the tenant's metadata scanning settings.",
        )
        .arg(
            Arg::new("folder")
                .long("folder")
                .required(true)
                .value_name("DIR")
                .help("The folder of batch files and scan-state.json (created if missing)"),
        )
        .arg(
            Arg::new("modified-since")
                .long("modified-since")
                .value_name("DATE")
                .help("Only workspaces modified since (30 minutes to 30 days ago), UTC"),
        )
        .arg(
            Arg::new("batch-size")
                .long("batch-size")
                .value_name("N")
                .value_parser(clap::value_parser!(u16).range(1..=MAX_BATCH as i64))
                .help("Workspaces per scan, 1 to 100 [default: 100]"),
        )
        .args(flag(
            "lineage",
            "Lineage (upstream dataflows, tiles, data source ids)",
        ))
        .args(flag("datasource-details", "Data source details"))
        .args(flag(
            "dataset-schema",
            "Dataset schemas (tables, columns, measures)",
        ))
        .args(flag(
            "dataset-expressions",
            "Dataset expressions (DAX and M)",
        ))
        .args(flag("artifact-users", "The users of each item"))
        .args(super::job_args())
}

fn flag(name: &'static str, help: &'static str) -> [Arg; 1] {
    [Arg::new(name)
        .long(name)
        .action(ArgAction::SetTrue)
        .help(help)]
}

/// The batches and which are done, as `scan-state.json` holds them.
#[derive(Debug)]
struct State {
    path: PathBuf,
    value: Value,
}

impl State {
    async fn load(folder: &Path) -> Result<Option<State>, Failure> {
        let path = folder.join(STATE_FILE);
        match tokio::fs::read(&path).await {
            Ok(bytes) => {
                let value: Value = serde_json::from_slice(&bytes).map_err(|error| {
                    Failure::other(format!("{}: not a scan state: {error}", path.display()))
                })?;
                if !value["batches"].is_array() {
                    return Err(Failure::other(format!("{}: no batches", path.display())));
                }
                Ok(Some(State { path, value }))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(Failure::other(format!("{}: {error}", path.display()))),
        }
    }

    /// Writes the state (through a `.partial` file, so a crash never leaves half of it).
    async fn save(&self) -> Result<(), Failure> {
        let mut file = PartialFile::create(&self.path).await?;
        let bytes = serde_json::to_vec_pretty(&self.value)
            .map_err(|error| Failure::other(error.to_string()))?;
        file.file().write_all(&bytes).await.map_err(|error| {
            Failure::other(format!("cannot write {}: {error}", self.path.display()))
        })?;
        file.commit().await
    }

    fn batches(&self) -> &[Value] {
        self.value["batches"].as_array().map_or(&[], Vec::as_slice)
    }

    fn mark_done(&mut self, index: usize) {
        if let Some(batch) = self.value["batches"].get_mut(index) {
            batch["done"] = json!(true);
        }
    }
}

/// Scans what is left and reports the folder.
pub async fn run(session: &Session, args: &ArgMatches) -> Result<(), Failure> {
    let folder = PathBuf::from(
        args.get_one::<String>("folder")
            .map(String::as_str)
            .unwrap_or("."),
    );
    tokio::fs::create_dir_all(&folder)
        .await
        .map_err(|error| Failure::other(format!("{}: {error}", folder.display())))?;
    let mut state = match State::load(&folder).await? {
        Some(state) => state,
        None => plan(session, args, &folder).await?,
    };
    // A resumed scan asks for what the first run asked for, so every batch file holds the same.
    if state.value["info"] != info_flags(args) {
        return Err(Failure::usage(format!(
            "{}: this scan was started with other flags ({}); give the same, or use another folder",
            folder.join(STATE_FILE).display(),
            state.value["info"]
        )));
    }
    let pending: Vec<(usize, Vec<String>)> = state
        .batches()
        .iter()
        .enumerate()
        .filter(|(_, batch)| batch["done"] != json!(true))
        .map(|(index, batch)| (index, ids(batch)))
        .collect();
    let total = state.batches().len();
    let bar = crate::progress::spinner(format!(
        "scan: {} of {total} batches done",
        total - pending.len()
    ));
    let options = info_options(args);
    let mut scans = futures::stream::iter(pending)
        .map(|(index, workspaces)| {
            let options = options.clone();
            let folder = folder.clone();
            async move {
                let result = scan_batch(session, args, options, &workspaces, &folder, index).await;
                (index, result)
            }
        })
        .buffer_unordered(MAX_IN_FLIGHT);
    let mut failures: Vec<Failure> = Vec::new();
    while let Some((index, result)) = scans.next().await {
        match result {
            Ok(()) => {
                state.mark_done(index);
                state.save().await?;
            }
            Err(failure) => failures.push(failure),
        }
        let done = state
            .batches()
            .iter()
            .filter(|batch| batch["done"] == json!(true))
            .count();
        bar.set_message(format!("scan: {done} of {total} batches done"));
    }
    bar.finish_and_clear();
    let done = state
        .batches()
        .iter()
        .filter(|batch| batch["done"] == json!(true))
        .count();
    if let Some(first) = failures.into_iter().next() {
        return Err(Failure {
            code: first.code,
            message: format!(
                "scan: {done} of {total} batches done, the rest failed (first: {}); run the same command again to scan only what is left",
                first.message
            ),
        });
    }
    session.output.print(&json!({
        "folder": folder.display().to_string(),
        "batches": total,
        "workspaces": state.batches().iter().map(|batch| ids(batch).len()).sum::<usize>(),
        "state": folder.join(STATE_FILE).display().to_string(),
    }))
}

fn ids(batch: &Value) -> Vec<String> {
    batch["workspaces"]
        .as_array()
        .map(|ids| {
            ids.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The first run: the workspaces to scan, in batches, saved before any scan starts.
async fn plan(session: &Session, args: &ArgMatches, folder: &Path) -> Result<State, Failure> {
    let mut options = GetModifiedWorkspacesOptions::default();
    if let Some(text) = args.get_one::<String>("modified-since") {
        let since = DateTime::parse(text)
            .or_else(|| DateTime::parse(&format!("{text}T00:00:00Z")))
            .ok_or_else(|| Failure::usage(format!("--modified-since: '{text}' is not a date")))?;
        options = options.modified_since(since);
    }
    let workspaces = session
        .client
        .admin()
        .get_modified_workspaces(options)
        .await?;
    let size = args
        .get_one::<u16>("batch-size")
        .map_or(MAX_BATCH, |size| usize::from(*size));
    let batches: Vec<Value> = workspaces
        .chunks(size.clamp(1, MAX_BATCH))
        .enumerate()
        .map(|(index, chunk)| {
            json!({
                "file": batch_file(index),
                "done": false,
                "workspaces": chunk.iter().map(|workspace| workspace.id.to_string()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let state = State {
        path: folder.join(STATE_FILE),
        value: json!({"version": 1, "info": info_flags(args), "batches": batches}),
    };
    state.save().await?;
    Ok(state)
}

fn batch_file(index: usize) -> String {
    format!("batch-{index:04}.json")
}

/// The flags that decide what each scan returns, as the state file records them.
fn info_flags(args: &ArgMatches) -> Value {
    let flags: serde_json::Map<String, Value> = INFO_FLAGS
        .iter()
        .map(|name| ((*name).to_owned(), json!(args.get_flag(name))))
        .collect();
    Value::Object(flags)
}

const INFO_FLAGS: [&str; 5] = [
    "lineage",
    "datasource-details",
    "dataset-schema",
    "dataset-expressions",
    "artifact-users",
];

fn info_options(args: &ArgMatches) -> PostWorkspaceInfoOptions {
    let mut options = PostWorkspaceInfoOptions::default();
    let set = |name: &str| args.get_flag(name).then_some(true);
    options.lineage = set("lineage");
    options.datasource_details = set("datasource-details");
    options.dataset_schema = set("dataset-schema");
    options.dataset_expressions = set("dataset-expressions");
    options.get_artifact_users = set("artifact-users");
    options
}

/// One batch: start the scan, wait for it, write its result to the batch's file.
async fn scan_batch(
    session: &Session,
    args: &ArgMatches,
    options: PostWorkspaceInfoOptions,
    workspaces: &[String],
    folder: &Path,
    index: usize,
) -> Result<(), Failure> {
    let ids = workspaces
        .iter()
        .map(|id| {
            id.parse()
                .map_err(|_| Failure::other(format!("{STATE_FILE}: '{id}' is not a workspace id")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let body = RequiredWorkspaces {
        workspaces: Some(ids),
        ..Default::default()
    };
    let job = session
        .client
        .admin()
        .post_workspace_info_job(&body, options)
        .await?;
    let mut job = super::tune(job, args);
    let status = job.wait().await?;
    if !status.succeeded() {
        return Err(Failure::job_failed(format!(
            "scan {} (batch {index}) ended {}",
            job.id().unwrap_or("-"),
            status.status
        )));
    }
    let result: Value = job.scan_result().await?;
    let path = folder.join(batch_file(index));
    let mut file = PartialFile::create(&path).await?;
    let bytes = serde_json::to_vec(&result).map_err(|error| Failure::other(error.to_string()))?;
    file.file()
        .write_all(&bytes)
        .await
        .map_err(|error| Failure::other(format!("cannot write {}: {error}", path.display())))?;
    file.commit().await
}
