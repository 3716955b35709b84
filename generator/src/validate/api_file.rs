//! `api.yaml`: the checks of what holds for a whole API (clouds, token, scopes, errors, paging
//! kinds, long-running protocols, throttling), every problem at once.

use std::collections::BTreeSet;

use crate::api::{ApiDescription, Cloud, ErrorShape, RetryAfter, Throttling, Token};
use crate::diagnostic::Diagnostic;
use crate::naming;
use crate::spec::api_file::{ApiSourceFile, RawCloud, RawThrottling, RawToken};

use super::keywords::{LONG_RUNNING, PAGING};

/// The clouds an API may name, public first: the order `clouds` is kept in.
pub(super) const CLOUDS: &[&str] = &["public", "us_gov", "us_gov_high", "us_gov_dod", "china"];

/// `errors`: the shape of the API's error bodies.
const ERRORS: &[(&str, ErrorShape)] = &[
    ("powerbi", ErrorShape::PowerBi),
    ("fabric", ErrorShape::Fabric),
];

/// `throttling.retry_after`: how `Retry-After` is written.
const RETRY_AFTER: &[(&str, RetryAfter)] = &[
    ("seconds", RetryAfter::Seconds),
    ("seconds_or_date", RetryAfter::SecondsOrDate),
];

/// Checks `api.yaml` and returns the description, or `None` once its problems are reported.
pub(super) fn describe(
    file: &ApiSourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<ApiDescription> {
    let raw = &file.raw;
    let before = diagnostics.len();
    let mut report = |node: &str, message: String| diagnostics.push(file.diagnostic(node, message));
    required_keys(file, &mut report);
    if let Some(name) = &raw.api
        && (!naming::is_snake_case(name) || naming::is_keyword(name))
    {
        report(
            "api",
            format!("`api` '{name}' must be a snake_case name that is not a Rust keyword"),
        );
    }
    if let Some(url) = &raw.docs_url
        && !url.starts_with("https://learn.microsoft.com/")
    {
        report(
            "docs_url",
            format!("`docs_url` must be a https://learn.microsoft.com/ prefix, found '{url}'"),
        );
    }
    check_paths(file, &mut report);
    let clouds = raw
        .clouds
        .as_ref()
        .map(|clouds| check_clouds(clouds, &mut report));
    let token = raw
        .token
        .as_ref()
        .and_then(|token| check_token(token, clouds.as_deref(), &mut report));
    let known_scopes = raw
        .known_scopes
        .as_ref()
        .map(|scopes| check_scopes(scopes, &mut report));
    let errors = raw
        .errors
        .as_deref()
        .and_then(|word| word_of("errors", ERRORS, word, &mut report));
    let paging = raw
        .paging
        .as_ref()
        .map(|words| kinds("paging", PAGING.words, words, &mut report));
    let long_running = (raw.long_running.as_ref())
        .map(|words| kinds("long_running", LONG_RUNNING.words, words, &mut report));
    let throttling = (raw.throttling.as_ref()).and_then(|raw| check_throttling(raw, &mut report));
    if diagnostics.len() > before {
        return None;
    }
    Some(ApiDescription {
        name: raw.api.clone()?,
        title: raw.title.clone()?,
        doc: raw.doc.clone(),
        docs_url: raw.docs_url.clone()?,
        base_path: raw.base_path.clone()?,
        workspace_prefix: raw.workspace_prefix.clone(),
        clouds: clouds?,
        token: token?,
        known_scopes: known_scopes?,
        errors: errors?,
        paging: paging?,
        long_running: long_running?,
        throttling: throttling?,
        reference: raw.reference.clone(),
    })
}

/// The keys every `api.yaml` needs, all missing ones in one message.
fn required_keys(file: &ApiSourceFile, report: &mut impl FnMut(&str, String)) {
    let raw = &file.raw;
    let present = [
        ("api", raw.api.is_some()),
        ("title", raw.title.is_some()),
        ("docs_url", raw.docs_url.is_some()),
        ("base_path", raw.base_path.is_some()),
        ("clouds", raw.clouds.is_some()),
        ("token", raw.token.is_some()),
        ("known_scopes", raw.known_scopes.is_some()),
        ("errors", raw.errors.is_some()),
        ("paging", raw.paging.is_some()),
        ("long_running", raw.long_running.is_some()),
        ("throttling", raw.throttling.is_some()),
    ];
    let missing: Vec<String> = present
        .iter()
        .filter(|(_, present)| !present)
        .map(|(key, _)| format!("`{key}`"))
        .collect();
    if !missing.is_empty() {
        report(
            "",
            format!(
                "missing required key{} {} (see spec/README.md)",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", ")
            ),
        );
    }
}

/// `base_path` and `workspace_prefix` are absolute paths without a trailing slash.
fn check_paths(file: &ApiSourceFile, report: &mut impl FnMut(&str, String)) {
    for (key, path) in [
        ("base_path", &file.raw.base_path),
        ("workspace_prefix", &file.raw.workspace_prefix),
    ] {
        if let Some(path) = path
            && (!path.starts_with('/') || path.ends_with('/') || path.contains("//"))
        {
            report(
                key,
                format!("`{key}` must start with '/' and not end with one, found '{path}'"),
            );
        }
    }
    if let Some(prefix) = &file.raw.workspace_prefix
        && prefix.matches('{').count() != 1
    {
        report(
            "workspace_prefix",
            format!(
                "`workspace_prefix` must hold one `{{id}}` placeholder (the workspace id), found '{prefix}'"
            ),
        );
    }
}

/// Each cloud: a known name, three https URLs; the public cloud is required.
fn check_clouds(
    clouds: &[(String, RawCloud)],
    report: &mut impl FnMut(&str, String),
) -> Vec<Cloud> {
    let mut checked = Vec::new();
    for (name, cloud) in clouds {
        let node = format!("clouds/{name}");
        if !CLOUDS.contains(&name.as_str()) {
            report(
                &node,
                format!(
                    "unknown cloud '{name}'; expected one of: {}",
                    CLOUDS.join(", ")
                ),
            );
            continue;
        }
        let mut urls = Vec::new();
        for (key, url) in [
            ("base_url", &cloud.base_url),
            ("authority", &cloud.authority),
            ("audience", &cloud.audience),
        ] {
            match url {
                None => report(&node, format!("cloud '{name}' lacks `{key}`")),
                Some(url) if !url.starts_with("https://") || url.ends_with('/') => report(
                    &format!("{node}/{key}"),
                    format!(
                        "`{key}` of cloud '{name}' must be an https URL without a trailing '/', found '{url}'"
                    ),
                ),
                Some(url) => urls.push(url.clone()),
            }
        }
        if let [base_url, authority, audience] = urls.as_slice() {
            checked.push(Cloud {
                name: name.clone(),
                base_url: base_url.clone(),
                authority: authority.clone(),
                audience: audience.clone(),
            });
        }
    }
    if !clouds.iter().any(|(name, _)| name == "public") {
        report("clouds", "`clouds` must name the `public` cloud".to_owned());
    }
    checked.sort_by_key(|cloud| CLOUDS.iter().position(|known| *known == cloud.name));
    checked
}

/// The token: its scope is `<audience>/...`, and the public cloud's audience is its audience.
fn check_token(
    token: &RawToken,
    clouds: Option<&[Cloud]>,
    report: &mut impl FnMut(&str, String),
) -> Option<Token> {
    let (Some(audience), Some(scope)) = (&token.audience, &token.scope) else {
        report("token", "`token` needs `audience` and `scope`".to_owned());
        return None;
    };
    let mut ok = true;
    if !scope.starts_with(&format!("{audience}/")) {
        report(
            "token/scope",
            format!("`token.scope` '{scope}' must start with the audience '{audience}/'"),
        );
        ok = false;
    }
    let public = clouds.and_then(|clouds| clouds.iter().find(|cloud| cloud.name == "public"));
    if let Some(public) = public
        && public.audience != *audience
    {
        report(
            "token/audience",
            format!(
                "`token.audience` '{audience}' differs from the public cloud's audience '{}'",
                public.audience
            ),
        );
        ok = false;
    }
    ok.then(|| Token {
        audience: audience.clone(),
        scope: scope.clone(),
        also_accepted: token.also_accepted.clone(),
    })
}

/// Scope names are dotted words (`Dataset.Read.All`), each once.
fn check_scopes(scopes: &[String], report: &mut impl FnMut(&str, String)) -> Vec<String> {
    let mut seen = BTreeSet::new();
    for (index, scope) in scopes.iter().enumerate() {
        let node = format!("known_scopes/{index}");
        let words_ok = scope.split('.').count() >= 2
            && scope
                .split('.')
                .all(|word| !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric()));
        if !words_ok {
            report(
                &node,
                format!("'{scope}' is not a scope name (dotted words such as `Dataset.Read.All`)"),
            );
        } else if !seen.insert(scope.as_str()) {
            report(&node, format!("scope '{scope}' is listed twice"));
        }
    }
    scopes.to_vec()
}

/// A list of paging kinds or long-running protocols: known words, each once, not `none`.
fn kinds<T: Copy>(
    key: &str,
    words: &[(&str, T)],
    listed: &[String],
    report: &mut impl FnMut(&str, String),
) -> Vec<T> {
    let mut kinds = Vec::new();
    let mut seen = BTreeSet::new();
    for (index, word) in listed.iter().enumerate() {
        let node = format!("{key}/{index}");
        let known: Vec<&str> = words
            .iter()
            .map(|(word, _)| *word)
            .filter(|word| *word != "none")
            .collect();
        match words.iter().find(|(known, _)| known == word) {
            Some(_) if word == "none" => {
                report(
                    &node,
                    format!("`{key}` lists what operations may use besides `none`; drop `none`"),
                );
            }
            Some((_, kind)) if seen.insert(word.as_str()) => kinds.push(*kind),
            Some(_) => report(&node, format!("`{key}` lists '{word}' twice")),
            None => report(
                &node,
                format!(
                    "unknown `{key}` kind '{word}'; expected one of: {}",
                    known.join(", ")
                ),
            ),
        }
    }
    kinds
}

/// `throttling`: an error status and how `Retry-After` is written.
fn check_throttling(
    raw: &RawThrottling,
    report: &mut impl FnMut(&str, String),
) -> Option<Throttling> {
    let status = match raw.status {
        Some(status) if (400..600).contains(&status) => Some(status),
        Some(status) => {
            report(
                "throttling/status",
                format!("`throttling.status` must be an error status (4xx or 5xx), found {status}"),
            );
            None
        }
        None => {
            report(
                "throttling",
                "`throttling` needs `status` (429) and `retry_after`".to_owned(),
            );
            None
        }
    };
    let retry_after = match raw.retry_after.as_deref() {
        Some(word) => word_of("throttling/retry_after", RETRY_AFTER, word, report),
        None => {
            report(
                "throttling",
                "`throttling` needs `retry_after` (seconds or seconds_or_date)".to_owned(),
            );
            None
        }
    };
    Some(Throttling {
        status: status?,
        retry_after: retry_after?,
        doc: raw.doc.clone(),
    })
}

/// The meaning of `word` in `words`, or `None` once reported.
fn word_of<T: Copy>(
    node: &str,
    words: &[(&str, T)],
    word: &str,
    report: &mut impl FnMut(&str, String),
) -> Option<T> {
    if let Some((_, value)) = words.iter().find(|(known, _)| *known == word) {
        return Some(*value);
    }
    let known: Vec<&str> = words.iter().map(|(known, _)| *known).collect();
    let key = node.replace('/', ".");
    report(
        node,
        format!(
            "unknown `{key}` value '{word}'; expected one of: {}",
            known.join(", ")
        ),
    );
    None
}

/// An empty description, for the [`crate::api::Api`] validation builds when `api.yaml` has
/// problems (which `load` reports instead of returning that `Api`).
pub(super) fn placeholder() -> ApiDescription {
    ApiDescription {
        name: String::new(),
        title: String::new(),
        doc: None,
        docs_url: String::new(),
        base_path: String::new(),
        workspace_prefix: None,
        clouds: Vec::new(),
        token: Token {
            audience: String::new(),
            scope: String::new(),
            also_accepted: Vec::new(),
        },
        known_scopes: Vec::new(),
        errors: ErrorShape::PowerBi,
        paging: Vec::new(),
        long_running: Vec::new(),
        throttling: Throttling {
            status: 429,
            retry_after: RetryAfter::Seconds,
            doc: None,
        },
        reference: None,
    }
}
