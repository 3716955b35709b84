//! Row 1h: the generator on Fabric's spec (`spec/fabric`, 725 operations) against Power BI's
//! (`spec/powerbi`) in the same run, alternating: read + load + validate + generate + format
//! in this process, and the lines each generates (issue 14 asks for both with Fabric).

use std::path::Path;

use powerbi_codegen::HostCrate;

use crate::Ctx;
use crate::generator::count_lines;
use crate::measure::{Outcome, Paired, alternate, secs, timed};
use crate::report::{Row, Section};

/// Reads, validates, generates and formats `spec_dir` for `host`: (seconds, the text).
fn generate(spec_dir: &Path, host: &HostCrate) -> Outcome<(f64, String)> {
    let (text, sample) = timed(|| -> Outcome<String> {
        let sources = powerbi_codegen::read_spec_dir(spec_dir).map_err(|e| e.to_string())?;
        let spec = powerbi_codegen::load(&sources).map_err(|e| e.to_string())?;
        powerbi_codegen::render(&spec, host).map_err(|e| e.to_string())
    });
    Ok((sample.wall.as_secs_f64(), text?))
}

/// Measures row 1h into `section`.
pub fn rows(ctx: &Ctx, section: &mut Section) -> Outcome<()> {
    let fabric_dir = ctx.repo.join("spec/fabric");
    let powerbi_dir = ctx.repo.join("spec/powerbi");
    let fabric_host = HostCrate::powerbi_fabric();
    let powerbi_host = HostCrate::powerbi();
    let rounds = if ctx.quick { 1 } else { 7 };
    let pairs = alternate(
        rounds,
        || generate(&fabric_dir, &fabric_host),
        || generate(&powerbi_dir, &powerbi_host),
    )?;
    let time = Paired::of(&pairs, |(seconds, _)| *seconds);
    let ((_, fabric_text), (_, powerbi_text)) = pairs.first().ok_or("no round")?;
    let operations = |dir: &Path| -> Outcome<usize> {
        let sources = powerbi_codegen::read_spec_dir(dir).map_err(|e| e.to_string())?;
        let spec = powerbi_codegen::load(&sources).map_err(|e| e.to_string())?;
        Ok(spec.categories.iter().map(|c| c.operations.len()).sum())
    };
    let (fabric_ops, powerbi_ops) = (operations(&fabric_dir)?, operations(&powerbi_dir)?);
    let (fabric_lines, powerbi_lines) = (count_lines(fabric_text), count_lines(powerbi_text));
    let per_op = |lines: usize, ops: usize| lines as f64 / ops.max(1) as f64;
    section.rows.push(
        Row::new(
            "1h",
            format!(
                "generator in-process ({} build of the bench) on Fabric's spec, and the lines it generates",
                crate::PROFILE
            ),
        )
        .ours(format!(
            "Fabric: {}; {} lines ({:.1} per operation, {:.1} without doc comments; {fabric_ops} operations)",
            secs(time.a),
            fabric_lines.total,
            per_op(fabric_lines.total, fabric_ops),
            per_op(fabric_lines.total - fabric_lines.doc, fabric_ops)
        ))
        .baseline(format!(
            "Power BI's spec, same run: {}; {} lines ({:.1} per operation; {powerbi_ops} operations)",
            secs(time.b),
            powerbi_lines.total,
            per_op(powerbi_lines.total, powerbi_ops)
        ))
        .ratio(format!("time {}", time.ratio_text())),
    );
    Ok(())
}
