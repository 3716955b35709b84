//! Microsoft's JSON files, read once each, and `$ref`s followed across them: `#/definitions/X`
//! in the same file, `./definitions.json#/definitions/X` and `../common/definitions.json#/...`
//! beside it (Fabric's folder layout). The files are not trusted: a missing key, an odd type
//! or a reference to nowhere is an error naming the file, never a panic.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use crate::Error;

/// The largest description file read (Power BI's is 2 MB, Fabric's largest a few hundred KB).
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// How many `$ref`s a chain may follow before it is taken for a loop.
const MAX_REF_HOPS: usize = 32;

/// The files of one description, by normalized path.
#[derive(Debug, Default)]
pub struct Documents {
    files: BTreeMap<PathBuf, Value>,
}

impl Documents {
    /// The JSON of `path`, read on first use.
    pub fn file(&mut self, path: &Path) -> Result<&Value, Error> {
        let key = case_insensitive(&normalize(path));
        if !self.files.contains_key(&key) {
            let value = read_json(&key)?;
            self.files.insert(key.clone(), value);
        }
        self.files
            .get(&key)
            .ok_or_else(|| Error::Config(format!("{}: not read", key.display())))
    }

    /// Follows a `$ref` written in `from`: the file it lands in and the value there. Chains of
    /// references are followed to the end.
    pub fn resolve(&mut self, from: &Path, reference: &str) -> Result<(PathBuf, Value), Error> {
        let mut file = normalize(from);
        let mut reference = reference.to_owned();
        for _ in 0..MAX_REF_HOPS {
            let (target_file, pointer) = split_reference(&file, &reference);
            let document = self.file(&target_file)?;
            let value = document.pointer(&pointer).cloned().ok_or_else(|| {
                Error::Config(format!(
                    "{}: `$ref` '{reference}' points at nothing",
                    file.display()
                ))
            })?;
            file = target_file;
            match value.get("$ref").and_then(Value::as_str) {
                Some(next) => reference = next.to_owned(),
                None => return Ok((file, value)),
            }
        }
        Err(Error::Config(format!(
            "{}: `$ref` '{reference}' goes round in a loop",
            file.display()
        )))
    }
}

/// The name a `$ref` gives its target: the last segment (`#/definitions/Tile` → `Tile`).
pub fn reference_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

/// The file and JSON pointer of a reference written in `from`.
fn split_reference(from: &Path, reference: &str) -> (PathBuf, String) {
    let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let target = if file.is_empty() {
        from.to_path_buf()
    } else {
        normalize(&from.parent().unwrap_or(Path::new("")).join(file))
    };
    (target, fragment.to_owned())
}

/// `a/b/../c/./d` → `a/c/d`, without touching the disk (so a missing file is reported by
/// its path, not as a canonicalization failure).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last = out.components().next_back();
                if matches!(last, None | Some(Component::ParentDir)) {
                    out.push("..");
                } else {
                    out.pop();
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` as it exists on disk when only the letter case differs (Fabric's platform area
/// references `../Common/definitions.json`, the folder is `common/`); else `path` unchanged.
fn case_insensitive(path: &Path) -> PathBuf {
    if path.exists() {
        return path.to_path_buf();
    }
    let mut found = PathBuf::new();
    for component in path.components() {
        let exact = found.join(component);
        if exact.exists() || !matches!(component, Component::Normal(_)) {
            found = exact;
            continue;
        }
        let dir = if found.as_os_str().is_empty() {
            Path::new(".")
        } else {
            found.as_path()
        };
        let wanted = component.as_os_str().to_string_lossy().to_ascii_lowercase();
        let matched = std::fs::read_dir(dir).ok().and_then(|entries| {
            entries
                .flatten()
                .map(|entry| entry.file_name())
                .find(|name| name.to_string_lossy().to_ascii_lowercase() == wanted)
        });
        match matched {
            Some(name) => found.push(name),
            None => return path.to_path_buf(),
        }
    }
    found
}

/// Reads and parses one JSON file, bounded.
fn read_json(path: &Path) -> Result<Value, Error> {
    let metadata = std::fs::metadata(path).map_err(|error| Error::io(path, &error))?;
    if metadata.len() > MAX_FILE_BYTES {
        return Err(Error::Config(format!(
            "{}: {} bytes is more than a description file may hold ({MAX_FILE_BYTES})",
            path.display(),
            metadata.len()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|error| Error::io(path, &error))?;
    serde_json::from_str(&text)
        .map_err(|error| Error::Config(format!("{}: not JSON: {error}", path.display())))
}
