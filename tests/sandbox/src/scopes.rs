//! Power BI delegated scopes: the catalogue Entra knows and what each route needs.

/// Every delegated scope of the Power BI resource, in canonical spelling.
pub(crate) const ALL: &[&str] = &[
    "App.Read.All",
    "Capacity.Read.All",
    "Capacity.ReadWrite.All",
    "Content.Create",
    "Dashboard.Read.All",
    "Dashboard.ReadWrite.All",
    "Dataflow.Read.All",
    "Dataflow.ReadWrite.All",
    "Dataset.Read.All",
    "Dataset.ReadWrite.All",
    "Gateway.Read.All",
    "Gateway.ReadWrite.All",
    "Pipeline.Deploy",
    "Pipeline.Read.All",
    "Pipeline.ReadWrite.All",
    "Report.Read.All",
    "Report.ReadWrite.All",
    "StorageAccount.Read.All",
    "StorageAccount.ReadWrite.All",
    "Tenant.Read.All",
    "Tenant.ReadWrite.All",
    "UserState.ReadWrite.All",
    "Workspace.Read.All",
    "Workspace.ReadWrite.All",
];

/// The `*.Read.All` subset of [`ALL`].
pub(crate) const READ_ONLY: &[&str] = &[
    "App.Read.All",
    "Capacity.Read.All",
    "Dashboard.Read.All",
    "Dataflow.Read.All",
    "Dataset.Read.All",
    "Gateway.Read.All",
    "Pipeline.Read.All",
    "Report.Read.All",
    "StorageAccount.Read.All",
    "Tenant.Read.All",
    "Workspace.Read.All",
];

/// Scopes Entra accepts in a request but that never reach a Power BI token.
pub(crate) const OIDC: &[&str] = &["openid", "profile", "email", "offline_access"];

/// The canonical spelling of a Power BI scope name (Entra compares case-insensitively).
pub(crate) fn canonical(name: &str) -> Option<&'static str> {
    ALL.iter()
        .copied()
        .find(|known| known.eq_ignore_ascii_case(name))
}

/// Alternatives of which a delegated token must hold at least one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Required(pub(crate) &'static [&'static str]);

/// Listing and reading workspaces.
pub(crate) const WORKSPACE_READ: Required =
    Required(&["Workspace.Read.All", "Workspace.ReadWrite.All"]);
/// Creating, changing and deleting workspaces and their members.
pub(crate) const WORKSPACE_WRITE: Required = Required(&["Workspace.ReadWrite.All"]);
/// Reading datasets, their refresh history, parameters, datasources, and querying them.
pub(crate) const DATASET_READ: Required = Required(&["Dataset.ReadWrite.All", "Dataset.Read.All"]);
/// Deleting, refreshing and taking over datasets.
pub(crate) const DATASET_WRITE: Required = Required(&["Dataset.ReadWrite.All"]);
/// Reading reports and their pages.
pub(crate) const REPORT_READ: Required = Required(&["Report.ReadWrite.All", "Report.Read.All"]);
/// Deleting and rebinding reports.
pub(crate) const REPORT_WRITE: Required = Required(&["Report.ReadWrite.All"]);
/// Reading dashboards and tiles.
pub(crate) const DASHBOARD_READ: Required =
    Required(&["Dashboard.ReadWrite.All", "Dashboard.Read.All"]);
/// Reading the whole tenant as a Fabric administrator (admin APIs).
pub(crate) const TENANT_READ: Required = Required(&["Tenant.Read.All", "Tenant.ReadWrite.All"]);
/// Changing the tenant's content as a Fabric administrator (admin APIs).
pub(crate) const TENANT_WRITE: Required = Required(&["Tenant.ReadWrite.All"]);
/// Cloning reports and creating dashboards.
pub(crate) const CONTENT_CREATE: Required = Required(&["Content.Create"]);
