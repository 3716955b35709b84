//! The checked-in snapshots of the generated code match what the spec generates, so every
//! spec change shows up as a readable diff in `generated/snapshot/` (the clients of both APIs,
//! `powerbi.rs` and `fabric.rs`), `generated/models/snapshot/powerbi.rs` (Power BI's models) or
//! `generated/fabric-models/snapshot/fabric.rs` (Fabric's).

use std::path::PathBuf;

#[test]
fn checked_in_snapshots_match_the_spec() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let apis = [
        (
            "powerbi",
            powerbi_codegen::HostCrate::powerbi(),
            powerbi_codegen::HostCrate::powerbi_models(),
            "generated/models/snapshot",
        ),
        (
            "fabric",
            powerbi_codegen::HostCrate::powerbi_fabric(),
            powerbi_codegen::HostCrate::powerbi_fabric_models(),
            "generated/fabric-models/snapshot",
        ),
    ];
    let mut stale = Vec::new();
    for (api, clients, models, models_folder) in apis {
        let spec = spec(api);
        for (folder, host) in [("generated/snapshot", clients), (models_folder, models)] {
            let rendered = powerbi_codegen::render(&spec, &host).expect("the spec renders");
            let snapshot = root.join(format!("{folder}/{api}.rs"));
            if std::env::var_os("UPDATE_EXPECTED").is_some() {
                std::fs::write(&snapshot, &rendered).expect("snapshot written");
                continue;
            }
            let current = std::fs::read_to_string(&snapshot).unwrap_or_default();
            if current != rendered {
                stale.push(format!("{folder}/{api}.rs"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "{} out of date with spec/; run `UPDATE_EXPECTED=1 cargo test -p powerbi-e2e snapshot` and commit the diff",
        stale.join(" and ")
    );
}

/// The spec of `api`.
fn spec(api: &str) -> powerbi_codegen::api::Api {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let sources = powerbi_codegen::read_spec_dir(&root.join("spec").join(api))
        .expect("the spec folder reads");
    powerbi_codegen::load(&sources).expect("the spec is valid")
}

/// The `[features]` table of the manifest at `path` (from the repository's root).
fn features(path: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let manifest = std::fs::read_to_string(root.join(path)).expect("manifest");
    let features = manifest
        .split("[features]")
        .nth(1)
        .expect("a [features] table");
    features.split("\n[").next().unwrap_or_default().to_owned()
}

/// The `[features]` tables of the two crates that declare an API's category features:
/// `powerbi`, which forwards each to the models' crate, and that crate (`models`, the path of
/// its manifest); with their paths.
fn manifests(models: &'static str) -> [(String, &'static str); 2] {
    ["generated/Cargo.toml", models].map(|path| (features(path), path))
}

const POWER_BI_MODELS: &str = "generated/models/Cargo.toml";
const FABRIC_MODELS: &str = "generated/fabric-models/Cargo.toml";

/// The line declaring feature `name` in a `[features]` table.
fn feature_line<'a>(features: &'a str, manifest: &str, name: &str) -> &'a str {
    features
        .lines()
        .find(|line| line.starts_with(&format!("{name} = ")))
        .unwrap_or_else(|| panic!("{manifest} has no feature `{name}`"))
}

#[test]
fn every_category_has_a_cargo_feature_on_by_default_forwarded_to_the_models() {
    let spec = spec("powerbi");
    let [(clients, _), (models, _)] = &manifests(POWER_BI_MODELS);
    for (features, manifest) in &manifests(POWER_BI_MODELS) {
        let default_line = feature_line(features, manifest, "default");
        for category in &spec.categories {
            assert!(
                default_line.contains(&format!("\"{}\"", category.name)),
                "{} is not a default feature of {manifest}",
                category.name
            );
        }
    }
    for category in &spec.categories {
        let name = &category.name;
        assert_eq!(
            feature_line(models, POWER_BI_MODELS, name),
            format!("{name} = []")
        );
        assert_eq!(
            feature_line(clients, "generated/Cargo.toml", name),
            format!("{name} = [\"powerbi-models/{name}\"]"),
            "`powerbi`'s feature {name} must turn on the models' one"
        );
    }
}

#[test]
fn every_fabric_category_has_a_cargo_feature_off_by_default_forwarded_to_the_fabric_models() {
    let spec = spec("fabric");
    for (features, manifest) in &manifests(FABRIC_MODELS) {
        let default_line = feature_line(features, manifest, "default");
        let umbrella = feature_line(features, manifest, "fabric");
        let mut expected = 0;
        for category in spec.categories.iter().filter(|c| !c.operations.is_empty()) {
            let feature = format!("fabric_{}", category.name);
            let wanted = if *manifest == "generated/Cargo.toml" {
                format!("{feature} = [\"_fabric\", \"powerbi-fabric-models/{feature}\"]")
            } else {
                format!("{feature} = []")
            };
            assert_eq!(feature_line(features, manifest, &feature), wanted);
            assert!(
                umbrella.contains(&format!("\"{feature}\"")),
                "`fabric` of {manifest} does not turn on {feature}"
            );
            assert!(
                !default_line.contains(&format!("\"{feature}\"")),
                "{feature} is on by default in {manifest}; Fabric is opt-in (README, Cargo features)"
            );
            expected += 1;
        }
        let declared = features
            .lines()
            .filter(|line| line.starts_with("fabric_"))
            .count();
        assert_eq!(
            declared, expected,
            "{manifest} declares Fabric features the spec has no category for"
        );
    }
    let power_bi_models = features(POWER_BI_MODELS);
    assert!(
        !power_bi_models
            .lines()
            .any(|line| line.starts_with("fabric") || line.starts_with("_fabric")),
        "{POWER_BI_MODELS} declares a Fabric feature; Fabric's models are powerbi-fabric-models'"
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
