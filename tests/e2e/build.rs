//! Generates, from `../../spec/powerbi`, the dispatch that the proofs against Microsoft's examples
//! drive (`tests/e2e/example_support.rs` includes it): per category, decode an example
//! response into the operation's response type, call the operation with an example's
//! arguments. It calls `powerbi` through its public API, so it lives here, with the tests,
//! and not in the `powerbi` crate.

fn main() -> Result<(), powerbi_codegen::Error> {
    println!("cargo:rerun-if-changed=build.rs");
    powerbi_codegen::Builder::new("../../spec/powerbi")
        .file_name("example_dispatch.rs")
        .generate_example_dispatch("crate::example_support")?;
    Ok(())
}
