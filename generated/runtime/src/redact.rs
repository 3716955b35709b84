//! The one redactor for URLs in errors, logs and `Debug` output.
//!
//! A URL keeps its scheme, host, port and path; its user info (`user:password@`), query string
//! (a signed URL's `sig=`, a continuation token, an `api-version`) and fragment are removed.
//! [`url()`] redacts a parsed URL, [`text()`] every URL inside free text (an error message, a
//! `Debug` rendering), and also masks a `sig=` value that appears without its URL.
//!
//! A generated model's `Debug` prints [`Redacted`] in place of each field the spec marks
//! `secret: true` (an embed token, a password, a key, a connection string with a key in it).
//!
//! [`Error`], [`ApiError`] and [`AuthError`] pass their `Display` and `Debug` output through
//! [`text()`], so no variant can carry a signed URL or a password into a log line, whatever
//! string it was built from.

use std::borrow::Cow;
use std::fmt;

use super::{ApiError, AuthError, Error};

use powerbi_types::redact::MARKER;
pub use powerbi_types::redact::Redacted;

/// `scheme://host:port/path` of `url`: no user info, query or fragment.
pub fn url(url: &url::Url) -> String {
    let mut kept = url.clone();
    // A URL that cannot have user info (`data:`, `mailto:`) has none to remove.
    let _ = kept.set_username("");
    let _ = kept.set_password(None);
    kept.set_query(None);
    kept.set_fragment(None);
    kept.into()
}

/// `text` with every URL in it (anything of the form `scheme://...`) reduced to scheme, host,
/// port and path, and any `sig=` value masked. Borrowed when nothing needed redacting.
pub fn text(text: &str) -> Cow<'_, str> {
    let urls = strip_urls(text);
    match mask_signatures(&urls) {
        Cow::Borrowed(_) => urls,
        Cow::Owned(masked) => Cow::Owned(masked),
    }
}

/// Writes `rendered` redacted to `f` (for `Display` and `Debug` impls that render first).
pub(crate) fn write(f: &mut fmt::Formatter<'_>, rendered: &str) -> fmt::Result {
    f.write_str(&text(rendered))
}

/// Renders a `Debug` impl (keeping `{:#?}`) and writes the result redacted.
fn debug(
    f: &mut fmt::Formatter<'_>,
    render: impl Fn(&mut fmt::Formatter<'_>) -> fmt::Result,
) -> fmt::Result {
    struct Render<F>(F);
    impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> fmt::Debug for Render<F> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            (self.0)(f)
        }
    }
    let rendered = if f.alternate() {
        format!("{:#?}", Render(render))
    } else {
        format!("{:?}", Render(render))
    };
    write(f, &rendered)
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug(f, |f| match self {
            Error::Api(api) => f.debug_tuple("Api").field(api).finish(),
            Error::Auth(auth) => f.debug_tuple("Auth").field(auth).finish(),
            Error::Transport {
                operation,
                host,
                message,
                source,
            } => f
                .debug_struct("Transport")
                .field("operation", operation)
                .field("host", host)
                .field("message", message)
                .field("source", source)
                .finish(),
            Error::Timeout {
                operation,
                host,
                after,
                limit,
                source,
            } => f
                .debug_struct("Timeout")
                .field("operation", operation)
                .field("host", host)
                .field("after", after)
                .field("limit", limit)
                .field("source", source)
                .finish(),
            Error::ResponseTooLarge {
                operation,
                host,
                limit,
                declared,
            } => f
                .debug_struct("ResponseTooLarge")
                .field("operation", operation)
                .field("host", host)
                .field("limit", limit)
                .field("declared", declared)
                .finish(),
            Error::Unusable {
                operation,
                field,
                message,
                request_id,
            } => f
                .debug_struct("Unusable")
                .field("operation", operation)
                .field("field", field)
                .field("message", message)
                .field("request_id", request_id)
                .finish(),
            Error::Decode {
                operation,
                path,
                message,
                request_id,
            } => f
                .debug_struct("Decode")
                .field("operation", operation)
                .field("path", path)
                .field("message", message)
                .field("request_id", request_id)
                .finish(),
            Error::InvalidRequest(text) => f.debug_tuple("InvalidRequest").field(text).finish(),
            Error::Config(text) => f.debug_tuple("Config").field(text).finish(),
        })
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug(f, |f| {
            f.debug_struct("ApiError")
                .field("operation", &self.operation)
                .field("request", &self.request)
                .field("status", &self.status)
                .field("code", &self.code)
                .field("message", &self.message)
                .field("request_id", &self.request_id)
                .field("retry_after", &self.retry_after)
                .field("body_snippet", &self.body_snippet)
                .field("hint", &self.hint)
                .finish()
        })
    }
}

impl fmt::Debug for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug(f, |f| {
            f.debug_struct("AuthError")
                .field("credential", &self.credential)
                .field("status", &self.status)
                .field("error", &self.error)
                .field("aadsts", &self.aadsts)
                .field("description", &self.description)
                .field("trace_id", &self.trace_id)
                .field("correlation_id", &self.correlation_id)
                .field("hint", &self.hint)
                .finish()
        })
    }
}

/// Where a URL found in free text ends: whitespace, quotes, angle brackets, backticks and
/// backslashes (a quote escaped by `Debug`) never belong to one.
fn ends_url(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`' | '\\')
}

fn strip_urls(text: &str) -> Cow<'_, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(marker) = rest.find("://") {
        // The scheme: the letters, digits, `+`, `-` and `.` just before `://`.
        let scheme_start = rest[..marker]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            .last()
            .map_or(marker, |(index, _)| index);
        let after = marker + 3;
        let end = rest[after..]
            .find(ends_url)
            .map_or(rest.len(), |index| after + index);
        out.push_str(&rest[..after]);
        let body = &rest[after..end];
        // Authority: up to the first `/`, `?` or `#`; user info is everything up to its last `@`.
        let authority_end = body.find(['/', '?', '#']).unwrap_or(body.len());
        let authority = &body[..authority_end];
        let host = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let tail = &body[authority_end..];
        let path = &tail[..tail.find(['?', '#']).unwrap_or(tail.len())];
        if scheme_start < marker && (host.len() != authority.len() || path.len() != tail.len()) {
            changed = true;
        }
        if scheme_start < marker {
            out.push_str(host);
            out.push_str(path);
            // Punctuation that closes the sentence around the URL (`(url): ...`) stays.
            let dropped = &tail[path.len()..];
            let closing = dropped.trim_end_matches([')', ']', ',', '.', ':', ';']);
            if path.len() != tail.len() || host.len() != authority.len() {
                out.push_str(&dropped[closing.len()..]);
            }
        } else {
            out.push_str(body);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

/// Masks the value of every `sig=` (any case), the signature of a shared access signature,
/// wherever it appears without its URL (a bare query string, a form).
fn mask_signatures(text: &str) -> Cow<'_, str> {
    const KEY: &str = "sig=";
    let lower = text.to_ascii_lowercase();
    if !lower.contains(KEY) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut position = 0;
    let mut changed = false;
    while let Some(found) = lower[position..].find(KEY) {
        let value_start = position + found + KEY.len();
        let value_end = text[value_start..]
            .find(|c: char| ends_url(c) || matches!(c, '&' | ';' | ',' | ')'))
            .map_or(text.len(), |index| value_start + index);
        out.push_str(&text[position..value_start]);
        if value_end > value_start {
            out.push_str(MARKER);
            changed = true;
        }
        position = value_end;
    }
    out.push_str(&text[position..]);
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A URL with every kind of secret a URL can carry.
    const LEAKY: &str = "https://user:pass@blob.example:443/c/f.pbix?sv=2020&sig=SECRET&se=1";

    fn every_error() -> Vec<Error> {
        let leaky = || format!("failed at {LEAKY} (bare ?sig=SECRET too)");
        let api = ApiError {
            operation: "import_file",
            request: leaky(),
            status: 400,
            code: Some(leaky()),
            message: Some(leaky()),
            request_id: Some(leaky()),
            retry_after: None,
            body_snippet: leaky(),
            hint: Some(leaky()),
            more_details: vec![crate::ErrorDetail {
                code: Some(leaky()),
                message: Some(leaky()),
                related_resource: Some(crate::RelatedResource {
                    resource_id: leaky(),
                    resource_type: leaky(),
                }),
            }],
            related_resource: None,
            is_retriable: None,
        };
        let auth = AuthError {
            credential: "client secret",
            status: Some(401),
            error: Some(leaky()),
            aadsts: None,
            description: Some(leaky()),
            trace_id: Some(leaky()),
            correlation_id: Some(leaky()),
            hint: None,
        };
        vec![
            Error::Api(Box::new(api)),
            Error::Auth(Box::new(auth)),
            Error::Transport {
                operation: "import_file",
                host: leaky(),
                message: leaky(),
                source: None,
            },
            Error::Timeout {
                operation: "import_file",
                host: leaky(),
                after: std::time::Duration::from_secs(1),
                limit: crate::TimeoutKind::Idle,
                source: None,
            },
            Error::ResponseTooLarge {
                operation: "import_file",
                host: leaky(),
                limit: 1,
                declared: Some(2),
            },
            Error::Unusable {
                operation: "import_file",
                field: leaky(),
                message: leaky(),
                request_id: leaky(),
            },
            Error::Decode {
                operation: "import_file",
                path: leaky(),
                message: leaky(),
                request_id: leaky(),
            },
            Error::InvalidRequest(leaky()),
            Error::Config(leaky()),
        ]
    }

    #[test]
    fn links_and_tokens_of_the_service_are_redacted_in_debug() {
        let page = crate::Page::<u8> {
            items: vec![1],
            continuation_token: Some("SECRET-TOKEN".to_owned()),
            next_link: Some("https://user:pass@wabi.analysis.windows.net/x?sig=SECRET".to_owned()),
            last_result_set: None,
        };
        let cloud = crate::Cloud::custom(
            "https://user:pass@login.example/?sig=SECRET"
                .parse()
                .expect("a URL"),
            "https://api.example/?sig=SECRET".parse().expect("a URL"),
        );
        for rendering in [
            format!("{page:?}"),
            format!("{cloud:?}"),
            format!("{cloud:#?}"),
        ] {
            for secret in ["SECRET", "pass@"] {
                assert!(!rendering.contains(secret), "{rendering}");
            }
        }
        assert!(format!("{page:?}").contains("wabi.analysis.windows.net/x"));
    }

    #[test]
    fn every_error_kind_is_redacted_in_display_and_debug() {
        let errors = every_error();
        // One of each variant: a new variant must be added above (the match makes it fail to
        // compile otherwise).
        for error in &errors {
            match error {
                Error::Api(_)
                | Error::Auth(_)
                | Error::Transport { .. }
                | Error::Timeout { .. }
                | Error::ResponseTooLarge { .. }
                | Error::Decode { .. }
                | Error::Unusable { .. }
                | Error::InvalidRequest(_)
                | Error::Config(_) => {}
            }
        }
        for error in &errors {
            let renderings = [
                error.to_string(),
                format!("{error:?}"),
                format!("{error:#?}"),
                match error {
                    Error::Api(api) => format!("{api} {api:?}"),
                    Error::Auth(auth) => format!("{auth} {auth:?}"),
                    _ => String::new(),
                },
            ];
            for rendered in renderings {
                assert!(!rendered.contains("SECRET"), "{rendered}");
                assert!(!rendered.contains("user:pass"), "{rendered}");
                assert!(!rendered.contains("pass@"), "{rendered}");
                if !rendered.is_empty() {
                    assert!(
                        rendered.contains("https://blob.example:443/c/f.pbix"),
                        "{rendered}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_parsed_url_keeps_scheme_host_port_and_path() {
        let parsed = url::Url::parse(
            "https://user:pass@blob.example:8443/container/file.pbix?sv=1&sig=SECRET#x",
        )
        .expect("parses");
        assert_eq!(
            url(&parsed),
            "https://blob.example:8443/container/file.pbix"
        );
    }

    #[test]
    fn urls_in_text_lose_user_info_and_query() {
        let message = "error sending request for url (https://user:pass@blob.example/c/f?sv=1&sig=SECRET): timed out";
        assert_eq!(
            text(message),
            "error sending request for url (https://blob.example/c/f): timed out"
        );
        let debug = format!("{:?}", "see http://[::1]:8080/a?token=abc\" and ftp://u@h");
        let redacted = text(&debug);
        assert!(!redacted.contains("token=abc"), "{redacted}");
        assert!(!redacted.contains("u@h"), "{redacted}");
        assert!(redacted.contains("http://[::1]:8080/a"), "{redacted}");
    }

    #[test]
    fn a_bare_signature_is_masked() {
        assert_eq!(text("?sv=1&SIG=abc%2F&se=2"), "?sv=1&SIG=REDACTED&se=2");
        assert_eq!(text("sig="), "sig=");
    }

    #[test]
    fn text_without_urls_is_borrowed() {
        assert!(matches!(
            text("HTTP 404 (GET /v1.0/myorg/groups)"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(
            text("https://api.powerbi.com/v1.0/myorg"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn odd_text_never_panics() {
        for sample in [
            "://",
            "a://",
            "://@?#",
            "é://ü@ñ?sig=ß",
            "x://a@b@c/d?e#f",
            "sig=sig=sig=",
        ] {
            let _ = text(sample);
        }
    }
}
