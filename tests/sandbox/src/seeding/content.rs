//! Power BI content a test adds to a sandbox: workspaces and their members, datasets,
//! reports and dashboards. Every item gets a fresh GUID when it is made (or the id given with
//! `with_id`), which its `id()` returns, so a test knows the ids before the sandbox starts.

use serde_json::{Map, Value};

use super::new_id;

/// A workspace role, from least to most privileged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads content.
    Viewer,
    /// Creates and changes content.
    Contributor,
    /// Contributor, and adds members with lower roles.
    Member,
    /// Everything, including members and deleting the workspace.
    Admin,
}

/// Who a seeded membership names.
#[derive(Clone, Debug)]
pub(crate) enum MemberKey {
    /// A user principal name or object id.
    User(String),
    /// A service principal's object id or client id.
    App(String),
}

/// A shared workspace (a "group") to add to a sandbox, with its members and items.
///
/// ```
/// use powerbi_sandbox::{DatasetSeed, ReportSeed, Role, WorkspaceSeed, demo};
///
/// let sales = DatasetSeed::new("Sales");
/// let report = ReportSeed::new("Sales overview", sales.id()).page("Overview");
/// let workspace = WorkspaceSeed::new("Operations")
///     .service_principal(demo::SP_OBJECT_ID, Role::Admin)
///     .user(demo::USER_NAME, Role::Viewer)
///     .dataset(sales)
///     .report(report);
/// assert_eq!(workspace.name(), "Operations");
/// ```
#[derive(Clone, Debug)]
pub struct WorkspaceSeed {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) capacity_id: Option<String>,
    pub(crate) members: Vec<(MemberKey, Role)>,
    pub(crate) datasets: Vec<DatasetSeed>,
    pub(crate) reports: Vec<ReportSeed>,
    pub(crate) dashboards: Vec<DashboardSeed>,
    pub(crate) fabric_items: Vec<super::FabricItemSeed>,
}

impl WorkspaceSeed {
    /// An empty workspace with this name and a fresh id.
    pub fn new(name: impl Into<String>) -> Self {
        WorkspaceSeed {
            id: new_id(),
            name: name.into(),
            description: None,
            capacity_id: None,
            members: Vec::new(),
            datasets: Vec::new(),
            reports: Vec::new(),
            dashboards: Vec::new(),
            fabric_items: Vec::new(),
        }
    }

    /// Uses this id (a GUID) instead of a fresh one.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// The description administrators see (`GET /admin/groups`).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Places the workspace on this capacity (a GUID): `isOnDedicatedCapacity` is then true.
    pub fn capacity(mut self, capacity_id: impl Into<String>) -> Self {
        self.capacity_id = Some(capacity_id.into());
        self
    }

    /// Makes a user a member, by user principal name (or object id) of the sandbox's
    /// directory: a [seeded user](super::UserSeed::upn) or a [demo](crate::demo) one. A name
    /// the directory does not know is added as given, as an e-mail address.
    pub fn user(mut self, upn: impl Into<String>, role: Role) -> Self {
        self.members.push((MemberKey::User(upn.into()), role));
        self
    }

    /// Makes a service principal a member, by [object id](super::ServicePrincipalSeed::object_id)
    /// (or client id, resolved through the directory).
    pub fn service_principal(mut self, object_id: impl Into<String>, role: Role) -> Self {
        self.members.push((MemberKey::App(object_id.into()), role));
        self
    }

    /// Adds a dataset.
    pub fn dataset(mut self, dataset: DatasetSeed) -> Self {
        self.datasets.push(dataset);
        self
    }

    /// Adds a report.
    pub fn report(mut self, report: ReportSeed) -> Self {
        self.reports.push(report);
        self
    }

    /// Adds a Fabric item (seen only by the Fabric API, at `/v1/workspaces/{id}/items`).
    pub fn fabric_item(mut self, item: super::FabricItemSeed) -> Self {
        self.fabric_items.push(item);
        self
    }

    /// Adds a dashboard.
    pub fn dashboard(mut self, dashboard: DashboardSeed) -> Self {
        self.dashboards.push(dashboard);
        self
    }

    /// The workspace id (`groupId`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The workspace name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// How a seeded refresh ended.
#[derive(Clone, Debug)]
pub(crate) enum SeededRefresh {
    Completed,
    Failed(String),
}

/// A dataset (semantic model) to add to a [`WorkspaceSeed`].
///
/// ```
/// use powerbi_sandbox::DatasetSeed;
/// use serde_json::json;
///
/// let dataset = DatasetSeed::new("Inventory")
///     .datasource("Sql", "inventory.database.windows.net", "Stock")
///     .parameter("Region", "West")
///     .completed_refresh()
///     .failed_refresh("ModelRefreshFailed_CredentialsNotSpecified")
///     .query_rows([json!({"Stock[Item]": "Bolts", "Stock[Count]": 120})]);
/// # let _ = dataset;
/// ```
#[derive(Clone, Debug)]
pub struct DatasetSeed {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) configured_by: Option<String>,
    pub(crate) refreshable: bool,
    pub(crate) parameters: Vec<(String, String)>,
    pub(crate) datasources: Vec<(String, String, String)>,
    pub(crate) refreshes: Vec<SeededRefresh>,
    pub(crate) query_rows: Option<Vec<Map<String, Value>>>,
}

impl DatasetSeed {
    /// A refreshable import-mode dataset with this name and a fresh id.
    pub fn new(name: impl Into<String>) -> Self {
        DatasetSeed {
            id: new_id(),
            name: name.into(),
            description: None,
            configured_by: None,
            refreshable: true,
            parameters: Vec::new(),
            datasources: Vec::new(),
            refreshes: Vec::new(),
            query_rows: None,
        }
    }

    /// Uses this id (a GUID) instead of a fresh one.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// The dataset's description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Who configured it (`configuredBy`: a user principal name, or an app's client id).
    /// Default: the workspace's first member.
    pub fn configured_by(mut self, owner: impl Into<String>) -> Self {
        self.configured_by = Some(owner.into());
        self
    }

    /// Marks it not refreshable (`isRefreshable: false`, as a DirectQuery or push dataset).
    pub fn not_refreshable(mut self) -> Self {
        self.refreshable = false;
        self
    }

    /// Adds a required text parameter (Power Query) with this current value.
    pub fn parameter(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parameters.push((name.into(), value.into()));
        self
    }

    /// Adds a datasource: its type (`Sql`, `AnalysisServices`, ...), server and database.
    pub fn datasource(
        mut self,
        datasource_type: impl Into<String>,
        server: impl Into<String>,
        database: impl Into<String>,
    ) -> Self {
        self.datasources
            .push((datasource_type.into(), server.into(), database.into()));
        self
    }

    /// Appends a completed scheduled refresh to the history (entries are an hour apart,
    /// the last one an hour ago, in the order added).
    pub fn completed_refresh(mut self) -> Self {
        self.refreshes.push(SeededRefresh::Completed);
        self
    }

    /// Appends a failed scheduled refresh to the history, whose `serviceExceptionJson` names
    /// `error_code` (for example `ModelRefreshFailed_CredentialsNotSpecified`).
    pub fn failed_refresh(mut self, error_code: impl Into<String>) -> Self {
        self.refreshes
            .push(SeededRefresh::Failed(error_code.into()));
        self
    }

    /// The rows every DAX query (`executeQueries`) against this dataset returns, each a JSON
    /// object from column name (`Table[Column]`) to value; without them, a fixed sample table.
    ///
    /// # Panics
    ///
    /// When a row is not a JSON object.
    pub fn query_rows(mut self, rows: impl IntoIterator<Item = Value>) -> Self {
        let rows = rows
            .into_iter()
            .map(|row| match row {
                Value::Object(row) => row,
                other => panic!("a query row must be a JSON object, not {other}"),
            })
            .collect();
        self.query_rows = Some(rows);
        self
    }

    /// The dataset id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// A report to add to a [`WorkspaceSeed`], bound to a dataset.
#[derive(Clone, Debug)]
pub struct ReportSeed {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) dataset_id: String,
    pub(crate) pages: Vec<String>,
    pub(crate) owner_object_id: Option<String>,
}

impl ReportSeed {
    /// A report with this name and a fresh id, bound to `dataset_id` (a dataset of any seeded
    /// workspace: [`DatasetSeed::id`]). Without [pages](ReportSeed::page) it has one, "Page 1".
    pub fn new(name: impl Into<String>, dataset_id: impl Into<String>) -> Self {
        ReportSeed {
            id: new_id(),
            name: name.into(),
            dataset_id: dataset_id.into(),
            pages: Vec::new(),
            owner_object_id: None,
        }
    }

    /// Uses this id (a GUID) instead of a fresh one.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Adds a page with this display name (named `ReportSection`, `ReportSection1`, ...).
    pub fn page(mut self, display_name: impl Into<String>) -> Self {
        self.pages.push(display_name.into());
        self
    }

    /// The object id of the report's owner. Default: the workspace's first member.
    pub fn owner(mut self, object_id: impl Into<String>) -> Self {
        self.owner_object_id = Some(object_id.into());
        self
    }

    /// The report id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// A dashboard to add to a [`WorkspaceSeed`].
#[derive(Clone, Debug)]
pub struct DashboardSeed {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) tiles: Vec<TileSeed>,
}

impl DashboardSeed {
    /// A dashboard with this name, a fresh id, and no tiles.
    pub fn new(name: impl Into<String>) -> Self {
        DashboardSeed {
            id: new_id(),
            name: name.into(),
            tiles: Vec::new(),
        }
    }

    /// Uses this id (a GUID) instead of a fresh one.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Adds a tile.
    pub fn tile(mut self, tile: TileSeed) -> Self {
        self.tiles.push(tile);
        self
    }

    /// The dashboard id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// A tile of a [`DashboardSeed`].
#[derive(Clone, Debug)]
pub struct TileSeed {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) sub_title: Option<String>,
    pub(crate) report_id: Option<String>,
    pub(crate) dataset_id: Option<String>,
}

impl TileSeed {
    /// A tile with this title and a fresh id, showing no report (a text or image tile).
    pub fn new(title: impl Into<String>) -> Self {
        TileSeed {
            id: new_id(),
            title: title.into(),
            sub_title: None,
            report_id: None,
            dataset_id: None,
        }
    }

    /// Uses this id (a GUID) instead of a fresh one.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Pins a visual of this report, over this dataset.
    pub fn report(mut self, report_id: impl Into<String>, dataset_id: impl Into<String>) -> Self {
        self.report_id = Some(report_id.into());
        self.dataset_id = Some(dataset_id.into());
        self
    }

    /// The tile's subtitle.
    pub fn sub_title(mut self, sub_title: impl Into<String>) -> Self {
        self.sub_title = Some(sub_title.into());
        self
    }

    /// The tile id.
    pub fn id(&self) -> &str {
        &self.id
    }
}
