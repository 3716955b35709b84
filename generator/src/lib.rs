//! `powerbi-codegen`: reads the curated Power BI REST API spec (`spec/*.yaml`), validates it
//! with precise diagnostics, and generates the Rust client of the `powerbi` crate.
//!
//! The core is pure: [`load`] turns spec texts into a validated [`api::Api`] (or every
//! problem at once), [`generate`] turns an API into tokens, [`render`] formats them. The shell,
//! [`Builder`], reads a folder and writes `OUT_DIR/powerbi.rs` only when its bytes change; it is
//! what a `build.rs` uses:
//!
//! ```no_run
//! // build.rs of a crate that wants only two categories of the API.
//! fn main() -> Result<(), powerbi_codegen::Error> {
//!     powerbi_codegen::Builder::new("spec")
//!         .categories(["groups", "datasets"])
//!         .generate()?;
//!     Ok(())
//! }
//! ```
//! and then, in that crate: `include!(concat!(env!("OUT_DIR"), "/powerbi.rs"));`.
//! [`Builder::bundled`] generates from the spec this crate ships instead ([`bundled`]), which
//! a registry install needs: no checkout of the repository, no folder to point at.
//!
//! YAML is read with yaml-rust2 (maintained), once per file: its event parser reports where
//! each event sits, and [`spec::yaml`] builds from those events one tree that carries both the
//! values and their lines, so a diagnostic points at the exact key. The generator used
//! serde_yaml before; serde_yaml is deprecated and unmaintained upstream, and it forgets
//! positions, which made every file be parsed twice by two parsers (values, then positions).

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api;
mod builder;
pub mod bundled;
mod codegen;
pub mod coverage;
pub mod diagnostic;
mod naming;
mod report;
mod select;
pub mod spec;
mod validate;

use std::path::Path;

use sha2::{Digest, Sha256};

pub use builder::Builder;
pub use codegen::HostCrate;
pub use diagnostic::{Diagnostic, Error, Location};
pub use report::scopes_report;
pub use spec::load::SourceText;
pub use validate::KNOWN_SCOPES;

/// The package README's examples, compiled by `cargo test --doc` (in the repository and in
/// the packaged crate).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExamples;

/// Parses and validates spec texts. Returns every problem found, sorted by file and line.
pub fn load(sources: &[SourceText]) -> Result<api::Api, Error> {
    let mut diagnostics = Vec::new();
    let files: Vec<_> = sources
        .iter()
        .filter_map(|source| spec::load::parse(source, &mut diagnostics))
        .collect();
    let api = validate::validate(&files, hash(sources), &mut diagnostics);
    if diagnostics.is_empty() {
        Ok(api)
    } else {
        diagnostics.sort();
        diagnostics.dedup();
        Err(Error::Spec(diagnostics))
    }
}

/// Keeps only the named categories and the models they reach.
pub fn select(api: &api::Api, categories: &[String]) -> Result<api::Api, Error> {
    select::select(api, categories).map_err(|unknown| {
        Error::Config(format!(
            "unknown categor{} {}; the spec has: {}",
            if unknown.len() == 1 { "y" } else { "ies" },
            unknown.join(", "),
            api.categories
                .iter()
                .map(|category| category.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// Generates the client for a validated API, to be compiled into `host`.
pub fn generate(api: &api::Api, host: &HostCrate) -> Result<proc_macro2::TokenStream, Error> {
    codegen::generate(api, host).map_err(Error::Config)
}

/// Generates and formats the client: the text of `powerbi.rs`.
pub fn render(api: &api::Api, host: &HostCrate) -> Result<String, Error> {
    codegen::format(generate(api, host)?).map_err(Error::Config)
}

/// Generates and formats only the example dispatch: the code that the tests proving `powerbi`
/// against Microsoft's examples drive, generated where those tests are (`tests/e2e/build.rs`)
/// and never part of `powerbi`. Per category, `decode(operation, body)` decodes an example
/// response into the operation's response type and `call(client, operation, args)` calls the
/// operation with an example's arguments; the root `decode` and `call` take the category too.
///
/// The file calls `powerbi` through its public API only (`::powerbi::<category>`,
/// `::powerbi::models`, `::powerbi::runtime`). `support_path` is the module of the tests that
/// provides `Decoded`, `ExampleArgs` (with `workspace`, `required`, `required_enum`,
/// `optional`, `optional_enum`, `body`, `optional_body` and `file`), `decode` and
/// `decode_list`.
pub fn render_example_dispatch(api: &api::Api, support_path: &str) -> Result<String, Error> {
    let tokens = codegen::generate_example_dispatch(api, support_path).map_err(Error::Config)?;
    codegen::format(tokens).map_err(Error::Config)
}

/// Reads the spec files of a folder: every `*.yaml` and `*.yml` but the coverage exclusions,
/// sorted by path.
pub fn read_spec_dir(dir: &Path) -> Result<Vec<SourceText>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|error| Error::io(dir, &error))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(|error| Error::io(dir, &error))?.path();
        let is_yaml = matches!(
            path.extension().and_then(|ext| ext.to_str()),
            Some("yaml" | "yml")
        );
        let is_exclusions = path
            .file_name()
            .is_some_and(|name| name == coverage::EXCLUDED_FILE);
        if is_yaml && !is_exclusions {
            paths.push(path);
        }
    }
    paths.sort();
    if paths.is_empty() {
        return Err(Error::Config(format!(
            "no *.yaml spec files in {}",
            dir.display()
        )));
    }
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|error| Error::io(&path, &error))?;
            Ok(SourceText { path, text })
        })
        .collect()
}

/// SHA-256 over the files' names and bytes.
fn hash(sources: &[SourceText]) -> String {
    let mut hasher = Sha256::new();
    for source in sources {
        let name = source
            .path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(source.text.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
