//! Long-running operations generated from the spec's `long_running` key: dataset refresh
//! (followed by its own request id), export to file (busy failures restarted, the file
//! streamed to a writer or a path), timeouts.

use std::time::Duration;

use powerbi::Error;
use powerbi::models::{DatasetRefreshRequest, DatasetRefreshType, ExportReportRequest, FileFormat};
use powerbi_sandbox::{SandboxConfig, demo};

use crate::common::*;

const FAST: Duration = Duration::from_millis(10);

fn sandbox_config() -> SandboxConfig {
    SandboxConfig::default()
        .refresh_duration(Duration::from_millis(150))
        .refresh_publish_delay(Duration::from_millis(50))
}

#[tokio::test]
async fn a_refresh_is_followed_by_its_own_request_id_to_the_end() {
    let sandbox = sandbox_with(sandbox_config()).await;
    let client = service_principal(&sandbox);
    let mut job = client
        .datasets()
        .refresh_dataset_job(sales(), demo::SALES_DATASET_ID, None)
        .await
        .expect("refresh accepted")
        .poll_interval(FAST)
        .timeout(Duration::from_secs(20));
    let request_id = job.id().expect("a request id").to_owned();
    let mut seen = Vec::new();
    let done = job
        .wait_with(|status| seen.push(status.status.clone()))
        .await
        .expect("the refresh ends");
    assert!(done.succeeded(), "{done:?}");
    assert_eq!(done.status, "Completed");
    assert_eq!(done.body["requestId"], request_id.as_str());
    assert_eq!(seen.last().map(String::as_str), Some("Completed"));
    assert!(
        seen.iter()
            .all(|status| ["NotStarted", "Unknown", "Completed"].contains(&status.as_str())),
        "never the failed scheduled refresh beside it: {seen:?}"
    );

    // The newest history entry is the other (failed) refresh: a waiter reading it would be wrong.
    let history = client
        .datasets()
        .get_refresh_history(sales(), demo::SALES_DATASET_ID, Default::default())
        .await
        .expect("history");
    assert_eq!(history[0].status.as_deref(), Some("Failed"));
}

#[tokio::test]
async fn a_second_concurrent_refresh_is_refused_and_a_wait_times_out() {
    let sandbox =
        sandbox_with(SandboxConfig::default().refresh_duration(Duration::from_secs(600))).await;
    let client = service_principal(&sandbox);
    let mut job = client
        .datasets()
        .refresh_dataset_job(sales(), demo::SALES_DATASET_ID, None)
        .await
        .expect("refresh accepted")
        .poll_interval(FAST)
        .timeout(Duration::from_millis(100));
    let second = client
        .datasets()
        .refresh_dataset_job(sales(), demo::SALES_DATASET_ID, None)
        .await;
    assert_api_error(second.map(drop), 400, None);
    match job.wait().await {
        Err(Error::Timeout { .. }) => {}
        other => panic!("expected a timeout, got {other:?}"),
    }
    let last = job.last_status().expect("polled at least once");
    assert_eq!(last.status, "Unknown", "still running");
}

#[tokio::test]
async fn an_enhanced_refresh_is_polled_at_its_location() {
    let sandbox = sandbox_with(sandbox_config()).await;
    let client = service_principal(&sandbox);
    let body = DatasetRefreshRequest {
        r#type: Some(DatasetRefreshType::Full),
        ..Default::default()
    };
    let mut job = client
        .datasets()
        .refresh_dataset_job(sales(), demo::SALES_DATASET_ID, Some(&body))
        .await
        .expect("enhanced refresh accepted")
        .poll_interval(FAST)
        .timeout(Duration::from_secs(20));
    let request_id = job.id().expect("x-ms-request-id").to_owned();
    sandbox.clear_recorded();
    let done = job.wait().await.expect("the refresh ends");
    assert!(done.is_done());
    let polled = sandbox.recorded_requests();
    assert!(
        polled
            .iter()
            .any(|request| request.path.ends_with(&format!("/refreshes/{request_id}"))),
        "polled at Location"
    );
}

fn export(format: FileFormat) -> ExportReportRequest {
    ExportReportRequest::new(format)
}

fn expected_file() -> Vec<u8> {
    (0..3 * 1024 * 1024 + 17u64)
        .map(|offset| (offset.wrapping_mul(31) % 251) as u8)
        .collect()
}

#[tokio::test]
async fn an_export_is_polled_then_streamed_to_a_writer_and_a_path() {
    let sandbox = sandbox_with(sandbox_config()).await;
    let client = service_principal(&sandbox);
    let mut job = client
        .reports()
        .export_to_file_job(sales(), id(demo::SALES_REPORT_ID), &export(FileFormat::Pdf))
        .await
        .expect("export accepted")
        .poll_interval(FAST)
        .timeout(Duration::from_secs(20));
    let mut percents = Vec::new();
    let done = job
        .wait_with(|status| percents.push(status.percent_complete))
        .await
        .expect("the export ends");
    assert!(done.succeeded(), "{done:?}");
    assert_eq!(percents.last().copied().flatten(), Some(100.0));
    let mut file = Vec::new();
    let written = job.download_to(&mut file).await.expect("download");
    assert_eq!(written, file.len() as u64);
    assert!(
        file == expected_file(),
        "the file arrives whole and in order"
    );

    let path = std::env::temp_dir().join(format!("powerbi-e2e-export-{}.pdf", std::process::id()));
    let written = job
        .download_to_path(&path)
        .await
        .expect("download to a path");
    let on_disk = std::fs::metadata(&path).expect("the file exists").len();
    std::fs::remove_file(&path).expect("cleanup");
    assert_eq!(written, on_disk);

    // The binary operation itself streams too.
    let export_id = job.id().expect("an export id").to_owned();
    let mut again = Vec::new();
    client
        .reports()
        .get_file_of_export_to_file_download(sales(), id(demo::SALES_REPORT_ID), &export_id)
        .send_to_writer(&mut again)
        .await
        .expect("streamed download");
    assert!(again == file);
}

#[tokio::test]
async fn a_busy_export_is_restarted_and_a_failed_one_is_reported() {
    let sandbox = sandbox_with(sandbox_config()).await;
    let client = service_principal(&sandbox);
    let mut job = client
        .reports()
        .export_to_file_job(
            sales(),
            id(demo::SALES_REPORT_ID),
            &export(FileFormat::Pptx),
        )
        .await
        .expect("export accepted")
        .poll_interval(FAST)
        .timeout(Duration::from_secs(20));
    let first_id = job.id().expect("an id").to_owned();
    let mut statuses = Vec::new();
    let done = job
        .wait_with(|status| statuses.push(status.status.clone()))
        .await
        .expect("the export ends");
    assert!(done.succeeded(), "{statuses:?}");
    assert!(statuses.contains(&"Failed".to_owned()), "{statuses:?}");
    assert_ne!(
        job.id(),
        Some(first_id.as_str()),
        "a new export was started"
    );

    let mut failing = client
        .reports()
        .export_to_file_job(
            sales(),
            id(demo::SALES_REPORT_ID),
            &export(FileFormat::Xlsx),
        )
        .await
        .expect("export accepted")
        .poll_interval(FAST);
    let done = failing.wait().await.expect("the export ends");
    assert!(done.is_done() && !done.succeeded());
    assert_eq!(done.status, "Failed");
    let mut sink = Vec::new();
    assert!(matches!(
        failing.download_to(&mut sink).await,
        Err(Error::InvalidRequest(_))
    ));
}

#[tokio::test]
async fn a_deployment_is_polled_to_its_end() {
    let sandbox = sandbox_with(sandbox_config()).await;
    let client = service_principal(&sandbox);
    let pipeline = id("a0b1c2d3-0000-4000-8000-000000000001");
    let mut job = client
        .pipelines()
        .deploy_all_job(
            pipeline,
            &powerbi::models::DeployAllRequest {
                source_stage_order: 0,
                ..Default::default()
            },
        )
        .await
        .expect("deployment accepted")
        .poll_interval(FAST)
        .timeout(Duration::from_secs(20));
    let mut seen = Vec::new();
    let done = job
        .wait_with(|status| seen.push(status.status.clone()))
        .await
        .expect("the deployment ends");
    assert!(done.succeeded(), "{seen:?}");
    assert_eq!(done.status, "Succeeded");
    assert!(done.body["executionEndTime"].is_string());
    assert!(
        seen.iter()
            .all(|status| ["NotStarted", "Executing", "Succeeded"].contains(&status.as_str()))
    );
}

#[tokio::test]
async fn the_tenant_scan_batches_and_streams_every_result() {
    use futures::StreamExt;
    use powerbi::ext::scan::ScanSettings;

    let sandbox = sandbox_with(sandbox_config()).await;
    let client = service_principal(&sandbox);
    let modified = client
        .admin()
        .get_modified_workspaces(Default::default())
        .await
        .expect("modified workspaces");
    // Batches of 10 over more than 250 workspaces: far more scans than the 16 allowed at once
    // (the sandbox refuses a 17th with 429).
    let settings = ScanSettings::default()
        .batch_size(10)
        .poll_interval(FAST)
        .timeout(Duration::from_secs(20));
    let mut results = client
        .admin()
        .scan_workspaces(settings)
        .await
        .expect("the scan starts");
    let mut scanned = Vec::new();
    let mut batches = 0;
    while let Some(result) = results.next().await {
        let result = result.expect("a scan result");
        batches += 1;
        for workspace in result.workspaces.expect("workspaces") {
            assert!(
                workspace.unknown_fields.is_empty(),
                "the sandbox's scan result fits the model: {:?}",
                workspace.unknown_fields.keys().collect::<Vec<_>>()
            );
            scanned.push(workspace.id.to_string());
        }
    }
    assert_eq!(batches, modified.len().div_ceil(10));
    scanned.sort();
    let mut expected: Vec<String> = modified.iter().map(|w| w.id.to_string()).collect();
    expected.sort();
    assert_eq!(scanned, expected);
    let posts: Vec<_> = sandbox
        .recorded_requests()
        .into_iter()
        .filter(|request| request.path.ends_with("/getInfo"))
        .collect();
    assert_eq!(posts.len(), batches, "no scan refused or sent twice");
}

#[tokio::test]
async fn a_polled_get_that_is_already_done_needs_no_second_call() {
    let sandbox = sandbox_with(sandbox_config()).await;
    let client = service_principal(&sandbox);
    let refresh_id = id("87f31ef7-1e3a-4006-9b0b-191693e79e9e");
    sandbox.clear_recorded();
    let mut job = client
        .datasets()
        .get_refresh_execution_details_job(sales(), demo::SALES_DATASET_ID, refresh_id)
        .await
        .expect("the status is read")
        .poll_interval(FAST);
    let done = job.wait().await.expect("done");
    assert!(done.succeeded());
    assert_eq!(&done.body, job.initial());
    let calls = sandbox
        .recorded_requests()
        .into_iter()
        .filter(|request| request.is_api())
        .count();
    assert_eq!(calls, 1, "a 200 answer ends the job at once");
}

// ------------------------------------------------ hostile jobs (a raw server on loopback)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use powerbi::runtime::LongRunning;
use powerbi::runtime::jobs::{DEFAULT_MAX_RETRY_AFTER, default_timeout};

use powerbi::runtime::Clock as _;
use powerbi::runtime::time::ManualClock;

use crate::raw::{RawServer, answer, raw_builder, raw_client};

const REFRESH_ID: &str = "87f31ef7-1e3a-4006-9b0b-191693e79e9e";

#[track_caller]
fn assert_unfollowable<T: std::fmt::Debug>(result: powerbi::Result<T>, field: &str) {
    match result {
        Err(Error::Unusable {
            field: path,
            message,
            ..
        }) => {
            assert_eq!(path, field, "{message}");
            assert!(
                message.contains("cannot be followed") || message.contains("to follow"),
                "{message}"
            );
        }
        other => panic!("expected an unfollowable job at {field}, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unusable_location_is_an_error_never_a_success() {
    for location in [&b"http://[::1"[..], b"\xff\xfe/status", b"https://"] {
        let server = RawServer::start(move |_| answer(202, &[("Location", location)], b""));
        let client = raw_client(&server);
        let started = client
            .capacities()
            .assign_to_capacity_job(sales(), &Default::default())
            .await;
        assert_unfollowable(started, "Location");
        assert_eq!(server.count(), 1, "nothing polled: {location:?}");

        // A polled GET and an enhanced refresh refuse it the same way.
        let polled = client
            .datasets()
            .get_refresh_execution_details_job(sales(), demo::SALES_DATASET_ID, id(REFRESH_ID))
            .await;
        assert_unfollowable(polled, "Location");
        let enhanced = DatasetRefreshRequest {
            r#type: Some(DatasetRefreshType::Full),
            ..Default::default()
        };
        let refresh = client
            .datasets()
            .refresh_dataset_job(sales(), demo::SALES_DATASET_ID, Some(&enhanced))
            .await;
        assert_unfollowable(refresh, "Location");
    }

    // A Location on a host the token would not go to: a poll there is not Power BI's answer.
    let server = RawServer::start(|_| {
        answer(
            202,
            &[("Location", b"https://status.example/operations/1")],
            b"",
        )
    });
    let client = raw_client(&server);
    let started = client
        .capacities()
        .assign_to_capacity_job(sales(), &Default::default())
        .await;
    assert_unfollowable(started, "Location");

    // A POST accepted without any Location cannot be followed either.
    let server = RawServer::start(|_| answer(202, &[], b""));
    let client = raw_client(&server);
    let started = client
        .capacities()
        .assign_to_capacity_job(sales(), &Default::default())
        .await;
    assert_unfollowable(started, "Location");

    // An export accepted without an id.
    let server = RawServer::start(|_| {
        answer(
            202,
            &[("Content-Type", b"application/json")],
            br#"{"status":"NotStarted"}"#,
        )
    });
    let client = raw_client(&server);
    let started = client
        .reports()
        .export_to_file_job(sales(), id(demo::SALES_REPORT_ID), &export(FileFormat::Pdf))
        .await;
    assert_unfollowable(started, "id");
}

#[tokio::test]
async fn retry_after_is_honoured_up_to_a_cap_in_seconds_and_as_a_date() {
    // The start and the next three polls answer 202 with an hour's Retry-After (seconds, then
    // an HTTP date), the fifth request the final status.
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let server = RawServer::start(move |_| {
        let call = seen.fetch_add(1, Ordering::SeqCst) + 1;
        let in_an_hour = (time::OffsetDateTime::now_utc() + time::Duration::hours(1))
            .format(&time::format_description::well_known::Rfc2822)
            .expect("a date");
        match call {
            1 | 2 | 4 => answer(202, &[("Retry-After", b"3600")], b""),
            3 => answer(202, &[("Retry-After", in_an_hour.as_bytes())], b""),
            _ => answer(
                200,
                &[("Content-Type", b"application/json")],
                br#"{"status":"Completed"}"#,
            ),
        }
    });
    let client = raw_client(&server);
    let cap = Duration::from_millis(20);
    let mut job = client
        .datasets()
        .get_refresh_execution_details_job(sales(), demo::SALES_DATASET_ID, id(REFRESH_ID))
        .await
        .expect("accepted")
        .max_retry_after(cap)
        .poll_interval(Duration::from_millis(1))
        // Far shorter than an hour: a wait that honoured 3600 s would fail at once.
        .timeout(Duration::from_secs(60));
    let (status, delay) = job.poll().await.expect("a poll");
    assert!(!status.is_done());
    assert_eq!(delay, Some(cap), "3600 seconds capped");
    let (_, delay) = job.poll().await.expect("a poll");
    assert_eq!(delay, Some(cap), "a date an hour ahead capped");
    let done = job
        .wait()
        .await
        .expect("the wait honours the cap, not the hour");
    assert!(done.succeeded());
    assert_eq!(calls.load(Ordering::SeqCst), 5);

    // Without a cap of its own, a job caps Retry-After as calls do.
    let server = RawServer::start(|_| answer(202, &[("Retry-After", b"3600")], b""));
    let client = raw_client(&server);
    let mut job = client
        .datasets()
        .get_refresh_execution_details_job(sales(), demo::SALES_DATASET_ID, id(REFRESH_ID))
        .await
        .expect("accepted");
    let (_, delay) = job.poll().await.expect("a poll");
    assert_eq!(delay, Some(DEFAULT_MAX_RETRY_AFTER));
    assert_eq!(DEFAULT_MAX_RETRY_AFTER, Duration::from_secs(60));
}

#[tokio::test]
async fn every_job_has_a_default_overall_limit_that_can_be_overridden() {
    let sandbox = sandbox_with(sandbox_config()).await;
    let client = service_principal(&sandbox);
    let refresh = client
        .datasets()
        .refresh_dataset_job(sales(), demo::SALES_DATASET_ID, None)
        .await
        .expect("refresh accepted");
    assert_eq!(refresh.time_limit(), default_timeout(LongRunning::Refresh));
    assert_eq!(refresh.time_limit(), Duration::from_secs(5 * 3600));
    let export = client
        .reports()
        .export_to_file_job(sales(), id(demo::SALES_REPORT_ID), &export(FileFormat::Pdf))
        .await
        .expect("export accepted");
    assert_eq!(export.time_limit(), Duration::from_secs(3600));
    let export = export.timeout(Duration::from_secs(7));
    assert_eq!(export.time_limit(), Duration::from_secs(7));
    for (kind, limit) in [
        (LongRunning::Import, 3600),
        (LongRunning::Pipeline, 3600),
        (LongRunning::Scan, 1800),
        (LongRunning::Poll, 1800),
    ] {
        assert_eq!(
            default_timeout(kind),
            Duration::from_secs(limit),
            "{kind:?}"
        );
    }

    // A job that never ends is a timeout at its limit, not a hang.
    let server = RawServer::start(|_| answer(202, &[], b""));
    let client = raw_client(&server);
    let mut job = client
        .datasets()
        .get_refresh_execution_details_job(sales(), demo::SALES_DATASET_ID, id(REFRESH_ID))
        .await
        .expect("accepted")
        .poll_interval(FAST)
        .timeout(Duration::from_millis(200));
    match job.wait().await {
        Err(Error::Timeout { after, .. }) => assert_eq!(after, Duration::from_millis(200)),
        other => panic!("expected a timeout, got {other:?}"),
    }
}

/// Every wait of a job runs on the client's clock and sleeper: on a manual clock a poll loop of
/// over a minute takes no real time, each wait is recorded (the interval, a longer
/// `Retry-After` in seconds, and one given as an HTTP date, read against the clock's own wall
/// time), and a job that never ends fails at its limit as read on that clock.
#[tokio::test]
async fn a_manual_clock_drives_the_polls_and_the_limit_without_real_waiting() {
    // Sun, 06 Nov 1994 08:49:37 GMT.
    let start = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
    let clock = ManualClock::starting_at(start);
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let server = RawServer::start(move |_| match seen.fetch_add(1, Ordering::SeqCst) + 1 {
        1 | 2 => answer(202, &[], b""),
        3 => answer(202, &[("Retry-After", b"30")], b""),
        // Polled 35 s after the start, at 08:50:12 on the clock: 40 s to wait.
        4 => answer(
            202,
            &[("Retry-After", b"Sun, 06 Nov 1994 08:50:52 GMT")],
            b"",
        ),
        _ => answer(
            200,
            &[("Content-Type", b"application/json")],
            br#"{"status":"Completed"}"#,
        ),
    });
    let client = raw_builder(&server)
        .clock_and_sleeper(clock.clone())
        .build()
        .expect("the client builds");
    let done = client
        .datasets()
        .get_refresh_execution_details_job(sales(), demo::SALES_DATASET_ID, id(REFRESH_ID))
        .await
        .expect("accepted")
        .wait()
        .await
        .expect("the job ends");
    assert!(done.succeeded());
    assert_eq!(calls.load(Ordering::SeqCst), 5);
    let secs = |clock: &ManualClock| -> Vec<u64> {
        clock.sleeps().iter().map(Duration::as_secs).collect()
    };
    assert_eq!(secs(&clock), [5, 30, 40], "interval, seconds, a date");
    assert_eq!(clock.elapsed(), Duration::from_secs(75));

    // A job that never ends, with a limit of 12 s: polls at 0, 5 and 10 s, then the next
    // poll would come after the limit.
    let clock = ManualClock::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let server = RawServer::start(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
        answer(202, &[], b"")
    });
    let client = raw_builder(&server)
        .clock_and_sleeper(clock.clone())
        .build()
        .expect("the client builds");
    let mut job = client
        .datasets()
        .get_refresh_execution_details_job(sales(), demo::SALES_DATASET_ID, id(REFRESH_ID))
        .await
        .expect("accepted")
        .timeout(Duration::from_secs(12));
    match job.wait().await {
        Err(Error::Timeout { after, .. }) => assert_eq!(after, Duration::from_secs(12)),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_eq!(secs(&clock), [5, 5]);
    assert_eq!(calls.load(Ordering::SeqCst), 4, "the start and three polls");
}
