//! With the `regenerate` feature, generates the client from `../spec` into
//! `$OUT_DIR/powerbi.rs` on every spec change. Without it (every user's build), there is
//! nothing to do: `src/lib.rs` compiles the checked-in `snapshot/powerbi.rs`, which a test
//! keeps identical to what the spec generates.

#[cfg(feature = "regenerate")]
fn main() -> Result<(), powerbi_codegen::Error> {
    println!("cargo:rerun-if-changed=build.rs");
    let builder = powerbi_codegen::Builder::new("../spec")
        .runtime_path("crate::runtime")
        .inherent_accessors(true)
        .feature_gates(true);
    if std::path::Path::new("../spec").is_dir() {
        builder.generate()?;
    } else {
        // A packaged crate has no `../spec`: the snapshot is the generated client.
        builder.generate_from_snapshot("snapshot/powerbi.rs")?;
    }
    Ok(())
}

#[cfg(not(feature = "regenerate"))]
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::path::Path::new("../spec").is_dir() {
        // In the repository, say why a spec edit does not show up in this build.
        println!(
            "cargo:warning=powerbi builds from snapshot/powerbi.rs; edits to ../spec take effect \
             with `--features regenerate` (the workspace's test crates enable it)"
        );
    }
}
