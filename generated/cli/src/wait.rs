//! `--wait`: a long-running operation started through the library's [`Job`] and followed to
//! its end, with a spinner and the elapsed time on a terminal, `--timeout`, and Ctrl-C that
//! cancels what the service lets a client cancel (an enhanced refresh, a Fabric job instance)
//! and otherwise says that the work goes on at the service.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches};
use indicatif::ProgressBar;
use powerbi::runtime::{Job, JobStatus, LongRunning, Operation, RequestBuilder};
use serde_json::Value;

use crate::failure::Failure;
use crate::interrupt::HandledInside;
use crate::transfer::PartialFile;
use crate::{output, progress, transfer};

/// The flags of a long-running operation.
pub fn args() -> [Arg; 3] {
    [
        Arg::new("wait")
            .long("wait")
            .action(ArgAction::SetTrue)
            .help("Follow the job to its end (a spinner and the elapsed time on a terminal)"),
        Arg::new("timeout")
            .long("timeout")
            .value_name("DURATION")
            .requires("wait")
            .value_parser(parse_duration)
            .help("Give up waiting after this long (90s, 10m, 2h) [default: the job kind's limit]"),
        Arg::new("poll-interval")
            .long("poll-interval")
            .value_name("DURATION")
            .requires("wait")
            .value_parser(parse_duration)
            .help("Time between polls (a longer Retry-After wins) [default: 5s]"),
    ]
}

/// `90`, `90s`, `250ms`, `10m`, `2h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|character: char| !character.is_ascii_digit() && character != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (90s, 10m, 2h)"))?;
    let seconds = match unit {
        "" | "s" => number,
        "ms" => number / 1000.0,
        "m" | "min" => number * 60.0,
        "h" => number * 3600.0,
        _ => return Err(format!("'{text}': the unit is ms, s, m or h")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("'{text}' is out of range"))
}

/// Starts `operation` as a job, waits for its end and writes its last status (or, for an
/// export with `--out-file`, the exported file).
pub async fn run(
    output: &output::Output,
    operation: &'static Operation,
    request: RequestBuilder,
    args: &ArgMatches,
    upload: Option<ProgressBar>,
) -> Result<(), Failure> {
    if args.get_one::<String>("out-file").is_some() && operation.long_running != LongRunning::Export
    {
        return Err(Failure::usage(
            "--out-file with --wait saves an export's file; this job has none (drop --wait to save the answer)",
        ));
    }
    let job = Job::start(request, operation.long_running).await?;
    if let Some(bar) = upload {
        bar.finish_and_clear();
    }
    let mut job = match args.get_one::<Duration>("poll-interval") {
        Some(interval) => job.poll_interval(*interval),
        None => job,
    };
    if let Some(timeout) = args.get_one::<Duration>("timeout") {
        job = job.timeout(*timeout);
    }
    let status = follow(&mut job, operation.name).await?;
    if !status.succeeded() {
        return Err(Failure::job_failed(format!(
            "{}: the job{} ended {}{}",
            operation.name,
            job.id().map(|id| format!(" {id}")).unwrap_or_default(),
            status.status,
            failure_detail(&status.body)
        )));
    }
    if let Some(path) = args.get_one::<String>("out-file")
        && operation.long_running == LongRunning::Export
    {
        return save_export(output, &mut job, PathBuf::from(path)).await;
    }
    // A Fabric operation's status is its state: print its result where it has one.
    if operation.long_running == LongRunning::FabricOperation && operation.response != "none" {
        return output.print_answer(&job.result_bytes().await?);
    }
    output.print(&status.body)
}

/// Polls with a spinner until the job ends, Ctrl-C, or the time limit.
pub async fn follow(job: &mut Job, name: &str) -> Result<JobStatus, Failure> {
    let bar = progress::spinner(format!("{name}: started"));
    let waited = {
        let _ctrl_c = HandledInside::new();
        tokio::select! {
            status = job.wait_with(|status| bar.set_message(describe(name, status))) => Some(status),
            _ = tokio::signal::ctrl_c() => None,
        }
    };
    match waited {
        Some(Ok(status)) => {
            if status.succeeded() {
                bar.finish_with_message(describe(name, &status));
            } else {
                bar.abandon_with_message(describe(name, &status));
            }
            Ok(status)
        }
        Some(Err(error)) => {
            bar.abandon();
            Err(error.into())
        }
        None => {
            bar.abandon_with_message(format!("{name}: interrupted"));
            Err(interrupted(job, name).await)
        }
    }
}

/// Cancels the job where the service allows it, and says what became of it.
async fn interrupted(job: &Job, name: &str) -> Failure {
    let id = job.id().unwrap_or("-");
    let cancelled = match tokio::time::timeout(Duration::from_secs(10), job.cancel()).await {
        Ok(Ok(())) => true,
        Ok(Err(_)) | Err(_) => false,
    };
    if cancelled {
        Failure::interrupted(format!("interrupted: {name} job {id} was cancelled"))
    } else {
        Failure::interrupted(format!(
            "interrupted: stopped waiting; {name} job {id} goes on at the service (it cannot be cancelled from here)"
        ))
    }
}

/// `refresh_dataset: Unknown (42%)`.
fn describe(name: &str, status: &JobStatus) -> String {
    match status.percent_complete {
        Some(percent) => format!("{name}: {} ({percent:.0}%)", status.status),
        None => format!("{name}: {}", status.status),
    }
}

/// What a failed job's answer says about why, on one line.
fn failure_detail(body: &Value) -> String {
    let detail = [
        "serviceExceptionJson",
        "error",
        "errorDetails",
        "errorMessage",
    ]
    .iter()
    .find_map(|field| body.get(field))
    .map(|value| match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    });
    match detail {
        Some(detail) => format!(": {}", detail.replace('\n', " ")),
        None => String::new(),
    }
}

/// Streams a finished export's file to `path` (through `PATH.partial`).
pub async fn save_export(
    output: &output::Output,
    job: &mut Job,
    path: PathBuf,
) -> Result<(), Failure> {
    let mut file = PartialFile::create(&path).await?;
    let bar = progress::bytes(format!("downloading {}", path.display()), None);
    let written = {
        let mut writer = bar.wrap_async_write(file.file());
        job.download_to(&mut writer).await?
    };
    file.commit().await?;
    bar.finish_and_clear();
    output.print(&transfer::saved(&path, written))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").is_err());
    }
}
