//! Generates the client from `../spec` into `$OUT_DIR/powerbi.rs` on every spec change.

fn main() -> Result<(), powerbi_codegen::Error> {
    println!("cargo:rerun-if-changed=build.rs");
    powerbi_codegen::Builder::new("../spec")
        .runtime_path("crate::runtime")
        .inherent_accessors(true)
        .generate()?;
    Ok(())
}
