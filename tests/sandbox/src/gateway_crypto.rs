//! The gateways' RSA key pairs and the decryption of the credentials a client encrypted with a
//! gateway's public key, in the two layouts Microsoft's SDKs write (see the .NET SDK's
//! `AsymmetricKeyEncryptor`, `Asymmetric1024KeyEncryptionHelper`,
//! `AsymmetricHigherKeyEncryptionHelper` and `AuthenticatedEncryption`):
//!
//! - 1024-bit key: base64 of 128-byte RSA-OAEP (SHA-1) blocks, each one segment of the
//!   plaintext;
//! - larger keys: `base64(RSA-OAEP-SHA256([0, 1] ‖ aes key 32 ‖ hmac key 64))` followed by
//!   `base64([0, 0] ‖ HMAC-SHA256 tag 32 ‖ iv 16 ‖ AES-256-CBC-PKCS7 ciphertext)`, the tag over
//!   `[0, 0] ‖ iv ‖ ciphertext`.
//!
//! The key pairs are fixed test keys (`data/gateway-1024.pem`, `data/gateway-2048.pem`, made
//! with `openssl genpkey` for this sandbox and nothing else), so no sandbox spends time
//! generating primes. This module is written from those facts, independently of the client.

use std::sync::OnceLock;

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, KeyIvInit};
use hmac::{Hmac, KeyInit, Mac};
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{Oaep, PrivateKey};
use serde_json::Value;
use sha1::Sha1;
use sha2::Sha256;

const KEY_1024_PEM: &str = include_str!("../data/gateway-1024.pem");
const KEY_2048_PEM: &str = include_str!("../data/gateway-2048.pem");

/// Which of the fixed key pairs a gateway has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeySize {
    /// 1024 bits: the segmented layout.
    Bits1024,
    /// 2048 bits: the hybrid layout.
    Bits2048,
}

/// A gateway's key pair, with its public half as the service publishes it.
#[derive(Debug)]
pub(crate) struct GatewayKey {
    private: PrivateKey,
    /// The public exponent, base64 (`AQAB`).
    pub(crate) exponent: String,
    /// The modulus, base64, without leading zero bytes.
    pub(crate) modulus: String,
}

impl GatewayKey {
    /// The fixed key pair of that size, parsed once per process.
    pub(crate) fn fixed(size: KeySize) -> &'static GatewayKey {
        static KEY_1024: OnceLock<GatewayKey> = OnceLock::new();
        static KEY_2048: OnceLock<GatewayKey> = OnceLock::new();
        let (cell, pem) = match size {
            KeySize::Bits1024 => (&KEY_1024, KEY_1024_PEM),
            KeySize::Bits2048 => (&KEY_2048, KEY_2048_PEM),
        };
        cell.get_or_init(|| GatewayKey::from_pem(pem))
    }

    fn from_pem(pem: &str) -> GatewayKey {
        let private = PrivateKey::from_pkcs8_pem(pem).expect("the sandbox's gateway keys parse");
        let modulus = STANDARD.encode(trim(&private.n_bytes()));
        let exponent = STANDARD.encode(trim(&private.e_bytes()));
        GatewayKey {
            private,
            exponent,
            modulus,
        }
    }

    /// The modulus length in bytes.
    fn modulus_bytes(&self) -> usize {
        self.private.size()
    }

    /// Decrypts `credentials` as the gateway does; `Err` says why it cannot be read.
    pub(crate) fn decrypt(&self, credentials: &str) -> Result<Vec<u8>, String> {
        if self.modulus_bytes() == 128 {
            self.decrypt_segmented(credentials)
        } else {
            self.decrypt_hybrid(credentials)
        }
    }

    fn decrypt_segmented(&self, credentials: &str) -> Result<Vec<u8>, String> {
        let blocks = STANDARD
            .decode(credentials)
            .map_err(|error| format!("the credentials are not base64: {error}"))?;
        if blocks.is_empty() || blocks.len() % 128 != 0 {
            return Err(format!(
                "{} bytes is not a whole number of 128-byte RSA blocks",
                blocks.len()
            ));
        }
        let mut plaintext = Vec::new();
        for block in blocks.chunks(128) {
            let segment = self
                .private
                .decrypt(Oaep::<Sha1>::new(), block)
                .map_err(|error| format!("an RSA-OAEP (SHA-1) block does not decrypt: {error}"))?;
            plaintext.extend_from_slice(&segment);
        }
        Ok(plaintext)
    }

    fn decrypt_hybrid(&self, credentials: &str) -> Result<Vec<u8>, String> {
        let split = self.modulus_bytes().div_ceil(3) * 4;
        let (keys, data) = credentials
            .split_at_checked(split)
            .ok_or("the credentials are shorter than the encrypted key block")?;
        let keys = STANDARD
            .decode(keys)
            .map_err(|error| format!("the key block is not base64: {error}"))?;
        let data = STANDARD
            .decode(data)
            .map_err(|error| format!("the data block is not base64: {error}"))?;
        let keys = self
            .private
            .decrypt(Oaep::<Sha256>::new(), &keys)
            .map_err(|error| {
                format!("the key block does not decrypt (RSA-OAEP, SHA-256): {error}")
            })?;
        let [0, 1, keys @ ..] = keys.as_slice() else {
            return Err("the key block does not start with the key lengths [0, 1]".into());
        };
        let (aes_key, hmac_key) = keys
            .split_at_checked(32)
            .filter(|(_, hmac_key)| hmac_key.len() == 64)
            .ok_or("the key block does not hold a 32-byte AES key and a 64-byte HMAC key")?;
        authenticated_decryption(aes_key, hmac_key, &data)
    }
}

/// Checks the tag of `[0, 0] ‖ tag ‖ iv ‖ ciphertext` and decrypts the ciphertext.
fn authenticated_decryption(
    aes_key: &[u8],
    hmac_key: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, String> {
    let [0, 0, rest @ ..] = data else {
        return Err("the data block does not name AES-256-CBC and HMAC-SHA256 ([0, 0])".into());
    };
    if rest.len() < 32 + 16 + 16 {
        return Err("the data block is too short".into());
    }
    let (tag, rest) = rest.split_at(32);
    let (iv, ciphertext) = rest.split_at(16);
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(hmac_key)
        .map_err(|_| "the HMAC key has the wrong length".to_owned())?;
    mac.update(&[0, 0]);
    mac.update(iv);
    mac.update(ciphertext);
    mac.verify_slice(tag)
        .map_err(|_| "the HMAC-SHA256 tag does not match".to_owned())?;
    cbc::Decryptor::<Aes256>::new_from_slices(aes_key, iv)
        .map_err(|_| "the AES key has the wrong length".to_owned())?
        .decrypt_padded_vec::<Pkcs7>(ciphertext)
        .map_err(|_| "the AES-256-CBC padding is wrong".to_owned())
}

/// Credentials a gateway decrypted (or received unencrypted), as a test reads them back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecryptedCredentials {
    /// `credentialType` as sent (`Basic`, `Windows`, `Key`, `OAuth2`, `Anonymous`).
    pub credential_type: String,
    /// `encryptionAlgorithm` as sent (`RSA-OAEP`, `None`).
    pub encryption_algorithm: String,
    /// `encryptedConnection` as sent (`Encrypted`, `NotEncrypted`).
    pub encrypted_connection: String,
    /// `privacyLevel` as sent.
    pub privacy_level: String,
    /// The decrypted plaintext, as UTF-8.
    pub plaintext: String,
    /// The `credentialData` name/value pairs of the plaintext, in order (empty for anonymous).
    pub credential_data: Vec<(String, String)>,
}

/// The names `credentialData` must hold, in any order, for a credential type.
fn expected_names(credential_type: &str) -> Option<&'static [&'static str]> {
    match credential_type {
        "Basic" | "Windows" => Some(&["username", "password"]),
        "Key" => Some(&["key"]),
        "OAuth2" => Some(&["accessToken"]),
        "Anonymous" => Some(&[]),
        _ => None,
    }
}

/// Reads the plaintext `{"credentialData":[{"name","value"},..]}` (or `""` / `[]` for
/// anonymous) and checks it holds what `credential_type` needs.
pub(crate) fn parse_plaintext(
    credential_type: &str,
    plaintext: &[u8],
) -> Result<(String, Vec<(String, String)>), String> {
    let text = String::from_utf8(plaintext.to_vec())
        .map_err(|_| "the decrypted credentials are not UTF-8".to_owned())?;
    let document: Value = serde_json::from_str(&text)
        .map_err(|error| format!("the decrypted credentials are not JSON: {error}"))?;
    let data = document
        .get("credentialData")
        .ok_or("the decrypted credentials have no credentialData")?;
    let pairs = match data {
        Value::String(empty) if empty.is_empty() => Vec::new(),
        Value::Array(items) => items
            .iter()
            .map(|item| match (item.get("name"), item.get("value")) {
                (Some(Value::String(name)), Some(Value::String(value))) => {
                    Ok((name.clone(), value.clone()))
                }
                _ => Err("a credentialData entry is not {\"name\",\"value\"}".to_owned()),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err("credentialData is neither a list nor \"\"".into()),
    };
    let expected = expected_names(credential_type)
        .ok_or_else(|| format!("credential type {credential_type} is not supported here"))?;
    let mut names: Vec<&str> = pairs.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    let mut wanted = expected.to_vec();
    wanted.sort_unstable();
    if names != wanted {
        return Err(format!(
            "{credential_type} credentials need credentialData {expected:?}, not {names:?}"
        ));
    }
    Ok((text, pairs))
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&byte| byte != 0)
        .unwrap_or(bytes.len());
    &bytes[start..]
}
