//! `powerbi-codegen`: generate the client, check a spec, or list its permissions.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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

fn run(command: Command) -> Result<(), powerbi_codegen::Error> {
    match command {
        Command::Generate {
            spec,
            out,
            categories,
            runtime_path,
        } => {
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
        }
        Command::Check { spec } => {
            let spec = powerbi_codegen::load(&powerbi_codegen::read_spec_dir(&spec)?)?;
            let operations: usize = spec.categories.iter().map(|c| c.operations.len()).sum();
            println!(
                "ok: {} categories, {operations} operations, {} models, {} enums",
                spec.categories.len(),
                spec.models.len(),
                spec.enums.len()
            );
        }
        Command::Coverage {
            spec,
            swagger,
            quiet,
        } => {
            let loaded = powerbi_codegen::load(&powerbi_codegen::read_spec_dir(&spec)?)?;
            let excluded_path = spec.join(powerbi_codegen::coverage::EXCLUDED_FILE);
            let excluded_source = match std::fs::read_to_string(&excluded_path) {
                Ok(text) => Some(powerbi_codegen::SourceText {
                    path: excluded_path,
                    text,
                }),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
                Err(error) => {
                    return Err(powerbi_codegen::Error::Config(format!(
                        "{}: {error}",
                        excluded_path.display()
                    )));
                }
            };
            let excluded = powerbi_codegen::coverage::read_excluded(excluded_source.as_ref())?;
            let text = std::fs::read_to_string(&swagger).map_err(|error| {
                powerbi_codegen::Error::Config(format!("{}: {error}", swagger.display()))
            })?;
            let coverage = powerbi_codegen::coverage::coverage(&loaded, &excluded, &text)?;
            let report = coverage.report();
            if quiet {
                for line in report
                    .lines()
                    .filter(|line| !line.starts_with("covered") && !line.starts_with("excluded"))
                {
                    println!("{line}");
                }
            } else {
                print!("{report}");
            }
            if !coverage.is_complete() {
                return Err(powerbi_codegen::Error::Config(
                    "the spec does not cover Microsoft's description: see MISSING/UNKNOWN/CONFLICT above".to_owned(),
                ));
            }
        }
        Command::Scopes { spec } => {
            let spec = powerbi_codegen::load(&powerbi_codegen::read_spec_dir(&spec)?)?;
            print!("{}", powerbi_codegen::scopes_report(&spec));
        }
    }
    Ok(())
}
