//! The credentials: a service principal with a secret, a user with a password, a fixed token.

use futures::future::BoxFuture;

use super::entra::request_token;
use super::{AccessToken, Secret, TokenContext, TokenCredential};
use crate::runtime::Result;

/// A service principal signing in with a client secret (the client-credentials grant).
#[derive(Debug, Clone)]
pub struct ClientSecretCredential {
    tenant_id: String,
    client_id: String,
    secret: Secret,
    basic_auth: bool,
}

impl ClientSecretCredential {
    /// `tenant_id` is the directory (tenant) id or a verified domain; `secret` is the secret's
    /// **Value** from the app registration (not its Secret ID).
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        secret: impl Into<Secret>,
    ) -> Self {
        ClientSecretCredential {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            secret: secret.into(),
            basic_auth: false,
        }
    }

    /// Sends the client id and secret with HTTP Basic authentication instead of in the form.
    pub fn with_basic_auth(mut self, basic_auth: bool) -> Self {
        self.basic_auth = basic_auth;
        self
    }
}

impl TokenCredential for ClientSecretCredential {
    fn get_token<'a>(&'a self, context: TokenContext<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let mut form = vec![
                ("grant_type", "client_credentials"),
                ("scope", context.scope),
            ];
            if !self.basic_auth {
                form.push(("client_id", &self.client_id));
                form.push(("client_secret", self.secret.expose()));
            }
            let basic = self
                .basic_auth
                .then_some((self.client_id.as_str(), &self.secret));
            request_token(context, self.kind(), &self.tenant_id, &form, basic).await
        })
    }

    fn kind(&self) -> &'static str {
        "client secret"
    }
}

/// A user signing in with name and password (the resource-owner password grant), as
/// SimplePBI's "regular" mode does. The app registration must allow public client flows, and
/// accounts that need MFA cannot use it.
#[derive(Debug, Clone)]
pub struct UsernamePasswordCredential {
    tenant_id: String,
    client_id: String,
    username: String,
    password: Secret,
}

impl UsernamePasswordCredential {
    /// `tenant_id` must be a tenant id or domain (`/common` is refused by Entra ID).
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        UsernamePasswordCredential {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            username: username.into(),
            password: password.into(),
        }
    }
}

impl TokenCredential for UsernamePasswordCredential {
    fn get_token<'a>(&'a self, context: TokenContext<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let form = [
                ("grant_type", "password"),
                ("client_id", self.client_id.as_str()),
                ("scope", context.scope),
                ("username", self.username.as_str()),
                ("password", self.password.expose()),
            ];
            request_token(context, self.kind(), &self.tenant_id, &form, None).await
        })
    }

    fn kind(&self) -> &'static str {
        "username/password"
    }
}

/// A token obtained elsewhere, used as is until it expires.
#[derive(Debug, Clone)]
pub struct StaticTokenCredential {
    token: AccessToken,
}

impl StaticTokenCredential {
    /// Uses `token`, believed valid for `expires_in` from now.
    pub fn new(token: impl Into<Secret>, expires_in: std::time::Duration) -> Self {
        StaticTokenCredential {
            token: AccessToken {
                token: token.into(),
                expires_in,
            },
        }
    }
}

impl TokenCredential for StaticTokenCredential {
    fn get_token<'a>(&'a self, _context: TokenContext<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move { Ok(self.token.clone()) })
    }

    fn kind(&self) -> &'static str {
        "static token"
    }
}
