//! The Fabric API's state (served by `fabric/`): workspaces with their role assignments, folders and items (definitions
//! kept byte for byte), long-running operations, job instances and Git remotes.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use time::format_description::well_known::Rfc3339;

use crate::clock;
use crate::model::same_id;
use crate::principal::Principal;

/// Knobs tests set on a running sandbox (see `Sandbox::set_fabric_*`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Settings {
    /// Entries per page of every stateful Fabric list.
    pub(crate) page_size: usize,
    /// The `Retry-After` seconds of every 202 answer and running state.
    pub(crate) retry_after: u64,
    /// Polls that see a long-running operation or job unfinished before it ends.
    pub(crate) poll_steps: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            page_size: 100,
            retry_after: 1,
            poll_steps: 2,
        }
    }
}

/// A workspace role, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) enum Role {
    Viewer,
    Contributor,
    Member,
    Admin,
}

impl Role {
    /// The role named `text` (case-insensitive).
    pub(crate) fn parse(text: &str) -> Option<Role> {
        [Role::Viewer, Role::Contributor, Role::Member, Role::Admin]
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(text))
    }

    /// The wire name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "Viewer",
            Role::Contributor => "Contributor",
            Role::Member => "Member",
            Role::Admin => "Admin",
        }
    }
}

/// A role assignment of a workspace.
#[derive(Clone, Debug)]
pub(crate) struct RoleAssignment {
    pub(crate) principal_id: String,
    pub(crate) principal_type: String,
    pub(crate) role: Role,
}

impl RoleAssignment {
    /// The wire form.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.principal_id,
            "principal": {"id": self.principal_id, "type": self.principal_type},
            "role": self.role.as_str(),
        })
    }
}

/// A folder of a workspace.
#[derive(Clone, Debug)]
pub(crate) struct Folder {
    pub(crate) id: String,
    pub(crate) display_name: String,
    pub(crate) parent_folder_id: Option<String>,
}

/// One part of an item definition, kept exactly as sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Part {
    pub(crate) path: String,
    pub(crate) payload: String,
    pub(crate) payload_type: String,
}

/// An item definition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Definition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) format: Option<String>,
    pub(crate) parts: Vec<Part>,
}

/// A job instance of an item.
#[derive(Clone, Debug)]
pub(crate) struct JobInstance {
    pub(crate) id: String,
    pub(crate) job_type: String,
    pub(crate) polls: u32,
    pub(crate) steps: u32,
    pub(crate) cancelled: bool,
    pub(crate) failure: Option<String>,
    pub(crate) start: String,
}

/// An item of a workspace.
#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub(crate) id: String,
    pub(crate) item_type: String,
    pub(crate) display_name: String,
    pub(crate) description: String,
    pub(crate) folder_id: Option<String>,
    pub(crate) definition: Option<Definition>,
    /// The id Git knows the item by.
    pub(crate) logical_id: String,
    pub(crate) jobs: Vec<JobInstance>,
    /// Every job of this item fails with this reason (seeding knob).
    pub(crate) failing_jobs: Option<String>,
}

impl Item {
    /// A new item with a fresh id.
    pub(crate) fn new(item_type: &str, display_name: &str, description: &str) -> Self {
        Item {
            id: Uuid::new_v4().to_string(),
            item_type: item_type.to_owned(),
            display_name: display_name.to_owned(),
            description: description.to_owned(),
            folder_id: None,
            definition: None,
            logical_id: Uuid::new_v4().to_string(),
            jobs: Vec::new(),
            failing_jobs: None,
        }
    }

    /// The wire form.
    pub(crate) fn to_json(&self, workspace_id: &str) -> Value {
        let mut item = json!({
            "id": self.id,
            "type": self.item_type,
            "displayName": self.display_name,
            "description": self.description,
            "workspaceId": workspace_id,
        });
        if let Some(folder) = &self.folder_id {
            item["folderId"] = json!(folder);
        }
        item
    }

    /// The definition as the service answers it: the stored parts, byte for byte, with a
    /// `.platform` part added when the stored definition has none.
    pub(crate) fn answered_definition(&self) -> Definition {
        let mut definition = self.definition.clone().unwrap_or(Definition {
            format: None,
            parts: Vec::new(),
        });
        if !definition.parts.iter().any(|part| part.path == ".platform") {
            definition.parts.push(self.platform_part());
        }
        definition
    }

    fn platform_part(&self) -> Part {
        use base64::Engine as _;
        let platform = json!({
            "$schema": "https://developer.microsoft.com/json-schemas/fabric/gitIntegration/platformProperties/2.0.0/schema.json",
            "metadata": {"type": self.item_type, "displayName": self.display_name},
            "config": {"version": "2.0", "logicalId": self.logical_id},
        });
        let text = serde_json::to_string_pretty(&platform).unwrap_or_default();
        Part {
            path: ".platform".to_owned(),
            payload: base64::engine::general_purpose::STANDARD.encode(text),
            payload_type: "InlineBase64".to_owned(),
        }
    }
}

/// Git connection of a workspace.
#[derive(Clone, Debug)]
pub(crate) struct GitConnection {
    pub(crate) provider: Value,
    /// Which remote (repository, branch, directory) it is connected to.
    pub(crate) remote: String,
    /// The commit the workspace last synced with (`None` before the first sync).
    pub(crate) head: Option<String>,
}

/// A workspace.
#[derive(Clone, Debug)]
pub(crate) struct Workspace {
    pub(crate) id: String,
    pub(crate) display_name: String,
    pub(crate) description: String,
    pub(crate) capacity_id: Option<String>,
    pub(crate) roles: Vec<RoleAssignment>,
    pub(crate) folders: Vec<Folder>,
    pub(crate) items: Vec<Item>,
    pub(crate) git: Option<GitConnection>,
}

impl Workspace {
    /// An empty workspace with no role assignment.
    pub(crate) fn new(id: String, display_name: &str, description: &str) -> Self {
        Workspace {
            id,
            display_name: display_name.to_owned(),
            description: description.to_owned(),
            capacity_id: None,
            roles: Vec::new(),
            folders: Vec::new(),
            items: Vec::new(),
            git: None,
        }
    }

    /// The role `principal` holds here.
    pub(crate) fn role_of(&self, principal: &Principal) -> Option<Role> {
        self.roles
            .iter()
            .filter(|assignment| same_id(&assignment.principal_id, principal.object_id()))
            .map(|assignment| assignment.role)
            .max()
    }

    /// The wire form.
    pub(crate) fn to_json(&self) -> Value {
        let mut workspace = json!({
            "id": self.id,
            "displayName": self.display_name,
            "description": self.description,
            "type": "Workspace",
        });
        if let Some(capacity) = &self.capacity_id {
            workspace["capacityId"] = json!(capacity);
            workspace["capacityAssignmentProgress"] = json!("Completed");
        }
        workspace
    }

    /// The item with this id.
    pub(crate) fn item_mut(&mut self, id: &str) -> Option<&mut Item> {
        self.items.iter_mut().find(|item| same_id(&item.id, id))
    }
}

/// How a long-running operation ends.
#[derive(Clone, Debug)]
pub(crate) struct Operation {
    pub(crate) polls: u32,
    pub(crate) steps: u32,
    pub(crate) created: String,
    /// The result `/result` answers (`None`: the operation has no result).
    pub(crate) result: Option<Value>,
}

/// One commit of a remote: the items it holds, by logical id.
#[derive(Clone, Debug)]
pub(crate) struct Commit {
    pub(crate) hash: String,
    pub(crate) items: BTreeMap<String, Snapshot>,
}

/// An item as committed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Snapshot {
    pub(crate) item_type: String,
    pub(crate) display_name: String,
    pub(crate) definition: Definition,
}

/// All Fabric state.
#[derive(Debug, Default)]
pub(crate) struct FabricState {
    pub(crate) settings: Settings,
    pub(crate) workspaces: Vec<Workspace>,
    pub(crate) operations: HashMap<String, Operation>,
    /// Git remotes by `provider/owner/repository/branch/directory`, commits oldest first.
    pub(crate) remotes: HashMap<String, Vec<Commit>>,
    pub(crate) capacities: Vec<Value>,
}

impl FabricState {
    /// The workspace with this id.
    pub(crate) fn workspace_mut(&mut self, id: &str) -> Option<&mut Workspace> {
        self.workspaces.iter_mut().find(|ws| same_id(&ws.id, id))
    }

    /// Starts a long-running operation and returns its id.
    pub(crate) fn start_operation(&mut self, result: Option<Value>) -> String {
        let id = Uuid::new_v4().to_string();
        self.operations.insert(
            id.clone(),
            Operation {
                polls: 0,
                steps: self.settings.poll_steps,
                created: now_text(),
                result,
            },
        );
        id
    }
}

/// The current time as Fabric writes it.
pub(crate) fn now_text() -> String {
    clock::now().format(&Rfc3339).unwrap_or_default()
}

/// The Fabric view of a Power BI workspace: same id, name and description, its members as
/// role assignments, its datasets and reports as `SemanticModel` and `Report` items.
pub(crate) fn mirror(workspace: &crate::model::Workspace) -> Workspace {
    use crate::model::{AccessRight, PrincipalType};
    let mut mirrored = Workspace::new(
        workspace.id.clone(),
        &workspace.name,
        workspace.description.as_deref().unwrap_or_default(),
    );
    mirrored.capacity_id = workspace.capacity_id.clone();
    mirrored.roles = workspace
        .members
        .iter()
        .map(|member| RoleAssignment {
            principal_id: member
                .graph_id
                .clone()
                .unwrap_or_else(|| member.identifier.clone()),
            principal_type: match member.principal_type {
                PrincipalType::App => "ServicePrincipal",
                PrincipalType::Group => "Group",
                _ => "User",
            }
            .to_owned(),
            role: match member.access_right {
                AccessRight::Admin => Role::Admin,
                AccessRight::Member => Role::Member,
                AccessRight::Contributor => Role::Contributor,
                AccessRight::Viewer => Role::Viewer,
            },
        })
        .collect();
    let models = workspace
        .datasets
        .iter()
        .map(|dataset| (dataset.id.as_str(), dataset.name.as_str(), "SemanticModel"));
    let reports = workspace
        .reports
        .iter()
        .map(|report| (report.id.as_str(), report.name.as_str(), "Report"));
    mirrored.items = models
        .chain(reports)
        .map(|(id, name, kind)| {
            let mut item = Item::new(kind, name, "");
            item.id = id.to_owned();
            item
        })
        .collect();
    mirrored
}
