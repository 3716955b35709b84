//! Filling a request from an operation's record and the command line, sending it through the
//! library's one send path, and writing the answer.

use std::io::Read;
use std::path::Path;

use clap::ArgMatches;
use powerbi::runtime::Paging;
use powerbi::runtime::{
    LongRunning, Operation, Paginator, Parameter, ParameterLocation, QuotedUtc, RequestBody,
    RequestBuilder, ToParam,
};
use powerbi::{DateTime, HttpMethod, Workspace};
use serde_json::Value;

use crate::commands::{by_utc_day, flag_name, is_paged};
use crate::failure::Failure;
use crate::session::Session;

/// `pbi CATEGORY OPERATION ...`
pub async fn operation(
    session: &Session,
    operation: &'static Operation,
    args: &ArgMatches,
) -> Result<(), Failure> {
    let mut request = session.client.request(operation);
    if let Some(workspace) = args.try_get_one::<String>("workspace").ok().flatten() {
        request = request.workspace(resolve_workspace(session, workspace).await?);
    }
    let all = is_paged(operation) && args.get_flag("all");
    let window = all && by_utc_day(operation);
    for parameter in operation.parameters {
        let Some(texts) = args.get_many::<String>(parameter.name) else {
            continue;
        };
        // Paging by UTC day fills the window and the token itself.
        if window && is_window(parameter.name) {
            continue;
        }
        for text in texts {
            let value = param_value(parameter, text)?;
            request = match parameter.location {
                ParameterLocation::Path => request.path_param(parameter.name, &value),
                ParameterLocation::Query => request.query(parameter.name, &value),
                ParameterLocation::Header => request.header(parameter.name, &value),
            };
        }
    }
    let mut upload_bar = None;
    request = match operation.body {
        RequestBody::Json { .. } | RequestBody::Array { .. } => with_body(request, args)?,
        RequestBody::Bytes { content_type, .. } => match args.get_one::<String>("file") {
            Some(path) => {
                let (upload, bar) = crate::transfer::upload(path).await?;
                upload_bar = Some(bar);
                request.bytes_body(upload, content_type)
            }
            None => request,
        },
        RequestBody::File => match args.get_one::<String>("file") {
            Some(path) => {
                let (upload, bar) = crate::transfer::upload(path).await?;
                upload_bar = Some(bar);
                request.file_body(upload)
            }
            None => request,
        },
        RequestBody::None => request,
    };
    if operation.long_running != LongRunning::None && args.get_flag("wait") {
        return crate::wait::run(&session.output, operation, request, args, upload_bar).await;
    }
    if all {
        let paginator = paginator(operation, request, args)?;
        return write_pages(session, paginator).await;
    }
    send(session, request, args).await
}

/// Sends a single request: its answer to `--out-file`, else to stdout.
async fn send(
    session: &Session,
    request: RequestBuilder,
    args: &ArgMatches,
) -> Result<(), Failure> {
    if let Some(path) = args.get_one::<String>("out-file") {
        let path = Path::new(path);
        let written = crate::transfer::download(request, path).await?;
        return session.output.print(&crate::transfer::saved(path, written));
    }
    session.output.print_answer(&request.send_bytes().await?)
}

/// `pbi raw METHOD PATH [--body ...]`
pub async fn raw(session: &Session, args: &ArgMatches) -> Result<(), Failure> {
    let method = match args
        .get_one::<String>("method")
        .map(|method| method.to_ascii_uppercase())
        .as_deref()
    {
        Some("GET") => HttpMethod::Get,
        Some("POST") => HttpMethod::Post,
        Some("PUT") => HttpMethod::Put,
        Some("PATCH") => HttpMethod::Patch,
        Some("DELETE") => HttpMethod::Delete,
        other => return Err(Failure::usage(format!("unknown method {other:?}"))),
    };
    let path = args
        .get_one::<String>("path")
        .ok_or_else(|| Failure::usage("pbi raw: a PATH is needed"))?;
    if !path.starts_with('/') {
        return Err(Failure::usage(format!(
            "pbi raw: the path starts with / and is relative to /v1.0/myorg (`/groups`), not {path}"
        )));
    }
    let request = with_body(session.client.raw(method, path), args)?;
    send(session, request, args).await
}

fn is_window(wire: &str) -> bool {
    matches!(wire, "startDateTime" | "endDateTime" | "continuationToken")
}

/// A parameter's text, checked against its type (a usage error names the flag).
fn param_value(parameter: &Parameter, text: &str) -> Result<String, Failure> {
    let bad = |what: &str| {
        Failure::usage(format!(
            "{}: '{text}' is not {what}",
            match parameter.location {
                ParameterLocation::Path =>
                    flag_name(parameter.name).replace('-', "_").to_uppercase(),
                _ => format!("--{}", flag_name(parameter.name)),
            }
        ))
    };
    match parameter.item_type() {
        "uuid" => text
            .parse::<uuid::Uuid>()
            .map(|id| id.to_string())
            .map_err(|_| bad("a uuid")),
        "integer" | "int32" => text
            .parse::<i64>()
            .map(|number| number.to_string())
            .map_err(|_| bad("an integer")),
        "number" => text
            .parse::<f64>()
            .map(|_| text.to_owned())
            .map_err(|_| bad("a number")),
        "bool" => text
            .parse::<bool>()
            .map(|flag| flag.to_string())
            .map_err(|_| bad("true or false")),
        "date-time" if parameter.quoted => Ok(QuotedUtc(
            date_time(text).ok_or_else(|| bad("a date-time (2026-01-31T00:00:00Z)"))?,
        )
        .to_param()),
        _ => Ok(text.to_owned()),
    }
}

fn date_time(text: &str) -> Option<DateTime> {
    DateTime::parse(text).or_else(|| DateTime::parse(&format!("{text}T00:00:00Z")))
}

/// `--body`: inline JSON, `@file.json`, or `-` for stdin; checked to be JSON before sending.
fn with_body(request: RequestBuilder, args: &ArgMatches) -> Result<RequestBuilder, Failure> {
    let Some(body) = args.try_get_one::<String>("body").ok().flatten() else {
        return Ok(request);
    };
    let text = if body == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|error| Failure::usage(format!("--body -: cannot read stdin: {error}")))?;
        text
    } else if let Some(path) = body.strip_prefix('@') {
        std::fs::read_to_string(path)
            .map_err(|error| Failure::usage(format!("--body @{path}: {error}")))?
    } else {
        body.clone()
    };
    let value: Value = serde_json::from_str(&text)
        .map_err(|error| Failure::usage(format!("--body is not JSON: {error}")))?;
    Ok(request.json_body(&value))
}

/// A workspace by id, or by name among the workspaces the caller sees.
pub async fn resolve_workspace(session: &Session, given: &str) -> Result<Workspace, Failure> {
    if let Ok(id) = given.parse::<uuid::Uuid>() {
        return Ok(Workspace::Id(id));
    }
    let groups = session
        .client
        .groups()
        .list_groups_pages(Default::default())
        .collect()
        .await?;
    let mut named: Vec<_> = groups
        .iter()
        .filter(|group| group.name.as_deref() == Some(given))
        .collect();
    if named.is_empty() {
        named = groups
            .iter()
            .filter(|group| {
                group
                    .name
                    .as_deref()
                    .is_some_and(|name| name.eq_ignore_ascii_case(given))
            })
            .collect();
    }
    match named.as_slice() {
        [group] => Ok(Workspace::Id(group.id)),
        [] => Err(Failure::usage(format!(
            "--workspace: no workspace named '{given}' is visible to you (give its id, or see `pbi groups list-groups`)"
        ))),
        several => Err(Failure::usage(format!(
            "--workspace: {} workspaces are named '{given}' ({}); give the id",
            several.len(),
            several
                .iter()
                .map(|group| group.id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The paginator `--all` drives, by the record's paging kind.
fn paginator(
    operation: &'static Operation,
    request: RequestBuilder,
    args: &ArgMatches,
) -> Result<Paginator<Value>, Failure> {
    let number = |wire: &str| {
        args.get_one::<String>(wire)
            .and_then(|text| text.parse::<i64>().ok())
    };
    let items_field = operation.items_field.unwrap_or("value");
    Ok(match operation.paging {
        Paging::TopSkip => Paginator::top_skip(request, number("$top"), number("$skip")),
        Paging::NextLink => Paginator::next_link(request),
        _ if by_utc_day(operation) => {
            let bound = |wire: &str| {
                let flag = flag_name(wire);
                let text = args.get_one::<String>(wire).ok_or_else(|| {
                    Failure::usage(format!("--all pages a time range: give --{flag}"))
                })?;
                date_time(text)
                    .ok_or_else(|| Failure::usage(format!("--{flag}: '{text}' is not a date-time")))
            };
            let (start, end) = (bound("startDateTime")?, bound("endDateTime")?);
            Paginator::by_utc_day(request, items_field, start, end)
        }
        Paging::ContinuationUri => Paginator::continuation_uri(request, items_field),
        _ => Paginator::continuation_token(request, items_field),
    })
}

async fn write_pages(session: &Session, mut paginator: Paginator<Value>) -> Result<(), Failure> {
    let mut writer = session.output.items();
    while let Some(page) = paginator.next_page().await {
        writer.page(page?.items)?;
    }
    writer.finish()?;
    Ok(())
}
