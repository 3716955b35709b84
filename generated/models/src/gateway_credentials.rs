//! Credentials for on-premises data sources, encrypted with the gateway's public key (feature
//! `gateway-credentials`).
//!
//! `gateways().create_datasource(..)` and `update_datasource(..)` on an on-premises gateway take
//! the credentials encrypted with the gateway's RSA public key (`publicKey` of `get_gateway`),
//! with `encryptionAlgorithm: RSA-OAEP`. [`CredentialsEncryptor`] does that encryption,
//! [`GatewayCredentials`] holds what is encrypted (Basic, Windows, Key, OAuth2, Anonymous), and
//! [`CredentialDetails::for_gateway`] puts both together.
//!
//! # The layout, and where it comes from
//!
//! The gateway decrypts exactly what Microsoft's SDKs produce, so this module reproduces their
//! output byte for byte (the randomness aside). The facts come from Microsoft's .NET SDK,
//! `microsoft/PowerBI-CSharp`, `sdk/PowerBI.Api/Extensions/`: `AsymmetricKeyEncryptor.cs`
//! (which scheme), `Asymmetric1024KeyEncryptionHelper.cs` (1024-bit keys),
//! `AsymmetricHigherKeyEncryptionHelper.cs` and `AuthenticatedEncryption.cs` (larger keys), and
//! `Models/CredentialDetails.cs` (the plaintext); Microsoft's Python sample
//! (`PowerBI-Developer-Samples`, `Python/Encrypt credentials`) follows the same layout for larger
//! keys. The page "Configure credentials programmatically for Power BI"
//! (<https://learn.microsoft.com/power-bi/developer/embedded/configure-credentials>) describes
//! the flow.
//!
//! **Plaintext**: the UTF-8 JSON `{"credentialData":[{"name":"username","value":"…"},
//! {"name":"password","value":"…"}]}` (names `username`/`password` for Basic and Windows,
//! `key` for Key, `accessToken` for OAuth2; Anonymous has `{"credentialData":""}`), compact, as
//! the .NET SDK serializes it.
//!
//! **1024-bit key** (the modulus, base64-decoded, is 128 bytes): the plaintext is cut into
//! segments of 85 bytes (the last one shorter); each is encrypted with RSA-OAEP using SHA-1
//! (for the label hash and MGF1, .NET's `RSACryptoServiceProvider.Encrypt(data, true)`) into 128
//! bytes; the credentials are the base64 of the concatenated blocks. (Microsoft's Python sample
//! uses SHA-256 and 60-byte segments here instead; the SDK is followed.)
//!
//! **Larger keys** (2048-bit gateways):
//! 1. fresh random keys: 32 bytes for AES-256, 64 bytes for HMAC-SHA256;
//! 2. the key block `[0x00, 0x01] ‖ aes key (32) ‖ hmac key (64)` (98 bytes; the two prefix
//!    bytes are the .NET enum `KeyLengths` values "32" and "64") is encrypted with RSA-OAEP using
//!    SHA-256 for both the label hash and MGF1 (`RSAEncryptionPadding.OaepSHA256`);
//! 3. the plaintext is encrypted with AES-256-CBC, PKCS#7 padding, a fresh random 16-byte IV;
//! 4. the tag is HMAC-SHA256 (with the 64-byte key) over `[0x00, 0x00] ‖ iv ‖ ciphertext` (the
//!    two bytes name the algorithms: `AeCipher.Aes256CbcPkcs7 = 0`, `AeMac.HMACSHA256 = 0`);
//! 5. the data block is `[0x00, 0x00] ‖ tag (32) ‖ iv (16) ‖ ciphertext`;
//! 6. the credentials are `base64(encrypted key block) + base64(data block)`: two standard
//!    base64 strings, each with its own padding, written one after the other (the first is
//!    `4 · ⌈modulus bytes / 3⌉` characters long, which is how a reader splits them).
//!
//! Which scheme applies is decided as the .NET SDK does, on the modulus length: 128 bytes (leading
//! zero bytes ignored here) is the 1024-bit scheme, anything else the larger one. Keys under 1024
//! bits, over 16384 bits, between the two schemes (too small for the 98-byte key block), or
//! whose base64 does not decode are refused with [`Error::Unusable`] naming the field.
//!
//! # Secrets
//!
//! Passwords, keys and tokens are held as [`Secret`]s; `Debug` shows the kind and the user name
//! only. The plaintext JSON and the symmetric keys live in buffers that are overwritten when
//! dropped. Errors never contain them.

use std::fmt;

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeEncrypt, KeyIvInit};
use hmac::{Hmac, KeyInit, Mac};
use rsa::{BoxedUint, Oaep, PublicKey};
use sha1::Sha1;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::power_bi::{
    CredentialDetails, CredentialType, EncryptedConnection, EncryptionAlgorithm, Gateway,
    GatewayPublicKey, PrivacyLevel,
};
use powerbi_runtime::auth::Secret;
use powerbi_runtime::{Error, Result};

/// The name errors about a gateway key carry as their operation.
const OPERATION: &str = "gateway credentials";
/// Modulus length, in bytes, of the keys encrypted segment by segment (1024 bits).
const SEGMENTED_MODULUS_BYTES: usize = 128;
/// Plaintext bytes per RSA-OAEP (SHA-1) block with a 1024-bit key, as the .NET SDK cuts them.
const SEGMENT_BYTES: usize = 85;
/// AES-256 key length.
const AES_KEY_BYTES: usize = 32;
/// HMAC-SHA256 key length the SDK generates.
const HMAC_KEY_BYTES: usize = 64;
/// AES block (and IV) length.
const IV_BYTES: usize = 16;
/// `[KeyLengths.KeyLength32, KeyLengths.KeyLength64]`, the key block's prefix.
const KEY_LENGTHS: [u8; 2] = [0, 1];
/// `[AeCipher.Aes256CbcPkcs7, AeMac.HMACSHA256]`, the data block's prefix.
const ALGORITHMS: [u8; 2] = [0, 0];
/// Key block length: prefix, AES key, HMAC key.
const KEY_BLOCK_BYTES: usize = 2 + AES_KEY_BYTES + HMAC_KEY_BYTES;
/// The smallest modulus, in bytes, RSA-OAEP with SHA-256 can carry the key block in.
const MIN_HYBRID_MODULUS_BYTES: usize = KEY_BLOCK_BYTES + 2 * 32 + 2;
/// The largest key accepted, in bits.
const MAX_KEY_BITS: usize = 16_384;

/// The credentials of a data source, before encryption: one of the kinds the REST API takes
/// for gateway data sources. Secret parts are [`Secret`]s; `Debug` never shows them.
#[derive(Clone)]
#[non_exhaustive]
pub enum GatewayCredentials {
    /// A user name and a password (`credentialType: Basic`).
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
    },
    /// A Windows account and its password (`credentialType: Windows`).
    Windows {
        /// The account, for example `CONTOSO\svc-reports`.
        username: String,
        /// The password.
        password: Secret,
    },
    /// An account key (`credentialType: Key`).
    Key(Secret),
    /// An OAuth 2.0 access token (`credentialType: OAuth2`; Microsoft does not support it when
    /// creating a gateway data source, only when updating one).
    OAuth2(Secret),
    /// No credentials (`credentialType: Anonymous`).
    Anonymous,
}

impl GatewayCredentials {
    /// Basic credentials: a user name and a password.
    pub fn basic(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        GatewayCredentials::Basic {
            username: username.into(),
            password: password.into(),
        }
    }

    /// Windows credentials: an account and its password.
    pub fn windows(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        GatewayCredentials::Windows {
            username: username.into(),
            password: password.into(),
        }
    }

    /// Key credentials: an account key.
    pub fn key(key: impl Into<Secret>) -> Self {
        GatewayCredentials::Key(key.into())
    }

    /// OAuth 2.0 credentials: an access token for the data source.
    pub fn oauth2(access_token: impl Into<Secret>) -> Self {
        GatewayCredentials::OAuth2(access_token.into())
    }

    /// Anonymous access: no credentials.
    pub fn anonymous() -> Self {
        GatewayCredentials::Anonymous
    }

    /// The `credentialType` these credentials are sent as.
    pub fn credential_type(&self) -> CredentialType {
        match self {
            GatewayCredentials::Basic { .. } => CredentialType::Basic,
            GatewayCredentials::Windows { .. } => CredentialType::Windows,
            GatewayCredentials::Key(_) => CredentialType::Key,
            GatewayCredentials::OAuth2(_) => CredentialType::OAuth2,
            GatewayCredentials::Anonymous => CredentialType::Anonymous,
        }
    }

    /// The plaintext the gateway decrypts: `{"credentialData":[{"name":..,"value":..},..]}`,
    /// in a buffer overwritten on drop.
    fn plaintext(&self) -> Zeroizing<String> {
        let pairs: Vec<(&str, &str)> = match self {
            GatewayCredentials::Basic { username, password }
            | GatewayCredentials::Windows { username, password } => {
                vec![("username", username), ("password", password.expose())]
            }
            GatewayCredentials::Key(key) => vec![("key", key.expose())],
            GatewayCredentials::OAuth2(token) => vec![("accessToken", token.expose())],
            GatewayCredentials::Anonymous => {
                return Zeroizing::new(String::from(r#"{"credentialData":""}"#));
            }
        };
        // Room for the worst case (every character escaped as \u00XX), so the buffer never
        // grows: growing would leave an unwiped copy behind.
        let capacity = pairs
            .iter()
            .map(|(name, value)| name.len() + value.len().saturating_mul(6) + 32)
            .fold(32_usize, usize::saturating_add);
        let mut json = Zeroizing::new(String::with_capacity(capacity));
        json.push_str(r#"{"credentialData":["#);
        for (index, (name, value)) in pairs.iter().enumerate() {
            if index > 0 {
                json.push(',');
            }
            json.push_str(r#"{"name":""#);
            json.push_str(name);
            json.push_str(r#"","value":""#);
            push_json_escaped(&mut json, value);
            json.push_str(r#""}"#);
        }
        json.push_str("]}");
        json
    }
}

impl fmt::Debug for GatewayCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GatewayCredentials::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"***")
                .finish(),
            GatewayCredentials::Windows { username, .. } => f
                .debug_struct("Windows")
                .field("username", username)
                .field("password", &"***")
                .finish(),
            GatewayCredentials::Key(_) => f.write_str("Key(***)"),
            GatewayCredentials::OAuth2(_) => f.write_str("OAuth2(***)"),
            GatewayCredentials::Anonymous => f.write_str("Anonymous"),
        }
    }
}

/// Appends `value` as the inside of a JSON string, escaped as the .NET SDK's serializer does
/// (`"`, `\` and control characters; everything else as is).
fn push_json_escaped(out: &mut String, value: &str) {
    for character in value.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            control if u32::from(control) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let code = u32::from(control) as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[code >> 4]));
                out.push(char::from(HEX[code & 0xf]));
            }
            other => out.push(other),
        }
    }
}

/// Which of Microsoft's two layouts a key takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    /// RSA-OAEP (SHA-1) on 85-byte segments: 1024-bit keys.
    Segmented,
    /// RSA-OAEP (SHA-256) on fresh AES and HMAC keys, authenticated encryption of the data.
    Hybrid,
}

/// A gateway's public key, checked and ready to encrypt credentials for its data sources.
///
/// ```no_run
/// # // This crate cannot depend on `powerbi`, which re-exports it: the same paths, stood in.
/// # mod powerbi {
/// #     pub use powerbi_models::gateway_credentials::*;
/// #     pub use powerbi_models::power_bi as models;
/// #     pub use powerbi_runtime::Result;
/// # }
/// # fn run(gateway: &powerbi::models::Gateway) -> powerbi::Result<()> {
/// use powerbi::{CredentialsEncryptor, GatewayCredentials};
///
/// // `gateway` from `client.gateways().get_gateway(gateway_id).await?`
/// let encryptor = CredentialsEncryptor::for_gateway(gateway)?;
/// let credentials = encryptor.encrypt(&GatewayCredentials::basic("svc-reports", "p@ss"))?;
/// # let _ = credentials;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CredentialsEncryptor {
    key: PublicKey,
    scheme: Scheme,
    bits: usize,
}

impl fmt::Debug for CredentialsEncryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsEncryptor")
            .field("bits", &self.bits)
            .field("scheme", &self.scheme)
            .finish()
    }
}

impl CredentialsEncryptor {
    /// The encryptor for `gateway` (from `get_gateway` or `list_gateways`): its `publicKey`.
    ///
    /// # Errors
    ///
    /// [`Error::Unusable`] when the gateway has no public key or the key is malformed (see
    /// [`CredentialsEncryptor::new`]).
    pub fn for_gateway(gateway: &Gateway) -> Result<Self> {
        let key = gateway
            .public_key
            .as_ref()
            .ok_or_else(|| unusable("publicKey", "the gateway has no public key".into()))?;
        Self::new(key)
    }

    /// The encryptor for a gateway public key (`exponent` and `modulus`, base64, big-endian).
    ///
    /// # Errors
    ///
    /// [`Error::Unusable`] naming `publicKey.exponent` or `publicKey.modulus` when a part is
    /// missing or not base64, or the key is not one Microsoft's layouts can use: under 1024 or
    /// over 16384 bits, between 1024 and 1312 bits, an even modulus, or an exponent out of range.
    pub fn new(public_key: &GatewayPublicKey) -> Result<Self> {
        let modulus = decode_part("publicKey.modulus", public_key.modulus.as_deref())?;
        let exponent = decode_part("publicKey.exponent", public_key.exponent.as_deref())?;
        let modulus = strip_leading_zeros(&modulus);
        let exponent = strip_leading_zeros(&exponent);
        let bits = bit_length(modulus);
        let scheme = match modulus.len() {
            _ if bits < 1024 => {
                return Err(unusable(
                    "publicKey.modulus",
                    format!("a {bits}-bit key is too small (at least 1024 bits)"),
                ));
            }
            _ if bits > MAX_KEY_BITS => {
                return Err(unusable(
                    "publicKey.modulus",
                    format!("a {bits}-bit key is larger than {MAX_KEY_BITS} bits"),
                ));
            }
            SEGMENTED_MODULUS_BYTES => Scheme::Segmented,
            length if length < MIN_HYBRID_MODULUS_BYTES => {
                return Err(unusable(
                    "publicKey.modulus",
                    format!(
                        "a {bits}-bit key fits neither of Microsoft's layouts (1024 bits, or at \
                         least {} bits)",
                        MIN_HYBRID_MODULUS_BYTES * 8
                    ),
                ));
            }
            _ => Scheme::Hybrid,
        };
        if exponent.is_empty() || exponent.len() > 8 {
            return Err(unusable(
                "publicKey.exponent",
                "the exponent is out of range".into(),
            ));
        }
        let key = PublicKey::new_with_size_limits(
            BoxedUint::from_be_slice_vartime(modulus),
            BoxedUint::from_be_slice_vartime(exponent),
            1024..=MAX_KEY_BITS,
        )
        .map_err(|error| unusable("publicKey", format!("not a usable RSA key: {error}")))?;
        Ok(CredentialsEncryptor { key, scheme, bits })
    }

    /// The key's size in bits (1024 and 2048 are what gateways use).
    pub fn key_bits(&self) -> usize {
        self.bits
    }

    /// The `credentials` string for `credentials`, encrypted for this gateway as Microsoft's
    /// SDKs do (see the [module documentation](self) for the layout). Every call uses fresh
    /// randomness, so two calls give different strings for the same credentials.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] when the operating system's random number generator fails or
    /// the key refuses the block (neither happens with a key [`CredentialsEncryptor::new`]
    /// accepted).
    pub fn encrypt(&self, credentials: &GatewayCredentials) -> Result<String> {
        let plaintext = credentials.plaintext();
        match self.scheme {
            Scheme::Segmented => self.encrypt_segmented(plaintext.as_bytes()),
            Scheme::Hybrid => self.encrypt_hybrid(plaintext.as_bytes()),
        }
    }

    /// The credential details for a gateway data source: `credentials` encrypted for this
    /// gateway, `credentialType` from their kind, `encryptedConnection: Encrypted`,
    /// `encryptionAlgorithm: RSA-OAEP` and `useCallerAADIdentity: false`, as the .NET SDK fills
    /// them. Anonymous credentials carry no secret and are sent unencrypted
    /// (`{"credentialData":""}`, `encryptionAlgorithm: None`), as in Microsoft's Update
    /// Datasource example (the .NET SDK, handed an encryptor, would encrypt
    /// `{"credentialData":[]}` instead; [`CredentialsEncryptor::encrypt`] encrypts anonymous
    /// credentials too, for whoever needs that). Change a field afterwards for anything else
    /// (`NotEncrypted`, ...).
    ///
    /// # Errors
    ///
    /// As [`CredentialsEncryptor::encrypt`].
    pub fn credential_details(
        &self,
        credentials: &GatewayCredentials,
        privacy_level: PrivacyLevel,
    ) -> Result<CredentialDetails> {
        let (text, algorithm) = match credentials {
            GatewayCredentials::Anonymous => (
                credentials.plaintext().to_string(),
                EncryptionAlgorithm::None,
            ),
            _ => (self.encrypt(credentials)?, EncryptionAlgorithm::RsaOaep),
        };
        Ok(CredentialDetails {
            credentials: text,
            credential_type: credentials.credential_type(),
            encrypted_connection: EncryptedConnection::Encrypted,
            encryption_algorithm: algorithm,
            privacy_level,
            use_caller_aad_identity: Some(false),
            use_end_user_o_auth2_credentials: None,
            unknown_fields: Default::default(),
        })
    }

    /// 1024-bit keys: RSA-OAEP (SHA-1) of each 85-byte segment, blocks concatenated, base64.
    fn encrypt_segmented(&self, plaintext: &[u8]) -> Result<String> {
        let mut blocks = Vec::with_capacity(
            plaintext
                .len()
                .div_ceil(SEGMENT_BYTES)
                .saturating_mul(SEGMENTED_MODULUS_BYTES),
        );
        for segment in plaintext.chunks(SEGMENT_BYTES) {
            let block = self
                .key
                .encrypt(&mut getrandom::SysRng, Oaep::<Sha1>::new(), segment)
                .map_err(encryption_failed)?;
            blocks.extend_from_slice(&block);
        }
        Ok(STANDARD.encode(blocks))
    }

    /// Larger keys: RSA-OAEP (SHA-256) of fresh keys, then AES-256-CBC + HMAC-SHA256 of the data.
    fn encrypt_hybrid(&self, plaintext: &[u8]) -> Result<String> {
        let mut keys = Zeroizing::new([0_u8; KEY_BLOCK_BYTES]);
        keys[..2].copy_from_slice(&KEY_LENGTHS);
        getrandom::fill(&mut keys[2..]).map_err(random_failed)?;
        let aes_key = &keys[2..2 + AES_KEY_BYTES];
        let hmac_key = &keys[2 + AES_KEY_BYTES..];
        let data = authenticated_encryption(aes_key, hmac_key, plaintext)?;
        let encrypted_keys = self
            .key
            .encrypt(&mut getrandom::SysRng, Oaep::<Sha256>::new(), &keys[..])
            .map_err(encryption_failed)?;
        let mut out = STANDARD.encode(encrypted_keys);
        STANDARD.encode_string(data, &mut out);
        Ok(out)
    }
}

/// `[0, 0] ‖ HMAC-SHA256([0, 0] ‖ iv ‖ c) ‖ iv ‖ c`, with `c` the AES-256-CBC (PKCS#7)
/// encryption of `plaintext` under a fresh IV.
fn authenticated_encryption(aes_key: &[u8], hmac_key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let mut iv = [0_u8; IV_BYTES];
    getrandom::fill(&mut iv).map_err(random_failed)?;
    let ciphertext = cbc::Encryptor::<Aes256>::new_from_slices(aes_key, &iv)
        .map_err(|_| invalid("the AES key or IV has the wrong length"))?
        .encrypt_padded_vec::<Pkcs7>(plaintext);
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(hmac_key)
        .map_err(|_| invalid("the HMAC key has the wrong length"))?;
    mac.update(&ALGORITHMS);
    mac.update(&iv);
    mac.update(&ciphertext);
    let tag = mac.finalize().into_bytes();
    let mut out = Vec::with_capacity(
        ALGORITHMS
            .len()
            .saturating_add(tag.len())
            .saturating_add(IV_BYTES)
            .saturating_add(ciphertext.len()),
    );
    out.extend_from_slice(&ALGORITHMS);
    out.extend_from_slice(&tag);
    out.extend_from_slice(&iv);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

impl CredentialDetails {
    /// Credential details for a data source on `gateway` (from `get_gateway`): `credentials`
    /// encrypted with the gateway's public key, as [`CredentialsEncryptor::credential_details`]
    /// fills them. Pass the result in a `PublishDatasourceToGatewayRequest` or an
    /// `UpdateDatasourceRequest`.
    ///
    /// # Errors
    ///
    /// [`Error::Unusable`] when the gateway's public key is missing or malformed.
    pub fn for_gateway(
        gateway: &Gateway,
        credentials: &GatewayCredentials,
        privacy_level: PrivacyLevel,
    ) -> Result<Self> {
        CredentialsEncryptor::for_gateway(gateway)?.credential_details(credentials, privacy_level)
    }
}

/// Decodes one base64 part of the key, bounded (a 16384-bit modulus is 2732 characters).
fn decode_part(field: &str, value: Option<&str>) -> Result<Vec<u8>> {
    let value = value
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| unusable(field, "missing".into()))?;
    if value.len() > MAX_KEY_BITS / 6 + 8 {
        return Err(unusable(
            field,
            format!("{} characters is longer than any key accepted", value.len()),
        ));
    }
    STANDARD
        .decode(value)
        .map_err(|error| unusable(field, format!("not base64: {error}")))
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&byte| byte != 0)
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// Bits of a big-endian number without leading zero bytes.
fn bit_length(bytes: &[u8]) -> usize {
    match bytes.first() {
        None => 0,
        Some(&first) => (bytes.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
    }
}

fn unusable(field: &str, message: String) -> Error {
    Error::Unusable {
        operation: OPERATION,
        field: field.to_owned(),
        message,
        request_id: "-".to_owned(),
    }
}

fn invalid(message: &str) -> Error {
    Error::InvalidRequest(format!("{OPERATION}: {message}"))
}

fn random_failed(error: getrandom::Error) -> Error {
    invalid(&format!(
        "the operating system's random number generator failed: {error}"
    ))
}

fn encryption_failed(error: rsa::Error) -> Error {
    invalid(&format!("RSA-OAEP encryption failed: {error}"))
}

#[cfg(test)]
#[path = "gateway_credentials_tests.rs"]
mod tests;
