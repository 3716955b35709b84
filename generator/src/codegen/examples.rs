//! The example dispatch: a standalone file that the tests proving the generated client against
//! Microsoft's examples generate where they are (`tests/e2e/build.rs`), never part of the
//! `powerbi` crate. Per category, `decode` turns an example response into the operation's
//! response type and `call` calls the operation with an example's arguments; a root `decode`
//! and `call` pick the category by name.
//!
//! The file reaches the client only through `powerbi`'s public API (`::powerbi::<category>`'s
//! client and options, `::powerbi::models`, `::powerbi::runtime`; for Fabric
//! `::powerbi::fabric::<category>` and `::powerbi::fabric::models`, its clients borrowing
//! `client.fabric()`), and the test support through
//! the path it is given, which must provide `spawnable` (each call's future goes through it:
//! a compile-time proof that every generated method's future is `Send + 'static`), `Decoded`,
//! `ExampleArgs` (`workspace`, `required`,
//! `required_enum`, `optional`, `optional_enum`, `body`, `optional_body`, `file`), `decode` and
//! `decode_list`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use super::idents::ident;
use super::operations::client_name;
use super::rust_type;
use crate::api::*;
use crate::naming;

/// Where the API's generated code is in `powerbi`, and how its category clients borrow the
/// `PowerBiClient` the dispatch is given.
struct Reach {
    /// The module holding the categories and `models`: `::powerbi` or `::powerbi::fabric`.
    root: TokenStream,
    /// Whether the categories borrow `client.fabric()` rather than `client`.
    fabric: bool,
}

impl Reach {
    fn of(api: &Api) -> Reach {
        let fabric = api.description.name == "fabric";
        Reach {
            root: if fabric {
                quote!(::powerbi::fabric)
            } else {
                quote!(::powerbi)
            },
            fabric,
        }
    }

    /// `let client = <category client>::new(...);`
    fn client(&self, module: &Ident, client: &Ident) -> TokenStream {
        let root = &self.root;
        if self.fabric {
            quote! {
                let fabric = client.fabric();
                let client = #root::#module::#client::new(&fabric);
            }
        } else {
            quote!(let client = #root::#module::#client::new(client);)
        }
    }
}

/// The whole dispatch file: the root `decode` and `call`, and one module per category (those
/// without operations, such as Fabric's `shared` models, have none).
pub fn dispatch(api: &Api, support: &syn::Path) -> TokenStream {
    let reach = Reach::of(api);
    let categories: Vec<&Category> = (api.categories.iter())
        .filter(|category| !category.operations.is_empty())
        .collect();
    let decode_arms = categories.iter().map(|category| {
        let module = Ident::new(&category.name, Span::call_site());
        let name = &category.name;
        quote!(#name => #module::decode(operation, body),)
    });
    let call_arms = categories.iter().map(|category| {
        let module = Ident::new(&category.name, Span::call_site());
        let name = &category.name;
        quote!(#name => #module::call(client, operation, args).await,)
    });
    let categories = categories
        .iter()
        .map(|category| category_module(category, support, &reach));
    quote! {
        use ::powerbi::runtime as rt;
        use #support as support;

        #[doc = " Decodes an example response of `category::operation`; `None` when there is no such"]
        #[doc = " operation or it has no JSON response."]
        pub fn decode(category: &str, operation: &str, body: &[u8]) -> Option<rt::Result<support::Decoded>> {
            match category {
                #(#decode_arms)*
                _ => None,
            }
        }

        #[doc = " Calls `category::operation` with an example's arguments; `false` when there is no"]
        #[doc = " such operation."]
        pub async fn call(client: &rt::PowerBiClient, category: &str, operation: &str, args: &support::ExampleArgs) -> rt::Result<bool> {
            match category {
                #(#call_arms)*
                _ => Ok(false),
            }
        }

        #(#categories)*
    }
}

/// The dispatch of one category.
fn category_module(category: &Category, support: &syn::Path, reach: &Reach) -> TokenStream {
    let module = Ident::new(&category.name, Span::call_site());
    let client = client_name(category);
    let decoders: Vec<TokenStream> = category.operations.iter().filter_map(decode_arm).collect();
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
    let calls = category
        .operations
        .iter()
        .map(|operation| call_arm(&reach.root, &module, operation));
    // A category that uses no models has nothing to import from `models`.
    let root = &reach.root;
    let models = (!crate::select::reached_types_of(category).is_empty()).then(|| {
        quote!(
            use #root::models;
        )
    });
    let new_client = reach.client(&module, &client);
    let doc = format!(" The example dispatch of `{}`.", category.name);
    quote! {
        #[doc = #doc]
        // A category without JSON responses or parameters leaves `body` or `args` unused.
        #[allow(unused_variables, unreachable_code)]
        pub mod #module {
            use ::powerbi::runtime as rt;
            use #support as support;
            #models

            #[doc = " Decodes an example response of `operation`; `None` when it has no JSON response."]
            pub fn decode(operation: &str, body: &[u8]) -> Option<rt::Result<support::Decoded>> {
                #decode_body
            }

            #[doc = " Calls `operation` with an example's arguments; `false` when there is no such operation."]
            pub async fn call(client: &rt::PowerBiClient, operation: &str, args: &support::ExampleArgs) -> rt::Result<bool> {
                #new_client
                match operation {
                    #(#calls)*
                    _ => return Ok(false),
                }
                Ok(true)
            }
        }
    }
}

/// `"operation" => support::decode::<Type>(body),` for an operation with a JSON response.
fn decode_arm(operation: &Operation) -> Option<TokenStream> {
    let name = &operation.name;
    let decode = match &operation.response {
        Response::Model(model) => {
            let model = ident(model);
            quote!(support::decode::<models::#model>(body))
        }
        Response::List(item) => {
            let item = rust_type(item, true);
            quote!(support::decode_list::<#item>(body))
        }
        Response::Array(item) => {
            let item = rust_type(item, true);
            quote!(support::decode::<Vec<#item>>(body))
        }
        Response::None | Response::Binary => return None,
    };
    Some(quote!(#name => #decode,))
}

/// How a parameter of type `ty` is read from the example's arguments: enums through their own
/// methods (the support's `FromExample` cannot cover both `OpenEnum` types and `String`).
fn reader(ty: &TypeRef, required: bool) -> Ident {
    let name = match (ty, required) {
        (TypeRef::Enum(_), true) => "required_enum",
        (TypeRef::Enum(_), false) => "optional_enum",
        (_, true) => "required",
        (_, false) => "optional",
    };
    Ident::new(name, Span::call_site())
}

fn call_arm(root: &TokenStream, module: &Ident, operation: &Operation) -> TokenStream {
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
        let binding = format_ident!("arg_{}", &parameter.rust_name);
        let wire = &parameter.wire_name;
        let ty = rust_type(&parameter.ty, true);
        let read = reader(&parameter.ty, true);
        bindings.push(quote!(let #binding: #ty = args.#read(#wire)?;));
        arguments.push(match parameter.ty {
            TypeRef::String | TypeRef::List(_) => quote!(&#binding),
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
        Some((BodyKind::File, _) | (BodyKind::Bytes { .. }, true)) => {
            arguments.push(quote!(args.file()?));
        }
        Some((BodyKind::Bytes { .. }, false)) => arguments.push(quote!(Some(args.file()?))),
        Some((BodyKind::Array(item), true)) => {
            let item = rust_type(item, true);
            bindings.push(quote!(let body: Vec<#item> = args.body()?;));
            arguments.push(quote!(&body));
        }
        Some((BodyKind::Array(item), false)) => {
            let item = rust_type(item, true);
            bindings.push(quote!(let body: Option<Vec<#item>> = args.optional_body()?;));
            arguments.push(quote!(body.as_deref()));
        }
        None => {}
    }
    let optional: Vec<&Parameter> = operation
        .parameters
        .iter()
        .filter(|parameter| !parameter.required)
        .collect();
    if !optional.is_empty() {
        // The options structs are `#[non_exhaustive]`: filled field by field from their default.
        let options = format_ident!("{}Options", naming::pascal(&operation.name));
        let fields = optional.iter().map(|parameter| {
            let field = ident(&parameter.rust_name);
            let wire = &parameter.wire_name;
            let read = reader(&parameter.ty, false);
            quote!(options.#field = args.#read(#wire)?;)
        });
        bindings.push(quote! {
            let mut options = #root::#module::#options::default();
            #(#fields)*
        });
        arguments.push(quote!(options));
    }
    let call = quote!(support::spawnable(client.#method(#(#arguments),*)).await?);
    // A run on demand returns the job handle (`#[must_use]`); the request is what counts.
    let call = if operation.long_running == LongRunning::JobInstance {
        quote!(let _ = #call;)
    } else {
        quote!(#call;)
    };
    quote! {
        #name => {
            #(#bindings)*
            #call
        }
    }
}
