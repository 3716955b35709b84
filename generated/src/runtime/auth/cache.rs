//! The token cache every category client shares: one token request in flight however many
//! callers wait, renewal before expiry, and invalidation when the API says a token expired.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Secret, TokenContext, TokenCredential};
use crate::runtime::{Error, Result};

/// Renew this long before expiry at the most (Entra ID tokens live 60–90 minutes).
const MAX_RENEW_MARGIN: Duration = Duration::from_secs(5 * 60);

/// A cached token and when to renew it.
#[derive(Clone)]
struct Cached {
    token: Secret,
    renew_at: Instant,
    expires_at: Instant,
}

/// Caches one credential's token for one scope.
#[derive(Debug)]
pub(crate) struct TokenCache {
    credential: Arc<dyn TokenCredential>,
    current: Mutex<Option<CachedSlot>>,
    /// Held while a token request is in flight: the single-flight gate.
    fetching: tokio::sync::Mutex<()>,
    load_timeout: Duration,
}

/// `Cached` behind a `Debug` that shows nothing secret.
struct CachedSlot(Cached);

impl std::fmt::Debug for CachedSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedToken")
            .field("expires_at", &self.0.expires_at)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn new(credential: Arc<dyn TokenCredential>, load_timeout: Duration) -> Self {
        TokenCache {
            credential,
            current: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
            load_timeout,
        }
    }

    /// The credential's kind, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        self.credential.kind()
    }

    fn cached(&self) -> Option<Cached> {
        self.current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .as_ref()
            .map(|slot| slot.0.clone())
    }

    /// A token that is fresh, fetching one (once, for all waiting callers) when needed.
    pub(crate) async fn token(&self, context: TokenContext<'_>) -> Result<Secret> {
        let now = Instant::now();
        if let Some(cached) = self.cached()
            && now < cached.renew_at
        {
            return Ok(cached.token);
        }
        let _gate = self.fetching.lock().await;
        // Another caller may have renewed it while this one waited at the gate.
        let cached = self.cached();
        if let Some(cached) = &cached
            && Instant::now() < cached.renew_at
        {
            return Ok(cached.token.clone());
        }
        let fetched =
            tokio::time::timeout(self.load_timeout, self.credential.get_token(context)).await;
        let fetched = match fetched {
            Ok(result) => result,
            Err(_) => Err(Error::Auth(Box::new(super::entra::auth_error(
                self.credential.kind(),
                None,
                None,
                Some(format!("no token within {:?}", self.load_timeout)),
            )))),
        };
        match fetched {
            Ok(token) => {
                let issued = Instant::now();
                let margin = MAX_RENEW_MARGIN.min(token.expires_in / 4);
                let cached = Cached {
                    token: token.token,
                    renew_at: issued + token.expires_in.saturating_sub(margin),
                    expires_at: issued + token.expires_in,
                };
                *self
                    .current
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) =
                    Some(CachedSlot(cached.clone()));
                tracing::debug!(credential = self.credential.kind(), expires_in = ?token.expires_in, "new Power BI token");
                Ok(cached.token)
            }
            // A renewal failed but the old token is still valid: keep serving it.
            Err(error) => match cached {
                Some(cached) if Instant::now() < cached.expires_at => {
                    tracing::warn!(credential = self.credential.kind(), %error, "token renewal failed; the current token is still valid");
                    Ok(cached.token)
                }
                _ => Err(error),
            },
        }
    }

    /// Forgets `used` if it is still the cached token (the API said it expired).
    pub(crate) fn invalidate(&self, used: &Secret) {
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if current.as_ref().is_some_and(|slot| &slot.0.token == used) {
            *current = None;
        }
    }
}
