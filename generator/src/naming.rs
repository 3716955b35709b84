//! Rust names derived from spec names: snake_case members, PascalCase types, keywords left to codegen (`codegen::idents`).

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust's strict and reserved keywords (edition 2024).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

/// Prelude and std names a generated type must not shadow inside generated modules.
pub const SHADOWING_TYPE_NAMES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "Default",
    "Clone",
    "Debug",
    "PartialEq",
    "Send",
    "Sync",
    "Sized",
];

/// Whether `name` is a Rust keyword.
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// The snake_case member name for a wire name: `webUrl` → `web_url`, `$top` → `top`,
/// `@odata.context` → `odata_context`. Not yet escaped.
pub fn member_name(wire: &str) -> String {
    let cleaned: String = wire
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let snake = cleaned.to_snake_case();
    if snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{snake}")
    } else {
        snake
    }
}

/// A member name that Rust cannot take even as a raw identifier gets a `_` (`self` →
/// `self_`); any other name, keywords included, stays as spelled: codegen writes a keyword as
/// a raw identifier (`r#type`) where it names the member.
pub fn escape_member(name: &str) -> String {
    if NOT_RAW.contains(&name) {
        format!("{name}_")
    } else {
        name.to_owned()
    }
}

/// The PascalCase variant name for an enum wire value: `MailOnFailure` → `MailOnFailure`,
/// `read-only` → `ReadOnly`, `1Day` → `V1Day`, `self` → `Self_` (`Self` cannot be a variant).
pub fn variant_name(wire: &str) -> String {
    let cleaned: String = wire
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let digits = cleaned.len()
        - cleaned
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    let pascal = cleaned.to_upper_camel_case();
    if digits > 0 {
        // heck lowercases what follows leading digits (`1Day` → `1day`): keep the words.
        format!(
            "V{}{}",
            &cleaned[..digits],
            cleaned[digits..].to_upper_camel_case()
        )
    } else if is_keyword(&pascal) {
        format!("{pascal}_")
    } else {
        pascal
    }
}

/// The PascalCase form of a snake_case name: `get_refresh_history` → `GetRefreshHistory`.
pub fn pascal(name: &str) -> String {
    name.to_upper_camel_case()
}

/// The SCREAMING_SNAKE form: `get_tile` → `GET_TILE`.
pub fn screaming(name: &str) -> String {
    name.to_ascii_uppercase()
}

/// Whether `name` is already snake_case (what `name` keys must be).
pub fn is_snake_case(name: &str) -> bool {
    !name.is_empty()
        && name.to_snake_case() == name
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Whether `name` is already PascalCase (what model and enum names must be).
pub fn is_pascal_case(name: &str) -> bool {
    !name.is_empty()
        && name.to_upper_camel_case() == name
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names() {
        assert_eq!(member_name("webUrl"), "web_url");
        assert_eq!(member_name("$top"), "top");
        assert_eq!(member_name("@odata.context"), "odata_context");
        assert_eq!(member_name("ExpirationTime"), "expiration_time");
        assert_eq!(escape_member("type"), "type");
        assert_eq!(escape_member("self"), "self_");
        assert_eq!(variant_name("read-only"), "ReadOnly");
        assert_eq!(variant_name("1Day"), "V1Day");
        assert_eq!(variant_name("self"), "Self_");
        assert_eq!(variant_name("2Hours"), "V2Hours");
        assert_eq!(variant_name("100"), "V100");
    }
}
