//! The parts of `powerbi` and its runtime that a program opts into are compiled in the
//! programs that use them, not in every build of those crates (issue 13: compile time).
//!
//! rustc turns a non-generic function into machine code in the crate that defines it, whether
//! any program calls it or not, unless the function is `#[inline]`; then, like a generic
//! function, it is compiled in each crate that calls it, and nowhere if none does. The
//! runtime's core (the client, the request pipeline, errors, retries, paging, the token cache,
//! and signing in with a client secret, a password or a fixed token) is compiled once, in the
//! runtime's own build, beside the compiling of `powerbi`. The parts a program opts into by
//! naming them ([`OPT_IN`]: the other sign-in flows, long-running jobs, Fabric's client,
//! uploads and downloads; `powerbi`'s hand-written extensions under `ext/`) are `#[inline]`
//! throughout: a program that lists workspaces with a client secret does not compile them at
//! all (BENCHMARKS.md has the figures under row 2e), and one that uses them compiles what it
//! calls. (The generated methods are `#[inline]` for the same reason; the generator's tests
//! keep that.)
//!
//! This test reads those files and names every function that breaks the rule: a non-generic
//! function without `#[inline]`, or a generic one with it (where it changes nothing). A second
//! test makes sure every hand-written file of the two crates is classed, in [`OPT_IN`] or in
//! [`CORE`]. A third builds the runtime's library and reads the names of the functions in it:
//! none may come from an opt-in file, since a core function that calls one directly makes
//! rustc compile it in every build, attribute or not. They live in the bench's crate because
//! they read the sources of two crates of the repository and build one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use quote::ToTokens;
use syn::{Attribute, GenericParam, Generics, ImplItem, Item, Signature};

/// The parts a program opts into, by crate folder (from the repository's root) and path under
/// its `src/`: a file, or a folder and every file below it (a new extension or job file is
/// covered without being listed) but the `tests.rs` files of its `#[cfg(test)]` modules.
const OPT_IN: &[(&str, &[&str])] = &[
    (
        "generated/runtime",
        &[
            "auth/azure_cli.rs",
            "auth/certificate.rs",
            "auth/chain.rs",
            "auth/client_assertion.rs",
            "auth/device_code.rs",
            "auth/environment.rs",
            "auth/managed_identity.rs",
            "auth/workload_identity.rs",
            "download.rs",
            "fabric.rs",
            "jobs",
            "upload.rs",
        ],
    ),
    ("generated", &["ext"]),
];

/// The rest of the hand-written code, compiled in every build of its crate: what every program
/// runs (the client, the request pipeline, errors, retries, paging, the token cache, the common
/// sign-ins). Every file of these crates is here or in [`OPT_IN`], so that a new file (a new
/// sign-in flow, say) is classed by whoever adds it instead of escaping the rule unseen.
const CORE: &[(&str, &[&str])] = &[
    (
        "generated/runtime",
        &[
            "auth/cache.rs",
            "auth/credentials.rs",
            "auth/entra.rs",
            "auth/mod.rs",
            "auth/secret.rs",
            "body.rs",
            "client.rs",
            "cloud.rs",
            "decode",
            "drift",
            "error.rs",
            "fields.rs",
            "lib.rs",
            "operation.rs",
            "paging",
            "proxy.rs",
            "redact.rs",
            "request",
            "retry.rs",
            "telemetry.rs",
            "time.rs",
            "tls.rs",
            "transport.rs",
            "workspace.rs",
        ],
    ),
    ("generated", &["client.rs", "lib.rs", "runtime.rs"]),
];

#[test]
fn the_opt_in_parts_are_compiled_only_where_used() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let files = listed_files(&root, OPT_IN);
    let mut problems = Vec::new();
    let mut checked = 0;
    for shown in &files {
        check_file(shown, &root.join(shown), &mut checked, &mut problems);
    }
    // The walk found the code it is about: these files hold a few hundred functions.
    assert!(checked > 200, "only {checked} functions found in {files:?}");
    assert!(
        problems.is_empty(),
        "{} of {checked} functions break the rule of this test's module comment:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Functions of the runtime's opt-in files that its library holds by design, by the end of
/// their names: the dispatcher the request pipeline calls to attach a request's file (what it
/// leads to is compiled where a file is given), and the empty check rustc writes for every
/// `#[derive(Eq)]`.
const COMPILED_BY_DESIGN: &[&str] = &[
    "powerbi_runtime::upload::FileBody::attach",
    "::assert_fields_are_eq",
];

/// What rustc made of the rule: the runtime's library, built as a user's build builds it,
/// holds no function of an opt-in part. The test above checks the attribute; this one also
/// catches a core function that calls an opt-in one directly, which makes rustc compile it
/// here, `#[inline]` or not (the request pipeline did so with a request's file: 15% of the
/// runtime's code, until `upload::FileBody`).
#[test]
fn the_runtime_library_holds_no_function_of_its_opt_in_parts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let rlib = built_library(&root, "powerbi-runtime");
    let functions = function_names(&rlib);
    // The walk read the library's code: it holds a few thousand functions.
    assert!(
        functions.len() > 1000,
        "only {} functions read from {}",
        functions.len(),
        rlib.display()
    );
    let modules: Vec<String> = OPT_IN
        .iter()
        .filter(|(folder, _)| *folder == "generated/runtime")
        .flat_map(|(_, parts)| parts.iter())
        .map(|part| {
            let path = part.trim_end_matches(".rs").replace('/', "::");
            format!("powerbi_runtime::{path}::")
        })
        .collect();
    let compiled: Vec<&String> = functions
        .iter()
        .filter(|name| {
            // An impl's method reads `<powerbi_runtime::module::Type as Trait>::method`.
            let own = name.trim_start_matches('<');
            modules
                .iter()
                .any(|module| own.starts_with(module.as_str()))
        })
        .filter(|name| {
            !COMPILED_BY_DESIGN
                .iter()
                .any(|allowed| name.ends_with(allowed))
        })
        .collect();
    assert!(
        compiled.is_empty(),
        "{} holds {} functions of opt-in parts: a core function calls them directly, so every \
         build compiles them (keep the call behind a pointer set where the part is used, as \
         `upload::FileBody` does, or mark the caller `#[inline]` if it is opt-in too):\n{}",
        rlib.display(),
        compiled.len(),
        compiled
            .iter()
            .map(|name| name.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Builds `package`'s library as `cargo build -p package` does (its own features, the
/// workspace's dev profile) and returns the path of its rlib.
fn built_library(root: &Path, package: &str) -> PathBuf {
    let output = Command::new(env!("CARGO"))
        .current_dir(root)
        .args([
            "build",
            "--locked",
            "--quiet",
            "--lib",
            "--message-format=json",
            "-p",
        ])
        .arg(package)
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo build -p {package}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let target = package.replace('-', "_");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| {
            message["reason"] == "compiler-artifact" && message["target"]["name"] == *target
        })
        .flat_map(|message| {
            let files = message["filenames"].as_array().cloned().unwrap_or_default();
            files
                .into_iter()
                .filter_map(|file| file.as_str().map(PathBuf::from))
        })
        .find(|file| {
            file.extension()
                .is_some_and(|extension| extension == "rlib")
        })
        .unwrap_or_else(|| panic!("cargo build -p {package} named no rlib"))
}

/// The demangled names (without their hashes) of the functions the object files of `rlib`
/// define.
fn function_names(rlib: &Path) -> BTreeSet<String> {
    use object::{Object, ObjectSymbol, SymbolKind};

    let data = std::fs::read(rlib).unwrap_or_else(|error| panic!("{}: {error}", rlib.display()));
    let archive = object::read::archive::ArchiveFile::parse(&*data)
        .unwrap_or_else(|error| panic!("{}: {error}", rlib.display()));
    let mut names = BTreeSet::new();
    for member in archive.members() {
        let member = member.unwrap_or_else(|error| panic!("{}: {error}", rlib.display()));
        // The metadata (`lib.rmeta`) is not an object file.
        let Ok(file) = member.data(&*data).and_then(object::File::parse) else {
            continue;
        };
        for symbol in file.symbols() {
            if symbol.is_definition()
                && symbol.kind() == SymbolKind::Text
                && let Ok(name) = symbol.name()
            {
                names.insert(format!("{:#}", rustc_demangle::demangle(name)));
            }
        }
    }
    names
}

#[test]
fn every_hand_written_file_is_core_or_opt_in() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let (opt_in, core) = (listed_files(&root, OPT_IN), listed_files(&root, CORE));
    let mut problems = Vec::new();
    for (folder, _) in CORE {
        let mut files = Vec::new();
        source_files(&root, &format!("{folder}/src"), &mut files);
        for file in files {
            match (opt_in.contains(&file), core.contains(&file)) {
                (false, false) => problems.push(format!(
                    "{file}: in neither OPT_IN (compiled only where a program calls it) nor \
                     CORE (compiled in every build): class it"
                )),
                (true, true) => problems.push(format!("{file}: in both OPT_IN and CORE")),
                _ => {}
            }
        }
    }
    // Every listed file exists: a renamed one is not silently dropped from the rule.
    for file in opt_in.iter().chain(&core) {
        if !root.join(file).is_file() {
            problems.push(format!("{file}: listed, but there is no such file"));
        }
    }
    assert!(core.len() > 30, "only {} core files found", core.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The files `classes` names (see [`OPT_IN`]), relative to `root`.
fn listed_files(root: &Path, classes: &[(&str, &[&str])]) -> Vec<String> {
    let mut files = Vec::new();
    for (folder, parts) in classes {
        for part in *parts {
            source_files(root, &format!("{folder}/src/{part}"), &mut files);
        }
    }
    files
}

/// `part` (relative to `root`) if it is a file, else every `.rs` file below it but `tests.rs`,
/// in a stable order.
fn source_files(root: &Path, part: &str, files: &mut Vec<String>) {
    let path = root.join(part);
    if !path.is_dir() {
        files.push(part.to_owned());
        return;
    }
    let entries = std::fs::read_dir(&path).unwrap_or_else(|e| panic!("reading {part}: {e}"));
    let mut names: Vec<String> = entries
        .map(|entry| {
            let entry = entry.unwrap_or_else(|e| panic!("reading {part}: {e}"));
            entry.file_name().to_string_lossy().into_owned()
        })
        .collect();
    names.sort();
    for name in names {
        let below = format!("{part}/{name}");
        if root.join(&below).is_dir() {
            source_files(root, &below, files);
        } else if name.ends_with(".rs") && name != "tests.rs" {
            files.push(below);
        }
    }
}

/// Checks the functions of one source file (its `#[cfg(test)]` modules aside).
fn check_file(shown: &str, file: &Path, checked: &mut usize, problems: &mut Vec<String>) {
    let text =
        std::fs::read_to_string(file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
    let parsed =
        syn::parse_file(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", file.display()));
    let mut walk = Walk {
        file: shown,
        checked,
        problems,
    };
    walk.items(&parsed.items);
}

/// One file's walk: the functions it checked and what broke the rule.
struct Walk<'a> {
    file: &'a str,
    checked: &'a mut usize,
    problems: &'a mut Vec<String>,
}

impl Walk<'_> {
    fn items(&mut self, items: &[Item]) {
        for item in items {
            match item {
                Item::Fn(function) if !only_in_tests(&function.attrs) => {
                    self.function(None, false, &function.attrs, &function.sig);
                }
                Item::Impl(block) if !only_in_tests(&block.attrs) => {
                    let owner = block.self_ty.to_token_stream().to_string().replace(' ', "");
                    let generic = has_type_parameters(&block.generics);
                    for member in &block.items {
                        if let ImplItem::Fn(function) = member
                            && !only_in_tests(&function.attrs)
                        {
                            self.function(Some(&owner), generic, &function.attrs, &function.sig);
                        }
                    }
                }
                Item::Mod(module) if !only_in_tests(&module.attrs) => {
                    if let Some((_, inner)) = &module.content {
                        self.items(inner);
                    }
                }
                // A trait's provided methods are generic over `Self`: compiled where used.
                // Macro bodies are tokens; the runtime's only macro writes generic impls.
                _ => {}
            }
        }
    }

    fn function(
        &mut self,
        owner: Option<&str>,
        owner_generic: bool,
        attrs: &[Attribute],
        sig: &Signature,
    ) {
        *self.checked += 1;
        let generic = owner_generic || has_type_parameters(&sig.generics) || takes_impl_trait(sig);
        let inline = attrs.iter().any(|a| a.path().is_ident("inline"));
        let name = match owner {
            Some(owner) => format!("{owner}::{}", sig.ident),
            None => sig.ident.to_string(),
        };
        if !generic && !inline {
            self.problems.push(format!(
                "{}: {name}: not generic and not #[inline], so every build of its crate \
                 compiles it, whether a program calls it or not",
                self.file
            ));
        } else if generic && inline {
            self.problems.push(format!(
                "{}: {name}: generic, so already compiled where it is used; #[inline] only \
                 adds noise",
                self.file
            ));
        }
    }
}

/// `#[cfg(test)]`: not in any build a user makes.
fn only_in_tests(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .meta
                .require_list()
                .is_ok_and(|list| list.tokens.to_string() == "test")
    })
}

/// Type or const parameters (lifetimes alone leave one copy of the code).
fn has_type_parameters(generics: &Generics) -> bool {
    generics
        .params
        .iter()
        .any(|p| matches!(p, GenericParam::Type(_) | GenericParam::Const(_)))
}

/// An `impl Trait` argument is a type parameter without a name.
fn takes_impl_trait(sig: &Signature) -> bool {
    fn names_impl(tokens: proc_macro2::TokenStream) -> bool {
        tokens.into_iter().any(|token| match token {
            proc_macro2::TokenTree::Ident(ident) => ident == "impl",
            proc_macro2::TokenTree::Group(group) => names_impl(group.stream()),
            _ => false,
        })
    }
    sig.inputs
        .iter()
        .any(|input| names_impl(input.to_token_stream()))
}
