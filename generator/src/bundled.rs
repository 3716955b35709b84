//! The curated spec this release of `powerbi-codegen` ships: the `spec/` folder of the
//! repository at release time, which the same version of `powerbi` is generated from.
//!
//! A registry install has no checkout to point [`crate::Builder::new`] at, so it generates from
//! this copy ([`crate::Builder::bundled`]; the CLI when `--spec` is left out), or writes it to a
//! folder to edit ([`export`]; `powerbi-codegen spec export DIR`).
//! The files carry descriptions derived from Microsoft's description of the API (MIT): see
//! `THIRD-PARTY-NOTICES` in the package.

use std::path::{Path, PathBuf};

use crate::{Error, SourceText, coverage};

/// Every file of the bundled spec folder, `(path, text)`, sorted by path: the `README.md` that
/// documents the format, then each API's files as `<api>/<file>.yaml` (its `api.yaml`,
/// categories, shared models, coverage exclusions).
pub const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/bundled_spec.rs"));

/// The API whose spec [`sources`] returns: the one the `powerbi` crate is generated from.
pub const API: &str = "powerbi";

/// The bundled Power BI spec ([`API`]) as [`crate::load`] takes it: the files
/// [`crate::read_spec_dir`] would read from an exported copy's `powerbi/` folder, in the same
/// order and with the same names (`spec/powerbi/<file>`).
pub fn sources() -> Vec<SourceText> {
    FILES
        .iter()
        .filter_map(|(name, text)| {
            let file = name.strip_prefix(API)?.strip_prefix('/')?;
            (file.ends_with(".yaml") && file != coverage::EXCLUDED_FILE).then(|| SourceText {
                path: Path::new("spec").join(API).join(file),
                text: (*text).to_owned(),
            })
        })
        .collect()
}

/// Writes every bundled file into `dir` (created if missing) and returns their paths. Refuses
/// to overwrite a file whose contents differ, so an edited copy is never lost.
pub fn export(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    std::fs::create_dir_all(dir).map_err(|error| Error::io(dir, &error))?;
    let mut written = Vec::with_capacity(FILES.len());
    for (name, text) in FILES {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|error| Error::io(parent, &error))?;
        }
        match std::fs::read(&path) {
            Ok(existing) if existing == text.as_bytes() => {}
            Ok(_) => {
                return Err(Error::Config(format!(
                    "{} exists and differs from the bundled spec; export into an empty folder",
                    path.display()
                )));
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                std::fs::write(&path, text).map_err(|error| Error::io(&path, &error))?;
            }
            Err(error) => return Err(Error::io(&path, &error)),
        }
        written.push(path);
    }
    Ok(written)
}
