//! `pbi workflow activity`: the activity log for a date range to a file, one UTC day per
//! request window (the service's rule), written page by page (flat memory for any range)
//! through `FILE.partial`, renamed when complete.

use std::path::PathBuf;

use clap::{Arg, ArgMatches, Command};
use powerbi::DateTime;
use powerbi::runtime::Paginator;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::failure::Failure;
use crate::output::{Format, ItemWriter};
use crate::session::Session;
use crate::transfer::PartialFile;

/// The `workflow activity` command.
pub fn command() -> Command {
    Command::new("activity")
        .about("The activity log for a date range to a JSONL or CSV file")
        .long_about(
            "The activity log (admin get-activity-events) from --start to --end, one UTC day \
             per request window, written page by page to --file: JSONL, or CSV when the file \
             ends in .csv (columns from the first page; nested values as JSON text). The file \
             appears only when complete. Needs Tenant.Read.All (an admin, or a service \
             principal with read-only admin API access).",
        )
        .arg(
            Arg::new("start")
                .long("start")
                .required(true)
                .value_name("DATE")
                .help("The first moment (2026-11-01 or 2026-11-01T00:00:00Z), UTC"),
        )
        .arg(
            Arg::new("end")
                .long("end")
                .required(true)
                .value_name("DATE")
                .help("The end (exclusive), UTC"),
        )
        .arg(
            Arg::new("file")
                .long("file")
                .required(true)
                .value_name("PATH")
                .help("Where to write the events (.csv for CSV, else JSONL)"),
        )
        .arg(
            Arg::new("filter")
                .long("filter")
                .value_name("ODATA")
                .help("The service's $filter (Activity eq 'viewreport')"),
        )
}

fn date(args: &ArgMatches, name: &str) -> Result<DateTime, Failure> {
    let text = args
        .get_one::<String>(name)
        .map(String::as_str)
        .unwrap_or_default();
    DateTime::parse(text)
        .or_else(|| DateTime::parse(&format!("{text}T00:00:00Z")))
        .ok_or_else(|| Failure::usage(format!("--{name}: '{text}' is not a date (2026-11-01)")))
}

/// Pages the log to the file.
pub async fn run(session: &Session, args: &ArgMatches) -> Result<(), Failure> {
    let (start, end) = (date(args, "start")?, date(args, "end")?);
    let path = PathBuf::from(
        args.get_one::<String>("file")
            .map(String::as_str)
            .unwrap_or_default(),
    );
    let format = if path.extension().is_some_and(|extension| extension == "csv") {
        Format::Csv
    } else {
        Format::Jsonl
    };
    let record = crate::commands::find(None, "admin", "get-activity-events")
        .ok_or_else(|| Failure::other("the activity log operation is missing"))?;
    let mut request = session.client.request(record);
    if let Some(filter) = args.get_one::<String>("filter") {
        request = request.query("$filter", filter);
    }
    let items_field = record.items_field.unwrap_or("activityEventEntities");
    let mut paginator: Paginator<Value> = Paginator::by_utc_day(request, items_field, start, end);
    let mut file = PartialFile::create(&path).await?;
    let mut writer = ItemWriter::new(Vec::new(), format, None);
    let bar = crate::progress::spinner("activity: starting");
    let mut events = 0u64;
    while let Some(page) = paginator.next_page().await {
        let items = page?.items;
        events = events.saturating_add(items.len() as u64);
        writer.page(items)?;
        let chunk = std::mem::take(writer.out_mut());
        file.file()
            .write_all(&chunk)
            .await
            .map_err(|error| Failure::other(format!("cannot write {}: {error}", path.display())))?;
        bar.set_message(format!("activity: {events} events"));
    }
    file.commit().await?;
    bar.finish_and_clear();
    session.output.print(&json!({
        "file": path.display().to_string(),
        "events": events,
        "start": start.to_string(),
        "end": end.to_string(),
    }))
}
