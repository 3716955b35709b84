//! A service principal signing in with a client assertion that code supplies: a closure that
//! returns a federated token (or any JWT Entra ID accepts for the app), called for every token
//! request. Ready helpers ask the OIDC endpoints of GitHub Actions and Azure Pipelines, so a CI
//! job signs in with no secret and no token file.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use url::Url;

use super::credentials::app_key;
use super::entra::{assertion_grant, failure, send};
use super::{AccessToken, IdentityKind, Secret, TokenContext, TokenCredential};
use crate::fields::field;
use crate::{Error, Result};

/// The audience Entra ID expects in a federated token.
pub const FEDERATED_AUDIENCE: &str = "api://AzureADTokenExchange";

/// Produces a client assertion: called with the HTTP client the credential signs in with.
type Assertion = Arc<dyn Fn(reqwest::Client) -> BoxFuture<'static, Result<Secret>> + Send + Sync>;

/// A service principal signing in with a client assertion from a closure (the
/// client-credentials grant with `client_assertion`, type jwt-bearer).
///
/// The closure runs for every token request (tokens are cached as for any credential), so it
/// can fetch a fresh federated token each time. [`github_actions`](Self::github_actions) and
/// [`azure_pipelines`](Self::azure_pipelines) are ready closures for CI. The app registration
/// needs a federated credential whose issuer, subject and audience
/// ([`FEDERATED_AUDIENCE`]) match the token.
#[derive(Clone)]
pub struct ClientAssertionCredential {
    tenant_id: String,
    client_id: String,
    source: &'static str,
    assertion: Assertion,
}

impl std::fmt::Debug for ClientAssertionCredential {
    #[inline]
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAssertionCredential")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl ClientAssertionCredential {
    /// Signs in as `client_id` in `tenant_id` with the assertion `assertion` returns.
    pub fn new<F, Fut>(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        assertion: F,
    ) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String>> + Send + 'static,
    {
        let assertion = Arc::new(assertion);
        Self::with_source(tenant_id, client_id, "a closure", move |_| {
            let assertion = Arc::clone(&assertion);
            Box::pin(async move { assertion().await.map(Secret::new) })
        })
    }

    fn with_source(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        source: &'static str,
        assertion: impl Fn(reqwest::Client) -> BoxFuture<'static, Result<Secret>>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        ClientAssertionCredential {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            source,
            assertion: Arc::new(assertion),
        }
    }

    /// In a GitHub Actions job (with `permissions: id-token: write`): asks the job's OIDC
    /// endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL`, with `ACTIONS_ID_TOKEN_REQUEST_TOKEN`) for a
    /// token with audience [`FEDERATED_AUDIENCE`]. `vars` are the environment's variables
    /// (`std::env::vars().collect()`); a configuration error names what is missing.
    pub fn github_actions(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        vars: &HashMap<String, String>,
    ) -> Result<Self> {
        let [url, token] = required(
            vars,
            "GitHub Actions",
            [
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            ],
            "give the job `permissions: id-token: write`",
        )?;
        let mut url = parse(&url, "ACTIONS_ID_TOKEN_REQUEST_URL")?;
        url.query_pairs_mut()
            .append_pair("audience", FEDERATED_AUDIENCE);
        let token = Secret::new(token);
        Ok(Self::with_source(
            tenant_id,
            client_id,
            "GitHub Actions",
            move |http| {
                let request = http.get(url.clone()).bearer_auth(token.expose());
                Box::pin(fetch(url.clone(), request, "GitHub Actions", "value"))
            },
        ))
    }

    /// In an Azure Pipelines job that uses an Azure Resource Manager service connection with
    /// workload identity federation: asks the job's OIDC endpoint (`SYSTEM_OIDCREQUESTURI`, with
    /// `SYSTEM_ACCESSTOKEN`) for the token of `service_connection_id`. `vars` are the
    /// environment's variables; a configuration error names what is missing.
    pub fn azure_pipelines(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        service_connection_id: &str,
        vars: &HashMap<String, String>,
    ) -> Result<Self> {
        let [uri, token] = required(
            vars,
            "Azure Pipelines",
            ["SYSTEM_OIDCREQUESTURI", "SYSTEM_ACCESSTOKEN"],
            "map `SYSTEM_ACCESSTOKEN: $(System.AccessToken)` into the step's environment",
        )?;
        let mut url = parse(&uri, "SYSTEM_OIDCREQUESTURI")?;
        url.query_pairs_mut()
            .append_pair("api-version", "7.1")
            .append_pair("serviceConnectionId", service_connection_id);
        let token = Secret::new(token);
        Ok(Self::with_source(
            tenant_id,
            client_id,
            "Azure Pipelines",
            move |http| {
                let request = http
                    .post(url.clone())
                    .bearer_auth(token.expose())
                    .header(reqwest::header::CONTENT_LENGTH, "0");
                Box::pin(fetch(url.clone(), request, "Azure Pipelines", "oidcToken"))
            },
        ))
    }
}

/// The values of `names`, or a configuration error naming the missing ones and the fix.
fn required<const N: usize>(
    vars: &HashMap<String, String>,
    system: &str,
    names: [&str; N],
    fix: &str,
) -> Result<[String; N]> {
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| vars.get(*name).is_none_or(|value| value.trim().is_empty()))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Config(format!(
            "{system} OIDC needs {} set: {fix}",
            missing.join(" and ")
        )));
    }
    Ok(names.map(|name| {
        vars.get(name)
            .map(|value| value.trim().to_owned())
            .unwrap_or_default()
    }))
}

#[inline]
fn parse(url: &str, name: &str) -> Result<Url> {
    Url::parse(url).map_err(|error| Error::Config(format!("{name} is not a URL: {error}")))
}

/// Sends `request` (to `url`, a CI system's OIDC endpoint) through the sign-in path's one
/// sender (bounded read, transport errors naming the host) and reads the token from `key` of
/// its JSON answer.
#[inline]
async fn fetch(
    url: Url,
    request: reqwest::RequestBuilder,
    system: &'static str,
    key: &str,
) -> Result<Secret> {
    let kind = "client assertion";
    let fail = |what: String| failure(kind, format!("{system} OIDC token: {what}"), None);
    let (status, body) = send(kind, &url, request).await?;
    if !(200..300).contains(&status) {
        return Err(fail(format!("the endpoint answered {status}")));
    }
    let object: serde_json::Value =
        serde_json::from_slice(&body).map_err(|_| fail("the answer is not JSON".to_owned()))?;
    match field::<String>(&object, key) {
        Ok(Some(token)) if !token.trim().is_empty() => Ok(Secret::new(token.trim())),
        _ => Err(fail(format!("the answer has no `{key}`"))),
    }
}

impl TokenCredential for ClientAssertionCredential {
    #[inline]
    fn get_token<'a>(&'a self, context: TokenContext<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let kind = self.kind();
            let assertion = (self.assertion)(context.http.clone()).await?;
            if assertion.expose().trim().is_empty() {
                return Err(failure(
                    kind,
                    format!("the assertion from {} is empty", self.source),
                    None,
                ));
            }
            assertion_grant(
                context,
                kind,
                &self.tenant_id,
                &self.client_id,
                assertion.expose().trim(),
            )
            .await
        })
    }

    #[inline]
    fn kind(&self) -> &'static str {
        "client assertion"
    }

    #[inline]
    fn cache_key(&self) -> Option<String> {
        Some(app_key(&self.tenant_id, &self.client_id))
    }

    #[inline]
    fn identity_kind(&self) -> IdentityKind {
        IdentityKind::ServicePrincipal
    }
}
