//! Client assertions: JWTs signed with a certificate registered on the app (checked with the
//! certificate's public key: signature, `x5t#S256`/`x5t`, audience, issuer and subject,
//! lifetime, replay), and federated tokens from a trusted issuer (workload identity: issuer,
//! subject, audience and expiry; the sandbox does not fetch the issuer's keys, so their
//! signature is not checked).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rustls_pki_types::CertificateDer;
use serde_json::Value;

use super::GrantContext;
use super::error::EntraError;
use crate::clock;
use crate::directory::ServicePrincipal;

/// Longest client assertion lifetime accepted (Entra ID asks for at most 10 minutes).
const MAX_LIFETIME_SECONDS: i64 = 10 * 60;
/// Clock skew allowed on `nbf` and `exp`.
const SKEW_SECONDS: i64 = 5 * 60;

fn malformed() -> EntraError {
    EntraError::invalid_client(50_027, "JWT token is invalid or malformed.")
}

fn decode_part(part: &str) -> Result<Value, EntraError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| malformed())?;
    serde_json::from_slice(&bytes).map_err(|_| malformed())
}

/// Authenticates `sp` with the client assertion `assertion` (type jwt-bearer).
pub(super) fn authenticate(
    context: &GrantContext<'_>,
    sp: &'static ServicePrincipal,
    assertion: &str,
) -> Result<(), EntraError> {
    let mut parts = assertion.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    let header_json = decode_part(header)?;
    let claims_json = decode_part(claims)?;
    if header_json.get("x5t#S256").is_some() || header_json.get("x5t").is_some() {
        certificate(
            context,
            sp,
            &header_json,
            &claims_json,
            &format!("{header}.{claims}"),
            signature,
        )
    } else {
        federated(context, sp, &claims_json)
    }
}

fn text<'v>(json: &'v Value, name: &str) -> Option<&'v str> {
    json.get(name).and_then(Value::as_str)
}

/// A certificate assertion: signed by a certificate registered on `sp`, for this token
/// endpoint, by `sp`, in its time range, and not seen before.
fn certificate(
    context: &GrantContext<'_>,
    sp: &'static ServicePrincipal,
    header: &Value,
    claims: &Value,
    signed: &str,
    signature: &str,
) -> Result<(), EntraError> {
    verify_signature(context, sp, header, signed, signature)?;
    check_certificate_claims(context, sp, claims)
}

/// Checks that `signature` over `signed` was made with a certificate registered on `sp`, the
/// one the header's thumbprint names.
fn verify_signature(
    context: &GrantContext<'_>,
    sp: &'static ServicePrincipal,
    header: &Value,
    signed: &str,
    signature: &str,
) -> Result<(), EntraError> {
    let invalid_signature =
        || EntraError::invalid_client(700_027, "Client assertion failed signature validation.");
    let algorithm: &dyn rustls_pki_types::SignatureVerificationAlgorithm = match text(header, "alg")
    {
        Some("RS256") => webpki::ring::RSA_PKCS1_2048_8192_SHA256,
        Some("PS256") => webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        _ => return Err(invalid_signature()),
    };
    let thumbprint = |name: &str| {
        text(header, name)
            .and_then(|value| URL_SAFE_NO_PAD.decode(value.trim_end_matches('=')).ok())
    };
    let (sha256, sha1) = (thumbprint("x5t#S256"), thumbprint("x5t"));
    let state = context.app.lock();
    let registered = state
        .tokens
        .sign_in
        .certificates
        .iter()
        .find(|certificate| {
            certificate.client_id.eq_ignore_ascii_case(sp.client_id)
                && (sha256.as_deref() == Some(&certificate.sha256[..])
                    || (sha256.is_none() && sha1.as_deref() == Some(&certificate.sha1[..])))
        });
    let Some(registered) = registered else {
        return Err(EntraError::invalid_client(
            700_027,
            format!(
                "The certificate with identifier used to sign the client assertion is not registered on \
                 application. [Reason - The key was not found., Thumbprint of key used by client: '{}']",
                text(header, "x5t#S256")
                    .or_else(|| text(header, "x5t"))
                    .unwrap_or("")
            ),
        ));
    };
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| invalid_signature())?;
    let der = CertificateDer::from(registered.der.as_slice());
    let certificate = webpki::EndEntityCert::try_from(&der).map_err(|_| invalid_signature())?;
    certificate
        .verify_signature(algorithm, signed.as_bytes(), &signature)
        .map_err(|_| invalid_signature())
}

/// The claims of a certificate assertion: audience, issuer and subject, time range, and a
/// `jti` not seen before.
fn check_certificate_claims(
    context: &GrantContext<'_>,
    sp: &'static ServicePrincipal,
    claims: &Value,
) -> Result<(), EntraError> {
    let base = context.app.base_url().trim_end_matches('/');
    let segment = context.tenant_segment;
    let audiences = [
        format!("{base}/{segment}/oauth2/v2.0/token"),
        format!("{base}/{segment}/oauth2/token"),
    ];
    let audience = text(claims, "aud").unwrap_or("");
    if !audiences
        .iter()
        .any(|expected| expected.eq_ignore_ascii_case(audience))
    {
        return Err(EntraError::invalid_client(
            50_012,
            format!(
                "Invalid audience '{audience}' in the client assertion: it must be the token endpoint, {}.",
                audiences[0]
            ),
        ));
    }
    for claim in ["iss", "sub"] {
        if !text(claims, claim).is_some_and(|value| value.eq_ignore_ascii_case(sp.client_id)) {
            return Err(EntraError::invalid_client(
                50_012,
                format!("The client assertion's '{claim}' claim must be the client id."),
            ));
        }
    }
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    let now = clock::now().unix_timestamp();
    let (Some(nbf), Some(exp)) = (number("nbf").or_else(|| number("iat")), number("exp")) else {
        return Err(malformed());
    };
    if exp <= now - SKEW_SECONDS || nbf > now + SKEW_SECONDS || exp - nbf > MAX_LIFETIME_SECONDS {
        return Err(EntraError::invalid_client(
            700_024,
            "Client assertion is not within its valid time range.",
        ));
    }
    let Some(jti) = text(claims, "jti").filter(|jti| !jti.is_empty()) else {
        return Err(EntraError::invalid_client(
            50_012,
            "The client assertion has no 'jti' claim.",
        ));
    };
    if !context
        .app
        .lock()
        .tokens
        .sign_in
        .seen_assertions
        .insert(jti.to_owned())
    {
        return Err(EntraError::invalid_client(
            50_013,
            "The client assertion was already used (its 'jti' was seen before).",
        ));
    }
    Ok(())
}

fn federated(
    context: &GrantContext<'_>,
    sp: &'static ServicePrincipal,
    claims: &Value,
) -> Result<(), EntraError> {
    let issuer = text(claims, "iss").unwrap_or("");
    let subject = text(claims, "sub").unwrap_or("");
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let state = context.app.lock();
    let matched = state.tokens.sign_in.federated.iter().any(|credential| {
        credential.client_id.eq_ignore_ascii_case(sp.client_id)
            && credential.issuer == issuer
            && credential.subject == subject
            && audiences.contains(&credential.audience.as_str())
    });
    drop(state);
    if !matched {
        return Err(EntraError::invalid_client(
            70_021,
            format!(
                "No matching federated identity record found for presented assertion. Assertion Issuer: \
                 '{issuer}'. Assertion Subject: '{subject}'. Assertion Audience: '{}'.",
                audiences.join(",")
            ),
        ));
    }
    let now = clock::now().unix_timestamp();
    if claims
        .get("exp")
        .and_then(Value::as_i64)
        .is_none_or(|exp| exp <= now)
    {
        return Err(EntraError::invalid_client(
            700_024,
            "Client assertion is not within its valid time range.",
        ));
    }
    Ok(())
}
