//! The baseline of rows 2f and 2h: `powerbi` as it was when issue 13 was filed, built in the same
//! run. Issue 13 asks that, "with the Fabric categories present, enabling every category costs no
//! more than today's all-Power BI build, and a default build no more than today's default build";
//! its "today" is the main it was filed against, before any of its work. That main is
//! [`FILED_AT`]: the last commit landed before issue 13 was started (the stop that landed it left
//! issues 13-17 open and not started). A figure quoted from then would compare two machines, so
//! the bench unpacks that commit's tree from the repository's history (`git archive`) into
//! `target/bench/filed` and compiles its `powerbi` exactly as it compiles today's: dependencies
//! prebuilt from that commit's own `Cargo.lock`, the crate's fingerprint forgotten each round,
//! `CARGO_INCREMENTAL=0`.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::Ctx;
use crate::compile::{Compile, forget_lib, measured_cargo, measured_compile};
use crate::measure::{Outcome, run_child};

/// The main issue 13 was filed against: "One header helper: jobs and pages read headers and the
/// RequestId through request::api_error::header" (2026-12-06 05:48 UTC).
pub const FILED_AT: &str = "13e8cf592029c038e467ac91ae16115c6411e7ea";

/// The unpacked tree of [`FILED_AT`].
fn tree_dir(ctx: &Ctx) -> PathBuf {
    ctx.bench_dir.join("filed")
}

/// Its target folder, beside the tree.
fn target_dir(ctx: &Ctx) -> PathBuf {
    ctx.bench_dir.join("filed-target")
}

/// `cargo` in the unpacked tree, non-incremental like the builds of today's `powerbi`.
fn filed_cargo(ctx: &Ctx) -> Command {
    measured_cargo(ctx, &tree_dir(ctx), &target_dir(ctx))
}

/// Unpacks [`FILED_AT`] (once; a marker file names the commit) and builds its `powerbi` with
/// the default features, so that the measured rounds compile that crate alone.
pub fn prepare(ctx: &Ctx) -> Outcome<()> {
    let tree = tree_dir(ctx);
    let marker = tree.join(".powerbi-bench-commit");
    if std::fs::read_to_string(&marker).ok().as_deref() != Some(FILED_AT) {
        if tree.exists() {
            std::fs::remove_dir_all(&tree).map_err(|e| format!("{}: {e}", tree.display()))?;
        }
        std::fs::create_dir_all(&tree).map_err(|e| format!("{}: {e}", tree.display()))?;
        unpack(ctx, &tree)?;
        std::fs::write(&marker, FILED_AT).map_err(|e| format!("{}: {e}", marker.display()))?;
    }
    run_child(filed_cargo(ctx).args(["build", "-p", "powerbi"]))?
        .check(&format!("cargo build -p powerbi at {}", &FILED_AT[..7]))?;
    Ok(())
}

/// `git archive FILED_AT | tar -x -C tree`: the commit's files, without a work tree or checkout.
fn unpack(ctx: &Ctx, tree: &std::path::Path) -> Outcome<()> {
    let mut archive = Command::new("git")
        .current_dir(&ctx.repo)
        .args(["archive", "--format=tar", FILED_AT])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("git archive: {e}"))?;
    let tar_input = archive
        .stdout
        .take()
        .ok_or("git archive: no standard output")?;
    let tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(tree)
        .stdin(tar_input)
        .output()
        .map_err(|e| format!("tar: {e}"))?;
    let git = archive
        .wait_with_output()
        .map_err(|e| format!("git archive: {e}"))?;
    if !git.status.success() {
        return Err(format!(
            "git archive {} failed (a shallow clone lacks the commit; fetch the history): {}",
            &FILED_AT[..7],
            String::from_utf8_lossy(&git.stderr).trim()
        ));
    }
    if !tar.status.success() {
        return Err(format!(
            "tar -x of {} failed: {}",
            &FILED_AT[..7],
            String::from_utf8_lossy(&tar.stderr).trim()
        ));
    }
    Ok(())
}

/// One measured compile of that `powerbi` (all Power BI categories, its default), exactly as
/// [`crate::compile::compile_powerbi`] compiles today's.
pub fn compile(ctx: &Ctx) -> Outcome<Compile> {
    forget_lib(&target_dir(ctx), "powerbi", "lib-powerbi")?;
    let mut command = filed_cargo(ctx);
    command.args(["build", "-v", "-p", "powerbi"]);
    measured_compile(&mut command, false, "powerbi")
}
