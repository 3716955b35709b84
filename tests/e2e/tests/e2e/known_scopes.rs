//! The known OAuth scopes have one source: the generator's [`KNOWN_SCOPES`], against which
//! every `scopes` and `permissions` entry of the spec is checked. The sandbox's catalogue
//! (`tests/sandbox/src/scopes.rs`, which Entra's fake token endpoint grants from) and the list
//! in `spec/README.md` are copies; these tests fail when a copy differs from the source.

use std::path::PathBuf;

use powerbi_codegen::KNOWN_SCOPES;

/// A file of the repository, by its path from the root.
fn repository_file(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// The string literals of `const NAME: &[&str] = &[...];` in a Rust source.
fn const_list(source: &str, name: &str) -> Vec<String> {
    let declaration = format!("const {name}: &[&str] = &[");
    let start = source
        .find(&declaration)
        .unwrap_or_else(|| panic!("no `{declaration}` in the source"))
        + declaration.len();
    let end = start + source[start..].find("];").expect("the list ends");
    string_literals(&source[start..end])
}

/// Every `"..."` literal of a piece of Rust source (without escapes, as scope names are).
fn string_literals(source: &str) -> Vec<String> {
    source
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn known() -> Vec<String> {
    KNOWN_SCOPES
        .iter()
        .map(|scope| (*scope).to_owned())
        .collect()
}

#[test]
fn the_sandbox_knows_exactly_the_generators_scopes() {
    let source = repository_file("tests/sandbox/src/scopes.rs");
    assert_eq!(
        const_list(&source, "ALL"),
        known(),
        "tests/sandbox/src/scopes.rs `ALL` must list powerbi_codegen::KNOWN_SCOPES, in order"
    );
    let read_only: Vec<String> = known()
        .into_iter()
        .filter(|scope| scope.ends_with(".Read.All"))
        .collect();
    assert_eq!(
        const_list(&source, "READ_ONLY"),
        read_only,
        "tests/sandbox/src/scopes.rs `READ_ONLY` must be the `*.Read.All` scopes of KNOWN_SCOPES"
    );
    // Every scope a sandbox route requires is a known one (OIDC scopes aside).
    let oidc = const_list(&source, "OIDC");
    for literal in string_literals(&source) {
        let looks_like_a_scope = literal.contains('.')
            && literal.starts_with(|c: char| c.is_ascii_uppercase())
            && !literal.contains(' ');
        if looks_like_a_scope && !oidc.contains(&literal) {
            assert!(
                KNOWN_SCOPES.contains(&literal.as_str()),
                "the sandbox names the scope '{literal}', which KNOWN_SCOPES does not know"
            );
        }
    }
}

#[test]
fn the_spec_readme_lists_exactly_the_generators_scopes() {
    let readme = repository_file("spec/README.md");
    let heading = "## Known scopes";
    let start = readme
        .find(heading)
        .expect("spec/README.md has a `## Known scopes` section")
        + heading.len();
    let section = &readme[start..];
    let section = &section[..section.find("\n#").unwrap_or(section.len())];
    let listed: Vec<String> = section
        .split([',', '\n'])
        .map(|word| word.trim().trim_end_matches('.').to_owned())
        .filter(|word| !word.is_empty())
        .collect();
    assert_eq!(
        listed,
        known(),
        "spec/README.md's known scopes must be powerbi_codegen::KNOWN_SCOPES, in order"
    );
}
