//! Proof of the generated Fabric client (`powerbi::fabric`) against Microsoft's own examples,
//! as `examples.rs` proves Power BI's: every `x-ms-examples` entry of the 55 areas of
//! microsoft/fabric-rest-api-specs (`../shared/reference/fabric`, see its `PROVENANCE.md`), in
//! both directions, with the same normalization rules.
//!
//! - **Responses**: every 2xx example response with a JSON payload decodes into the response
//!   type of the generated operation covering its operationId (`<area>/<operationId>` in
//!   [`powerbi::fabric::OPERATIONS`]), with no unknown field, and re-encodes to the example.
//! - **Requests**: every example is called through the generated method against a recording
//!   server on loopback, and the recorded method, path, query and body must be what Microsoft's
//!   description implies for the example. The server answers with the example's 200/201 body,
//!   so a long-running method finishes at once (a run on demand gets its `202` and the
//!   `Location` of a job instance).
//!
//! What cannot pass is listed, with a reason, in `fabric_example_exceptions.yaml`.
//!
//! Microsoft's description is many files (`<area>/swagger.json`, `definitions/`, `common/`,
//! `examples/`); [`fabric_swagger`] reads them into one document shaped like Power BI's (one
//! `paths` table, full paths from `/v1`, operationIds prefixed by their area, examples inline),
//! its `$ref`s rewritten to `fabric:` pointers that [`crate::microsoft::resolve`] follows.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use powerbi::auth::StaticTokenCredential;
use powerbi::runtime::time::ManualClock;
use powerbi::runtime::{LongRunning, Operation, RequestBody, RetryPolicy};
use powerbi::{Cloud, Error, PowerBiClient};
use powerbi_sandbox::raw::{RawServer, answer};
use powerbi_sandbox::{RecordedRequest, path_shape};
use serde_json::{Map, Value};

use crate::example_support::{ExampleArgs, fabric_dispatch};
use crate::examples::{
    Described, Test, check_every_example_request, compare, covering, declared_status, is_success,
    minimal_example, prepare, response_proof,
};
use crate::microsoft::{SwaggerOperation, example_payload, resolve};

/// How a reference into Fabric's description starts; the rest is a JSON pointer into
/// [`fabric_swagger`].
pub const REF_PREFIX: &str = "fabric:";

/// Fabric: its description, its operations and its exceptions file.
pub(crate) static FABRIC: Described = Described {
    name: "Fabric",
    swagger: fabric_swagger,
    operations: powerbi::fabric::OPERATIONS,
    decode: fabric_dispatch::decode,
    exceptions_file: "fabric_example_exceptions.yaml",
    // 725 operations, all but `dataflow/QueryExecution_ExecuteQuery` with examples.
    example_operations: 724,
    max_exceptions: 15,
    variant_field: Some(variant_field),
    exceptions: OnceLock::new(),
};

/// Examples in all: the `x-ms-examples` entries of the 55 areas.
const EXAMPLES: usize = 985;

/// The example file that no operation's `x-ms-examples` names: a run on demand of an event
/// schema set, an operation the description does not have.
const ORPHAN_EXAMPLE: &str = "eventSchemaSet/examples/RunOnDemandEventSchemaSetNoBody.json";

/// The variable that points the tests at Fabric's description from elsewhere.
const REFERENCE_VAR: &str = "POWERBI_FABRIC_REFERENCE";

/// Microsoft's Fabric description: `../shared/reference/fabric` beside the checkout, or
/// `$POWERBI_FABRIC_REFERENCE`.
fn reference_dir() -> PathBuf {
    let path = std::env::var_os(REFERENCE_VAR).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/fabric"),
        PathBuf::from,
    );
    assert!(
        path.join("platform/swagger.json").is_file(),
        "{} (microsoft/fabric-rest-api-specs, ../shared/reference/fabric beside the checkout, or ${REFERENCE_VAR}) is missing",
        path.display()
    );
    path
}

// ------------------------------------------------------------------------------------------
// Microsoft's description as one document

/// Fabric's description as one document: `paths` (every area's, from `/v1`) and `files`
/// (every file a `$ref` reaches, by its path under the reference folder).
pub fn fabric_swagger() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| Loader::new(reference_dir()).load())
}

/// The value a `fabric:` reference points at.
pub fn pointer(reference: &str) -> &'static Value {
    let pointer = reference.trim_start_matches(REF_PREFIX);
    fabric_swagger()
        .pointer(pointer)
        .unwrap_or_else(|| panic!("{reference} resolves"))
}

struct Loader {
    root: PathBuf,
    /// Files read so far, their references rewritten, by key (`common/definitions.json`).
    files: BTreeMap<String, Value>,
    /// Keys referenced but not read yet.
    pending: Vec<String>,
    /// Example files the operations name.
    examples: BTreeSet<String>,
}

impl Loader {
    fn new(root: PathBuf) -> Loader {
        Loader {
            root,
            files: BTreeMap::new(),
            pending: Vec::new(),
            examples: BTreeSet::new(),
        }
    }

    fn load(mut self) -> Value {
        let mut areas: Vec<String> = std::fs::read_dir(&self.root)
            .expect("the reference folder")
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.path().join("swagger.json").is_file())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        areas.sort();
        let mut paths = Map::new();
        for area in &areas {
            let key = format!("{area}/swagger.json");
            let mut swagger = self.read(&key);
            self.inline_examples(area, &mut swagger);
            rewrite_refs(&mut swagger, &key, &self.root, &mut self.pending);
            let base = swagger["basePath"].as_str().unwrap_or("/v1").to_owned();
            for (path, item) in swagger["paths"].as_object().expect("paths") {
                let full = format!("{base}{path}");
                let methods = paths
                    .entry(full.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                for (method, operation) in operation_items(area, item) {
                    let previous = methods
                        .as_object_mut()
                        .expect("an object")
                        .insert(method.clone(), operation);
                    assert!(previous.is_none(), "{method} {full} is described twice");
                }
            }
            self.files.insert(key, swagger);
        }
        while let Some(key) = self.pending.pop() {
            if self.files.contains_key(&key) {
                continue;
            }
            let mut file = self.read(&key);
            rewrite_refs(&mut file, &key, &self.root, &mut self.pending);
            self.files.insert(key, file);
        }
        let examples: Vec<Value> = self.examples.into_iter().map(Value::String).collect();
        serde_json::json!({
            "paths": paths,
            "files": self.files,
            "example_files": examples,
        })
    }

    fn read(&self, key: &str) -> Value {
        let path = self.root.join(key);
        let bytes =
            std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        serde_json::from_slice(&bytes).unwrap_or_else(|error| panic!("{key}: {error}"))
    }

    /// Replaces each `x-ms-examples` entry (`{"$ref": "./examples/X.json"}`) by the file.
    fn inline_examples(&mut self, area: &str, swagger: &mut Value) {
        let Some(paths) = swagger["paths"].as_object_mut() else {
            return;
        };
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for operation in item.values_mut() {
                let Some(examples) = operation
                    .get_mut("x-ms-examples")
                    .and_then(Value::as_object_mut)
                else {
                    continue;
                };
                for example in examples.values_mut() {
                    let reference = example["$ref"].as_str().expect("an example $ref");
                    let key = find_file(&self.root, &join(area, reference));
                    *example = self.read(&key);
                    self.examples.insert(key);
                }
            }
        }
    }
}

/// The operations of one path item, each with the path's shared parameters first and its
/// operationId prefixed by `area`.
fn operation_items(area: &str, item: &Value) -> Vec<(String, Value)> {
    let shared: Vec<Value> = item
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut operations = Vec::new();
    for (method, operation) in item.as_object().expect("a path item") {
        let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let mut operation = operation.clone();
        operation["operationId"] = Value::from(format!("{area}/{id}"));
        let mut parameters = shared.clone();
        if let Some(own) = operation.get("parameters").and_then(Value::as_array) {
            parameters.extend(own.iter().cloned());
        }
        operation["parameters"] = Value::Array(parameters);
        operations.push((method.clone(), operation));
    }
    operations
}

/// Rewrites every `$ref` of the file `key` into a `fabric:` pointer, and queues the files
/// they reach.
fn rewrite_refs(value: &mut Value, key: &str, root: &Path, pending: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(reference)) = object.get_mut("$ref") {
                let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
                let target = if file.is_empty() {
                    key.to_owned()
                } else {
                    find_file(root, &join(parent(key), file))
                };
                let escaped = target.replace('~', "~0").replace('/', "~1");
                *reference = format!("{REF_PREFIX}/files/{escaped}{fragment}");
                pending.push(target);
            }
            for member in object.values_mut() {
                rewrite_refs(member, key, root, pending);
            }
        }
        Value::Array(items) => {
            for item in items {
                rewrite_refs(item, key, root, pending);
            }
        }
        _ => {}
    }
}

/// The folder of a key (`platform` of `platform/swagger.json`).
fn parent(key: &str) -> &str {
    key.rsplit_once('/').map_or("", |(parent, _)| parent)
}

/// `relative` read from the folder `base`, `.` and `..` resolved (`platform` +
/// `../common/definitions.json` is `common/definitions.json`).
fn join(base: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = base.split('/').filter(|part| !part.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// `key` as it is on disk: a few references name their file in another case (`Tags/` for
/// `tags/`, `Common/` for `common/`), which a case-insensitive file system forgives.
fn find_file(root: &Path, key: &str) -> String {
    if root.join(key).is_file() {
        return key.to_owned();
    }
    let mut found = PathBuf::new();
    for part in key.split('/') {
        let entries =
            std::fs::read_dir(root.join(&found)).unwrap_or_else(|error| panic!("{key}: {error}"));
        let name = entries
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .find(|name| name.eq_ignore_ascii_case(part))
            .unwrap_or_else(|| panic!("{key} is not in the reference folder"));
        found.push(name);
    }
    found.to_string_lossy().replace('\\', "/")
}

// ------------------------------------------------------------------------------------------
// Polymorphic models

/// The models that name each model in their `allOf` (its variants, `x-ms-discriminator-value`),
/// by the address of the model.
fn subtypes_index() -> &'static HashMap<usize, Vec<&'static Value>> {
    static INDEX: OnceLock<HashMap<usize, Vec<&'static Value>>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index: HashMap<usize, Vec<&'static Value>> = HashMap::new();
        let files = fabric_swagger()["files"].as_object().expect("the files");
        for file in files.values() {
            let Some(definitions) = file["definitions"].as_object() else {
                continue;
            };
            for definition in definitions.values() {
                for parent in definition["allOf"].as_array().into_iter().flatten() {
                    if parent.get("$ref").is_some() {
                        let base: *const Value = resolve(parent);
                        index.entry(base as usize).or_default().push(definition);
                    }
                }
            }
        }
        index
    })
}

/// `schema`, the models it extends (`allOf`) and, when `variants`, every model extending it,
/// transitively.
fn shapes(schema: &'static Value, variants: bool) -> Vec<&'static Value> {
    let mut found: Vec<&'static Value> = Vec::new();
    let mut queue = vec![resolve(schema)];
    while let Some(shape) = queue.pop() {
        if found.iter().any(|seen| std::ptr::eq(*seen, shape)) {
            continue;
        }
        found.push(shape);
        queue.extend(shape["allOf"].as_array().into_iter().flatten().map(resolve));
        if variants {
            let address: *const Value = shape;
            queue.extend(
                subtypes_index()
                    .get(&(address as usize))
                    .into_iter()
                    .flatten(),
            );
        }
    }
    found
}

/// Whether the field at `path` (`$.value[0].principal.userDetails`) of a value of `schema` is
/// one that only a variant of the polymorphic model there declares (`UserPrincipal`'s
/// `userDetails` for `Principal`, whose `discriminator` is `type`). The spec holds such models
/// with their base fields (spec/README.md), so the generated type carries these fields in its
/// catch-all.
pub fn variant_field(schema: &'static Value, path: &str) -> bool {
    let mut segments: Vec<Option<&str>> = Vec::new();
    for piece in path
        .trim_start_matches('$')
        .split('.')
        .filter(|piece| !piece.is_empty())
    {
        let (name, indices) = piece.split_once('[').unwrap_or((piece, ""));
        if !name.is_empty() {
            segments.push(Some(name));
        }
        segments.extend(indices.matches(']').map(|_| None));
    }
    let Some((Some(field), parents)) = segments.split_last() else {
        return false;
    };
    let mut current = vec![schema];
    for segment in parents {
        current = current
            .into_iter()
            .flat_map(|schema| shapes(schema, true))
            .filter_map(|shape| match segment {
                None => shape.get("items"),
                Some(name) => shape["properties"].get(*name).or_else(|| {
                    shape
                        .get("additionalProperties")
                        .filter(|map| map.is_object())
                }),
            })
            .map(resolve)
            .collect();
    }
    current.into_iter().any(|parent| {
        let base = shapes(parent, false);
        let polymorphic = base
            .iter()
            .any(|shape| shape.get("discriminator").is_some());
        let in_base = base
            .iter()
            .any(|shape| shape["properties"].get(*field).is_some());
        polymorphic
            && !in_base
            && shapes(parent, true)
                .iter()
                .any(|shape| shape["properties"].get(*field).is_some())
    })
}

#[test]
fn fabric_examples_are_read_whole_from_microsofts_description() {
    let operations = FABRIC.swagger_operations();
    assert_eq!(operations.len(), 725, "operations of the 55 areas");
    let with_examples = operations
        .iter()
        .filter(|operation| !operation.examples().is_empty())
        .count();
    assert_eq!(with_examples, FABRIC.example_operations);
    let examples: usize = operations
        .iter()
        .map(|operation| operation.examples().len())
        .sum();
    assert_eq!(examples, EXAMPLES);
    // Every operation of the description is generated, under the same id, method and path.
    let covering = covering(&FABRIC);
    for operation in &operations {
        let generated = covering
            .get(operation.operation_id)
            .unwrap_or_else(|| panic!("{} is not generated", operation.operation_id));
        assert_eq!(
            format!("{:?}", generated.method).to_ascii_uppercase(),
            operation.method,
            "{}",
            operation.operation_id
        );
        let without_query = |path: &str| path.split('?').next().unwrap_or_default().to_owned();
        assert_eq!(
            path_shape(&format!("/v1{}", without_query(generated.path))),
            path_shape(&without_query(operation.path)),
            "{}: the generated path",
            operation.operation_id
        );
    }
    // The example no operation names is read by none.
    let named = fabric_swagger()["example_files"]
        .as_array()
        .expect("the example files");
    assert!(reference_dir().join(ORPHAN_EXAMPLE).is_file());
    assert!(!named.iter().any(|file| file == ORPHAN_EXAMPLE));
    assert_eq!(
        join("platform", "../common/definitions.json"),
        "common/definitions.json"
    );
    assert_eq!(join("admin", "./examples/a.json"), "admin/examples/a.json");
}

#[test]
fn the_fabric_exceptions_file_is_small_and_names_real_examples() {
    FABRIC.check_exceptions_file();
}

// ------------------------------------------------------------------------------------------
// Responses

#[test]
fn every_fabric_example_response_decodes_and_reencodes() {
    response_proof(&FABRIC);
}

// ------------------------------------------------------------------------------------------
// Requests

/// A loopback server (the sandbox's raw server) that records every request whole, body
/// included, and answers each with the answer set last.
struct Recorder {
    server: RawServer,
    answer: Arc<Mutex<Vec<u8>>>,
}

impl Recorder {
    fn start() -> Recorder {
        let answer = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::clone(&answer);
        let server = RawServer::start(move |_| {
            shared
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
        });
        Recorder { server, answer }
    }

    fn url(&self) -> &str {
        self.server.url()
    }

    /// Answers the requests from now on with `bytes`, forgetting those recorded so far.
    fn answer_with(&self, bytes: Vec<u8>) {
        *self.answer.lock().unwrap_or_else(PoisonError::into_inner) = bytes;
        self.server.take_requests();
    }

    /// The requests since [`Recorder::answer_with`], as the sandbox records them (no
    /// `Authorization`).
    fn recorded(&self) -> Vec<RecordedRequest> {
        let requests = self.server.take_requests();
        requests.into_iter().map(RecordedRequest::from).collect()
    }
}

/// A client whose Fabric API base is `recorder`, that neither retries nor waits in real time.
fn recording_client(recorder: &Recorder) -> PowerBiClient {
    let url: url::Url = recorder.url().parse().expect("the recorder's URL");
    PowerBiClient::builder()
        .cloud(Cloud::custom(url.clone(), url.clone()))
        .fabric_api_base(url)
        .allow_insecure_loopback()
        .credential(StaticTokenCredential::new(
            "fabric-examples-token",
            Duration::from_secs(3600),
        ))
        .retry_policy(RetryPolicy::none())
        .clock_and_sleeper(ManualClock::new())
        .build()
        .expect("the client builds")
}

/// The answer to an example's request, and whether it carries the example's body: its 200 or
/// 201 JSON payload (a long-running operation's start answered `200` is complete, its body the
/// result); a run on demand `202` with the `Location` of a job instance on the recorder; else
/// the example's first success status without content (`200` for a long-running operation).
fn answer_for(
    operation: &SwaggerOperation<'_>,
    generated: &Operation,
    example: &Value,
    base: &str,
) -> (Vec<u8>, bool) {
    if generated.long_running == LongRunning::JobInstance {
        let location = format!(
            "{base}/v1/workspaces/4b218778-e7a5-4d73-8187-f10824047715/items/431e8d7b-4a95-4c02-8ccd-6faef5ba1bd7/jobs/instances/f2d65699-dd22-4889-980c-15226deb0e1b"
        );
        let headers = [("Location", location.as_bytes()), ("Retry-After", b"1")];
        return (answer(202, &headers, b""), false);
    }
    let responses = example["responses"].as_object();
    let successes: Vec<(&String, &Value)> = responses
        .into_iter()
        .flatten()
        .filter(|(status, _)| is_success(status))
        .collect();
    let long_running = generated.long_running != LongRunning::None;
    for (status, response) in &successes {
        let declared = declared_status(operation, status);
        if let Some(payload) = example_payload(response, operation.response_schema(declared)) {
            // A 202 with a body (none so far) is answered as complete.
            let status = if status.as_str() == "201" { 201 } else { 200 };
            let body = serde_json::to_vec(&payload).expect("JSON encodes");
            let headers = [("Content-Type", &b"application/json"[..])];
            return (answer(status, &headers, &body), true);
        }
    }
    let status = match successes.first().map(|(status, _)| status.parse::<u16>()) {
        Some(Ok(status)) if !long_running => status,
        _ => 200,
    };
    (answer(status, &[], b""), false)
}

/// Calls one example through the generated method and checks the recorded request; `Ok(n)`
/// with the number of parameters filled with placeholders.
async fn call_example(
    recorder: &Recorder,
    client: &PowerBiClient,
    covering: &HashMap<&'static str, &'static Operation>,
    operation: &SwaggerOperation<'static>,
    example: &Value,
) -> Result<usize, String> {
    let generated = covering
        .get(operation.operation_id)
        .ok_or("no generated operation covers this operationId")?;
    let mut prepared = prepare(operation, example)?;
    if let RequestBody::Bytes { content_type, .. } = generated.body {
        prepared.expected.raw_body(content_type);
    }
    let (answer, with_body) = answer_for(operation, generated, example, recorder.url());
    recorder.answer_with(answer);
    let args = ExampleArgs::new(prepared.parameters, prepared.body);
    let result = fabric_dispatch::call(client, generated.category, generated.name, &args).await;
    match result {
        Ok(true) => {}
        Ok(false) => {
            return Err(format!(
                "the dispatcher has no {}::{}",
                generated.category, generated.name
            ));
        }
        // Without an example body to answer with, a result cannot decode: the request counts.
        Err(Error::Decode { .. }) if !with_body => {}
        // The answer is an example this test excepts for its response.
        Err(Error::Decode { .. })
            if operation.examples().iter().any(|(name, _)| {
                FABRIC
                    .excepted(Test::Response, operation.operation_id, name)
                    .is_some()
            }) => {}
        Err(error) => return Err(format!("the call fails: {error}")),
    }
    // A field only a variant of a polymorphic model declares is sent through the catch-all;
    // the body comparison below proves it is sent as written.
    let schema = operation.body_parameter().map(|body| &body["schema"]);
    let unknown: Vec<String> = args
        .body_unknown_fields()
        .into_iter()
        .filter(|path| !schema.is_some_and(|schema| variant_field(schema, path)))
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "body fields the request model does not know: {}",
            unknown.join(", ")
        ));
    }
    let recorded = recorder.recorded();
    let [request] = recorded.as_slice() else {
        return Err(format!(
            "{} requests reached the API instead of one",
            recorded.len()
        ));
    };
    compare(&prepared.expected, request)?;
    Ok(prepared.completed.len())
}

/// Runs `test` on a current-thread runtime on a thread with a 64 MiB stack: the generated
/// dispatch (one arm per Fabric operation) has a stack frame larger than a test thread's
/// 2 MiB in a debug build.
fn on_a_large_stack(
    test: impl FnOnce() -> std::pin::Pin<Box<dyn Future<Output = ()>>> + Send + 'static,
) {
    std::thread::Builder::new()
        .name("fabric-examples".to_owned())
        .stack_size(64 << 20)
        .spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime")
                .block_on(test());
        })
        .expect("the test thread starts")
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
}

#[test]
fn every_fabric_example_request_is_what_microsoft_describes() {
    on_a_large_stack(|| Box::pin(every_fabric_example_request()));
}

async fn every_fabric_example_request() {
    let recorder = Recorder::start();
    let client = recording_client(&recorder);
    let covering = covering(&FABRIC);
    check_every_example_request(
        &FABRIC,
        "Fabric example requests",
        "a recording server",
        async |operation, example| {
            call_example(&recorder, &client, &covering, operation, example).await
        },
    )
    .await;
}

/// The one operation Microsoft gives no example for (`dataflow/QueryExecution_ExecuteQuery`) is
/// called through the generated client too, with placeholder parameters and a minimal body,
/// and its request checked the same way: so every Fabric operation is exercised end to end.
#[test]
fn the_fabric_operation_without_an_example_is_called_through_the_client() {
    on_a_large_stack(|| Box::pin(the_fabric_operation_without_an_example()));
}

async fn the_fabric_operation_without_an_example() {
    let recorder = Recorder::start();
    let client = recording_client(&recorder);
    let covering = covering(&FABRIC);
    let mut called = Vec::new();
    for operation in FABRIC.swagger_operations() {
        if !operation.examples().is_empty() {
            continue;
        }
        let example = minimal_example(&operation);
        let outcome = call_example(&recorder, &client, &covering, &operation, &example).await;
        assert_eq!(outcome.map(|_| ()), Ok(()), "{}", operation.operation_id);
        called.push(operation.operation_id);
    }
    assert_eq!(called, ["dataflow/QueryExecution_ExecuteQuery"]);
}
