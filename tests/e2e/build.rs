//! Generates, from `../../spec/powerbi` and `../../spec/fabric`, the dispatches that the proofs
//! against Microsoft's examples drive (`tests/e2e/example_support.rs` includes them): per
//! category, decode an example response into the operation's response type, call the
//! operation with an example's arguments. They call `powerbi` through its public API, so they
//! live here, with the tests, and not in the `powerbi` crate.

fn main() -> Result<(), powerbi_codegen::Error> {
    println!("cargo:rerun-if-changed=build.rs");
    powerbi_codegen::Builder::new("../../spec/powerbi")
        .file_name("example_dispatch.rs")
        .generate_example_dispatch("crate::example_support")?;
    powerbi_codegen::Builder::new("../../spec/fabric")
        .file_name("fabric_example_dispatch.rs")
        .generate_example_dispatch("crate::example_support")?;
    Ok(())
}
