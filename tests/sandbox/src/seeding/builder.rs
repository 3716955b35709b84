//! [`SandboxBuilder`]: a sandbox seeded before its first request.

use std::net::SocketAddr;

use super::{ServicePrincipalSeed, UserSeed, WorkspaceSeed};
use crate::{Sandbox, SandboxConfig};

/// Starts a sandbox seeded with a test's own tenant: users and service principals, then
/// workspaces naming them, on top of the [demo content](crate::demo) or, with
/// [`without_demo_content`](SandboxBuilder::without_demo_content), alone. Made by
/// [`Sandbox::builder`].
///
/// Seeds get their ids when they are made, so a test reads them from the seeds it keeps
/// (clones) or builds them before handing them over:
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use powerbi_sandbox::{DatasetSeed, Role, Sandbox, ServicePrincipalSeed, WorkspaceSeed};
///
/// let app = ServicePrincipalSeed::new("Nightly job").client_secret("job-secret");
/// let dataset = DatasetSeed::new("Sales").failed_refresh("ModelRefreshFailed_CredentialsNotSpecified");
/// let workspace = WorkspaceSeed::new("Operations")
///     .service_principal(app.object_id(), Role::Member)
///     .dataset(dataset.clone());
/// let sandbox = Sandbox::builder()
///     .without_demo_content()
///     .service_principal(app.clone())
///     .workspace(workspace.clone())
///     .start()
///     .await?;
/// // Sign in as app.client_id() with "job-secret"; workspace.id() holds dataset.id().
/// # let _ = sandbox;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until started"]
pub struct SandboxBuilder {
    config: SandboxConfig,
    without_demo_content: bool,
    users: Vec<UserSeed>,
    service_principals: Vec<ServicePrincipalSeed>,
    workspaces: Vec<WorkspaceSeed>,
}

impl Sandbox {
    /// A builder for a sandbox seeded with a test's own content and identities.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }
}

impl SandboxBuilder {
    /// Token timing, refresh duration and the other settings of [`SandboxConfig`] (default:
    /// [`SandboxConfig::default`]).
    pub fn config(mut self, config: SandboxConfig) -> Self {
        self.config = config;
        self
    }

    /// Starts with no workspace at all: no demo workspaces and no demo My workspace. The demo
    /// directory stays (its identities can still sign in; they see nothing unless a seeded
    /// workspace names them).
    pub fn without_demo_content(mut self) -> Self {
        self.without_demo_content = true;
        self
    }

    /// Adds a user to the directory.
    pub fn user(mut self, user: UserSeed) -> Self {
        self.users.push(user);
        self
    }

    /// Adds a service principal to the directory.
    pub fn service_principal(mut self, service_principal: ServicePrincipalSeed) -> Self {
        self.service_principals.push(service_principal);
        self
    }

    /// Adds a shared workspace (after the users and service principals, whatever the order
    /// of the calls).
    pub fn workspace(mut self, workspace: WorkspaceSeed) -> Self {
        self.workspaces.push(workspace);
        self
    }

    /// Starts the seeded sandbox on a free loopback port, over http (see [`Sandbox::start_with`]).
    pub async fn start(self) -> std::io::Result<Sandbox> {
        let sandbox = Sandbox::start_with(self.config.clone()).await?;
        Ok(self.seed(sandbox))
    }

    /// Starts the seeded sandbox on `addr` (see [`Sandbox::bind`]).
    pub async fn bind(self, addr: SocketAddr) -> std::io::Result<Sandbox> {
        let sandbox = Sandbox::bind(addr, self.config.clone()).await?;
        Ok(self.seed(sandbox))
    }

    /// Starts the seeded sandbox on a free loopback port, over https with this certificate
    /// chain and key (see [`Sandbox::start_tls`]).
    pub async fn start_tls(self, cert_chain_pem: &str, key_pem: &str) -> std::io::Result<Sandbox> {
        let sandbox = Sandbox::start_tls(self.config.clone(), cert_chain_pem, key_pem).await?;
        Ok(self.seed(sandbox))
    }

    /// Seeds a sandbox nobody has reached yet (its address is not known outside).
    fn seed(self, sandbox: Sandbox) -> Sandbox {
        if self.without_demo_content {
            sandbox.remove_all_workspaces();
        }
        for user in self.users {
            sandbox.add_user(user);
        }
        for service_principal in self.service_principals {
            sandbox.add_service_principal(service_principal);
        }
        for workspace in self.workspaces {
            sandbox.add_workspace(workspace);
        }
        sandbox
    }
}
