//! What the binary's tests share: running `pbi` against a sandbox with the `POWERBI_*`
//! variables a user would set, and reading what it printed.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use powerbi_sandbox::{Sandbox, demo};
use serde_json::Value;

/// The variables that sign `pbi` in to `sandbox` as its demo service principal.
pub fn sandbox_env(sandbox: &Sandbox) -> [(&'static str, String); 6] {
    [
        ("POWERBI_TENANT_ID", demo::TENANT_ID.to_owned()),
        ("POWERBI_CLIENT_ID", demo::SP_CLIENT_ID.to_owned()),
        ("POWERBI_CLIENT_SECRET", demo::SP_CLIENT_SECRET.to_owned()),
        ("POWERBI_AUTHORITY_HOST", sandbox.authority_host()),
        ("POWERBI_API_BASE", sandbox.api_base_url()),
        // The sandbox serves Fabric at `/v1` on the same server.
        ("POWERBI_FABRIC_API_BASE", sandbox.api_base_url()),
    ]
}

/// Runs `pbi args` signed in to `sandbox` as its demo service principal, with `stdin`.
pub async fn pbi(sandbox: &Sandbox, args: &[&str], stdin: Option<&str>) -> Output {
    run(args, &sandbox_env(sandbox), stdin).await
}

/// Compares `text` with the snapshot `tests/snapshots/NAME` (`UPDATE_EXPECTED=1` rewrites it).
pub fn snapshot(name: &str, text: &str) {
    let path = format!("{}/tests/snapshots/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::write(&path, text).expect("snapshot written");
    }
    let expected = std::fs::read_to_string(&path).expect("snapshot (UPDATE_EXPECTED=1 writes it)");
    assert_eq!(text, expected, "UPDATE_EXPECTED=1 refreshes {path}");
}

/// A fresh empty folder under the temporary directory, for one test.
pub fn temp_folder(name: &str) -> std::path::PathBuf {
    let folder = std::env::temp_dir().join(format!("pbi-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).expect("a temporary folder");
    folder
}

/// Runs the binary with only `env` (no credentials of the machine running the tests).
pub async fn run(args: &[&str], env: &[(&str, String)], stdin: Option<&str>) -> Output {
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.clone()))
        .collect();
    let stdin = stdin.map(str::to_owned);
    // The sandbox answers on this runtime's other worker while the child runs.
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pbi"))
            .args(&args)
            .env_clear()
            .envs(env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("pbi starts");
        let mut input = child.stdin.take().expect("stdin");
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).expect("stdin written");
        }
        drop(input);
        child.wait_with_output().expect("pbi ends")
    })
    .await
    .expect("the child's thread")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 output")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("utf-8 errors")
}

pub fn json(output: &Output) -> Value {
    assert!(output.status.success(), "pbi failed: {}", stderr(output));
    serde_json::from_slice(&output.stdout).expect("JSON output")
}
