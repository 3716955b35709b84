//! The checked-in snapshot of the generated client matches what the spec generates, so every
//! spec change shows up as a readable diff in `generated/snapshot/powerbi.rs`.

use std::path::PathBuf;

#[test]
fn checked_in_snapshot_matches_the_spec() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let sources =
        powerbi_codegen::read_spec_dir(&root.join("spec")).expect("the spec folder reads");
    let spec = powerbi_codegen::load(&sources).expect("the spec is valid");
    let host = powerbi_codegen::HostCrate::powerbi();
    let rendered = powerbi_codegen::render(&spec, &host).expect("the spec renders");
    let snapshot = root.join("generated/snapshot/powerbi.rs");
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::write(&snapshot, &rendered).expect("snapshot written");
        return;
    }
    let current = std::fs::read_to_string(&snapshot).unwrap_or_default();
    assert!(
        current == rendered,
        "generated/snapshot/powerbi.rs is out of date with spec/; run `UPDATE_EXPECTED=1 cargo test -p powerbi-e2e snapshot` and commit the diff"
    );
}

#[test]
fn every_category_has_a_cargo_feature_on_by_default() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let sources =
        powerbi_codegen::read_spec_dir(&root.join("spec")).expect("the spec folder reads");
    let spec = powerbi_codegen::load(&sources).expect("the spec is valid");
    let manifest = std::fs::read_to_string(root.join("generated/Cargo.toml")).expect("manifest");
    let features = manifest
        .split("[features]")
        .nth(1)
        .expect("a [features] table");
    let features = features.split("\n[").next().unwrap_or_default();
    let default_line = features
        .lines()
        .find(|line| line.starts_with("default"))
        .expect("default features");
    for category in &spec.categories {
        assert!(
            features
                .lines()
                .any(|line| line.trim() == format!("{} = []", category.name)),
            "generated/Cargo.toml lacks the feature `{0} = []` for the spec category {0}",
            category.name
        );
        assert!(
            default_line.contains(&format!("\"{}\"", category.name)),
            "{} is not a default feature",
            category.name
        );
    }
}
