//! The benchmark program in quick mode, end to end: every section runs against the sandbox and
//! writes its rows. Nothing here judges a figure (speed and memory are compared in the
//! program, against baselines of the same run); this test proves the program still measures
//! what it says, so a change to the client that breaks a measurement fails `cargo test`.

use std::process::Command;

/// The rows quick mode measures (the compile section and row 1d build crates: full mode only).
const MEASURED: &[&str] = &[
    "1a", "1b", "1h", "3a", "3b", "3c", "3d", "3e", "4a", "4b", "4c", "4d", "5a", "5b", "5i", "5c",
    "5d", "5e", "5f", "5g", "5h", "6",
];

#[test]
fn quick_mode_measures_every_row_it_promises() {
    let out = std::env::temp_dir().join(format!("powerbi-bench-quick-{}.md", std::process::id()));
    let run = Command::new(env!("CARGO_BIN_EXE_powerbi-bench"))
        .args(["--quick", "--out"])
        .arg(&out)
        .output()
        .expect("the bench runs");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "the bench failed:\n{stderr}");
    let report = std::fs::read_to_string(&out).expect("the bench wrote its report");
    std::fs::remove_file(&out).expect("removing the report");
    assert!(report.starts_with("# Benchmarks\n"), "{report}");
    // Each table row: `| id | measure | this run | baseline | ratio | goal | status |`.
    let rows: Vec<Vec<&str>> = report
        .lines()
        .filter(|line| line.starts_with("| ") && line.ends_with(" |"))
        .map(|line| line[2..line.len() - 2].split(" | ").collect())
        .filter(|cells: &Vec<&str>| cells.len() >= 7 && cells[0] != "#")
        .collect();
    for id in MEASURED {
        let row = rows
            .iter()
            .find(|cells| cells[0] == *id)
            .unwrap_or_else(|| panic!("no row {id} in\n{report}"));
        let status = row[row.len() - 1];
        assert!(
            ["met", "**gap**", "info"].contains(&status),
            "row {id} was not measured ({status}):\n{report}"
        );
        assert!(
            !row[2].is_empty() && row[2] != "–",
            "row {id} has no figure: {row:?}"
        );
    }
    assert!(
        rows.iter()
            .all(|cells| cells[cells.len() - 1] != "**failed**"),
        "a measurement failed:\n{report}"
    );
}
