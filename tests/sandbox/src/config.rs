//! How a sandbox behaves: token timing and refresh duration.

use std::time::Duration;

/// A token lifetime written as raw JSON, whatever it says (see
/// [`Sandbox::set_raw_token_lifetime`](crate::Sandbox::set_raw_token_lifetime)): each field is
/// the JSON text put after `"expires_in":` or `"expires_on":` (`18446744073709551615`, `1e300`,
/// `"-5"`, `"soon"`), or `None` to leave the field out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawLifetime {
    /// The text of `expires_in` (and `ext_expires_in`).
    pub expires_in: Option<String>,
    /// The text of `expires_on`.
    pub expires_on: Option<String>,
}

/// How the fake blob service of temporary upload locations fails uploads (see
/// [`Sandbox::set_blob_failure`](crate::Sandbox::set_blob_failure)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlobFailure {
    /// Answers with this status and a body quoting the request's whole URL, SAS signature
    /// included, as a careless gateway might.
    EchoUrl(u16),
    /// Does not answer for a minute (the client's idle timeout ends the upload).
    Hang,
}

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
    pub(crate) refresh_publish_delay: Duration,
    pub(crate) export_file_size: Option<u64>,
    pub(crate) continuation_host: Option<String>,
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

    /// Publishes an accepted refresh in the history only `delay` after it started (default:
    /// at once), as the service does. With a delay, every accepted refresh is also joined by
    /// a newer `Scheduled` entry that failed at once, so a waiter that reads the newest entry
    /// instead of its own request id gets the wrong answer.
    pub fn refresh_publish_delay(mut self, delay: Duration) -> Self {
        self.refresh_publish_delay = delay;
        self
    }

    /// The size of every exported file (default 3 MiB + 17 bytes), generated and streamed:
    /// the byte at offset `n` is `(n * 31) % 251`.
    pub fn export_file_size(mut self, bytes: u64) -> Self {
        self.export_file_size = Some(bytes);
        self
    }

    /// Publishes activity-event continuation URIs on this host name (with the request's scheme
    /// and port), like the service's `wabi-…analysis.windows.net` cluster hosts; the client
    /// must resolve it to the sandbox. Default: the other loopback name (`localhost` for
    /// `127.0.0.1`, and the reverse).
    pub fn continuation_host(mut self, host_name: impl Into<String>) -> Self {
        self.continuation_host = Some(host_name.into());
        self
    }
}

/// How the sandbox's device code endpoint answers the polls of one sign-in
/// (set it with [`Sandbox::set_device_code_flow`](crate::Sandbox::set_device_code_flow)).
///
/// Polls are counted from 1. The default approves at the second poll, as the
/// demo user, with `interval` 5 and `expires_in` 900.
#[derive(Clone, Debug)]
pub struct DeviceCodeFlow {
    pub(crate) pending_polls: u32,
    pub(crate) slow_down_on: Vec<u32>,
    pub(crate) outcome: DeviceCodeOutcome,
    pub(crate) interval: u64,
    pub(crate) expires_in: u64,
    pub(crate) user: String,
}

/// What a device code sign-in ends with after its pending polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DeviceCodeOutcome {
    Approve,
    Decline,
    Expire,
    BadCode,
}

impl Default for DeviceCodeFlow {
    fn default() -> Self {
        DeviceCodeFlow::approve_after(1)
    }
}

impl DeviceCodeFlow {
    fn ending(pending_polls: u32, outcome: DeviceCodeOutcome) -> Self {
        DeviceCodeFlow {
            pending_polls,
            slow_down_on: Vec::new(),
            outcome,
            interval: 5,
            expires_in: 900,
            user: crate::demo::USER_NAME.to_owned(),
        }
    }

    /// `authorization_pending` for the first `polls` polls, then a token.
    pub fn approve_after(polls: u32) -> Self {
        Self::ending(polls, DeviceCodeOutcome::Approve)
    }

    /// `authorization_pending` for the first `polls` polls, then `authorization_declined`.
    pub fn decline_after(polls: u32) -> Self {
        Self::ending(polls, DeviceCodeOutcome::Decline)
    }

    /// `authorization_pending` for the first `polls` polls, then `expired_token`.
    pub fn expire_after(polls: u32) -> Self {
        Self::ending(polls, DeviceCodeOutcome::Expire)
    }

    /// `authorization_pending` for the first `polls` polls, then `bad_verification_code`.
    pub fn reject_code_after(polls: u32) -> Self {
        Self::ending(polls, DeviceCodeOutcome::BadCode)
    }

    /// Answers `slow_down` to poll number `poll` (counted from 1) instead.
    pub fn slow_down_on(mut self, poll: u32) -> Self {
        self.slow_down_on.push(poll);
        self
    }

    /// The `interval` (seconds between polls) the device code endpoint names.
    pub fn interval(mut self, seconds: u64) -> Self {
        self.interval = seconds;
        self
    }

    /// The `expires_in` (seconds) the device code endpoint names.
    pub fn expires_in(mut self, seconds: u64) -> Self {
        self.expires_in = seconds;
        self
    }

    /// The user who approves (a user principal name of the directory, demo or
    /// [seeded](crate::UserSeed); default the demo user).
    pub fn signed_in_as(mut self, user_principal_name: impl Into<String>) -> Self {
        self.user = user_principal_name.into();
        self
    }
}

/// A failure the token endpoints answer with, injected with
/// [`Sandbox::fail_token_requests`](crate::Sandbox::fail_token_requests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenFailure {
    /// HTTP 500 with an Entra-shaped `temporarily_unavailable` body.
    ServerError,
    /// No answer for an hour (clients must time out).
    Hang,
}
