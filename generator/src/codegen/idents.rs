//! The one way generated code turns a spec name into a Rust identifier. The API keeps names
//! as the spec spells them (`type`, not `r#type`); a keyword becomes a raw identifier here and
//! only here, so names built from a name (`{name}_pages`, slots) and prose use it unescaped.

use proc_macro2::{Ident, Span};

use crate::naming;

/// The identifier for `name`: raw when `name` is a Rust keyword (edition 2024).
pub fn ident(name: &str) -> Ident {
    if naming::is_keyword(name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_become_raw_and_other_names_stay() {
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("gen").to_string(), "r#gen");
        assert_eq!(ident("dataset_id").to_string(), "dataset_id");
    }
}
