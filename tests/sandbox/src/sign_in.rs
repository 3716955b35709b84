//! What a test configured on the sandbox's Entra side: registered certificates, federated
//! credentials and extra secrets, injected failures, device code sign-ins in progress and
//! refresh tokens.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use crate::config::{DeviceCodeFlow, RawLifetime, TokenFailure};
use crate::principal::Principal;

/// A certificate uploaded to an app registration.
#[derive(Debug)]
pub(crate) struct RegisteredCertificate {
    pub(crate) client_id: String,
    pub(crate) der: Vec<u8>,
    pub(crate) sha256: Vec<u8>,
    pub(crate) sha1: Vec<u8>,
}

/// A federated identity credential of an app registration.
#[derive(Debug)]
pub(crate) struct FederatedCredential {
    pub(crate) client_id: String,
    pub(crate) issuer: String,
    pub(crate) subject: String,
    pub(crate) audience: String,
}

/// A device code sign-in in progress.
#[derive(Debug)]
pub(crate) struct PendingDevice {
    pub(crate) client_id: String,
    pub(crate) scopes: Vec<&'static str>,
    pub(crate) polls: u32,
    pub(crate) flow: DeviceCodeFlow,
    pub(crate) wants_refresh: bool,
}

/// The sandbox's Entra ID configuration and sign-in state.
#[derive(Debug, Default)]
pub(crate) struct SignInSetup {
    pub(crate) certificates: Vec<RegisteredCertificate>,
    pub(crate) federated: Vec<FederatedCredential>,
    pub(crate) extra_secrets: Vec<(String, String)>,
    pub(crate) seen_assertions: HashSet<String>,
    pub(crate) failures: VecDeque<TokenFailure>,
    pub(crate) device_flow: DeviceCodeFlow,
    pub(crate) devices: HashMap<String, PendingDevice>,
    pub(crate) refresh_tokens: HashMap<String, Principal>,
    /// Every refresh token and device code handed out (they are secrets too).
    pub(crate) handed_out: Vec<String>,
    /// Overrides the configured token lifetime from now on.
    pub(crate) lifetime: Option<Duration>,
    /// What token answers say about the lifetime, instead of the truth, from now on.
    pub(crate) raw_lifetime: Option<RawLifetime>,
}

impl SignInSetup {
    /// The next injected failure, if any is left.
    pub(crate) fn take_failure(&mut self) -> Option<TokenFailure> {
        self.failures.pop_front()
    }

    /// Whether `secret` is one of the extra secrets of `client_id`.
    pub(crate) fn has_extra_secret(&self, client_id: &str, secret: &str) -> bool {
        self.extra_secrets
            .iter()
            .any(|(client, known)| client.eq_ignore_ascii_case(client_id) && known == secret)
    }
}
