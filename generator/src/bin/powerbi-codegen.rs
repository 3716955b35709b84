//! `powerbi-codegen`: generate the client, check a spec, list its permissions, compare it with
//! Microsoft's description (coverage, drift), or draft a category from that description.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use powerbi_codegen::import::{Selection, Source};
use powerbi_codegen::{Error, SourceText};

/// Reads the curated REST API spec (one folder per API: `api.yaml` and its categories) and
/// generates the Rust client.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate one API's spec folder and write the generated client to a file.
    Generate {
        /// The API's spec folder (default: the Power BI spec bundled in this build of
        /// powerbi-codegen).
        #[arg(long)]
        spec: Option<PathBuf>,
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
    /// Validate the spec only (an API folder, or a folder of API folders); exits non-zero when
    /// it has problems.
    Check {
        /// The spec folder (default: the Power BI spec bundled in this build of
        /// powerbi-codegen).
        #[arg(long)]
        spec: Option<PathBuf>,
    },
    /// Compare each API's spec with Microsoft's description: covered, excluded and missing
    /// operations; exits non-zero when any is missing.
    Coverage {
        /// The spec folder (an API folder, or a folder of them); each API's `excluded.yaml`
        /// lists operations left out on purpose.
        #[arg(long, default_value = "spec")]
        spec: PathBuf,
        #[command(flatten)]
        reference: Reference,
        /// Print only the totals and the problems.
        #[arg(long)]
        quiet: bool,
    },
    /// Print categories, the scopes they accept, and the operations under each scope.
    Scopes {
        /// The spec folder (an API folder, or a folder of them; default: the Power BI spec
        /// bundled in this build of powerbi-codegen).
        #[arg(long)]
        spec: Option<PathBuf>,
    },
    /// The spec bundled in this build of powerbi-codegen.
    Spec {
        #[command(subcommand)]
        command: SpecCommand,
    },
    /// Draft a category file from Microsoft's description: one tag of a Swagger file, or one
    /// Fabric area folder. Writes the YAML to stdout (or `--out`).
    Import {
        #[command(flatten)]
        reference: Reference,
        /// Only the operations of this tag (required with `--swagger`).
        #[arg(long)]
        tag: Option<String>,
        /// The category name (default: the tag's or the area's, in snake_case); with
        /// `--split`, the whole area becomes this one category.
        #[arg(long)]
        category: Option<String>,
        /// The API's `api.yaml` (its base path, known scopes, docs URL and kinds); default
        /// `spec/fabric/api.yaml` with `--area`, `spec/powerbi/api.yaml` with `--swagger`.
        #[arg(long)]
        api: Option<PathBuf>,
        /// Write the draft here instead of stdout.
        #[arg(long, conflicts_with = "split")]
        out: Option<PathBuf>,
        /// Draft one area into this API folder: one category file per Microsoft tag, the
        /// models several share in `<prefix>shared.yaml`, names the folder already defines
        /// reused (from Fabric's `common/`) or renamed; never overwrites a file.
        #[arg(long, requires = "area")]
        split: Option<PathBuf>,
        /// With `--split`: prefix of the category names (`admin_` for the admin area).
        #[arg(long, default_value = "", requires = "split")]
        prefix: String,
    },
    /// Report operations, parameters, fields and enum values added, removed or changed
    /// between one API's spec and a description. Exit code 0: nothing drifted; 3: something
    /// did; 1: the spec or the description could not be read.
    Drift {
        /// The API's spec folder.
        #[arg(long, default_value = "spec/powerbi")]
        spec: PathBuf,
        #[command(flatten)]
        reference: Reference,
    },
}

#[derive(Subcommand)]
enum SpecCommand {
    /// Write the bundled spec (its README, every API's `api.yaml` and category files) into a
    /// folder, to edit and then pass as `--spec`.
    Export {
        /// The folder to write into (created if missing; existing files are never changed).
        dir: PathBuf,
    },
}

/// Microsoft's description: a Swagger file or a folder of Fabric's layout (default: the
/// API's `reference` in api.yaml).
#[derive(Args)]
struct Reference {
    /// A Swagger 2.0 file.
    #[arg(long, conflicts_with = "area")]
    swagger: Option<PathBuf>,
    /// A folder of Fabric's layout: one area (`.../fabric/notebook`) or the root of all.
    #[arg(long)]
    area: Option<PathBuf>,
}

impl Reference {
    /// The source given on the command line, if any.
    fn given(&self) -> Option<Source> {
        match (&self.swagger, &self.area) {
            (Some(file), _) => Some(Source::Swagger(file.clone())),
            (None, Some(dir)) => Some(Source::folder(dir.clone())),
            (None, None) => None,
        }
    }

    /// The source given, else the API's default reference.
    fn or_default(&self, folder: &Path, api: &powerbi_codegen::api::Api) -> Result<Source, Error> {
        if let Some(source) = self.given() {
            return Ok(source);
        }
        let reference = api.description.reference.as_deref().ok_or_else(|| {
            Error::Config(format!(
                "{}: api.yaml names no `reference`; pass --swagger or --area",
                folder.display()
            ))
        })?;
        Ok(Source::reference(folder, reference))
    }
}

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(code) => code,
        Err(error) => {
            eprint!("{error}");
            if !error.to_string().ends_with('\n') {
                eprintln!();
            }
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<ExitCode, Error> {
    match command {
        Command::Generate {
            spec,
            out,
            categories,
            runtime_path,
        } => generate(spec, &out, categories, runtime_path)?,
        Command::Check { spec } => check(spec.as_deref())?,
        Command::Coverage {
            spec,
            reference,
            quiet,
        } => coverage(&spec, &reference, quiet)?,
        Command::Scopes { spec: None } => {
            let api = powerbi_codegen::load(&powerbi_codegen::bundled::sources())?;
            print!("{}", powerbi_codegen::scopes_report(&api));
        }
        Command::Scopes { spec: Some(spec) } => {
            for folder in powerbi_codegen::api_folders(&spec)? {
                let api = load(&folder)?;
                print!("{}", powerbi_codegen::scopes_report(&api));
            }
        }
        Command::Spec {
            command: SpecCommand::Export { dir },
        } => {
            let written = powerbi_codegen::bundled::export(&dir)?;
            println!("wrote {} files to {}", written.len(), dir.display());
        }
        Command::Import {
            reference,
            tag,
            category,
            api,
            out,
            split,
            prefix,
        } => {
            let selection = Selection { tag, category };
            match split {
                Some(folder) => import_split(&reference, &selection, &folder, &prefix)?,
                None => import(&reference, selection, api, out)?,
            }
        }
        Command::Drift { spec, reference } => return drift(&spec, &reference),
    }
    Ok(ExitCode::SUCCESS)
}

/// One API folder, validated.
fn load(folder: &Path) -> Result<powerbi_codegen::api::Api, Error> {
    powerbi_codegen::load(&powerbi_codegen::read_spec_dir(folder)?)
}

/// `generate`: validate the spec and write the client.
fn generate(
    spec: Option<PathBuf>,
    out: &Path,
    categories: Vec<String>,
    runtime_path: String,
) -> Result<(), Error> {
    let builder = match spec {
        Some(folder) => powerbi_codegen::Builder::new(folder),
        None => powerbi_codegen::Builder::bundled(),
    };
    let mut builder = builder
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

/// `check`: validate every API's spec (or the bundled one) and print what each holds; all
/// problems at once.
fn check(spec: Option<&Path>) -> Result<(), Error> {
    let Some(spec) = spec else {
        let api = powerbi_codegen::load(&powerbi_codegen::bundled::sources())?;
        print_checked(&api, Path::new("the bundled spec"));
        return Ok(());
    };
    let mut problems = Vec::new();
    for folder in powerbi_codegen::api_folders(spec)? {
        match load(&folder) {
            Ok(api) => print_checked(&api, &folder),
            Err(Error::Spec(diagnostics)) => problems.extend(diagnostics),
            Err(other) => return Err(other),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Spec(problems))
    }
}

/// The line `check` prints for a valid API.
fn print_checked(api: &powerbi_codegen::api::Api, folder: &Path) {
    let operations: usize = api.categories.iter().map(|c| c.operations.len()).sum();
    println!(
        "ok: {} categories, {operations} operations, {} models, {} enums (API {}, {})",
        api.categories.len(),
        api.models.len(),
        api.enums.len(),
        api.description.name,
        folder.display()
    );
}

/// `coverage`: per API with categories, compare the spec with Microsoft's description.
fn coverage(spec: &Path, reference: &Reference, quiet: bool) -> Result<(), Error> {
    let mut failing = Vec::new();
    for folder in powerbi_codegen::api_folders(spec)? {
        let api = load(&folder)?;
        let name = api.description.name.clone();
        if api.categories.is_empty() {
            println!("{name}: no categories yet, nothing to cover");
            continue;
        }
        let lists = powerbi_codegen::coverage::read_lists(excluded_file(&folder)?.as_ref())?;
        let source = reference.or_default(&folder, &api)?;
        let described = powerbi_codegen::import::operation_ids(&source)?;
        let coverage = powerbi_codegen::coverage::coverage_of(&api, &lists, &described)?;
        let report = coverage.report();
        println!("{name} ({}):", source.describe());
        for line in report.lines().filter(|line| {
            !quiet
                || !["covered", "excluded", "beyond"]
                    .iter()
                    .any(|kind| line.starts_with(kind))
        }) {
            println!("{line}");
        }
        if let (Some(reason), false) = (&lists.incomplete, coverage.missing.is_empty()) {
            println!(
                "{name}: {} missing, accepted for now (excluded.yaml `incomplete`): {}",
                coverage.missing.len(),
                reason.trim()
            );
        }
        if coverage.fails(lists.incomplete.as_deref()) {
            failing.push(name);
        }
    }
    if failing.is_empty() {
        return Ok(());
    }
    Err(Error::Config(format!(
        "the spec does not cover Microsoft's description ({}): see MISSING/UNKNOWN/CONFLICT above",
        failing.join(", ")
    )))
}

/// `import`: draft a category from the description.
fn import(
    reference: &Reference,
    selection: Selection,
    api_file: Option<PathBuf>,
    out: Option<PathBuf>,
) -> Result<(), Error> {
    let source = reference.given().ok_or_else(|| {
        Error::Config("import needs --swagger FILE --tag NAME, or --area DIR".to_owned())
    })?;
    if matches!(source, Source::Swagger(_)) && selection.tag.is_none() {
        return Err(Error::Config(
            "import --swagger drafts one tag at a time: add --tag NAME".to_owned(),
        ));
    }
    let api_file = api_file.unwrap_or_else(|| match source {
        Source::Swagger(_) => PathBuf::from("spec/powerbi/api.yaml"),
        _ => PathBuf::from("spec/fabric/api.yaml"),
    });
    let api = powerbi_codegen::load_api_file(&api_file)?;
    let draft = powerbi_codegen::import::import(&api, &source, &selection)?;
    let text = powerbi_codegen::import::yaml(&draft, &source.describe());
    match out {
        Some(path) => {
            std::fs::write(&path, text)
                .map_err(|error| Error::Config(format!("{}: {error}", path.display())))?;
            eprintln!(
                "wrote {} ({} operations)",
                path.display(),
                draft.operations.len()
            );
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// `import --split`: one area into an API folder, one file per tag.
fn import_split(
    reference: &Reference,
    selection: &Selection,
    folder: &Path,
    prefix: &str,
) -> Result<(), Error> {
    let source = reference
        .given()
        .ok_or_else(|| Error::Config("import --split needs --area DIR".to_owned()))?;
    let written = powerbi_codegen::import::split::write_split(folder, &source, selection, prefix)?;
    for (path, operations) in written {
        eprintln!("wrote {} ({operations} operations)", path.display());
    }
    Ok(())
}

/// `drift`: the spec against a description; exit code 3 when they differ.
fn drift(spec: &Path, reference: &Reference) -> Result<ExitCode, Error> {
    let api = load(spec)?;
    let lists = powerbi_codegen::coverage::read_lists(excluded_file(spec)?.as_ref())?;
    let source = reference.or_default(spec, &api)?;
    let draft =
        powerbi_codegen::import::describe(&api.description, &source, &Selection::default())?;
    let report = powerbi_codegen::drift::drift(&api, &lists, &draft);
    print!("{}", report.render());
    Ok(if report.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(powerbi_codegen::drift::DRIFTED)
    })
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
