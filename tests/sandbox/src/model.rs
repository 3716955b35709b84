//! The in-memory content model: workspaces, their members and items.
//!
//! These are storage types, not wire types; the `api` modules decide how each
//! one is spelled in JSON.

use time::OffsetDateTime;

use crate::gateway_crypto::{DecryptedCredentials, KeySize};
use crate::principal::Principal;

/// Power BI ids are GUIDs and compare case-insensitively.
pub(crate) fn same_id(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// A workspace: a shared one ("group") or a user's My workspace.
#[derive(Clone, Debug)]
pub(crate) struct Workspace {
    pub(crate) id: String,
    pub(crate) name: String,
    /// A user's My workspace, reachable only through the routes without `/groups/{groupId}`.
    pub(crate) personal: bool,
    pub(crate) capacity_id: Option<String>,
    pub(crate) default_dataset_storage_format: Option<String>,
    /// Set by an administrator (`PATCH /admin/groups/{groupId}`); shown to admins only.
    pub(crate) description: Option<String>,
    /// The Log Analytics workspace assigned by an administrator, if any.
    pub(crate) log_analytics: Option<LogAnalytics>,
    pub(crate) members: Vec<Member>,
    pub(crate) datasets: Vec<Dataset>,
    pub(crate) reports: Vec<Report>,
    pub(crate) dashboards: Vec<Dashboard>,
}

/// A Log Analytics workspace (an Azure resource) assigned to a workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LogAnalytics {
    /// The id Power BI gives the assignment.
    pub(crate) id: String,
    pub(crate) subscription_id: String,
    pub(crate) resource_group: String,
    pub(crate) resource_name: String,
}

impl Workspace {
    /// An empty shared workspace.
    pub(crate) fn shared(id: impl Into<String>, name: impl Into<String>) -> Self {
        Workspace {
            id: id.into(),
            name: name.into(),
            personal: false,
            capacity_id: None,
            default_dataset_storage_format: None,
            description: None,
            log_analytics: None,
            members: Vec::new(),
            datasets: Vec::new(),
            reports: Vec::new(),
            dashboards: Vec::new(),
        }
    }

    /// An empty My workspace.
    pub(crate) fn personal(id: impl Into<String>) -> Self {
        Workspace {
            personal: true,
            ..Workspace::shared(id, "My workspace")
        }
    }

    /// The caller's role here; `None` when the caller is not a member.
    /// In a My workspace the owner is the only member, with full rights.
    pub(crate) fn access_of(&self, principal: &Principal) -> Option<AccessRight> {
        if self.personal {
            return Some(AccessRight::Admin);
        }
        self.members
            .iter()
            .filter(|member| member.is(principal))
            .map(|member| member.access_right)
            .max()
    }

    /// `groups/{id}` or `groups/me`, as in app.powerbi.com links.
    pub(crate) fn web_segment(&self) -> String {
        if self.personal {
            "groups/me".to_owned()
        } else {
            format!("groups/{}", self.id)
        }
    }

    /// The API path prefix of this workspace's items.
    pub(crate) fn api_prefix(&self) -> String {
        if self.personal {
            "/v1.0/myorg".to_owned()
        } else {
            format!("/v1.0/myorg/groups/{}", self.id)
        }
    }

    /// `&groupId=...` for embed URLs of shared workspaces, empty for My workspace.
    pub(crate) fn embed_group_param(&self) -> String {
        if self.personal {
            String::new()
        } else {
            format!("&groupId={}", self.id)
        }
    }

    /// The dataset with this id, if it lives here.
    pub(crate) fn dataset(&self, id: &str) -> Option<&Dataset> {
        self.datasets.iter().find(|item| same_id(&item.id, id))
    }

    /// The dataset with this id, if it lives here, for changing it.
    pub(crate) fn dataset_mut(&mut self, id: &str) -> Option<&mut Dataset> {
        self.datasets.iter_mut().find(|item| same_id(&item.id, id))
    }

    /// The report with this id, if it lives here.
    pub(crate) fn report(&self, id: &str) -> Option<&Report> {
        self.reports.iter().find(|item| same_id(&item.id, id))
    }

    /// The report with this id, if it lives here, for changing it.
    pub(crate) fn report_mut(&mut self, id: &str) -> Option<&mut Report> {
        self.reports.iter_mut().find(|item| same_id(&item.id, id))
    }

    /// The dashboard with this id, if it lives here.
    pub(crate) fn dashboard(&self, id: &str) -> Option<&Dashboard> {
        self.dashboards.iter().find(|item| same_id(&item.id, id))
    }
}

/// The kind of principal a workspace member is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PrincipalType {
    User,
    Group,
    App,
    None,
}

impl PrincipalType {
    /// Parses the wire value (exact spelling).
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "User" => Some(PrincipalType::User),
            "Group" => Some(PrincipalType::Group),
            "App" => Some(PrincipalType::App),
            "None" => Some(PrincipalType::None),
            _ => None,
        }
    }

    /// The wire value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PrincipalType::User => "User",
            PrincipalType::Group => "Group",
            PrincipalType::App => "App",
            PrincipalType::None => "None",
        }
    }
}

/// A member's role, ordered from least to most privileged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum AccessRight {
    Viewer,
    Contributor,
    Member,
    Admin,
}

impl AccessRight {
    /// Parses the wire value (exact spelling). `None` (the wire value) grants nothing and is not accepted.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "Viewer" => Some(AccessRight::Viewer),
            "Contributor" => Some(AccessRight::Contributor),
            "Member" => Some(AccessRight::Member),
            "Admin" => Some(AccessRight::Admin),
            _ => None,
        }
    }

    /// The wire value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AccessRight::Viewer => "Viewer",
            AccessRight::Contributor => "Contributor",
            AccessRight::Member => "Member",
            AccessRight::Admin => "Admin",
        }
    }
}

/// A workspace member (a "group user").
#[derive(Clone, Debug)]
pub(crate) struct Member {
    /// UPN for users, object id for apps and groups.
    pub(crate) identifier: String,
    pub(crate) principal_type: PrincipalType,
    pub(crate) access_right: AccessRight,
    pub(crate) email_address: Option<String>,
    pub(crate) display_name: Option<String>,
    pub(crate) graph_id: Option<String>,
    pub(crate) user_type: Option<String>,
}

impl Member {
    /// Whether this membership entry is `principal` (groups never match: nesting is not modelled).
    pub(crate) fn is(&self, principal: &Principal) -> bool {
        match (self.principal_type, principal) {
            (PrincipalType::App, Principal::App(sp)) => same_id(&self.identifier, sp.object_id),
            (PrincipalType::User, Principal::User { user, .. }) => {
                self.answers_to(user.upn) || self.answers_to(user.object_id)
            }
            _ => false,
        }
    }

    /// Whether `key` (an identifier, e-mail address or graph id) names this member.
    pub(crate) fn answers_to(&self, key: &str) -> bool {
        let matches = |value: &Option<String>| value.as_deref().is_some_and(|v| same_id(v, key));
        same_id(&self.identifier, key) || matches(&self.email_address) || matches(&self.graph_id)
    }
}

/// A dataset (semantic model).
#[derive(Clone, Debug)]
pub(crate) struct Dataset {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) configured_by: String,
    pub(crate) created: OffsetDateTime,
    pub(crate) is_refreshable: bool,
    pub(crate) is_effective_identity_required: bool,
    pub(crate) is_effective_identity_roles_required: bool,
    pub(crate) is_on_prem_gateway_required: bool,
    pub(crate) target_storage_mode: String,
    pub(crate) parameters: Vec<Parameter>,
    pub(crate) datasources: Vec<Datasource>,
    /// Oldest first.
    pub(crate) refreshes: Vec<Refresh>,
    /// What every DAX query against this dataset returns (seeded by a test); `None` for the
    /// sandbox's fixed sample table.
    pub(crate) query_rows: Option<Vec<serde_json::Map<String, serde_json::Value>>>,
}

impl Dataset {
    /// Whether a refresh is still in progress at `now`.
    pub(crate) fn refresh_running(&self, now: OffsetDateTime) -> bool {
        self.refreshes.iter().any(|refresh| refresh.running_at(now))
    }
}

/// A Power Query (mashup) parameter of a dataset.
#[derive(Clone, Debug)]
pub(crate) struct Parameter {
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) current_value: String,
    pub(crate) is_required: bool,
    pub(crate) suggested_values: Option<Vec<String>>,
}

/// A datasource a dataset connects to.
#[derive(Clone, Debug)]
pub(crate) struct Datasource {
    pub(crate) datasource_type: String,
    pub(crate) server: String,
    pub(crate) database: String,
    pub(crate) datasource_id: String,
    pub(crate) gateway_id: String,
}

/// How a refresh ends once its end time has passed.
#[derive(Clone, Debug)]
pub(crate) enum RefreshOutcome {
    Completed,
    Failed { service_exception_json: String },
}

/// One entry of a dataset's refresh history. Its status is derived from the
/// clock: `Unknown` (in progress) until `end`, then the outcome.
#[derive(Clone, Debug)]
pub(crate) struct Refresh {
    pub(crate) request_id: String,
    pub(crate) id: u64,
    pub(crate) refresh_type: String,
    pub(crate) start: OffsetDateTime,
    /// Spell `startTime` without a zone designator, as the real service sometimes does.
    pub(crate) zoneless_start: bool,
    pub(crate) end: OffsetDateTime,
    pub(crate) outcome: RefreshOutcome,
}

impl Refresh {
    /// Whether the refresh is still in progress at `now`.
    pub(crate) fn running_at(&self, now: OffsetDateTime) -> bool {
        now < self.end
    }
}

/// A report.
#[derive(Clone, Debug)]
pub(crate) struct Report {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) dataset_id: String,
    /// The workspace of the bound dataset; `None` when it lives in a My workspace.
    pub(crate) dataset_workspace_id: Option<String>,
    /// Object id of the principal who created the report.
    pub(crate) owner_object_id: String,
    pub(crate) pages: Vec<Page>,
}

/// A report page.
#[derive(Clone, Debug)]
pub(crate) struct Page {
    pub(crate) name: String,
    pub(crate) display_name: String,
    pub(crate) order: u32,
}

/// A dashboard.
#[derive(Clone, Debug)]
pub(crate) struct Dashboard {
    pub(crate) id: String,
    pub(crate) display_name: String,
    pub(crate) tiles: Vec<Tile>,
}

/// A dashboard tile.
#[derive(Clone, Debug)]
pub(crate) struct Tile {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) sub_title: Option<String>,
    pub(crate) row_span: u32,
    pub(crate) col_span: u32,
    pub(crate) report_id: Option<String>,
    pub(crate) dataset_id: Option<String>,
}

/// An on-premises gateway: its key pair, its admins and its data sources.
#[derive(Clone, Debug)]
pub(crate) struct Gateway {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) key: KeySize,
    /// Object ids of the gateway's admins (users or service principals).
    pub(crate) admins: Vec<String>,
    pub(crate) datasources: Vec<GatewayDatasource>,
}

impl Gateway {
    /// Whether `principal` administers this gateway.
    pub(crate) fn administered_by(&self, principal: &Principal) -> bool {
        self.admins
            .iter()
            .any(|admin| same_id(admin, principal.object_id()))
    }

    /// The data source with this id.
    pub(crate) fn datasource_mut(&mut self, id: &str) -> Option<&mut GatewayDatasource> {
        self.datasources
            .iter_mut()
            .find(|source| same_id(&source.id, id))
    }
}

/// A data source on a gateway, with the credentials the gateway last decrypted for it.
#[derive(Clone, Debug)]
pub(crate) struct GatewayDatasource {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) datasource_type: String,
    /// A JSON document in a string, as sent.
    pub(crate) connection_details: String,
    pub(crate) credentials: Option<DecryptedCredentials>,
}
