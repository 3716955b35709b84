//! With the `_regenerate` feature, generates the Fabric models that both parts share from
//! `../../spec/fabric` into `$OUT_DIR/fabric.rs` and the per-category files it includes
//! (`$OUT_DIR/fabric/`) on every spec change. Without it (every user's build), there is nothing
//! to do: `src/lib.rs` compiles the checked-in `snapshot/fabric.rs` and `snapshot/fabric/`,
//! which a test keeps identical to what the spec generates. `powerbi-models`' build.rs does the same for
//! Power BI's models, `powerbi`'s for the clients.

#[cfg(feature = "_regenerate")]
fn main() -> Result<(), powerbi_codegen::Error> {
    println!("cargo:rerun-if-changed=build.rs");
    // The host the snapshot test renders with. A packaged crate has no `../../spec`: the
    // snapshot is the generated code.
    powerbi_codegen::Builder::new("../../spec/fabric")
        .host(powerbi_codegen::HostCrate::powerbi_fabric_models(0))
        .file_name("fabric.rs")
        .generate_or_copy_snapshot("snapshot/fabric.rs")?;
    Ok(())
}

#[cfg(not(feature = "_regenerate"))]
fn main() {
    // Nothing to generate; `powerbi`'s build.rs says when the spec changed under a build
    // that compiles the snapshots.
    println!("cargo:rerun-if-changed=build.rs");
}
