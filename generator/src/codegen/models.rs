//! Structs and open enums for the spec's models.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::{docs, rust_type};
use crate::model::{EnumDef, Model, Spec, TypeRef};

/// The `models` module.
pub fn module(spec: &Spec, serde_crate: &str, gate: &dyn Fn(&str) -> TokenStream) -> TokenStream {
    let boxed = boxed_fields(&spec.models);
    let defaultable = defaultable_models(spec);
    let models = spec.models.iter().map(|model| {
        let gate = gate(&model.name);
        model_struct(model, serde_crate, &boxed, &defaultable, &gate)
    });
    let enums = spec.enums.iter().map(|item| {
        let gate = gate(&item.name);
        enum_def(item, &gate)
    });
    quote! {
        #[doc = " The request and response models of every category."]
        pub mod models {
            #![allow(clippy::doc_markdown)]
            // Unused when the enabled categories need no model.
            #[allow(unused_imports)]
            use super::rt;
            #(#models)*
            #(#enums)*
        }
    }
}

fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

fn model_struct(
    model: &Model,
    serde_crate: &str,
    boxed: &BTreeSet<(String, String)>,
    defaultable: &BTreeSet<String>,
    gate: &TokenStream,
) -> TokenStream {
    let boxed_set = boxed;
    let name = ident(&model.name);
    let doc = docs::attributes(&docs::sanitize(model.doc.as_deref().unwrap_or(&model.name)));
    let fields = model.fields.iter().map(|field| {
        let field_name = ident(&field.rust_name);
        let mut ty = rust_type(&field.ty, false);
        if boxed.contains(&(model.name.clone(), field.wire_name.clone())) {
            ty = quote!(::std::boxed::Box<#ty>);
        }
        let doc = docs::attributes(&docs::sanitize(field.doc.as_deref().unwrap_or("")));
        let wire = &field.wire_name;
        // The container renames every field to camelCase; only the others need their own.
        let rename = (serde_camel_case(&field.rust_name) != *wire).then(|| quote!(rename = #wire,));
        // Numbers sometimes arrive as strings: decode them leniently.
        let lenient = match (&field.ty, field.required, field.nullable) {
            (TypeRef::Integer, true, _) => Some("rt::lenient::i64"),
            (TypeRef::Integer, false, false) => Some("rt::lenient::option_i64"),
            (TypeRef::Integer, false, true) => Some("rt::nullable::lenient::i64"),
            (TypeRef::Int32, true, _) => Some("rt::lenient::i32"),
            (TypeRef::Int32, false, false) => Some("rt::lenient::option_i32"),
            (TypeRef::Int32, false, true) => Some("rt::nullable::lenient::i32"),
            (TypeRef::Number, true, _) => Some("rt::lenient::f64"),
            (TypeRef::Number, false, false) => Some("rt::lenient::option_f64"),
            (TypeRef::Number, false, true) => Some("rt::nullable::lenient::f64"),
            _ => None,
        }
        .map(|function| quote!(deserialize_with = #function,));
        let aliases = field.aliases.iter().map(|alias| quote!(alias = #alias,));
        if field.required {
            let attribute = (rename.is_some() || lenient.is_some() || !field.aliases.is_empty())
                .then(|| quote!(#[serde(#rename #(#aliases)* #lenient)]));
            quote! { #doc #attribute pub #field_name: #ty, }
        } else if field.nullable {
            // Absent (missing), null, or a value: `default` makes a missing key `Absent`.
            quote! {
                #doc
                #[serde(#rename #(#aliases)* #lenient default, skip_serializing_if = "rt::Nullable::is_absent")]
                pub #field_name: rt::Nullable<#ty>,
            }
        } else {
            // serde treats a missing `Option` as `None` by itself, except behind
            // `deserialize_with`, which needs `default` spelled out.
            let default = lenient.is_some().then(|| quote!(default,));
            quote! {
                #doc
                #[serde(#rename #(#aliases)* #lenient #default skip_serializing_if = "Option::is_none")]
                pub #field_name: Option<#ty>,
            }
        }
    });
    let unknown = unknown_field_paths(model, gate);
    let default = defaultable.contains(&model.name).then(|| quote!(Default,));
    let constructor =
        (!defaultable.contains(&model.name)).then(|| constructor(model, boxed_set, gate));
    quote! {
        #gate
        #doc
        #[derive(Debug, Clone, PartialEq, #default rt::Serialize, rt::Deserialize)]
        #[serde(crate = #serde_crate, rename_all = "camelCase")]
        pub struct #name {
            #(#fields)*
            #[doc = " Fields the service sent that the spec does not know yet, kept as JSON."]
            #[serde(flatten)]
            pub unknown_fields: rt::JsonMap,
        }
        #constructor
        #unknown
    }
}

/// The wire name serde's `rename_all = "camelCase"` gives a Rust field name, by serde's own
/// rule: PascalCase (drop each `_`, upper-case the letter after it and the first), then the
/// first character lower-cased. A raw identifier's `r#` is not part of the name.
fn serde_camel_case(rust_name: &str) -> String {
    let mut pascal = String::with_capacity(rust_name.len());
    let mut capitalize = true;
    for c in rust_name.trim_start_matches("r#").chars() {
        if c == '_' {
            capitalize = true;
        } else if capitalize {
            pascal.push(c.to_ascii_uppercase());
            capitalize = false;
        } else {
            pascal.push(c);
        }
    }
    let mut chars = pascal.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_ascii_lowercase().to_string() + chars.as_str()
    })
}

/// Whether values of `ty` can hold models (and so unknown fields).
fn holds_models(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Model(_) => true,
        TypeRef::List(item) | TypeRef::Map(item) => holds_models(item),
        _ => false,
    }
}

/// `UnknownFieldPaths`: the model's own catch-all, then every field that holds models.
fn unknown_field_paths(model: &Model, gate: &TokenStream) -> TokenStream {
    let name = ident(&model.name);
    let nested = model
        .fields
        .iter()
        .filter(|field| holds_models(&field.ty))
        .map(|field| {
            let field_name = ident(&field.rust_name);
            let suffix = format!(".{}", field.wire_name);
            quote!(rt::unknown_in(&self.#field_name, path, #suffix, out);)
        });
    quote! {
        #gate
        impl rt::UnknownFieldPaths for #name {
            fn unknown_field_paths(&self, path: &str, out: &mut Vec<String>) {
                rt::unknown_keys(&self.unknown_fields, path, out);
                #(#nested)*
            }
        }
    }
}

/// `new(required fields)` for a model that cannot derive `Default` (it has a required enum or
/// model): every optional field starts as `None`.
fn constructor(
    model: &Model,
    boxed: &BTreeSet<(String, String)>,
    gate: &TokenStream,
) -> TokenStream {
    let required: Vec<_> = model.fields.iter().filter(|field| field.required).collect();
    let arguments = required.iter().map(|field| {
        let name = ident(&field.rust_name);
        let mut ty = rust_type(&field.ty, false);
        if boxed.contains(&(model.name.clone(), field.wire_name.clone())) {
            ty = quote!(::std::boxed::Box<#ty>);
        }
        quote!(#name: #ty)
    });
    let values = model.fields.iter().map(|field| {
        let name = ident(&field.rust_name);
        if field.required {
            quote!(#name)
        } else if field.nullable {
            quote!(#name: rt::Nullable::Absent)
        } else {
            quote!(#name: None)
        }
    });
    let doc = format!(
        " A `{}` with the required fields; optional ones are `None`.",
        model.name
    );
    let name = ident(&model.name);
    quote! {
        #gate
        impl #name {
            #[doc = #doc]
            #[allow(clippy::too_many_arguments)]
            pub fn new(#(#arguments),*) -> Self {
                Self { #(#values,)* unknown_fields: rt::JsonMap::new() }
            }
        }
    }
}

fn enum_def(item: &EnumDef, gate: &TokenStream) -> TokenStream {
    let name = ident(&item.name);
    let doc = docs::attributes(&docs::sanitize(item.doc.as_deref().unwrap_or(&item.name)));
    let variants = item.values.iter().map(|value| {
        let variant = ident(&value.variant);
        let doc = docs::attributes(&docs::sanitize(value.doc.as_deref().unwrap_or(&value.wire)));
        quote! { #doc #variant, }
    });
    let known = item.values.iter().map(|value| {
        let variant = ident(&value.variant);
        let wire = &value.wire;
        quote! { (Self::#variant, #wire) }
    });
    quote! {
        #gate
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            #[doc = " A value this version of the crate does not know, kept as sent."]
            Unrecognized(String),
        }
        #gate
        impl #name {
            #[doc = " Every value this version of the crate knows, with its wire spelling."]
            pub const KNOWN: &'static [(Self, &'static str)] = &[#(#known),*];
        }
        #gate
        rt::impl_open_enum!(#name);
    }
}

/// Optional direct model fields that close a cycle are boxed, or the type would be infinite.
fn boxed_fields(models: &[Model]) -> BTreeSet<(String, String)> {
    let direct: BTreeMap<&str, Vec<&str>> = models
        .iter()
        .map(|model| {
            let targets = model
                .fields
                .iter()
                .filter_map(|field| match &field.ty {
                    TypeRef::Model(target) => Some(target.as_str()),
                    _ => None,
                })
                .collect();
            (model.name.as_str(), targets)
        })
        .collect();
    let reaches = |from: &str, to: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from];
        while let Some(current) = stack.pop() {
            if current == to {
                return true;
            }
            if seen.insert(current) {
                stack.extend(direct.get(current).into_iter().flatten().copied());
            }
        }
        false
    };
    let mut boxed = BTreeSet::new();
    for model in models {
        for field in &model.fields {
            if let TypeRef::Model(target) = &field.ty
                && reaches(target, &model.name)
            {
                boxed.insert((model.name.clone(), field.wire_name.clone()));
            }
        }
    }
    boxed
}

/// Models whose required fields all have a sensible `Default` (no enums, no models without one).
fn defaultable_models(spec: &Spec) -> BTreeSet<String> {
    let mut defaultable: BTreeSet<String> = BTreeSet::new();
    // Iterate to a fixed point: a model is defaultable once its required models are.
    loop {
        let before = defaultable.len();
        for model in &spec.models {
            let ok = model
                .fields
                .iter()
                .filter(|field| field.required)
                .all(|field| match &field.ty {
                    // No sensible default: an enum value, a point in time.
                    TypeRef::Enum(_) | TypeRef::DateTime => false,
                    TypeRef::Model(target) => defaultable.contains(target),
                    _ => true,
                });
            if ok {
                defaultable.insert(model.name.clone());
            }
        }
        if defaultable.len() == before {
            return defaultable;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::serde_camel_case;

    #[test]
    fn camel_case_is_serdes_rename_all_rule() {
        assert_eq!(serde_camel_case("is_read_only"), "isReadOnly");
        assert_eq!(serde_camel_case("id"), "id");
        assert_eq!(serde_camel_case("r#type"), "type");
        assert_eq!(serde_camel_case("n1_day"), "n1Day");
        assert_eq!(serde_camel_case("x_ms_request_id"), "xMsRequestId");
        // A name that does not round-trip keeps its own `rename`.
        assert_ne!(serde_camel_case("odata_context"), "@odata.context");
        assert_ne!(serde_camel_case("dataset_id"), "datasetID");
    }
}
