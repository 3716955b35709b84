//! Seeding a sandbox with a test's own tenant: users and service principals in the directory,
//! workspaces with their members, datasets, reports and dashboards. The public types are
//! re-exported at the crate root; [`SandboxBuilder`](crate::SandboxBuilder) seeds before the
//! first request, the `Sandbox::add_*` methods while it runs.

mod builder;
mod content;
mod fabric;
mod identities;

use uuid::Uuid;

pub use self::builder::SandboxBuilder;
pub use self::content::{DashboardSeed, DatasetSeed, ReportSeed, Role, TileSeed, WorkspaceSeed};
pub use self::fabric::FabricItemSeed;
pub use self::identities::{ServicePrincipalSeed, UserSeed};

use self::content::{MemberKey, SeededRefresh};
use crate::Sandbox;
use crate::clock;
use crate::directory::{Directory, ServicePrincipal, SignIn, User};
use crate::model::{
    AccessRight, Dashboard, Datasource, Member, Parameter, PrincipalType, Refresh, RefreshOutcome,
    Tile, Workspace, same_id,
};
use crate::seed;
use crate::state::State;

/// A fresh GUID, as Power BI and Entra ID spell them.
fn new_id() -> String {
    Uuid::new_v4().to_string()
}

/// Keeps `text` for the rest of the process (directory entries are `'static`, see
/// [`Directory`]).
fn leak(text: String) -> &'static str {
    String::leak(text)
}

impl Sandbox {
    /// Adds a user to the directory. Seed workspaces naming it afterwards (or in the same
    /// [`SandboxBuilder`]).
    pub fn add_user(&self, user: UserSeed) {
        let sign_in = if user.requires_mfa {
            SignIn::Mfa
        } else {
            SignIn::Password
        };
        self.app.directory_mut().add_user(User {
            upn: leak(user.upn),
            password: user.password.map(leak),
            object_id: leak(user.object_id),
            display_name: leak(user.display_name),
            sign_in,
        });
    }

    /// Adds a service principal to the directory, with its secrets, certificates and
    /// federated credentials.
    pub fn add_service_principal(&self, app: ServicePrincipalSeed) {
        let mut secrets = app.secrets.into_iter();
        // Without a secret of its own the app still needs one no request can present.
        let secret = secrets
            .next()
            .unwrap_or_else(|| format!("unset~{}", new_id()));
        for extra in secrets {
            self.add_client_secret(&app.client_id, &extra);
        }
        for der in &app.certificates {
            self.add_client_certificate(&app.client_id, der);
        }
        for (issuer, subject) in &app.federated {
            self.add_federated_credential(&app.client_id, issuer, subject);
        }
        self.app
            .directory_mut()
            .add_service_principal(ServicePrincipal {
                client_id: leak(app.client_id),
                secret: leak(secret),
                object_id: leak(app.object_id),
                display_name: leak(app.display_name),
            });
    }

    /// Adds a shared workspace with its members and items, replacing any workspace with the
    /// same id; returns its id. Members are looked up in the directory now, so add the users
    /// and service principals it names first.
    pub fn add_workspace(&self, workspace: WorkspaceSeed) -> String {
        let fabric_items = workspace.fabric_items.clone();
        let (members, owner_name) = {
            let directory = self.app.directory();
            let members: Vec<Member> = workspace
                .members
                .iter()
                .map(|(key, role)| member(&directory, key, *role))
                .collect();
            let owner_name = workspace
                .members
                .first()
                .map_or_else(String::new, |(key, _)| configured_by_name(&directory, key));
            (members, owner_name)
        };
        let mut state = self.app.lock();
        let built = build_workspace(&mut state, workspace, members, &owner_name);
        let id = built.id.clone();
        let mut mirrored = crate::fabric_store::mirror(&built);
        mirrored
            .items
            .extend(fabric_items.iter().map(FabricItemSeed::build));
        state
            .workspaces
            .retain(|existing| !same_id(&existing.id, &id));
        state.workspaces.push(built);
        state
            .fabric
            .workspaces
            .retain(|existing| !same_id(&existing.id, &id));
        state.fabric.workspaces.push(mirrored);
        id
    }

    /// Removes every workspace, shared and personal, the demo ones included (the directory
    /// stays). [`SandboxBuilder::without_demo_content`] does this before the first request.
    pub fn remove_all_workspaces(&self) {
        self.app.lock().clear_content();
    }
}

impl From<Role> for AccessRight {
    fn from(role: Role) -> Self {
        match role {
            Role::Viewer => AccessRight::Viewer,
            Role::Contributor => AccessRight::Contributor,
            Role::Member => AccessRight::Member,
            Role::Admin => AccessRight::Admin,
        }
    }
}

/// The membership entry `key` names, filled from the directory when it knows the principal.
fn member(directory: &Directory, key: &MemberKey, role: Role) -> Member {
    match key {
        MemberKey::User(name) => match directory.find_user(name) {
            Some(user) => seed::user_member(user, role.into()),
            None => Member {
                identifier: name.clone(),
                principal_type: PrincipalType::User,
                access_right: role.into(),
                email_address: Some(name.clone()),
                display_name: None,
                graph_id: None,
                user_type: None,
            },
        },
        MemberKey::App(id) => {
            let known = directory
                .service_principal_by_object_id(id)
                .or_else(|| directory.find_service_principal(id));
            let object_id = known.map_or(id.as_str(), |sp| sp.object_id);
            Member {
                identifier: object_id.to_owned(),
                principal_type: PrincipalType::App,
                access_right: role.into(),
                email_address: None,
                display_name: known.map(|sp| sp.display_name.to_owned()),
                graph_id: Some(object_id.to_owned()),
                user_type: None,
            }
        }
    }
}

/// The storage form of a seeded workspace; refresh ids come from `state`. Items are
/// configured and owned by `owner_name` and the first member unless a seed says otherwise.
fn build_workspace(
    state: &mut State,
    seed: WorkspaceSeed,
    members: Vec<Member>,
    owner_name: &str,
) -> Workspace {
    let mut workspace = Workspace::shared(seed.id, seed.name);
    workspace.description = seed.description;
    workspace.capacity_id = seed.capacity_id;
    let owner_object_id = members
        .first()
        .and_then(|first| first.graph_id.clone())
        .unwrap_or_default();
    let local_datasets: Vec<String> = seed.datasets.iter().map(|d| d.id.clone()).collect();
    for dataset in seed.datasets {
        let built = build_dataset(state, dataset, owner_name);
        workspace.datasets.push(built);
    }
    for report in seed.reports {
        let dataset_workspace = if local_datasets
            .iter()
            .any(|id| same_id(id, &report.dataset_id))
        {
            Some(workspace.id.clone())
        } else {
            state
                .workspaces
                .iter()
                .find(|other| other.dataset(&report.dataset_id).is_some())
                .map_or_else(
                    || Some(workspace.id.clone()),
                    |other| Some(other.id.clone()),
                )
        };
        let pages: Vec<&str> = if report.pages.is_empty() {
            vec!["Page 1"]
        } else {
            report.pages.iter().map(String::as_str).collect()
        };
        let mut built = seed::report(
            &report.id,
            &report.name,
            &report.dataset_id,
            dataset_workspace.as_deref(),
            &pages,
        );
        built.owner_object_id = report
            .owner_object_id
            .unwrap_or_else(|| owner_object_id.clone());
        workspace.reports.push(built);
    }
    workspace.dashboards = seed.dashboards.into_iter().map(build_dashboard).collect();
    workspace.members = members;
    workspace
}

/// How `configuredBy` names the principal `key` names: a user by user principal name, an app
/// by client id (as [`Principal::owner_name`](crate::principal::Principal::owner_name) does).
fn configured_by_name(directory: &Directory, key: &MemberKey) -> String {
    match key {
        MemberKey::User(name) => directory
            .find_user(name)
            .map_or_else(|| name.clone(), |user| user.upn.to_owned()),
        MemberKey::App(id) => directory
            .service_principal_by_object_id(id)
            .or_else(|| directory.find_service_principal(id))
            .map_or_else(|| id.clone(), |sp| sp.client_id.to_owned()),
    }
}

/// The storage form of a seeded dataset.
fn build_dataset(
    state: &mut State,
    seed: DatasetSeed,
    default_owner: &str,
) -> crate::model::Dataset {
    let mut dataset = seed::dataset(&seed.id, &seed.name, "2024-01-01T00:00:00Z");
    let now = clock::now();
    dataset.created = now;
    dataset.description = seed.description;
    dataset.configured_by = seed
        .configured_by
        .unwrap_or_else(|| default_owner.to_owned());
    dataset.is_refreshable = seed.refreshable;
    dataset.parameters = seed
        .parameters
        .into_iter()
        .map(|(name, value)| Parameter {
            name,
            kind: "Text".into(),
            current_value: value,
            is_required: true,
            suggested_values: None,
        })
        .collect();
    dataset.datasources = seed
        .datasources
        .into_iter()
        .map(|(datasource_type, server, database)| Datasource {
            datasource_type,
            server,
            database,
            datasource_id: new_id(),
            gateway_id: new_id(),
        })
        .collect();
    let count = seed.refreshes.len();
    for (index, outcome) in seed.refreshes.into_iter().enumerate() {
        let hours_ago = u32::try_from(count - index).unwrap_or(u32::MAX);
        let start = now.saturating_sub(time::Duration::hours(i64::from(hours_ago)));
        let outcome = match outcome {
            SeededRefresh::Completed => RefreshOutcome::Completed,
            SeededRefresh::Failed(code) => RefreshOutcome::Failed {
                service_exception_json: serde_json::json!({ "errorCode": code }).to_string(),
            },
        };
        dataset.refreshes.push(Refresh {
            request_id: new_id(),
            id: state.next_refresh_id(),
            refresh_type: "Scheduled".into(),
            start,
            zoneless_start: false,
            end: start.saturating_add(time::Duration::minutes(2)),
            outcome,
        });
    }
    dataset.query_rows = seed.query_rows;
    dataset
}

/// The storage form of a seeded dashboard.
fn build_dashboard(seed: DashboardSeed) -> Dashboard {
    Dashboard {
        id: seed.id,
        display_name: seed.name,
        tiles: seed
            .tiles
            .into_iter()
            .map(|tile| Tile {
                id: tile.id,
                title: tile.title,
                sub_title: tile.sub_title,
                row_span: 1,
                col_span: 1,
                report_id: tile.report_id,
                dataset_id: tile.dataset_id,
            })
            .collect(),
    }
}
