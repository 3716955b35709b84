//! Workflows admins run weekly, as first-class commands (`pbi workflow NAME`): each is made of
//! the same operations as the generated commands, sent through the same client.

mod activity;
mod export;
mod refresh;
mod scan;

use clap::{Arg, ArgMatches, Command};
use powerbi::runtime::Operation;

use crate::failure::Failure;
use crate::session::Session;

/// The workflows: name, summary, the operations each runs (category, operation).
const WORKFLOWS: &[(&str, &[(&str, &str)])] = &[
    ("activity", &[("admin", "get-activity-events")]),
    (
        "scan",
        &[
            ("admin", "get-modified-workspaces"),
            ("admin", "post-workspace-info"),
            ("admin", "get-scan-status"),
            ("admin", "get-scan-result"),
        ],
    ),
    (
        "refresh-all",
        &[
            ("datasets", "list-datasets"),
            ("datasets", "refresh-dataset"),
            ("datasets", "get-refresh-history"),
        ],
    ),
    (
        "export-report",
        &[
            ("reports", "export-to-file"),
            ("reports", "get-export-to-file-status"),
            ("reports", "get-file-of-export-to-file"),
        ],
    ),
];

/// The operations workflow `name` runs (for `pbi scopes workflow NAME`).
pub fn operations(name: &str) -> Result<Vec<&'static Operation>, Failure> {
    let (_, steps) = WORKFLOWS
        .iter()
        .find(|(workflow, _)| *workflow == name)
        .ok_or_else(|| {
            Failure::usage(format!("no workflow `{name}`; see `pbi workflow --help`"))
        })?;
    Ok(steps
        .iter()
        .filter_map(|(category, operation)| crate::commands::find(None, category, operation))
        .collect())
}

/// The `workflow` command.
pub fn command() -> Command {
    Command::new("workflow")
        .about("Weekly admin workflows: activity to a file, tenant scan, refresh all, export")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(activity::command())
        .subcommand(scan::command())
        .subcommand(refresh::command())
        .subcommand(export::command())
}

/// Runs `pbi workflow NAME ...`.
pub async fn run(session: &Session, args: &ArgMatches) -> Result<(), Failure> {
    match args.subcommand() {
        Some(("activity", args)) => activity::run(session, args).await,
        Some(("scan", args)) => scan::run(session, args).await,
        Some(("refresh-all", args)) => refresh::run(session, args).await,
        Some(("export-report", args)) => export::run(session, args).await,
        _ => Err(Failure::usage("pbi workflow: see `pbi workflow --help`")),
    }
}

/// `--workspace`, required.
fn workspace_arg() -> Arg {
    Arg::new("workspace")
        .long("workspace")
        .short('w')
        .value_name("ID|NAME")
        .required(true)
        .help("The workspace, by id or by name")
}

/// `--timeout` and `--poll-interval` of the jobs a workflow waits on.
fn job_args() -> [Arg; 2] {
    [
        Arg::new("timeout")
            .long("timeout")
            .value_name("DURATION")
            .value_parser(crate::wait::parse_duration)
            .help("Give up waiting on a job after this long (90s, 10m, 2h) [default: its kind's limit]"),
        Arg::new("poll-interval")
            .long("poll-interval")
            .value_name("DURATION")
            .value_parser(crate::wait::parse_duration)
            .help("Time between polls (a longer Retry-After wins) [default: 5s]"),
    ]
}

/// A job with the workflow's `--timeout` and `--poll-interval`.
fn tune(mut job: powerbi::runtime::Job, args: &ArgMatches) -> powerbi::runtime::Job {
    if let Some(interval) = args.get_one::<std::time::Duration>("poll-interval") {
        job = job.poll_interval(*interval);
    }
    if let Some(timeout) = args.get_one::<std::time::Duration>("timeout") {
        job = job.timeout(*timeout);
    }
    job
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_workflow_names_operations_that_exist() {
        for (name, steps) in WORKFLOWS {
            assert_eq!(operations(name).unwrap().len(), steps.len(), "{name}");
        }
    }
}
