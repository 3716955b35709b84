//! Rows 2f and 2g: `powerbi` compiled with Fabric's categories (issue 14 asks for the compile
//! time and rustc memory with them, one category against all; issue 13 for every category of
//! both APIs against today's all-Power BI build). Measured as rows 2a-2c are: alternating
//! rounds of `cargo build -v -p powerbi` after forgetting only `powerbi`'s fingerprint,
//! dependencies prebuilt, wall time and the peak resident set of cargo and its rustc.

use crate::Ctx;
use crate::compile::{Compile, Features, compile_powerbi, powerbi_cargo};
use crate::measure::{Outcome, Paired, alternate, mib, run_child, secs};
use crate::report::{Row, Section};

/// Fabric's rows take a minute a build: at most two rounds each.
const MAX_ROUNDS: usize = 2;

/// Measures rows 2f and 2g into `section`.
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
    let everything = alternate(
        rounds,
        || compile_powerbi(ctx, false, Features::Everything),
        || compile_powerbi(ctx, false, Features::All),
    )?;
    let fabric = alternate(
        rounds,
        || compile_powerbi(ctx, false, Features::FabricOne),
        || compile_powerbi(ctx, false, Features::Fabric),
    )?;
    let wall = |compile: &Compile| compile.run.wall.as_secs_f64();
    let rss = |compile: &Compile| compile.run.max_rss_kib as f64;
    let time = Paired::of(&everything, wall);
    let memory = Paired::of(&everything, rss);
    section.rows.push(
        Row::new(
            "2f",
            "compile `powerbi` alone (debug build, dependencies prebuilt): every category of both APIs (`--features fabric`: 19 Power BI and 81 Fabric categories) vs all Power BI categories (the default)",
        )
        .ours(format!(
            "every category: {}, peak {}",
            secs(time.a),
            mib(memory.a)
        ))
        .baseline(format!(
            "all Power BI categories, same run: {}, peak {}",
            secs(time.b),
            mib(memory.b)
        ))
        .ratio(format!(
            "time {}; memory {}",
            time.ratio_text(),
            memory.ratio_text()
        ))
        .goal("no more than today's all-Power BI build: ≤ 1.0× (issue 13)")
        .met_if(
            time.ratio <= 1.0 && memory.ratio <= 1.0,
            "Fabric's 725 operations and 902 models are about 3.5 times Power BI's generated code; \
             this is why Fabric's features are off by default (README, Cargo features)",
        ),
    );
    let one = Paired::of(&fabric, wall);
    let one_memory = Paired::of(&fabric, rss);
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
    Ok(())
}
