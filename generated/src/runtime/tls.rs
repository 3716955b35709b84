//! TLS with rustls and the ring provider.
//!
//! reqwest's default rustls backend builds aws-lc-sys, tens of seconds of C on every cold
//! build; ring is pure Rust plus a little assembly. The provider is chosen here, per client,
//! instead of installing a process-wide default that could surprise the application.

use std::sync::Arc;

use rustls_platform_verifier::BuilderVerifierExt;

/// A rustls configuration with ring and the platform's trust store.
pub(crate) fn client_config() -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("TLS protocol versions: {error}"))?
        .with_platform_verifier()
        .map_err(|error| format!("TLS trust store: {error}"))
        .map(|builder| builder.with_no_client_auth())
}
