//! The crates `powerbi` is made of, as crates.io would serve them, for row 2e.
//!
//! A user depends on `powerbi = "0.1"` from a registry, and cargo builds a registry crate
//! unlike a path dependency: without incremental compilation, with lints capped, from the
//! packaged files alone. A path dependency on the checkout is compiled like a workspace member,
//! incrementally, which costs a first build more (by hand, `powerbi-runtime` alone: 10.6 s of
//! CPU against 7.2 s) and which no user of the published crate pays. So the bench packages
//! the crates with `cargo package` (exactly what publishing would upload) and serves them,
//! with every crates.io dependency vendored beside them, from a directory source that replaces
//! crates.io for the measured crate alone.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Ctx;
use crate::compile::{cargo, copy_lock, write_file};
use crate::measure::{Outcome, run_child};

/// A directory source holding the packaged crates and every crates.io crate they need.
pub struct DirectorySource {
    /// The folder cargo reads the crates from (`[source.<name>] directory = ...`).
    pub dir: PathBuf,
    /// A lock file with the repository's versions of every dependency, for a crate whose
    /// manifest is the one [`directory_source`] was given to write.
    pub lock: PathBuf,
    /// `powerbi`'s version, for the dependency line.
    pub powerbi_version: String,
}

impl DirectorySource {
    /// The `.cargo/config.toml` that makes cargo take crates.io's crates from here.
    pub fn cargo_config(&self) -> String {
        format!(
            "[source.crates-io]\nreplace-with = \"powerbi-bench-packaged\"\n\n\
             [source.powerbi-bench-packaged]\ndirectory = {:?}\n",
            self.dir.display().to_string()
        )
    }
}

/// Packages `powerbi` and the repository's crates it depends on into `root`, vendors their
/// crates.io dependencies (with the repository's Cargo.lock versions) beside them, and returns
/// the directory source. `packages` are the workspace's
/// ([`crate::compile::workspace_packages`]); `manifest` writes the measured crate's manifest
/// for a given dependency line on `powerbi`, so that the vendored crates are exactly the ones
/// it needs.
pub fn directory_source(
    ctx: &Ctx,
    packages: &[serde_json::Value],
    root: &Path,
    manifest: impl Fn(&Path, &str) -> Outcome<()>,
) -> Outcome<DirectorySource> {
    let _ = std::fs::remove_dir_all(root);
    let crates = repository_crates_of_powerbi(packages)?;
    let target = root.join("target");
    let mut command = cargo(ctx, &target);
    command.args(["package", "--no-verify", "--allow-dirty", "--quiet"]);
    for (name, _) in &crates {
        command.args(["-p", name]);
    }
    eprintln!("powerbi-bench: cargo package {} crates", crates.len());
    run_child(&mut command)?.check("cargo package")?;

    // The crates unpacked once for `cargo vendor` to resolve against (as path patches), and
    // once more into the directory source after it.
    let unpacked = root.join("unpacked");
    let dir = root.join("vendor");
    let crate_file = |name: &str, version: &str| {
        target
            .join("package")
            .join(format!("{name}-{version}.crate"))
    };
    for (name, version) in &crates {
        unpack(&crate_file(name, version), &unpacked)?;
    }
    let resolve = root.join("resolve");
    let powerbi_version = crates
        .iter()
        .find(|(name, _)| name == "powerbi")
        .map(|(_, version)| version.clone())
        .ok_or("cargo metadata lists no powerbi package")?;
    let unpacked_dir = |name: &str, version: &str| unpacked.join(format!("{name}-{version}"));
    manifest(
        &resolve,
        &format!(
            "{{ path = {:?} }}",
            unpacked_dir("powerbi", &powerbi_version)
                .display()
                .to_string()
        ),
    )?;
    let patches: String = crates
        .iter()
        .map(|(name, version)| {
            format!(
                "{name} = {{ path = {:?} }}\n",
                unpacked_dir(name, version).display().to_string()
            )
        })
        .collect();
    append(
        &resolve.join("Cargo.toml"),
        &format!("\n[patch.crates-io]\n{patches}"),
    )?;
    copy_lock(ctx, &resolve)?;
    let mut vendor = cargo(ctx, &target);
    vendor
        .current_dir(&resolve)
        .args(["vendor", "--versioned-dirs", "--quiet"])
        .arg(&dir);
    run_child(&mut vendor)?.check("cargo vendor")?;

    for (name, version) in &crates {
        unpack(&crate_file(name, version), &dir)?;
        // No file checksums to verify, and no package checksum: the lock records none for
        // these crates, as for vendored git crates.
        write_file(
            &dir.join(format!("{name}-{version}/.cargo-checksum.json")),
            "{\"files\":{},\"package\":null}",
        )?;
    }
    Ok(DirectorySource {
        dir,
        lock: resolve.join("Cargo.lock"),
        powerbi_version,
    })
}

/// `powerbi` and every repository crate it reaches through path dependencies of any kind
/// (optional ones and build dependencies too: `cargo package` needs each to resolve), by
/// name and version.
fn repository_crates_of_powerbi(packages: &[serde_json::Value]) -> Outcome<Vec<(String, String)>> {
    let mut found = BTreeSet::new();
    let mut todo = vec!["powerbi".to_owned()];
    let mut crates = Vec::new();
    while let Some(name) = todo.pop() {
        if !found.insert(name.clone()) {
            continue;
        }
        let package = packages
            .iter()
            .find(|p| p["name"] == name.as_str())
            .ok_or(format!("cargo metadata lists no {name} package"))?;
        let version = package["version"].as_str().unwrap_or_default().to_owned();
        crates.push((name, version));
        let dependencies = package["dependencies"].as_array().into_iter().flatten();
        // Dev dependencies are not packaged with their crate (cargo drops path-only ones).
        for dependency in dependencies.filter(|d| d["kind"] != "dev" && d.get("path").is_some()) {
            if let Some(dependency) = dependency["name"].as_str() {
                todo.push(dependency.to_owned());
            }
        }
    }
    Ok(crates)
}

/// Unpacks a `.crate` (a gzipped tar) into `into` with the system's `tar`: a crate for it
/// would add two dependencies to the bench for one call.
fn unpack(file: &Path, into: &Path) -> Outcome<()> {
    std::fs::create_dir_all(into).map_err(|e| format!("{}: {e}", into.display()))?;
    let mut tar = Command::new("tar");
    tar.arg("-xzf").arg(file).arg("-C").arg(into);
    run_child(&mut tar)?.check(&format!("unpacking {}", file.display()))?;
    Ok(())
}

/// Appends `text` to the file at `path`.
fn append(path: &Path, text: &str) -> Outcome<()> {
    let mut manifest =
        std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    manifest.push_str(text);
    write_file(path, &manifest)
}
