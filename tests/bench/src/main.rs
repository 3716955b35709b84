//! `powerbi-bench`: benchmarks of the generator, compile times and the client, each figure a
//! ratio against a baseline measured side by side in the same run. Writes `BENCHMARKS.md`.
//!
//! ```sh
//! cargo run --release -p powerbi-bench -- all       # everything (10–25 min on 2 cores); writes BENCHMARKS.md
//! cargo run -p powerbi-bench -- --quick             # the fast subset (`cargo test` runs it); writes target/bench/BENCHMARKS.quick.md
//! cargo run --release -p powerbi-bench -- cold      # rows 2e, 2i, 2j and 2k alone; writes target/bench/BENCHMARKS.partial.md
//! ```
//!
//! A program, not a test: nothing here asserts on time. Builds it starts go to `target/bench/`.
//! `tests/quick.rs` runs the quick mode under `cargo test` and checks that every row it
//! promises was measured.

mod allocations;
mod calls;
mod cold_build;
mod compile;
mod compile_fabric;
mod decode;
mod filed;
mod generator;
mod generator_fabric;
mod measure;
mod memory;
mod packaged;
mod progenitor;
mod report;
mod servers;
mod timings;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::report::{Header, Machine, Section};

/// Counts allocations for row 3e; forwards everything to the system allocator.
#[global_allocator]
static ALLOCATOR: allocations::Counting = allocations::Counting;

/// How the bench binary itself was compiled.
pub const PROFILE: &str = if cfg!(debug_assertions) {
    "debug"
} else {
    "release"
};

/// What every section needs to know.
pub struct Ctx {
    /// The repository root.
    pub repo: PathBuf,
    /// `target/bench` (or `$CARGO_TARGET_DIR/bench`): every build the bench starts goes here.
    pub bench_dir: PathBuf,
    pub quick: bool,
    pub compile_rounds: usize,
    pub cold_rounds: usize,
    pub skip_cold: bool,
}

/// Benchmarks powerbi-rs and writes BENCHMARKS.md.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The fast subset `cargo test` runs (tests/quick.rs): no builds, fewer rounds and smaller
    /// inputs (about a minute in debug on 2 CPUs); its figures are rough. Writes
    /// target/bench/BENCHMARKS.quick.md unless --out is given.
    #[arg(long, global = true)]
    quick: bool,
    /// Where to write the report (default: BENCHMARKS.md at the repository root; with
    /// --quick, target/bench/BENCHMARKS.quick.md).
    #[arg(long, global = true)]
    out: Option<PathBuf>,
    /// Rounds of each A/B compile comparison.
    #[arg(long, global = true, default_value_t = 3)]
    compile_rounds: usize,
    /// Rounds of the cold user-crate builds (rows 2e, 2i, 2j and 2k; each round is three cold
    /// builds, a minute or more each). Three by default: one round of row 2e varies by ±15%.
    #[arg(long, global = true, default_value_t = 3)]
    cold_rounds: usize,
    /// Skip the cold build of a user crate (the slowest part of `all`).
    #[arg(long, global = true)]
    skip_cold: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Every measurement (the default).
    All,
    /// 1. The generator: speed and lines per operation.
    Generator,
    /// 2. Compile time of `powerbi`, peak rustc memory, no-op rebuild, cold user build.
    Compile,
    /// Rows 2e, 2i, 2j and 2k alone: cold builds of a user crate and of its floor (minutes a round).
    Cold,
    /// 3 and 6. Call overhead against bare reqwest; token requests for 10,000 calls.
    Calls,
    /// 4. Decode throughput.
    Decode,
    /// 5. Peak memory while paging, uploading and downloading.
    Memory,
    /// Internal: runs the sandbox until stdin closes, printing its URL.
    #[command(hide = true)]
    ServeSandbox,
    /// Internal: runs a program and writes its peak RSS and CPU time to a file.
    #[command(hide = true)]
    MeasureChild {
        #[arg(long)]
        usage: PathBuf,
        #[arg(last = true, required = true)]
        program: Vec<std::ffi::OsString>,
    },
    /// Internal: pages through an activity log, for the memory measurement.
    #[command(hide = true)]
    PageClient {
        #[arg(long)]
        mode: String,
        #[arg(long)]
        base: String,
    },
    /// Internal: one upload, for the memory measurement.
    #[command(hide = true)]
    UploadClient {
        #[arg(long)]
        mode: String,
        #[arg(long)]
        base: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Internal: one call given a hostile answer of `size` bytes, for the memory measurement.
    #[command(hide = true)]
    HostileClient {
        #[arg(long)]
        what: String,
        #[arg(long)]
        mode: String,
        #[arg(long)]
        base: String,
        #[arg(long)]
        size: u64,
    },
    /// Internal: one download of `size` bytes, for the memory measurement.
    #[command(hide = true)]
    DownloadClient {
        #[arg(long)]
        mode: String,
        #[arg(long)]
        base: String,
        #[arg(long)]
        size: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::All);
    if let Command::MeasureChild { usage, program } = &command {
        return match measure::measure_child(usage, program) {
            Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
            Err(error) => {
                eprintln!("powerbi-bench: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let internal = match &command {
        Command::ServeSandbox => Some(servers::serve_sandbox()),
        Command::PageClient { mode, base } => Some(memory::page_client(mode, base)),
        Command::UploadClient { mode, base, file } => Some(memory::upload_client(mode, base, file)),
        Command::DownloadClient { mode, base, size } => {
            Some(memory::download_client(mode, base, *size))
        }
        Command::HostileClient {
            what,
            mode,
            base,
            size,
        } => Some(memory::hostile_client(what, mode, base, *size)),
        _ => None,
    };
    if let Some(result) = internal {
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("powerbi-bench: {error}");
                ExitCode::FAILURE
            }
        };
    }

    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let repo = repo.canonicalize().unwrap_or(repo);
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target"));
    let ctx = Ctx {
        bench_dir: target.join("bench"),
        repo,
        quick: cli.quick,
        compile_rounds: cli.compile_rounds.max(1),
        cold_rounds: cli.cold_rounds.max(1),
        skip_cold: cli.skip_cold,
    };
    if let Err(error) = std::fs::create_dir_all(&ctx.bench_dir) {
        eprintln!("powerbi-bench: {}: {error}", ctx.bench_dir.display());
        return ExitCode::FAILURE;
    }
    let machine = Machine::detect();
    let date = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default();

    let which = |wanted: fn(&Command) -> bool| matches!(command, Command::All) || wanted(&command);
    let mut sections: Vec<(&str, Section)> = Vec::new();
    // Builds first: the other sections then run on a quieter machine, and the generator's
    // build-script row reuses the compile target folder.
    let mut compile = None;
    if which(|c| matches!(c, Command::Compile)) {
        eprintln!("powerbi-bench: 2. compile time");
        compile = Some(compile::run(&ctx));
    } else if matches!(command, Command::Cold) {
        eprintln!("powerbi-bench: 2e, 2i, 2j and 2k. cold builds");
        let mut section = Section::default();
        cold_build::measure(&ctx, &mut section);
        compile = Some(section);
    }
    if which(|c| matches!(c, Command::Generator)) {
        eprintln!("powerbi-bench: 1. generator");
        sections.push(("1. Generator", generator::run(&ctx)));
    }
    if let Some(compile) = compile {
        sections.push(("2. Compile time", compile));
    }
    if which(|c| matches!(c, Command::Calls)) {
        eprintln!("powerbi-bench: 3. call overhead and 6. token sharing");
        sections.push(("3. Call overhead and 6. token sharing", calls::run(&ctx)));
    }
    if which(|c| matches!(c, Command::Decode)) {
        eprintln!("powerbi-bench: 4. decode throughput");
        sections.push(("4. Decode throughput", decode::run(&ctx)));
    }
    if which(|c| matches!(c, Command::Memory)) {
        eprintln!("powerbi-bench: 5. memory");
        sections.push(("5. Memory", memory::run(&ctx)));
    }
    // Keep the table in the issue's order: 1, 2, 3, 4, 5, then 6 (measured with 3).
    let mut rows_six = Vec::new();
    for (_, section) in &mut sections {
        let (six, rest): (Vec<_>, Vec<_>) = section
            .rows
            .drain(..)
            .partition(|row| row.id.starts_with('6'));
        section.rows = rest;
        rows_six.extend(six);
    }
    if !rows_six.is_empty() {
        sections.push((
            "6. Token sharing",
            Section {
                rows: rows_six,
                notes: Vec::new(),
            },
        ));
    }

    let mode = if ctx.quick { "quick" } else { "full" };
    let command_text = match (&command, ctx.quick) {
        (Command::All, false) => "cargo run --release -p powerbi-bench -- all".to_owned(),
        (_, true) => "cargo run -p powerbi-bench -- --quick".to_owned(),
        (other, false) => format!("cargo run --release -p powerbi-bench -- {}", name(other)),
    };
    let spec = format!(
        "{} operations in this build (`powerbi::OPERATIONS`), spec hash `{}`",
        powerbi::OPERATIONS.len(),
        &powerbi::SPEC_HASH[..12.min(powerbi::SPEC_HASH.len())]
    );
    let header = Header {
        command: &command_text,
        mode,
        date,
        machine: &machine,
        load_after: report::load_average(),
        bench_profile: PROFILE,
        spec,
    };
    let text = report::render(&header, &sections);
    let out = cli.out.unwrap_or_else(|| {
        if ctx.quick || !matches!(command, Command::All) {
            ctx.bench_dir.join(if ctx.quick {
                "BENCHMARKS.quick.md"
            } else {
                "BENCHMARKS.partial.md"
            })
        } else {
            ctx.repo.join("BENCHMARKS.md")
        }
    });
    print!("{text}");
    if let Err(error) = std::fs::write(&out, &text) {
        eprintln!("powerbi-bench: {}: {error}", out.display());
        return ExitCode::FAILURE;
    }
    eprintln!("powerbi-bench: wrote {}", out.display());
    // A measurement that could not run (not a slow one: nothing here judges time) fails the
    // program, so CI notices when the bench stops matching the client.
    let failed: Vec<&str> = sections
        .iter()
        .flat_map(|(_, section)| &section.rows)
        .filter(|row| matches!(row.status, report::Status::Failed(_)))
        .map(|row| row.id.as_str())
        .collect();
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("powerbi-bench: failed to measure {}", failed.join(", "));
        ExitCode::FAILURE
    }
}

fn name(command: &Command) -> &'static str {
    match command {
        Command::All => "all",
        Command::Generator => "generator",
        Command::Compile => "compile",
        Command::Cold => "cold",
        Command::Calls => "calls",
        Command::Decode => "decode",
        Command::Memory => "memory",
        Command::ServeSandbox => "serve-sandbox",
        Command::UploadClient { .. } => "upload-client",
        Command::DownloadClient { .. } => "download-client",
        Command::HostileClient { .. } => "hostile-client",
        Command::PageClient { .. } => "page-client",
        Command::MeasureChild { .. } => "measure-child",
    }
}
