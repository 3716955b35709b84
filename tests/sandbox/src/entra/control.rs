//! What tests set on the sandbox's Entra side, as methods of [`Sandbox`].

use std::collections::HashMap;
use std::time::Duration;

use super::managed::{APP_SERVICE_PATH, IDENTITY_HEADER};
use crate::Sandbox;
use crate::config::{DeviceCodeFlow, RawLifetime, TokenFailure};
use crate::sign_in::{FederatedCredential, RegisteredCertificate};

/// The audience Entra ID expects in federated (workload identity) tokens.
const TOKEN_EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";

impl Sandbox {
    /// Registers a certificate (DER) on an app, as uploading it under "Certificates & secrets"
    /// does: client assertions signed with its key (RS256 or PS256, found by `x5t#S256` or
    /// `x5t`) then sign the app in.
    pub fn add_client_certificate(&self, client_id: &str, certificate_der: &[u8]) {
        let sha256 = ring::digest::digest(&ring::digest::SHA256, certificate_der);
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, certificate_der);
        self.app
            .lock()
            .tokens
            .sign_in
            .certificates
            .push(RegisteredCertificate {
                client_id: client_id.to_owned(),
                der: certificate_der.to_vec(),
                sha256: sha256.as_ref().to_vec(),
                sha1: sha1.as_ref().to_vec(),
            });
    }

    /// Adds a federated identity credential to an app: tokens whose `iss` and `sub` are these
    /// and whose `aud` includes `api://AzureADTokenExchange` then sign the app in (workload
    /// identity). Their signature is not checked.
    pub fn add_federated_credential(&self, client_id: &str, issuer: &str, subject: &str) {
        self.app
            .lock()
            .tokens
            .sign_in
            .federated
            .push(FederatedCredential {
                client_id: client_id.to_owned(),
                issuer: issuer.to_owned(),
                subject: subject.to_owned(),
                audience: TOKEN_EXCHANGE_AUDIENCE.to_owned(),
            });
    }

    /// Adds another client secret to an app (apps may have several).
    pub fn add_client_secret(&self, client_id: &str, secret: &str) {
        self.app
            .lock()
            .tokens
            .sign_in
            .extra_secrets
            .push((client_id.to_owned(), secret.to_owned()));
    }

    /// How device code sign-ins started from now on answer their polls.
    pub fn set_device_code_flow(&self, flow: DeviceCodeFlow) {
        self.app.lock().tokens.sign_in.device_flow = flow;
    }

    /// Makes the next `count` requests to any token endpoint (v2, v1, device code, managed
    /// identity) fail with `failure`.
    pub fn fail_token_requests(&self, count: usize, failure: TokenFailure) {
        self.app
            .lock()
            .tokens
            .sign_in
            .failures
            .extend(std::iter::repeat_n(failure, count));
    }

    /// Gives tokens issued from now on this lifetime (`expires_in`).
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.app.lock().tokens.sign_in.lifetime = Some(lifetime);
    }

    /// Makes every token answer from now on (v2, v1, managed identity) write its lifetime
    /// fields as `raw` says, huge, negative or not numbers at all; `None` restores the truth.
    /// The tokens themselves keep their real lifetime.
    pub fn set_raw_token_lifetime(&self, raw: Option<RawLifetime>) {
        self.app.lock().tokens.sign_in.raw_lifetime = raw;
    }

    /// `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` as App Service sets them, pointing at this
    /// sandbox. The system-assigned identity is the demo service principal; a user-assigned
    /// one is any service principal, by client id.
    pub fn managed_identity_env(&self) -> HashMap<String, String> {
        HashMap::from([
            (
                "IDENTITY_ENDPOINT".to_owned(),
                format!("{}{APP_SERVICE_PATH}", self.base_url),
            ),
            ("IDENTITY_HEADER".to_owned(), IDENTITY_HEADER.to_owned()),
        ])
    }

    /// The address to use instead of the VM metadata service's `http://169.254.169.254`.
    pub fn imds_endpoint(&self) -> String {
        self.base_url.clone()
    }

    /// Every access token, refresh token and device code handed out so far (for leak tests).
    pub fn issued_secrets(&self) -> Vec<String> {
        self.app.lock().tokens.issued_secrets()
    }
}
