//! Rows 2f, 2g and 2h: `powerbi` compiled with Fabric's categories (issue 14 asks for the compile
//! time and rustc memory with them, one category against all), and issue 13's two goals against
//! the build it was filed against ([`crate::filed`]): every category of both APIs no dearer than
//! that day's all-Power BI build (2f), today's default build no dearer than that day's default
//! build (2h; the default was, and is, every Power BI category). Measured as rows 2a-2c are:
//! alternating rounds of `cargo build -v -p powerbi` after forgetting only the generated crates'
//! fingerprints, dependencies prebuilt, wall time and the peak resident set of cargo and its
//! rustc.

use crate::Ctx;
use crate::compile::{Compile, Features, compile_powerbi, powerbi_cargo};
use crate::filed;
use crate::measure::{Outcome, Paired, alternate, mib, run_child, secs};
use crate::report::{Row, Section};

/// Fabric's rows take a minute a build: at most two rounds each.
const MAX_ROUNDS: usize = 2;

/// Measures rows 2f, 2g and 2h into `section`.
pub fn rows(ctx: &Ctx, section: &mut Section) -> Outcome<()> {
    eprintln!("powerbi-bench: prebuilding powerbi's dependencies for the Fabric feature sets");
    for features in [Features::Everything, Features::Fabric, Features::FabricOne] {
        run_child(
            powerbi_cargo(ctx)
                .args(["build", "-p", "powerbi"])
                .args(features.args()),
        )?
        .check("cargo build -p powerbi (Fabric features)")?;
    }
    let rounds = ctx.compile_rounds.clamp(1, MAX_ROUNDS);
    eprintln!("powerbi-bench: compiling powerbi with Fabric's categories, {rounds} rounds");
    let fabric = alternate(
        rounds,
        || compile_powerbi(ctx, false, Features::FabricOne),
        || compile_powerbi(ctx, false, Features::Fabric),
    )?;
    let one = Paired::of(&fabric, Compile::wall_seconds);
    let one_memory = Paired::of(&fabric, Compile::peak_kib);
    section.rows.push(
        Row::new(
            "2g",
            "compile `powerbi` alone (debug build, dependencies prebuilt): one Fabric category (`--no-default-features --features fabric_notebook`) vs every Fabric category (`--no-default-features --features fabric`)",
        )
        .ours(format!("one: {}, peak {}", secs(one.a), mib(one_memory.a)))
        .baseline(format!(
            "all 81 Fabric categories: {}, peak {}",
            secs(one.b),
            mib(one_memory.b)
        ))
        .ratio(format!(
            "time {}; memory {}",
            one.ratio_text(),
            one_memory.ratio_text()
        ))
        .goal("< 30% (as 2a for Power BI)")
        .met_if(
            one.ratio < 0.30,
            "the runtime, which every build compiles, is most of a one-category build",
        ),
    );
    if let Err(error) = against_filed(ctx, section, rounds) {
        section.rows.push(Row::failed(
            "2f",
            "compile `powerbi` alone with every category of both APIs vs the all-Power BI build issue 13 was filed against",
            error,
        ));
    }
    Ok(())
}

/// Rows 2f and 2h: today's `powerbi` with every category of both APIs, and with its default
/// features, each alternating with the `powerbi` of [`filed::FILED_AT`] (its default: every
/// Power BI category).
fn against_filed(ctx: &Ctx, section: &mut Section, rounds: usize) -> Outcome<()> {
    eprintln!(
        "powerbi-bench: unpacking and prebuilding powerbi at {} (issue 13's baseline)",
        &filed::FILED_AT[..7]
    );
    filed::prepare(ctx)?;
    eprintln!("powerbi-bench: every category and the default build against it, {rounds} rounds");
    let everything = alternate(
        rounds,
        || compile_powerbi(ctx, false, Features::Everything),
        || filed::compile(ctx),
    )?;
    let default = alternate(
        rounds,
        || compile_powerbi(ctx, false, Features::All),
        || filed::compile(ctx),
    )?;
    let time = Paired::of(&everything, Compile::wall_seconds);
    let memory = Paired::of(&everything, Compile::peak_kib);
    let default_time = Paired::of(&default, Compile::wall_seconds);
    let default_memory = Paired::of(&default, Compile::peak_kib);
    let filed = &filed::FILED_AT[..7];
    section.rows.push(
        Row::new(
            "2f",
            "compile `powerbi` alone (debug build, dependencies prebuilt): every category of both APIs (`--features fabric`: 19 Power BI and 81 Fabric categories) vs the all-Power BI build issue 13 was filed against",
        )
        .ours(format!(
            "every category: {}, peak {} (today's all-Power BI build, same run: {}, peak {})",
            secs(time.a),
            mib(memory.a),
            secs(default_time.a),
            mib(default_memory.a)
        ))
        .baseline(format!(
            "`powerbi` at {filed} (the main issue 13 was filed against, every Power BI category, one crate), same run: {}, peak {}",
            secs(time.b),
            mib(memory.b)
        ))
        .ratio(format!(
            "time {}; memory {}",
            time.ratio_text(),
            memory.ratio_text()
        ))
        .goal("no more than the all-Power BI build of the day issue 13 was filed: ≤ 1.0× in time and memory")
        .met_if(
            time.ratio <= 1.0 && memory.ratio <= 1.0,
            "Fabric's 725 operations and 902 models are about 3.5 times Power BI's generated code; on 2 CPUs \
             Power BI's models and Fabric's two parts compile side by side, then the clients' crate; this is \
             why Fabric's features are off by default (README, Cargo features)",
        ),
    );
    section.rows.push(
        Row::new(
            "2h",
            "compile `powerbi` alone (debug build, dependencies prebuilt): the default build (every Power BI category) vs the default build issue 13 was filed against",
        )
        .ours(format!(
            "today: {}, peak {}",
            secs(default_time.a),
            mib(default_memory.a)
        ))
        .baseline(format!(
            "`powerbi` at {filed}, same run: {}, peak {}",
            secs(default_time.b),
            mib(default_memory.b)
        ))
        .ratio(format!(
            "time {}; memory {}",
            default_time.ratio_text(),
            default_memory.ratio_text()
        ))
        .goal("no more than the default build of the day issue 13 was filed: ≤ 1.0× in time and memory")
        .met_if(
            default_time.ratio <= 1.0 && default_memory.ratio <= 1.0,
            "the default build compiles more than it did",
        ),
    );
    Ok(())
}
