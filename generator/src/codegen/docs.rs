//! Documentation text for generated items: spec prose made safe for rustdoc, and the
//! permission facts every method carries.

use proc_macro2::TokenStream;
use quote::quote;

use crate::api::{LongRunning, Operation, Response, ServicePrincipal, WorkspaceScope};

/// `#[doc = "..."]` attributes, one per line, so prettyplease prints them as `///` lines.
pub fn attributes(text: &str) -> TokenStream {
    let lines = text.lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// Prose from the spec, made safe for rustdoc: bare URLs become autolinks, `[..]` that is not a
/// link is escaped, angle brackets outside code are escaped, code fences become `text` blocks
/// so Microsoft's samples are never run as doctests.
pub fn sanitize(text: &str) -> String {
    let mut out = Vec::new();
    let mut in_fence = false;
    for line in text.trim().lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            if in_fence {
                out.push("```".to_owned());
            } else {
                out.push("```text".to_owned());
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.to_owned());
        } else {
            let continued = lazy_continuation(out.last().map(String::as_str), line);
            out.push(format!("{continued}{}", sanitize_line(line)));
        }
    }
    if in_fence {
        out.push("```".to_owned());
    }
    out.join("\n")
}

/// What a line that CommonMark reads as the lazy continuation of the quote or list item
/// before it needs in front to say so explicitly (rustdoc's lint asks for it): `> ` or the
/// item's indentation. Empty when the line is not one.
fn lazy_continuation(previous: Option<&str>, line: &str) -> String {
    let (Some(previous), false) = (previous, line.trim().is_empty()) else {
        return String::new();
    };
    let trimmed = line.trim_start();
    if previous.trim_start().starts_with('>') && !trimmed.starts_with('>') {
        return "> ".to_owned();
    }
    let indent = previous.len() - previous.trim_start().len();
    let item = previous.trim_start();
    let marker = if item.starts_with("- ") || item.starts_with("* ") {
        2
    } else {
        let digits = item.bytes().take_while(u8::is_ascii_digit).count();
        match item.as_bytes().get(digits..digits + 2) {
            Some(b". " | b") ") if digits > 0 => digits + 2,
            _ => 0,
        }
    };
    let line_indent = line.len() - trimmed.len();
    let starts_item = trimmed.starts_with("- ")
        || trimmed.starts_with("* ")
        || trimmed.starts_with('>')
        || trimmed.starts_with('#')
        || trimmed.starts_with('|');
    if marker > 0 && line_indent < indent + marker && !starts_item && !is_numbered(trimmed) {
        return " ".repeat(indent + marker - line_indent);
    }
    String::new()
}

/// Whether `text` starts like a numbered list item (`1. `).
fn is_numbered(text: &str) -> bool {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && matches!(text.as_bytes().get(digits..digits + 2), Some(b". " | b") "))
}

fn sanitize_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            rest = &rest[1..];
            continue;
        }
        if in_code {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if rest.starts_with("https://") || rest.starts_with("http://") {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == ')' || c == '>')
                .unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ';']);
            let already_linked = out.ends_with('(') || out.ends_with('<');
            if already_linked {
                out.push_str(url);
            } else {
                out.push('<');
                out.push_str(url);
                out.push('>');
            }
            rest = &rest[url.len()..];
            continue;
        }
        match c {
            '[' if is_markdown_link(rest) => out.push('['),
            '[' => out.push_str("\\["),
            ']' if rest[1..].starts_with('(') => out.push(']'),
            ']' => out.push_str("\\]"),
            '<' => out.push_str("&lt;"),
            '>' if !out.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '/') => out.push('>'),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Whether `text` (starting at `[`) is a markdown link `[label](target)`.
fn is_markdown_link(text: &str) -> bool {
    text.find(']')
        .is_some_and(|close| text[close + 1..].starts_with('(') && !text[1..close].contains('['))
}

/// The documentation of a generated method.
pub fn operation(operation: &Operation, positional: &[(String, Option<String>)]) -> String {
    let mut text = sanitize(&operation.summary);
    text.push_str("\n\n");
    text.push_str(&format!(
        "**Required scope**: {}\n\n",
        scopes(&operation.scopes)
    ));
    text.push_str(&format!(
        "**Service principal**: {}\n\n",
        match operation.service_principal {
            ServicePrincipal::Yes => "supported",
            ServicePrincipal::No => "not supported",
            ServicePrincipal::Unknown => "not documented by Microsoft",
        }
    ));
    match operation.workspace {
        WorkspaceScope::Both => text.push_str("**Workspace**: `Workspace::My` for the caller's \"My workspace\" (not available to service principals), or a workspace id.\n\n"),
        WorkspaceScope::My => text.push_str("**Workspace**: the caller's \"My workspace\" only (not available to service principals).\n\n"),
        WorkspaceScope::Workspace => text.push_str("**Workspace**: the workspace `workspace_id`.\n\n"),
        WorkspaceScope::None => {}
    }
    text.push_str(&fabric_long_running(operation));
    if let Some(limits) = &operation.limits {
        text.push_str(&format!("**Limits**: {}\n\n", sanitize(limits)));
    }
    if let Some(notes) = &operation.notes {
        text.push_str(&sanitize(notes));
        text.push_str("\n\n");
    }
    text.push_str(&body_forms(operation));
    let documented: Vec<_> = positional
        .iter()
        .filter_map(|(name, doc)| doc.as_ref().map(|doc| (name, doc)))
        .collect();
    if !documented.is_empty() {
        text.push_str("# Arguments\n\n");
        for (name, doc) in documented {
            // Later lines of a long doc stay inside its list item.
            let doc = sanitize(doc).replace('\n', "\n  ");
            text.push_str(&format!("- `{name}`: {doc}\n"));
        }
        text.push('\n');
    }
    text.push_str(&format!(
        "Microsoft's documentation: <{}> ({})",
        operation.docs_url,
        operation
            .operation_ids
            .iter()
            .map(|id| format!("`{id}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    text
}

/// How a Fabric long-running method returns (Power BI's kinds say it on their `_job` siblings).
fn fabric_long_running(operation: &Operation) -> String {
    let job = format!("[`{0}_job`](Self::{0}_job)", operation.name);
    match (operation.long_running, &operation.response) {
        (LongRunning::FabricOperation, Response::None) => format!(
            "**Long-running**: waits until the operation succeeded (polling its state, \
             honouring `Retry-After`, at most an hour by default) and returns its final state; \
             an operation that failed is the error. {job} returns the job to watch instead.\n\n"
        ),
        (LongRunning::FabricOperation, _) => format!(
            "**Long-running**: waits until the operation succeeded (polling its state, \
             honouring `Retry-After`, at most an hour by default) and returns its result; an \
             operation that failed is the error. {job} returns the job to watch instead.\n\n"
        ),
        (LongRunning::JobInstance, _) => "**Job**: returns the job instance once the service \
             accepted the run: [`wait`](rt::Job::wait) for its end or \
             [`cancel`](rt::Job::cancel) it.\n\n"
            .to_owned(),
        _ => String::new(),
    }
}

/// The paragraph that links an operation and its other body forms (`body_form_of`): the same
/// Microsoft operation, sent with another request body.
fn body_forms(operation: &Operation) -> String {
    let link = |name: &String| format!("[`{name}`](Self::{name})");
    if let Some(primary) = &operation.body_form_of {
        return format!(
            "**Body form**: the same Microsoft operation as {} (same method and path), sent \
             with this body instead.\n\n",
            link(primary)
        );
    }
    if operation.body_forms.is_empty() {
        return String::new();
    }
    let forms: Vec<String> = operation.body_forms.iter().map(link).collect();
    format!(
        "**Other body forms**: {} send{} the same Microsoft operation with another body.\n\n",
        forms.join(", "),
        if forms.len() == 1 { "s" } else { "" }
    )
}

/// `A` or `B`, with `all of` sets: "`A` or `B`", "`A` and `B`", "none documented".
pub fn scopes(sets: &[Vec<String>]) -> String {
    if sets.is_empty() {
        return "none documented".to_owned();
    }
    sets.iter()
        .map(|set| {
            set.iter()
                .map(|scope| format!("`{scope}`"))
                .collect::<Vec<_>>()
                .join(" and ")
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn lazy_continuations_are_made_explicit_without_changing_their_meaning() {
        assert_eq!(
            sanitize("> [!NOTE]\n> A note.\n**Still the note.**\n\nAfter it."),
            "> \\[!NOTE\\]\n> A note.\n> **Still the note.**\n\nAfter it."
        );
        assert_eq!(
            sanitize("- one\nstill one\n- two\n1. first\nstill first"),
            "- one\n  still one\n- two\n1. first\n   still first"
        );
    }
}
