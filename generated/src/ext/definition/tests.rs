//! The body a folder becomes and what an answer writes, without a server.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures::TryStreamExt;
use serde_json::{Map, Value, json};

use super::body::Body;
use super::folder::DefinitionFolder;
use super::write::write_definition;
use crate::runtime::Error;

/// A fresh folder under the system's temporary folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let path =
            std::env::temp_dir().join(format!("powerbi-definition-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&path).expect("a scratch folder");
        Scratch(path)
    }

    fn file(&self, relative: &str, bytes: &[u8]) {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        std::fs::write(path, bytes).expect("a file");
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every file under `root`: relative path and bytes.
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

fn binary(len: usize) -> Vec<u8> {
    (0..len).map(|n| (n * 31 % 251) as u8).collect()
}

async fn collect(body: &Body) -> (Vec<u8>, u64) {
    let upload = body.upload();
    let length = upload.len().await.expect("a length");
    let chunks: Vec<bytes::Bytes> = upload
        .open()
        .await
        .expect("a stream")
        .try_collect()
        .await
        .expect("the body");
    (chunks.concat(), length)
}

#[tokio::test]
async fn a_folder_becomes_one_json_body_of_its_exact_length_every_time_it_is_opened() {
    let folder = Scratch::new();
    folder.file(".platform", b"{\"metadata\":{\"type\":\"Report\"}}\n");
    folder.file("definition/pages/a \"quoted\" \u{e9}.json", b"{}");
    folder.file("StaticResources/logo.png", &binary(3 * 64 * 1024 * 2 + 7));
    folder.file("empty.txt", b"");
    let definition = DefinitionFolder::read(&folder.0)
        .await
        .expect("read")
        .format("PBIR");
    let mut fields = Map::new();
    fields.insert("displayName".to_owned(), json!("Sales"));
    let body = Body::new(fields, &definition).expect("a body");
    let (first, length) = collect(&body).await;
    let (again, _) = collect(&body).await;
    assert_eq!(first.len() as u64, length, "Content-Length matches");
    assert_eq!(first, again, "a retry sends the same bytes");
    let value: Value = serde_json::from_slice(&first).expect("JSON");
    assert_eq!(value["displayName"], "Sales");
    assert_eq!(value["definition"]["format"], "PBIR");
    let parts = value["definition"]["parts"].as_array().expect("parts");
    let sent: Vec<(String, Vec<u8>)> = parts
        .iter()
        .map(|part| {
            assert_eq!(part["payloadType"], "InlineBase64");
            let payload = part["payload"].as_str().expect("a payload");
            (
                part["path"].as_str().expect("a path").to_owned(),
                STANDARD.decode(payload).expect("base64"),
            )
        })
        .collect();
    assert_eq!(
        sent,
        files(&folder.0),
        "every file, path and bytes, in path order"
    );
}

#[tokio::test]
async fn an_update_body_holds_only_the_definition_and_a_changed_file_fails_the_send() {
    let folder = Scratch::new();
    folder.file("notebook-content.py", b"print(1)\n");
    let definition = DefinitionFolder::read(&folder.0).await.expect("read");
    let body = Body::new(Map::new(), &definition).expect("a body");
    let (sent, _) = collect(&body).await;
    let value: Value = serde_json::from_slice(&sent).expect("JSON");
    assert_eq!(
        value,
        json!({"definition": {"parts": [{"path": "notebook-content.py", "payload": STANDARD.encode(b"print(1)\n"), "payloadType": "InlineBase64"}]}})
    );
    folder.file("notebook-content.py", b"print(12)\n");
    let stream = body.upload().open().await.expect("a stream");
    let error = stream
        .try_collect::<Vec<_>>()
        .await
        .expect_err("the file grew");
    assert!(
        error
            .to_string()
            .contains("changed while it was being sent"),
        "{error}"
    );
}

#[tokio::test]
async fn an_empty_folder_is_an_error() {
    let folder = Scratch::new();
    let error = DefinitionFolder::read(&folder.0)
        .await
        .expect_err("no files");
    assert!(error.to_string().contains("no file"), "{error}");
}

fn answer(parts: Value) -> bytes::Bytes {
    bytes::Bytes::from(json!({"definition": {"format": "TMDL", "parts": parts}}).to_string())
}

fn part(path: &str, payload: &str) -> Value {
    json!({"path": path, "payload": payload, "payloadType": "InlineBase64"})
}

#[tokio::test]
async fn parts_are_written_to_their_files_escaped_payloads_included() {
    let target = Scratch::new();
    let out = target.0.join("model");
    let bytes = binary(100_000);
    // `\/` is a valid JSON escape of `/`, which base64 uses.
    let escaped = STANDARD.encode(&bytes).replace('/', "\\/");
    let text = format!(
        "{{\"definition\":{{\"parts\":[{{\"path\":\"definition/model.tmdl\",\"payload\":\"{escaped}\",\"payloadType\":\"InlineBase64\"}},{},{{\"path\":\"x\",\"payload\":\"\",\"extra\":[1]}}],\"extra\":{{}}}}}}",
        part(".platform", &STANDARD.encode(b"{}"))
    );
    let written = write_definition(bytes::Bytes::from(text), out.clone())
        .await
        .expect("written");
    assert_eq!(
        written.parts,
        vec![
            ("definition/model.tmdl".to_owned(), 100_000),
            (".platform".to_owned(), 2),
            ("x".to_owned(), 0)
        ]
    );
    assert_eq!(
        files(&out),
        vec![
            (".platform".to_owned(), b"{}".to_vec()),
            ("definition/model.tmdl".to_owned(), bytes),
            ("x".to_owned(), Vec::new()),
        ]
    );
}

fn assert_refused(error: Error, needle: &str) {
    let text = error.to_string();
    assert!(text.contains(needle), "{text}");
    assert!(!text.contains('\n'), "one line: {text}");
}

#[tokio::test]
async fn hostile_part_paths_are_refused_before_anything_is_written() {
    let target = Scratch::new();
    let hostile = [
        "/etc/passwd",
        "../escape.txt",
        "a/../../escape.txt",
        "./a",
        "C:/Windows/evil.dll",
        "C:evil",
        "a\\..\\..\\evil",
        "\\\\server\\share\\evil",
        "nul\u{0}byte",
        "",
        "a//b",
        "trailing/",
        "file.txt:stream",
    ];
    for path in hostile {
        let out = target.0.join("out");
        let parts = json!([part("ok.txt", "b2s="), part(path, "b2s=")]);
        let error = write_definition(answer(parts), out.clone())
            .await
            .expect_err(path);
        assert_refused(error, "nothing was written");
        assert!(!out.exists(), "{path:?}: nothing written");
    }
    assert_eq!(files(&target.0), Vec::new(), "nothing anywhere");
    let twice = json!([part("a.txt", "b2s="), part("A.TXT", "b2s=")]);
    let error = write_definition(answer(twice), target.0.join("out"))
        .await
        .expect_err("twice");
    assert_refused(error, "comes twice");
}

#[tokio::test]
async fn invalid_base64_names_the_part_never_the_payload_and_removes_its_file() {
    let target = Scratch::new();
    let out = target.0.join("out");
    let secret_looking = "c2VjcmV0!!!!not-base64-SECRETPAYLOAD";
    let parts = json!([
        part("good.txt", "b2s="),
        part("bad/part.bin", secret_looking)
    ]);
    let error = write_definition(answer(parts), out.clone())
        .await
        .expect_err("invalid");
    let text = error.to_string();
    assert!(text.contains("\"bad/part.bin\""), "{text}");
    assert!(!text.contains("SECRETPAYLOAD"), "{text}");
    assert!(!out.join("bad/part.bin").exists());
    // Padding in the middle of a long payload is invalid too.
    let long = format!(
        "{}{}",
        STANDARD.encode(binary(49_151)),
        STANDARD.encode(b"x")
    );
    let parts = json!([part("padded.bin", &long)]);
    let error = write_definition(answer(parts), out)
        .await
        .expect_err("padding inside");
    assert!(error.to_string().contains("padded.bin"), "{error}");
}

#[tokio::test]
async fn answers_that_are_not_definitions_are_errors_that_quote_nothing() {
    let target = Scratch::new();
    for body in [
        "not json SECRETPAYLOAD",
        "{\"definition\": \"SECRETPAYLOAD\"}",
        "{\"definition\": {\"parts\": [{\"path\": \"a\", \"payload\": 5}]}}",
        "{}",
        "[]",
        "{\"definition\": {\"parts\": [{\"payload\": \"b2s=\"}]}}",
        "{\"definition\": {\"parts\": [{\"path\": \"a\", \"payload\": \"b2s=\", \"payloadType\": \"Surprise\"}]}}",
    ] {
        let error = write_definition(bytes::Bytes::from(body), target.0.join("out"))
            .await
            .expect_err(body);
        let text = error.to_string();
        assert!(!text.contains("SECRETPAYLOAD"), "{text}");
        assert!(!target.0.join("out").exists(), "{body}");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn a_link_in_the_target_folder_is_never_followed() {
    let target = Scratch::new();
    let outside = Scratch::new();
    let out = target.0.join("out");
    std::fs::create_dir_all(&out).expect("a folder");
    std::os::unix::fs::symlink(&outside.0, out.join("definition")).expect("a link");
    let parts = json!([part("definition/model.tmdl", "b2s=")]);
    let error = write_definition(answer(parts), out)
        .await
        .expect_err("through a link");
    assert!(error.to_string().contains("through the link"), "{error}");
    assert_eq!(files(&outside.0), Vec::new(), "nothing written outside");
}
