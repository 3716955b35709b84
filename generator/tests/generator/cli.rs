//! The `powerbi-codegen` binary (built only with the `cli` feature): `check`, `scopes` and
//! `generate` on the real spec and on a malformed fixture.

use std::path::Path;
use std::process::{Command, Output};

use super::support::{REAL_SPEC, host, malformed_dir, sources, temp_dir};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_powerbi-codegen"))
        .args(args)
        .output()
        .expect("the powerbi-codegen binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 stdout")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 stderr")
}

#[test]
fn check_accepts_the_real_spec() {
    let output = run(&["check", "--spec", REAL_SPEC]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("ok: "), "{text}");
    let api = powerbi_codegen::load(&sources(Path::new(REAL_SPEC))).unwrap();
    assert!(
        text.contains(&format!("{} categories", api.categories.len())),
        "{text}"
    );
    assert!(
        text.contains(&format!("{} models", api.models.len())),
        "{text}"
    );
}

#[test]
fn check_reports_every_diagnostic_of_a_malformed_spec_on_stderr() {
    let dir = malformed_dir("two_files");
    let output = run(&["check", "--spec", dir.to_str().unwrap()]);
    assert!(!output.status.success(), "check should fail");
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty(), "stdout: {}", stdout(&output));
    let expected = std::fs::read_to_string(dir.join("expected.txt")).unwrap();
    assert_eq!(
        stderr(&output),
        format!(
            "the spec has {} problem(s):\n{expected}",
            expected.lines().count()
        )
    );
}

#[test]
fn check_fails_on_a_missing_folder() {
    let output = run(&["check", "--spec", "tests/fixtures/no-such-folder"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).starts_with("tests/fixtures/no-such-folder: "),
        "{}",
        stderr(&output)
    );
}

#[test]
fn scopes_lists_operations_under_each_scope() {
    let output = run(&["scopes", "--spec", REAL_SPEC]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    // The `datasets` section: from its header to the next unindented line.
    let section: Vec<&str> = text
        .lines()
        .skip_while(|line| !line.starts_with("datasets ("))
        .enumerate()
        .take_while(|(index, line)| *index == 0 || line.starts_with(' '))
        .map(|(_, line)| line)
        .collect();
    assert_eq!(section.first(), Some(&"datasets (Datasets)"), "{text}");
    let scope = section
        .iter()
        .position(|line| *line == "  Dataset.Read.All")
        .unwrap_or_else(|| panic!("no Dataset.Read.All under datasets:\n{text}"));
    assert!(
        section[scope + 1].starts_with("    ")
            && section[scope + 1].contains("(service principal: "),
        "no operation under Dataset.Read.All:\n{text}"
    );
    assert!(
        section.contains(&"    get_dataset (service principal: yes)"),
        "{text}"
    );
}

#[test]
fn generate_writes_the_rendered_client() {
    let dir = temp_dir("cli");
    let out = dir.join("nested").join("client.rs");
    let output = run(&[
        "generate",
        "--spec",
        REAL_SPEC,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), format!("wrote {}\n", out.display()));
    let api = powerbi_codegen::load(&sources(Path::new(REAL_SPEC))).unwrap();
    let expected = powerbi_codegen::render(&api, &host()).unwrap();
    assert!(
        std::fs::read_to_string(&out).unwrap() == expected,
        "the written file differs from render()"
    );

    // One category only.
    let subset = dir.join("subset.rs");
    let output = run(&[
        "generate",
        "--spec",
        REAL_SPEC,
        "--out",
        subset.to_str().unwrap(),
        "--category",
        "datasets",
    ]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    let text = std::fs::read_to_string(&subset).unwrap();
    assert!(text.contains("pub mod datasets {") && !text.contains("pub mod groups {"));

    // An unknown category fails, naming the known ones, and writes nothing.
    let nothing = dir.join("nothing.rs");
    let output = run(&[
        "generate",
        "--spec",
        REAL_SPEC,
        "--out",
        nothing.to_str().unwrap(),
        "--category",
        "widgets",
    ]);
    assert!(!output.status.success());
    let error = stderr(&output);
    assert!(
        error.contains("unknown category widgets; the spec has: "),
        "{error}"
    );
    assert!(error.contains("datasets"), "{error}");
    assert!(!nothing.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The recipe of a registry install: no checkout, so `check` and `generate` use the bundled
/// spec when `--spec` is left out, and `spec export` writes it out to edit.
#[test]
fn without_spec_the_cli_uses_the_bundled_spec_and_exports_it() {
    let dir = temp_dir("cli-bundled");
    let output = run(&["check"]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    let from_folder = run(&["check", "--spec", REAL_SPEC]);
    // The same counts; only the folder named at the end of the line differs.
    let counts = |text: String| text.split(" (API").next().unwrap_or_default().to_owned();
    assert_eq!(counts(stdout(&output)), counts(stdout(&from_folder)));

    let subset = dir.join("subset.rs");
    let output = run(&[
        "generate",
        "--out",
        subset.to_str().unwrap(),
        "--category",
        "groups",
    ]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    let api = powerbi_codegen::load(&sources(Path::new(REAL_SPEC))).unwrap();
    let api = powerbi_codegen::select(&api, &["groups".to_owned()]).unwrap();
    assert!(
        std::fs::read_to_string(&subset).unwrap()
            == powerbi_codegen::render(&api, &host()).unwrap(),
        "generate without --spec differs from the spec folder's subset"
    );

    let exported = dir.join("spec");
    let output = run(&["spec", "export", exported.to_str().unwrap()]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    assert!(stdout(&output).starts_with("wrote "), "{}", stdout(&output));
    let output = run(&[
        "check",
        "--spec",
        exported.join("powerbi").to_str().unwrap(),
    ]);
    assert_eq!(counts(stdout(&output)), counts(stdout(&from_folder)));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Fabric's coverage summary: every operation of its 55 areas (725) is in the spec, none
/// excluded.
const FABRIC_COVERAGE: &str =
    "725 covered (0 beyond the reference), 0 excluded, 0 missing, 0 unknown, 0 conflicting\n";

#[test]
fn coverage_reports_each_api() {
    let output = run(&["coverage", "--spec", "spec/powerbi", "--quiet"]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("powerbi (spec/reference/powerbi-swagger.json):\n"),
        "{text}"
    );
    assert!(
        text.contains(" 0 missing, 0 unknown, 0 conflicting\n"),
        "{text}"
    );
    // Fabric's description is beside the checkout (or where the packaged tests point).
    let fabric = super::import::fabric_reference();
    let area = fabric.to_str().unwrap();
    let output = run(&[
        "coverage",
        "--spec",
        "spec/fabric",
        "--area",
        area,
        "--quiet",
    ]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    // Fabric's coverage, pinned: complete, so a missing operation fails `coverage`.
    assert!(
        text.contains(FABRIC_COVERAGE),
        "Fabric's coverage changed; expected {FABRIC_COVERAGE:?} in\n{text}"
    );
}

#[test]
fn import_then_drift_round_trips_a_fabric_area_and_drift_exit_codes_tell_what_happened() {
    let area = super::import::fabric_reference().join("notebook");
    let dir = temp_dir("round-trip");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(super::import::FABRIC_API, dir.join("api.yaml")).unwrap();
    let draft = dir.join("notebook.yaml");
    let output = run(&[
        "import",
        "--area",
        area.to_str().unwrap(),
        "--api",
        super::import::FABRIC_API,
        "--out",
        draft.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    let output = run(&["check", "--spec", dir.to_str().unwrap()]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    assert!(
        stdout(&output).starts_with("ok: 1 categories, 12 operations"),
        "{}",
        stdout(&output)
    );

    // The draft is the description: nothing drifted, exit code 0.
    let spec = dir.to_str().unwrap();
    let output = run(&["drift", "--spec", spec, "--area", area.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "0 added, 0 removed, 0 changed\n");

    // Power BI's spec against its description: the reviewed differences, exit code 3.
    let output = run(&["drift", "--spec", REAL_SPEC]);
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
    assert!(
        stdout(&output).contains("== parameters\n"),
        "{}",
        stdout(&output)
    );

    // A description that cannot be read: exit code 1, naming it.
    let output = run(&["drift", "--spec", spec, "--swagger", "no-such.json"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("no-such.json"),
        "{}",
        stderr(&output)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
