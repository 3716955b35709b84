//! Generates the client from `../spec` into `$OUT_DIR/powerbi.rs` on every spec change. A
//! packaged crate has no `../spec`: it builds from the checked-in `snapshot/powerbi.rs`, which
//! a test keeps identical to what the spec generates.

fn main() -> Result<(), powerbi_codegen::Error> {
    println!("cargo:rerun-if-changed=build.rs");
    let builder = powerbi_codegen::Builder::new("../spec")
        .runtime_path("crate::runtime")
        .inherent_accessors(true)
        .feature_gates(true);
    if std::path::Path::new("../spec").is_dir() {
        builder.generate()?;
    } else {
        builder.generate_from_snapshot("snapshot/powerbi.rs")?;
    }
    Ok(())
}
