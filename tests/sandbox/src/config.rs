//! How a sandbox behaves: token timing and refresh duration.

use std::time::Duration;

/// Settings for a [`Sandbox`](crate::Sandbox), built fluently from [`SandboxConfig::default`].
///
/// Defaults: every token gets its own lifetime between 3600 and 5400 seconds
/// (as Entra randomises lifetimes), the token endpoint answers at once, and a
/// dataset refresh completes the moment it is accepted.
#[derive(Clone, Debug, Default)]
pub struct SandboxConfig {
    pub(crate) token_delay: Duration,
    pub(crate) token_lifetime: Option<Duration>,
    pub(crate) refresh_duration: Duration,
}

impl SandboxConfig {
    /// Delays every answer of the token endpoint by `delay`.
    pub fn token_delay(mut self, delay: Duration) -> Self {
        self.token_delay = delay;
        self
    }

    /// Gives every issued token the same lifetime (`expires_in`), instead of a random one.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = Some(lifetime);
        self
    }

    /// How long an accepted dataset refresh stays `Unknown` (in progress) before it is `Completed`.
    pub fn refresh_duration(mut self, duration: Duration) -> Self {
        self.refresh_duration = duration;
        self
    }
}
