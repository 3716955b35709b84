//! Who an access token speaks for: a service principal or a user signed in through a client.

use crate::directory::{Client, ServicePrincipal, User};

/// The identity an access token speaks for.
#[derive(Clone, Debug)]
pub(crate) enum Principal {
    /// An app-only token from the client-credentials grant.
    App(&'static ServicePrincipal),
    /// A delegated token for a user, issued to `client` with the given scopes.
    User {
        user: &'static User,
        client: Client,
        scopes: Vec<&'static str>,
    },
}

impl Principal {
    /// The directory object id (user or service principal).
    pub(crate) fn object_id(&self) -> &'static str {
        match self {
            Principal::App(sp) => sp.object_id,
            Principal::User { user, .. } => user.object_id,
        }
    }

    /// The name Power BI shows as the owner of content this principal configured.
    pub(crate) fn owner_name(&self) -> &'static str {
        match self {
            Principal::App(sp) => sp.client_id,
            Principal::User { user, .. } => user.upn,
        }
    }

    /// Whether this is an app-only (service principal) token.
    pub(crate) fn is_app(&self) -> bool {
        matches!(self, Principal::App(_))
    }
}
