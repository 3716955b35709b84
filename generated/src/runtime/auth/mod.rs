//! Signing in: credentials that obtain tokens from Microsoft Entra ID, and the cache that
//! every category client shares.

mod cache;
mod credentials;
mod entra;
mod environment;
mod secret;

use std::fmt::Debug;
use std::time::Duration;

use futures::future::BoxFuture;

pub(crate) use cache::TokenCache;
pub use credentials::{ClientSecretCredential, StaticTokenCredential, UsernamePasswordCredential};
pub use environment::credential_from_env;
pub use secret::Secret;

use crate::runtime::{Cloud, Result};

/// An access token and how long it lives.
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// The bearer token (redacted in `Debug`).
    pub token: Secret,
    /// Lifetime from the moment it was issued, from the token response's `expires_in`.
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

/// Anything that can produce a Power BI access token. Implement it to plug in your own
/// sign-in; the client caches what it returns.
pub trait TokenCredential: Send + Sync + Debug {
    /// Fetches a new token. Called only when the cache has none that is fresh.
    fn get_token<'a>(&'a self, context: TokenContext<'a>) -> BoxFuture<'a, Result<AccessToken>>;

    /// A short description for errors and logs (never a secret), e.g. `client secret`.
    fn kind(&self) -> &'static str;
}
