//! 2. Compile time: the `powerbi` crate alone with its dependencies prebuilt (all categories,
//!    one, none), rustc's peak memory, the no-op rebuild, and the cold first build of a small
//!    crate that depends on `powerbi` (in [`crate::cold_build`]).
//!
//! Rows 2b and 2c compare `powerbi` (all categories) with oxidecomputer's progenitor 0.15.1
//! generating a client for the same Microsoft description, built in the same run and measured
//! the same way: alternating rounds, each a `cargo build -v` or `cargo check -v` after forgetting
//! only the measured crate's own fingerprint (dependencies prebuilt, CARGO_INCREMENTAL=0, the
//! workspace's dev profile), wall time and the peak resident set of cargo and its rustc. The
//! steps that make progenitor's crate (`npx --yes swagger2openapi@7.0.8`, two edits to the
//! converted description, a build.rs calling `progenitor::Generator`, progenitor-client 0.15.1
//! on rustls/ring) are in [`crate::progenitor`]; they run only in the full `compile` section,
//! never under `--quick`. When they fail (no npm, no registry, a conversion error), rows 2b and
//! 2c fall back to the figures quoted in issue 7 and a note says why.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use crate::Ctx;
use crate::measure::{
    ChildRun, Outcome, Paired, alternate, median, mib, ratio, run_child, run_child_peak, secs,
};
use crate::progenitor;
use crate::report::{Row, Section, Status};

/// progenitor's client for this API, quoted in issue 7: the fallback of rows 2b and 2c when
/// progenitor cannot be built in the run (no npm, no registry).
const PROGENITOR_CHECK_SECONDS: f64 = 7.1;
const PROGENITOR_BUILD_SECONDS: f64 = 8.1;
const PROGENITOR_PEAK_MIB: f64 = 829.0;
const GOAL_ONE_CATEGORY_SHARE: f64 = 0.30;

/// `cargo` with its own target folder, no wrapper (sccache would time the cache) and no
/// jobserver inherited from a `cargo run` around us.
pub fn cargo(ctx: &Ctx, target_dir: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .current_dir(&ctx.repo)
        .env("CARGO_TARGET_DIR", target_dir)
        .env("CARGO_TERM_COLOR", "never")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CARGO_BUILD_RUSTC_WRAPPER")
        .env_remove("CARGO_MAKEFLAGS")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS");
    command
}

/// The workspace's packages, as `cargo metadata --no-deps` describes them.
pub(crate) fn workspace_packages(ctx: &Ctx) -> Outcome<Vec<serde_json::Value>> {
    let run = run_child(cargo(ctx, &ctx.bench_dir.join("metadata")).args([
        "metadata",
        "--format-version",
        "1",
        "--no-deps",
    ]))?
    .check("cargo metadata")?;
    let mut metadata: serde_json::Value =
        serde_json::from_str(&run.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    match metadata["packages"].take() {
        serde_json::Value::Array(packages) => Ok(packages),
        _ => Err("cargo metadata lists no packages".to_owned()),
    }
}

/// Writes `text` to `path`, making its folder first.
pub(crate) fn write_file(path: &Path, text: &str) -> Outcome<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Copies the repository's Cargo.lock into `dir`, so a crate built there gets the versions the
/// workspace is tested with.
pub(crate) fn copy_lock(ctx: &Ctx, dir: &Path) -> Outcome<()> {
    std::fs::copy(ctx.repo.join("Cargo.lock"), dir.join("Cargo.lock"))
        .map(drop)
        .map_err(|e| format!("copying Cargo.lock: {e}"))
}

/// The target folder for builds of `powerbi` alone; non-incremental, so each rebuild compiles
/// the whole crate as a first build would.
fn compile_dir(ctx: &Ctx) -> PathBuf {
    ctx.bench_dir.join("compile")
}

pub(crate) fn powerbi_cargo(ctx: &Ctx) -> Command {
    measured_cargo(ctx, &ctx.repo, &compile_dir(ctx))
}

/// `cargo` for the measured builds, in `dir` with its own `target_dir`: non-incremental, so
/// each rebuild compiles the whole crate as a first build would (today's `powerbi`,
/// progenitor's client and the `powerbi` issue 13 was filed against alike).
pub(crate) fn measured_cargo(ctx: &Ctx, dir: &Path, target_dir: &Path) -> Command {
    let mut command = cargo(ctx, target_dir);
    command.current_dir(dir).env("CARGO_INCREMENTAL", "0");
    command
}

/// The feature sets a compile row builds `powerbi` with.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Features {
    /// The default: every Power BI category.
    All,
    /// One Power BI category (`datasets`).
    One,
    /// No category: `powerbi` with none, or (in [`compile_powerbi`]) the runtime crate,
    /// `powerbi-runtime`, alone.
    None,
    /// Every category of both APIs (the default and `fabric`).
    Everything,
    /// Every Fabric category, no Power BI one.
    Fabric,
    /// One Fabric category (`fabric_notebook`).
    FabricOne,
}

impl Features {
    pub(crate) fn args(self) -> &'static [&'static str] {
        match self {
            Features::All => &[],
            Features::One => &["--no-default-features", "--features", "datasets"],
            Features::None => &["--no-default-features"],
            Features::Everything => &["--features", "fabric"],
            Features::Fabric => &["--no-default-features", "--features", "fabric"],
            Features::FabricOne => &["--no-default-features", "--features", "fabric_notebook"],
        }
    }
}

/// What a debug build of `powerbi` reports about its build script.
struct BuildScript {
    /// The compiled build script.
    program: PathBuf,
    /// Its `OUT_DIR`.
    out_dir: PathBuf,
}

/// Builds `powerbi` (debug), with or without `--features _regenerate`, and reads cargo's
/// report of its build script.
fn powerbi_build(ctx: &Ctx, regenerate: bool) -> Outcome<BuildScript> {
    let mut command = powerbi_cargo(ctx);
    command.args(["build", "-p", "powerbi", "--message-format=json"]);
    if regenerate {
        command.args(["--features", "_regenerate"]);
    }
    let run = run_child(&mut command)?.check("cargo build -p powerbi")?;
    let manifest = ctx.repo.join("generated/Cargo.toml");
    let (mut program, mut out_dir) = (None, None);
    for line in run.stdout.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_script = message["reason"] == "compiler-artifact"
            && message["manifest_path"].as_str().map(Path::new) == Some(manifest.as_path())
            && message["target"]["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|kind| kind == "custom-build"));
        if is_script && let Some(path) = message["filenames"][0].as_str() {
            program = Some(PathBuf::from(path));
        }
        if message["reason"] == "build-script-executed"
            && message["package_id"]
                .as_str()
                .is_some_and(|id| id.contains("powerbi@") || id.contains("powerbi "))
            && let Some(out) = message["out_dir"].as_str()
        {
            out_dir = Some(PathBuf::from(out));
        }
    }
    match (program, out_dir) {
        (Some(program), Some(out_dir)) => Ok(BuildScript { program, out_dir }),
        _ => Err(format!(
            "cargo reported no build script (or no run of it) for {}",
            manifest.display()
        )),
    }
}

/// The compiled `powerbi` build script: the one that generates from `../spec`
/// (`--features _regenerate`) or the one every user's build runs.
pub fn powerbi_build_script(ctx: &Ctx, regenerate: bool) -> Outcome<PathBuf> {
    powerbi_build(ctx, regenerate).map(|build| build.program)
}

/// Forgets the compiled library of `package` in `target_dir` (not its build script, not its
/// dependencies), so the next build compiles exactly that crate again. Touches no source file.
pub(crate) fn forget_lib(target_dir: &Path, package: &str, lib_fingerprint: &str) -> Outcome<()> {
    let fingerprints = target_dir.join("debug/.fingerprint");
    let entries =
        std::fs::read_dir(&fingerprints).map_err(|e| format!("{}: {e}", fingerprints.display()))?;
    let prefix = format!("{package}-");
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(&prefix) {
            continue;
        }
        let is_lib = std::fs::read_dir(entry.path()).is_ok_and(|files| {
            files
                .flatten()
                .any(|file| file.file_name() == lib_fingerprint)
        });
        if is_lib {
            std::fs::remove_dir_all(entry.path()).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// One measured compile of `powerbi` alone.
pub(crate) struct Compile {
    pub(crate) run: ChildRun,
    /// Whether cargo ran the generator (the build script) during it.
    generator_ran: bool,
}

impl Compile {
    /// Its wall time, in seconds.
    pub(crate) fn wall_seconds(&self) -> f64 {
        self.run.wall.as_secs_f64()
    }

    /// The peak resident set of cargo and its rustc, in KiB.
    pub(crate) fn peak_kib(&self) -> f64 {
        self.run.max_rss_kib as f64
    }
}

pub(crate) fn compile_powerbi(ctx: &Ctx, check: bool, features: Features) -> Outcome<Compile> {
    if features == Features::None {
        return compile_runtime(ctx, check);
    }
    // The generated code is the models' crates (`powerbi-models` for Power BI;
    // `powerbi-fabric-models-shared` and one per part for Fabric, built only with a Fabric
    // feature) and the clients' (`powerbi`): all compile again, as progenitor's one generated
    // crate does.
    forget_lib(&compile_dir(ctx), "powerbi-models", "lib-powerbi_models")?;
    let parts = (1..=powerbi_codegen::FABRIC_MODEL_PARTS).map(|part| part.to_string());
    for part in std::iter::once("shared".to_owned()).chain(parts) {
        forget_lib(
            &compile_dir(ctx),
            &format!("powerbi-fabric-models-{part}"),
            &format!("lib-powerbi_fabric_models_{part}"),
        )?;
    }
    forget_lib(&compile_dir(ctx), "powerbi", "lib-powerbi")?;
    let verb = if check { "check" } else { "build" };
    let mut command = powerbi_cargo(ctx);
    command
        .args([verb, "-v", "-p", "powerbi"])
        .args(features.args());
    measured_compile(&mut command, check, "powerbi")
}

/// One measured compile of the runtime crate, `powerbi-runtime`, alone (what `powerbi`'s
/// rows have prebuilt, as progenitor's have `progenitor-client`).
fn compile_runtime(ctx: &Ctx, check: bool) -> Outcome<Compile> {
    // The runtime and the small types it re-exports (`powerbi-types`): the hand-written code.
    forget_lib(&compile_dir(ctx), "powerbi-types", "lib-powerbi_types")?;
    forget_lib(&compile_dir(ctx), "powerbi-runtime", "lib-powerbi_runtime")?;
    let verb = if check { "check" } else { "build" };
    let mut command = powerbi_cargo(ctx);
    command.args([verb, "-v", "-p", "powerbi-runtime"]);
    measured_compile(&mut command, check, "powerbi-runtime")
}

/// One measured compile of progenitor's client alone, exactly as [`compile_powerbi`] does it.
fn compile_progenitor(ctx: &Ctx, check: bool) -> Outcome<Compile> {
    forget_lib(
        &progenitor::target_dir(ctx),
        progenitor::PACKAGE,
        progenitor::LIB_FINGERPRINT,
    )?;
    let verb = if check { "check" } else { "build" };
    let mut command = progenitor::crate_cargo(ctx);
    command.args([verb, "-v"]);
    measured_compile(&mut command, check, progenitor::PACKAGE)
}

/// Runs a build or check whose crate's fingerprint was forgotten, with its peak memory, and
/// makes sure cargo compiled that crate again.
pub(crate) fn measured_compile(
    command: &mut Command,
    check: bool,
    package: &str,
) -> Outcome<Compile> {
    let verb = if check { "check" } else { "build" };
    let run = run_child_peak(command)?.check(&format!("cargo {verb} of {package}"))?;
    let compiling = format!(
        "{} {package} ",
        if check { "Checking" } else { "Compiling" }
    );
    let compiled = run
        .stderr
        .lines()
        .any(|line| line.trim_start().starts_with(&compiling));
    if !compiled {
        return Err(format!("cargo {verb} did not compile {package} again"));
    }
    Ok(Compile {
        generator_ran: ran_build_script(&run.stderr, package),
        run,
    })
}

/// Whether cargo's verbose output shows `package`'s build script (its generator) being run.
fn ran_build_script(stderr: &str, package: &str) -> bool {
    let dir = format!("/{package}-");
    stderr.lines().any(|line| {
        let line = line.trim_start();
        line.starts_with("Running `") && line.contains(&dir) && line.contains("build-script-build")
    })
}

pub fn run(ctx: &Ctx) -> Section {
    let mut section = Section::default();
    if ctx.quick {
        section.rows.push(
            Row::new("2", "compile time of `powerbi`, peak rustc memory, no-op rebuild, cold build of a user crate")
                .status(Status::NotMeasured(
                    "`--quick` skips it (minutes of builds); run `all`".to_owned(),
                )),
        );
        return section;
    }
    if let Err(error) = crate_alone(ctx, &mut section) {
        section
            .rows
            .push(Row::failed("2a", "compile `powerbi` alone", error));
    }
    if let Err(error) = crate::compile_fabric::rows(ctx, &mut section) {
        section.rows.push(Row::failed(
            "2f",
            "compile `powerbi` alone with Fabric's categories",
            error,
        ));
    }
    if let Err(error) = no_op(ctx, &mut section) {
        section
            .rows
            .push(Row::failed("2d", "no-op rebuild of `powerbi`", error));
    }
    if ctx.skip_cold {
        section.rows.push(
            Row::new(
                "2e",
                "cold first build of a small crate depending on `powerbi`",
            )
            .status(Status::NotMeasured("skipped (`--skip-cold`)".to_owned())),
        );
    } else {
        crate::cold_build::measure(ctx, &mut section);
    }
    section
}

fn crate_alone(ctx: &Ctx, section: &mut Section) -> Outcome<()> {
    eprintln!("powerbi-bench: prebuilding powerbi's dependencies (debug, build and check)");
    for features in [Features::All, Features::One, Features::None] {
        for verb in ["build", "check"] {
            run_child(
                powerbi_cargo(ctx)
                    .args([verb, "-p", "powerbi"])
                    .args(features.args()),
            )?
            .check(&format!("cargo {verb} -p powerbi"))?;
        }
    }
    let rounds = ctx.compile_rounds;
    eprintln!("powerbi-bench: compiling powerbi alone, {rounds} rounds");
    let build = alternate(
        rounds,
        || compile_powerbi(ctx, false, Features::One),
        || compile_powerbi(ctx, false, Features::All),
    )?;
    let check = alternate(
        rounds,
        || compile_powerbi(ctx, true, Features::One),
        || compile_powerbi(ctx, true, Features::All),
    )?;
    let runtime = alternate(
        rounds,
        || compile_powerbi(ctx, false, Features::None),
        || compile_powerbi(ctx, false, Features::All),
    )?;
    let baseline = progenitor_rounds(ctx, rounds);
    let none: &[(Compile, Compile)] = &[];
    let (progenitor_build, progenitor_check) = match &baseline {
        Ok(measured) => (&measured.build[..], &measured.check[..]),
        Err(_) => (none, none),
    };
    let all_compiles = || {
        build
            .iter()
            .chain(&check)
            .chain(&runtime)
            .chain(progenitor_build)
            .chain(progenitor_check)
            .flat_map(|(a, b)| [a, b])
    };
    let compiles = all_compiles().count();
    let generator_runs = all_compiles()
        .filter(|compile| compile.generator_ran)
        .count();

    let one_all = Paired::of(&build, Compile::wall_seconds);
    let none_all = Paired::of(&runtime, Compile::wall_seconds);
    // `powerbi` with all categories: second in the pairs above, first in progenitor's.
    let all_builds = || {
        build
            .iter()
            .chain(&runtime)
            .map(|(_, all)| all)
            .chain(progenitor_build.iter().map(|(powerbi, _)| powerbi))
    };
    let all_checks = || {
        check
            .iter()
            .map(|(_, all)| all)
            .chain(progenitor_check.iter().map(|(powerbi, _)| powerbi))
    };
    let all_build = median(all_builds().map(Compile::wall_seconds));
    let all_check = median(all_checks().map(Compile::wall_seconds));
    let peak = Paired::of(&build, Compile::peak_kib);
    let peak_all = median(all_builds().map(Compile::peak_kib));
    let peak_check = median(all_checks().map(Compile::peak_kib));

    section.rows.push(
        Row::new("2a", "compile `powerbi` alone (debug build, dependencies prebuilt): one category (`--no-default-features --features datasets`) vs all")
            .ours(format!("one: {}", secs(one_all.a)))
            .baseline(format!("all 19 categories: {}", secs(one_all.b)))
            .ratio(one_all.ratio_text())
            .goal(format!("< {:.0}%", GOAL_ONE_CATEGORY_SHARE * 100.0))
            .met_if(
                one_all.ratio < GOAL_ONE_CATEGORY_SHARE,
                format!(
                    "the hand-written runtime (`powerbi-runtime` with `powerbi-types`, prebuilt here as every dependency is) takes {} \
                     alone, {} of all categories' `powerbi`; one category's models and clients cost \
                     the share above",
                    secs(none_all.a),
                    ratio(none_all.ratio)
                ),
            ),
    );
    let shares = format!(
        "on this machine, `powerbi` with all categories costs {} of its runtime crate's build \
         (`powerbi-runtime` with `powerbi-types`, prebuilt for these rows as progenitor's `progenitor-client` is for its)",
        ratio(1.0 / none_all.ratio.max(f64::MIN_POSITIVE))
    );
    let all = All {
        build: all_build,
        check: all_check,
        peak: peak_all,
        peak_check,
        runtime_build: none_all.a,
        one_peak: peak.a,
        one_all_peak: peak.ratio_text(),
    };
    match &baseline {
        Ok(measured) => same_run_rows(section, &all, measured, &shares),
        Err(error) => quoted_rows(section, &all, error, &shares),
    }
    section.notes.push(format!(
        "Compile figures are medians over {rounds} rounds of `cargo build|check -v -p powerbi` in `target/bench/compile` \
         (CARGO_INCREMENTAL=0, the workspace's dev profile), each after forgetting only the fingerprints of the \
         generated crates, `powerbi-models`, `powerbi-fabric-models-*` (with a Fabric feature) and `powerbi`, so \
         rustc compiles them whole and nothing else (the models' crates first and side by side, the clients' once \
         their metadata is out); progenitor's client is compiled the same way in \
         `target/bench/progenitor`, alternating with `powerbi` (all categories). Peak memory is the largest resident \
         set of cargo or any rustc it ran (`wait4` rusage). A generator (a build script) ran during {generator_runs} \
         of these {compiles} rebuilds."
    ));
    match &baseline {
        Ok(measured) => section.notes.push(format!(
            "progenitor baseline (2b, 2c): built in this run from Microsoft's description ({} operations; `powerbi` \
             has the {} of the curated spec), {} generated lines: converted to OpenAPI 3 by `npx --yes \
             swagger2openapi@7.0.8`, then two edits progenitor 0.15.1 needs: {}; generated by a build.rs with \
             `progenitor::Generator`, built with progenitor-client 0.15.1 and reqwest 0.13 on rustls/ring (the TLS \
             `powerbi` uses). The recipe is in tests/bench/src/progenitor.rs.",
            measured.operations,
            powerbi::OPERATIONS.len(),
            measured.lines.map_or("?".to_owned(), |lines| lines.to_string()),
            measured.edits.join("; ")
        )),
        Err(error) => section.notes.push(format!(
            "progenitor baseline (2b, 2c): not built in this run ({error}); the rows compare with the figures \
             quoted in issue 7 instead."
        )),
    }
    Ok(())
}

/// `powerbi` with all categories, this run: the medians rows 2b and 2c report.
struct All {
    build: f64,
    check: f64,
    /// Peak KiB of the debug build and of the check.
    peak: f64,
    peak_check: f64,
    runtime_build: f64,
    /// Peak KiB of the one-category build, and the one/all peak ratio text.
    one_peak: f64,
    one_all_peak: String,
}

/// progenitor's client measured in this run, alternating with `powerbi` (all categories).
struct Baseline {
    /// Pairs of (`powerbi`, progenitor) debug builds and checks: `powerbi` first here, where
    /// the one/all pairs hold all categories second.
    build: Vec<(Compile, Compile)>,
    check: Vec<(Compile, Compile)>,
    edits: Vec<String>,
    operations: usize,
    lines: Option<usize>,
}

fn progenitor_rounds(ctx: &Ctx, rounds: usize) -> Outcome<Baseline> {
    let prepared = progenitor::prepare(ctx)?;
    eprintln!("powerbi-bench: compiling powerbi and progenitor's client alone, {rounds} rounds");
    let build = alternate(
        rounds,
        || compile_powerbi(ctx, false, Features::All),
        || compile_progenitor(ctx, false),
    )?;
    let check = alternate(
        rounds,
        || compile_powerbi(ctx, true, Features::All),
        || compile_progenitor(ctx, true),
    )?;
    Ok(Baseline {
        build,
        check,
        edits: prepared.edits,
        operations: prepared.operations,
        lines: progenitor::generated_lines(ctx),
    })
}

fn same_run_rows(section: &mut Section, all: &All, measured: &Baseline, shares: &str) {
    let build = Paired::of(&measured.build, Compile::wall_seconds);
    let check = Paired::of(&measured.check, Compile::wall_seconds);
    let peak = Paired::of(&measured.build, Compile::peak_kib);
    let peak_check = Paired::of(&measured.check, Compile::peak_kib);
    section.rows.push(
        Row::new("2b", "compile `powerbi` alone, all categories: debug build / check")
            .ours(format!("build {} / check {}", secs(all.build), secs(all.check)))
            .baseline(format!(
                "progenitor 0.15.1's client for the same description, same run: build {} / check {}; \
                 `powerbi`'s runtime alone (`powerbi-runtime` with `powerbi-types`, prebuilt like `progenitor-client`): build {}",
                secs(build.b),
                secs(check.b),
                secs(all.runtime_build)
            ))
            .ratio(format!("build {} / check {}", build.ratio_text(), check.ratio_text()))
            .goal("half of progenitor's, same run: ≤ 0.50× / ≤ 0.50×")
            .met_if(
                build.ratio <= 0.5 && check.ratio <= 0.5,
                format!(
                    "{shares}; progenitor's client covers all {} operations of Microsoft's description, \
                     `powerbi` the {} of the curated spec",
                    measured.operations,
                    powerbi::OPERATIONS.len()
                ),
            ),
    );
    section.rows.push(
        Row::new(
            "2c",
            "peak rustc memory compiling `powerbi` alone, all categories (debug build)",
        )
        .ours(format!(
            "{} (check: {})",
            mib(all.peak),
            mib(all.peak_check)
        ))
        .baseline(format!(
            "progenitor's client, same run: {} (check: {}); `powerbi` with one category: {}",
            mib(peak.b),
            mib(peak_check.b),
            mib(all.one_peak)
        ))
        .ratio(format!(
            "{} (check {}); one/all {}",
            peak.ratio_text(),
            ratio(peak_check.ratio),
            all.one_all_peak
        ))
        .goal("half of progenitor's, same run: ≤ 0.50×")
        .met_if(
            peak.ratio <= 0.5,
            "the larger of the two generated crates' rustc processes (the models with their JSON \
             impls, `powerbi-models`, or the clients, `powerbi`) is over the goal",
        ),
    );
}

/// Rows 2b and 2c against issue 7's quoted figures, when progenitor could not be built here.
fn quoted_rows(section: &mut Section, all: &All, error: &str, shares: &str) {
    section.rows.push(
        Row::new("2b", "compile `powerbi` alone, all categories: debug build / check")
            .ours(format!("build {} / check {}", secs(all.build), secs(all.check)))
            .baseline(format!(
                "runtime alone (`powerbi-runtime` with `powerbi-types`), same run: build {}; progenitor, *quoted* (not built here: {error}): \
                 build {PROGENITOR_BUILD_SECONDS} s / check {PROGENITOR_CHECK_SECONDS} s",
                secs(all.runtime_build)
            ))
            .ratio(format!(
                "{} / {} of quoted",
                ratio(all.build / PROGENITOR_BUILD_SECONDS),
                ratio(all.check / PROGENITOR_CHECK_SECONDS)
            ))
            .goal("half of progenitor's (quoted): ≤ 4.05 s / ≤ 3.55 s")
            .met_if(
                all.build <= PROGENITOR_BUILD_SECONDS / 2.0
                    && all.check <= PROGENITOR_CHECK_SECONDS / 2.0,
                format!(
                    "progenitor could not be built in this run, and the quoted figures come from another \
                     machine, so this compares across machines; {shares}"
                ),
            ),
    );
    section.rows.push(
        Row::new(
            "2c",
            "peak rustc memory compiling `powerbi` alone, all categories (debug build)",
        )
        .ours(format!("{} (check: {})", mib(all.peak), mib(all.peak_check)))
        .baseline(format!(
            "one category, same run: {}; progenitor, *quoted* (not built here): {PROGENITOR_PEAK_MIB:.0} MiB",
            mib(all.one_peak)
        ))
        .ratio(format!(
            "{} of quoted; one/all {}",
            ratio(all.peak / 1024.0 / PROGENITOR_PEAK_MIB),
            all.one_all_peak
        ))
        .goal("half of progenitor's (quoted): ≤ 415 MiB")
        .met_if(
            all.peak / 1024.0 <= PROGENITOR_PEAK_MIB / 2.0,
            "the larger of the two generated crates' rustc processes (the models with their JSON \
             impls, `powerbi-models`, or the clients, `powerbi`) is over the goal",
        ),
    );
}

/// Rebuilds `powerbi` with `--features _regenerate` (the only build in which the generator can
/// run) five times with nothing touched.
fn no_op(ctx: &Ctx, section: &mut Section) -> Outcome<()> {
    let generated = powerbi_build(ctx, true)?.out_dir.join("powerbi.rs");
    let mtime = |path: &Path| -> Outcome<SystemTime> {
        std::fs::metadata(path)
            .and_then(|meta| meta.modified())
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    let before = mtime(&generated)?;
    let mut times = Vec::new();
    let mut fresh = true;
    let mut generator_ran = false;
    for _ in 0..5 {
        let run = run_child(powerbi_cargo(ctx).args([
            "build",
            "-v",
            "-p",
            "powerbi",
            "--features",
            "_regenerate",
        ]))?
        .check("cargo build -v -p powerbi --features _regenerate")?;
        fresh &= run
            .stderr
            .lines()
            .any(|line| line.trim_start().starts_with("Fresh powerbi "));
        generator_ran |= ran_build_script(&run.stderr, "powerbi");
        times.push(run.wall.as_secs_f64());
    }
    let unchanged = mtime(&generated)? == before;
    let met = fresh && !generator_ran && unchanged;
    section.rows.push(
        Row::new("2d", "no-op rebuild of `powerbi` (`cargo build -v -p powerbi --features _regenerate` five times, nothing touched; without the feature there is no generator to run)")
            .ours(format!(
                "{}; build script run: {}; `$OUT_DIR/powerbi.rs` mtime: {}; {}",
                if fresh { "`Fresh powerbi`" } else { "powerbi recompiled" },
                if generator_ran { "yes" } else { "no" },
                if unchanged { "unchanged" } else { "changed" },
                secs(median(times))
            ))
            .goal("the generator does not run again")
            .met_if(met, "cargo reran the build script or recompiled powerbi; see the `rerun-if-changed` lines of generated/build.rs and powerbi-codegen's Builder"),
    );
    Ok(())
}
