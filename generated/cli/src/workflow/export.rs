//! `pbi workflow export-report`: export a report to a file (PDF, PPTX, PNG, ...): start the
//! export, wait for it with a spinner, then stream the file with a byte bar, through
//! `FILE.partial` (renamed when complete).

use std::path::PathBuf;

use clap::{Arg, ArgMatches, Command};
use powerbi::Workspace;
use powerbi::models::ExportReportRequest;
use serde_json::json;

use crate::failure::Failure;
use crate::session::Session;

/// The `workflow export-report` command.
pub fn command() -> Command {
    Command::new("export-report")
        .about("Export a report to a file (PDF, PPTX, PNG, ...)")
        .long_about(
            "Export --report of --workspace in --format to --file: the export job is followed to \
             its end (a spinner on a terminal), then the file is streamed with a byte bar. The \
             file appears only when complete. Needs Report.ReadWrite.All (or Report.Read.All) \
             and the tenant's export settings.",
        )
        .arg(super::workspace_arg())
        .arg(
            Arg::new("report")
                .long("report")
                .required(true)
                .value_name("ID|NAME")
                .help("The report, by id or by name"),
        )
        .arg(
            Arg::new("format")
                .long("format")
                .value_name("FORMAT")
                .default_value("PDF")
                .help("PDF, PPTX, PNG, XLSX, CSV, DOCX, MHTML, XML, IMAGE, ACCESSIBLEPDF"),
        )
        .arg(
            Arg::new("file")
                .long("file")
                .required(true)
                .value_name("PATH")
                .help("Where to write the exported file"),
        )
        .args(super::job_args())
}

/// Exports and saves.
pub async fn run(session: &Session, args: &ArgMatches) -> Result<(), Failure> {
    let text = |name: &str| {
        args.get_one::<String>(name)
            .map(String::as_str)
            .unwrap_or_default()
    };
    let workspace = crate::call::resolve_workspace(session, text("workspace")).await?;
    let report = resolve_report(session, workspace, text("report")).await?;
    let body: ExportReportRequest = serde_json::from_value(json!({"format": text("format")}))
        .map_err(|error| Failure::usage(format!("--format: {error}")))?;
    let job = session
        .client
        .reports()
        .export_to_file_job(workspace, report, &body)
        .await?;
    let mut job = super::tune(job, args);
    let status = crate::wait::follow(&mut job, "export_to_file").await?;
    if !status.succeeded() {
        return Err(Failure::job_failed(format!(
            "export-report: the export ended {}",
            status.status
        )));
    }
    crate::wait::save_export(&session.output, &mut job, PathBuf::from(text("file"))).await
}

/// A report by id, or by name among the workspace's reports.
async fn resolve_report(
    session: &Session,
    workspace: Workspace,
    given: &str,
) -> Result<powerbi::runtime::Uuid, Failure> {
    if let Ok(id) = given.parse() {
        return Ok(id);
    }
    let reports = session.client.reports().list_reports(workspace).await?;
    let named: Vec<_> = reports
        .iter()
        .filter(|report| report.name.as_deref() == Some(given))
        .collect();
    match named.as_slice() {
        [report] => Ok(report.id),
        [] => Err(Failure::usage(format!(
            "--report: no report named '{given}' in the workspace"
        ))),
        several => Err(Failure::usage(format!(
            "--report: {} reports are named '{given}'; give the id",
            several.len()
        ))),
    }
}
