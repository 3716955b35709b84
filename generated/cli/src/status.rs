//! `pbi auth status`: who the credential signs in as, from the token's claims. The token
//! itself is never printed: only the claims below are read from its payload.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use powerbi::auth::TokenContext;
use serde_json::{Map, Value, json};

use crate::failure::Failure;
use crate::output::Format;
use crate::session::Session;

/// Signs in (through the credential chain) and prints who that is.
pub async fn status(session: &Session) -> Result<(), Failure> {
    let cloud = session.client.cloud();
    let scope = cloud.default_scope();
    let context = TokenContext {
        http: &session.http,
        cloud,
        scope: &scope,
    };
    let token = session
        .credential
        .get_token(context)
        .await
        .map_err(Failure::from)?;
    let claims = claims(token.token.expose());
    let mut report = Map::new();
    report.insert("credential".into(), json!(session.credential.kind()));
    report.insert("api".into(), json!(cloud.api_base.as_str()));
    match &claims {
        Some(claims) => describe(&mut report, claims),
        None => {
            report.insert("token".into(), json!("not a JWT: no claims to show"));
        }
    }
    report.insert(
        "expires_in_seconds".into(),
        json!(token.expires_in.as_secs()),
    );
    let output = match session.output.format {
        Format::Jsonl => session.output.with_format(Format::Json),
        format => session.output.with_format(format),
    };
    output.print(&Value::Object(report))
}

/// The payload of a JWT (its middle part), when the token is one.
fn claims(token: &str) -> Option<Map<String, Value>> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(claims) => Some(claims),
        _ => None,
    }
}

/// The claims worth showing: tenant, app or user, scopes or roles, expiry.
fn describe(report: &mut Map<String, Value>, claims: &Map<String, Value>) {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if let Some(tenant) = text("tid") {
        report.insert("tenant".into(), json!(tenant));
    }
    let user = text("upn")
        .or_else(|| text("unique_name"))
        .or_else(|| text("preferred_username"));
    match user {
        Some(user) => {
            report.insert("identity".into(), json!("user"));
            report.insert("user".into(), json!(user));
        }
        None => {
            report.insert("identity".into(), json!("service principal"));
        }
    }
    if let Some(app) = text("appid").or_else(|| text("azp")) {
        report.insert("app".into(), json!(app));
    }
    if let Some(name) = text("app_displayname") {
        report.insert("app_name".into(), json!(name));
    }
    if let Some(scopes) = text("scp") {
        report.insert("scopes".into(), json!(scopes));
    }
    if let Some(Value::Array(roles)) = claims.get("roles") {
        let roles: Vec<&str> = roles.iter().filter_map(Value::as_str).collect();
        report.insert("roles".into(), json!(roles.join(" ")));
    }
    if let Some(expiry) = claims.get("exp").and_then(Value::as_i64) {
        report.insert("expires".into(), json!(expiry_text(expiry)));
    }
}

/// `exp` as a UTC time and how far off it is.
fn expiry_text(expiry: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        });
    let left = expiry.saturating_sub(now);
    let when = time::OffsetDateTime::from_unix_timestamp(expiry)
        .ok()
        .and_then(|time| {
            time.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| expiry.to_string());
    if left >= 0 {
        format!("{when} (in {} min)", left / 60)
    } else {
        format!("{when} (expired)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_come_from_the_payload_and_the_rest_is_ignored() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"tid":"t","appid":"a","roles":["Tenant.Read.All"],"exp":0}"#);
        let claims = claims(&format!("header.{payload}.signature")).unwrap();
        let mut report = Map::new();
        describe(&mut report, &claims);
        assert_eq!(report["tenant"], "t");
        assert_eq!(report["identity"], "service principal");
        assert_eq!(report["roles"], "Tenant.Read.All");
        assert!(super::claims("opaque-token").is_none());
    }
}
