//! The sandbox's whole mutable state, kept behind one mutex.

use std::collections::HashMap;

use uuid::Uuid;

use crate::config::BlobFailure;
use crate::directory::User;
use crate::fabric_store::FabricState;
use crate::model::{Gateway, Workspace, same_id};
use crate::principal::Principal;
use crate::seed;
use crate::tokens::TokenTable;

/// Issued tokens and all Power BI content.
#[derive(Debug)]
pub(crate) struct State {
    /// Every token the token endpoint issued.
    pub(crate) tokens: TokenTable,
    /// Shared workspaces ("groups"), in creation order.
    pub(crate) workspaces: Vec<Workspace>,
    /// My workspaces, keyed by the owner's object id; created on first use.
    personal: HashMap<String, Workspace>,
    next_refresh_id: u64,
    /// How blob uploads fail, when they should.
    pub(crate) blob_failure: Option<BlobFailure>,
    /// On-premises gateways and their data sources.
    pub(crate) gateways: Vec<Gateway>,
    /// The Fabric API's content; shared workspaces are mirrored into it when seeded.
    pub(crate) fabric: FabricState,
}

impl State {
    /// A state holding the demo content.
    pub(crate) fn seeded() -> Self {
        let seed::Content {
            workspaces,
            personal,
            gateways,
        } = seed::content();
        let fabric = FabricState {
            workspaces: workspaces.iter().map(crate::fabric_store::mirror).collect(),
            ..FabricState::default()
        };
        State {
            tokens: TokenTable::default(),
            fabric,
            workspaces,
            personal,
            next_refresh_id: seed::FIRST_REFRESH_ID,
            blob_failure: None,
            gateways,
        }
    }

    /// Removes every workspace, shared and personal (a sandbox started without the demo content).
    pub(crate) fn clear_content(&mut self) {
        self.workspaces.clear();
        self.personal.clear();
        self.fabric.workspaces.clear();
    }

    /// The gateway with this id.
    pub(crate) fn gateway_mut(&mut self, id: &str) -> Option<&mut Gateway> {
        self.gateways
            .iter_mut()
            .find(|gateway| same_id(&gateway.id, id))
    }

    /// The shared workspace with this id.
    pub(crate) fn workspace_mut(&mut self, id: &str) -> Option<&mut Workspace> {
        self.workspaces.iter_mut().find(|ws| same_id(&ws.id, id))
    }

    /// `user`'s My workspace, created empty on first use.
    pub(crate) fn personal_mut(&mut self, user: &User) -> &mut Workspace {
        self.personal
            .entry(user.object_id.to_owned())
            .or_insert_with(|| Workspace::personal(Uuid::new_v4().to_string()))
    }

    /// A fresh numeric id for a refresh history entry.
    pub(crate) fn next_refresh_id(&mut self) -> u64 {
        self.next_refresh_id += 1;
        self.next_refresh_id
    }

    /// Finds a dataset `principal` can read anywhere: its My workspace or a
    /// shared workspace it belongs to. Returns the dataset's workspace id
    /// (`None` for a My workspace) and its canonical id.
    pub(crate) fn visible_dataset(
        &mut self,
        principal: &Principal,
        dataset_id: &str,
    ) -> Option<(Option<String>, String)> {
        if let Principal::User { user, .. } = principal
            && let Some(dataset) = self.personal_mut(user).dataset(dataset_id)
        {
            return Some((None, dataset.id.clone()));
        }
        self.workspaces
            .iter()
            .filter(|ws| ws.access_of(principal).is_some())
            .find_map(|ws| {
                ws.dataset(dataset_id)
                    .map(|dataset| (Some(ws.id.clone()), dataset.id.clone()))
            })
    }
}
