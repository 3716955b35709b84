//! Request bodies (a model, or a file) and responses (none, binary, a model, a list).

use crate::api::{Body, BodyKind, Response, TypeRef};
use crate::spec::load::SourceFile;
use crate::spec::raw::RawBody;

use super::checker::Checker;

impl Checker<'_, '_> {
    /// `body: Model`, `body: {model: Model, required: false}` or `body: file`.
    pub(super) fn body(
        &mut self,
        file: &SourceFile,
        (base, item): (&str, &str),
        body: &RawBody,
    ) -> Option<Body> {
        let (model, required) = match body {
            RawBody::Model(model) => (model, true),
            RawBody::Detailed { model, required } => (model, *required),
        };
        if model == "file" {
            return Some(Body {
                kind: BodyKind::File,
                required,
            });
        }
        match self.types.get(model) {
            Some(declared) if declared.is_model => Some(Body {
                kind: BodyKind::Json(model.clone()),
                required,
            }),
            Some(_) => {
                let message = format!("body '{model}' is an enum; a body must be a model");
                self.report(file, &format!("{base}/body"), item, message);
                None
            }
            None => {
                let message = format!(
                    "unknown body model '{model}'; declare it under `models:` in some spec file"
                );
                self.report(file, &format!("{base}/body"), item, message);
                None
            }
        }
    }

    /// `none`, `binary`, a model, `list<T>` (an OData `value` list) or `array<T>`.
    pub(super) fn response(
        &mut self,
        file: &SourceFile,
        (base, item): (&str, &str),
        text: &str,
    ) -> Option<Response> {
        let node = format!("{base}/response");
        match text {
            "none" => return Some(Response::None),
            "binary" => return Some(Response::Binary),
            _ => {}
        }
        for (prefix, make) in [
            ("list", Response::List as fn(TypeRef) -> Response),
            ("array", Response::Array),
        ] {
            if text == prefix || text.starts_with(&format!("{prefix}<")) {
                let inner = text
                    .strip_prefix(prefix)
                    .and_then(|rest| rest.strip_prefix('<'))
                    .and_then(|rest| rest.strip_suffix('>'))
                    .map(str::trim)
                    .unwrap_or("");
                if inner.is_empty() {
                    let message =
                        format!("response '{text}' has no item type; write `{prefix}<ModelName>`");
                    self.report(file, &node, item, message);
                    return None;
                }
                return self.type_expression(file, &node, item, inner).map(make);
            }
        }
        self.response_model(file, &node, item, text)
            .map(Response::Model)
    }

    fn response_model(
        &mut self,
        file: &SourceFile,
        node: &str,
        item: &str,
        name: &str,
    ) -> Option<String> {
        match self.types.get(name) {
            Some(declared) if declared.is_model => Some(name.to_owned()),
            Some(_) => {
                self.report(file, node, item, format!("response '{name}' is an enum; a response must be a model (or none, binary, list<Model>, array<Model>)"));
                None
            }
            None => {
                self.report(file, node, item, format!("unknown response model '{name}'; expected none, binary, a model, list<Model> or array<Model>"));
                None
            }
        }
    }
}
