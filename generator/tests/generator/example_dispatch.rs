//! The example dispatch that `tests/e2e` generates for its proofs against Microsoft's examples
//! (`render_example_dispatch`, `Builder::generate_example_dispatch`): golden output for each
//! valid fixture, `powerbi` reached by its public paths only, the support module by the path
//! given.

use std::path::Path;

use super::support::{VALID_FIXTURES, check_expected, sources, temp_dir, valid_dir};

const SUPPORT: &str = "crate::example_support";

fn dispatch(name: &str) -> String {
    let spec = powerbi_codegen::load(&sources(&valid_dir(name)))
        .unwrap_or_else(|error| panic!("fixture '{name}' should be valid:\n{error}"));
    powerbi_codegen::render_example_dispatch(&spec, SUPPORT)
        .unwrap_or_else(|error| panic!("fixture '{name}' should render its dispatch:\n{error}"))
}

#[test]
fn valid_fixtures_match_their_golden_dispatch() {
    let failures: Vec<String> = VALID_FIXTURES
        .iter()
        .filter_map(|name| {
            let path = Path::new("tests/golden/example_dispatch").join(format!("{name}.rs"));
            check_expected(&path, &dispatch(name)).err()
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_dispatch_calls_powerbi_by_public_paths_and_the_support_by_the_given_one() {
    let text = dispatch("names");
    assert!(text.contains("use crate::example_support as support;"));
    assert!(text.contains("::powerbi::scorecards::ScorecardsClient::new(client)"));
    // Options are `#[non_exhaustive]`: filled from their default, enums read as enums.
    assert!(
        text.contains("let mut options = ::powerbi::scorecards::ListScorecardsOptions::default();")
    );
    assert!(text.contains(r#"options.r#type = args.optional_enum("type")?;"#));
    assert!(text.contains(r#"args.required("match")?"#));
    // Nothing of the inside of `powerbi`: no `crate::runtime`, no feature gates.
    assert!(!text.contains("crate::runtime") && !text.contains("#[cfg(feature"));
}

#[test]
fn a_support_path_that_is_not_a_path_is_an_error() {
    let spec = powerbi_codegen::load(&sources(&valid_dir("minimal"))).unwrap();
    let error = powerbi_codegen::render_example_dispatch(&spec, "not a path")
        .expect_err("a support path must be a Rust path");
    assert!(error.to_string().contains("'not a path'"), "{error}");
}

#[test]
fn the_builder_writes_the_dispatch_of_the_selected_categories() {
    let dir = temp_dir("example-dispatch");
    let path = powerbi_codegen::Builder::new(valid_dir("two_categories"))
        .categories(["imports"])
        .out_dir(&dir)
        .file_name("example_dispatch.rs")
        .rerun_if_changed(false)
        .generate_example_dispatch(SUPPORT)
        .expect("the builder generates the dispatch");
    assert_eq!(path, dir.join("example_dispatch.rs"));
    let spec = powerbi_codegen::load(&sources(&valid_dir("two_categories"))).unwrap();
    let selected = powerbi_codegen::select(&spec, &["imports".to_owned()]).unwrap();
    let expected = powerbi_codegen::render_example_dispatch(&selected, SUPPORT).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    assert!(expected.contains("pub mod imports") && !expected.contains("pub mod apps"));
    std::fs::remove_dir_all(&dir).unwrap();
}
