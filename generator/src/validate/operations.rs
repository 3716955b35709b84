//! Operations: their required keys, name and links, and the parts checked elsewhere (keyword
//! keys, parameters, path, body, response, scopes), put together.

use crate::api::{LongRunning, Operation, Paging};
use crate::naming;
use crate::spec::load::SourceFile;
use crate::spec::raw::RawOperation;

use super::checker::Checker;
use super::keywords::{LONG_RUNNING, METHOD, PAGING, RETRY_SAFE, SERVICE_PRINCIPAL, WORKSPACE};

impl Checker<'_, '_> {
    /// The validated operation, or `None` once its problems are reported.
    pub(super) fn operation(&mut self, file: &SourceFile, raw: &RawOperation) -> Option<Operation> {
        let base = format!("operations/{}", raw.index);
        let item = match &raw.name {
            Some(name) => format!("operation '{name}'"),
            None => format!("operation #{}", raw.index + 1),
        };
        let at = (base.as_str(), item.as_str());
        let mut ok = self.required_keys(file, at, raw);
        ok &= self.operation_name(file, at, raw.name.as_deref());
        ok &= self.operation_links(file, at, raw);

        let method = self.keyword(file, at, &METHOD, raw.method.as_deref());
        let workspace = self.keyword(file, at, &WORKSPACE, raw.workspace.as_deref());
        let paging = self.keyword(file, at, &PAGING, raw.paging.as_deref());
        let long_running = self.keyword(file, at, &LONG_RUNNING, raw.long_running.as_deref());
        let service_principal = self.keyword(
            file,
            at,
            &SERVICE_PRINCIPAL,
            raw.service_principal.as_deref(),
        );
        let retry_safe = self.keyword(file, at, &RETRY_SAFE, raw.retry.as_deref());
        ok &= (method.is_some() || raw.method.is_none())
            && (workspace.is_some() || raw.workspace.is_none())
            && (paging.is_some() || raw.paging.is_none())
            && (long_running.is_some() || raw.long_running.is_none())
            && (service_principal.is_some() || raw.service_principal.is_none())
            && (retry_safe.is_some() || raw.retry.is_none());

        ok &= self.kinds_of_the_api(file, at, paging, long_running);

        let parameters = self.parameters(file, &base, &item, raw, workspace);
        ok &= parameters.is_some();
        if let (Some(path), Some(parameters), Some(workspace)) = (&raw.path, &parameters, workspace)
        {
            ok &= self.path(file, &base, &item, path, parameters, workspace);
        }
        let body = raw.body.as_ref().and_then(|body| self.body(file, at, body));
        ok &= body.is_some() == raw.body.is_some();
        let response = (raw.response.as_deref()).and_then(|text| self.response(file, at, text));
        ok &= response.is_some() || raw.response.is_none();
        let scopes = raw.scopes.as_ref().map(|scopes| {
            let (sets, known) = self.operation_scopes(file, at, scopes);
            ok &= known;
            sets
        });

        if !ok {
            return None;
        }
        Some(Operation {
            name: raw.name.clone()?,
            // A body form takes its operationIds from the operation it is a form of, once
            // every operation of the category is read (`body_forms`).
            operation_ids: match &raw.body_form_of {
                Some(_) => Vec::new(),
                None => raw.operation_ids.clone()?,
            },
            body_form_of: raw.body_form_of.clone(),
            body_forms: Vec::new(),
            summary: raw.summary.as_ref()?.trim().to_owned(),
            docs_url: raw.docs_url.clone()?,
            method: method?,
            path: raw.path.clone()?,
            workspace: workspace?,
            parameters: parameters?,
            body,
            response: response?,
            scopes: scopes?,
            service_principal: service_principal?,
            paging: paging?,
            long_running: long_running?,
            retry_safe: retry_safe?,
            limits: raw.limits.clone(),
            notes: raw.notes.clone(),
            declared_at: file.location(&base),
        })
    }

    /// The paging kind and long-running protocol are among those the API declares (api.yaml
    /// `paging` and `long_running`).
    fn kinds_of_the_api(
        &mut self,
        file: &SourceFile,
        (base, item): (&str, &str),
        paging: Option<Paging>,
        long_running: Option<LongRunning>,
    ) -> bool {
        let Some(description) = &self.description else {
            return true;
        };
        let name = description.name.clone();
        let mut problems = Vec::new();
        if let Some(paging) = paging
            && paging != Paging::None
            && !description.paging.contains(&paging)
        {
            problems.push((
                "paging",
                word(PAGING.words, paging),
                words(PAGING.words, &description.paging),
            ));
        }
        if let Some(kind) = long_running
            && kind != LongRunning::None
            && !description.long_running.contains(&kind)
        {
            let listed = words(LONG_RUNNING.words, &description.long_running);
            problems.push(("long_running", word(LONG_RUNNING.words, kind), listed));
        }
        for (key, value, listed) in &problems {
            let message = format!(
                "`{key}: {value}` is not a kind API '{name}' uses; its api.yaml `{key}` lists: {listed}"
            );
            self.report(file, &format!("{base}/{key}"), item, message);
        }
        problems.is_empty()
    }

    /// Reports the required keys the operation lacks, all in one message.
    fn required_keys(
        &mut self,
        file: &SourceFile,
        (base, item): (&str, &str),
        raw: &RawOperation,
    ) -> bool {
        let present = [
            ("name", raw.name.is_some()),
            (
                "operation_ids",
                raw.operation_ids.is_some() || raw.body_form_of.is_some(),
            ),
            ("summary", raw.summary.is_some()),
            ("docs_url", raw.docs_url.is_some()),
            ("method", raw.method.is_some()),
            ("path", raw.path.is_some()),
            ("response", raw.response.is_some()),
            ("scopes", raw.scopes.is_some()),
            ("service_principal", raw.service_principal.is_some()),
        ];
        let keys: Vec<String> = present
            .iter()
            .filter(|(_, present)| !present)
            .map(|(key, _)| format!("`{key}`"))
            .collect();
        if keys.is_empty() {
            return true;
        }
        let message = format!(
            "missing required key{} {} (see spec/README.md)",
            if keys.len() > 1 { "s" } else { "" },
            keys.join(", ")
        );
        self.report(file, base, item, message);
        false
    }

    /// An operation's name becomes a method: snake_case, not a keyword, not `new`.
    fn operation_name(
        &mut self,
        file: &SourceFile,
        (base, item): (&str, &str),
        name: Option<&str>,
    ) -> bool {
        let Some(name) = name else {
            return true;
        };
        let message = if !naming::is_snake_case(name) {
            format!(
                "operation names are snake_case; write '{}'",
                naming::member_name(name)
            )
        } else if naming::is_keyword(name) {
            format!(
                "'{name}' is a Rust keyword and cannot name a method; choose another name (for example '{name}_item')"
            )
        } else if name == "new" {
            "'new' is the category client's constructor and cannot name an operation; choose another name (for example 'create')".to_owned()
        } else {
            return true;
        };
        self.report(file, &format!("{base}/name"), item, message);
        false
    }

    /// `operation_ids` names Microsoft's operations; `docs_url` is a Microsoft Learn page.
    fn operation_links(
        &mut self,
        file: &SourceFile,
        (base, item): (&str, &str),
        raw: &RawOperation,
    ) -> bool {
        let mut ok = true;
        if let Some(ids) = &raw.operation_ids
            && ids.is_empty()
        {
            self.report(
                file,
                &format!("{base}/operation_ids"),
                item,
                "`operation_ids` must name at least one Microsoft operationId",
            );
            ok = false;
        }
        if let Some(url) = &raw.docs_url
            && !url.starts_with("https://learn.microsoft.com/")
        {
            self.report(
                file,
                &format!("{base}/docs_url"),
                item,
                format!("`docs_url` must be a https://learn.microsoft.com/ page, found '{url}'"),
            );
            ok = false;
        }
        ok
    }
}

/// The spec's word for `value`.
fn word<T: PartialEq>(words: &[(&'static str, T)], value: T) -> &'static str {
    words
        .iter()
        .find(|(_, known)| *known == value)
        .map_or("?", |(word, _)| word)
}

/// The spec's words for `values`, comma-separated (`none` when empty).
fn words<T: PartialEq + Copy>(table: &[(&'static str, T)], values: &[T]) -> String {
    if values.is_empty() {
        return "none".to_owned();
    }
    values
        .iter()
        .map(|value| word(table, *value))
        .collect::<Vec<_>>()
        .join(", ")
}
