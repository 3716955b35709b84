//! Keys whose value is one word of a fixed list (`method`, `workspace`, `paging`,
//! `long_running`, `service_principal`, `retry`): one table each, one check for all.

use crate::api::{LongRunning, Method, Paging, ServicePrincipal, WorkspaceScope};
use crate::spec::load::SourceFile;

use super::checker::Checker;

/// A keyword key of an operation: its words and what each means.
pub(super) struct Keyword<T: 'static> {
    /// The key, as written in the spec (and the last segment of its node path).
    pub(super) key: &'static str,
    /// Each allowed word and its meaning, in the order messages list them.
    pub(super) words: &'static [(&'static str, T)],
    /// The meaning of an absent key; `None` when the key is required (a missing required key
    /// is reported with the others).
    pub(super) default: Option<T>,
    /// The message for an unknown word, when the generic one does not fit.
    pub(super) unknown: Option<fn(&str) -> String>,
}

/// `method`: upper-case HTTP methods.
pub(super) const METHOD: Keyword<Method> = Keyword {
    key: "method",
    words: &[
        ("GET", Method::Get),
        ("POST", Method::Post),
        ("PUT", Method::Put),
        ("PATCH", Method::Patch),
        ("DELETE", Method::Delete),
    ],
    default: None,
    unknown: Some(|word| {
        format!("unknown HTTP method '{word}'; use GET, POST, PUT, PATCH or DELETE (upper case)")
    }),
};

/// `workspace`: which workspaces an operation addresses.
pub(super) const WORKSPACE: Keyword<WorkspaceScope> = Keyword {
    key: "workspace",
    words: &[
        ("none", WorkspaceScope::None),
        ("my", WorkspaceScope::My),
        ("workspace", WorkspaceScope::Workspace),
        ("both", WorkspaceScope::Both),
    ],
    default: Some(WorkspaceScope::None),
    unknown: None,
};

/// `paging`: how an operation pages.
pub(super) const PAGING: Keyword<Paging> = Keyword {
    key: "paging",
    words: &[
        ("none", Paging::None),
        ("top_skip", Paging::TopSkip),
        ("top", Paging::Top),
        ("continuation", Paging::Continuation),
        ("next_link", Paging::NextLink),
        ("continuation_uri", Paging::ContinuationUri),
    ],
    default: Some(Paging::None),
    unknown: None,
};

/// `long_running`: whether and how an operation runs long.
pub(super) const LONG_RUNNING: Keyword<LongRunning> = Keyword {
    key: "long_running",
    words: &[
        ("none", LongRunning::None),
        ("refresh", LongRunning::Refresh),
        ("export", LongRunning::Export),
        ("import", LongRunning::Import),
        ("pipeline", LongRunning::Pipeline),
        ("scan", LongRunning::Scan),
        ("poll", LongRunning::Poll),
        ("fabric_operation", LongRunning::FabricOperation),
        ("job_instance", LongRunning::JobInstance),
    ],
    default: Some(LongRunning::None),
    unknown: None,
};

/// `service_principal`: support as Microsoft documents it (required).
pub(super) const SERVICE_PRINCIPAL: Keyword<ServicePrincipal> = Keyword {
    key: "service_principal",
    words: &[
        ("yes", ServicePrincipal::Yes),
        ("no", ServicePrincipal::No),
        ("unknown", ServicePrincipal::Unknown),
    ],
    default: None,
    unknown: None,
};

/// `retry`: `safe` when a retry cannot duplicate a side effect.
pub(super) const RETRY_SAFE: Keyword<bool> = Keyword {
    key: "retry",
    words: &[("safe", true), ("default", false)],
    default: Some(false),
    unknown: None,
};

impl Checker<'_, '_> {
    /// The meaning of keyword key `keyword` of the operation at `base`: its default when
    /// absent, `None` (reported) for an unknown word.
    pub(super) fn keyword<T: Copy>(
        &mut self,
        file: &SourceFile,
        (base, item): (&str, &str),
        keyword: &Keyword<T>,
        value: Option<&str>,
    ) -> Option<T> {
        let Some(value) = value else {
            return keyword.default;
        };
        if let Some((_, parsed)) = keyword.words.iter().find(|(word, _)| *word == value) {
            return Some(*parsed);
        }
        let message = match keyword.unknown {
            Some(message) => message(value),
            None => {
                let words: Vec<&str> = keyword.words.iter().map(|(word, _)| *word).collect();
                format!(
                    "unknown `{}` value '{value}'; expected one of: {}",
                    keyword.key,
                    words.join(", ")
                )
            }
        };
        self.report(file, &format!("{base}/{}", keyword.key), item, message);
        None
    }
}
