//! Managed identities: automation running in Azure signs in with no secret of its own.

use std::collections::HashMap;
use std::time::Duration;

use futures::future::BoxFuture;
use url::Url;

use super::entra::{read_token_answer, send};
use super::{AccessToken, IdentityKind, Secret, TokenContext, TokenCredential};
use crate::{Error, Result, redact};

/// The VM instance metadata service (IMDS).
const IMDS: &str = "http://169.254.169.254";

#[derive(Clone)]
enum Source {
    /// App Service, Functions, Container Apps: `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`.
    AppService { endpoint: Url, header: Secret },
    /// Virtual machines and scale sets: the instance metadata service.
    Imds { base: Url },
}

/// The endpoints through the URL redactor (an endpoint given with a query or user info
/// keeps them out of `Debug`).
impl std::fmt::Debug for Source {
    #[inline]
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::AppService { endpoint, header } => f
                .debug_struct("AppService")
                .field("endpoint", &redact::url(endpoint))
                .field("header", header)
                .finish(),
            Source::Imds { base } => f
                .debug_struct("Imds")
                .field("base", &redact::url(base))
                .finish(),
        }
    }
}

/// A managed identity: the App Service / Functions / Container Apps identity endpoint
/// (`IDENTITY_ENDPOINT` and `IDENTITY_HEADER`), or a virtual machine's instance metadata
/// service (IMDS, `http://169.254.169.254`, configurable so the sandbox can stand in).
///
/// System-assigned by default; [`with_client_id`](Self::with_client_id) picks a user-assigned
/// identity. The managed identity is a service principal: add it to the workspaces it uses and
/// to the security group the "Service principals can use Fabric APIs" tenant setting names.
///
/// ```no_run
/// # // The runtime alone, as `powerbi` (which re-exports it) shows it:
/// # mod powerbi { pub use powerbi_runtime::{*, Client as PowerBiClient}; pub use powerbi_runtime as runtime; }
/// use std::collections::HashMap;
/// use powerbi::auth::ManagedIdentityCredential;
/// let vars: HashMap<String, String> = std::env::vars().collect();
/// let credential = ManagedIdentityCredential::from_env(&vars);
/// ```
#[derive(Debug, Clone)]
pub struct ManagedIdentityCredential {
    source: Source,
    client_id: Option<String>,
    timeout: Option<Duration>,
}

#[inline]
fn imds_default() -> Url {
    Url::parse(IMDS).unwrap_or_else(|_| unreachable!("the IMDS address parses"))
}

impl ManagedIdentityCredential {
    /// App Service / Functions when `vars` has `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`
    /// (pass `std::env::vars().collect()`), the VM metadata service otherwise.
    #[inline]
    pub fn from_env(vars: &HashMap<String, String>) -> Self {
        let get = |name: &str| vars.get(name).filter(|value| !value.is_empty());
        let app_service = get("IDENTITY_ENDPOINT")
            .and_then(|endpoint| Url::parse(endpoint).ok())
            .zip(get("IDENTITY_HEADER"));
        match app_service {
            Some((endpoint, header)) => Self::app_service(endpoint, header.as_str()),
            None => Self::imds(),
        }
    }

    /// The App Service / Functions identity endpoint (the values of `IDENTITY_ENDPOINT` and
    /// `IDENTITY_HEADER`).
    pub fn app_service(endpoint: Url, identity_header: impl Into<Secret>) -> Self {
        ManagedIdentityCredential {
            source: Source::AppService {
                endpoint,
                header: identity_header.into(),
            },
            client_id: None,
            timeout: None,
        }
    }

    /// The VM instance metadata service at `http://169.254.169.254`.
    #[inline]
    pub fn imds() -> Self {
        Self::imds_at(imds_default())
    }

    /// The instance metadata service at another address (`http://host:port`), such as the
    /// sandbox's: the token path `/metadata/identity/oauth2/token` is appended.
    #[inline]
    pub fn imds_at(base: Url) -> Self {
        ManagedIdentityCredential {
            source: Source::Imds { base },
            client_id: None,
            timeout: None,
        }
    }

    /// A user-assigned identity, by its client id.
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Gives up on the endpoint after `timeout` (useful in a chain on machines that are not
    /// in Azure, where the metadata address may not answer at all).
    #[inline]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    #[inline]
    fn request(&self, context: &TokenContext<'_>) -> Result<(Url, reqwest::RequestBuilder)> {
        let resource = context.resource();
        let (url, request) = match &self.source {
            Source::AppService { endpoint, header } => {
                let mut url = endpoint.clone();
                {
                    let mut query = url.query_pairs_mut();
                    query
                        .append_pair("api-version", "2019-08-01")
                        .append_pair("resource", resource);
                    if let Some(client_id) = &self.client_id {
                        query.append_pair("client_id", client_id);
                    }
                }
                let request = context
                    .http
                    .get(url.clone())
                    .header("X-IDENTITY-HEADER", header.expose());
                (url, request)
            }
            Source::Imds { base } => {
                let mut url = base.clone();
                url.path_segments_mut()
                    .map_err(|()| {
                        Error::Config("the IMDS address cannot be a base URL".to_owned())
                    })?
                    .pop_if_empty()
                    .extend(["metadata", "identity", "oauth2", "token"]);
                {
                    let mut query = url.query_pairs_mut();
                    query
                        .append_pair("api-version", "2018-02-01")
                        .append_pair("resource", resource);
                    if let Some(client_id) = &self.client_id {
                        query.append_pair("client_id", client_id);
                    }
                }
                let request = context.http.get(url.clone()).header("Metadata", "true");
                (url, request)
            }
        };
        let request = match self.timeout {
            Some(timeout) => request.timeout(timeout),
            None => request,
        };
        Ok((url, request))
    }

    #[inline]
    fn source_name(&self) -> &'static str {
        match self.source {
            Source::AppService { .. } => "the App Service identity endpoint",
            Source::Imds { .. } => "the instance metadata service (IMDS)",
        }
    }
}

impl TokenCredential for ManagedIdentityCredential {
    #[inline]
    fn get_token<'a>(&'a self, context: TokenContext<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let kind = self.kind();
            let (url, request) = self.request(&context)?;
            let (status, body) = match send(kind, &url, request).await {
                Ok(answer) => answer,
                Err(Error::Auth(mut error)) => {
                    error.description = Some(format!(
                        "{} did not answer ({})",
                        self.source_name(),
                        error.description.as_deref().unwrap_or("no answer")
                    ));
                    error.hint = Some(
                        "no managed identity here: run in Azure with a managed identity enabled, or use another credential",
                    );
                    return Err(Error::Auth(error));
                }
                Err(other) => return Err(other),
            };
            match read_token_answer(kind, status, &body) {
                Ok(granted) => Ok(granted.token),
                Err(Error::Auth(mut error)) => {
                    if error.hint.is_none() {
                        error.hint = Some(match status {
                            400 if self.client_id.is_some() => {
                                "no user-assigned identity with this client id is attached to this resource"
                            }
                            400 => "no system-assigned identity is enabled on this resource",
                            401 | 403 => {
                                "the identity endpoint refused the request: check IDENTITY_HEADER"
                            }
                            _ => "the managed identity endpoint failed; it is retried later",
                        });
                    }
                    Err(Error::Auth(error))
                }
                Err(other) => Err(other),
            }
        })
    }

    #[inline]
    fn kind(&self) -> &'static str {
        "managed identity"
    }

    #[inline]
    fn cache_key(&self) -> Option<String> {
        let source = match &self.source {
            Source::AppService { endpoint, .. } => endpoint.as_str().to_owned(),
            Source::Imds { base } => base.as_str().to_owned(),
        };
        Some(format!(
            "managed-identity:{source}:{}",
            self.client_id.as_deref().unwrap_or("system")
        ))
    }

    #[inline]
    fn identity_kind(&self) -> IdentityKind {
        IdentityKind::ServicePrincipal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_endpoints() {
        let endpoint =
            Url::parse("http://user:pw@localhost:4141/msi/token?code=SECRET").expect("parses");
        let shown = format!(
            "{:?} {:?}",
            ManagedIdentityCredential::app_service(endpoint.clone(), "header-value"),
            ManagedIdentityCredential::imds_at(endpoint)
        );
        for secret in ["SECRET", "pw@", "header-value"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("http://localhost:4141/msi/token"), "{shown}");
    }
}
