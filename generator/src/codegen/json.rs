//! The JSON impls of a model: `Serialize` with one line per field and `Deserialize` through one
//! key table, over the runtime's `object` helpers. Neither has a `?` per field (the writer keeps
//! its first error, the reader's match has one `?`): each `?` is a trait resolution the compiler
//! does in every model, and they were a measurable part of the crate's type checking (issue 13). Written here rather than derived so a user's
//! build compiles no `serde_derive` (and no `syn`), and unknown fields need no `flatten`
//! buffering; the runtime's `object` module documents the helpers.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

use super::idents::ident;
use crate::api::{Field, Model, TypeRef};

/// Names the generated functions use for their own locals; a field of the same name gets a
/// slot named `<name>_field` instead.
const LOCALS: &[&str] = &[
    "map",
    "key",
    "object",
    "serializer",
    "deserializer",
    "field",
    "lenient_field",
    "required",
    "unknown",
    "Key",
];

/// `Serialize`, `Deserialize` and `rt::object::Object` for `model`; `field_type` is the type
/// the struct declares for a field.
pub fn impls(
    model: &Model,
    field_type: &dyn Fn(&Field) -> TokenStream,
    gate: &TokenStream,
) -> TokenStream {
    let name = ident(&model.name);
    let serialize = serialize(model);
    let from_entries = from_entries(model, field_type);
    let model_name = &model.name;
    quote! {
        #gate
        impl rt::Serialize for #name {
            fn serialize<S: rt::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                #serialize
            }
        }
        #gate
        impl<'de> rt::Deserialize<'de> for #name {
            fn deserialize<D: rt::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                rt::object::decode(deserializer)
            }
        }
        #gate
        impl<'de> rt::object::Object<'de> for #name {
            const NAME: &'static str = #model_name;
            fn from_entries<A: rt::serde::de::MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
                #from_entries
            }
        }
    }
}

fn serialize(model: &Model) -> TokenStream {
    let fields = model.fields.iter().map(|field| {
        let member = ident(&field.rust_name);
        let wire = &field.wire_name;
        let method = if field.required {
            quote!(field)
        } else if field.nullable {
            quote!(nullable)
        } else {
            quote!(optional)
        };
        quote!(object.#method(#wire, &self.#member);)
    });
    quote! {
        let mut object = rt::object::Writer::begin(serializer)?;
        #(#fields)*
        object.end(&self.unknown_fields)
    }
}

fn from_entries(model: &Model, field_type: &dyn Fn(&Field) -> TokenStream) -> TokenStream {
    let keys = model.fields.iter().enumerate().flat_map(|(index, field)| {
        let index = Literal::usize_unsuffixed(index);
        std::iter::once(&field.wire_name)
            .chain(&field.aliases)
            .map(move |wire| quote!((#wire, #index)))
    });
    let slots = model.fields.iter().map(|field| {
        let slot = slot(field);
        let ty = field_type(field);
        quote!(let mut #slot: Option<#ty> = None;)
    });
    let arms = model.fields.iter().enumerate().map(|(index, field)| {
        let index = Literal::usize_unsuffixed(index);
        let slot = slot(field);
        let wire = &field.wire_name;
        let read = if is_lenient_number(&field.ty) {
            quote!(lenient_field)
        } else {
            quote!(field)
        };
        quote!(Key::Field(#index) => #read(&mut map, &mut #slot, #wire),)
    });
    let values = model.fields.iter().map(|field| {
        let member = ident(&field.rust_name);
        let slot = slot(field);
        let wire = &field.wire_name;
        if field.required {
            quote!(#member: required(#slot, #wire)?,)
        } else {
            quote!(#member: #slot.unwrap_or_default(),)
        }
    });
    let uses = helpers(model);
    quote! {
        use rt::object::{#(#uses),*};
        const KEYS: rt::object::Keys = rt::object::Keys(&[#(#keys),*]);
        #(#slots)*
        let mut unknown_fields = rt::JsonMap::new();
        while let Some(key) = map.next_key_seed(KEYS)? {
            // One `?` for the whole match, not one per arm: fewer `?`s to type-check in
            // every model (issue 13).
            match key {
                #(#arms)*
                key => unknown(&mut map, &mut unknown_fields, key),
            }?;
        }
        Ok(Self {
            #(#values)*
            unknown_fields,
        })
    }
}

/// The `rt::object` helpers `from_entries` calls for `model`, to import just those.
fn helpers(model: &Model) -> Vec<Ident> {
    let any = |test: &dyn Fn(&Field) -> bool| model.fields.iter().any(test);
    let mut names = vec!["Key"];
    if any(&|field| !is_lenient_number(&field.ty)) {
        names.push("field");
    }
    if any(&|field| is_lenient_number(&field.ty)) {
        names.push("lenient_field");
    }
    if any(&|field| field.required) {
        names.push("required");
    }
    names.push("unknown");
    names
        .into_iter()
        .map(|name| Ident::new(name, Span::call_site()))
        .collect()
}

/// Numbers sometimes arrive as strings: such fields decode leniently (`rt::lenient`).
fn is_lenient_number(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::Integer | TypeRef::Int32 | TypeRef::Number)
}

/// The local holding a field's value while the object is read.
fn slot(field: &Field) -> Ident {
    let name = field.rust_name.as_str();
    if LOCALS.contains(&name) || crate::naming::is_keyword(name) {
        Ident::new(&format!("{name}_field"), Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

#[cfg(test)]
mod tests {
    use super::super::rust_type;
    use super::*;

    fn field(rust_name: &str, ty: TypeRef) -> Field {
        Field {
            wire_name: rust_name.to_owned(),
            rust_name: rust_name.to_owned(),
            ty,
            required: false,
            nullable: false,
            secret: false,
            doc: None,
            aliases: Vec::new(),
        }
    }

    #[test]
    fn slots_never_shadow_the_generated_locals() {
        assert_eq!(
            slot(&field("map", TypeRef::String)).to_string(),
            "map_field"
        );
        assert_eq!(
            slot(&field("type", TypeRef::String)).to_string(),
            "type_field"
        );
        assert_eq!(slot(&field("name", TypeRef::String)).to_string(), "name");
    }

    #[test]
    fn only_numbers_decode_leniently() {
        assert!(is_lenient_number(&TypeRef::Int32));
        assert!(!is_lenient_number(&TypeRef::String));
        assert!(!is_lenient_number(&TypeRef::List(Box::new(
            TypeRef::Integer
        ))));
    }

    #[test]
    fn every_key_and_alias_points_at_its_field() {
        let mut id = field("id", TypeRef::String);
        id.required = true;
        id.aliases = vec!["ID".to_owned()];
        let model = Model {
            name: "Thing".to_owned(),
            doc: None,
            fields: vec![id, field("count", TypeRef::Integer)],
            declared_at: Default::default(),
        };
        let code = from_entries(&model, &|field| rust_type(&field.ty, false)).to_string();
        assert!(
            code.contains(r#"("id" , 0) , ("ID" , 0) , ("count" , 1)"#),
            "{code}"
        );
        assert!(
            code.contains("lenient_field (& mut map , & mut count , \"count\")"),
            "{code}"
        );
        assert!(code.contains("required (id , \"id\")"), "{code}");
    }
}
