//! Identities a test adds to the sandbox's directory: users and service principals.

use std::fmt;

use super::new_id;

/// A user account to add to the sandbox's directory (Entra ID), for
/// [`SandboxBuilder::user`](crate::SandboxBuilder::user) or [`Sandbox::add_user`](crate::Sandbox::add_user).
///
/// A user with a [`password`](UserSeed::password) signs in with the password grant through the
/// demo public clients ([`demo::PUBLIC_CLIENT_ID`](crate::demo::PUBLIC_CLIENT_ID)), and can be
/// the user a device code sign-in approves as
/// ([`DeviceCodeFlow::signed_in_as`](crate::DeviceCodeFlow::signed_in_as)). Without one it
/// exists only as a name: a workspace member, an owner.
///
/// ```
/// use powerbi_sandbox::UserSeed;
///
/// let user = UserSeed::new("dana@contoso.onmicrosoft.com", "Dana Data").password("s3cret!");
/// assert_eq!(user.upn(), "dana@contoso.onmicrosoft.com");
/// assert_eq!(user.object_id().len(), 36); // a fresh GUID, unless set with `with_object_id`
/// ```
#[derive(Clone)]
pub struct UserSeed {
    pub(crate) upn: String,
    pub(crate) display_name: String,
    pub(crate) object_id: String,
    pub(crate) password: Option<String>,
    pub(crate) requires_mfa: bool,
}

impl UserSeed {
    /// A user with this user principal name and display name, a fresh object id, and no
    /// password.
    pub fn new(upn: impl Into<String>, display_name: impl Into<String>) -> Self {
        UserSeed {
            upn: upn.into(),
            display_name: display_name.into(),
            object_id: new_id(),
            password: None,
            requires_mfa: false,
        }
    }

    /// Lets the user sign in with the password grant, with this password.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// A Conditional Access policy requires MFA for this user: the password grant answers
    /// `AADSTS50076` (`interaction_required`), even with the right password.
    pub fn requires_mfa(mut self) -> Self {
        self.requires_mfa = true;
        self
    }

    /// Uses this object id (a GUID) instead of a fresh one.
    pub fn with_object_id(mut self, object_id: impl Into<String>) -> Self {
        self.object_id = object_id.into();
        self
    }

    /// The user principal name (sign-in name, and the identifier of workspace memberships).
    pub fn upn(&self) -> &str {
        &self.upn
    }

    /// The directory object id.
    pub fn object_id(&self) -> &str {
        &self.object_id
    }

    /// The display name.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }
}

/// Debug without the password.
impl fmt::Debug for UserSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSeed")
            .field("upn", &self.upn)
            .field("display_name", &self.display_name)
            .field("object_id", &self.object_id)
            .field("has_password", &self.password.is_some())
            .field("requires_mfa", &self.requires_mfa)
            .finish()
    }
}

/// An app registration with a service principal in the tenant, for
/// [`SandboxBuilder::service_principal`](crate::SandboxBuilder::service_principal) or
/// [`Sandbox::add_service_principal`](crate::Sandbox::add_service_principal).
///
/// It signs in with the client credentials grant, with any of its
/// [client secrets](ServicePrincipalSeed::client_secret), a client assertion signed by one of
/// its [certificates](ServicePrincipalSeed::certificate_der), or a
/// [federated credential](ServicePrincipalSeed::federated_credential); it can also be the
/// user-assigned managed identity of [`Sandbox::managed_identity_env`](crate::Sandbox::managed_identity_env)
/// (by client id). Workspace memberships name it by [object id](ServicePrincipalSeed::object_id).
///
/// ```
/// use powerbi_sandbox::ServicePrincipalSeed;
///
/// let app = ServicePrincipalSeed::new("Nightly refresh job").client_secret("job-secret");
/// println!("{app:?}"); // the secret is not shown
/// # assert!(!format!("{app:?}").contains("job-secret"));
/// ```
#[derive(Clone)]
pub struct ServicePrincipalSeed {
    pub(crate) display_name: String,
    pub(crate) client_id: String,
    pub(crate) object_id: String,
    pub(crate) secrets: Vec<String>,
    pub(crate) certificates: Vec<Vec<u8>>,
    pub(crate) federated: Vec<(String, String)>,
}

impl ServicePrincipalSeed {
    /// A service principal with this display name, a fresh client id and object id, and no
    /// credential yet.
    pub fn new(display_name: impl Into<String>) -> Self {
        ServicePrincipalSeed {
            display_name: display_name.into(),
            client_id: new_id(),
            object_id: new_id(),
            secrets: Vec::new(),
            certificates: Vec::new(),
            federated: Vec::new(),
        }
    }

    /// Adds a client secret (an app may have several; each one signs it in).
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// Registers a certificate (DER): client assertions signed with its RSA key (RS256 or
    /// PS256, found by `x5t#S256` or `x5t`) sign the app in, as with
    /// [`Sandbox::add_client_certificate`](crate::Sandbox::add_client_certificate).
    pub fn certificate_der(mut self, certificate_der: impl Into<Vec<u8>>) -> Self {
        self.certificates.push(certificate_der.into());
        self
    }

    /// Adds a federated identity credential (workload identity): tokens with this issuer and
    /// subject, for `api://AzureADTokenExchange`, sign the app in, as with
    /// [`Sandbox::add_federated_credential`](crate::Sandbox::add_federated_credential).
    pub fn federated_credential(
        mut self,
        issuer: impl Into<String>,
        subject: impl Into<String>,
    ) -> Self {
        self.federated.push((issuer.into(), subject.into()));
        self
    }

    /// Uses this application (client) id (a GUID) instead of a fresh one.
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }

    /// Uses this object id (a GUID) instead of a fresh one.
    pub fn with_object_id(mut self, object_id: impl Into<String>) -> Self {
        self.object_id = object_id.into();
        self
    }

    /// The application (client) id it signs in with.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The service principal's object id (what workspace memberships name).
    pub fn object_id(&self) -> &str {
        &self.object_id
    }

    /// The display name.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }
}

/// Debug without the secrets.
impl fmt::Debug for ServicePrincipalSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServicePrincipalSeed")
            .field("display_name", &self.display_name)
            .field("client_id", &self.client_id)
            .field("object_id", &self.object_id)
            .field("secrets", &self.secrets.len())
            .field("certificates", &self.certificates.len())
            .field("federated", &self.federated)
            .finish()
    }
}
