//! Choosing a credential from `POWERBI_*` variables, given as a map (changing the process
//! environment is `unsafe` in edition 2024, so nothing here reads or writes it).

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::BoxFuture;
use url::Url;

use super::{
    AccessToken, AzureCliCredential, ClientCertificateCredential, ClientSecretCredential,
    DeviceCodeCredential, IdentityKind, ManagedIdentityCredential, TokenContext, TokenCredential,
    UsernamePasswordCredential, WorkloadIdentityCredential,
};
use crate::{Error, Result};

/// The credential the `POWERBI_*` variables configure, given as a map (pass
/// `std::env::vars().collect()`; tests pass their own).
///
/// `POWERBI_CREDENTIAL` picks the kind; without it, the first complete-looking set below wins
/// (client secret, certificate, user name and password, federated token file).
///
/// | `POWERBI_CREDENTIAL` | variables |
/// | --- | --- |
/// | `client_secret` | `POWERBI_TENANT_ID`, `POWERBI_CLIENT_ID`, `POWERBI_CLIENT_SECRET` |
/// | `client_certificate` | `POWERBI_TENANT_ID`, `POWERBI_CLIENT_ID`, `POWERBI_CLIENT_CERTIFICATE_PATH` (PEM with the certificate, and the key unless `POWERBI_CLIENT_CERTIFICATE_KEY_PATH` names another file) |
/// | `username_password` | `POWERBI_TENANT_ID`, `POWERBI_CLIENT_ID`, `POWERBI_USERNAME`, `POWERBI_PASSWORD` |
/// | `workload_identity` | `POWERBI_TENANT_ID`, `POWERBI_CLIENT_ID`, `POWERBI_FEDERATED_TOKEN_FILE` (each falling back to `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_FEDERATED_TOKEN_FILE`) |
/// | `device_code` | `POWERBI_TENANT_ID` (default `organizations`), `POWERBI_CLIENT_ID` |
/// | `azure_cli` | optional `POWERBI_TENANT_ID`, `POWERBI_AZURE_CLI_PATH` |
/// | `managed_identity` | optional `POWERBI_MANAGED_IDENTITY_CLIENT_ID`; `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` (App Service), else the VM metadata service at `POWERBI_IMDS_ENDPOINT` (default `http://169.254.169.254`) |
///
/// A choice that is incomplete still makes a credential: signing in with it fails with a
/// configuration error naming what is missing.
#[derive(Clone)]
pub struct EnvironmentCredential {
    chosen: std::result::Result<Arc<dyn TokenCredential>, String>,
    configured: bool,
}

impl std::fmt::Debug for EnvironmentCredential {
    #[inline]
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut debug = f.debug_struct("EnvironmentCredential");
        match &self.chosen {
            Ok(credential) => debug.field("credential", credential),
            Err(problem) => debug.field("problem", problem),
        };
        debug.finish()
    }
}

/// The kinds `POWERBI_CREDENTIAL` accepts.
const KINDS: &str = "client_secret, client_certificate, username_password, workload_identity, device_code, azure_cli, managed_identity";

impl EnvironmentCredential {
    /// Reads the variables (see the type's documentation).
    #[inline]
    pub fn new(vars: &HashMap<String, String>) -> Self {
        let get = |name: &str| {
            vars.get(name)
                .map(|value| value.trim())
                .filter(|value| !value.is_empty())
        };
        let explicit =
            get("POWERBI_CREDENTIAL").map(|kind| kind.to_ascii_lowercase().replace('-', "_"));
        let kind = explicit.clone().or_else(|| {
            if get("POWERBI_CLIENT_SECRET").is_some() {
                Some("client_secret".to_owned())
            } else if get("POWERBI_CLIENT_CERTIFICATE_PATH").is_some() {
                Some("client_certificate".to_owned())
            } else if get("POWERBI_USERNAME").is_some() || get("POWERBI_PASSWORD").is_some() {
                Some("username_password".to_owned())
            } else if get("POWERBI_FEDERATED_TOKEN_FILE").is_some() {
                Some("workload_identity".to_owned())
            } else {
                None
            }
        });
        let Some(kind) = kind else {
            return EnvironmentCredential {
                chosen: Err("no POWERBI_* credential variables are set".to_owned()),
                configured: false,
            };
        };
        EnvironmentCredential {
            chosen: choose(&kind, vars),
            configured: true,
        }
    }

    /// Whether the variables chose a credential (complete or not).
    #[inline]
    pub fn is_configured(&self) -> bool {
        self.configured
    }

    /// The credential chosen, or `None` when the variables are missing or incomplete.
    #[inline]
    pub fn credential(&self) -> Option<&Arc<dyn TokenCredential>> {
        self.chosen.as_ref().ok()
    }
}

/// A credential built from the variables, or what is missing.
type Chosen = std::result::Result<Arc<dyn TokenCredential>, String>;

/// Builds the credential `kind` from the variables, or says what is missing.
#[inline]
fn choose(kind: &str, vars: &HashMap<String, String>) -> Chosen {
    let vars = Vars { kind, vars };
    match kind {
        "client_secret" => client_secret(&vars),
        "client_certificate" => client_certificate(&vars),
        "username_password" => username_password(&vars),
        "workload_identity" => workload_identity(&vars),
        "device_code" => {
            let client = vars.require(&["POWERBI_CLIENT_ID"])?.remove(0);
            let tenant = vars
                .get("POWERBI_TENANT_ID")
                .unwrap_or_else(|| "organizations".to_owned());
            Ok(Arc::new(DeviceCodeCredential::new(tenant, client)))
        }
        "azure_cli" => Ok(azure_cli(&vars)),
        "managed_identity" => managed_identity(&vars),
        other => Err(format!(
            "POWERBI_CREDENTIAL={other} is not a credential kind (one of {KINDS})"
        )),
    }
}

/// The variables, read for one credential kind.
struct Vars<'a> {
    kind: &'a str,
    vars: &'a HashMap<String, String>,
}

impl Vars<'_> {
    /// A variable's trimmed value, unless it is missing or blank.
    #[inline]
    fn get(&self, name: &str) -> Option<String> {
        self.vars
            .get(name)
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    }

    /// The values of `names`, in order, or which of them are not set.
    #[inline]
    fn require(&self, names: &[&str]) -> std::result::Result<Vec<String>, String> {
        let missing: Vec<&str> = names
            .iter()
            .copied()
            .filter(|name| self.get(name).is_none())
            .collect();
        if missing.is_empty() {
            Ok(names.iter().filter_map(|name| self.get(name)).collect())
        } else {
            Err(format!(
                "POWERBI_CREDENTIAL={} needs {} (not set: {})",
                self.kind,
                names.join(", "),
                missing.join(", ")
            ))
        }
    }
}

#[inline]
fn client_secret(vars: &Vars<'_>) -> Chosen {
    let values = vars.require(&[
        "POWERBI_TENANT_ID",
        "POWERBI_CLIENT_ID",
        "POWERBI_CLIENT_SECRET",
    ])?;
    // The secret must not linger in `values`: move each one out.
    let mut values = values.into_iter();
    let (tenant, client, secret) = (
        values.next().unwrap_or_default(),
        values.next().unwrap_or_default(),
        values.next().unwrap_or_default(),
    );
    Ok(Arc::new(ClientSecretCredential::new(
        tenant, client, secret,
    )))
}

#[inline]
fn client_certificate(vars: &Vars<'_>) -> Chosen {
    let values = vars.require(&[
        "POWERBI_TENANT_ID",
        "POWERBI_CLIENT_ID",
        "POWERBI_CLIENT_CERTIFICATE_PATH",
    ])?;
    let certificate = &values[2];
    let loaded = match vars.get("POWERBI_CLIENT_CERTIFICATE_KEY_PATH") {
        Some(key) => {
            ClientCertificateCredential::from_pem_files(&values[0], &values[1], certificate, key)
        }
        None => ClientCertificateCredential::from_pem_file(&values[0], &values[1], certificate),
    };
    Ok(Arc::new(loaded.map_err(|error| error.to_string())?))
}

#[inline]
fn username_password(vars: &Vars<'_>) -> Chosen {
    let values = vars.require(&[
        "POWERBI_TENANT_ID",
        "POWERBI_CLIENT_ID",
        "POWERBI_USERNAME",
        "POWERBI_PASSWORD",
    ])?;
    let mut values = values.into_iter();
    let (tenant, client, user, password) = (
        values.next().unwrap_or_default(),
        values.next().unwrap_or_default(),
        values.next().unwrap_or_default(),
        values.next().unwrap_or_default(),
    );
    Ok(Arc::new(UsernamePasswordCredential::new(
        tenant, client, user, password,
    )))
}

#[inline]
fn workload_identity(vars: &Vars<'_>) -> Chosen {
    let either = |ours: &str, azure: &str| vars.get(ours).or_else(|| vars.get(azure));
    match (
        either("POWERBI_TENANT_ID", "AZURE_TENANT_ID"),
        either("POWERBI_CLIENT_ID", "AZURE_CLIENT_ID"),
        either("POWERBI_FEDERATED_TOKEN_FILE", "AZURE_FEDERATED_TOKEN_FILE"),
    ) {
        (Some(tenant), Some(client), Some(file)) => Ok(Arc::new(WorkloadIdentityCredential::new(
            tenant, client, file,
        ))),
        _ => Err(format!(
            "POWERBI_CREDENTIAL={} needs POWERBI_TENANT_ID (or AZURE_TENANT_ID), POWERBI_CLIENT_ID (or AZURE_CLIENT_ID) and POWERBI_FEDERATED_TOKEN_FILE (or AZURE_FEDERATED_TOKEN_FILE)",
            vars.kind
        )),
    }
}

#[inline]
fn azure_cli(vars: &Vars<'_>) -> Arc<dyn TokenCredential> {
    let mut cli = AzureCliCredential::new();
    if let Some(tenant) = vars.get("POWERBI_TENANT_ID") {
        cli = cli.with_tenant(tenant);
    }
    if let Some(program) = vars.get("POWERBI_AZURE_CLI_PATH") {
        cli = cli.with_program(program);
    }
    Arc::new(cli)
}

#[inline]
fn managed_identity(vars: &Vars<'_>) -> Chosen {
    let app_service =
        vars.vars.contains_key("IDENTITY_ENDPOINT") && vars.vars.contains_key("IDENTITY_HEADER");
    let mut managed = match vars.get("POWERBI_IMDS_ENDPOINT") {
        Some(address) if !app_service => ManagedIdentityCredential::imds_at(
            Url::parse(&address)
                .map_err(|error| format!("POWERBI_IMDS_ENDPOINT is not a URL: {error}"))?,
        ),
        _ => ManagedIdentityCredential::from_env(vars.vars),
    };
    if let Some(client_id) = vars.get("POWERBI_MANAGED_IDENTITY_CLIENT_ID") {
        managed = managed.with_client_id(client_id);
    }
    Ok(Arc::new(managed))
}

impl TokenCredential for EnvironmentCredential {
    #[inline]
    fn get_token<'a>(&'a self, context: TokenContext<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        match &self.chosen {
            Ok(credential) => credential.get_token(context),
            Err(problem) => {
                let problem = problem.clone();
                Box::pin(async move { Err(Error::Config(problem)) })
            }
        }
    }

    #[inline]
    fn kind(&self) -> &'static str {
        match &self.chosen {
            Ok(credential) => credential.kind(),
            Err(_) => "environment",
        }
    }

    #[inline]
    fn cache_key(&self) -> Option<String> {
        self.chosen
            .as_ref()
            .ok()
            .and_then(|credential| credential.cache_key())
    }

    #[inline]
    fn identity_kind(&self) -> IdentityKind {
        self.chosen
            .as_ref()
            .map_or(IdentityKind::Unknown, |credential| {
                credential.identity_kind()
            })
    }

    #[inline]
    fn waits_for_user(&self) -> bool {
        self.chosen
            .as_ref()
            .is_ok_and(|credential| credential.waits_for_user())
    }
}

/// The credential the `POWERBI_*` variables choose (see [`EnvironmentCredential`]), or `None`
/// when they choose none. An incomplete choice still returns a credential, whose sign-in
/// fails saying what is missing.
#[inline]
pub fn credential_from_env(vars: &HashMap<String, String>) -> Option<Box<dyn TokenCredential>> {
    let credential = EnvironmentCredential::new(vars);
    credential
        .is_configured()
        .then(|| Box::new(credential) as Box<dyn TokenCredential>)
}
