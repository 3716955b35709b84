//! Embeds the curated spec into the library (`powerbi_codegen::bundled`), so that a registry
//! install generates a client, or a subset of one, without a checkout of the repository.
//!
//! The package ships the spec as `spec/` (in the repository a symlink to `../spec`, which
//! `cargo package` follows). Where git wrote that symlink as a plain file (Windows without
//! symlink support), the spec is read from `../spec` instead.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let spec_dir = [manifest_dir.join("spec"), manifest_dir.join("../spec")]
        .into_iter()
        .find(|dir| dir.is_dir())
        .expect("powerbi-codegen's spec: neither spec/ nor ../spec is a folder");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed={}", spec_dir.display());

    // `README.md` at the top, then every API folder's YAML files as `<api>/<file>`
    // (`reference/` holds Microsoft's descriptions, which the package ships but does not embed).
    let mut names = vec!["README.md".to_owned()];
    for api in read_names(&spec_dir) {
        let folder = spec_dir.join(&api);
        if api == "reference" || !folder.is_dir() {
            continue;
        }
        names.extend(
            read_names(&folder)
                .into_iter()
                .filter(|name| name.ends_with(".yaml"))
                .map(|name| format!("{api}/{name}")),
        );
    }
    names.sort();
    assert!(
        names.iter().any(|name| name.ends_with("/api.yaml")),
        "no <api>/api.yaml in {}",
        spec_dir.display()
    );

    let mut code = String::from("&[\n");
    for name in &names {
        let path = spec_dir.join(name);
        let path = path.to_str().expect("powerbi-codegen's spec path is UTF-8");
        writeln!(code, "    ({name:?}, include_str!({path:?})),").expect("writing to a String");
    }
    code.push_str("]\n");
    std::fs::write(out_dir.join("bundled_spec.rs"), code).expect("OUT_DIR is writable");
}

/// The names of a folder's entries.
fn read_names(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("the spec folder is readable")
        .map(|entry| entry.expect("a readable entry").file_name())
        .filter_map(|name| name.into_string().ok())
        .collect()
}
