//! With the `_regenerate` feature, generates the models from `../../spec/powerbi` and
//! `../../spec/fabric` into `$OUT_DIR/powerbi.rs` and `$OUT_DIR/fabric.rs` on every spec change.
//! Without it (every user's build), there is nothing to do: `src/lib.rs` compiles the
//! checked-in `snapshot/powerbi.rs` and `snapshot/fabric.rs`, which a test keeps identical to
//! what the spec generates. `powerbi`'s build.rs generates the clients the same way.

#[cfg(feature = "_regenerate")]
fn main() -> Result<(), powerbi_codegen::Error> {
    println!("cargo:rerun-if-changed=build.rs");
    for (api, prefix) in [("powerbi", ""), ("fabric", "fabric_")] {
        let spec = format!("../../spec/{api}");
        let builder = powerbi_codegen::Builder::new(&spec)
            .runtime_path("::powerbi_types")
            .models(powerbi_codegen::ModelsLayout::Alone)
            .feature_gates(true)
            .feature_prefix(prefix)
            .file_name(format!("{api}.rs"));
        if std::path::Path::new(&spec).is_dir() {
            builder.generate()?;
        } else {
            // A packaged crate has no `../../spec`: the snapshot is the generated code.
            builder.generate_from_snapshot(format!("snapshot/{api}.rs"))?;
        }
    }
    Ok(())
}

#[cfg(not(feature = "_regenerate"))]
fn main() {
    // Nothing to generate; `powerbi`'s build.rs says when the spec changed under a build
    // that compiles the snapshots.
    println!("cargo:rerun-if-changed=build.rs");
}
