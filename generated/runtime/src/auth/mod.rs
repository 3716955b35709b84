//! Signing in: credentials that obtain tokens from Microsoft Entra ID (or from Azure's
//! managed-identity endpoints, or the Azure CLI), and the token cache every category client
//! shares.
//!
//! | credential | who signs in | how |
//! | --- | --- | --- |
//! | [`ClientSecretCredential`] | service principal | client secret (form body or HTTP Basic) |
//! | [`ClientCertificateCredential`] | service principal | certificate: a signed client assertion (RS256/PS256) |
//! | [`WorkloadIdentityCredential`] | service principal | a federated token from a file (GitHub Actions, Azure DevOps, AKS) |
//! | [`ManagedIdentityCredential`] | managed identity | App Service/Functions identity endpoint or the VM metadata endpoint |
//! | [`UsernamePasswordCredential`] | user | the password grant (no MFA) |
//! | [`DeviceCodeCredential`] | user | a code entered at `microsoft.com/devicelogin` |
//! | [`AzureCliCredential`] | whoever ran `az login` | `az account get-access-token` |
//! | [`EnvironmentCredential`] | any of the above | chosen by `POWERBI_*` variables |
//! | [`ChainedCredential`] | the first that works | several credentials in order |
//! | [`StaticTokenCredential`] | whoever the token is for | a token obtained elsewhere |
//!
//! Any type implementing [`TokenCredential`] plugs in too.

mod azure_cli;
mod cache;
mod certificate;
mod chain;
mod client_assertion;
mod credentials;
mod device_code;
mod entra;
mod environment;
mod managed_identity;
mod secret;
mod workload_identity;

use std::fmt::Debug;
use std::time::Duration;

use futures::future::BoxFuture;

pub use azure_cli::AzureCliCredential;
pub use cache::TokenCache;
pub(crate) use cache::TokenSlot;
pub use certificate::{ClientCertificateCredential, SignatureAlgorithm};
pub use chain::ChainedCredential;
pub use client_assertion::{ClientAssertionCredential, FEDERATED_AUDIENCE};
pub use credentials::{ClientSecretCredential, StaticTokenCredential, UsernamePasswordCredential};
pub use device_code::{DeviceCodeCredential, DeviceCodeInfo};
pub use environment::{EnvironmentCredential, credential_from_env};
pub use managed_identity::ManagedIdentityCredential;
pub use secret::Secret;
pub use workload_identity::WorkloadIdentityCredential;

use crate::{Cloud, Result};

/// The longest a token is ever cached: 24 hours. A longer lifetime in a token answer (or from
/// a credential) is cut to this, a negative one or a time already past counts as zero (the
/// token serves the call that asked for it, and the next call signs in again), so no number
/// a server or a caller chooses can overflow the cache's clock arithmetic.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// An access token and how long it lives.
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// The bearer token (redacted in `Debug`).
    pub token: Secret,
    /// Lifetime from the moment it was requested, from the token response's `expires_in` (or
    /// `expires_on`); never a fixed hour. The cache uses at most [`MAX_TOKEN_LIFETIME`].
    pub expires_in: Duration,
}

/// What a credential needs to fetch a token: the shared HTTP client and the cloud.
#[derive(Debug, Clone, Copy)]
pub struct TokenContext<'a> {
    /// The HTTP client the Power BI client uses (one connection pool for everything).
    pub http: &'a reqwest::Client,
    /// The cloud: authority host and resource.
    pub cloud: &'a Cloud,
    /// The scope to ask for, e.g. `https://analysis.windows.net/powerbi/api/.default`.
    pub scope: &'a str,
}

impl<'a> TokenContext<'a> {
    /// The resource the scope belongs to (the scope without `/.default`), for the endpoints
    /// that take a `resource` (v1 token endpoint, managed identity, Azure CLI).
    pub fn resource(&self) -> &'a str {
        let first = self
            .scope
            .split_whitespace()
            .find(|scope| scope.contains("://"))
            .unwrap_or(self.scope);
        match first.rsplit_once('/') {
            Some((resource, _)) if resource.contains("://") => resource,
            _ => first,
        }
    }
}

/// Who a credential's tokens speak for, so error hints can address the right setup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentityKind {
    /// An app-only token: a service principal or a managed identity.
    ServicePrincipal,
    /// A delegated token for a user.
    User,
    /// Not known (a static token, the Azure CLI, your own credential).
    Unknown,
}

/// Anything that can produce a Power BI access token. Implement it to plug in your own
/// sign-in; the client caches what it returns.
///
/// Only [`get_token`](TokenCredential::get_token) and [`kind`](TokenCredential::kind) are
/// required. A credential must never put a secret in its `Debug` output or in an error.
pub trait TokenCredential: Send + Sync + Debug {
    /// Fetches a new token. Called only when the cache has none that is fresh, and by one
    /// caller at a time for a given cache entry.
    fn get_token<'a>(&'a self, context: TokenContext<'a>) -> BoxFuture<'a, Result<AccessToken>>;

    /// A short description for errors and logs (never a secret), e.g. `client secret`.
    fn kind(&self) -> &'static str;

    /// Who the tokens are for (tenant, client, user), as a string: two credentials with the same
    /// key must produce interchangeable tokens, so a [`TokenCache`] shared by several clients
    /// may hand one's token to the other. The cache adds the authority host and the scope.
    ///
    /// The default, `None`, keeps tokens to this credential instance.
    fn cache_key(&self) -> Option<String> {
        None
    }

    /// Whether the tokens speak for a service principal or a user, when known.
    fn identity_kind(&self) -> IdentityKind {
        IdentityKind::Unknown
    }

    /// Whether [`get_token`](TokenCredential::get_token) may wait for a person (device code):
    /// the client's token timeout then does not cut it short.
    fn waits_for_user(&self) -> bool {
        false
    }
}

/// A shared or boxed credential is a credential: every method forwards to the one inside.
macro_rules! forward_token_credential {
    ($pointer:ty) => {
        impl<T: TokenCredential + ?Sized> TokenCredential for $pointer {
            fn get_token<'a>(
                &'a self,
                context: TokenContext<'a>,
            ) -> BoxFuture<'a, Result<AccessToken>> {
                (**self).get_token(context)
            }

            fn kind(&self) -> &'static str {
                (**self).kind()
            }

            fn cache_key(&self) -> Option<String> {
                (**self).cache_key()
            }

            fn identity_kind(&self) -> IdentityKind {
                (**self).identity_kind()
            }

            fn waits_for_user(&self) -> bool {
                (**self).waits_for_user()
            }
        }
    };
}

forward_token_credential!(std::sync::Arc<T>);
forward_token_credential!(Box<T>);

#[cfg(test)]
mod tests {
    use super::*;

    /// The endpoints that take a resource (v1, managed identity, Azure CLI) get Fabric's for
    /// Fabric's scope, so every credential kind signs in for either API.
    #[test]
    fn each_scope_names_its_resource() {
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(
                crate::tls::client_config(&[]).expect("the TLS configuration"),
            )
            .build()
            .expect("a client");
        let cloud = Cloud::public();
        let context = |scope| TokenContext {
            http: &http,
            cloud: &cloud,
            scope,
        };
        assert_eq!(
            context("https://api.fabric.microsoft.com/.default").resource(),
            "https://api.fabric.microsoft.com"
        );
        assert_eq!(
            context("https://api.fabric.microsoft.com/Workspace.ReadWrite.All offline_access")
                .resource(),
            "https://api.fabric.microsoft.com"
        );
        assert_eq!(
            context(&cloud.default_scope()).resource(),
            "https://analysis.windows.net/powerbi/api"
        );
    }
}
