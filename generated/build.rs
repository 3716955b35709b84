//! With the `_regenerate` feature, generates the client from `../spec/powerbi` into
//! `$OUT_DIR/powerbi.rs` on every spec change. Without it (every user's build), there is
//! nothing to generate: `src/lib.rs` compiles the checked-in `snapshot/powerbi.rs`, which a
//! test keeps identical to what the spec generates.
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
    let builder = powerbi_codegen::Builder::new("../spec/powerbi")
        .runtime_path("crate::runtime")
        .inherent_accessors(true)
        .feature_gates(true);
    if std::path::Path::new("../spec/powerbi").is_dir() {
        builder.generate()?;
    } else {
        // A packaged crate has no `../spec/powerbi`: the snapshot is the generated client.
        builder.generate_from_snapshot("snapshot/powerbi.rs")?;
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
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        return;
    };
    let seen = std::path::Path::new(&out_dir).join("spec-watched");
    if seen.exists() {
        println!(
            "cargo:warning=../spec/powerbi changed, but this build compiles snapshot/powerbi.rs; build with \
             `--features _regenerate` (the workspace's test crates enable it) to generate from the spec, \
             and refresh the snapshot with `UPDATE_EXPECTED=1 cargo test -p powerbi-e2e snapshot`"
        );
    } else {
        // Best effort: without the marker the next change only goes unannounced.
        let _ = std::fs::write(&seen, "");
    }
}
