//! With the `_regenerate` feature, generates the client from `../spec/powerbi` and
//! `../spec/fabric` into `$OUT_DIR/powerbi.rs` and `$OUT_DIR/fabric.rs` on every spec change.
//! Without it (every user's build), there is nothing to generate: `src/lib.rs` compiles the
//! checked-in `snapshot/powerbi.rs` and `snapshot/fabric.rs`, which a test keeps identical to
//! what the spec generates.
//!
//! In both, it sets the `powerbi_repository` cfg in a checkout of the repository (`../spec`
//! and `../README.md` beside the package), which only the doctests of the root README read: a
//! packaged crate has neither file.

/// Says whether the package sits in the repository, as `cfg(powerbi_repository)`.
fn declare_repository_cfg() {
    println!("cargo::rustc-check-cfg=cfg(powerbi_repository)");
    let root = std::path::Path::new("..");
    if root.join("spec").is_dir() && root.join("README.md").is_file() {
        println!("cargo::rustc-cfg=powerbi_repository");
    }
}

#[cfg(feature = "_regenerate")]
fn main() -> Result<(), powerbi_codegen::Error> {
    println!("cargo:rerun-if-changed=build.rs");
    declare_repository_cfg();
    for (api, prefix) in [("powerbi", ""), ("fabric", "fabric_")] {
        let spec = format!("../spec/{api}");
        let builder = powerbi_codegen::Builder::new(&spec)
            .runtime_path("crate::runtime")
            .inherent_accessors(true)
            .feature_gates(true)
            .feature_prefix(prefix)
            .file_name(format!("{api}.rs"));
        if std::path::Path::new(&spec).is_dir() {
            builder.generate()?;
        } else {
            // A packaged crate has no `../spec`: the snapshot is the generated client.
            builder.generate_from_snapshot(format!("snapshot/{api}.rs"))?;
        }
    }
    Ok(())
}

#[cfg(not(feature = "_regenerate"))]
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    declare_repository_cfg();
    if !std::path::Path::new("../spec/powerbi").is_dir() {
        return; // A packaged crate: nothing can change.
    }
    // In the repository, watch the spec so that an edit reruns this script, and say then
    // (not on the first build) why the edit does not show up in this build.
    println!("cargo:rerun-if-changed=../spec/powerbi");
    println!("cargo:rerun-if-changed=../spec/fabric");
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        return;
    };
    let seen = std::path::Path::new(&out_dir).join("spec-watched");
    if seen.exists() {
        println!(
            "cargo:warning=../spec changed, but this build compiles the snapshots in snapshot/; build with \
             `--features _regenerate` (the workspace's test crates enable it) to generate from the spec, \
             and refresh the snapshot with `UPDATE_EXPECTED=1 cargo test -p powerbi-e2e snapshot`"
        );
    } else {
        // Best effort: without the marker the next change only goes unannounced.
        let _ = std::fs::write(&seen, "");
    }
}
