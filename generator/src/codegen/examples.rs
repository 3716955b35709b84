//! Hidden per-category dispatchers that the example-proof tests drive: decode an example
//! response into an operation's response type, call an operation with an example's
//! parameters. Emitted only for the `powerbi` crate, behind its `example-proofs` feature.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use super::operations::client_name;
use super::rust_type;
use crate::model::*;
use crate::naming;

fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// The `__examples` module of one category.
pub fn category_module(category: &Category) -> TokenStream {
    let client = client_name(category);
    let decoders = category.operations.iter().filter_map(|operation| {
        let name = &operation.name;
        let decode = match &operation.response {
            Response::Model(model) => {
                let model = ident(model);
                quote!(rt::examples::decode::<models::#model>(body))
            }
            Response::List(item) => {
                let item = rust_type(item, true);
                quote!(rt::examples::decode_list::<#item>(body))
            }
            Response::Array(item) => {
                let item = rust_type(item, true);
                quote!(rt::examples::decode::<Vec<#item>>(body))
            }
            Response::None | Response::Binary => return None,
        };
        Some(quote!(#name => #decode,))
    });
    let decoders: Vec<TokenStream> = decoders.collect();
    let decode_body = if decoders.is_empty() {
        quote! {
            let _ = (operation, body);
            None
        }
    } else {
        quote! {
            Some(match operation {
                #(#decoders)*
                _ => return None,
            })
        }
    };
    let calls = category.operations.iter().map(call_arm);
    // As in the category module: a category that uses no models has no `models` to import.
    let uses = if crate::select::reached_types_of(category).is_empty() {
        quote!(
            use super::rt;
        )
    } else {
        quote!(
            use super::{models, rt};
        )
    };
    quote! {
        #[doc(hidden)]
        #[cfg(feature = "example-proofs")]
        // A category without JSON responses or parameters leaves `body` or `args` unused.
        #[allow(unused_variables, unreachable_code)]
        pub mod __examples {
            #uses

            #[doc = " Decodes an example response of `operation`; `None` when it has no JSON response."]
            pub fn decode(operation: &str, body: &[u8]) -> Option<rt::Result<rt::examples::Decoded>> {
                #decode_body
            }

            #[doc = " Calls `operation` with an example's arguments; `false` when there is no such operation."]
            pub async fn call(client: &rt::PowerBiClient, operation: &str, args: &rt::examples::ExampleArgs) -> rt::Result<bool> {
                let client = super::#client::new(client);
                match operation {
                    #(#calls)*
                    _ => return Ok(false),
                }
                Ok(true)
            }
        }
    }
}

fn call_arm(operation: &Operation) -> TokenStream {
    let name = &operation.name;
    let method = ident(&operation.name);
    let mut bindings = Vec::new();
    let mut arguments = Vec::new();
    match operation.workspace {
        WorkspaceScope::Both => arguments.push(quote!(args.workspace()?)),
        WorkspaceScope::Workspace => arguments.push(quote!(args.required::<rt::Uuid>("groupId")?)),
        WorkspaceScope::My | WorkspaceScope::None => {}
    }
    for parameter in operation
        .parameters
        .iter()
        .filter(|parameter| parameter.required)
    {
        let binding = format_ident!("arg_{}", parameter.rust_name.trim_start_matches("r#"));
        let wire = &parameter.wire_name;
        let ty = rust_type(&parameter.ty, true);
        bindings.push(quote!(let #binding: #ty = args.required(#wire)?;));
        arguments.push(match parameter.ty {
            TypeRef::String => quote!(&#binding),
            _ => quote!(#binding),
        });
    }
    match operation
        .body
        .as_ref()
        .map(|body| (&body.kind, body.required))
    {
        Some((BodyKind::Json(model), true)) => {
            let model = ident(model);
            bindings.push(quote!(let body: models::#model = args.body()?;));
            arguments.push(quote!(&body));
        }
        Some((BodyKind::Json(model), false)) => {
            let model = ident(model);
            bindings.push(quote!(let body: Option<models::#model> = args.optional_body()?;));
            arguments.push(quote!(body.as_ref()));
        }
        Some((BodyKind::File, _)) => arguments.push(quote!(args.file()?)),
        None => {}
    }
    let optional: Vec<&Parameter> = operation
        .parameters
        .iter()
        .filter(|parameter| !parameter.required)
        .collect();
    if !optional.is_empty() {
        let options = format_ident!("{}Options", naming::pascal(&operation.name));
        let fields = optional.iter().map(|parameter| {
            let field = ident(&parameter.rust_name);
            let wire = &parameter.wire_name;
            quote!(#field: args.optional(#wire)?,)
        });
        bindings.push(quote!(let options = super::#options { #(#fields)* };));
        arguments.push(quote!(options));
    }
    quote! {
        #name => {
            #(#bindings)*
            client.#method(#(#arguments),*).await?;
        }
    }
}

/// The root `__examples` module dispatching to the categories.
pub fn root_module(spec: &Spec, gate: &dyn Fn(&str) -> TokenStream) -> TokenStream {
    let decode_arms = spec.categories.iter().map(|category| {
        let module = Ident::new(&category.name, Span::call_site());
        let name = &category.name;
        let gate = gate(name);
        quote!(#gate #name => super::#module::__examples::decode(operation, body),)
    });
    let call_arms = spec.categories.iter().map(|category| {
        let module = Ident::new(&category.name, Span::call_site());
        let name = &category.name;
        let gate = gate(name);
        quote!(#gate #name => super::#module::__examples::call(client, operation, args).await,)
    });
    quote! {
        #[doc(hidden)]
        #[cfg(feature = "example-proofs")]
        pub mod __examples {
            use super::rt;

            #[doc = " Decodes an example response of `category::operation`."]
            pub fn decode(category: &str, operation: &str, body: &[u8]) -> Option<rt::Result<rt::examples::Decoded>> {
                match category {
                    #(#decode_arms)*
                    _ => None,
                }
            }

            #[doc = " Calls `category::operation` with an example's arguments."]
            pub async fn call(client: &rt::PowerBiClient, category: &str, operation: &str, args: &rt::examples::ExampleArgs) -> rt::Result<bool> {
                match category {
                    #(#call_arms)*
                    _ => Ok(false),
                }
            }
        }
    }
}
