//! Several credentials tried in order.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;

use super::entra::auth_error;
use super::{
    AccessToken, AzureCliCredential, EnvironmentCredential, IdentityKind,
    ManagedIdentityCredential, TokenContext, TokenCredential, WorkloadIdentityCredential,
};
use crate::{Error, Result};

/// No credential has succeeded yet.
const NONE: usize = usize::MAX;

/// Tries credentials in order until one gives a token; when all fail, the error lists why
/// each did. The one that worked is tried first next time.
///
/// ```no_run
/// # // The runtime alone, as `powerbi` (which re-exports it) shows it:
/// # mod powerbi { pub use powerbi_runtime::{*, Client as PowerBiClient}; pub use powerbi_runtime as runtime; }
/// use std::collections::HashMap;
/// use powerbi::auth::{AzureCliCredential, ChainedCredential, EnvironmentCredential};
/// let vars: HashMap<String, String> = std::env::vars().collect();
/// let credential = ChainedCredential::new()
///     .with(EnvironmentCredential::new(&vars))
///     .with(AzureCliCredential::new());
/// ```
#[derive(Clone)]
pub struct ChainedCredential {
    sources: Vec<Arc<dyn TokenCredential>>,
    last_success: Arc<AtomicUsize>,
}

impl std::fmt::Debug for ChainedCredential {
    #[inline]
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainedCredential")
            .field("sources", &self.sources)
            .finish_non_exhaustive()
    }
}

impl Default for ChainedCredential {
    #[inline]
    fn default() -> Self {
        Self::new()
    }
}

impl ChainedCredential {
    /// An empty chain (add credentials with [`with`](Self::with)).
    #[inline]
    pub fn new() -> Self {
        ChainedCredential {
            sources: Vec::new(),
            last_success: Arc::new(AtomicUsize::new(NONE)),
        }
    }

    /// Adds a credential at the end of the chain.
    pub fn with(self, credential: impl TokenCredential + 'static) -> Self {
        self.with_arc(Arc::new(credential))
    }

    /// Adds a shared credential at the end of the chain.
    #[inline]
    pub fn with_arc(mut self, credential: Arc<dyn TokenCredential>) -> Self {
        self.sources.push(credential);
        self
    }

    /// The chain most automation wants, from variables given as a map: the `POWERBI_*`
    /// variables when they configure a credential ([`EnvironmentCredential`]), workload
    /// identity when `AZURE_FEDERATED_TOKEN_FILE` is set, a managed identity (giving up after
    /// two seconds when nothing answers), then the Azure CLI.
    #[inline]
    pub fn default_chain(vars: &HashMap<String, String>) -> Self {
        let mut chain = ChainedCredential::new();
        let environment = EnvironmentCredential::new(vars);
        if environment.is_configured() {
            chain = chain.with(environment);
        }
        if let Ok(workload) = WorkloadIdentityCredential::from_env(vars) {
            chain = chain.with(workload);
        }
        let mut managed =
            ManagedIdentityCredential::from_env(vars).with_timeout(Duration::from_secs(2));
        if let Some(client_id) = vars
            .get("POWERBI_MANAGED_IDENTITY_CLIENT_ID")
            .filter(|value| !value.is_empty())
        {
            managed = managed.with_client_id(client_id);
        }
        chain.with(managed).with(AzureCliCredential::new())
    }

    /// The credentials, in the order they are tried.
    #[inline]
    pub fn credentials(&self) -> &[Arc<dyn TokenCredential>] {
        &self.sources
    }
}

impl TokenCredential for ChainedCredential {
    #[inline]
    fn get_token<'a>(&'a self, context: TokenContext<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let last = self.last_success.load(Ordering::Relaxed);
            let order = (last < self.sources.len())
                .then_some(last)
                .into_iter()
                .chain((0..self.sources.len()).filter(|index| *index != last));
            let mut failures = Vec::new();
            for index in order {
                let source = &self.sources[index];
                match source.get_token(context).await {
                    Ok(token) => {
                        self.last_success.store(index, Ordering::Relaxed);
                        if !failures.is_empty() {
                            tracing::debug!(
                                powerbi.credential = source.kind(),
                                skipped = failures.len(),
                                "chain: signed in after earlier credentials failed"
                            );
                        }
                        return Ok(token);
                    }
                    Err(error) => {
                        tracing::debug!(powerbi.credential = source.kind(), %error, "chain: credential failed");
                        failures.push(format!(
                            "{}) {}: {error}",
                            failures.len() + 1,
                            source.kind()
                        ));
                    }
                }
            }
            let description = if failures.is_empty() {
                "the chain has no credentials".to_owned()
            } else {
                format!("every credential failed: {}", failures.join("; "))
            };
            let mut error = auth_error(self.kind(), None, None, Some(description));
            error.hint = Some(
                "configure one of the credentials above (see the README's \"Using real credentials\")",
            );
            Err(Error::Auth(Box::new(error)))
        })
    }

    #[inline]
    fn kind(&self) -> &'static str {
        "credential chain"
    }

    #[inline]
    fn identity_kind(&self) -> IdentityKind {
        let last = self.last_success.load(Ordering::Relaxed);
        self.sources
            .get(last)
            .map_or(IdentityKind::Unknown, |source| source.identity_kind())
    }

    #[inline]
    fn waits_for_user(&self) -> bool {
        self.sources.iter().any(|source| source.waits_for_user())
    }
}
