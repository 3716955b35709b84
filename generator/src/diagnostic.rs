//! Problems found in a spec, each pinned to a file, line and column.

use std::fmt;
use std::path::PathBuf;

/// Where in the spec a problem (or an item) sits.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// The spec file, as the caller named it (for example `spec/powerbi/datasets.yaml`).
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// One problem in the spec: where, in which item, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// Where the problem is.
    pub location: Location,
    /// The item it concerns, for example `operation 'get_dataset'` or `model 'Dataset'`.
    pub item: String,
    /// What is wrong and, where possible, how to fix it.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.location.file.display(),
            self.location.line,
            self.location.column,
            self.item,
            self.message
        )
    }
}

/// Everything that stopped generation: spec problems (all of them at once) or an I/O failure.
#[derive(Clone, PartialEq, Eq)]
pub enum Error {
    /// The spec has problems; every one found is listed, sorted by file and line.
    Spec(Vec<Diagnostic>),
    /// A file could not be read or written.
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The operating system's message.
        message: String,
    },
    /// The builder was configured wrongly (for example no output folder).
    Config(String),
}

impl Error {
    /// The spec problems, if this error is about the spec.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Error::Spec(diagnostics) => diagnostics,
            _ => &[],
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, error: &std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            message: error.to_string(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Spec(diagnostics) => {
                writeln!(f, "the spec has {} problem(s):", diagnostics.len())?;
                for diagnostic in diagnostics {
                    writeln!(f, "{diagnostic}")?;
                }
                Ok(())
            }
            Error::Io { path, message } => write!(f, "{}: {message}", path.display()),
            Error::Config(message) => write!(f, "powerbi-codegen configuration: {message}"),
        }
    }
}

// `fn main() -> Result<(), Error>` in a build script prints the error with `Debug`: make that
// the readable list too.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {}
