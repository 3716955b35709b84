//! Malformed fixtures produce exactly the diagnostics in their `expected.txt`: every problem of
//! the fixture, each pinned to the file, line and column of the offending key or value.

use std::collections::BTreeSet;
use std::path::Path;

use powerbi_codegen::{Diagnostic, Error};

use super::support::{check_expected, malformed_dir, sources, subfolders};

/// The cases the suite must keep: one problem kind each (`two_files` spans two files).
const REQUIRED_CASES: &[&str] = &[
    "alias_clash",
    "api_file_missing_keys",
    "api_file_values",
    "api_kinds_not_declared",
    "bad_yaml",
    "body_form_mismatch",
    "body_kinds_misused",
    "duplicate_enum_value",
    "duplicate_operation_name",
    "inconsistent_ids",
    "keyword_operation_name",
    "list_response_without_item",
    "missing_api_file",
    "missing_required_key",
    "model_cycle",
    "nullable_misuse",
    "quoted_not_a_time",
    "secret_misuse",
    "repeated_parameter_misused",
    "snake_case_collision",
    "undeclared_path_parameter",
    "unknown_method",
    "unknown_scope",
    "unknown_type",
    "unused_path_parameter",
    "two_files",
];

/// The diagnostics of one case; panics if the fixture loads.
fn diagnostics(case: &str) -> Vec<Diagnostic> {
    match powerbi_codegen::load(&sources(&malformed_dir(case))) {
        Ok(_) => panic!("malformed fixture '{case}' loaded without error"),
        Err(Error::Spec(diagnostics)) => diagnostics,
        Err(other) => panic!("malformed fixture '{case}' failed without diagnostics: {other}"),
    }
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|diagnostic| format!("{diagnostic}\n"))
        .collect()
}

#[test]
fn required_cases_exist() {
    let present = subfolders(Path::new("tests/fixtures/malformed"));
    for case in REQUIRED_CASES {
        assert!(
            present.iter().any(|name| name == case),
            "missing malformed case '{case}'"
        );
    }
}

#[test]
fn malformed_fixtures_report_exactly_the_expected_diagnostics() {
    let failures: Vec<String> = subfolders(Path::new("tests/fixtures/malformed"))
        .iter()
        .filter_map(|case| {
            let actual = render(&diagnostics(case));
            check_expected(&malformed_dir(case).join("expected.txt"), &actual)
                .err()
                .map(|error| format!("{error}\nactual diagnostics:\n{actual}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    // Each fixture holds at least two problems; all of them must come back at once.
    for case in subfolders(Path::new("tests/fixtures/malformed")) {
        let found = diagnostics(&case);
        assert!(
            found.len() >= 2,
            "case '{case}' has several problems but reported only:\n{}",
            render(&found)
        );
        let mut sorted = found.clone();
        sorted.sort();
        assert_eq!(found, sorted, "case '{case}': diagnostics are not sorted");
    }
}

#[test]
fn problems_in_two_files_are_reported_together() {
    for case in ["two_files", "bad_yaml"] {
        let files: BTreeSet<_> = diagnostics(case)
            .into_iter()
            .map(|diagnostic| diagnostic.location.file)
            .collect();
        assert_eq!(
            files.len(),
            2,
            "case '{case}' should report in two files: {files:?}"
        );
    }
}

#[test]
fn positions_lie_inside_their_files() {
    for case in subfolders(Path::new("tests/fixtures/malformed")) {
        for diagnostic in diagnostics(&case) {
            let location = &diagnostic.location;
            assert!(
                location.file.starts_with(malformed_dir(&case)),
                "{diagnostic}: the path is not the one the test passed"
            );
            let text = std::fs::read_to_string(&location.file).expect("fixture file");
            let line = text
                .lines()
                .nth(location.line - 1)
                .unwrap_or_else(|| panic!("{diagnostic}: line past the end of the file"));
            assert!(
                location.column >= 1 && location.column <= line.chars().count() + 1,
                "{diagnostic}: column past the end of the line {line:?}"
            );
        }
    }
}
