//! Helpers shared by the test modules: fixture paths, the host crate rendered for, golden comparison.

use std::path::{Path, PathBuf};

use powerbi_codegen::{HostCrate, SourceText};

/// The valid fixtures, each with a golden file `tests/golden/<name>.rs`.
pub const VALID_FIXTURES: &[&str] = &["minimal", "names", "two_categories"];

/// The real Power BI spec, relative to the package dir (cargo's cwd for tests): the packaged
/// copy, or in the repository the symlink `spec` to `../spec`.
pub const REAL_SPEC: &str = "spec/powerbi";

/// Microsoft's description of Power BI, relative to the package dir.
pub const POWERBI_SWAGGER: &str = "spec/reference/powerbi-swagger.json";

/// The host crate the golden files are rendered for: one depending on `powerbi`.
pub fn host() -> HostCrate {
    HostCrate::external()
}

/// `tests/fixtures/valid/<name>`, relative to the package dir.
pub fn valid_dir(name: &str) -> PathBuf {
    Path::new("tests/fixtures/valid").join(name)
}

/// `tests/fixtures/malformed/<case>`, relative to the package dir.
pub fn malformed_dir(case: &str) -> PathBuf {
    Path::new("tests/fixtures/malformed").join(case)
}

/// The sorted `*.yaml` sources of a folder; panics with the folder's name when unreadable.
pub fn sources(dir: &Path) -> Vec<SourceText> {
    powerbi_codegen::read_spec_dir(dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
}

/// The names of the sub-folders of `dir`, sorted.
pub fn subfolders(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry"))
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Whether `UPDATE_EXPECTED=1` asks to rewrite expected files instead of comparing.
pub fn updating() -> bool {
    std::env::var_os("UPDATE_EXPECTED").is_some_and(|value| value == "1")
}

/// Compares `actual` with the file at `path` exactly, or rewrites the file under
/// `UPDATE_EXPECTED=1`. A missing file is a failure, never silently created.
pub fn check_expected(path: &Path, actual: &str) -> Result<(), String> {
    if updating() {
        if std::fs::read_to_string(path).is_ok_and(|existing| existing == actual) {
            return Ok(());
        }
        std::fs::write(path, actual)
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
        return Ok(());
    }
    let expected = match std::fs::read_to_string(path) {
        Ok(expected) => expected,
        Err(error) => {
            return Err(format!(
                "{} is missing ({error}); run `UPDATE_EXPECTED=1 cargo test -p powerbi-codegen` to create it, then review it",
                path.display()
            ));
        }
    };
    if expected == actual {
        return Ok(());
    }
    Err(format!(
        "{} differs from the output ({}); if the change is intended, run `UPDATE_EXPECTED=1 cargo test -p powerbi-codegen` and review the diff",
        path.display(),
        first_difference(&expected, actual)
    ))
}

/// Where two texts first differ, for a readable failure.
pub fn first_difference(expected: &str, actual: &str) -> String {
    let mut expected_lines = expected.lines();
    let mut actual_lines = actual.lines();
    let mut line = 1;
    loop {
        match (expected_lines.next(), actual_lines.next()) {
            (Some(e), Some(a)) if e == a => line += 1,
            (None, None) => return "only line endings differ".to_owned(),
            (e, a) => {
                return format!(
                    "first difference at line {line}:\n  expected: {}\n  actual:   {}",
                    e.unwrap_or("<end of file>"),
                    a.unwrap_or("<end of file>")
                );
            }
        }
    }
}

/// A fresh, unique folder under the system temp dir (not created).
pub fn temp_dir(label: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "powerbi-codegen-test-{}-{label}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    // A leftover of an earlier run with the same process id.
    let _ = std::fs::remove_dir_all(&dir);
    dir
}
