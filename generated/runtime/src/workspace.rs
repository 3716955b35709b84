//! The workspace an operation addresses.

use std::fmt;

use uuid::Uuid;

/// Where an operation that exists for both "My workspace" and workspaces runs.
///
/// A [`Uuid`] converts into `Workspace::Id`, so `client.datasets().list_datasets(workspace_id)`
/// reads naturally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Workspace {
    /// The signed-in user's "My workspace" (service principals have none).
    My,
    /// A workspace (a "group" in the API's paths) by id.
    Id(Uuid),
}

impl From<Uuid> for Workspace {
    fn from(id: Uuid) -> Self {
        Workspace::Id(id)
    }
}

impl From<&Uuid> for Workspace {
    fn from(id: &Uuid) -> Self {
        Workspace::Id(*id)
    }
}

impl fmt::Display for Workspace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Workspace::My => f.write_str("My workspace"),
            Workspace::Id(id) => write!(f, "workspace {id}"),
        }
    }
}
