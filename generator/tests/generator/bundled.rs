//! The spec bundled in the crate (what a registry install generates from) is the spec folder
//! it was built from, file for file, and generates the same client and subsets; the CLI uses it
//! when `--spec` is left out and exports it for editing.

use std::path::Path;

use powerbi_codegen::{Builder, bundled};

use super::support::{REAL_SPEC, host, sources, temp_dir};

#[test]
fn the_bundled_sources_are_the_spec_folder() {
    let from_dir = sources(Path::new(REAL_SPEC));
    let from_bundle = bundled::sources();
    assert_eq!(
        from_bundle
            .iter()
            .map(|source| (source.path.file_name(), source.text.as_str()))
            .collect::<Vec<_>>(),
        from_dir
            .iter()
            .map(|source| (source.path.file_name(), source.text.as_str()))
            .collect::<Vec<_>>(),
        "bundled::sources() differs from read_spec_dir({REAL_SPEC})"
    );
    // The bundle also carries what an exported copy needs beside the categories.
    let names: Vec<&str> = bundled::FILES.iter().map(|(name, _)| *name).collect();
    for name in [
        "README.md",
        "powerbi/api.yaml",
        "powerbi/excluded.yaml",
        "powerbi/shared.yaml",
        "fabric/api.yaml",
    ] {
        assert!(names.contains(&name), "{name} is not bundled: {names:?}");
    }
}

#[test]
fn the_bundled_builder_generates_what_the_folder_generates() {
    let dir = temp_dir("bundled");
    for categories in [None, Some(["groups", "datasets"])] {
        let generate = |builder: Builder, file: &str| {
            let builder = builder
                .out_dir(&dir)
                .file_name(file)
                .rerun_if_changed(false);
            let builder = match categories {
                Some(categories) => builder.categories(categories),
                None => builder,
            };
            let path = builder.generate().expect("the spec generates");
            std::fs::read_to_string(path).unwrap()
        };
        let bundled = generate(Builder::bundled(), "bundled.rs");
        let folder = generate(Builder::new(REAL_SPEC), "folder.rs");
        assert!(
            bundled == folder,
            "Builder::bundled() and Builder::new({REAL_SPEC}) differ for {categories:?}"
        );
        if categories.is_some() {
            assert!(bundled.contains("pub mod groups {") && !bundled.contains("pub mod reports {"));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_exported_spec_loads_like_the_bundle_and_is_never_overwritten() {
    let dir = temp_dir("export");
    let written = bundled::export(&dir).expect("export into a new folder");
    assert_eq!(written.len(), bundled::FILES.len());
    let exported =
        powerbi_codegen::load(&sources(&dir.join("powerbi"))).expect("the exported spec loads");
    let api = powerbi_codegen::load(&bundled::sources()).unwrap();
    assert!(
        powerbi_codegen::render(&exported, &host()).unwrap()
            == powerbi_codegen::render(&api, &host()).unwrap(),
        "the exported spec renders differently from the bundle"
    );

    // Exporting again over an unchanged copy is fine; over an edited file it refuses and
    // leaves the edit alone.
    bundled::export(&dir).expect("export over an identical copy");
    let edited = dir.join("powerbi/groups.yaml");
    std::fs::write(&edited, "# my edit\n").unwrap();
    let error = bundled::export(&dir).expect_err("an edited file is not overwritten");
    assert!(error.to_string().contains("groups.yaml"), "{error}");
    assert_eq!(std::fs::read_to_string(&edited).unwrap(), "# my edit\n");
    std::fs::remove_dir_all(&dir).unwrap();
}
