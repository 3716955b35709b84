//! The layouts, checked by taking the output apart with the private keys of the sandbox's test
//! gateways (`tests/sandbox/data`, made for tests only; copied to `generated/models/testdata`
//! because a package ships only its own folder, and the packaged crate's tests must build from
//! it).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::BlockModeDecrypt;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;

use super::*;

const KEY_1024_PEM: &str = include_str!("../testdata/gateway-1024.pem");
const KEY_2048_PEM: &str = include_str!("../testdata/gateway-2048.pem");

fn private_key(pem: &str) -> rsa::PrivateKey {
    rsa::PrivateKey::from_pkcs8_pem(pem).expect("the test key parses")
}

fn public_key(private: &rsa::PrivateKey) -> GatewayPublicKey {
    GatewayPublicKey {
        exponent: Some(STANDARD.encode(strip_leading_zeros(&private.e_bytes()))),
        modulus: Some(STANDARD.encode(strip_leading_zeros(&private.n_bytes()))),
        ..Default::default()
    }
}

fn decrypt(
    private: &rsa::PrivateKey,
    padding: impl rsa::traits::PaddingScheme,
    block: &[u8],
) -> Vec<u8> {
    private
        .decrypt_blinded(&mut getrandom::SysRng, padding, block)
        .expect("the block decrypts")
}

/// A password long enough to need three segments with a 1024-bit key.
const LONG_PASSWORD: &str =
    "a \"quoted\" \\ password\twith\u{1} control characters and é, long enough to span segments";

#[test]
fn the_plaintext_is_the_sdks_compact_json_for_each_kind() {
    let cases = [
        (
            GatewayCredentials::basic("john", "p\"w\\d\n"),
            r#"{"credentialData":[{"name":"username","value":"john"},{"name":"password","value":"p\"w\\d\n"}]}"#,
        ),
        (
            GatewayCredentials::windows("CONTOSO\\svc", "pw"),
            r#"{"credentialData":[{"name":"username","value":"CONTOSO\\svc"},{"name":"password","value":"pw"}]}"#,
        ),
        (
            GatewayCredentials::key("ec..LA="),
            r#"{"credentialData":[{"name":"key","value":"ec..LA="}]}"#,
        ),
        (
            GatewayCredentials::oauth2("eyJ0..fwtQ"),
            r#"{"credentialData":[{"name":"accessToken","value":"eyJ0..fwtQ"}]}"#,
        ),
        (GatewayCredentials::anonymous(), r#"{"credentialData":""}"#),
    ];
    for (credentials, expected) in cases {
        assert_eq!(credentials.plaintext().as_str(), expected);
        let parsed: serde_json::Value =
            serde_json::from_str(&credentials.plaintext()).expect("the plaintext is JSON");
        assert!(parsed.get("credentialData").is_some());
    }
    let control = GatewayCredentials::key("\u{1}\u{1f}é");
    assert_eq!(
        control.plaintext().as_str(),
        r#"{"credentialData":[{"name":"key","value":"\u0001\u001fé"}]}"#
    );
}

#[test]
fn debug_shows_no_secret() {
    let shown = format!(
        "{:?} {:?} {:?} {:?}",
        GatewayCredentials::basic("john", "hunter2-password"),
        GatewayCredentials::windows("CONTOSO\\svc", "hunter2-password"),
        GatewayCredentials::key("hunter2-key"),
        GatewayCredentials::oauth2("hunter2-token"),
    );
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("john") && shown.contains("***"), "{shown}");
    let encryptor =
        CredentialsEncryptor::new(&public_key(&private_key(KEY_2048_PEM))).expect("key");
    assert_eq!(
        format!("{encryptor:?}"),
        "CredentialsEncryptor { bits: 2048, scheme: Hybrid }"
    );
}

#[test]
fn a_1024_bit_key_encrypts_85_byte_segments_with_oaep_sha1() {
    let private = private_key(KEY_1024_PEM);
    let encryptor = CredentialsEncryptor::new(&public_key(&private)).expect("key");
    assert_eq!(encryptor.key_bits(), 1024);
    let credentials = GatewayCredentials::basic("john", LONG_PASSWORD);
    let plaintext = credentials.plaintext();
    assert!(
        plaintext.len() > 2 * SEGMENT_BYTES,
        "three segments at least"
    );

    let encoded = encryptor.encrypt(&credentials).expect("encrypts");
    let blocks = STANDARD.decode(&encoded).expect("one base64 string");
    assert_eq!(
        blocks.len(),
        plaintext.len().div_ceil(SEGMENT_BYTES) * 128,
        "one 128-byte block per 85-byte segment"
    );
    for (index, block) in blocks.chunks(128).enumerate() {
        let segment = decrypt(&private, Oaep::<Sha1>::new(), block);
        let start = index * SEGMENT_BYTES;
        let end = (start + SEGMENT_BYTES).min(plaintext.len());
        assert_eq!(segment, plaintext.as_bytes()[start..end], "segment {index}");
    }
}

#[test]
fn a_2048_bit_key_wraps_fresh_keys_and_authenticates_the_data() {
    let private = private_key(KEY_2048_PEM);
    let encryptor = CredentialsEncryptor::new(&public_key(&private)).expect("key");
    assert_eq!(encryptor.key_bits(), 2048);
    let credentials = GatewayCredentials::windows("CONTOSO\\svc", LONG_PASSWORD);
    let encoded = encryptor.encrypt(&credentials).expect("encrypts");

    // base64(256 bytes) is 344 characters, padding included; the data block follows.
    let (keys, data) = encoded.split_at(344);
    assert!(keys.ends_with('='), "the key block keeps its own padding");
    let keys = decrypt(
        &private,
        Oaep::<Sha256>::new(),
        &STANDARD.decode(keys).expect("b64"),
    );
    assert_eq!(keys.len(), 98);
    assert_eq!(keys[..2], [0, 1], "KeyLength32, KeyLength64");
    let (aes_key, hmac_key) = keys[2..].split_at(32);

    let data = STANDARD.decode(data).expect("the data block is base64");
    assert_eq!(data[..2], [0, 0], "Aes256CbcPkcs7, HMACSHA256");
    let (tag, rest) = data[2..].split_at(32);
    let (iv, ciphertext) = rest.split_at(16);
    assert_eq!(ciphertext.len() % 16, 0);
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(hmac_key).expect("key");
    mac.update(&[0, 0]);
    mac.update(iv);
    mac.update(ciphertext);
    mac.verify_slice(tag)
        .expect("the tag covers the algorithms, the IV and the ciphertext");
    let decrypted = cbc::Decryptor::<Aes256>::new_from_slices(aes_key, iv)
        .expect("key and iv")
        .decrypt_padded_vec::<Pkcs7>(ciphertext)
        .expect("PKCS#7 padding");
    assert_eq!(decrypted, credentials.plaintext().as_bytes());

    let again = encryptor.encrypt(&credentials).expect("encrypts");
    assert_ne!(again, encoded, "fresh keys and IV every time");
}

#[test]
fn credential_details_are_filled_as_the_sdk_fills_them() {
    let private = private_key(KEY_2048_PEM);
    let gateway = Gateway {
        public_key: Some(public_key(&private)),
        ..Default::default()
    };
    let details = CredentialDetails::for_gateway(
        &gateway,
        &GatewayCredentials::key("account-key"),
        PrivacyLevel::Organizational,
    )
    .expect("details");
    assert_eq!(details.credential_type, CredentialType::Key);
    assert_eq!(details.encrypted_connection, EncryptedConnection::Encrypted);
    assert_eq!(details.encryption_algorithm, EncryptionAlgorithm::RsaOaep);
    assert_eq!(details.privacy_level, PrivacyLevel::Organizational);
    assert_eq!(details.use_caller_aad_identity, Some(false));
    assert!(!details.credentials.contains("account-key"));

    let anonymous = CredentialDetails::for_gateway(
        &gateway,
        &GatewayCredentials::anonymous(),
        PrivacyLevel::Public,
    )
    .expect("details");
    assert_eq!(anonymous.credentials, r#"{"credentialData":""}"#);
    assert_eq!(anonymous.encryption_algorithm, EncryptionAlgorithm::None);
    assert_eq!(anonymous.credential_type, CredentialType::Anonymous);
}

/// The field an `Error::Unusable` names, or a failure message.
fn refused_field(key: GatewayPublicKey) -> String {
    match CredentialsEncryptor::new(&key) {
        Err(error @ Error::Unusable { .. }) => {
            let line = error.to_string();
            assert!(!line.contains('\n'), "{line}");
            let Error::Unusable { field, .. } = error else {
                unreachable!()
            };
            field
        }
        Err(other) => panic!("expected Error::Unusable, got {other}"),
        Ok(encryptor) => panic!("accepted a malformed key: {encryptor:?}"),
    }
}

fn key_of(exponent: &str, modulus: &[u8]) -> GatewayPublicKey {
    GatewayPublicKey {
        exponent: Some(exponent.into()),
        modulus: Some(STANDARD.encode(modulus)),
        ..Default::default()
    }
}

#[test]
fn malformed_public_keys_are_clear_errors() {
    let odd = |bytes: usize| {
        let mut modulus = vec![0xc5_u8; bytes];
        modulus[bytes - 1] = 0x01;
        modulus
    };
    assert_eq!(
        refused_field(Gateway::default().public_key.unwrap_or_default()),
        "publicKey.modulus"
    );
    assert_eq!(
        CredentialsEncryptor::for_gateway(&Gateway::default())
            .expect_err("no key")
            .to_string(),
        "gateway credentials: the answer cannot be followed: `publicKey`: the gateway has no public key (RequestId -)"
    );
    let bad_base64 = GatewayPublicKey {
        exponent: Some("AQAB".into()),
        modulus: Some("not base64 at all!".into()),
        ..Default::default()
    };
    assert_eq!(refused_field(bad_base64), "publicKey.modulus");
    let no_exponent = GatewayPublicKey {
        exponent: None,
        ..key_of("AQAB", &odd(256))
    };
    assert_eq!(refused_field(no_exponent), "publicKey.exponent");
    assert_eq!(refused_field(key_of("AQAB", &odd(64))), "publicKey.modulus");
    assert_eq!(
        refused_field(key_of("AQAB", &odd(140))),
        "publicKey.modulus"
    );
    assert_eq!(
        refused_field(key_of("AQAB", &odd(4096))),
        "publicKey.modulus"
    );
    assert_eq!(
        refused_field(key_of(&STANDARD.encode([0xff; 12]), &odd(256))),
        "publicKey.exponent"
    );
    let mut even = odd(256);
    even[255] = 0x02;
    assert_eq!(refused_field(key_of("AQAB", &even)), "publicKey");
    let huge = GatewayPublicKey {
        exponent: Some("AQAB".into()),
        modulus: Some("A".repeat(1 << 20)),
        ..Default::default()
    };
    assert_eq!(refused_field(huge), "publicKey.modulus");
}

#[test]
fn leading_zero_bytes_do_not_change_the_scheme() {
    let private = private_key(KEY_1024_PEM);
    let mut modulus = vec![0_u8];
    modulus.extend_from_slice(strip_leading_zeros(&private.n_bytes()));
    let key = key_of("AQAB", &modulus);
    let encryptor = CredentialsEncryptor::new(&key).expect("key");
    assert_eq!(encryptor.scheme, Scheme::Segmented);
}
