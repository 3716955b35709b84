//! Generates only the `groups` and `datasets` categories, reached through
//! `::powerbi::runtime`, as any crate depending on `powerbi` could: from the spec
//! `powerbi-codegen` bundles, exactly the README's recipe for a registry install (no path into
//! this repository).

fn main() -> Result<(), powerbi_codegen::Error> {
    println!("cargo:rerun-if-changed=build.rs");
    powerbi_codegen::Builder::bundled()
        .categories(["groups", "datasets"])
        .generate()?;
    Ok(())
}
