//! Generates only the `groups` and `datasets` categories of the spec, reached through
//! `::powerbi::runtime`, as any crate depending on `powerbi` could.

fn main() -> Result<(), powerbi_codegen::Error> {
    println!("cargo:rerun-if-changed=build.rs");
    powerbi_codegen::Builder::new("../../spec/powerbi")
        .categories(["groups", "datasets"])
        .generate()?;
    Ok(())
}
