//! A small Fabric service on loopback (a [`RawServer`]) for the runtime's Fabric tests, until
//! the sandbox serves Fabric itself: paging over `continuationUri`, long-running operations
//! that succeed, fail, lead elsewhere or send hostile `Retry-After`s, job instances that
//! complete or are cancelled, and Fabric's error shape.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use powerbi::auth::StaticTokenCredential;
use powerbi::runtime::time::ManualClock;
use powerbi::{Cloud, PowerBiClient};
use serde_json::{Value, json};

use crate::raw::{RawRequest, RawServer, answer};

/// The workspace, item and job instances the server knows.
pub const WORKSPACE: &str = "4b218778-e7a5-4d73-8187-f10824047715";
pub const ITEM: &str = "431e8d7b-4a95-4c02-8ccd-6faef5ba1bd7";
pub const INSTANCE: &str = "f2d65699-dd22-4889-980c-15226deb0e1b";
pub const CANCELLED_INSTANCE: &str = "5b218778-e7a5-4d73-8187-f10824047715";
/// The token the static credential of [`fabric_client`] sends.
pub const TOKEN: &str = "fabric-test-token";

#[derive(Default)]
struct State {
    polls: HashMap<String, u32>,
    cancelled: bool,
}

impl State {
    fn poll(&mut self, key: &str) -> u32 {
        let count = self.polls.entry(key.to_owned()).or_default();
        *count += 1;
        *count
    }
}

/// Starts the server; its Fabric API base is its URL.
pub fn start_fabric() -> RawServer {
    let base = Arc::new(OnceLock::<String>::new());
    let state = Arc::new(Mutex::new(State::default()));
    let seen = Arc::clone(&base);
    let server = RawServer::start(move |request| {
        let base = seen.get().map_or("", String::as_str);
        let mut state = state.lock().expect("the state");
        fabric_answer(base, &mut state, request)
    });
    base.set(server.url().to_owned()).expect("set once");
    server
}

/// A client whose Power BI and Fabric bases are `server`, signed in with [`TOKEN`], waiting on
/// `clock` (so polls never wait in real time).
pub fn fabric_client(server: &RawServer, clock: &ManualClock) -> PowerBiClient {
    let url: url::Url = server.url().parse().expect("the server's URL");
    PowerBiClient::builder()
        .cloud(Cloud::custom(url.clone(), url.clone()))
        .fabric_api_base(url)
        .allow_insecure_loopback()
        .credential(StaticTokenCredential::new(TOKEN, Duration::from_secs(3600)))
        .clock_and_sleeper(clock.clone())
        .build()
        .expect("the client builds")
}

fn body(status: u16, headers: &[(&str, &[u8])], value: &Value) -> Vec<u8> {
    let mut all = vec![("Content-Type", &b"application/json"[..])];
    all.extend_from_slice(headers);
    answer(status, &all, value.to_string().as_bytes())
}

/// Fabric's error shape.
pub fn fabric_error(status: u16, code: &str, message: &str, headers: &[(&str, &[u8])]) -> Vec<u8> {
    let error = json!({
        "requestId": "7c6f8d0a-0000-4000-8000-00000000f4b1",
        "errorCode": code,
        "message": message,
        "isRetriable": false,
        "relatedResource": {"resourceId": ITEM, "resourceType": "Item"},
        "moreDetails": [{"errorCode": "Detail", "message": "a detail\nover two lines"}],
    });
    body(status, headers, &error)
}

fn fabric_answer(base: &str, state: &mut State, request: &RawRequest) -> Vec<u8> {
    let path = request.path();
    let items = format!("/v1/workspaces/{WORKSPACE}/items");
    let jobs = format!("{items}/{ITEM}/jobs/instances");
    match (request.method.as_str(), path) {
        ("GET", "/v1/workspaces") => workspaces_page(base, request.query()),
        ("GET", "/v1/capacities") => capacities_page(request.query()),
        ("GET", "/v1/admin/workspaces") => fabric_error(
            403,
            "InsufficientScopes",
            "The caller does not have sufficient scopes to perform this operation",
            &[],
        ),
        ("GET", "/v1/throttled") => fabric_error(
            429,
            "RequestBlocked",
            "Request is blocked by the upstream service until: 12/6/2026 11:00:00 AM (UTC)",
            &[("Retry-After", b"3600")],
        ),
        ("POST", path) if path == items => started(base, "ok"),
        ("POST", path) if path.starts_with("/v1/workspaces/") && path.ends_with("/notebooks") => {
            started(base, "failed")
        }
        ("POST", path) if path.ends_with("/reports") => answer(
            202,
            &[
                ("Location", b"https://evil.example/v1/operations/elsewhere"),
                ("x-ms-operation-id", b"elsewhere"),
            ],
            b"",
        ),
        ("POST", path) if path.ends_with("/lakehouses") => started(base, "hostile"),
        ("GET", path) if path.starts_with("/v1/operations/") => {
            let rest = path.trim_start_matches("/v1/operations/");
            operation_answer(state, rest)
        }
        ("POST", path) if path == jobs => run_job(base, &jobs, request.query()),
        ("GET", path) if path.starts_with(&jobs) => {
            instance_answer(state, path.trim_start_matches(&jobs))
        }
        ("POST", path) if path == format!("{jobs}/{CANCELLED_INSTANCE}/cancel") => {
            state.cancelled = true;
            answer(202, &[("Retry-After", b"1")], b"")
        }
        _ => fabric_error(404, "ItemNotFound", "The requested item was not found", &[]),
    }
}

/// `/v1/workspaces`: three pages chained by `continuationUri` on this host.
fn workspaces_page(base: &str, query: Option<&str>) -> Vec<u8> {
    let page = match query {
        None => 1,
        Some("continuationToken=page2") => 2,
        Some("continuationToken=page3") => 3,
        Some(_) => return fabric_error(400, "InvalidContinuationToken", "bad token", &[]),
    };
    let mut value = json!({ "value": [{ "id": format!("workspace-{page}"), "displayName": format!("W{page}") }] });
    if page < 3 {
        let next = page + 1;
        value["continuationToken"] = json!(format!("page{next}"));
        value["continuationUri"] =
            json!(format!("{base}/v1/workspaces?continuationToken=page{next}"));
    }
    body(200, &[], &value)
}

/// `/v1/capacities`: a `continuationUri` on another host, and a token that needs encoding.
fn capacities_page(query: Option<&str>) -> Vec<u8> {
    match query {
        None => body(
            200,
            &[],
            &json!({
                "value": [{"id": "capacity-1"}],
                "continuationToken": "c 2+x",
                "continuationUri": "https://evil.example/v1/capacities?continuationToken=c%202%2Bx",
            }),
        ),
        Some("continuationToken=c%202%2Bx") => {
            body(200, &[], &json!({ "value": [{"id": "capacity-2"}] }))
        }
        Some(_) => fabric_error(400, "InvalidContinuationToken", "bad token", &[]),
    }
}

fn started(base: &str, id: &str) -> Vec<u8> {
    let location = format!("{base}/v1/operations/{id}");
    answer(
        202,
        &[
            ("Location", location.as_bytes()),
            ("x-ms-operation-id", id.as_bytes()),
            ("Retry-After", b"1"),
        ],
        b"",
    )
}

fn operation_answer(state: &mut State, rest: &str) -> Vec<u8> {
    let state_of =
        |status: &str, percent: u32| json!({"status": status, "percentComplete": percent});
    match rest {
        "ok" => match state.poll("ok") {
            1 => body(200, &[("Retry-After", b"1")], &state_of("Running", 40)),
            _ => body(200, &[], &state_of("Succeeded", 100)),
        },
        "ok/result" => body(
            200,
            &[],
            &json!({"id": ITEM, "type": "Notebook", "displayName": "Notebook1", "workspaceId": WORKSPACE}),
        ),
        "failed" => {
            let mut failed = state_of("Failed", 100);
            failed["error"] = json!({
                "errorCode": "ItemDisplayNameAlreadyInUse",
                "message": "Requested 'Notebook1' is already in use",
                "moreDetails": [{"errorCode": "Conflict", "message": "an item of this type has the name",
                    "relatedResource": {"resourceId": ITEM, "resourceType": "Notebook"}}],
            });
            body(200, &[], &failed)
        }
        "hostile" => {
            let headers: &[u8] = match state.poll("hostile") {
                1 => b"99999999999999999999999999",
                2 => b"-3",
                3 => b"Fri, 31 Dec 9999 23:59:59 GMT",
                4 => b"\xff\xfe soon",
                _ => {
                    return body(
                        200,
                        &[("Retry-After", b"1e308")],
                        &state_of("Succeeded", 100),
                    );
                }
            };
            body(200, &[("Retry-After", headers)], &state_of("Undefined", 0))
        }
        _ => fabric_error(404, "EntityNotFound", "The operation was not found", &[]),
    }
}

fn run_job(base: &str, jobs: &str, query: Option<&str>) -> Vec<u8> {
    let instance = match query {
        Some("jobType=RunNotebook") => INSTANCE,
        Some("jobType=Cancel") => CANCELLED_INSTANCE,
        _ => return fabric_error(400, "InvalidJobType", "unknown job type", &[]),
    };
    let location = format!("{base}{jobs}/{instance}");
    answer(
        202,
        &[("Location", location.as_bytes()), ("Retry-After", b"2")],
        b"",
    )
}

fn instance_answer(state: &mut State, rest: &str) -> Vec<u8> {
    let instance = rest.trim_start_matches('/');
    let status = match instance {
        INSTANCE => match state.poll(INSTANCE) {
            1 => "NotStarted",
            2 => "InProgress",
            _ => "Completed",
        },
        CANCELLED_INSTANCE if state.cancelled => "Cancelled",
        CANCELLED_INSTANCE => "InProgress",
        _ => return fabric_error(404, "EntityNotFound", "No such job instance", &[]),
    };
    body(
        200,
        &[("Retry-After", b"1")],
        &json!({"id": instance, "itemId": ITEM, "jobType": "RunNotebook", "invokeType": "Manual",
            "status": status, "failureReason": null}),
    )
}
