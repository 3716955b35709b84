//! Valid fixtures render exactly to their golden files, deterministically.

use std::path::Path;

use super::support::{VALID_FIXTURES, check_expected, host, sources, subfolders, valid_dir};

fn render_fixture(name: &str) -> String {
    let api = powerbi_codegen::load(&sources(&valid_dir(name)))
        .unwrap_or_else(|error| panic!("fixture '{name}' should be valid:\n{error}"));
    powerbi_codegen::render(&api, &host())
        .unwrap_or_else(|error| panic!("fixture '{name}' should render:\n{error}"))
}

#[test]
fn every_valid_fixture_is_listed() {
    assert_eq!(
        subfolders(Path::new("tests/fixtures/valid")),
        VALID_FIXTURES,
        "add the new fixture to VALID_FIXTURES (and to tests/e2e/tests/e2e/generated_fixtures.rs)"
    );
}

#[test]
fn valid_fixtures_match_their_golden_files() {
    let failures: Vec<String> = VALID_FIXTURES
        .iter()
        .filter_map(|name| {
            let path = Path::new("tests/golden").join(format!("{name}.rs"));
            check_expected(&path, &render_fixture(name)).err()
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn rendering_is_deterministic() {
    for name in VALID_FIXTURES {
        let first = render_fixture(name);
        let second = render_fixture(name);
        assert_eq!(first, second, "fixture '{name}' rendered differently twice");
    }
}

#[test]
fn a_missing_golden_file_fails_instead_of_being_created() {
    let dir = super::support::temp_dir("golden");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("absent.rs");
    let outcome = check_expected(&path, "fn main() {}\n");
    if super::support::updating() {
        // Asked to update: the file is written.
        assert_eq!(outcome, Ok(()));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "fn main() {}\n");
    } else {
        let message = outcome.expect_err("a missing golden file must fail");
        assert!(message.contains("UPDATE_EXPECTED=1"), "{message}");
        assert!(!path.exists(), "the golden file was created silently");
        // And a mismatch names the first differing line.
        std::fs::write(&path, "fn main() {}\nfn old() {}\n").unwrap();
        let message = check_expected(&path, "fn main() {}\nfn new() {}\n").unwrap_err();
        assert!(
            message.contains("line 2") && message.contains("fn new() {}"),
            "{message}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
