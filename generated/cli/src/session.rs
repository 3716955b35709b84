//! One run: the client (a tenant or the embedded sandbox), then the command.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Arc;

use clap::ArgMatches;
use powerbi::auth::{
    ChainedCredential, ClientSecretCredential, DeviceCodeCredential, TokenCredential,
};
use powerbi::{Cloud, PowerBiClient};
use powerbi_sandbox::{Sandbox, demo};

use crate::failure::Failure;
use crate::output::Output;

/// The signed-in client and what `auth status` needs of its sign-in.
pub struct Session {
    /// The client every call goes through.
    pub client: PowerBiClient,
    /// The credential the client signs in with.
    pub credential: Arc<dyn TokenCredential>,
    /// The HTTP client it uses (for `auth status`'s token request).
    pub http: reqwest::Client,
    /// Where the output goes, in which format, through which query.
    pub output: Output,
    /// The embedded sandbox, kept running for the command's duration.
    _sandbox: Option<Sandbox>,
}

/// Runs the command `matches` describe.
pub async fn run(matches: &ArgMatches) -> Result<(), Failure> {
    let Some((name, sub)) = matches.subcommand() else {
        return Err(Failure::usage("no command given; see `pbi --help`"));
    };
    // Commands that need no sign-in.
    match name {
        "scopes" => return crate::scopes::run(sub),
        "completions" => return crate::completions::run(sub),
        _ => {}
    }
    let session = Session::open(matches).await?;
    match name {
        "raw" => crate::call::raw(&session, sub).await,
        "auth" => crate::status::status(&session).await,
        "workflow" => crate::workflow::run(&session, sub).await,
        "sandbox" => Err(Failure::usage(
            "`pbi sandbox` runs a command against the embedded sandbox: `pbi sandbox groups list-groups`",
        )),
        group if crate::commands::is_group(group) => {
            let Some((category, args)) = sub.subcommand() else {
                return Err(Failure::usage(format!("pbi {group}: no category given")));
            };
            operation(&session, Some(group), category, args).await
        }
        category => operation(&session, None, category, sub).await,
    }
}

/// `pbi [GROUP] CATEGORY OPERATION ...`
async fn operation(
    session: &Session,
    group: Option<&str>,
    category: &str,
    matches: &ArgMatches,
) -> Result<(), Failure> {
    let Some((operation, args)) = matches.subcommand() else {
        return Err(Failure::usage(format!(
            "pbi {category}: no operation given"
        )));
    };
    let record = crate::commands::find(group, category, operation)
        .ok_or_else(|| Failure::usage(format!("pbi {category} {operation}: no such operation")))?;
    crate::call::operation(session, record, args).await
}

impl Session {
    async fn open(matches: &ArgMatches) -> Result<Session, Failure> {
        let format = Output::new(
            matches.get_one::<String>("output").map(String::as_str),
            matches.get_one::<String>("query").map(String::as_str),
        )?;
        if matches.get_flag("sandbox") {
            return Self::sandbox(format).await;
        }
        let mut vars: HashMap<String, String> = std::env::vars().collect();
        if let Some(cloud) = matches.get_one::<String>("cloud") {
            vars.insert("POWERBI_CLOUD".to_owned(), cloud.clone());
        }
        let cloud = Cloud::from_env(&vars)?;
        let mut chain = ChainedCredential::default_chain(&vars);
        // A person at a terminal with a public client app signs in with a device code last.
        if std::io::stderr().is_terminal()
            && let Some(client_id) = vars.get("POWERBI_CLIENT_ID").filter(|id| !id.is_empty())
        {
            let tenant = vars
                .get("POWERBI_TENANT_ID")
                .map_or("organizations", String::as_str);
            chain = chain.with(DeviceCodeCredential::new(tenant, client_id));
        }
        Self::build(cloud, Arc::new(chain), format, None)
    }

    /// The embedded sandbox, signed in as its demo service principal.
    async fn sandbox(format: Output) -> Result<Session, Failure> {
        let sandbox = Sandbox::start().await?;
        if std::io::stderr().is_terminal() {
            eprintln!(
                "pbi: the sandbox (a fake Power BI service) at {}, as {}",
                sandbox.base_url(),
                demo::SP_DISPLAY_NAME
            );
        }
        let url = |text: String| {
            text.parse()
                .map_err(|error| Failure::other(format!("sandbox URL {text}: {error}")))
        };
        // The sandbox serves Fabric at `/v1` on the same server.
        let cloud = Cloud::custom(url(sandbox.authority_host())?, url(sandbox.api_base_url())?)
            .with_fabric_api_base(url(sandbox.api_base_url())?);
        let credential = ClientSecretCredential::new(
            demo::TENANT_ID,
            demo::SP_CLIENT_ID,
            demo::SP_CLIENT_SECRET,
        );
        Self::build(cloud, Arc::new(credential), format, Some(sandbox))
    }

    fn build(
        cloud: Cloud,
        credential: Arc<dyn TokenCredential>,
        format: Output,
        sandbox: Option<Sandbox>,
    ) -> Result<Session, Failure> {
        // Plain http only to loopback addresses (a sandbox, a local test server); any other
        // http URL is still refused by the library.
        let builder = PowerBiClient::builder()
            .cloud(cloud)
            .allow_insecure_loopback()
            .user_agent(concat!("pbi/", env!("CARGO_PKG_VERSION")));
        let http = builder
            .http_client_builder()?
            .build()
            .map_err(|error| Failure::other(format!("cannot make the HTTP client: {error}")))?;
        let client = builder
            .http_client(http.clone())
            .credential_arc(credential.clone())
            .build()?;
        Ok(Session {
            client,
            credential,
            http,
            output: format,
            _sandbox: sandbox,
        })
    }
}
