//! The tenant's directory: which tenant names resolve, which applications exist, and which
//! users there are (the demo ones, and those a test seeded into its sandbox).

use crate::{demo, scopes};

/// A confidential client application with a service principal in the tenant.
pub(crate) struct ServicePrincipal {
    pub(crate) client_id: &'static str,
    pub(crate) secret: &'static str,
    pub(crate) object_id: &'static str,
    pub(crate) display_name: &'static str,
}

/// A public client application (no secret) that may use the password grant.
#[derive(Debug)]
pub(crate) struct PublicClient {
    pub(crate) client_id: &'static str,
    pub(crate) display_name: &'static str,
    /// Delegated Power BI scopes an administrator consented to for this app.
    pub(crate) consented: &'static [&'static str],
}

/// An application registered in the tenant.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Client {
    Confidential(&'static ServicePrincipal),
    Public(&'static PublicClient),
}

impl Client {
    /// The scopes a delegated token for this app may carry.
    pub(crate) fn consented_scopes(self) -> &'static [&'static str] {
        match self {
            Client::Confidential(_) => scopes::ALL,
            Client::Public(app) => app.consented,
        }
    }

    /// The application (client) id.
    pub(crate) fn client_id(self) -> &'static str {
        match self {
            Client::Confidential(sp) => sp.client_id,
            Client::Public(app) => app.client_id,
        }
    }

    /// The application's display name.
    pub(crate) fn display_name(self) -> &'static str {
        match self {
            Client::Confidential(sp) => sp.display_name,
            Client::Public(app) => app.display_name,
        }
    }
}

/// A user account in the tenant.
pub(crate) struct User {
    pub(crate) upn: &'static str,
    /// `None` for accounts that cannot sign in with a password.
    pub(crate) password: Option<&'static str>,
    pub(crate) object_id: &'static str,
    pub(crate) display_name: &'static str,
    /// How the account signs in, which decides what the password grant answers.
    pub(crate) sign_in: SignIn,
}

/// Debug without the secret.
impl std::fmt::Debug for ServicePrincipal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServicePrincipal")
            .field("client_id", &self.client_id)
            .field("object_id", &self.object_id)
            .field("display_name", &self.display_name)
            .finish_non_exhaustive()
    }
}

/// Debug without the password.
impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("upn", &self.upn)
            .field("object_id", &self.object_id)
            .field("display_name", &self.display_name)
            .field("sign_in", &self.sign_in)
            .finish_non_exhaustive()
    }
}

/// How a user account signs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SignIn {
    /// A cloud password, no MFA: the password grant works.
    Password,
    /// A Conditional Access policy requires MFA: the password grant answers AADSTS50076.
    Mfa,
    /// The domain is federated with AD FS: the password grant cannot check the password
    /// (AADSTS50126) and realm discovery says `Federated`.
    Federated,
}

/// The Finance workspace Admin, a user who never signs in.
pub(crate) static FINANCE_ADMIN: User = User {
    upn: demo::FINANCE_ADMIN_NAME,
    password: None,
    object_id: "05d8e9a2-8f08-4337-91ad-86e89f533410",
    display_name: "Finley Lead",
    sign_in: SignIn::Password,
};

/// A Sales Analytics Viewer, a user who never signs in.
pub(crate) static SALES_REVIEWER: User = User {
    upn: "reviewer@contoso.onmicrosoft.com",
    password: None,
    object_id: "b62ebaf5-d506-468f-b47c-3f96749e8aee",
    display_name: "Riley Reviewer",
    sign_in: SignIn::Password,
};

/// The demo user who signs in with the password grant.
pub(crate) static ANALYST: User = User {
    upn: demo::USER_NAME,
    password: Some(demo::USER_PASSWORD),
    object_id: demo::USER_OBJECT_ID,
    display_name: demo::USER_DISPLAY_NAME,
    sign_in: SignIn::Password,
};

/// A user whose sign-ins need MFA (Conditional Access).
static MFA_USER: User = User {
    upn: demo::MFA_USER_NAME,
    password: Some(demo::MFA_USER_PASSWORD),
    object_id: "2b0f3a51-64a5-4a0e-9a57-5c1d7f0a9e11",
    display_name: "Morgan Multifactor",
    sign_in: SignIn::Mfa,
};

/// A user of a federated domain (AD FS).
static FEDERATED_USER: User = User {
    upn: demo::FEDERATED_USER_NAME,
    password: Some(demo::FEDERATED_USER_PASSWORD),
    object_id: "c7e4d2b9-0f61-4f5e-8d3a-2e9b1c6a7f40",
    display_name: "Frankie Federated",
    sign_in: SignIn::Federated,
};

/// The demo service principal.
pub(crate) static REPORTING_SP: ServicePrincipal = ServicePrincipal {
    client_id: demo::SP_CLIENT_ID,
    secret: demo::SP_CLIENT_SECRET,
    object_id: demo::SP_OBJECT_ID,
    display_name: demo::SP_DISPLAY_NAME,
};

static OUTSIDER_SP: ServicePrincipal = ServicePrincipal {
    client_id: demo::OUTSIDER_SP_CLIENT_ID,
    secret: demo::OUTSIDER_SP_CLIENT_SECRET,
    object_id: demo::OUTSIDER_SP_OBJECT_ID,
    display_name: demo::OUTSIDER_SP_DISPLAY_NAME,
};

static PUBLIC_CLIENT: PublicClient = PublicClient {
    client_id: demo::PUBLIC_CLIENT_ID,
    display_name: "Contoso Power BI Desktop Tool",
    consented: scopes::ALL,
};

static READONLY_PUBLIC_CLIENT: PublicClient = PublicClient {
    client_id: demo::READONLY_PUBLIC_CLIENT_ID,
    display_name: "Contoso Power BI Viewer",
    consented: scopes::READ_ONLY,
};

static SERVICE_PRINCIPALS: [&ServicePrincipal; 2] = [&REPORTING_SP, &OUTSIDER_SP];
static PUBLIC_CLIENTS: [&PublicClient; 2] = [&PUBLIC_CLIENT, &READONLY_PUBLIC_CLIENT];
static USERS: [&User; 5] = [
    &ANALYST,
    &FINANCE_ADMIN,
    &SALES_REVIEWER,
    &MFA_USER,
    &FEDERATED_USER,
];

/// How the `{tenant}` segment of a token request resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tenant {
    /// The demo tenant, by id or domain.
    Home,
    /// `organizations`: any work or school tenant.
    Organizations,
    /// `common` or `consumers`.
    CommonOrConsumers,
    /// Anything else.
    Unknown,
}

/// Resolves the `{tenant}` path segment of the token endpoint.
pub(crate) fn resolve_tenant(segment: &str) -> Tenant {
    let is = |name: &str| segment.eq_ignore_ascii_case(name);
    if is(demo::TENANT_ID) || is(demo::TENANT_DOMAIN) {
        Tenant::Home
    } else if is("organizations") {
        Tenant::Organizations
    } else if is("common") || is("consumers") {
        Tenant::CommonOrConsumers
    } else {
        Tenant::Unknown
    }
}

/// The identities a test seeded into one sandbox (see [`crate::SandboxBuilder`]), looked up
/// before the demo directory's. Seeded identities are leaked to `'static`, like the demo ones,
/// so a token's [`Principal`](crate::principal::Principal) can name them: a few hundred bytes
/// each, for the rest of the test process.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    service_principals: Vec<&'static ServicePrincipal>,
    users: Vec<&'static User>,
}

impl Directory {
    /// Adds a service principal (a confidential client).
    pub(crate) fn add_service_principal(&mut self, sp: ServicePrincipal) {
        self.service_principals.push(Box::leak(Box::new(sp)));
    }

    /// Adds a user account.
    pub(crate) fn add_user(&mut self, user: User) {
        self.users.push(Box::leak(Box::new(user)));
    }

    /// Looks an application up by client id (GUIDs compare case-insensitively).
    pub(crate) fn find_client(&self, client_id: &str) -> Option<Client> {
        let confidential = self
            .service_principals()
            .find(|sp| sp.client_id.eq_ignore_ascii_case(client_id))
            .map(Client::Confidential);
        confidential.or_else(|| {
            PUBLIC_CLIENTS
                .iter()
                .find(|app| app.client_id.eq_ignore_ascii_case(client_id))
                .map(|app| Client::Public(app))
        })
    }

    /// Looks a user up by user principal name or object id.
    pub(crate) fn find_user(&self, name: &str) -> Option<&'static User> {
        let seeded = self.users.iter().copied();
        seeded.chain(USERS.iter().copied()).find(|user| {
            user.upn.eq_ignore_ascii_case(name) || user.object_id.eq_ignore_ascii_case(name)
        })
    }

    /// Finds a confidential client (service principal) by client id.
    pub(crate) fn find_service_principal(
        &self,
        client_id: &str,
    ) -> Option<&'static ServicePrincipal> {
        match self.find_client(client_id) {
            Some(Client::Confidential(sp)) => Some(sp),
            _ => None,
        }
    }

    /// Finds a service principal by its object id (the id workspace memberships use).
    pub(crate) fn service_principal_by_object_id(
        &self,
        object_id: &str,
    ) -> Option<&'static ServicePrincipal> {
        self.service_principals()
            .find(|sp| sp.object_id.eq_ignore_ascii_case(object_id))
    }

    /// The seeded service principals, then the demo ones.
    fn service_principals(&self) -> impl Iterator<Item = &'static ServicePrincipal> + '_ {
        let seeded = self.service_principals.iter().copied();
        seeded.chain(SERVICE_PRINCIPALS.iter().copied())
    }
}

/// What user realm discovery says of a user name's domain: `Managed`, `Federated` or `Unknown`.
pub(crate) fn realm_of(user_name: &str) -> (&'static str, String) {
    let domain = user_name
        .rsplit_once('@')
        .map_or("", |(_, domain)| domain)
        .to_ascii_lowercase();
    let kind = if domain == demo::TENANT_DOMAIN {
        "Managed"
    } else if domain == demo::FEDERATED_DOMAIN {
        "Federated"
    } else {
        "Unknown"
    };
    (kind, domain)
}
