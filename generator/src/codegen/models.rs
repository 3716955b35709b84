//! Structs and open enums for the spec's models.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use super::idents::ident;
use super::{docs, json, rust_type};
use crate::api::{Api, EnumDef, Field, Model, TypeRef};

/// The `models` module.
pub fn module(api: &Api, gate: &dyn Fn(&str) -> TokenStream) -> TokenStream {
    let items = items(api, gate, &|_| true);
    quote! {
        #[doc = " The request and response models of every category."]
        pub mod models {
            #![allow(clippy::doc_markdown)]
            // Unused when the enabled categories need no model.
            #[allow(unused_imports)]
            use super::rt;
            #items
        }
    }
}

/// The models and enums themselves for which `keep` of the name holds, each behind `gate` of
/// its name; they reach the runtime as `rt`.
pub fn items(
    api: &Api,
    gate: &dyn Fn(&str) -> TokenStream,
    keep: &dyn Fn(&str) -> bool,
) -> TokenStream {
    let items = named_items(api, gate, keep)
        .into_iter()
        .map(|(_, item)| item);
    quote!(#(#items)*)
}

/// [`items`] one type at a time, by name: the models in the spec's order, then the enums.
pub fn named_items<'a>(
    api: &'a Api,
    gate: &dyn Fn(&str) -> TokenStream,
    keep: &dyn Fn(&str) -> bool,
) -> Vec<(&'a str, TokenStream)> {
    let boxed = boxed_fields(&api.models);
    let defaultable = defaultable_models(api);
    let models = api
        .models
        .iter()
        .filter(|model| keep(&model.name))
        .map(|model| {
            let gate = gate(&model.name);
            (
                model.name.as_str(),
                model_struct(model, &boxed, &defaultable, &gate),
            )
        });
    let enums = api
        .enums
        .iter()
        .filter(|item| keep(&item.name))
        .map(|item| (item.name.as_str(), enum_def(item, &gate(&item.name))));
    models.chain(enums).collect()
}

fn model_struct(
    model: &Model,
    boxed: &BTreeSet<(String, String)>,
    defaultable: &BTreeSet<String>,
    gate: &TokenStream,
) -> TokenStream {
    let name = ident(&model.name);
    let doc = docs::attributes(&docs::sanitize(model.doc.as_deref().unwrap_or(&model.name)));
    let fields = model.fields.iter().map(|field| {
        let field_name = ident(&field.rust_name);
        let ty = field_type(model, field, boxed);
        let doc = docs::attributes(&docs::sanitize(&field_doc(field)));
        quote! { #doc pub #field_name: #ty, }
    });
    let unknown = unknown_field_paths(model, gate);
    let secrets = model.fields.iter().any(|field| field.secret);
    let derive_debug = (!secrets).then(|| quote!(Debug,));
    let debug = secrets.then(|| redacting_debug(model, gate));
    let default = defaultable.contains(&model.name).then(|| quote!(Default,));
    let constructor = (!defaultable.contains(&model.name)).then(|| constructor(model, boxed, gate));
    let json = json::impls(model, &|field| field_type(model, field, boxed), gate);
    quote! {
        #gate
        #doc
        #[derive(#derive_debug Clone, PartialEq, #default)]
        pub struct #name {
            #(#fields)*
            #[doc = " Fields the service sent that the spec does not know yet, kept as JSON."]
            pub unknown_fields: rt::JsonMap,
        }
        #debug
        #json
        #constructor
        #unknown
    }
}

/// A field's documentation; a secret field's says that `Debug` hides it.
fn field_doc(field: &Field) -> String {
    let doc = field.doc.as_deref().unwrap_or("");
    match (field.secret, doc.is_empty()) {
        (false, _) => doc.to_owned(),
        (true, true) => SECRET_NOTE.to_owned(),
        (true, false) => format!("{doc}\n\n{SECRET_NOTE}"),
    }
}

/// The doc line of a secret field.
const SECRET_NOTE: &str = "A secret: `Debug` prints `REDACTED` in place of its value.";

/// `Debug` for a model with secret fields: what `#[derive(Debug)]` prints, except that a secret
/// field's value is `REDACTED` (`Some(REDACTED)`/`None`, `Value(REDACTED)`/`Null`/`Absent`, so
/// whether it is set stays visible).
fn redacting_debug(model: &Model, gate: &TokenStream) -> TokenStream {
    let name = ident(&model.name);
    let label = &model.name;
    let fields = model.fields.iter().map(|field| {
        let field_name = ident(&field.rust_name);
        let label = field.rust_name.as_str();
        let value = match (field.secret, field.required, field.nullable) {
            (false, _, _) => quote!(&self.#field_name),
            (true, true, _) => quote!(&rt::redact::Redacted),
            (true, false, true) => quote!(&match &self.#field_name {
                rt::Nullable::Absent => rt::Nullable::Absent,
                rt::Nullable::Null => rt::Nullable::Null,
                rt::Nullable::Value(_) => rt::Nullable::Value(rt::redact::Redacted),
            }),
            (true, false, false) => {
                quote!(&self.#field_name.as_ref().map(|_| rt::redact::Redacted))
            }
        };
        quote!(.field(#label, #value))
    });
    quote! {
        #gate
        impl ::std::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#label)
                    #(#fields)*
                    .field("unknown_fields", &self.unknown_fields)
                    .finish()
            }
        }
    }
}

/// The Rust type of a field as the struct declares it: `Option` or `Nullable` around an
/// optional one, `Box` around one that closes a cycle.
fn field_type(model: &Model, field: &Field, boxed: &BTreeSet<(String, String)>) -> TokenStream {
    let mut ty = rust_type(&field.ty, false);
    if boxed.contains(&(model.name.clone(), field.wire_name.clone())) {
        ty = quote!(::std::boxed::Box<#ty>);
    }
    if field.required {
        ty
    } else if field.nullable {
        quote!(rt::Nullable<#ty>)
    } else {
        quote!(Option<#ty>)
    }
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
        // `#[inline]` here and on `new`: compiled to machine code only where used, not in the
        // models' crate for every model (issue 13), as the open enums' methods are.
        impl rt::UnknownFieldPaths for #name {
            #[inline]
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
        let ty = field_type(model, field, boxed);
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
            #[inline]
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
fn defaultable_models(api: &Api) -> BTreeSet<String> {
    let mut defaultable: BTreeSet<String> = BTreeSet::new();
    // Iterate to a fixed point: a model is defaultable once its required models are.
    loop {
        let before = defaultable.len();
        for model in &api.models {
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
