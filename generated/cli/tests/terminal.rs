//! `pbi` in a real pseudo-terminal (`rexpect`): a table on a terminal where a pipe gets JSON,
//! a spinner with the elapsed time while `--wait` polls, and Ctrl-C that stops the wait
//! cleanly with exit code 130.

mod common;

use std::process::Command;
use std::time::Duration;

use common::sandbox_env;
use powerbi_sandbox::{Sandbox, SandboxConfig, demo};
use rexpect::process::WaitStatus;
use rexpect::session::{PtySession, spawn_command};

/// `pbi args` in a new pseudo-terminal, signed in to `sandbox`.
fn spawn(sandbox: &Sandbox, args: &[&str]) -> PtySession {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pbi"));
    command
        .args(args)
        .env_clear()
        .envs(sandbox_env(sandbox))
        .env("TERM", "xterm");
    spawn_command(command, Some(30_000)).expect("pbi starts in a pseudo-terminal")
}

fn exit_code(session: &PtySession) -> Option<i32> {
    match session.process().wait() {
        Ok(WaitStatus::Exited(_, code)) => Some(code),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_gets_a_table() {
    let sandbox = Sandbox::start().await.unwrap();
    let text = tokio::task::spawn_blocking(move || {
        let mut session = spawn(&sandbox, &["groups", "list-groups"]);
        let text = session.exp_eof().expect("pbi ends");
        assert_eq!(exit_code(&session), Some(0), "{text}");
        text
    })
    .await
    .unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert!(header.contains(&"id") && header.contains(&"name"), "{text}");
    assert!(text.contains(demo::SALES_WORKSPACE_NAME), "{text}");
    assert!(
        !text.trim_start().starts_with('['),
        "no JSON on a terminal: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_shows_progress_and_ctrl_c_stops_it_with_exit_130() {
    // A refresh that runs for an hour: only Ctrl-C ends the wait.
    let config = SandboxConfig::default().refresh_duration(Duration::from_secs(3600));
    let sandbox = Sandbox::start_with(config).await.unwrap();
    let (seen, rest, code) = tokio::task::spawn_blocking(move || {
        let mut session = spawn(
            &sandbox,
            &[
                "datasets",
                "refresh-dataset",
                "-w",
                demo::SALES_WORKSPACE_ID,
                demo::SALES_DATASET_ID,
                "--wait",
                "--poll-interval",
                "50ms",
            ],
        );
        // The spinner: the elapsed time and the refresh's state as polled.
        let (_, seen) = session
            .exp_regex(r"\[\d\d:\d\d:\d\d\] refresh_dataset: (NotStarted|Unknown)")
            .expect("a spinner with the elapsed time");
        session.send_control('c').expect("Ctrl-C sent");
        let rest = session.exp_eof().expect("pbi ends after Ctrl-C");
        let code = exit_code(&session);
        (seen, rest, code)
    })
    .await
    .unwrap();
    assert!(seen.contains("refresh_dataset"), "{seen}");
    assert_eq!(code, Some(130), "{rest}");
    assert!(rest.contains("interrupted"), "{rest}");
    assert!(rest.contains("goes on at the service"), "{rest}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_a_download_leaves_no_file() {
    // An exported file far larger than the test lets it download.
    let config = SandboxConfig::default().export_file_size(64 * 1024 * 1024 * 1024);
    let sandbox = Sandbox::start_with(config).await.unwrap();
    let folder = common::temp_folder("interrupted-download");
    let file = folder.join("overview.pdf");
    let file_arg = file.display().to_string();
    let (rest, code) = tokio::task::spawn_blocking(move || {
        let mut session = spawn(
            &sandbox,
            &[
                "workflow",
                "export-report",
                "-w",
                demo::SALES_WORKSPACE_ID,
                "--report",
                demo::SALES_REPORT_ID,
                "--file",
                &file_arg,
                "--poll-interval",
                "10ms",
            ],
        );
        // The byte bar: bytes so far and the rate.
        session
            .exp_regex(r"downloading .*overview\.pdf .*[KMG]iB")
            .expect("a byte progress bar");
        session.send_control('c').expect("Ctrl-C sent");
        let rest = session.exp_eof().expect("pbi ends after Ctrl-C");
        (rest, exit_code(&session))
    })
    .await
    .unwrap();
    assert_eq!(code, Some(130), "{rest}");
    assert!(rest.contains("interrupted"), "{rest}");
    assert!(!file.exists(), "no file that looks complete");
    assert!(
        !folder.join("overview.pdf.partial").exists(),
        "no partial file left behind"
    );
    std::fs::remove_dir_all(folder).unwrap();
}
