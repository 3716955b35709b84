//! With the `_regenerate` feature, generates the Fabric models that both parts share from
//! `../../spec/fabric` into `$OUT_DIR/fabric.rs` and the per-category files it includes
//! (`$OUT_DIR/fabric/`) on every spec change. Without it, there is nothing
//! to do: `src/lib.rs` compiles the checked-in `snapshot/fabric.rs` and `snapshot/fabric/`,
//! which a test keeps identical to what the spec generates. `powerbi-models`' build.rs does the same for
//! Power BI's models, `powerbi`'s for the clients.
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
    powerbi_codegen::Builder::new("../../spec/fabric")
        .host(powerbi_codegen::HostCrate::powerbi_fabric_models(0))
        .file_name("fabric.rs")
        .generate_or_copy_snapshot("snapshot/fabric.rs")?;
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
