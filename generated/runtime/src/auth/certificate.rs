//! A service principal signing in with a certificate: a client assertion JWT signed with the
//! certificate's RSA key, as Entra ID's "certificate credentials" document describes.

use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use futures::future::BoxFuture;
use ring::rand::SystemRandom;
use ring::signature::{KeyPair as _, RsaKeyPair};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use zeroize::Zeroizing;

use super::credentials::app_key;
use super::entra::{Endpoint, JWT_BEARER, post_token, scope_field, token_url};
use super::{AccessToken, IdentityKind, TokenContext, TokenCredential};
use crate::{Error, Result};

/// How long a client assertion is valid (Entra ID accepts up to 10 minutes).
const ASSERTION_LIFETIME_SECONDS: u64 = 10 * 60;

/// The signature of a client assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// RSASSA-PSS with SHA-256, what Entra ID's documentation now asks for (the default).
    #[default]
    Ps256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, the older form (sent with an `x5t` SHA-1 thumbprint too).
    Rs256,
}

/// A service principal signing in with a certificate (the client-credentials grant with a
/// signed client assertion). Microsoft recommends certificates over secrets for services.
///
/// The assertion is a JWT signed with the certificate's RSA key (PS256 by default, or RS256)
/// whose header carries the certificate's SHA-256 thumbprint (`x5t#S256`), with audience the
/// cloud's token endpoint, issuer and subject the client id, a unique `jti`, and a 10-minute
/// expiry. A new assertion is signed for every token request.
///
/// Keys are read from PEM: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`),
/// unencrypted, RSA 2048 to 4096 bits. The key stays in memory inside `ring`; the PEM text read
/// is wiped after parsing.
///
/// ```no_run
/// # // The runtime alone, as `powerbi` (which re-exports it) shows it:
/// # mod powerbi { pub use powerbi_runtime::{*, Client as PowerBiClient}; pub use powerbi_runtime as runtime; }
/// use powerbi::auth::ClientCertificateCredential;
/// # fn run() -> powerbi::Result<()> {
/// let credential = ClientCertificateCredential::from_pem_files(
///     "tenant-id",
///     "client-id",
///     "/etc/powerbi/app.crt",
///     "/etc/powerbi/app.key",
/// )?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClientCertificateCredential {
    tenant_id: String,
    client_id: String,
    key: Arc<RsaKeyPair>,
    /// base64url SHA-256 of the leaf certificate's DER.
    x5t_s256: String,
    /// base64url SHA-1 of the leaf certificate's DER (sent with RS256).
    x5t: String,
    /// Hex SHA-1 thumbprint, as the Entra portal shows it.
    thumbprint_hex: String,
    /// base64 DER of the chain, sent as `x5c` when asked.
    chain: Vec<String>,
    send_chain: bool,
    algorithm: SignatureAlgorithm,
    endpoint: Endpoint,
}

impl std::fmt::Debug for ClientCertificateCredential {
    #[inline]
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCertificateCredential")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("thumbprint", &self.thumbprint_hex)
            .field("algorithm", &self.algorithm)
            .field("private_key", &"***")
            .finish_non_exhaustive()
    }
}

fn config(message: impl Into<String>) -> Error {
    Error::Config(message.into())
}

#[inline]
fn read(path: &Path, what: &str) -> Result<Zeroizing<Vec<u8>>> {
    std::fs::read(path).map(Zeroizing::new).map_err(|error| {
        config(format!(
            "cannot read the {what} {}: {error}",
            path.display()
        ))
    })
}

impl ClientCertificateCredential {
    /// From PEM text: `certificate_pem` holds the certificate (first) and optionally its chain,
    /// `private_key_pem` the RSA private key. Both may be the same buffer.
    pub fn from_pem(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        certificate_pem: impl AsRef<[u8]>,
        private_key_pem: impl AsRef<[u8]>,
    ) -> Result<Self> {
        let certificates: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(certificate_pem.as_ref())
                .collect::<std::result::Result<_, _>>()
                .map_err(|_| config("the certificate PEM cannot be read"))?;
        let Some(leaf) = certificates.first() else {
            return Err(config(
                "no certificate (-----BEGIN CERTIFICATE-----) in the certificate PEM",
            ));
        };
        let key = match PrivateKeyDer::from_pem_slice(private_key_pem.as_ref()) {
            Ok(PrivateKeyDer::Pkcs8(der)) => RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()),
            Ok(PrivateKeyDer::Pkcs1(der)) => RsaKeyPair::from_der(der.secret_pkcs1_der()),
            Ok(_) => {
                return Err(config(
                    "the private key is not an RSA key: Entra ID client assertions need an RSA certificate",
                ));
            }
            Err(_) => {
                return Err(config(
                    "no unencrypted private key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY) in the key PEM; decrypt an encrypted key first",
                ));
            }
        }
        .map_err(|rejected| {
            config(format!(
                "the private key is not a usable RSA key (2048 to 4096 bits): {rejected}"
            ))
        })?;
        let public = key.public_key().as_ref();
        if !leaf
            .as_ref()
            .windows(public.len())
            .any(|part| part == public)
        {
            return Err(config(
                "the private key does not belong to the certificate (the first certificate in the PEM)",
            ));
        }
        let sha256 = ring::digest::digest(&ring::digest::SHA256, leaf.as_ref());
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, leaf.as_ref());
        Ok(ClientCertificateCredential {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            key: Arc::new(key),
            x5t_s256: URL_SAFE_NO_PAD.encode(sha256.as_ref()),
            x5t: URL_SAFE_NO_PAD.encode(sha1.as_ref()),
            thumbprint_hex: sha1
                .as_ref()
                .iter()
                .map(|byte| format!("{byte:02X}"))
                .collect(),
            chain: certificates
                .iter()
                .map(|certificate| STANDARD.encode(certificate.as_ref()))
                .collect(),
            send_chain: false,
            algorithm: SignatureAlgorithm::default(),
            endpoint: Endpoint::V2,
        })
    }

    /// From one PEM file holding the certificate and its private key.
    pub fn from_pem_file(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        path: impl AsRef<Path>,
    ) -> Result<Self> {
        let pem = read(path.as_ref(), "certificate file")?;
        Self::from_pem(tenant_id, client_id, &*pem, &*pem)
    }

    /// From a certificate PEM file and a private key PEM file.
    pub fn from_pem_files(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        certificate_path: impl AsRef<Path>,
        private_key_path: impl AsRef<Path>,
    ) -> Result<Self> {
        let certificate = read(certificate_path.as_ref(), "certificate file")?;
        let key = read(private_key_path.as_ref(), "private key file")?;
        Self::from_pem(tenant_id, client_id, &*certificate, &*key)
    }

    /// The signature algorithm (default PS256).
    #[inline]
    pub fn with_algorithm(mut self, algorithm: SignatureAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Sends the certificate chain in the assertion's `x5c` header, for apps that trust a
    /// certificate by subject name and issuer instead of by thumbprint.
    #[inline]
    pub fn with_certificate_chain(mut self, send: bool) -> Self {
        self.send_chain = send;
        self
    }

    /// Uses the older v1 token endpoint (`/oauth2/token` with `resource`) instead of v2.
    #[inline]
    pub fn with_v1_endpoint(mut self, v1: bool) -> Self {
        self.endpoint = if v1 { Endpoint::V1 } else { Endpoint::V2 };
        self
    }

    /// The certificate's SHA-1 thumbprint in hex, as the Entra portal shows it.
    #[inline]
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint_hex
    }

    /// Signs a client assertion for the token endpoint `audience`.
    #[inline]
    fn assertion(&self, audience: &str) -> Result<String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|_| config("the system clock is before 1970"))?
            .as_secs();
        let mut header = serde_json::json!({
            "alg": match self.algorithm {
                SignatureAlgorithm::Ps256 => "PS256",
                SignatureAlgorithm::Rs256 => "RS256",
            },
            "typ": "JWT",
            "x5t#S256": self.x5t_s256,
        });
        if self.algorithm == SignatureAlgorithm::Rs256 {
            header["x5t"] = serde_json::json!(self.x5t);
        }
        if self.send_chain {
            header["x5c"] = serde_json::json!(self.chain);
        }
        let claims = serde_json::json!({
            "aud": audience,
            "iss": self.client_id,
            "sub": self.client_id,
            "jti": uuid::Uuid::new_v4().to_string(),
            "nbf": now,
            "iat": now,
            "exp": now.saturating_add(ASSERTION_LIFETIME_SECONDS),
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let padding: &'static dyn ring::signature::RsaEncoding = match self.algorithm {
            SignatureAlgorithm::Ps256 => &ring::signature::RSA_PSS_SHA256,
            SignatureAlgorithm::Rs256 => &ring::signature::RSA_PKCS1_SHA256,
        };
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(
                padding,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| config("signing the client assertion failed"))?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}

impl TokenCredential for ClientCertificateCredential {
    #[inline]
    fn get_token<'a>(&'a self, context: TokenContext<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let url = token_url(context.cloud, &self.tenant_id, self.endpoint)?;
            let assertion = Zeroizing::new(self.assertion(url.as_str())?);
            let form = [
                ("grant_type", "client_credentials"),
                ("client_id", self.client_id.as_str()),
                scope_field(self.endpoint, &context),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", assertion.as_str()),
            ];
            post_token(context, self.kind(), url, &form, None)
                .await
                .map(|granted| granted.token)
        })
    }

    #[inline]
    fn kind(&self) -> &'static str {
        "client certificate"
    }

    #[inline]
    fn cache_key(&self) -> Option<String> {
        Some(app_key(&self.tenant_id, &self.client_id))
    }

    #[inline]
    fn identity_kind(&self) -> IdentityKind {
        IdentityKind::ServicePrincipal
    }
}
