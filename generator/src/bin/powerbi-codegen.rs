//! `powerbi-codegen`: generate the client, check a spec, or list its permissions.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use powerbi_codegen::{Error, SourceText};

/// Reads the curated Power BI REST API spec and generates the Rust client.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate the spec and write the generated client to a file.
    Generate {
        /// The spec folder.
        #[arg(long, default_value = "spec")]
        spec: PathBuf,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// Only these categories (repeatable).
        #[arg(long = "category")]
        categories: Vec<String>,
        /// The runtime path generated code uses.
        #[arg(long, default_value = "::powerbi::runtime")]
        runtime_path: String,
    },
    /// Validate the spec only; exits non-zero when it has problems.
    Check {
        /// The spec folder.
        #[arg(long, default_value = "spec")]
        spec: PathBuf,
    },
    /// Compare the spec with Microsoft's description: covered, excluded and missing
    /// operations; exits non-zero when any is missing.
    Coverage {
        /// The spec folder (its `excluded.yaml` lists operations left out on purpose).
        #[arg(long, default_value = "spec")]
        spec: PathBuf,
        /// Microsoft's Swagger description of the API.
        #[arg(long, default_value = "spec/reference/powerbi-swagger.json")]
        swagger: PathBuf,
        /// Print only the totals and the problems.
        #[arg(long)]
        quiet: bool,
    },
    /// Print categories, the scopes they accept, and the operations under each scope.
    Scopes {
        /// The spec folder.
        #[arg(long, default_value = "spec")]
        spec: PathBuf,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprint!("{error}");
            if !error.to_string().ends_with('\n') {
                eprintln!();
            }
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Generate {
            spec,
            out,
            categories,
            runtime_path,
        } => generate(spec, &out, categories, runtime_path),
        Command::Check { spec } => check(&spec),
        Command::Coverage {
            spec,
            swagger,
            quiet,
        } => coverage(&spec, &swagger, quiet),
        Command::Scopes { spec } => {
            let api = powerbi_codegen::load(&powerbi_codegen::read_spec_dir(&spec)?)?;
            print!("{}", powerbi_codegen::scopes_report(&api));
            Ok(())
        }
    }
}

/// `generate`: validate the spec and write the client.
fn generate(
    spec: PathBuf,
    out: &Path,
    categories: Vec<String>,
    runtime_path: String,
) -> Result<(), Error> {
    let mut builder = powerbi_codegen::Builder::new(spec)
        .runtime_path(runtime_path)
        .rerun_if_changed(false)
        .out_dir(out.parent().map(PathBuf::from).unwrap_or_default())
        .file_name(
            out.file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_else(|| "powerbi.rs".to_owned()),
        );
    if !categories.is_empty() {
        builder = builder.categories(categories);
    }
    let path = builder.generate()?;
    println!("wrote {}", path.display());
    Ok(())
}

/// `check`: validate the spec and print what it holds.
fn check(spec: &Path) -> Result<(), Error> {
    let api = powerbi_codegen::load(&powerbi_codegen::read_spec_dir(spec)?)?;
    let operations: usize = api.categories.iter().map(|c| c.operations.len()).sum();
    println!(
        "ok: {} categories, {operations} operations, {} models, {} enums",
        api.categories.len(),
        api.models.len(),
        api.enums.len()
    );
    Ok(())
}

/// `coverage`: compare the spec with Microsoft's description.
fn coverage(spec: &Path, reference: &Path, quiet: bool) -> Result<(), Error> {
    let api = powerbi_codegen::load(&powerbi_codegen::read_spec_dir(spec)?)?;
    let lists = powerbi_codegen::coverage::read_lists(excluded_file(spec)?.as_ref())?;
    let text = std::fs::read_to_string(reference)
        .map_err(|error| Error::Config(format!("{}: {error}", reference.display())))?;
    let coverage = powerbi_codegen::coverage::coverage_of(&api, &lists, &text)?;
    let report = coverage.report();
    if quiet {
        for line in report.lines().filter(|line| {
            !line.starts_with("covered")
                && !line.starts_with("excluded")
                && !line.starts_with("beyond")
        }) {
            println!("{line}");
        }
    } else {
        print!("{report}");
    }
    if !coverage.is_complete() {
        return Err(Error::Config(
            "the spec does not cover Microsoft's description: see MISSING/UNKNOWN/CONFLICT above"
                .to_owned(),
        ));
    }
    Ok(())
}

/// The spec folder's `excluded.yaml`, if it has one.
fn excluded_file(spec: &Path) -> Result<Option<SourceText>, Error> {
    let path = spec.join(powerbi_codegen::coverage::EXCLUDED_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(SourceText { path, text })),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(Error::Config(format!("{}: {error}", path.display()))),
    }
}
