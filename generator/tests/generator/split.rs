//! `import --split`: one Fabric area drafted into an API folder, one category per Microsoft
//! tag and the models several share in `shared.yaml`, validating together; a second area
//! beside it reuses the definitions of Fabric's `common/` and renames its own clashing ones.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use powerbi_codegen::import::draft::{DraftField, DraftModel, DraftOperation};
use powerbi_codegen::import::split::{Shape, category_name, split, write_split};
use powerbi_codegen::import::{Draft, Selection, Source};

use super::import::{FABRIC_API, fabric_reference};
use super::support::temp_dir;

/// A folder holding only Fabric's `api.yaml`.
fn api_folder(label: &str) -> PathBuf {
    let dir = temp_dir(label);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(FABRIC_API, dir.join("api.yaml")).unwrap();
    dir
}

fn area(name: &str) -> Source {
    Source::Area(fabric_reference().join(name))
}

fn load(dir: &Path) -> powerbi_codegen::api::Api {
    powerbi_codegen::load(&powerbi_codegen::read_spec_dir(dir).unwrap())
        .unwrap_or_else(|error| panic!("the split drafts should validate together:\n{error}"))
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|error| panic!("{file}: {error}"))
}

#[test]
fn two_areas_split_by_tag_validate_together() {
    let dir = api_folder("split-two-areas");
    let written = write_split(&dir, &area("platform"), &Selection::default(), "").unwrap();
    let names: BTreeSet<String> = written
        .iter()
        .map(|(path, _)| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for file in [
        "workspaces.yaml",
        "items.yaml",
        "git.yaml",
        "job_scheduler.yaml",
        "onelake_shortcuts.yaml",
        "long_running_operations.yaml",
        "shared.yaml",
    ] {
        assert!(names.contains(file), "{file} not in {names:?}");
    }
    let platform = load(&dir);
    let operations: usize = platform.categories.iter().map(|c| c.operations.len()).sum();
    assert_eq!(operations, 161);
    // Method names are unique per category, not per area.
    assert!(read(&dir, "git.yaml").contains("  - name: get_connection\n"));
    assert!(read(&dir, "connections.yaml").contains("  - name: get_connection\n"));
    // A common model several tags use sits in shared.yaml only.
    assert!(read(&dir, "shared.yaml").contains("\n  Principal:\n"));
    assert!(!read(&dir, "workspaces.yaml").contains("\n  Principal:\n"));

    write_split(&dir, &area("admin"), &Selection::default(), "admin_").unwrap();
    let both = load(&dir);
    let operations: usize = both.categories.iter().map(|c| c.operations.len()).sum();
    assert_eq!(operations, 161 + 53);
    let items = read(&dir, "admin_items.yaml");
    // Admin's own `Item` differs from the platform's: renamed, with a note.
    assert!(items.contains("\n  AdminItem:\n"), "{items}");
    assert!(items.contains("# CHECK: model or enum 'Item' of this area is drafted as 'AdminItem'"));
    // Fabric's operationIds repeat across areas: the spec qualifies them by area.
    assert!(
        items.contains("operation_ids: [admin/Items_GetItem]"),
        "{items}"
    );
    assert!(!items.contains("\n  Principal:\n"));
}

#[test]
fn split_never_overwrites_a_file() {
    let dir = api_folder("split-no-overwrite");
    let curated = "# curated\ncategory: tags\ntitle: Tags\npermissions: []\n";
    std::fs::write(dir.join("tags.yaml"), curated).unwrap();
    let error = write_split(&dir, &area("platform"), &Selection::default(), "")
        .unwrap_err()
        .to_string();
    assert!(error.contains("writes new files only"), "{error}");
    assert!(error.contains("tags.yaml"), "{error}");
    assert_eq!(read(&dir, "tags.yaml"), curated);
    assert!(!dir.join("workspaces.yaml").exists());
}

fn operation(id: &str, tag: &str, response: &str) -> DraftOperation {
    DraftOperation {
        name: "x".to_owned(),
        operation_id: id.to_owned(),
        tag: tag.to_owned(),
        response: response.to_owned(),
        ..DraftOperation::default()
    }
}

#[test]
fn split_shares_what_two_tags_reach_and_renames_taken_names() {
    let mut draft = Draft {
        operations: vec![
            operation("a/One_GetBoth", "One", "list<Both>"),
            operation("a/One_GetThing", "One", "Thing"),
            operation("a/Two_GetBoth", "Two", "Both"),
            operation("a/Two_GetOwn", "Two", "Own"),
            operation("a/Two_GetOwn2", "Two", "map<Common>"),
        ],
        ..Draft::default()
    };
    for name in ["Both", "Thing", "Own", "Common"] {
        draft.models.insert(name.to_owned(), DraftModel::default());
    }
    draft
        .models
        .get_mut("Own")
        .unwrap()
        .fields
        .push(DraftField {
            wire_name: "id".to_owned(),
            ty: "string".to_owned(),
            required: true,
            ..DraftField::default()
        });
    draft.common.insert("Common".to_owned());
    let mut existing: BTreeMap<String, Shape> = BTreeMap::new();
    // The folder's `Own` differs (a uuid id): the draft's is renamed after the prefix.
    existing.insert("Own".to_owned(), vec!["id:uuid:true".to_owned()]);
    // From common/: the folder's definition is used whatever the draft says.
    existing.insert("Common".to_owned(), vec!["other:string:false".to_owned()]);
    // Defined identically in the folder: used, not drafted again.
    existing.insert("Thing".to_owned(), Vec::new());
    let common = draft.common.clone();
    let result = split(draft, "a_", &existing, &common);
    let categories: Vec<&str> = result
        .categories
        .iter()
        .map(|c| c.category.as_str())
        .collect();
    assert_eq!(categories, ["a_one", "a_two"]);
    assert_eq!(result.shared.category, "a_shared");
    assert_eq!(result.shared.models.keys().collect::<Vec<_>>(), ["Both"]);
    let (one, two) = (&result.categories[0], &result.categories[1]);
    assert_eq!(one.operations[1].response, "Thing");
    assert!(one.models.is_empty(), "{:?}", one.models);
    assert_eq!(
        two.operations
            .iter()
            .map(|o| o.name.as_str())
            .collect::<Vec<_>>(),
        ["get_both", "get_own", "get_own2"]
    );
    assert_eq!(two.operations[1].response, "AOwn");
    assert!(two.models.contains_key("AOwn"));
    assert!(
        two.warnings
            .iter()
            .any(|w| w.contains("'Own' of this area is drafted as 'AOwn'"))
    );
    assert_eq!(two.operations[2].response, "map<Common>");
    assert!(!two.models.contains_key("Common"));
    // Nothing to split is nothing, not a panic.
    let empty = split(Draft::default(), "", &existing, &common);
    assert!(empty.categories.is_empty() && empty.shared.models.is_empty());
}

#[test]
fn onelake_is_one_word_in_category_names() {
    assert_eq!(category_name("OneLakeShortcuts"), "onelake_shortcuts");
    assert_eq!(category_name("JobScheduler"), "job_scheduler");
    assert_eq!(
        category_name("ExternalDataSharesProvider"),
        "external_data_shares_provider"
    );
}
