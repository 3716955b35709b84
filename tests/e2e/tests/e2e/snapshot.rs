//! The checked-in snapshots of the generated clients match what the spec generates, so every
//! spec change shows up as a readable diff in `generated/snapshot/powerbi.rs` or
//! `generated/snapshot/fabric.rs`.

use std::path::PathBuf;

#[test]
fn checked_in_snapshots_match_the_spec() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let apis = [
        ("powerbi", powerbi_codegen::HostCrate::powerbi()),
        ("fabric", powerbi_codegen::HostCrate::powerbi_fabric()),
    ];
    let mut stale = Vec::new();
    for (api, host) in apis {
        let sources = powerbi_codegen::read_spec_dir(&root.join("spec").join(api))
            .expect("the spec folder reads");
        let spec = powerbi_codegen::load(&sources).expect("the spec is valid");
        let rendered = powerbi_codegen::render(&spec, &host).expect("the spec renders");
        let snapshot = root.join(format!("generated/snapshot/{api}.rs"));
        if std::env::var_os("UPDATE_EXPECTED").is_some() {
            std::fs::write(&snapshot, &rendered).expect("snapshot written");
            continue;
        }
        let current = std::fs::read_to_string(&snapshot).unwrap_or_default();
        if current != rendered {
            stale.push(format!("generated/snapshot/{api}.rs"));
        }
    }
    assert!(
        stale.is_empty(),
        "{} out of date with spec/; run `UPDATE_EXPECTED=1 cargo test -p powerbi-e2e snapshot` and commit the diff",
        stale.join(" and ")
    );
}

/// The spec of `api` and the `[features]` table of `generated/Cargo.toml`.
fn spec_and_features(api: &str) -> (powerbi_codegen::api::Api, String) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let sources = powerbi_codegen::read_spec_dir(&root.join("spec").join(api))
        .expect("the spec folder reads");
    let spec = powerbi_codegen::load(&sources).expect("the spec is valid");
    let manifest = std::fs::read_to_string(root.join("generated/Cargo.toml")).expect("manifest");
    let features = manifest
        .split("[features]")
        .nth(1)
        .expect("a [features] table");
    let features = features.split("\n[").next().unwrap_or_default().to_owned();
    (spec, features)
}

#[test]
fn every_category_has_a_cargo_feature_on_by_default() {
    let (spec, features) = spec_and_features("powerbi");
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

#[test]
fn every_fabric_category_has_a_cargo_feature_off_by_default() {
    let (spec, features) = spec_and_features("fabric");
    let line_of = |name: &str| {
        features
            .lines()
            .find(|line| line.starts_with(&format!("{name} = ")))
            .unwrap_or_else(|| panic!("generated/Cargo.toml has no feature `{name}`"))
    };
    let (default_line, umbrella) = (line_of("default"), line_of("fabric"));
    let mut expected = Vec::new();
    for category in spec.categories.iter().filter(|c| !c.operations.is_empty()) {
        let feature = format!("fabric_{}", category.name);
        assert_eq!(line_of(&feature), format!("{feature} = [\"_fabric\"]"));
        assert!(
            umbrella.contains(&format!("\"{feature}\"")),
            "`fabric` does not turn on {feature}"
        );
        assert!(
            !default_line.contains(&format!("\"{feature}\"")),
            "{feature} is on by default; Fabric is opt-in (README, Cargo features)"
        );
        expected.push(feature);
    }
    let declared = features
        .lines()
        .filter(|line| line.starts_with("fabric_"))
        .count();
    assert_eq!(
        declared,
        expected.len(),
        "generated/Cargo.toml declares Fabric features the spec has no category for"
    );
}

#[test]
fn the_api_description_names_the_runtimes_clouds() {
    // spec/powerbi/api.yaml describes the clouds and the token once; the runtime's `Cloud`
    // presets are what the client uses today: they must say the same.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let sources =
        powerbi_codegen::read_spec_dir(&root.join("spec/powerbi")).expect("the spec folder reads");
    let spec = powerbi_codegen::load(&sources).expect("the spec is valid");
    let described = &spec.description;
    assert_eq!(described.clouds.len(), 5, "{:?}", described.clouds);
    for cloud in &described.clouds {
        let preset = powerbi::Cloud::from_name(&cloud.name)
            .unwrap_or_else(|| panic!("no runtime preset for cloud '{}'", cloud.name));
        assert_eq!(
            preset.api_base.as_str().trim_end_matches('/'),
            cloud.base_url
        );
        assert_eq!(
            preset.authority_host.as_str().trim_end_matches('/'),
            cloud.authority
        );
        assert_eq!(preset.resource, cloud.audience, "cloud {}", cloud.name);
    }
    assert_eq!(
        described.token.scope,
        powerbi::Cloud::public().default_scope()
    );
    assert_eq!(described.known_scopes, powerbi_codegen::KNOWN_SCOPES);
}
