//! The checked-in snapshots of the generated code match what the spec generates, so every
//! spec change shows up as a readable diff in `generated/snapshot/` (the clients of both APIs,
//! `powerbi.rs` and `fabric.rs`), `generated/models/snapshot/` (Power BI's models) or
//! `generated/fabric-models-{shared,1,2}/snapshot/` (Fabric's, in two parts and the models
//! both use). Each root file includes a file per category from the folder named like it
//! (`powerbi/datasets.rs`); a file there that the spec no longer generates is stale too.

use std::path::PathBuf;

#[test]
fn checked_in_snapshots_match_the_spec() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    // Part 0 is the models the parts share.
    let fabric_models = (0..=powerbi_codegen::FABRIC_MODEL_PARTS).map(|part| {
        let folder = match part {
            0 => "generated/fabric-models-shared/snapshot".to_owned(),
            part => format!("generated/fabric-models-{part}/snapshot"),
        };
        (
            folder,
            powerbi_codegen::HostCrate::powerbi_fabric_models(part),
        )
    });
    let apis = [
        (
            "powerbi",
            vec![
                (
                    "generated/snapshot".to_owned(),
                    powerbi_codegen::HostCrate::powerbi(),
                ),
                (
                    "generated/models/snapshot".to_owned(),
                    powerbi_codegen::HostCrate::powerbi_models(),
                ),
            ],
        ),
        (
            "fabric",
            std::iter::once((
                "generated/snapshot".to_owned(),
                powerbi_codegen::HostCrate::powerbi_fabric(),
            ))
            .chain(fabric_models)
            .collect(),
        ),
    ];
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    let mut stale = Vec::new();
    for (api, files) in apis {
        let spec = spec(api);
        for (folder, host) in files {
            let file_name = format!("{api}.rs");
            if update {
                // What a `_regenerate` build script writes, stale files removed.
                powerbi_codegen::Builder::new(root.join("spec").join(api))
                    .host(host)
                    .file_name(&file_name)
                    .out_dir(root.join(&folder))
                    .rerun_if_changed(false)
                    .generate()
                    .expect("snapshot written");
                continue;
            }
            let rendered =
                powerbi_codegen::render_files(&spec, &host, &file_name).expect("the spec renders");
            // The root file and the category files it includes, from `{api}/`.
            assert!(
                rendered.len() > 1,
                "{folder}: every category in a file of its own"
            );
            for file in &rendered {
                let snapshot = root.join(&folder).join(&file.path);
                if std::fs::read_to_string(&snapshot).unwrap_or_default() != file.text {
                    stale.push(format!("{folder}/{}", file.path.display()));
                }
            }
            // A file no category renders any more (a category removed, renamed or moved).
            let category_folder = root.join(&folder).join(api);
            let entries = std::fs::read_dir(&category_folder).into_iter().flatten();
            for entry in entries {
                let path = entry.expect("a folder entry").path();
                let relative = path.strip_prefix(root.join(&folder)).expect("inside");
                if !rendered.iter().any(|file| file.path == relative) {
                    stale.push(format!(
                        "{folder}/{} (no longer generated)",
                        relative.display()
                    ));
                }
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

/// The `[features]` tables of the crates that declare an API's category features: `powerbi`,
/// which forwards each to the models' crates, and those (`models`, the paths of their
/// manifests); with their paths.
fn manifests(models: &[&'static str]) -> Vec<(String, &'static str)> {
    std::iter::once("generated/Cargo.toml")
        .chain(models.iter().copied())
        .map(|path| (features(path), path))
        .collect()
}

const POWER_BI_MODELS: &str = "generated/models/Cargo.toml";
/// Fabric's models, in [`powerbi_codegen::FABRIC_MODEL_PARTS`] crates and the one with the
/// models they share.
const FABRIC_MODELS: [&str; powerbi_codegen::FABRIC_MODEL_PARTS + 1] = [
    "generated/fabric-models-1/Cargo.toml",
    "generated/fabric-models-2/Cargo.toml",
    FABRIC_SHARED_MODELS,
];
const FABRIC_SHARED_MODELS: &str = "generated/fabric-models-shared/Cargo.toml";

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
    let manifests = manifests(&[POWER_BI_MODELS]);
    let (clients, models) = (&manifests[0].0, &manifests[1].0);
    for (features, manifest) in &manifests {
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
    for (features, manifest) in &manifests(&FABRIC_MODELS) {
        let default_line = feature_line(features, manifest, "default");
        let umbrella = feature_line(features, manifest, "fabric");
        let mut expected = 0;
        for category in spec.categories.iter().filter(|c| !c.operations.is_empty()) {
            let feature = format!("fabric_{}", category.name);
            let wanted = if *manifest == "generated/Cargo.toml" {
                format!(
                    "{feature} = [\"_fabric\", \"powerbi-fabric-models-1/{feature}\", \"powerbi-fabric-models-2/{feature}\"]"
                )
            } else if *manifest == FABRIC_SHARED_MODELS {
                format!("{feature} = []")
            } else {
                // A part turns on the shared models its category uses.
                format!("{feature} = [\"powerbi-fabric-models-shared/{feature}\"]")
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
        "{POWER_BI_MODELS} declares a Fabric feature; Fabric's models are powerbi-fabric-models-*'"
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
