//! The baseline of rows 2b and 2c: oxidecomputer's progenitor 0.15.1 generating a client for the
//! same Microsoft description, built in this run.
//!
//! The recipe (issue 13):
//!
//! 1. Convert `spec/reference/powerbi-swagger.json` (Swagger 2.0; `../shared/reference/` when
//!    the repository has no copy) to OpenAPI 3 with
//!    `npx --yes swagger2openapi@7.0.8 <swagger> -o target/bench/progenitor/converted.json`.
//! 2. Two small edits progenitor needs, made by [`edit`] into `openapi.json` next to it:
//!    - a request body with several media types keeps only `application/json`: Post Import's
//!      (`components.requestBodies.ImportInfo`) lists `application/json` and
//!      `multipart/form-data` (Swagger's `consumes`), and progenitor 0.15.1 stops its build
//!      script with `not yet implemented: more media types than expected for
//!      Imports_PostImport: 2`;
//!    - a property whose key differs only in case from the name the schema's `required` list
//!      gives is renamed to the `required` spelling: `DataflowUser` defines
//!      `DataflowUserAccessRight` but requires `dataflowUserAccessRight` (Microsoft's samples
//!      use the latter), and progenitor emits both as the same Rust field
//!      `dataflow_user_access_right`, which rustc rejects (`E0124`, field already declared).
//! 3. Generate as a build.rs would: a crate `progenitor-powerbi` in `target/bench/progenitor`
//!    whose build.rs reads `openapi.json` into `openapiv3::OpenAPI`, runs
//!    `progenitor::Generator::default().generate_tokens`, formats with prettyplease into
//!    `$OUT_DIR/codegen.rs`, and whose lib.rs `include!`s it (progenitor 0.15.1 as a
//!    build-dependency, from crates.io).
//! 4. Dependencies: progenitor-client 0.15.1 and what the generated code names (reqwest 0.13,
//!    serde, serde_json, chrono, uuid, regress). progenitor-client takes reqwest without default
//!    features, so the crate picks the same TLS as `powerbi`: reqwest's `rustls-no-provider` and
//!    rustls with `ring` (not progenitor's usual aws-lc). Its own Cargo.lock (resolved on the
//!    first build) and target folder (`target/bench/progenitor/target`) live there too; the
//!    workspace does not depend on progenitor. Dev profile as the workspace's, non-incremental.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::Ctx;
use crate::compile::measured_cargo;
use crate::measure::{Outcome, run_child};

/// The generated crate's package name, as cargo prints it (`Compiling progenitor-powerbi`).
pub const PACKAGE: &str = "progenitor-powerbi";
/// Its library's fingerprint file (`lib-<target name>`).
pub const LIB_FINGERPRINT: &str = "lib-progenitor_powerbi";

/// The folder of the generated crate.
pub fn crate_dir(ctx: &Ctx) -> PathBuf {
    ctx.bench_dir.join("progenitor")
}

/// Its target folder.
pub fn target_dir(ctx: &Ctx) -> PathBuf {
    crate_dir(ctx).join("target")
}

/// `cargo` in the generated crate, non-incremental like the builds of `powerbi`.
pub fn crate_cargo(ctx: &Ctx) -> Command {
    measured_cargo(ctx, &crate_dir(ctx), &target_dir(ctx))
}

/// What [`prepare`] did.
pub struct Prepared {
    /// One line per edit to the converted description.
    pub edits: Vec<String>,
    /// Operations in the description (each `operationId`).
    pub operations: usize,
}

/// Converts the description, edits it, writes the crate and builds it once (debug and check),
/// which prebuilds its dependencies and runs the generator.
pub fn prepare(ctx: &Ctx) -> Outcome<Prepared> {
    let dir = crate_dir(ctx);
    std::fs::create_dir_all(dir.join("src")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let swagger = [
        ctx.repo.join("spec/reference/powerbi-swagger.json"),
        ctx.repo.join("../shared/reference/powerbi-swagger.json"),
    ]
    .into_iter()
    .find(|path| path.is_file())
    .ok_or("no powerbi-swagger.json in spec/reference or ../shared/reference")?;
    let converted = dir.join("converted.json");
    let _ = std::fs::remove_file(&converted);
    eprintln!("powerbi-bench: converting the description with swagger2openapi 7.0.8 (npx)");
    let mut npx = Command::new("npx");
    npx.current_dir(&dir)
        .args(["--yes", "swagger2openapi@7.0.8"])
        .arg(&swagger)
        .arg("-o")
        .arg(&converted);
    run_child(&mut npx)
        .map_err(|e| format!("npx could not run ({e})"))?
        .check("npx --yes swagger2openapi@7.0.8")?;
    let text =
        std::fs::read_to_string(&converted).map_err(|e| format!("{}: {e}", converted.display()))?;
    let mut spec: Value =
        serde_json::from_str(&text).map_err(|e| format!("swagger2openapi's output: {e}"))?;
    let edits = edit(&mut spec);
    if edits.is_empty() {
        return Err("the converted description needed none of the expected edits".to_owned());
    }
    let operations = spec["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(_, item)| item.as_object())
        .flat_map(|item| item.values())
        .filter(|operation| operation.get("operationId").is_some())
        .count();
    let openapi = dir.join("openapi.json");
    let edited = serde_json::to_string_pretty(&spec).map_err(|e| e.to_string())?;
    write_if_changed(&openapi, &edited)?;
    write_if_changed(&dir.join("Cargo.toml"), MANIFEST)?;
    write_if_changed(&dir.join("build.rs"), BUILD_RS)?;
    write_if_changed(&dir.join("src/lib.rs"), LIB_RS)?;
    eprintln!("powerbi-bench: building progenitor's client (debug, build and check)");
    for verb in ["build", "check"] {
        run_child(crate_cargo(ctx).arg(verb))?.check(&format!("cargo {verb} of {PACKAGE}"))?;
    }
    Ok(Prepared { edits, operations })
}

/// Lines of the client progenitor generated (`$OUT_DIR/codegen.rs`), if it can be found.
pub fn generated_lines(ctx: &Ctx) -> Option<usize> {
    let build = target_dir(ctx).join("debug/build");
    std::fs::read_dir(build)
        .ok()?
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with("progenitor-powerbi-")
        })
        .find_map(|entry| std::fs::read_to_string(entry.path().join("out/codegen.rs")).ok())
        .map(|text| text.lines().count())
}

/// Writes a file unless it already holds the text, so cargo does not rerun the generator.
fn write_if_changed(path: &Path, text: &str) -> Outcome<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The two edits progenitor 0.15.1 needs (see the module docs); returns one line per change.
pub fn edit(spec: &mut Value) -> Vec<String> {
    let mut edits = Vec::new();
    if let Some(named) = spec["components"]["requestBodies"].as_object_mut() {
        for (name, body) in named {
            keep_json(
                &format!("components.requestBodies.{name}"),
                body,
                &mut edits,
            );
        }
    }
    if let Some(paths) = spec["paths"].as_object_mut() {
        for (path, item) in paths {
            for (method, operation) in item.as_object_mut().into_iter().flatten() {
                if let Some(body) = operation.get_mut("requestBody") {
                    keep_json(&format!("{method} {path}"), body, &mut edits);
                }
            }
        }
    }
    // Edit 2: a property spelled otherwise than its schema's `required` list takes that spelling.
    if let Some(schemas) = spec["components"]["schemas"].as_object_mut() {
        for (name, schema) in schemas {
            let required: Vec<String> = schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|key| key.as_str().map(str::to_owned))
                .collect();
            let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut)
            else {
                continue;
            };
            for wanted in required {
                if properties.contains_key(&wanted) {
                    continue;
                }
                let Some(spelled) = properties
                    .keys()
                    .find(|key| key.eq_ignore_ascii_case(&wanted))
                    .cloned()
                else {
                    continue;
                };
                if let Some(property) = properties.remove(&spelled) {
                    properties.insert(wanted.clone(), property);
                    edits.push(format!(
                        "components.schemas.{name}: property `{spelled}` renamed `{wanted}` (its `required` spelling)"
                    ));
                }
            }
        }
    }
    edits
}

/// Edit 1: a request body with several media types keeps only `application/json`.
fn keep_json(place: &str, body: &mut Value, edits: &mut Vec<String>) {
    let Some(content) = body.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    if content.len() > 1 && content.contains_key("application/json") {
        let dropped: Vec<String> = content
            .keys()
            .filter(|kind| *kind != "application/json")
            .cloned()
            .collect();
        content.retain(|kind, _| kind == "application/json");
        edits.push(format!(
            "{place}: kept `application/json`, dropped `{}`",
            dropped.join("`, `")
        ));
    }
}

const MANIFEST: &str = r#"[package]
name = "progenitor-powerbi"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
progenitor-client = "=0.15.1"
# The same TLS as powerbi: rustls with ring (progenitor-client takes reqwest without defaults).
reqwest = { version = "0.13", default-features = false, features = ["rustls-no-provider", "json", "query", "stream"] }
rustls = { version = "0.23", default-features = false, features = ["ring", "std", "tls12"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
chrono = { version = "0.4", default-features = false, features = ["serde", "std", "clock"] }
uuid = { version = "1", features = ["serde", "v4"] }
regress = "0.10"

[build-dependencies]
progenitor = "=0.15.1"
openapiv3 = "2"
prettyplease = "0.2"
serde_json = "1"
syn = "2"

[workspace]

# As the powerbi-rs workspace's dev profile.
[profile.dev]
debug = "line-tables-only"

[profile.dev.package."*"]
debug = false
"#;

const BUILD_RS: &str = r#"//! Generates progenitor's client for the converted Power BI description.
fn main() {
    let path = "openapi.json";
    println!("cargo:rerun-if-changed={path}");
    let file = std::fs::File::open(path).expect("openapi.json");
    let spec: openapiv3::OpenAPI = serde_json::from_reader(file).expect("an OpenAPI 3 document");
    let mut generator = progenitor::Generator::default();
    let tokens = generator.generate_tokens(&spec).expect("progenitor generates");
    let file = syn::parse2(tokens).expect("generated Rust parses");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("codegen.rs");
    std::fs::write(out, prettyplease::unparse(&file)).expect("writing codegen.rs");
}
"#;

const LIB_RS: &str = r#"//! progenitor 0.15.1's client for the Power BI REST API.
include!(concat!(env!("OUT_DIR"), "/codegen.rs"));
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_what_progenitor_rejects_and_nothing_else() {
        let mut spec = serde_json::json!({
            "paths": {
                "/imports": { "post": {
                    "operationId": "PostImport",
                    "requestBody": { "content": {
                        "application/json": { "schema": {} },
                        "multipart/form-data": { "schema": {} }
                    } }
                } },
                "/groups": { "post": {
                    "operationId": "AddGroup",
                    "requestBody": { "content": { "application/json": { "schema": {} } } }
                } }
            },
            "components": { "schemas": {
                "DataflowUser": {
                    "required": ["dataflowUserAccessRight"],
                    "properties": { "DataflowUserAccessRight": { "type": "string" } }
                },
                "Group": {
                    "required": ["id"],
                    "properties": { "id": { "type": "string" } }
                }
            } }
        });
        let edits = edit(&mut spec);
        assert_eq!(edits.len(), 2, "{edits:?}");
        let content = &spec["paths"]["/imports"]["post"]["requestBody"]["content"];
        assert_eq!(content.as_object().map(|c| c.len()), Some(1));
        assert!(content.get("application/json").is_some());
        let properties = &spec["components"]["schemas"]["DataflowUser"]["properties"];
        assert!(properties.get("dataflowUserAccessRight").is_some());
        assert!(properties.get("DataflowUserAccessRight").is_none());
        assert!(spec["components"]["schemas"]["Group"]["properties"]["id"].is_object());
    }
}
