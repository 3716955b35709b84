//! `powerbi-codegen`: reads the curated REST API spec (one folder per API, `spec/<api>/`: its
//! `api.yaml` and its category files), validates it with precise diagnostics, and generates
//! the Rust client of the `powerbi` crate; drafts categories from Microsoft's Swagger
//! descriptions ([`import`]) and reports what changed since ([`drift`]).
//!
//! The core is pure: [`load`] turns spec texts into a validated [`api::Api`] (or every
//! problem at once), [`generate`] turns an API into tokens, [`render`] formats them (or
//! [`render_files`], as a root file that includes a file per category). The shell,
//! [`Builder`], reads a folder and writes `OUT_DIR/powerbi.rs` only when its bytes change; it is
//! what a `build.rs` uses:
//!
//! ```no_run
//! // build.rs of a crate that wants only two categories of the API.
//! fn main() -> Result<(), powerbi_codegen::Error> {
//!     powerbi_codegen::Builder::new("spec/powerbi")
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
pub mod drift;
pub mod import;
mod naming;
mod report;
mod select;
pub mod spec;
mod validate;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use builder::Builder;
pub use codegen::{FABRIC_MODEL_PARTS, HostCrate, ModelsLayout};
pub use diagnostic::{Diagnostic, Error, Location};
pub use report::scopes_report;
pub use spec::load::SourceText;
pub use validate::KNOWN_SCOPES;

/// The package README's examples, compiled by `cargo test --doc` (in the repository and in
/// the packaged crate).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExamples;

/// Parses and validates the texts of one API's spec folder: its `api.yaml` (exactly one) and
/// its category files. Returns every problem found, sorted by file and line.
pub fn load(sources: &[SourceText]) -> Result<api::Api, Error> {
    let mut diagnostics = Vec::new();
    let is_api_file = |source: &&SourceText| {
        source
            .path
            .file_name()
            .is_some_and(|name| name == spec::api_file::API_FILE)
    };
    let api_sources: Vec<&SourceText> = sources.iter().filter(is_api_file).collect();
    let api_file = match api_sources.as_slice() {
        [source] => spec::api_file::parse_api(source, &mut diagnostics),
        _ => {
            diagnostics.push(api_file_count_problem(sources, api_sources.len()));
            None
        }
    };
    let files: Vec<_> = sources
        .iter()
        .filter(|source| !is_api_file(source))
        .filter_map(|source| spec::load::parse(source, &mut diagnostics))
        .collect();
    let api = validate::validate(api_file.as_ref(), &files, hash(sources), &mut diagnostics);
    if diagnostics.is_empty() {
        Ok(api)
    } else {
        diagnostics.sort();
        diagnostics.dedup();
        Err(Error::Spec(diagnostics))
    }
}

/// Reads and checks one `api.yaml` on its own (what the importer needs of an API), every
/// problem at once.
pub fn load_api_file(path: &Path) -> Result<api::ApiDescription, Error> {
    let text = std::fs::read_to_string(path).map_err(|error| Error::io(path, &error))?;
    let source = SourceText {
        path: path.to_path_buf(),
        text,
    };
    let mut diagnostics = Vec::new();
    let description = spec::api_file::parse_api(&source, &mut diagnostics)
        .and_then(|file| validate::describe_api(&file, &mut diagnostics));
    match description {
        Some(description) if diagnostics.is_empty() => Ok(description),
        _ => {
            diagnostics.sort();
            Err(Error::Spec(diagnostics))
        }
    }
}

/// No `api.yaml`, or several: reported at the first file's start.
fn api_file_count_problem(sources: &[SourceText], count: usize) -> Diagnostic {
    let file = sources
        .first()
        .map(|source| source.path.clone())
        .unwrap_or_default();
    let message = if count == 0 {
        "the spec folder has no api.yaml: format v2 describes the API once (name, clouds, token, errors, paging kinds, long-running protocols, throttling; see spec/README.md) beside its category files".to_owned()
    } else {
        format!("{count} api.yaml files were given; one API has one api.yaml")
    };
    Diagnostic {
        location: Location {
            file,
            line: 1,
            column: 1,
        },
        item: "api".to_owned(),
        message,
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

/// Generates and formats the client into one file: the text of `powerbi.rs`, whatever
/// [`HostCrate::category_files`] says ([`render_files`] follows it).
pub fn render(api: &api::Api, host: &HostCrate) -> Result<String, Error> {
    codegen::format(generate(api, host)?).map_err(Error::Config)
}

/// A generated file: where it goes, relative to the folder of the root file, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// `powerbi.rs` for the root file, `powerbi/datasets.rs` for a file it includes.
    pub path: PathBuf,
    /// The formatted Rust code.
    pub text: String,
}

/// Generates and formats the client as the files `host` asks for, the root file (`file_name`)
/// first: with [`HostCrate::category_files`], the root includes one file per category from the
/// folder named like it (`powerbi/datasets.rs` beside `powerbi.rs`, the models several
/// categories use in `powerbi/several-categories.rs`); otherwise the root alone, as [`render`].
pub fn render_files(
    api: &api::Api,
    host: &HostCrate,
    file_name: &str,
) -> Result<Vec<GeneratedFile>, Error> {
    let root = Path::new(file_name);
    let folder = match host.category_files {
        true => Some(category_folder(root)?),
        false => None,
    };
    // The root's `include!`s name the folder by its name alone: beside the root file.
    let folder_name = folder
        .as_deref()
        .and_then(Path::file_name)
        .and_then(|name| name.to_str());
    let generated = codegen::generate_files(api, host, folder_name).map_err(Error::Config)?;
    let mut files = vec![GeneratedFile {
        path: root.to_path_buf(),
        text: codegen::format(generated.root).map_err(Error::Config)?,
    }];
    if let Some(folder) = &folder {
        for (name, tokens) in generated.files {
            files.push(GeneratedFile {
                path: folder.join(name),
                text: codegen::format(tokens).map_err(Error::Config)?,
            });
        }
    }
    Ok(files)
}

/// The folder of a root file's category files ([`HostCrate::category_files`]): beside it,
/// named after it (`out/powerbi/` for `out/powerbi.rs`). The root must end in `.rs`, or the
/// folder would take its own name.
pub(crate) fn category_folder(root: &Path) -> Result<PathBuf, Error> {
    if root.extension().is_some_and(|extension| extension == "rs") {
        Ok(root.with_extension(""))
    } else {
        Err(Error::Config(format!(
            "category files need a root file name ending in `.rs` (their folder is named after \
             it), not '{}'",
            root.display()
        )))
    }
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

/// The API folders under `dir`: `dir` itself when it holds an `api.yaml`, else each
/// sub-folder that holds one (`spec/` → `spec/fabric`, `spec/powerbi`), sorted.
pub fn api_folders(dir: &Path) -> Result<Vec<std::path::PathBuf>, Error> {
    let holds_yaml = |dir: &Path| {
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries.flatten().any(|entry| {
                matches!(
                    entry.path().extension().and_then(|ext| ext.to_str()),
                    Some("yaml" | "yml")
                )
            })
        })
    };
    if dir.join(spec::api_file::API_FILE).is_file() || holds_yaml(dir) {
        return Ok(vec![dir.to_path_buf()]);
    }
    let entries = std::fs::read_dir(dir).map_err(|error| Error::io(dir, &error))?;
    let mut folders = Vec::new();
    for entry in entries {
        let path = entry.map_err(|error| Error::io(dir, &error))?.path();
        if path.join(spec::api_file::API_FILE).is_file() {
            folders.push(path);
        }
    }
    folders.sort();
    if folders.is_empty() {
        return Err(Error::Config(format!(
            "no API in {}: an API folder holds an api.yaml (spec/README.md)",
            dir.display()
        )));
    }
    Ok(folders)
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
