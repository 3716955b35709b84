//! Workload identity federation: a service principal signing in with a token another identity
//! provider issued (GitHub Actions, Azure DevOps, Kubernetes), with no secret at all.

use std::collections::HashMap;
use std::path::PathBuf;

use futures::future::BoxFuture;
use zeroize::Zeroizing;

use super::credentials::app_key;
use super::entra::{assertion_grant, failure};
use super::{AccessToken, IdentityKind, TokenContext, TokenCredential};
use crate::{Error, Result};

/// A service principal signing in with a federated token read from a file (the
/// client-credentials grant with the token as `client_assertion`, type jwt-bearer).
///
/// AKS workload identity writes the token to the file named by `AZURE_FEDERATED_TOKEN_FILE`
/// and sets `AZURE_TENANT_ID` and `AZURE_CLIENT_ID`; in GitHub Actions or Azure DevOps, write
/// the OIDC token to a file yourself. The file is read again for every token request, since
/// those tokens rotate. The app registration needs a federated credential whose issuer,
/// subject and audience (`api://AzureADTokenExchange`) match the token.
#[derive(Debug, Clone)]
pub struct WorkloadIdentityCredential {
    tenant_id: String,
    client_id: String,
    token_file: PathBuf,
}

impl WorkloadIdentityCredential {
    /// Signs in as `client_id` in `tenant_id` with the token in `token_file`.
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        token_file: impl Into<PathBuf>,
    ) -> Self {
        WorkloadIdentityCredential {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            token_file: token_file.into(),
        }
    }

    /// From `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_FEDERATED_TOKEN_FILE` (as AKS sets
    /// them), given as a map; a configuration error names the missing ones.
    #[inline]
    pub fn from_env(vars: &HashMap<String, String>) -> Result<Self> {
        let get = |name: &str| vars.get(name).filter(|value| !value.is_empty()).cloned();
        match (
            get("AZURE_TENANT_ID"),
            get("AZURE_CLIENT_ID"),
            get("AZURE_FEDERATED_TOKEN_FILE"),
        ) {
            (Some(tenant), Some(client), Some(file)) => Ok(Self::new(tenant, client, file)),
            (tenant, client, file) => {
                let missing: Vec<&str> = [
                    (tenant.is_none(), "AZURE_TENANT_ID"),
                    (client.is_none(), "AZURE_CLIENT_ID"),
                    (file.is_none(), "AZURE_FEDERATED_TOKEN_FILE"),
                ]
                .into_iter()
                .filter_map(|(missing, name)| missing.then_some(name))
                .collect();
                Err(Error::Config(format!(
                    "workload identity needs {} set",
                    missing.join(", ")
                )))
            }
        }
    }
}

impl TokenCredential for WorkloadIdentityCredential {
    #[inline]
    fn get_token<'a>(&'a self, context: TokenContext<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let kind = self.kind();
            let assertion = std::fs::read_to_string(&self.token_file)
                .map(Zeroizing::new)
                .map_err(|error| {
                    failure(
                        kind,
                        format!(
                            "cannot read the federated token file {}: {error}",
                            self.token_file.display()
                        ),
                        Some("the workload identity token file is missing: check AZURE_FEDERATED_TOKEN_FILE and that the pod or job gets a token"),
                    )
                })?;
            let assertion = assertion.trim();
            if assertion.is_empty() {
                return Err(failure(
                    kind,
                    format!(
                        "the federated token file {} is empty",
                        self.token_file.display()
                    ),
                    None,
                ));
            }
            assertion_grant(context, kind, &self.tenant_id, &self.client_id, assertion).await
        })
    }

    #[inline]
    fn kind(&self) -> &'static str {
        "workload identity"
    }

    #[inline]
    fn cache_key(&self) -> Option<String> {
        Some(app_key(&self.tenant_id, &self.client_id))
    }

    #[inline]
    fn identity_kind(&self) -> IdentityKind {
        IdentityKind::ServicePrincipal
    }
}
