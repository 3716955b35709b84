//! With the `_regenerate` feature, generates the models from `../../spec/powerbi` into
//! `$OUT_DIR/powerbi.rs` and the per-category files it includes (`$OUT_DIR/powerbi/`) on every
//! spec change. Without it (every user's build), there is nothing to do: `src/lib.rs` compiles the
//! checked-in `snapshot/powerbi.rs` and `snapshot/powerbi/`, which a test keeps identical to what
//! the spec generates. The `powerbi-fabric-models-*` build scripts do the same for Fabric's
//! models, `powerbi`'s for the clients.

#[cfg(feature = "_regenerate")]
fn main() -> Result<(), powerbi_codegen::Error> {
    println!("cargo:rerun-if-changed=build.rs");
    // The host the snapshot test renders with. A packaged crate has no `../../spec`: the
    // snapshot is the generated code.
    powerbi_codegen::Builder::new("../../spec/powerbi")
        .host(powerbi_codegen::HostCrate::powerbi_models())
        .file_name("powerbi.rs")
        .generate_or_copy_snapshot("snapshot/powerbi.rs")?;
    Ok(())
}

#[cfg(not(feature = "_regenerate"))]
fn main() {
    // Nothing to generate; `powerbi`'s build.rs says when the spec changed under a build
    // that compiles the snapshots.
    println!("cargo:rerun-if-changed=build.rs");
}
