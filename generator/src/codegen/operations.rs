//! One module per category: its client, its methods, their options and operation records.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

mod body;

use super::idents::ident;
use super::record::record_name;
use super::{contract, docs, rust_type};
use crate::api::*;
use crate::naming;

/// The module of one category, whose client borrows the API's runtime client, in two pieces:
/// its items can go into a file of their own, which the module then `include!`s
/// ([`super::HostCrate::category_files`]).
pub struct ModuleParts {
    /// The module's documentation and name.
    head: TokenStream,
    /// Its items.
    body: TokenStream,
}

impl ModuleParts {
    /// The module, holding what `place` makes of its items: the items themselves, or the
    /// `include!` of the file they go into.
    pub fn into_module(self, place: impl FnOnce(TokenStream) -> TokenStream) -> TokenStream {
        let head = self.head;
        let contents = place(self.body);
        quote! {
            #head {
                #![allow(clippy::doc_markdown)]
                #contents
            }
        }
    }
}

/// The module of `category`.
pub fn module_parts(
    api: &Api,
    runtime_api: &contract::RuntimeApi,
    category: &Category,
) -> ModuleParts {
    let module = Ident::new(&category.name, Span::call_site());
    let client = client_name(category);
    let mut doc = format!("{} operations.", category.title);
    if let Some(text) = &category.doc {
        doc = docs::sanitize(text);
    }
    if !category.permissions.is_empty() {
        doc.push_str(&format!(
            "\n\nPermission family: {}.",
            category
                .permissions
                .iter()
                .map(|scope| format!("`{scope}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let module_doc = docs::attributes(&doc);
    let runtime_client = &runtime_api.client;
    let client_doc = docs::attributes(&format!(
        "The {} operations, borrowed from a [`{runtime_client}`](rt::{runtime_client}).",
        category.title
    ));
    // A category whose operations take and return no models (users) must not import them.
    let uses_models = !crate::select::reached_types_of(category).is_empty();
    let uses = if uses_models {
        quote!(
            use super::{models, rt};
        )
    } else {
        quote!(
            use super::rt;
        )
    };
    let methods = category
        .operations
        .iter()
        .map(|operation| method(api, operation));
    let options = category.operations.iter().filter_map(options_struct);
    let records = category
        .operations
        .iter()
        .map(|operation| super::record::record(api, runtime_api, category, operation));
    let head = quote! {
        #module_doc
        pub mod #module
    };
    let body = quote! {
            #uses

            #client_doc
            #[derive(Debug, Clone, Copy)]
            pub struct #client<'a> {
                pub(crate) client: &'a rt::#runtime_client,
            }

            impl<'a> #client<'a> {
                #[doc = " Borrows `client` for these operations."]
                pub fn new(client: &'a rt::#runtime_client) -> Self {
                    Self { client }
                }
                #(#methods)*
            }

            #(#options)*

            #[doc = " What the service documents about each operation of this category."]
            pub mod operations {
                use super::rt;
                #(#records)*
            }
    };
    ModuleParts { head, body }
}

/// `DatasetsClient` for `datasets`.
pub fn client_name(category: &Category) -> Ident {
    format_ident!("{}Client", naming::pascal(&category.name))
}

fn options_name(operation: &Operation) -> Ident {
    format_ident!("{}Options", naming::pascal(&operation.name))
}

/// The type of a required argument (a slice for a repeated query parameter).
fn argument_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(&str),
        TypeRef::List(item) => {
            let item = rust_type(item, true);
            quote!(&[#item])
        }
        other => rust_type(other, true),
    }
}

fn is_list(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::List(_))
}

/// A piece of a method, an argument or a step of its request chain, with the wire name of
/// the parameter it carries: a sibling method leaves parameters out by name, not by text.
#[derive(Clone)]
struct Piece<'s> {
    parameter: Option<&'s str>,
    tokens: TokenStream,
}

impl<'s> Piece<'s> {
    fn plain(tokens: TokenStream) -> Self {
        Piece {
            parameter: None,
            tokens,
        }
    }

    fn of(parameter: &'s Parameter, tokens: TokenStream) -> Self {
        Piece {
            parameter: Some(&parameter.wire_name),
            tokens,
        }
    }
}

/// The tokens of `pieces`, for `#(#…)*`.
fn tokens<'a>(pieces: &'a [Piece<'_>]) -> impl Iterator<Item = &'a TokenStream> + Clone {
    pieces.iter().map(|piece| &piece.tokens)
}

/// A method's arguments, the steps of its request chain, and the documentation of each
/// positional argument, built part by part.
#[derive(Default)]
struct Signature<'s> {
    arguments: Vec<Piece<'s>>,
    steps: Vec<Piece<'s>>,
    positional_docs: Vec<(String, Option<String>)>,
}

impl<'s> Signature<'s> {
    fn of(operation: &'s Operation) -> Self {
        let mut signature = Signature::default();
        signature.workspace(operation.workspace);
        signature.parameters(&operation.parameters);
        signature.body(operation.body.as_ref());
        if operation
            .parameters
            .iter()
            .any(|parameter| !parameter.required)
        {
            let options = options_name(operation);
            signature.argument(
                Piece::plain(quote!(options: #options)),
                "options",
                Some("Optional parameters; `Default::default()` sends none."),
            );
        }
        signature
    }

    fn argument(&mut self, argument: Piece<'s>, name: &str, doc: Option<&str>) {
        self.arguments.push(argument);
        self.positional_docs
            .push((name.to_owned(), doc.map(str::to_owned)));
    }

    fn workspace(&mut self, scope: WorkspaceScope) {
        match scope {
            WorkspaceScope::Both => {
                self.arguments
                    .push(Piece::plain(quote!(workspace: impl Into<rt::Workspace>)));
                self.steps
                    .push(Piece::plain(quote!(.workspace(workspace.into()))));
            }
            WorkspaceScope::Workspace => {
                let argument = Piece::plain(quote!(workspace_id: rt::Uuid));
                self.argument(argument, "workspace_id", Some("The workspace ID"));
                self.steps.push(Piece::plain(
                    quote!(.workspace(rt::Workspace::Id(workspace_id))),
                ));
            }
            WorkspaceScope::My | WorkspaceScope::None => {}
        }
    }

    fn parameters(&mut self, parameters: &'s [Parameter]) {
        for parameter in parameters {
            let argument = ident(&parameter.rust_name);
            let wire = &parameter.wire_name;
            let step = match (parameter.location, parameter.required) {
                (ParameterLocation::Path, _) => quote!(.path_param(#wire, &#argument)),
                // `list<T>`: the parameter once per value (`parent=A&parent=B`).
                (ParameterLocation::Query, true) if is_list(&parameter.ty) => {
                    quote!(.query_each(#wire, #argument))
                }
                (ParameterLocation::Query, false) if is_list(&parameter.ty) => {
                    quote!(.query_each(#wire, options.#argument.as_deref().unwrap_or_default()))
                }
                (ParameterLocation::Query, true) if parameter.quoted => {
                    quote!(.query(#wire, &rt::QuotedUtc(#argument)))
                }
                (ParameterLocation::Query, true) => quote!(.query(#wire, &#argument)),
                (ParameterLocation::Query, false) if parameter.quoted => {
                    quote!(.query_opt(#wire, options.#argument.map(rt::QuotedUtc).as_ref()))
                }
                (ParameterLocation::Query, false) => {
                    quote!(.query_opt(#wire, options.#argument.as_ref()))
                }
                (ParameterLocation::Header, true) => quote!(.header(#wire, &#argument)),
                (ParameterLocation::Header, false) => {
                    quote!(.header_opt(#wire, options.#argument.as_ref()))
                }
            };
            self.steps.push(Piece::of(parameter, step));
            if parameter.required {
                let ty = argument_type(&parameter.ty);
                self.arguments
                    .push(Piece::of(parameter, quote!(#argument: #ty)));
                self.positional_docs
                    .push((parameter.rust_name.clone(), parameter.doc.clone()));
            }
        }
    }
}

/// The method's return type and the `RequestBuilder` call that sends and decodes. A Fabric
/// long-running operation waits for its end and returns its result (or, without one, its
/// final state); its `_job` sibling hands out the job instead.
fn output_and_send(operation: &Operation) -> (TokenStream, TokenStream) {
    // A job scheduler run answers `202` and nothing else: the job instance is the result.
    if operation.long_running == LongRunning::JobInstance {
        return (quote!(rt::Job), quote!(start_job_instance));
    }
    if operation.long_running == LongRunning::FabricOperation {
        return match &operation.response {
            Response::None => (quote!(rt::JobStatus), quote!(send_lro_empty)),
            Response::Binary => (quote!(Vec<u8>), quote!(send_lro_bytes)),
            response => {
                let (output, _) = plain_output_and_send(response);
                (output.clone(), quote!(send_lro::<#output>))
            }
        };
    }
    plain_output_and_send(&operation.response)
}

/// The return type and sending call of an operation that answers at once.
fn plain_output_and_send(response: &Response) -> (TokenStream, TokenStream) {
    match response {
        Response::None => (quote!(()), quote!(send_empty)),
        Response::Binary => (quote!(Vec<u8>), quote!(send_bytes)),
        Response::Model(model) => {
            let model = Ident::new(model, Span::call_site());
            (quote!(models::#model), quote!(send_json))
        }
        Response::List(item) => {
            let item = rust_type(item, true);
            (quote!(Vec<#item>), quote!(send_list))
        }
        Response::Array(item) => {
            let item = rust_type(item, true);
            (quote!(Vec<#item>), quote!(send_array))
        }
    }
}

fn method(api: &Api, operation: &Operation) -> TokenStream {
    let name = ident(&operation.name);
    let record = record_name(operation);
    let Signature {
        arguments,
        steps,
        positional_docs,
    } = Signature::of(operation);
    let (output, send) = output_and_send(operation);
    let doc = docs::attributes(&docs::operation(operation, &positional_docs));
    let pages = pages_method(api, operation, &arguments, &steps);
    let job = job_method(operation, &arguments, &steps);
    let (arguments, steps) = (tokens(&arguments), tokens(&steps));
    // Every method (and its `_pages`, `_job` and `_download` siblings, and the options'
    // setters) is `#[inline]`: rustc then compiles it to machine code, with the runtime's
    // generic send path for its answer type, only in a crate that calls it, not in `powerbi`
    // for all 953 operations whichever a user calls (issue 13: the LLVM half of the clients'
    // build). A user's crate compiles the few it calls, as it would generic code.
    quote! {
        #doc
        #[inline]
        pub fn #name(&self, #(#arguments),*) -> impl ::std::future::Future<Output = rt::Result<#output>> + Send + 'static {
            self.client.request(&operations::#record) #(#steps)* .#send()
        }
        #pages
        #job
    }
}

/// The sibling of a long-running operation (`{name}_job`: starts it and returns a handle to
/// wait on) or of a binary download (`{name}_download`: the request, to stream to a writer or
/// a path). Both reuse the method's arguments and request.
fn job_method(
    operation: &Operation,
    arguments: &[Piece<'_>],
    steps: &[Piece<'_>],
) -> Option<TokenStream> {
    let (arguments, steps) = (tokens(arguments), tokens(steps));
    let name = ident(&operation.name);
    let stem = &operation.name;
    let record = record_name(operation);
    let request = quote!(self.client.request(&operations::#record) #(#steps)*);
    // A job scheduler run's method returns its job instance itself: no sibling.
    if operation.long_running == LongRunning::JobInstance {
        return None;
    }
    if let Some(sibling) = fabric_job_method(operation, &arguments, &request) {
        return Some(sibling);
    }
    if operation.long_running != LongRunning::None {
        let job = format_ident!("{stem}_job");
        let kind = contract::long_running(operation.long_running);
        let doc = docs::attributes(&format!(
            "Starts [`{name}`](Self::{name}) and returns a [`Job`](rt::Job) to wait on \
             (progress, timeout, `Retry-After` between polls)."
        ));
        return Some(quote! {
            #doc
            #[inline]
            pub fn #job(&self, #(#arguments),*) -> impl ::std::future::Future<Output = rt::Result<rt::Job>> + Send + 'static {
                rt::Job::start(#request, #kind)
            }
        });
    }
    if operation.response == Response::Binary {
        let download = format_ident!("{stem}_download");
        let doc = docs::attributes(&format!(
            "The request of [`{name}`](Self::{name}), to stream the file with \
             [`send_to_writer`](rt::RequestBuilder::send_to_writer) or \
             [`send_to_path`](rt::RequestBuilder::send_to_path) instead of holding it in memory."
        ));
        return Some(quote! {
            #doc
            #[inline]
            pub fn #download(&self, #(#arguments),*) -> rt::RequestBuilder {
                #request
            }
        });
    }
    None
}

/// The `{name}_job` sibling of a Fabric long-running operation: a [`TypedJob`](rt::TypedJob) of
/// its result where it has one, a plain job otherwise (a binary result is read with
/// [`Job::result_bytes`](rt::Job::result_bytes)); `None` for any other kind.
fn fabric_job_method<'a>(
    operation: &Operation,
    arguments: &(impl Iterator<Item = &'a TokenStream> + Clone),
    request: &TokenStream,
) -> Option<TokenStream> {
    let name = ident(&operation.name);
    let job = format_ident!("{}_job", operation.name);
    let arguments = arguments.clone();
    let (output, start, what) = match (operation.long_running, &operation.response) {
        (LongRunning::FabricOperation, Response::None | Response::Binary) => (
            quote!(rt::Job),
            quote!(rt::Job::start(#request, rt::LongRunning::FabricOperation)),
            "a [`Job`](rt::Job) to wait on (progress, timeout, `Retry-After` between polls)",
        ),
        (LongRunning::FabricOperation, response) => {
            let (result, _) = plain_output_and_send(response);
            (
                quote!(rt::TypedJob<#result>),
                quote!(rt::TypedJob::start(#request)),
                "a [`TypedJob`](rt::TypedJob) to wait on (progress, timeout, `Retry-After` \
                 between polls) whose `result()` is the operation's result",
            )
        }
        _ => return None,
    };
    let doc = docs::attributes(&format!(
        "Starts [`{name}`](Self::{name}) and returns {what}."
    ));
    Some(quote! {
        #doc
        #[inline]
        pub fn #job(&self, #(#arguments),*) -> impl ::std::future::Future<Output = rt::Result<#output>> + Send + 'static {
            #start
        }
    })
}

/// The sibling `{name}_pages` method of an operation the spec pages (`top_skip`, `next_link`,
/// `continuation`): the same arguments and request, handed to one runtime paginator.
/// `top` alone (no `$skip`) cannot page further, so it gets none.
/// What a `_pages` sibling hands the paginator: the item type, the paginator expression and
/// how it pages (for the doc); `arguments` may lose or gain arguments on the way.
type PagedBody = (TokenStream, TokenStream, &'static str);

fn pages_method(
    api: &Api,
    operation: &Operation,
    arguments: &[Piece<'_>],
    steps: &[Piece<'_>],
) -> Option<TokenStream> {
    let name = ident(&operation.name);
    let pages = format_ident!("{}_pages", &operation.name);
    let record = record_name(operation);
    let list_item = || match &operation.response {
        Response::List(item) => Some(rust_type(item, true)),
        _ => None,
    };
    let all_steps = tokens(steps);
    let request = quote!(self.client.request(&operations::#record) #(#all_steps)*);
    let mut arguments = arguments.to_vec();
    let (item, body, how) = match operation.paging {
        Paging::None | Paging::Top => return None,
        Paging::ContinuationUri => {
            let (field, item) = first_list_field(api, operation)?;
            (
                item,
                quote!(rt::Paginator::continuation_uri(#request, #field)),
                "each page's `continuationUri` (on the Fabric host) or `continuationToken` is \
                 followed until none is returned; a `continuation_token` in the options is where \
                 paging starts",
            )
        }
        Paging::TopSkip => {
            let (top, skip) = (number(operation, "$top"), number(operation, "$skip"));
            (
                list_item()?,
                quote!(rt::Paginator::top_skip(#request, #top, #skip)),
                "`$top` is the page size (5000 when not set) and `$skip` where paging starts",
            )
        }
        Paging::NextLink => (
            list_item()?,
            quote!(rt::Paginator::next_link(#request)),
            "each page's `@odata.nextLink` is followed",
        ),
        Paging::Continuation => continuation_pages(api, operation, &mut arguments, steps, request)?,
    };
    let doc = docs::attributes(&format!(
        "Every item of [`{name}`](Self::{name}), page by page: a lazy \
         [`Paginator`](rt::Paginator) (nothing is sent until it is polled); {how}."
    ));
    let arguments = tokens(&arguments);
    Some(quote! {
        #doc
        #[inline]
        pub fn #pages(&self, #(#arguments),*) -> rt::Paginator<#item> {
            #body
        }
    })
}

/// A parameter's value as `Option<i64>`, for `$top`/`$skip`.
fn number(operation: &Operation, wire: &str) -> TokenStream {
    let parameter = operation
        .parameters
        .iter()
        .find(|parameter| parameter.wire_name == wire);
    let Some(parameter) = parameter else {
        return quote!(None);
    };
    let field = ident(&parameter.rust_name);
    let widen = parameter.ty != TypeRef::Integer;
    match (parameter.required, widen) {
        (true, true) => quote!(Some(i64::from(#field))),
        (true, false) => quote!(Some(#field)),
        (false, true) => quote!(options.#field.map(i64::from)),
        (false, false) => quote!(options.#field),
    }
}

/// Continuation paging: the list is the answer model's first list field. An operation with a
/// `startDateTime`..`endDateTime` window pages any time range by UTC day instead, and its
/// sibling takes `start` and `end` in place of the window's parameters.
fn continuation_pages(
    api: &Api,
    operation: &Operation,
    arguments: &mut Vec<Piece<'_>>,
    steps: &[Piece<'_>],
    request: TokenStream,
) -> Option<PagedBody> {
    let (field, item) = first_list_field(api, operation)?;
    let has = |wire: &str| {
        operation
            .parameters
            .iter()
            .any(|parameter| parameter.wire_name == wire)
    };
    if !(has("startDateTime") && has("endDateTime")) {
        return Some((
            item,
            quote!(rt::Paginator::continuation_token(#request, #field)),
            "each page's `continuationUri` (or `continuationToken`) is followed until none is \
             returned or `lastResultSet` is true",
        ));
    }
    // Any time range, one UTC day per request: the runtime fills the dates.
    let skipped = ["startDateTime", "endDateTime", "continuationToken"];
    let carries_skipped =
        |piece: &Piece<'_>| piece.parameter.is_some_and(|wire| skipped.contains(&wire));
    let steps = steps.iter().filter(|step| !carries_skipped(step));
    let steps = steps.map(|step| &step.tokens);
    arguments.retain(|argument| !carries_skipped(argument));
    arguments.insert(0, Piece::plain(quote!(end: rt::DateTime)));
    arguments.insert(0, Piece::plain(quote!(start: rt::DateTime)));
    let record = record_name(operation);
    Some((
        item,
        quote!(rt::Paginator::by_utc_day(
            self.client.request(&operations::#record) #(#steps)*, #field, start, end
        )),
        "the time range `start..end` (any length) is split into UTC days, one request each, \
         and each day's continuations are followed until none is returned or `lastResultSet` \
         is true; the options' dates and token are not used",
    ))
}

/// The wire name and item type of the answer model's first list field: where the items of a
/// continuation page are.
fn first_list_field(api: &Api, operation: &Operation) -> Option<(String, TokenStream)> {
    let field = api.first_list_field(operation)?;
    let TypeRef::List(item) = &field.ty else {
        return None;
    };
    Some((field.wire_name.clone(), rust_type(item, true)))
}

fn options_struct(operation: &Operation) -> Option<TokenStream> {
    let optional: Vec<&Parameter> = operation
        .parameters
        .iter()
        .filter(|parameter| !parameter.required)
        .collect();
    if optional.is_empty() {
        return None;
    }
    let name = options_name(operation);
    let doc = docs::attributes(&format!("Optional parameters of `{}`.", operation.name));
    let fields = optional.iter().map(|parameter| {
        let field = ident(&parameter.rust_name);
        let ty = rust_type(&parameter.ty, true);
        let doc = docs::attributes(&docs::sanitize(
            parameter.doc.as_deref().unwrap_or(&parameter.wire_name),
        ));
        quote! { #doc pub #field: Option<#ty>, }
    });
    let setters = optional.iter().map(|parameter| {
        let field = ident(&parameter.rust_name);
        let doc = docs::attributes(&format!("Sets `{}`.", parameter.wire_name));
        if parameter.ty == TypeRef::String {
            quote! {
                #doc
                pub fn #field(mut self, value: impl Into<String>) -> Self {
                    self.#field = Some(value.into());
                    self
                }
            }
        } else {
            let ty = rust_type(&parameter.ty, true);
            quote! {
                #doc
                #[inline]
                pub fn #field(mut self, value: #ty) -> Self {
                    self.#field = Some(value);
                    self
                }
            }
        }
    });
    Some(quote! {
        #doc
        #[derive(Debug, Clone, Default, PartialEq)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }
        impl #name {
            #(#setters)*
        }
    })
}
