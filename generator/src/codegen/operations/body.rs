//! The request body's argument and step of a generated method: one runtime call per kind.

use proc_macro2::{Ident, Span};
use quote::quote;

use super::{Piece, Signature};
use crate::api::{Body, BodyKind};
use crate::codegen::rust_type;

impl Signature<'_> {
    pub(super) fn body(&mut self, body: Option<&Body>) {
        let Some(Body { kind, required }) = body else {
            return;
        };
        let required = *required;
        let (name, argument, step, doc) = match kind {
            BodyKind::Json(model) => {
                let doc = format!("The request body ([`{model}`](models::{model})).");
                let model = Ident::new(model, Span::call_site());
                if required {
                    (
                        "body",
                        quote!(body: &models::#model),
                        quote!(.json_body(body)),
                        doc,
                    )
                } else {
                    let argument = quote!(body: Option<&models::#model>);
                    ("body", argument, quote!(.json_body_opt(body)), doc)
                }
            }
            BodyKind::Array(item) => {
                let doc = "The request body, sent as a JSON array.".to_owned();
                let item = rust_type(item, true);
                if required {
                    (
                        "body",
                        quote!(body: &[#item]),
                        quote!(.json_body(&body)),
                        doc,
                    )
                } else {
                    let argument = quote!(body: Option<&[#item]>);
                    let doc = format!("{doc} `None` sends no body.");
                    ("body", argument, quote!(.json_body_opt(body.as_ref())), doc)
                }
            }
            BodyKind::File => {
                let doc = "The file to upload (sent as `multipart/form-data`).".to_owned();
                (
                    "file",
                    quote!(file: rt::Upload),
                    quote!(.file_body(file)),
                    doc,
                )
            }
            BodyKind::Bytes { content_type } => {
                let doc = format!(
                    "The file to send as the request body, streamed (`Content-Type: {content_type}`)."
                );
                if required {
                    let step = quote!(.bytes_body(file, #content_type));
                    ("file", quote!(file: rt::Upload), step, doc)
                } else {
                    let step = quote!(.bytes_body_opt(file, #content_type));
                    let doc = format!("{doc} `None` sends no body.");
                    ("file", quote!(file: Option<rt::Upload>), step, doc)
                }
            }
        };
        self.argument(Piece::plain(argument), name, Some(&doc));
        self.steps.push(Piece::plain(step));
    }
}
