//! The real spec (`spec/powerbi`; in the repository `spec` is a symlink to `../spec`) loads and renders; `select` keeps exactly what the chosen
//! categories reach; the I/O half reports what it cannot read.

use std::collections::BTreeSet;
use std::path::Path;

use powerbi_codegen::api::{Api, BodyKind, Response, TypeRef};
use powerbi_codegen::{Error, HostCrate};

use super::support::{POWERBI_SWAGGER, REAL_SPEC, host, sources, valid_dir};

fn real_spec() -> Api {
    powerbi_codegen::load(&sources(Path::new(REAL_SPEC)))
        .unwrap_or_else(|error| panic!("the real spec should be valid:\n{error}"))
}

/// Fabric's spec, `spec/fabric`.
fn fabric_spec() -> Api {
    powerbi_codegen::load(&sources(&Path::new(REAL_SPEC).with_file_name("fabric")))
        .unwrap_or_else(|error| panic!("Fabric's spec should be valid:\n{error}"))
}

fn fixture(name: &str) -> Api {
    powerbi_codegen::load(&sources(&valid_dir(name))).expect("valid fixture")
}

fn names(items: impl IntoIterator<Item = impl AsRef<str>>) -> BTreeSet<String> {
    items
        .into_iter()
        .map(|item| item.as_ref().to_owned())
        .collect()
}

/// Every model and enum a type mentions.
fn mentioned(ty: &TypeRef, into: &mut BTreeSet<String>) {
    match ty {
        TypeRef::Model(name) | TypeRef::Enum(name) => {
            into.insert(name.clone());
        }
        TypeRef::List(item) | TypeRef::Map(item) => mentioned(item, into),
        _ => {}
    }
}

/// The models and enums the operations of `api` reach, directly or through fields.
fn reachable(api: &Api) -> BTreeSet<String> {
    let mut pending = BTreeSet::new();
    for operation in api
        .categories
        .iter()
        .flat_map(|category| &category.operations)
    {
        for parameter in &operation.parameters {
            mentioned(&parameter.ty, &mut pending);
        }
        if let Some(BodyKind::Json(model)) = operation.body.as_ref().map(|body| &body.kind) {
            pending.insert(model.clone());
        }
        match &operation.response {
            Response::Model(name) => {
                pending.insert(name.clone());
            }
            Response::List(item) | Response::Array(item) => mentioned(item, &mut pending),
            Response::None | Response::Binary => {}
        }
    }
    let mut reached = BTreeSet::new();
    while let Some(name) = pending.pop_first() {
        if !reached.insert(name.clone()) {
            continue;
        }
        for model in api.models.iter().filter(|model| model.name == name) {
            for field in &model.fields {
                mentioned(&field.ty, &mut pending);
            }
        }
    }
    reached
}

fn declared(api: &Api) -> BTreeSet<String> {
    api.models
        .iter()
        .map(|model| model.name.clone())
        .chain(api.enums.iter().map(|item| item.name.clone()))
        .collect()
}

#[test]
fn real_spec_loads_and_renders() {
    let api = real_spec();
    assert!(
        !api.categories.is_empty(),
        "the real spec has no categories"
    );
    assert!(api.models.len() > 10 && !api.enums.is_empty());
    assert_eq!(api.hash.len(), 64);
    let text = powerbi_codegen::render(&api, &host()).expect("the real spec renders");
    for category in &api.categories {
        assert!(
            text.contains(&format!("pub mod {} {{", category.name)),
            "no module for category '{}'",
            category.name
        );
    }
    // The way the `powerbi` crate itself generates it, too.
    let text = powerbi_codegen::render(&api, &HostCrate::powerbi()).expect("the real spec renders");
    assert!(text.contains("impl rt::PowerBiClient {"));
    assert!(!text.contains("trait CategoryClients"));
    for category in &api.categories {
        assert!(
            text.contains(&format!("#[cfg(feature = \"{}\")]", category.name)),
            "category '{}' is not behind its feature",
            category.name
        );
    }
}

#[test]
fn the_models_layouts_split_the_same_code_between_two_crates() {
    let api = real_spec();
    let whole = powerbi_codegen::render(&api, &host()).expect("the real spec renders");
    let models = powerbi_codegen::render(&api, &HostCrate::powerbi_models()).expect("models");
    let clients = powerbi_codegen::render(&api, &HostCrate::powerbi()).expect("clients");
    // The models alone: every model and enum, reaching the runtime crate directly, and nothing
    // of the clients.
    assert!(models.contains("use ::powerbi_types as rt;"));
    for model in &api.models {
        assert!(
            models.contains(&format!("pub struct {} {{", model.name)),
            "the models file lacks {}",
            model.name
        );
        assert!(!clients.contains(&format!("pub struct {} {{", model.name)));
    }
    for item in &api.enums {
        assert!(models.contains(&format!("pub enum {} {{", item.name)));
    }
    assert!(!models.contains("OPERATIONS") && !models.contains("pub mod models"));
    for category in &api.categories {
        assert!(!models.contains(&format!("pub mod {} {{", category.name)));
    }
    // The clients re-export them under the name the category modules use; a whole file keeps
    // its own module.
    assert!(clients.contains("pub use ::powerbi_models::power_bi as models;"));
    assert!(!clients.contains("pub mod models"));
    assert!(whole.contains("pub mod models {") && !whole.contains("as models;"));
    // Same models either way: the whole file's models module holds the same items.
    let structs = |text: &str| text.matches("pub struct ").count();
    assert_eq!(
        structs(&models),
        structs(&whole) - structs(&clients),
        "the split lost or doubled a struct"
    );
}

#[test]
fn fabric_models_split_into_balanced_parts_and_what_they_share() {
    let api = fabric_spec();
    let parts = powerbi_codegen::FABRIC_MODEL_PARTS;
    // Part 0 is the shared models, 1..=parts the parts.
    let files: Vec<String> = (0..=parts)
        .map(|part| {
            powerbi_codegen::render(&api, &HostCrate::powerbi_fabric_models(part))
                .expect("a part renders")
        })
        .collect();
    // The names each file defines (`pub struct Name {`, `pub enum Name {`), one pass a file: a
    // text search a name took this test 40 s in a debug build.
    let defined: Vec<BTreeSet<&str>> = files
        .iter()
        .map(|text| {
            text.lines()
                .filter_map(|line| {
                    let line = line.trim_start();
                    let rest = line
                        .strip_prefix("pub struct ")
                        .or_else(|| line.strip_prefix("pub enum "))?;
                    rest.strip_suffix(" {")
                })
                .collect()
        })
        .collect();
    // Every model and enum in exactly one file.
    let mut placed: Vec<usize> = vec![0; files.len()];
    for name in api
        .models
        .iter()
        .map(|m| &m.name)
        .chain(api.enums.iter().map(|e| &e.name))
    {
        let holders: Vec<usize> = (0..files.len())
            .filter(|&i| defined[i].contains(name.as_str()))
            .collect();
        assert_eq!(holders.len(), 1, "{name} is in files {holders:?}");
        placed[holders[0]] += 1;
    }
    // A part's features: the categories whose models it holds.
    let features = |text: &str| -> BTreeSet<String> {
        text.split("feature = \"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_owned)
            .collect()
    };
    let (one, two) = (features(&files[1]), features(&files[2]));
    assert!(
        one.is_disjoint(&two),
        "a category has models in both parts: {:?}",
        one.intersection(&two).collect::<Vec<_>>()
    );
    // The parts reach the shared models, and only those, beside their own.
    for part in &files[1..] {
        assert!(part.contains("use ::powerbi_fabric_models_shared::*;"));
    }
    assert!(!files[0].contains("powerbi_fabric_models_"));
    // Balanced, with little shared: each part within a fifth of the other, the shared file
    // under a tenth of the models.
    let lines: Vec<usize> = files.iter().map(|text| text.lines().count()).collect();
    let (small, large) = (lines[1].min(lines[2]), lines[1].max(lines[2]));
    assert!(small * 5 >= large * 4, "unbalanced parts: {lines:?} lines");
    assert!(
        lines[0] * 10 < lines.iter().sum::<usize>(),
        "too much shared: {lines:?} lines"
    );
    assert!(
        placed.iter().all(|&count| count > 0),
        "an empty file: {placed:?}"
    );
    // The clients re-export all three as one `models` module.
    let clients = powerbi_codegen::render(&api, &HostCrate::powerbi_fabric()).expect("clients");
    for path in ["shared", "1", "2"] {
        assert!(clients.contains(&format!("pub use ::powerbi_fabric_models_{path}::*;")));
    }
}

#[test]
fn real_spec_renders_deterministically() {
    let first = powerbi_codegen::render(&real_spec(), &host()).unwrap();
    let second = powerbi_codegen::render(&real_spec(), &host()).unwrap();
    assert!(
        first == second,
        "rendering the real spec twice gave different text"
    );
}

#[test]
fn select_keeps_only_the_reachable_models() {
    let api = fixture("two_categories");
    let apps = powerbi_codegen::select(&api, &["apps".to_owned()]).unwrap();
    assert_eq!(
        names(apps.categories.iter().map(|c| &c.name)),
        names(["apps"])
    );
    assert_eq!(
        names(apps.models.iter().map(|m| &m.name)),
        names(["App", "Icon", "Owner"])
    );
    assert_eq!(
        names(apps.enums.iter().map(|e| &e.name)),
        names(["PrincipalType"])
    );
    assert_eq!(apps.hash, api.hash);

    let imports = powerbi_codegen::select(&api, &["imports".to_owned()]).unwrap();
    assert_eq!(
        names(imports.models.iter().map(|m| &m.name)),
        names(["Import", "ImportRequest", "Owner"])
    );
    assert_eq!(
        names(imports.enums.iter().map(|e| &e.name)),
        names(["ImportConflictHandlerMode", "ImportState", "PrincipalType"])
    );
    let text = powerbi_codegen::render(&imports, &host()).unwrap();
    assert!(text.contains("pub mod imports {") && !text.contains("pub mod apps {"));
    assert!(!text.contains("struct Unused") && !text.contains("struct App "));

    // Both categories: everything but the model nothing uses.
    let both = powerbi_codegen::select(&api, &["imports".to_owned(), "apps".to_owned()]).unwrap();
    let mut all = declared(&api);
    all.remove("Unused");
    assert_eq!(declared(&both), all);
}

#[test]
fn select_on_the_real_spec_is_closed_and_minimal() {
    let api = real_spec();
    for category in &api.categories {
        let selected = powerbi_codegen::select(&api, std::slice::from_ref(&category.name))
            .unwrap_or_else(|error| panic!("select {}: {error}", category.name));
        assert_eq!(selected.categories.len(), 1);
        // Closed: everything reachable is kept. Minimal: nothing else is.
        assert_eq!(
            declared(&selected),
            reachable(&selected),
            "category '{}'",
            category.name
        );
        powerbi_codegen::render(&selected, &host())
            .unwrap_or_else(|error| panic!("render {}: {error}", category.name));
    }
}

#[test]
fn select_rejects_unknown_categories_and_lists_the_known_ones() {
    let api = fixture("two_categories");
    let error = powerbi_codegen::select(&api, &["apps".to_owned(), "widgets".to_owned()])
        .expect_err("an unknown category is an error");
    assert_eq!(
        error,
        Error::Config("unknown category widgets; the spec has: apps, imports".to_owned())
    );
    let error = powerbi_codegen::select(&api, &["widgets".to_owned(), "gadgets".to_owned()])
        .expect_err("unknown categories are an error");
    assert_eq!(
        error.to_string(),
        "powerbi-codegen configuration: unknown categories widgets, gadgets; the spec has: apps, imports"
    );
    // `shared` declares models only; it is no category to select.
    let error = powerbi_codegen::select(&api, &["shared".to_owned()]).unwrap_err();
    assert!(
        error.to_string().contains("unknown category shared"),
        "{error}"
    );

    let real = real_spec();
    let error = powerbi_codegen::select(&real, &["widgets".to_owned()]).unwrap_err();
    for category in &real.categories {
        assert!(error.to_string().contains(&category.name), "{error}");
    }
}

#[test]
fn builder_writes_the_selected_client() {
    let dir = super::support::temp_dir("builder");
    let path = powerbi_codegen::Builder::new(valid_dir("two_categories"))
        .categories(["imports"])
        .out_dir(&dir)
        .file_name("client.rs")
        .rerun_if_changed(false)
        .generate()
        .expect("the builder generates");
    assert_eq!(path, dir.join("client.rs"));
    let api = fixture("two_categories");
    let selected = powerbi_codegen::select(&api, &["imports".to_owned()]).unwrap();
    let expected = powerbi_codegen::render(&selected, &host()).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);

    // A spec problem comes back as the diagnostics, and nothing is written.
    let error = powerbi_codegen::Builder::new("tests/fixtures/malformed/unknown_method")
        .out_dir(dir.join("bad"))
        .rerun_if_changed(false)
        .generate()
        .expect_err("a malformed spec fails");
    assert_eq!(error.diagnostics().len(), 2, "{error}");
    assert!(!dir.join("bad").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn builder_generates_from_the_spec_or_else_copies_the_snapshot() {
    let dir = super::support::temp_dir("snapshot-or-spec");
    std::fs::create_dir_all(&dir).unwrap();
    let snapshot = dir.join("snapshot.rs");
    std::fs::write(&snapshot, "// the checked-in snapshot\n").unwrap();
    // With the spec folder: generated from it, the snapshot unread.
    let path = powerbi_codegen::Builder::new(valid_dir("two_categories"))
        .out_dir(dir.join("from-spec"))
        .rerun_if_changed(false)
        .generate_or_copy_snapshot(&snapshot)
        .expect("generates");
    let expected = powerbi_codegen::render(&fixture("two_categories"), &host()).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    // Without it (a packaged crate): the snapshot, as it is.
    let path = powerbi_codegen::Builder::new(dir.join("no-spec-here"))
        .out_dir(dir.join("packaged"))
        .rerun_if_changed(false)
        .generate_or_copy_snapshot(&snapshot)
        .expect("copies");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "// the checked-in snapshot\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn builder_writes_a_file_per_category_and_copies_them_from_the_snapshot() {
    let dir = super::support::temp_dir("category-files");
    let host = HostCrate::powerbi_models();
    let out = dir.join("generated");
    // A file an earlier spec generated, for a category this one does not have.
    std::fs::create_dir_all(out.join("models")).unwrap();
    std::fs::write(out.join("models/gone.rs"), "// stale\n").unwrap();
    let path = powerbi_codegen::Builder::new(valid_dir("two_categories"))
        .host(host.clone())
        .file_name("models.rs")
        .out_dir(&out)
        .rerun_if_changed(false)
        .generate()
        .expect("generates");
    assert_eq!(path, out.join("models.rs"));
    let expected =
        powerbi_codegen::render_files(&fixture("two_categories"), &host, "models.rs").unwrap();
    let names: Vec<String> = expected
        .iter()
        .map(|file| file.path.display().to_string())
        .collect();
    assert_eq!(names[0], "models.rs");
    assert!(names.len() > 1, "{names:?}");
    for file in &expected {
        assert_eq!(
            std::fs::read_to_string(out.join(&file.path)).unwrap(),
            file.text
        );
        if file
            .path
            .parent()
            .is_some_and(|folder| folder == Path::new("models"))
        {
            // The root includes each category's file, from beside it.
            let included = format!("include!(\"{}\");", file.path.display());
            assert!(
                expected[0].text.contains(&included),
                "{included} in the root"
            );
        }
    }
    assert!(
        !out.join("models/gone.rs").exists(),
        "the stale file is removed"
    );
    // A packaged crate copies the snapshot's root file and its folder the same way.
    let packaged = dir.join("packaged");
    std::fs::create_dir_all(packaged.join("models")).unwrap();
    std::fs::write(packaged.join("models/gone.rs"), "// stale\n").unwrap();
    powerbi_codegen::Builder::new(dir.join("no-spec-here"))
        .host(host)
        .file_name("models.rs")
        .out_dir(&packaged)
        .rerun_if_changed(false)
        .generate_or_copy_snapshot(&path)
        .expect("copies");
    for file in &expected {
        assert_eq!(
            std::fs::read_to_string(packaged.join(&file.path)).unwrap(),
            file.text
        );
    }
    assert!(!packaged.join("models/gone.rs").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn category_files_sit_beside_their_root_file_which_must_be_a_rust_file() {
    let api = fixture("two_categories");
    let models = HostCrate::powerbi_models();
    let files = powerbi_codegen::render_files(&api, &models, "out/models.rs").unwrap();
    assert_eq!(files[0].path, Path::new("out/models.rs"));
    for file in &files[1..] {
        assert_eq!(file.path.parent(), Some(Path::new("out/models")));
        // Named from the root file's own folder.
        let name = file.path.file_name().unwrap().to_str().unwrap();
        let included = format!("include!(\"models/{name}\");");
        assert!(files[0].text.contains(&included), "{included}");
    }
    let error = powerbi_codegen::render_files(&api, &models, "models").unwrap_err();
    assert!(error.to_string().contains("ending in `.rs`"), "{error}");
    // One file needs no folder, whatever its name.
    let one = powerbi_codegen::render_files(&api, &host(), "models").unwrap();
    assert_eq!(one.len(), 1);
}

#[test]
fn read_spec_dir_reports_missing_and_empty_folders() {
    let missing = Path::new("tests/fixtures/no-such-folder");
    match powerbi_codegen::read_spec_dir(missing) {
        Err(Error::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("expected an I/O error, got {other:?}"),
    }
    let empty = super::support::temp_dir("empty");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(empty.join("notes.txt"), "not a spec").unwrap();
    let error = powerbi_codegen::read_spec_dir(&empty).unwrap_err();
    assert!(
        matches!(&error, Error::Config(message) if message.starts_with("no *.yaml spec files")),
        "{error}"
    );
    std::fs::remove_dir_all(&empty).unwrap();
}

#[test]
fn sources_are_read_sorted_with_the_given_paths() {
    let read = sources(&valid_dir("two_categories"));
    let paths: Vec<_> = read.iter().map(|source| source.path.clone()).collect();
    assert_eq!(
        paths,
        ["api.yaml", "apps.yaml", "imports.yaml", "shared.yaml"]
            .map(|name| valid_dir("two_categories").join(name))
    );
}

/// Post Import's OneDrive JSON form is a body form of `post_import`: it takes the primary's
/// operationIds and they link both ways, and coverage counts the ids once, for the primary
/// (covered, not conflicting).
#[test]
fn a_body_form_shares_its_primary_ids_and_is_not_covered_twice() {
    let api = real_spec();
    let imports = api
        .categories
        .iter()
        .find(|category| category.name == "imports")
        .expect("imports");
    let operation = |name: &str| {
        imports
            .operations
            .iter()
            .find(|operation| operation.name == name)
            .unwrap_or_else(|| panic!("imports::{name}"))
    };
    let (primary, form) = (
        operation("post_import"),
        operation("post_import_from_one_drive"),
    );
    assert_eq!(form.body_form_of.as_deref(), Some("post_import"));
    assert_eq!(primary.body_forms, ["post_import_from_one_drive"]);
    assert_eq!(form.operation_ids, primary.operation_ids);
    assert_eq!(
        form.body.as_ref().map(|body| &body.kind),
        Some(&BodyKind::Json("ImportInfo".to_owned()))
    );

    let reference =
        std::fs::read_to_string(Path::new(POWERBI_SWAGGER)).expect("Microsoft's description");
    let coverage = powerbi_codegen::coverage::coverage(&api, &[], &reference).expect("coverage");
    assert!(
        coverage.conflicting.is_empty(),
        "{:?}",
        coverage.conflicting
    );
    for id in &primary.operation_ids {
        assert_eq!(
            coverage.covered.get(id).map(String::as_str),
            Some("imports::post_import")
        );
    }
}

/// The real spec covers Microsoft's description, plus the operations `excluded.yaml` lists as
/// newer than it (Execute DAX Queries), and a stale `beyond_reference` entry is a conflict.
#[test]
fn coverage_accepts_listed_operations_beyond_the_reference_and_only_those() {
    use powerbi_codegen::coverage::{Excluded, coverage_of, read_lists};
    let spec = Path::new(REAL_SPEC);
    let api = real_spec();
    let excluded_path = spec.join(powerbi_codegen::coverage::EXCLUDED_FILE);
    let text = std::fs::read_to_string(&excluded_path).unwrap();
    let lists = read_lists(Some(&powerbi_codegen::SourceText {
        path: excluded_path,
        text,
    }))
    .unwrap();
    let reference = std::fs::read_to_string(POWERBI_SWAGGER).unwrap();
    let described = powerbi_codegen::import::operation_ids(
        &powerbi_codegen::import::Source::Swagger(POWERBI_SWAGGER.into()),
    )
    .unwrap();
    let coverage = coverage_of(&api, &lists, &described).unwrap();
    assert!(coverage.is_complete(), "{}", coverage.report());
    assert_eq!(
        coverage.beyond_reference.keys().collect::<Vec<_>>(),
        [
            "Datasets_ExecuteDaxQueries",
            "Datasets_ExecuteDaxQueriesInGroup"
        ]
    );
    // Without the list, the same operations are unknown.
    let bare = powerbi_codegen::coverage::coverage(&api, &lists.excluded, &reference).unwrap();
    assert_eq!(
        bare.unknown,
        [
            "Datasets_ExecuteDaxQueries",
            "Datasets_ExecuteDaxQueriesInGroup"
        ]
    );
    // An entry the reference describes, or the spec does not cover, is stale.
    let mut stale = lists.clone();
    for id in ["Datasets_GetDatasets", "Datasets_NoSuchOperation"] {
        stale.beyond_reference.push(Excluded {
            operation_id: id.to_owned(),
            reason: "stale".to_owned(),
        });
    }
    let coverage = coverage_of(&api, &stale, &described).unwrap();
    assert_eq!(
        coverage.conflicting,
        ["Datasets_GetDatasets", "Datasets_NoSuchOperation"]
    );
}
