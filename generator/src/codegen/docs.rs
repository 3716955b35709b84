//! Documentation text for generated items: spec prose made safe for rustdoc, and the
//! permission facts every method carries.

use proc_macro2::TokenStream;
use quote::quote;

use crate::api::{Operation, ServicePrincipal, WorkspaceScope};

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
            out.push(sanitize_line(line));
        }
    }
    if in_fence {
        out.push("```".to_owned());
    }
    out.join("\n")
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
            text.push_str(&format!("- `{name}`: {}\n", sanitize(doc)));
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
