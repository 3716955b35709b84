//! With the `_regenerate` feature, generates the models from `../../spec/powerbi` into
//! `$OUT_DIR/powerbi.rs` and the per-category files it includes (`$OUT_DIR/powerbi/`) on every
//! spec change. Without it, there is nothing to do: `src/lib.rs` compiles the
//! checked-in `snapshot/powerbi.rs` and `snapshot/powerbi/`, which a test keeps identical to what
//! the spec generates. The `powerbi-fabric-models-*` build scripts do the same for Fabric's
//! models, `powerbi`'s for the clients.
//!
//! Only the repository runs this script: a published crate ships none (`exclude` in
//! Cargo.toml), so a user's build compiles the snapshot without building or running a script,
//! and `src/lib.rs` includes the generated code only when this script says so
//! (`cfg(powerbi_regenerated)`).

#[cfg(feature = "_regenerate")]
fn main() -> Result<(), powerbi_codegen::Error> {
    println!("cargo:rerun-if-changed=build.rs");
    // The host the snapshot test renders with. A copy without `../../spec` (the
    // folder alone) uses the snapshot, the generated code.
    powerbi_codegen::Builder::new("../../spec/powerbi")
        .host(powerbi_codegen::HostCrate::powerbi_models())
        .file_name("powerbi.rs")
        .generate_or_copy_snapshot("snapshot/powerbi.rs")?;
    // `src/lib.rs` includes what was generated here instead of the snapshot.
    println!("cargo::rustc-cfg=powerbi_regenerated");
    Ok(())
}

#[cfg(not(feature = "_regenerate"))]
fn main() {
    // Nothing to generate; `powerbi`'s build.rs says when the spec changed under a build
    // that compiles the snapshots.
    println!("cargo:rerun-if-changed=build.rs");
}
