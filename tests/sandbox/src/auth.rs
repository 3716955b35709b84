//! Who is calling the Power BI API and what they may touch: bearer
//! validation, delegated scopes, service-principal rules and workspace roles.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::app::App;
use crate::clock;
use crate::model::{AccessRight, Workspace};
use crate::principal::Principal;
use crate::scopes::Required;
use crate::state::State;
use crate::tokens::{Audience, Lookup};
use crate::wire::ApiError;

/// The authenticated caller of a Power BI route.
///
/// Extracting it answers 403 (empty body, `X-PowerBI-Error-Info: InvalidToken`)
/// for a missing or unknown bearer and 403 `TokenExpired` for an expired one.
#[derive(Debug)]
pub(crate) struct Caller(pub(crate) Principal);

impl FromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        authenticate(&parts.headers, app).map(Caller)
    }
}

/// The principal of the request's bearer token: 403 `InvalidToken` for a missing or unknown
/// bearer, 403 `TokenExpired` for an expired one.
pub(crate) fn authenticate(headers: &HeaderMap, app: &App) -> Result<Principal, ApiError> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(bearer_token)
        .ok_or(ApiError::InvalidToken)?;
    let state = app.lock();
    // A token for another service (Graph) is no Power BI token; Fabric's audience is accepted.
    if state.tokens.audience(token) == Some(Audience::Graph) {
        return Err(ApiError::InvalidToken);
    }
    match state.tokens.lookup(token, clock::now()) {
        Lookup::Valid(principal) => Ok(principal),
        Lookup::Expired => Err(ApiError::TokenExpired),
        Lookup::Unknown => Err(ApiError::InvalidToken),
    }
}

/// The token of an `Authorization: Bearer <token>` value (scheme case-insensitive).
pub(crate) fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("Bearer") && !token.is_empty()).then_some(token)
}

/// Which workspace a route addresses.
#[derive(Clone, Debug)]
pub(crate) enum WorkspaceRef {
    /// The caller's My workspace (routes without `/groups/{groupId}`).
    MyWorkspace,
    /// A shared workspace by id (as written in the path).
    Group(String),
}

impl WorkspaceRef {
    /// The workspace of a route whose path may carry a `groupId`.
    pub(crate) fn from_group(group_id: Option<String>) -> Self {
        group_id.map_or(WorkspaceRef::MyWorkspace, WorkspaceRef::Group)
    }
}

/// The least role a route needs in its workspace.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Need {
    /// Any member (Viewer and up).
    Read,
    /// Contributor and up.
    Write,
    /// Admin only.
    Admin,
}

impl Need {
    fn allows(self, right: AccessRight) -> bool {
        match self {
            Need::Read => true,
            Need::Write => right >= AccessRight::Contributor,
            Need::Admin => right == AccessRight::Admin,
        }
    }
}

/// Checks that a delegated token carries one of the `required` scopes;
/// app-only tokens carry none and are not checked (401 when missing).
pub(crate) fn require_scopes(principal: &Principal, required: Required) -> Result<(), ApiError> {
    match principal {
        Principal::App(_) => Ok(()),
        Principal::User { scopes, .. } => {
            let held = |scope: &&str| scopes.iter().any(|granted| granted == scope);
            if required.0.iter().any(held) {
                Ok(())
            } else {
                Err(ApiError::NotAuthorized)
            }
        }
    }
}

/// Checks a delegated token against scope requirements written as groups: the token must
/// hold at least one scope of every group (no groups: nothing to check). App-only tokens carry
/// no scopes and are not checked. Missing scopes answer 401.
pub(crate) fn require_scope_groups(
    principal: &Principal,
    groups: &[Vec<String>],
) -> Result<(), ApiError> {
    match principal {
        Principal::App(_) => Ok(()),
        Principal::User { scopes, .. } => {
            let satisfied = |group: &Vec<String>| {
                group
                    .iter()
                    .any(|scope| scopes.iter().any(|granted| granted == scope))
            };
            if groups.iter().all(satisfied) {
                Ok(())
            } else {
                Err(ApiError::NotAuthorized)
            }
        }
    }
}

/// Opens the workspace a route addresses, after every check in order:
/// delegated scopes (401), app token on My workspace (403), unknown workspace
/// (404), not a member or role too low (401).
pub(crate) fn open_workspace<'s>(
    state: &'s mut State,
    principal: &Principal,
    addressed: &WorkspaceRef,
    required: Required,
    need: Need,
) -> Result<&'s mut Workspace, ApiError> {
    require_scopes(principal, required)?;
    let workspace = match (addressed, principal) {
        (WorkspaceRef::MyWorkspace, Principal::App(_)) => {
            return Err(ApiError::NotAccessibleForApplication);
        }
        (WorkspaceRef::MyWorkspace, Principal::User { user, .. }) => state.personal_mut(user),
        (WorkspaceRef::Group(id), _) => state.workspace_mut(id).ok_or(ApiError::EntityNotFound)?,
    };
    match workspace.access_of(principal) {
        Some(right) if need.allows(right) => Ok(workspace),
        _ => Err(ApiError::NotAuthorized),
    }
}
