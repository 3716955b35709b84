//! The JSON impls of a model: `Serialize` with one line per field, and `Deserialize` as a
//! description the runtime's one reader follows (`rt::object::Object`: a key table, a tuple of
//! field slots, and `assemble`, which builds the model from the values). Neither has a `?` per
//! field, and the decoder's loop, match and checks are written once in the runtime rather than
//! in every model: what the compiler checks per model is what differs between models (issue 13:
//! the models' type and borrow checking). Written here rather than derived so a user's build
//! compiles no `serde_derive` (and no `syn`), and unknown fields need no `flatten` buffering;
//! the runtime's `object` module documents the helpers.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{ToTokens, quote};

use super::idents::ident;
use crate::api::{Field, Model, TypeRef};

/// Names `assemble` uses for its own parameters; a field of the same name (or a keyword) is
/// bound as `<name>_field` instead.
const LOCALS: &[&str] = &["unknown_fields"];

/// `Serialize`, `Deserialize` and `rt::object::Object` for `model`; `field_type` is the type
/// the struct declares for a field.
pub fn impls(
    model: &Model,
    field_type: &dyn Fn(&Field) -> TokenStream,
    gate: &TokenStream,
) -> TokenStream {
    let name = ident(&model.name);
    let serialize = serialize(model);
    let object = object(model, field_type);
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
            #object
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

/// The key table, the field slots and `assemble` of the model's `rt::object::Object` impl:
/// what the runtime's one reader needs to decode it.
fn object(model: &Model, field_type: &dyn Fn(&Field) -> TokenStream) -> TokenStream {
    let keys = model.fields.iter().enumerate().flat_map(|(index, field)| {
        let index = Literal::usize_unsuffixed(index);
        std::iter::once(&field.wire_name)
            .chain(&field.aliases)
            .map(move |wire| quote!((#wire, #index)))
    });
    let types: Vec<TokenStream> = model.fields.iter().map(field_type).collect();
    let slots: Vec<TokenStream> = model
        .fields
        .iter()
        .zip(&types)
        .map(|(field, ty)| {
            let kind = if field.required {
                quote!(rt::object::Required)
            } else {
                quote!(rt::object::Defaulted)
            };
            if is_lenient_number(&field.ty) {
                quote!(#kind<#ty, rt::object::NumberOrString>)
            } else {
                quote!(#kind<#ty>)
            }
        })
        .collect();
    let bindings: Vec<Ident> = model.fields.iter().map(binding).collect();
    let values = model.fields.iter().zip(&bindings).map(|(field, binding)| {
        let member = ident(&field.rust_name);
        if member == *binding {
            quote!(#member,)
        } else {
            quote!(#member: #binding,)
        }
    });
    let slots = nest(&slots);
    let bindings = nest(&bindings);
    // `assemble` takes the values as the tuple of the field types that
    // `rt::object::Values<'de, Self>` comes to, written out: the compiler checks once that
    // both agree, instead of working out the slots' values through the body's every use
    // (`cargo check` of `powerbi-models`: median 2.0 s against 2.4 s).
    let values_type = nest(&types);
    quote! {
        const KEYS: rt::object::Keys = rt::object::Keys(&[#(#keys),*]);
        type Fields = #slots;
        #[inline]
        fn assemble(#bindings: #values_type, unknown_fields: rt::JsonMap) -> Self {
            Self {
                #(#values)*
                unknown_fields,
            }
        }
    }
}

/// The widest tuple `rt::object::Fields` is implemented for; a longer list nests its rest as
/// the last element.
const WIDEST_TUPLE: usize = 8;

/// `items` as a tuple in the shape `rt::object::Fields` takes (the slot types of `type Fields`,
/// and the bindings and value types of `assemble`'s parameter): flat up to [`WIDEST_TUPLE`]
/// (the widest tuple `powerbi-types` implements it for), beyond it the rest nested as the
/// last element.
fn nest<T: ToTokens>(items: &[T]) -> TokenStream {
    if items.len() <= WIDEST_TUPLE {
        quote!((#(#items,)*))
    } else {
        let (head, rest) = items.split_at(WIDEST_TUPLE - 1);
        let rest = nest(rest);
        quote!((#(#head,)* #rest,))
    }
}

/// Numbers sometimes arrive as strings: such fields decode leniently (`rt::lenient`).
fn is_lenient_number(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::Integer | TypeRef::Int32 | TypeRef::Number)
}

/// The name `assemble` binds a field's value to.
fn binding(field: &Field) -> Ident {
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
    fn bindings_never_shadow_the_parameters_or_use_keywords() {
        assert_eq!(
            binding(&field("unknown_fields", TypeRef::String)).to_string(),
            "unknown_fields_field"
        );
        assert_eq!(
            binding(&field("type", TypeRef::String)).to_string(),
            "type_field"
        );
        assert_eq!(binding(&field("name", TypeRef::String)).to_string(), "name");
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
        let code = object(&model, &|field| rust_type(&field.ty, false)).to_string();
        assert!(
            code.contains(r#"("id" , 0) , ("ID" , 0) , ("count" , 1)"#),
            "{code}"
        );
        assert!(
            code.contains(
                "type Fields = (rt :: object :: Required < String > , \
                 rt :: object :: Defaulted < i64 , rt :: object :: NumberOrString > ,) ;"
            ),
            "{code}"
        );
        assert!(code.contains("fn assemble ((id , count ,) :"), "{code}");
    }

    #[test]
    fn a_long_list_nests_its_rest_as_the_last_element() {
        let items: Vec<TokenStream> = (0..40)
            .map(|index| {
                let name = Ident::new(&format!("f{index}"), Span::call_site());
                quote!(#name)
            })
            .collect();
        let nested = nest(&items).to_string();
        // 7 + 7 + 7 + 7 + 7 + 5: each tuple at most `WIDEST_TUPLE` wide, the rest as its last
        // element.
        assert!(nested.starts_with("(f0 , f1 ,"), "{nested}");
        assert!(nested.contains("f6 , (f7 ,"), "{nested}");
        assert!(nested.contains("f13 , (f14 ,"), "{nested}");
        assert!(nested.ends_with("f39 ,) ,) ,) ,) ,) ,)"), "{nested}");
        let short = nest(&items[..WIDEST_TUPLE]).to_string();
        assert!(!short.contains("(f1"), "{short}");
    }
}
