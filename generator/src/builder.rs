//! The by-value builder a `build.rs` uses: read the spec folder, generate, write if changed.

use std::path::{Path, PathBuf};

use crate::{Error, HostCrate, ModelsLayout};

/// Generates a Power BI client from a spec folder, for a `build.rs`.
///
/// Defaults suit a crate other than `powerbi` that depends on it: the runtime is reached as
/// `::powerbi::runtime`, every category is generated, the output is `$OUT_DIR/powerbi.rs`, and
/// `cargo:rerun-if-changed` lines are printed for the folder and each spec file.
#[derive(Debug, Clone)]
#[must_use = "a Builder does nothing until `generate` is called"]
pub struct Builder {
    /// The spec folder, or `None` for the spec bundled in this crate.
    spec_dir: Option<PathBuf>,
    categories: Option<Vec<String>>,
    host: HostCrate,
    out_dir: Option<PathBuf>,
    file_name: String,
    rerun_if_changed: bool,
}

impl Builder {
    /// Generates from the `*.yaml` files of `spec_dir`.
    pub fn new(spec_dir: impl Into<PathBuf>) -> Self {
        Builder {
            spec_dir: Some(spec_dir.into()),
            categories: None,
            host: HostCrate::external(),
            out_dir: None,
            file_name: "powerbi.rs".to_owned(),
            rerun_if_changed: true,
        }
    }

    /// Generates from the spec bundled in this crate ([`crate::bundled`]): the one the same
    /// version of `powerbi` is generated from. Nothing to point at and nothing to watch, so a
    /// registry install needs no checkout of the repository.
    pub fn bundled() -> Self {
        Builder {
            spec_dir: None,
            ..Builder::new(PathBuf::new())
        }
    }

    /// Generates only these categories (by their `category` name) and the models they use.
    pub fn categories<I, S>(mut self, categories: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.categories = Some(categories.into_iter().map(Into::into).collect());
        self
    }

    /// The path through which generated code reaches the runtime (default
    /// `::powerbi::runtime`; the `powerbi` crate itself uses `crate::runtime`).
    pub fn runtime_path(mut self, path: impl Into<String>) -> Self {
        self.host.runtime_path = path.into();
        self
    }

    /// Adds `client.datasets()`-style accessors as inherent methods of `PowerBiClient`. Only the
    /// `powerbi` crate itself can do that; other crates get the `CategoryClients` trait.
    pub fn inherent_accessors(mut self, inherent: bool) -> Self {
        self.host.inherent_accessors = inherent;
        self
    }

    /// Puts each category (and the models only it uses) behind a cargo feature named like the
    /// category; the crate must then declare those features.
    pub fn feature_gates(mut self, gates: bool) -> Self {
        self.host.feature_gates = gates;
        self
    }

    /// What precedes each category's name in its feature's name (default none; the `powerbi`
    /// crate gates Fabric's categories as `fabric_<category>`). Only with
    /// [`feature_gates`](Self::feature_gates).
    pub fn feature_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.host.feature_prefix = prefix.into();
        self
    }

    /// Every host setting at once (what [`Builder::runtime_path`],
    /// [`Builder::inherent_accessors`], [`Builder::feature_gates`], [`Builder::feature_prefix`]
    /// and [`Builder::models`] set one by one): the build scripts of this repository's crates
    /// pass the same [`HostCrate`] its snapshot test renders with
    /// (`HostCrate::powerbi_models()`, ...), so the two cannot drift apart.
    pub fn host(mut self, host: HostCrate) -> Self {
        self.host = host;
        self
    }

    /// Where the models go (default [`ModelsLayout::Module`]: a `models` module in the same
    /// file). `powerbi` generates them alone into `powerbi-models` and re-exports them.
    pub fn models(mut self, layout: ModelsLayout) -> Self {
        self.host.models = layout;
        self
    }

    /// Where to write (default: the `OUT_DIR` cargo gives build scripts).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The generated file's name (default `powerbi.rs`).
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = name.into();
        self
    }

    /// Whether to print `cargo:rerun-if-changed` lines (default true).
    pub fn rerun_if_changed(mut self, emit: bool) -> Self {
        self.rerun_if_changed = emit;
        self
    }

    /// Reads, validates and generates; writes each file only when its bytes change, so an
    /// unchanged spec never makes cargo recompile the crate. Returns the root file's path. With
    /// [`HostCrate::category_files`] the root includes the files of the folder named like it
    /// ([`crate::render_files`]), and files left there from another spec are removed.
    pub fn generate(self) -> Result<PathBuf, Error> {
        let host = self.host.clone();
        let file_name = self.file_name.clone();
        self.write_generated(|api| crate::render_files(api, &host, &file_name))
    }

    /// Instead of the client, generates only the example dispatch that the tests proving
    /// `powerbi` against Microsoft's examples drive (see [`crate::render_example_dispatch`]),
    /// reaching their support module at `support_path` (`crate::example_support`). It calls
    /// `::powerbi` itself, so the host settings (`runtime_path`, ...) do not apply.
    pub fn generate_example_dispatch(self, support_path: &str) -> Result<PathBuf, Error> {
        let file_name = PathBuf::from(&self.file_name);
        self.write_generated(|api| {
            let text = crate::render_example_dispatch(api, support_path)?;
            Ok(vec![crate::GeneratedFile {
                path: file_name,
                text,
            }])
        })
    }

    /// Reads and validates the spec, keeps the chosen categories, and writes what `render`
    /// makes of them.
    fn write_generated(
        self,
        render: impl FnOnce(&crate::api::Api) -> Result<Vec<crate::GeneratedFile>, Error>,
    ) -> Result<PathBuf, Error> {
        let out_dir = self.output_dir()?;
        let sources = match &self.spec_dir {
            Some(dir) => crate::read_spec_dir(dir)?,
            None => crate::bundled::sources(),
        };
        if let (true, Some(dir)) = (self.rerun_if_changed, &self.spec_dir) {
            println!("cargo:rerun-if-changed={}", dir.display());
            for source in &sources {
                println!("cargo:rerun-if-changed={}", source.path.display());
            }
        }
        let mut api = crate::load(&sources)?;
        if let Some(categories) = &self.categories {
            api = crate::select(&api, categories)?;
        }
        write_files(&out_dir, &render(&api)?)?;
        Ok(out_dir.join(&self.file_name))
    }
}

impl Builder {
    /// Instead of generating, copies already generated code (a checked-in snapshot) to the
    /// output: for a packaged crate whose spec folder is not part of the package. With
    /// [`HostCrate::category_files`], the `.rs` files of the folder named like `snapshot`
    /// beside it (`snapshot/powerbi/` for `snapshot/powerbi.rs`) go with it, into the folder
    /// named like the output file.
    pub fn generate_from_snapshot(self, snapshot: impl AsRef<Path>) -> Result<PathBuf, Error> {
        let snapshot = snapshot.as_ref();
        let out_dir = self.output_dir()?;
        if self.rerun_if_changed {
            println!("cargo:rerun-if-changed={}", snapshot.display());
        }
        let read =
            |path: &Path| std::fs::read_to_string(path).map_err(|error| Error::io(path, &error));
        let mut files = vec![crate::GeneratedFile {
            path: PathBuf::from(&self.file_name),
            text: read(snapshot)?,
        }];
        if self.host.category_files {
            let folder = crate::category_folder(snapshot)?;
            if self.rerun_if_changed {
                println!("cargo:rerun-if-changed={}", folder.display());
            }
            let out_folder = crate::category_folder(Path::new(&self.file_name))?;
            for path in rust_files(&folder)? {
                let name = path.file_name().unwrap_or_default();
                files.push(crate::GeneratedFile {
                    path: out_folder.join(name),
                    text: read(&path)?,
                });
            }
        }
        write_files(&out_dir, &files)?;
        Ok(out_dir.join(&self.file_name))
    }

    /// Generates from the spec folder when it exists ([`Builder::generate`]), or else copies
    /// `snapshot` ([`Builder::generate_from_snapshot`]): one build script for a crate that
    /// generates from the spec in its repository and ships the checked-in snapshot in its
    /// package, which has no spec folder. With the bundled spec (no [`Builder::new`] folder) it
    /// always generates.
    pub fn generate_or_copy_snapshot(self, snapshot: impl AsRef<Path>) -> Result<PathBuf, Error> {
        match &self.spec_dir {
            Some(dir) if !dir.is_dir() => self.generate_from_snapshot(snapshot),
            _ => self.generate(),
        }
    }

    fn output_dir(&self) -> Result<PathBuf, Error> {
        self.out_dir
            .clone()
            .or_else(|| std::env::var_os("OUT_DIR").map(PathBuf::from))
            .ok_or_else(|| {
                Error::Config(
                    "no output folder: call `out_dir` or run from a build script".to_owned(),
                )
            })
    }
}

/// Writes each file under `out_dir` ([`write_if_changed`]), and removes the other `.rs` files
/// of the folders they go into below it: a category the spec no longer has leaves no file.
fn write_files(out_dir: &Path, files: &[crate::GeneratedFile]) -> Result<(), Error> {
    for file in files {
        write_if_changed(&out_dir.join(&file.path), &file.text)?;
    }
    let written: Vec<PathBuf> = files.iter().map(|file| out_dir.join(&file.path)).collect();
    let mut folders: Vec<&Path> = files
        .iter()
        .filter_map(|file| file.path.parent())
        .filter(|folder| !folder.as_os_str().is_empty())
        .collect();
    folders.sort();
    folders.dedup();
    for folder in folders {
        for path in rust_files(&out_dir.join(folder))? {
            if !written.contains(&path) {
                std::fs::remove_file(&path).map_err(|error| Error::io(&path, &error))?;
            }
        }
    }
    Ok(())
}

/// The `.rs` files of `folder`, sorted; none when it does not exist.
fn rust_files(folder: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(Error::io(folder, &error)),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(|error| Error::io(folder, &error))?.path();
        if path.extension().is_some_and(|extension| extension == "rs") {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

/// Writes `text` unless the file already holds exactly it.
pub(crate) fn write_if_changed(path: &Path, text: &str) -> Result<(), Error> {
    if std::fs::read(path).is_ok_and(|existing| existing == text.as_bytes()) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|error| Error::io(parent, &error))?;
    }
    std::fs::write(path, text).map_err(|error| Error::io(path, &error))
}
