//! The one way generated code turns a spec name into a Rust identifier. The model keeps names
//! as the spec spells them; a keyword (`type`, `match`) becomes a raw identifier (`r#type`)
//! here and only here, and derived names (`{name}_pages`, slots) start from the bare name.

use proc_macro2::{Ident, Span};

/// The identifier for `name`: raw when `name` is a keyword. A name the model still stores
/// escaped (`r#type`) gives the same identifier.
pub fn ident(name: &str) -> Ident {
    let escaped = name.starts_with("r#");
    let name = bare(name);
    if escaped || is_keyword(name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// `name` without a raw identifier's `r#`, for text and for names built from it.
pub fn bare(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// Whether `name` is a Rust keyword, strict or reserved, in edition 2024 (`syn` knows).
fn is_keyword(name: &str) -> bool {
    syn::parse_str::<syn::Ident>(name).is_err()
        && syn::parse_str::<syn::Ident>(&format!("r#{name}")).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_become_raw_and_other_names_stay() {
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("r#type").to_string(), "r#type");
        assert_eq!(ident("r#gen").to_string(), "r#gen");
        assert_eq!(ident("dataset_id").to_string(), "dataset_id");
        assert_eq!(bare("r#match"), "match");
        assert_eq!(bare("name"), "name");
    }
}
