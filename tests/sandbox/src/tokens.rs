//! Access tokens: how a token is minted, and the table of issued tokens the API validates
//! bearers against.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::demo;
use crate::principal::Principal;
use crate::sign_in::SignInSetup;

/// What a bearer string turned out to be.
#[derive(Debug)]
pub(crate) enum Lookup {
    /// Never issued by this sandbox (forged, truncated, or from elsewhere).
    Unknown,
    /// Issued, but past its expiry or expired on purpose.
    Expired,
    /// Issued and still valid.
    Valid(Principal),
}

/// The service a token is issued for (its `aud` claim).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Audience {
    /// `https://analysis.windows.net/powerbi/api`.
    PowerBi,
    /// `https://api.fabric.microsoft.com`.
    Fabric,
    /// `https://graph.microsoft.com` (accepted by neither API).
    Graph,
}

impl Audience {
    const ALL: [Audience; 3] = [Audience::PowerBi, Audience::Fabric, Audience::Graph];

    /// The resource URI (without a trailing slash).
    pub(crate) fn resource(self) -> &'static str {
        match self {
            Audience::PowerBi => demo::POWER_BI_RESOURCE,
            Audience::Fabric => demo::FABRIC_RESOURCE,
            Audience::Graph => demo::GRAPH_RESOURCE,
        }
    }

    /// The audience a v1 `resource` parameter names (trailing slash ignored).
    pub(crate) fn of_resource(resource: &str) -> Option<Audience> {
        let resource = resource.trim_end_matches('/');
        Self::ALL
            .into_iter()
            .find(|audience| audience.resource().eq_ignore_ascii_case(resource))
    }

    /// The audience of the first scope item that names a known resource (`{resource}/{name}`).
    pub(crate) fn of_scope(scope: &str) -> Option<Audience> {
        scope.split_whitespace().find_map(|item| {
            Self::ALL.into_iter().find(|audience| {
                let prefix = audience.resource();
                item.len() > prefix.len()
                    && item.is_char_boundary(prefix.len())
                    && item[..prefix.len()].eq_ignore_ascii_case(prefix)
                    && item[prefix.len()..].starts_with('/')
            })
        })
    }
}

#[derive(Debug)]
struct IssuedToken {
    principal: Principal,
    audience: Audience,
    expires_at: OffsetDateTime,
    revoked: bool,
}

/// Every token this sandbox has issued, keyed by the token string, and the Entra side's
/// configuration and sign-in state (certificates, device codes, refresh tokens, failures).
#[derive(Debug, Default)]
pub(crate) struct TokenTable {
    issued: HashMap<String, IssuedToken>,
    /// What tests configured on the Entra side, and sign-ins in progress.
    pub(crate) sign_in: SignInSetup,
}

impl TokenTable {
    /// Mints a token for `principal`, valid from `issued_at` until `expires_at`, and records it.
    pub(crate) fn issue(
        &mut self,
        principal: Principal,
        audience: Audience,
        issued_at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> String {
        let token = mint_jwt(&principal, audience, issued_at, expires_at);
        self.issued.insert(
            token.clone(),
            IssuedToken {
                principal,
                audience,
                expires_at,
                revoked: false,
            },
        );
        token
    }

    /// Classifies a bearer string at time `now`.
    pub(crate) fn lookup(&self, token: &str, now: OffsetDateTime) -> Lookup {
        match self.issued.get(token) {
            None => Lookup::Unknown,
            Some(issued) if issued.revoked || now >= issued.expires_at => Lookup::Expired,
            Some(issued) => Lookup::Valid(issued.principal.clone()),
        }
    }

    /// The audience a token was issued for (`None` for a token this sandbox never issued).
    pub(crate) fn audience(&self, token: &str) -> Option<Audience> {
        self.issued.get(token).map(|issued| issued.audience)
    }

    /// Every access token, refresh token and device code handed out so far (for leak tests).
    pub(crate) fn issued_secrets(&self) -> Vec<String> {
        self.issued
            .keys()
            .chain(self.sign_in.handed_out.iter())
            .cloned()
            .collect()
    }

    /// Makes every token issued so far expired.
    pub(crate) fn expire_all(&mut self) {
        for issued in self.issued.values_mut() {
            issued.revoked = true;
        }
    }
}

/// Builds a JWT-shaped token: real-looking header and claims, random signature.
fn mint_jwt(
    principal: &Principal,
    audience: Audience,
    issued_at: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> String {
    let issuer = format!("https://sts.windows.net/{}/", demo::TENANT_ID);
    let iat = issued_at.unix_timestamp();
    let mut claims = json!({
        "aud": audience.resource(),
        "iss": issuer,
        "iat": iat,
        "nbf": iat,
        "exp": expires_at.unix_timestamp(),
        "idp": issuer,
        "oid": principal.object_id(),
        "sub": principal.object_id(),
        "tid": demo::TENANT_ID,
        "uti": Uuid::new_v4().simple().to_string(),
        "ver": "1.0",
    });
    let extra = match principal {
        Principal::App(sp) => json!({
            "appid": sp.client_id,
            "app_displayname": sp.display_name,
            "appidacr": "1",
            "idtyp": "app",
        }),
        Principal::User {
            user,
            client,
            scopes,
        } => json!({
            "appid": client.client_id(),
            "app_displayname": client.display_name(),
            "appidacr": "0",
            "amr": ["pwd"],
            "idtyp": "user",
            "name": user.display_name,
            "scp": scopes.join(" "),
            "unique_name": user.upn,
            "upn": user.upn,
        }),
    };
    if let (Some(claims), serde_json::Value::Object(extra)) = (claims.as_object_mut(), extra) {
        claims.extend(extra);
    }
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": "sandbox-signing-key"});
    let signature: Vec<u8> = [Uuid::new_v4(), Uuid::new_v4()]
        .iter()
        .flat_map(|random| random.into_bytes())
        .collect();
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}
