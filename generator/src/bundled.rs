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

/// Every file of the bundled spec folder, `(file name, text)`, sorted by name: the `*.yaml`
/// files (categories, shared models, the coverage exclusions) and the `README.md` that
/// documents their keys.
pub const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/bundled_spec.rs"));

/// The bundled spec as [`crate::load`] takes it: the files [`crate::read_spec_dir`] would read
/// from an exported copy, in the same order and with the same names (`spec/<file>`).
pub fn sources() -> Vec<SourceText> {
    FILES
        .iter()
        .filter(|(name, _)| name.ends_with(".yaml") && *name != coverage::EXCLUDED_FILE)
        .map(|(name, text)| SourceText {
            path: Path::new("spec").join(name),
            text: (*text).to_owned(),
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
