//! Choosing a credential from `POWERBI_*` variables.

use std::collections::HashMap;

use super::{ClientSecretCredential, TokenCredential, UsernamePasswordCredential};

/// Picks a credential from `POWERBI_*` variables, given as a map (pass
/// `std::env::vars().collect()`; tests pass their own map):
///
/// - `POWERBI_TENANT_ID`, `POWERBI_CLIENT_ID`, `POWERBI_CLIENT_SECRET`: a service principal;
/// - `POWERBI_TENANT_ID`, `POWERBI_CLIENT_ID`, `POWERBI_USERNAME`, `POWERBI_PASSWORD`: a user.
///
/// Returns `None` when neither set is complete.
pub fn credential_from_env(vars: &HashMap<String, String>) -> Option<Box<dyn TokenCredential>> {
    let get = |name: &str| vars.get(name).filter(|value| !value.is_empty()).cloned();
    let tenant = get("POWERBI_TENANT_ID")?;
    let client = get("POWERBI_CLIENT_ID")?;
    if let Some(secret) = get("POWERBI_CLIENT_SECRET") {
        return Some(Box::new(ClientSecretCredential::new(
            tenant, client, secret,
        )));
    }
    let username = get("POWERBI_USERNAME")?;
    let password = get("POWERBI_PASSWORD")?;
    Some(Box::new(UsernamePasswordCredential::new(
        tenant, client, username, password,
    )))
}
