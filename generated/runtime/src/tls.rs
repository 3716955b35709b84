//! TLS with rustls and the ring provider.
//!
//! reqwest's default rustls backend builds aws-lc-sys, tens of seconds of C on every cold
//! build; ring is pure Rust plus a little assembly. The provider is chosen here, per client,
//! instead of installing a process-wide default that could surprise the application (a later
//! `install_default().unwrap()` of its own would panic).

use std::sync::Arc;

use rustls_pki_types::CertificateDer;
use rustls_platform_verifier::BuilderVerifierExt;

/// A rustls configuration with ring and the platform's trust store, plus `extra_roots`.
pub(crate) fn client_config(
    extra_roots: &[CertificateDer<'static>],
) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(ring_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("TLS protocol versions: {error}"))?;
    let builder = if extra_roots.is_empty() {
        builder.with_platform_verifier()
    } else {
        with_extra_roots(builder, extra_roots, provider)
    };
    builder
        .map_err(|error| format!("TLS trust store: {error}"))
        .map(|builder| builder.with_no_client_auth())
}

/// rustls's ring provider: classical key exchange (X25519, P-256, P-384) only.
///
/// rustls 0.23.48 deprecates it because ring has no post-quantum key exchange (ML-KEM); of
/// rustls's own providers only aws-lc-rs has one, and it compiles a large C library into every
/// build, so this crate stays on ring. An application whose policy requires post-quantum key
/// exchange gives `ClientBuilder::http_client_builder`'s builder a rustls configuration of its
/// own (aws-lc-rs) and passes the client to `ClientBuilder::http_client` (README, "Behind a
/// corporate proxy").
// `allow`, not `expect`: the rustls versions before 0.23.48 that users may resolve do not
// deprecate it.
#[allow(deprecated)]
fn ring_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

#[cfg(not(target_os = "android"))]
fn with_extra_roots(
    builder: rustls::ConfigBuilder<rustls::ClientConfig, rustls::WantsVerifier>,
    extra_roots: &[CertificateDer<'static>],
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> Result<
    rustls::ConfigBuilder<rustls::ClientConfig, rustls::client::WantsClientCert>,
    rustls::Error,
> {
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots.to_vec(), provider)?;
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier)))
}

/// The platform verifier takes no extra roots on Android.
#[cfg(target_os = "android")]
fn with_extra_roots(
    _builder: rustls::ConfigBuilder<rustls::ClientConfig, rustls::WantsVerifier>,
    _extra_roots: &[CertificateDer<'static>],
    _provider: Arc<rustls::crypto::CryptoProvider>,
) -> Result<
    rustls::ConfigBuilder<rustls::ClientConfig, rustls::client::WantsClientCert>,
    rustls::Error,
> {
    Err(rustls::Error::General(
        "extra root certificates are not supported on Android".to_owned(),
    ))
}
