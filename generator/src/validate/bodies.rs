//! Request bodies (a model, a JSON array, a multipart file or raw bytes) and responses (none, binary, a model, a list).

use crate::api::{Body, BodyKind, Response, TypeRef};
use crate::spec::load::SourceFile;
use crate::spec::raw::RawBody;

use super::checker::Checker;

impl Checker<'_, '_> {
    /// `body: Model`, `body: {model: Model, required: false}`, `body: file`, `body: bytes`
    /// (optionally `{model: bytes, content_type: text/plain}`) or `body: array<T>`.
    pub(super) fn body(
        &mut self,
        file: &SourceFile,
        (base, item): (&str, &str),
        body: &RawBody,
    ) -> Option<Body> {
        let node = format!("{base}/body");
        let (model, required, content_type) = match body {
            RawBody::Model(model) => (model.trim(), true, None),
            RawBody::Detailed {
                model,
                required,
                content_type,
            } => (model.trim(), *required, content_type.as_deref()),
        };
        if let Some(content_type) = content_type.filter(|_| model != "bytes") {
            let message = format!(
                "`content_type: {content_type}` is for a raw body (`model: bytes`); body '{model}' sets its own"
            );
            self.report(file, &format!("{node}/content_type"), item, message);
            return None;
        }
        let kind = match model {
            "file" => BodyKind::File,
            "bytes" => BodyKind::Bytes {
                content_type: self.content_type(file, &node, item, content_type)?,
            },
            _ if model.starts_with("array<") || model.starts_with("list<") => {
                self.array_body(file, &node, item, model)?
            }
            _ => BodyKind::Json(self.body_model(file, &node, item, model)?),
        };
        Some(Body { kind, required })
    }

    fn body_model(
        &mut self,
        file: &SourceFile,
        node: &str,
        item: &str,
        model: &str,
    ) -> Option<String> {
        match self.types.get(model) {
            Some(declared) if declared.is_model => Some(model.to_owned()),
            Some(_) => {
                let message = format!("body '{model}' is an enum; a body must be a model");
                self.report(file, node, item, message);
                None
            }
            None => {
                let message = format!(
                    "unknown body model '{model}'; declare it under `models:` in some spec file (or write file, bytes or array<T>)"
                );
                self.report(file, node, item, message);
                None
            }
        }
    }

    /// The `Content-Type` of a raw body: `type/subtype`, `application/octet-stream` by default.
    fn content_type(
        &mut self,
        file: &SourceFile,
        node: &str,
        item: &str,
        content_type: Option<&str>,
    ) -> Option<String> {
        let Some(text) = content_type else {
            return Some("application/octet-stream".to_owned());
        };
        let well_formed = text.split_once('/').is_some_and(|(kind, subtype)| {
            let token = |part: &str| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|byte| byte.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&byte))
            };
            token(kind) && token(subtype)
        });
        if !well_formed || text.contains("multipart/") || text.ends_with("/json") {
            let message = format!(
                "`content_type` '{text}' must be a media type `type/subtype` for a raw body (not JSON, which a model or array<T> sends, nor multipart, which `file` sends)"
            );
            self.report(file, &format!("{node}/content_type"), item, message);
            return None;
        }
        Some(text.to_owned())
    }

    /// `array<T>`: a bare JSON array of `T` (a scalar, an enum or a model).
    fn array_body(
        &mut self,
        file: &SourceFile,
        node: &str,
        item: &str,
        text: &str,
    ) -> Option<BodyKind> {
        let inner = text
            .strip_prefix("array<")
            .and_then(|rest| rest.strip_suffix('>'))
            .map(str::trim);
        let Some(inner) = inner.filter(|inner| !inner.is_empty()) else {
            let message = if text.starts_with("list<") {
                format!(
                    "body '{text}': a JSON array body is `array<T>` (`list<T>` is the OData `value` wrapper of responses)"
                )
            } else {
                format!(
                    "body '{text}' has no item type; write `array<string>` or `array<ModelName>`"
                )
            };
            self.report(file, node, item, message);
            return None;
        };
        let ty = self.type_expression(file, node, item, inner)?;
        if matches!(ty, TypeRef::List(_) | TypeRef::Map(_) | TypeRef::Json) {
            let message = format!(
                "body '{text}': the items of an array body are scalars, enums or models, not {inner}"
            );
            self.report(file, node, item, message);
            return None;
        }
        Some(BodyKind::Array(ty))
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
