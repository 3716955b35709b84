//! 5. Memory: peak resident set of a client process while it pages through activity events
//!    (5a, 5b, 5i), uploads a large file (5c, 5d), downloads one (5e, 5f) and is given hostile
//!    answers of gigabytes (5g, 5h). Each scenario runs in
//!    a child process (`powerbi-bench page-client`, `upload-client`, `download-client`) whose
//!    own peak RSS `wait4` reports; the servers run in this process.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use powerbi::auth::StaticTokenCredential;
use powerbi::runtime::{Upload, Uuid};
use powerbi::{DateTime, Workspace};

use crate::Ctx;
use crate::calls::{http_client, loopback_client};
use crate::measure::{ChildRun, Outcome, Paired, alternate, mib, ratio, run_child_peak, secs};
use crate::report::{Row, Section};
use crate::servers::{ActivityLog, FileSource, InProcessServer, Sink};

const WORKSPACE: &str = "a5c038c3-6622-4977-bbf2-73fbd3d2f085";

pub fn run(ctx: &Ctx) -> Section {
    let mut section = Section::default();
    if let Err(error) = paging(ctx, &mut section) {
        section.rows.push(Row::failed(
            "5a",
            "peak RSS while paging through activity events",
            error,
        ));
    }
    if let Err(error) = upload(ctx, &mut section) {
        section.rows.push(Row::failed(
            "5c",
            "peak RSS while uploading a large file",
            error,
        ));
    }
    if let Err(error) = download(ctx, &mut section) {
        section.rows.push(Row::failed(
            "5e",
            "peak RSS while downloading a large file",
            error,
        ));
    }
    if let Err(error) = hostile_answers(ctx, &mut section) {
        section.rows.push(Row::failed(
            "5g",
            "peak RSS when the service answers gigabytes it should not",
            error,
        ));
    }
    section
}

/// A sparse file of `size` bytes (reads cost no disk I/O; the client cannot tell).
fn sparse_file(dir: &Path, size: u64) -> Outcome<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let path = dir.join(format!("upload-{}MiB.pbix", size >> 20));
    let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    file.set_len(size).map_err(|e| e.to_string())?;
    Ok(path)
}

/// `bytes` in whole GiB or MiB, for a row's text.
fn size(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{} GiB", bytes >> 30)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

/// A large transfer measured two ways, as rows `ids`: the client against bare reqwest at the
/// big size, then the client at the big size against the small one (is peak RSS flat?).
struct Transfer {
    ids: [&'static str; 2],
    /// `upload` or `download`.
    noun: &'static str,
    /// The first row's text.
    measure: String,
    /// What the bare side does.
    baseline: &'static str,
    big: u64,
    small: u64,
    rounds: usize,
}

/// Runs `transfer(mode, bytes)` (`mode` is `client` or `bare`) in alternating rounds and adds
/// the two rows of `what`.
fn transfer_rows(
    section: &mut Section,
    what: Transfer,
    transfer: impl Fn(&str, u64) -> Outcome<ChildRun>,
) -> Outcome<()> {
    let Transfer {
        ids,
        noun,
        measure,
        baseline,
        big,
        small,
        rounds,
    } = what;
    let versus_bare = alternate(rounds, || transfer("client", big), || transfer("bare", big))?;
    let versus_small = alternate(
        rounds,
        || transfer("client", big),
        || transfer("client", small),
    )?;
    let rss = |run: &ChildRun| run.max_rss_kib as f64;
    let bare = Paired::of(&versus_bare, rss);
    let flat = Paired::of(&versus_small, rss);
    let wall = Paired::of(&versus_bare, |run| run.wall.as_secs_f64());
    section.rows.push(
        Row::new(ids[0], measure)
            .ours(format!("{} ({} wall)", mib(bare.a), secs(wall.a)))
            .baseline(format!(
                "{baseline}: {} ({} wall)",
                mib(bare.b),
                secs(wall.b)
            ))
            .ratio(bare.ratio_text())
            .goal("no more than bare reqwest: ≤ 1.1× or ≤ 8 MiB more")
            .met_if(
                bare.ratio <= 1.1 || bare.a - bare.b <= 8.0 * 1024.0,
                format!("the client holds more of the {noun} in memory than reqwest's own streaming does"),
            ),
    );
    section.rows.push(
        Row::new(
            ids[1],
            format!(
                "the same {noun}, {} vs {}: is peak RSS flat?",
                size(big),
                size(small)
            ),
        )
        .ours(format!("{}: {}", size(big), mib(flat.a)))
        .baseline(format!("{}: {}", size(small), mib(flat.b)))
        .ratio(flat.ratio_text())
        .goal(format!("flat: ≤ 1.1 for {}× the size", big / small))
        .met_if(
            flat.ratio <= 1.1 && flat.a * 1024.0 < big as f64,
            format!("peak RSS grows with the file: the {noun} is buffered somewhere in the client"),
        ),
    );
    Ok(())
}

/// The big and small sizes of a transfer and the rounds: 2 GiB vs 256 MiB twice, or in quick
/// mode 64 MiB vs 8 MiB once.
fn transfer_sizes(ctx: &Ctx) -> (u64, u64, usize) {
    if ctx.quick {
        (64 << 20, 8 << 20, 1)
    } else {
        (2 << 30, 256 << 20, 2)
    }
}

fn upload(ctx: &Ctx, section: &mut Section) -> Outcome<()> {
    let (big, small, rounds) = transfer_sizes(ctx);
    let dir = ctx.bench_dir.join("memory");
    let big_file = sparse_file(&dir, big)?;
    let small_file = sparse_file(&dir, small)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let sink = Sink::start(&runtime)?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let upload = |mode: &str, file: &Path, size: u64| -> Outcome<ChildRun> {
        let run = run_child_peak(Command::new(&exe).args([
            "upload-client",
            "--mode",
            mode,
            "--base",
            &sink.base_url,
            "--file",
            &file.display().to_string(),
        ]))?
        .check(&format!("the {mode} upload"))?;
        let received: u64 = run.stdout.trim().parse().unwrap_or(0);
        if received < size {
            return Err(format!(
                "the {mode} upload delivered {received} of {size} bytes"
            ));
        }
        Ok(run)
    };
    transfer_rows(
        section,
        Transfer {
            ids: ["5c", "5d"],
            noun: "upload",
            measure: format!(
                "peak RSS of a client process uploading {} (`imports().post_import` with `Upload::path`, multipart)",
                size(big)
            ),
            baseline: "bare reqwest streaming the same multipart body",
            big,
            small,
            rounds,
        },
        |mode, bytes| {
            upload(
                mode,
                if bytes == big { &big_file } else { &small_file },
                bytes,
            )
        },
    )?;
    section.notes.push(format!(
        "Upload: each upload runs in a child process (`powerbi-bench upload-client`) against a sink in this process that \
         counts and drops the body and answers 202 like Post Import; peak RSS is the child's (`wait4`). The file is sparse \
         (no disk I/O). The client signs in with a `StaticTokenCredential` (no token endpoint needed). {rounds} rounds."
    ));
    Ok(())
}

/// `powerbi-bench upload-client`: one upload, printing the bytes the sink received.
pub fn upload_client(mode: &str, base: &str, file: &Path) -> Outcome<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let http = http_client()?;
    let workspace: Uuid = WORKSPACE.parse().map_err(|_| "bad workspace id")?;
    let answer: serde_json::Value = runtime.block_on(async {
        match mode {
            "client" => {
                let client = loopback_client(
                    base,
                    http,
                    StaticTokenCredential::new("bench-token", Duration::from_secs(3600)),
                )?;
                let import = client
                    .imports()
                    .post_import(
                        Workspace::Id(workspace),
                        "upload.pbix",
                        Upload::path(file),
                        Default::default(),
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                Ok::<_, String>(serde_json::Value::Object(import.unknown_fields))
            }
            _ => {
                let handle = tokio::fs::File::open(file)
                    .await
                    .map_err(|e| format!("{}: {e}", file.display()))?;
                let length = handle.metadata().await.map_err(|e| e.to_string())?.len();
                let part = reqwest::multipart::Part::stream_with_length(reqwest::Body::from(handle), length)
                    .file_name("upload.pbix")
                    .mime_str("application/octet-stream")
                    .map_err(|e| e.to_string())?;
                let form = reqwest::multipart::Form::new().part("file", part);
                let response = http
                    .post(format!(
                        "{base}/v1.0/myorg/groups/{workspace}/imports?datasetDisplayName=upload.pbix"
                    ))
                    .bearer_auth("bench-token")
                    .multipart(form)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                response.json().await.map_err(|e| e.to_string())
            }
        }
    })?;
    println!("{}", answer["receivedBytes"].as_u64().unwrap_or(0));
    Ok(())
}

/// Peak RSS of a client streaming a large export to a writer: the generated
/// `reports().export_report_download(...).send_to_writer(...)` against bare reqwest streaming
/// the same body (5e), and at two sizes (5f).
fn download(ctx: &Ctx, section: &mut Section) -> Outcome<()> {
    let (big, small, rounds) = transfer_sizes(ctx);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let source = FileSource::start(&runtime)?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let download = |mode: &str, size: u64| -> Outcome<ChildRun> {
        let run = run_child_peak(Command::new(&exe).args([
            "download-client",
            "--mode",
            mode,
            "--base",
            &source.base_url,
            "--size",
            &size.to_string(),
        ]))?
        .check(&format!("the {mode} download"))?;
        let written: u64 = run.stdout.trim().parse().unwrap_or(0);
        if written != size {
            return Err(format!(
                "the {mode} download wrote {written} of {size} bytes"
            ));
        }
        Ok(run)
    };
    transfer_rows(
        section,
        Transfer {
            ids: ["5e", "5f"],
            noun: "download",
            measure: format!(
                "peak RSS of a client process downloading {} (`reports().export_report_download`, streamed to a writer)",
                size(big)
            ),
            baseline: "bare reqwest streaming the same body (`bytes_stream` to a writer)",
            big,
            small,
            rounds,
        },
        download,
    )?;
    section.notes.push(format!(
        "Download: each download runs in a child process (`powerbi-bench download-client`) against a server in this \
         process that answers Export Report with an `application/octet-stream` body of the asked size and its \
         `Content-Length`, streamed from one reused 64 KiB chunk (the report id names the size); peak RSS is the \
         child's (`wait4`). Both sides write every chunk to `tokio::io::sink()` and print the bytes written, which \
         must equal the size. The client signs in with a `StaticTokenCredential`. {rounds} round(s)."
    ));
    Ok(())
}

/// `powerbi-bench download-client`: downloads an export of `size` bytes from `base` to a
/// writer that drops it, printing the bytes written.
pub fn download_client(mode: &str, base: &str, size: u64) -> Outcome<()> {
    use futures::StreamExt;
    use tokio::io::AsyncWriteExt;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let http = http_client()?;
    let workspace: Uuid = WORKSPACE.parse().map_err(|_| "bad workspace id")?;
    let report = FileSource::report_id(size);
    let written = runtime.block_on(async {
        let mut writer = tokio::io::sink();
        match mode {
            "client" => {
                let client = loopback_client(
                    base,
                    http,
                    StaticTokenCredential::new("bench-token", Duration::from_secs(3600)),
                )?;
                client
                    .reports()
                    .export_report_download(Workspace::Id(workspace), report, Default::default())
                    .send_to_writer(&mut writer)
                    .await
                    .map_err(|e| e.to_string())
            }
            _ => {
                let response = http
                    .get(format!(
                        "{base}/v1.0/myorg/groups/{workspace}/reports/{report}/Export"
                    ))
                    .bearer_auth("bench-token")
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .map_err(|e| e.to_string())?;
                if response.content_length() != Some(size) {
                    return Err(format!(
                        "the export's Content-Length is {:?}, not {size}",
                        response.content_length()
                    ));
                }
                let mut body = response.bytes_stream();
                let mut written = 0u64;
                while let Some(chunk) = body.next().await {
                    let chunk = chunk.map_err(|e| e.to_string())?;
                    writer.write_all(&chunk).await.map_err(|e| e.to_string())?;
                    written += chunk.len() as u64;
                }
                writer.flush().await.map_err(|e| e.to_string())?;
                Ok::<_, String>(written)
            }
        }
    })?;
    println!("{written}");
    Ok(())
}

/// Peak RSS of a client process given hostile answers of `size` bytes: a 500 with a text body
/// (5g) and a JSON answer without `Content-Length` (5h), against bare reqwest reading the same
/// answer the usual way (`text()` of the error, `bytes()` of the answer).
fn hostile_answers(ctx: &Ctx, section: &mut Section) -> Outcome<()> {
    let (answer_size, rounds) = if ctx.quick {
        (128u64 << 20, 1)
    } else {
        (2u64 << 30, 2)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let source = FileSource::start(&runtime)?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let answer = |what: &str, mode: &str| -> Outcome<ChildRun> {
        run_child_peak(Command::new(&exe).args([
            "hostile-client",
            "--what",
            what,
            "--mode",
            mode,
            "--base",
            &source.base_url,
            "--size",
            &answer_size.to_string(),
        ]))?
        .check(&format!("the {mode} client given a {what} answer"))
    };
    let limit_mib = powerbi::runtime::body::DEFAULT_MAX_RESPONSE_BYTES as f64 / 1024.0 / 1024.0;
    for (id, what, measure, baseline, bound_mib) in [
        (
            "5g",
            "error",
            format!(
                "peak RSS of a client process whose call is answered 500 with a {} body",
                size(answer_size)
            ),
            "bare reqwest reading the error body (`text()`)",
            64.0,
        ),
        (
            "5h",
            "json",
            format!(
                "peak RSS of a client process whose call is answered with {} of JSON and no `Content-Length`",
                size(answer_size)
            ),
            "bare reqwest reading the answer (`bytes()`)",
            limit_mib + 64.0,
        ),
    ] {
        let pairs = alternate(rounds, || answer(what, "client"), || answer(what, "bare"))?;
        let rss = Paired::of(&pairs, |run: &ChildRun| run.max_rss_kib as f64);
        section.rows.push(
            Row::new(id, measure)
                .ours(mib(rss.a))
                .baseline(format!("{baseline}: {}", mib(rss.b)))
                .ratio(rss.ratio_text())
                .goal(format!("bounded whatever the size: ≤ {bound_mib:.0} MiB"))
                .met_if(
                    rss.a / 1024.0 <= bound_mib,
                    "the client holds more of a hostile answer than its limits allow",
                ),
        );
    }
    section.notes.push(format!(
        "Hostile answers (5g, 5h): each call runs in a child process (`powerbi-bench hostile-client`) against the \
         in-process file source, which streams {} of spaces from one reused 64 KiB chunk: as a 500 with its \
         `Content-Length` to Get Report (5g), as a 200 JSON answer without one to Get Pages (5h). The client \
         reads 64 KiB of an error answer and at most `DEFAULT_MAX_RESPONSE_BYTES` ({limit_mib:.0} MiB) of a JSON \
         answer, then fails; bare reqwest reads what it is given. No retries on either side. {rounds} round(s).",
        size(answer_size)
    ));
    Ok(())
}

/// `powerbi-bench hostile-client`: one call answered with a hostile body (`what` is `error`
/// or `json`) of `size` bytes; the call must fail (the client) or read it all (bare).
pub fn hostile_client(what: &str, mode: &str, base: &str, size: u64) -> Outcome<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let http = http_client()?;
    let workspace: Uuid = WORKSPACE.parse().map_err(|_| "bad workspace id")?;
    let report = FileSource::report_id(size);
    runtime.block_on(async {
        if mode == "client" {
            let client = loopback_client(
                base,
                http,
                StaticTokenCredential::new("bench-token", Duration::from_secs(3600)),
            )?
            .with_retry_policy(powerbi::runtime::RetryPolicy::none());
            let reports = client.reports();
            let failed = if what == "error" {
                reports
                    .get_report(Workspace::Id(workspace), report)
                    .await
                    .is_err()
            } else {
                reports
                    .get_pages(Workspace::Id(workspace), report)
                    .await
                    .is_err()
            };
            return if failed {
                Ok(())
            } else {
                Err("the hostile answer was accepted".to_owned())
            };
        }
        let suffix = if what == "error" { "" } else { "/pages" };
        let response = http
            .get(format!(
                "{base}/v1.0/myorg/groups/{workspace}/reports/{report}{suffix}"
            ))
            .bearer_auth("bench-token")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let read = if what == "error" {
            response
                .text()
                .await
                .map(|text| text.len())
                .map_err(|e| e.to_string())?
        } else {
            response
                .bytes()
                .await
                .map(|bytes| bytes.len())
                .map_err(|e| e.to_string())?
        };
        if read as u64 != size {
            return Err(format!("bare reqwest read {read} of {size} bytes"));
        }
        Ok(())
    })
}

/// Peak RSS of a client paging through a large activity log: the generated paginator
/// (`admin().get_activity_events_pages`) at two log sizes, and against a bare reqwest loop.
fn paging(ctx: &Ctx, section: &mut Section) -> Outcome<()> {
    const PAGE: usize = 10_000;
    let (big, small, rounds) = if ctx.quick {
        (30_000, 10_000, 1)
    } else {
        (1_000_000, 100_000, 2)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let big_log = ActivityLog::start(&runtime, big / PAGE, PAGE, 0)?;
    let small_log = ActivityLog::start(&runtime, small / PAGE, PAGE, 0)?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let page = |mode: &str, log: &InProcessServer, count: usize| -> Outcome<ChildRun> {
        let run = run_child_peak(Command::new(&exe).args([
            "page-client",
            "--mode",
            mode,
            "--base",
            &log.base_url,
        ]))?
        .check(&format!("paging ({mode})"))?;
        let seen: usize = run.stdout.trim().parse().unwrap_or(0);
        if seen != count {
            return Err(format!("paging ({mode}) saw {seen} of {count} events"));
        }
        Ok(run)
    };
    let flat_pairs = alternate(
        rounds,
        || page("client", &big_log, big),
        || page("client", &small_log, small),
    )?;
    let bare_pairs = alternate(
        rounds,
        || page("client", &big_log, big),
        || page("bare", &big_log, big),
    )?;
    let rss = |run: &ChildRun| run.max_rss_kib as f64;
    let flat = Paired::of(&flat_pairs, rss);
    let bare = Paired::of(&bare_pairs, rss);
    let wall = Paired::of(&bare_pairs, |run| run.wall.as_secs_f64());
    let count = |n: usize| {
        if n >= 1_000_000 {
            format!("{},000,000", n / 1_000_000)
        } else {
            format!("{},000", n / 1000)
        }
    };
    section.rows.push(
        Row::new(
            "5a",
            format!(
                "peak RSS of a client process paging through {} activity events (`admin().get_activity_events_pages`, pages of {PAGE})",
                count(big)
            ),
        )
        .ours(format!("{}: {}", count(big), mib(flat.a)))
        .baseline(format!("{} events, same run: {}", count(small), mib(flat.b)))
        .ratio(flat.ratio_text())
        .goal(format!("flat: ≤ 1.1 for {}× the events", big / small))
        .met_if(
            flat.ratio <= 1.1,
            "peak RSS grows with the number of events: something keeps every page or item",
        ),
    );
    section.rows.push(
        Row::new("5b", format!("the same {} events: paginator vs a bare loop", count(big)))
            .ours(format!("paginator: {} ({} wall)", mib(bare.a), secs(wall.a)))
            .baseline(format!(
                "bare reqwest + `serde_json::from_slice` page by page, following `continuationToken`: {} ({} wall)",
                mib(bare.b),
                secs(wall.b)
            ))
            .ratio(format!("peak RSS {}; wall time {}", bare.ratio_text(), wall.ratio_text())),
    );
    if wall.ratio > 1.1 {
        section.notes.push(format!(
            "Paging wall time: the paginator takes {} the bare loop's time. It decodes each page once with plain \
             serde_json, like the bare loop, items and continuation fields in one pass; the rest of the difference is not \
             profiled (candidates: handing the items out one by one through `futures::Stream`, the request pipeline per \
             page).",
            ratio(wall.ratio)
        ));
    }
    // 5i: many pages with long tokens: what the paginator keeps must not grow with them.
    const TOKEN: usize = 48 * 1024;
    let (many, few) = if ctx.quick { (300, 30) } else { (3000, 300) };
    let many_log = ActivityLog::start(&runtime, many, 1, TOKEN)?;
    let few_log = ActivityLog::start(&runtime, few, 1, TOKEN)?;
    let token_pairs = alternate(
        rounds,
        || page("client", &many_log, many),
        || page("client", &few_log, few),
    )?;
    let tokens = Paired::of(&token_pairs, rss);
    section.rows.push(
        Row::new(
            "5i",
            format!(
                "peak RSS of a client process paging through {many} pages whose continuation tokens are 48 KiB each"
            ),
        )
        .ours(format!("{many} pages: {}", mib(tokens.a)))
        .baseline(format!("{few} pages, same run: {}", mib(tokens.b)))
        .ratio(tokens.ratio_text())
        .goal(format!("flat: ≤ 1.1 for {}× the pages", many / few))
        .met_if(
            tokens.ratio <= 1.1,
            "peak RSS grows with the pages: the paginator keeps tokens it has seen",
        ),
    );
    section.notes.push(format!(
        "Paging: each run is a child process (`powerbi-bench page-client`) whose own peak RSS is measured through \
         `powerbi-bench measure-child`. The log is served by the bench itself (the sandbox's activity log holds twelve \
         events): pages of {PAGE} events (~12 MB of JSON each, like the real service's), continuation tokens, \
         `lastResultSet: true` on the last page; for 5i, one event a page and tokens of 48 KiB (the page number and \
         padding). {rounds} round(s)."
    ));
    Ok(())
}

/// `powerbi-bench page-client`: pages through the log at `base`, printing the events seen.
pub fn page_client(mode: &str, base: &str) -> Outcome<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let http = http_client()?;
    let seen = runtime.block_on(async {
        let mut seen = 0usize;
        if mode == "client" {
            let client = loopback_client(
                base,
                http,
                StaticTokenCredential::new("bench-token", Duration::from_secs(3600)),
            )?;
            let start = DateTime::parse("2026-11-27T00:00:00Z").ok_or("bad start")?;
            let end = DateTime::parse("2026-11-27T23:59:59Z").ok_or("bad end")?;
            let mut pages =
                client
                    .admin()
                    .get_activity_events_pages(start, end, Default::default());
            while let Some(event) = pages.next().await {
                std::hint::black_box(event.map_err(|e| e.to_string())?);
                seen += 1;
            }
        } else {
            #[derive(serde::Deserialize)]
            struct Page {
                #[serde(rename = "activityEventEntities")]
                events: Vec<serde_json::Value>,
                #[serde(rename = "continuationToken")]
                token: Option<String>,
                #[serde(rename = "lastResultSet")]
                last: Option<bool>,
            }
            let url = format!("{base}/v1.0/myorg/admin/activityevents");
            let mut next = format!(
                "{url}?startDateTime=%272026-11-27T00:00:00%27&endDateTime=%272026-11-27T23:59:59%27"
            );
            loop {
                let body = http
                    .get(&next)
                    .bearer_auth("bench-token")
                    .send()
                    .await
                    .map_err(|e| e.to_string())?
                    .bytes()
                    .await
                    .map_err(|e| e.to_string())?;
                let page: Page = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
                seen += page.events.len();
                match (page.last, page.token) {
                    (Some(true), _) | (_, None) => break,
                    (_, Some(token)) => next = format!("{url}?continuationToken=%27{token}%27"),
                }
            }
        }
        Ok::<_, String>(seen)
    })?;
    println!("{seen}");
    Ok(())
}
