//! Fabric item definitions from and to folders (`powerbi::ext::definition`) against the
//! sandbox: a TMDL semantic model, a PBIR report and a notebook (binary files, nested folders,
//! CRLF and a byte order mark included) go folder → create → getDefinition → folder and
//! folder → updateDefinition → getDefinition → folder byte for byte; hostile answers from a
//! raw server write nothing outside the target folder.

use std::path::{Path, PathBuf};

use powerbi::PowerBiClient;
use powerbi::ext::definition::{DefinitionFolder, DefinitionSettings, NewItem};
use powerbi::runtime::time::ManualClock;
use powerbi::runtime::{FabricClient, HttpMethod, Uuid};
use powerbi_sandbox::{Fault, FaultPlan, Sandbox};
use serde_json::{Value, json};

use crate::common::{sandbox, sandbox_builder, service_principal_credential};
use crate::raw::{RawServer, answer, raw_builder};

/// The definition folders under `tests/e2e/testdata/definitions`.
pub fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/definitions")
        .join(name)
}

/// A fresh folder under the system's temporary folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!("powerbi-e2e-definitions-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&path).expect("a scratch folder");
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every file under `root`, recursively: its relative path and bytes, sorted.
fn files(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    let mut pending = vec![(root.to_owned(), String::new())];
    while let Some((dir, prefix)) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("a folder") {
            let entry = entry.expect("an entry");
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if entry.file_type().expect("a type").is_dir() {
                pending.push((entry.path(), format!("{name}/")));
            } else {
                found.push((name, std::fs::read(entry.path()).expect("bytes")));
            }
        }
    }
    found.sort();
    found
}

/// Copies `from` to `to` (files and folders).
fn copy(from: &Path, to: &Path) {
    for (path, bytes) in files(from) {
        let target = to.join(&path);
        std::fs::create_dir_all(target.parent().expect("a parent")).expect("folders");
        std::fs::write(target, bytes).expect("a copy");
    }
}

/// The demo service principal at the sandbox, waiting on a manual clock (no real waits).
fn fabric(sandbox: &Sandbox) -> FabricClient {
    sandbox_builder(sandbox)
        .fabric_api_base(sandbox.api_base_url().parse().expect("a URL"))
        .credential(service_principal_credential())
        .clock_and_sleeper(ManualClock::new())
        .build()
        .expect("the client builds")
        .fabric()
}

async fn new_workspace(fabric: &FabricClient, name: &str) -> Uuid {
    let workspace: Value = fabric
        .raw(HttpMethod::Post, "/workspaces")
        .json_body(&json!({"displayName": name}))
        .send_json()
        .await
        .expect("a workspace");
    workspace["id"]
        .as_str()
        .expect("an id")
        .parse()
        .expect("a GUID")
}

fn settings() -> DefinitionSettings {
    DefinitionSettings::default()
}

#[tokio::test]
async fn a_model_a_report_and_a_notebook_round_trip_byte_for_byte_through_create_and_update() {
    let sandbox = sandbox().await;
    let fabric = fabric(&sandbox);
    let workspace = new_workspace(&fabric, "Definitions").await;
    let scratch = Scratch::new();
    for (folder, item_type, name, format) in [
        (
            "Sales.SemanticModel",
            "SemanticModel",
            "Sales",
            Some("TMDL"),
        ),
        ("Sales.Report", "Report", "Sales report", Some("PBIR")),
        ("Load.Notebook", "Notebook", "Nightly load", None),
    ] {
        let source = testdata(folder);
        let mut definition = DefinitionFolder::read(&source).await.expect("read");
        if let Some(format) = format {
            definition = definition.format(format);
        }
        assert!(definition.parts().any(|(path, _)| path == ".platform"));
        let created = fabric
            .create_item_from_folder(
                workspace,
                &NewItem::new(item_type, name),
                &definition,
                &settings(),
            )
            .await
            .expect("created");
        assert_eq!(created.item["type"], item_type);
        assert_eq!(created.item["displayName"], name);

        let out = scratch.0.join(folder);
        let written = fabric
            .get_item_definition_to_folder(workspace, created.id, format, &out, &settings())
            .await
            .expect("written");
        assert_eq!(written.parts.len(), definition.parts().count());
        assert_eq!(files(&out), files(&source), "{folder}: the same bytes");

        // Update from a changed copy (a new binary file, a changed one, one fewer).
        let changed = scratch.0.join(format!("{folder}.changed"));
        copy(&source, &changed);
        let first = files(&source)
            .into_iter()
            .find(|(path, _)| path != ".platform")
            .expect("a part");
        std::fs::remove_file(changed.join(&first.0)).expect("removed");
        std::fs::create_dir_all(changed.join("new/deeper")).expect("folders");
        std::fs::write(
            changed.join("new/deeper/blob.bin"),
            [0u8, 255, 0, 13, 10, 26],
        )
        .expect("a new file");
        let update = DefinitionFolder::read(&changed).await.expect("read");
        fabric
            .update_item_definition_from_folder(workspace, created.id, &update, false, &settings())
            .await
            .expect("updated");
        let again = scratch.0.join(format!("{folder}.again"));
        fabric
            .get_item_definition_to_folder(workspace, created.id, None, &again, &settings())
            .await
            .expect("written");
        assert_eq!(
            files(&again),
            files(&changed),
            "{folder}: the updated bytes"
        );
    }
}

#[tokio::test]
async fn update_metadata_takes_the_name_from_the_platform_file() {
    let sandbox = sandbox().await;
    let fabric = fabric(&sandbox);
    let workspace = new_workspace(&fabric, "Metadata").await;
    let scratch = Scratch::new();
    let source = testdata("Load.Notebook");
    let notebook = DefinitionFolder::read(&source).await.expect("read");
    let created = fabric
        .create_item_from_folder(
            workspace,
            &NewItem::new("Notebook", "Before").description("first"),
            &notebook,
            &settings(),
        )
        .await
        .expect("created");
    let renamed = scratch.0.join("renamed");
    copy(&source, &renamed);
    let platform = std::fs::read_to_string(renamed.join(".platform")).expect("a .platform");
    std::fs::write(
        renamed.join(".platform"),
        platform.replace("\"Nightly load\"", "\"After\""),
    )
    .expect("written");
    let update = DefinitionFolder::read(&renamed).await.expect("read");
    let item_path = format!("/workspaces/{workspace}/items/{}", created.id);
    fabric
        .update_item_definition_from_folder(workspace, created.id, &update, false, &settings())
        .await
        .expect("updated");
    let item: Value = fabric
        .raw(HttpMethod::Get, &item_path)
        .send_json()
        .await
        .expect("the item");
    assert_eq!(
        item["displayName"], "Before",
        "metadata kept without updateMetadata"
    );
    fabric
        .update_item_definition_from_folder(workspace, created.id, &update, true, &settings())
        .await
        .expect("updated");
    let item: Value = fabric
        .raw(HttpMethod::Get, &item_path)
        .send_json()
        .await
        .expect("the item");
    assert_eq!(item["displayName"], "After");
}

#[tokio::test]
async fn a_failed_create_is_the_services_error_and_nothing_is_reported_created() {
    let sandbox = sandbox().await;
    let fabric = fabric(&sandbox);
    let workspace = new_workspace(&fabric, "Conflicts").await;
    let notebook = DefinitionFolder::read(testdata("Load.Notebook"))
        .await
        .expect("read");
    let item = NewItem::new("Notebook", "Twice");
    fabric
        .create_item_from_folder(workspace, &item, &notebook, &settings())
        .await
        .expect("created");
    let error = fabric
        .create_item_from_folder(workspace, &item, &notebook, &settings())
        .await
        .expect_err("the name is taken");
    let text = error.to_string();
    assert!(text.contains("ItemDisplayNameAlreadyInUse"), "{text}");
    assert!(
        !text.contains("Fabric notebook source"),
        "no payload: {text}"
    );
}

/// A raw server whose getDefinition answers (200: the start's answer is the result) `parts`.
fn hostile_server(parts: Value) -> (RawServer, PowerBiClient) {
    let body = json!({"definition": {"parts": parts}}).to_string();
    let server = RawServer::start(move |_| {
        answer(
            200,
            &[("Content-Type", b"application/json")],
            body.as_bytes(),
        )
    });
    let url: url::Url = server.url().parse().expect("a URL");
    let client = raw_builder(&server)
        .fabric_api_base(url)
        .build()
        .expect("the client builds");
    (server, client)
}

#[tokio::test]
async fn hostile_part_paths_from_the_service_write_nothing_anywhere() {
    let scratch = Scratch::new();
    for path in [
        "../outside.txt",
        "/tmp/absolute.txt",
        "C:\\Windows\\evil.dll",
        "D:evil.txt",
        "sub/../../outside.txt",
        "nul\u{0}.txt",
    ] {
        let (_server, client) = hostile_server(json!([
            {"path": "fine.txt", "payload": "b2s=", "payloadType": "InlineBase64"},
            {"path": path, "payload": "b2s=", "payloadType": "InlineBase64"},
        ]));
        let target = scratch.0.join("target");
        let error = client
            .fabric()
            .get_item_definition_to_folder(Uuid::nil(), Uuid::nil(), None, &target, &settings())
            .await
            .expect_err(path);
        let text = error.to_string();
        assert!(text.contains("nothing was written"), "{text}");
        assert!(!target.exists(), "{path:?}");
    }
    assert!(files(&scratch.0).is_empty(), "nothing written anywhere");
}

#[tokio::test]
async fn a_payload_that_is_not_base64_names_its_part_and_never_its_content() {
    let scratch = Scratch::new();
    let (_server, client) = hostile_server(json!([
        {"path": "a/b.tmdl", "payload": "***PAYLOAD-CONTENT***", "payloadType": "InlineBase64"},
    ]));
    let error = client
        .fabric()
        .get_item_definition_to_folder(Uuid::nil(), Uuid::nil(), None, &scratch.0, &settings())
        .await
        .expect_err("not base64");
    let text = error.to_string();
    assert!(
        text.contains("\"a/b.tmdl\"") && text.contains("not valid base64"),
        "{text}"
    );
    assert!(!text.contains("PAYLOAD-CONTENT"), "{text}");
    assert!(!scratch.0.join("a/b.tmdl").exists());
}

#[tokio::test]
async fn a_throttled_create_sends_the_whole_streamed_body_again() {
    let sandbox = sandbox().await;
    let fabric = fabric(&sandbox);
    let workspace = new_workspace(&fabric, "Throttled").await;
    let source = testdata("Sales.Report");
    let report = DefinitionFolder::read(&source).await.expect("read");
    let items = format!("/v1/workspaces/{workspace}/items");
    sandbox.set_faults(Some(
        FaultPlan::script([
            Some(Fault::Throttle { retry_after: 1 }),
            Some(Fault::Throttle { retry_after: 1 }),
        ])
        .endpoint("POST", &items),
    ));
    let created = fabric
        .create_item_from_folder(
            workspace,
            &NewItem::new("Report", "Retried"),
            &report,
            &settings(),
        )
        .await
        .expect("created after two 429s");
    sandbox.set_faults(None);
    let posts = sandbox
        .recorded_requests()
        .iter()
        .filter(|request| request.method == "POST" && request.path == items)
        .count();
    assert_eq!(posts, 3, "two refused, one served");
    let scratch = Scratch::new();
    fabric
        .get_item_definition_to_folder(workspace, created.id, None, &scratch.0, &settings())
        .await
        .expect("written");
    assert_eq!(files(&scratch.0), files(&source), "the body arrived whole");
}
