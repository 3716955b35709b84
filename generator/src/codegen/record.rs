//! The `rt::Operation` record of each operation: the facts of the spec as a runtime table,
//! parameters and body included, so that a dynamic caller (the `pbi` command line) can fill a
//! request from the record alone.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::{contract, docs};
use crate::api::{Api, Body, BodyKind, Category, Operation, Paging, Response};
use crate::naming;

/// `GET_DATASETS` for `get_datasets`: the record's static.
pub fn record_name(operation: &Operation) -> Ident {
    Ident::new(&naming::screaming(&operation.name), Span::call_site())
}

/// The `rt::Operation` record of an operation.
pub fn record(
    api: &Api,
    runtime_api: &contract::RuntimeApi,
    category: &Category,
    operation: &Operation,
) -> TokenStream {
    let api_variant = &runtime_api.variant;
    let name = record_name(operation);
    let operation_name = &operation.name;
    let category_name = &category.name;
    let ids = &operation.operation_ids;
    let summary = &operation.summary;
    let docs_url = &operation.docs_url;
    let path = &operation.path;
    let method = contract::http_method(operation.method);
    let workspace = contract::workspace_scope(operation.workspace);
    let service_principal = contract::service_principal(operation.service_principal);
    let paging = contract::paging(operation.paging);
    let long_running = contract::long_running(operation.long_running);
    let retry_safe = operation.retry_safe;
    let body_form_of = optional(operation.body_form_of.as_deref());
    let scopes = operation.scopes.iter().map(|set| quote!(&[#(#set),*]));
    let parameters = operation.parameters.iter().map(|parameter| {
        let wire = &parameter.wire_name;
        let location = contract::parameter_location(parameter.location);
        let ty = parameter.ty.to_string();
        let required = parameter.required;
        let quoted = parameter.quoted;
        let doc = parameter.doc.as_deref().unwrap_or_default();
        quote!(rt::Parameter {
            name: #wire, location: #location, ty: #ty, required: #required, quoted: #quoted, doc: #doc,
        })
    });
    let body = body(operation.body.as_ref());
    let response = match &operation.response {
        Response::None => "none".to_owned(),
        Response::Binary => "binary".to_owned(),
        Response::Model(model) => model.clone(),
        Response::List(item) => format!("list<{item}>"),
        Response::Array(item) => format!("array<{item}>"),
    };
    let items_field = optional(items_field(api, operation).as_deref());
    let limits = optional(operation.limits.as_deref());
    let doc = docs::attributes(&format!(
        "`{}`: {}",
        operation.name,
        docs::sanitize(summary)
    ));
    quote! {
        #doc
        pub static #name: rt::Operation = rt::Operation {
            api: #api_variant,
            name: #operation_name,
            category: #category_name,
            operation_ids: &[#(#ids),*],
            body_form_of: #body_form_of,
            summary: #summary,
            docs_url: #docs_url,
            method: #method,
            path: #path,
            workspace: #workspace,
            scopes: &[#(#scopes),*],
            service_principal: #service_principal,
            paging: #paging,
            long_running: #long_running,
            retry_safe: #retry_safe,
            parameters: &[#(#parameters),*],
            body: #body,
            response: #response,
            items_field: #items_field,
            limits: #limits,
        };
    }
}

fn optional(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) => quote!(Some(#text)),
        None => quote!(None),
    }
}

fn body(body: Option<&Body>) -> TokenStream {
    match body {
        None => quote!(rt::RequestBody::None),
        Some(Body {
            kind: BodyKind::Json(model),
            required,
        }) => quote!(rt::RequestBody::Json { model: #model, required: #required }),
        Some(Body {
            kind: BodyKind::File,
            ..
        }) => quote!(rt::RequestBody::File),
        Some(Body {
            kind: BodyKind::Bytes { content_type },
            required,
        }) => quote!(rt::RequestBody::Bytes { content_type: #content_type, required: #required }),
        Some(Body {
            kind: BodyKind::Array(item),
            required,
        }) => {
            let item = item.to_string();
            quote!(rt::RequestBody::Array { item: #item, required: #required })
        }
    }
}

/// For continuation paging (Power BI's or Fabric's): the answer model's first list field,
/// where the items are (the field the generated `*_pages` method pages over).
pub fn items_field(api: &Api, operation: &Operation) -> Option<String> {
    if !matches!(
        operation.paging,
        Paging::Continuation | Paging::ContinuationUri
    ) {
        return None;
    }
    api.first_list_field(operation)
        .map(|field| field.wire_name.clone())
}
