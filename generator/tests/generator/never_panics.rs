//! The loader never panics, whatever it is fed: a few hundred deterministic byte-level
//! mutations of the real spec and of the fixtures must each load to `Ok` or `Err`. A spec that
//! still loads must also render (a render error would mean the generator made invalid Rust).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use powerbi_codegen::SourceText;

use super::support::{REAL_SPEC, first_difference, host, sources, subfolders};

/// How many mutated inputs to try.
const CASES: usize = 600;

/// How many of them mutate one file of the whole real spec (each loads every file).
const WHOLE_REAL_SPEC_CASES: usize = 3;

/// xorshift64: tiny, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..bound` (`bound` > 0).
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

/// Every fixture folder, as a set of files.
fn fixture_corpora() -> Vec<Vec<SourceText>> {
    let mut corpora = Vec::new();
    for kind in ["valid", "malformed"] {
        let root = Path::new("tests/fixtures").join(kind);
        for case in subfolders(&root) {
            corpora.push(sources(&root.join(case)));
        }
    }
    corpora
}

/// Bytes that mean something to YAML or to the spec's own syntax.
const SPECIAL: &[u8] = b":-{}[],\"'#&*!|>?%@`\t\n <>$ ";

/// Words that are names the generated code, Rust or the spec's syntax care about.
const TRICKY_WORDS: &[&str] = &[
    "self",
    "Self",
    "super",
    "crate",
    "type",
    "r#type",
    "Unrecognized",
    "unknown_fields",
    "1",
    "_",
    "Option",
    "Vec",
    "models",
    "rt",
    "new",
    "operations",
    "workspace",
    "body",
    "options",
    "list<list<string>>",
    "map<json>",
    "json",
    "none",
    "a-b",
    "x.y",
    "\u{e9}t\u{e9}",
    "$top",
    "{id}",
    "Client",
    "Workspace",
    "OPERATIONS",
];

/// One random edit of `text`.
fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    if bytes.is_empty() {
        return String::new();
    }
    let at = rng.below(bytes.len());
    match rng.below(9) {
        // Truncate.
        0 => bytes.truncate(at),
        // Delete a few bytes.
        1 => {
            let end = (at + 1 + rng.below(4)).min(bytes.len());
            bytes.drain(at..end);
        }
        // Duplicate a few bytes.
        2 => {
            let end = (at + 1 + rng.below(8)).min(bytes.len());
            let copy = bytes[at..end].to_vec();
            bytes.splice(at..at, copy);
        }
        // Overwrite a byte with a meaningful one.
        3 => bytes[at] = SPECIAL[rng.below(SPECIAL.len())],
        // Insert a meaningful byte.
        4 => bytes.insert(at, SPECIAL[rng.below(SPECIAL.len())]),
        // Replace a word with a tricky name.
        5 => {
            let start = bytes[..at]
                .iter()
                .rposition(|byte| !byte.is_ascii_alphanumeric())
                .map_or(0, |index| index + 1);
            let end = bytes[at..]
                .iter()
                .position(|byte| !byte.is_ascii_alphanumeric())
                .map_or(bytes.len(), |index| at + index);
            let word = TRICKY_WORDS[rng.below(TRICKY_WORDS.len())];
            bytes.splice(start..end, word.bytes());
        }
        // Whole-line edits.
        kind => {
            let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
            let line = rng.below(lines.len());
            match kind {
                // Swap two lines.
                6 => {
                    let other = rng.below(lines.len());
                    lines.swap(line, other);
                }
                // Duplicate a line.
                7 => {
                    let copy = lines[line].clone();
                    lines.insert(line, copy);
                }
                // Indent or dedent a line.
                _ => {
                    let shift = 1 + rng.below(4);
                    if rng.below(2) == 0 {
                        lines[line].insert_str(0, &" ".repeat(shift));
                    } else {
                        let spaces = lines[line].len() - lines[line].trim_start().len();
                        lines[line].drain(..spaces.min(shift));
                    }
                }
            }
            return lines.join("\n");
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn mutated_specs_never_panic_the_loader() {
    // Panics are caught and reported below, each with the input that caused it.
    let real_spec = sources(Path::new(REAL_SPEC));
    let fixtures = fixture_corpora();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut failures = Vec::new();
    let mut loaded = 0;
    let mut rejected = 0;
    for case in 0..CASES {
        // The real spec is large: a few cases load all of it (for its cross-file checks), one
        // in five one real file alone, the rest the small fixtures, alone or as a set.
        let mut mutated = if case < WHOLE_REAL_SPEC_CASES {
            real_spec.clone()
        } else if rng.below(5) == 0 {
            vec![real_spec[rng.below(real_spec.len())].clone()]
        } else {
            let mut set = fixtures[rng.below(fixtures.len())].clone();
            if rng.below(4) != 0 {
                let pick = rng.below(set.len());
                set = vec![set.swap_remove(pick)];
            }
            set
        };
        let target_file = rng.below(mutated.len());
        let original = mutated[target_file].text.clone();
        for _ in 0..1 + rng.below(3) {
            mutated[target_file].text = mutate(&mutated[target_file].text, &mut rng);
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            powerbi_codegen::load(&mutated)
                .map(|api| powerbi_codegen::render(&api, &host()).map(|_| ()))
        }));
        match outcome {
            Ok(Ok(Ok(()))) => loaded += 1,
            Ok(Err(_)) => rejected += 1,
            Ok(Ok(Err(error))) => failures.push(format!(
                "case {case}: {} loads but does not render: {error}",
                mutated[target_file].path.display()
            )),
            Err(_) => failures.push(format!(
                "case {case}: load panicked on a mutation of {} ({})",
                mutated[target_file].path.display(),
                first_difference(&original, &mutated[target_file].text)
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The mutations must exercise both outcomes, or the test proves little.
    assert!(
        loaded > 0 && rejected > 0,
        "loaded {loaded}, rejected {rejected}"
    );
}

#[test]
fn degenerate_inputs_are_errors_not_panics() {
    for text in [
        "",
        "\n",
        "---",
        "~",
        "[]",
        "42",
        "- a\n- b",
        "category: [x]",
        "{category: x, title: X, permissions: [], operations: {}}",
        "category: x\ntitle: X\npermissions: []\nmodels: [1]\nenums: {E: {values: []}}",
        "category: x\ntitle: X\npermissions: []\noperations: [1, {name: a}, [b]]",
        "category: x\ntitle: X\npermissions: []\nmodels: {M: {fields: {a: {type: list<list<>}}}}",
        "category: x\ntitle: X\npermissions: []\nmodels: {M: {fields: {? [a] : {type: string}}}}",
        "a: &x [*x]",
        "\u{feff}category: x",
        "category: x\n\ttitle: X",
    ] {
        let source = SourceText {
            path: "mutant.yaml".into(),
            text: text.to_owned(),
        };
        let outcome = catch_unwind(|| powerbi_codegen::load(std::slice::from_ref(&source)));
        match outcome {
            Ok(Ok(_)) => panic!("{text:?} should not be a valid spec"),
            Ok(Err(error)) => assert!(!error.diagnostics().is_empty(), "{text:?}: {error}"),
            Err(_) => panic!("load panicked on {text:?}"),
        }
    }
}
