//! The quickstart: `cargo run -p powerbi-quickstart`. It lives outside the `powerbi` package so
//! that the published crate does not need the sandbox.
//!
//! With no credentials in the environment it starts the `powerbi-sandbox` in-process and signs
//! in as its demo service principal. With `POWERBI_TENANT_ID`, `POWERBI_CLIENT_ID` and either
//! `POWERBI_CLIENT_SECRET` or `POWERBI_USERNAME`/`POWERBI_PASSWORD`, it talks to
//! api.powerbi.com instead, read-only unless `--write` is given.

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Duration;

use powerbi::auth::{ClientSecretCredential, credential_from_env};
use powerbi::datasets::GetRefreshHistoryOptions;
use powerbi::groups::{ListGroupUsersOptions, ListGroupsOptions};
use powerbi::models::{
    ExportReportRequest, FileFormat, GroupCreationRequest, GroupUser, GroupUserAccessRight,
    PrincipalType,
};
use powerbi::{Cloud, PowerBiClient, Workspace};

#[tokio::main]
async fn main() -> ExitCode {
    let write = std::env::args().any(|argument| argument == "--write");
    let vars: HashMap<String, String> = std::env::vars().collect();
    let result = match credential_from_env(&vars) {
        Some(credential) => real_service(credential, write).await,
        None => sandbox().await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The walkthrough against the in-process sandbox, as its demo service principal.
async fn sandbox() -> Result<(), Box<dyn std::error::Error>> {
    use powerbi_sandbox::{Sandbox, demo};

    let sandbox = Sandbox::start().await?;
    println!(
        "No POWERBI_* credentials set: using the sandbox at {}",
        sandbox.base_url()
    );
    let client = PowerBiClient::builder()
        .cloud(Cloud::custom(
            sandbox.authority_host().parse()?,
            sandbox.api_base_url().parse()?,
        ))
        .allow_insecure_loopback()
        .credential(ClientSecretCredential::new(
            demo::TENANT_ID,
            demo::SP_CLIENT_ID,
            demo::SP_CLIENT_SECRET,
        ))
        .build()?;
    println!(
        "Signed in as the demo service principal {}",
        demo::SP_DISPLAY_NAME
    );

    let workspaces = client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await?;
    println!("{} workspace(s) visible:", workspaces.len());
    for workspace in &workspaces {
        println!(
            "  - {} ({})",
            workspace.name.as_deref().unwrap_or("?"),
            workspace.id
        );
    }

    let name = format!("Quickstart {}", std::process::id());
    let created = client
        .groups()
        .create_group(
            &GroupCreationRequest {
                name: name.clone(),
                ..Default::default()
            },
            powerbi::groups::CreateGroupOptions::default().workspace_v2(true),
        )
        .await?;
    println!("Created workspace '{name}' ({})", created.id);

    let user = GroupUser {
        identifier: Some(demo::USER_NAME.to_owned()),
        email_address: Some(demo::USER_NAME.to_owned()),
        principal_type: Some(PrincipalType::User),
        ..GroupUser::new(GroupUserAccessRight::Member)
    };
    client.groups().add_group_user(created.id, &user).await?;
    let users = client
        .groups()
        .list_group_users(created.id, ListGroupUsersOptions::default())
        .await?;
    println!("It now has {} member(s):", users.len());
    for member in &users {
        println!(
            "  - {} as {}",
            member.identifier.as_deref().unwrap_or("?"),
            member.group_user_access_right
        );
    }

    let created_datasets = client.datasets().list_datasets(created.id).await?;
    let created_reports = client.reports().list_reports(created.id).await?;
    println!(
        "'{name}' holds {} dataset(s) and {} report(s); the demo content lives in {}:",
        created_datasets.len(),
        created_reports.len(),
        demo::SALES_WORKSPACE_NAME
    );
    let sales: Workspace = demo::SALES_WORKSPACE_ID
        .parse::<powerbi::runtime::Uuid>()?
        .into();
    walk_content(&client, sales, true, Duration::from_millis(100)).await?;

    // Export a report to PDF: start the job, follow its progress, stream the file to disk.
    let report = demo::SALES_REPORT_ID.parse()?;
    let mut export = client
        .reports()
        .export_to_file_job(sales, report, &ExportReportRequest::new(FileFormat::Pdf))
        .await?
        .poll_interval(Duration::from_millis(100))
        .timeout(Duration::from_secs(600));
    let status = export
        .wait_with(|status| {
            println!(
                "  export {}: {}%",
                status.status,
                status.percent_complete.unwrap_or(0.0)
            )
        })
        .await?;
    if status.succeeded() {
        let path = std::env::temp_dir().join(format!("quickstart-{}.pdf", std::process::id()));
        let bytes = export.download_to_path(&path).await?;
        println!("Exported the report to {} ({bytes} bytes)", path.display());
        std::fs::remove_file(&path)?;
    }
    let dashboard = demo::SALES_DASHBOARD_ID.parse()?;
    let tiles = client.dashboards().get_tiles(sales, dashboard).await?;
    println!("Dashboard {dashboard} has {} tile(s):", tiles.len());
    for tile in &tiles {
        println!("  - {}", tile.title.as_deref().unwrap_or("(untitled)"));
    }
    Ok(())
}

/// Lists a workspace's datasets and reports, then refreshes the first dataset (when
/// `write`) and shows its refresh history.
async fn walk_content(
    client: &PowerBiClient,
    workspace: Workspace,
    write: bool,
    poll_interval: Duration,
) -> Result<(), Box<dyn std::error::Error>> {
    let datasets = client.datasets().list_datasets(workspace).await?;
    println!("{workspace}: {} dataset(s)", datasets.len());
    for dataset in &datasets {
        println!(
            "  - {} ({})",
            dataset.name.as_deref().unwrap_or("?"),
            dataset.id
        );
    }
    let reports = client.reports().list_reports(workspace).await?;
    println!("{workspace}: {} report(s)", reports.len());
    for report in &reports {
        println!(
            "  - {} ({})",
            report.name.as_deref().unwrap_or("?"),
            report.id
        );
    }
    let Some(dataset) = datasets
        .iter()
        .find(|dataset| dataset.is_refreshable != Some(false))
    else {
        return Ok(());
    };
    if write {
        // Start a refresh and wait for it, following its own request id in the history.
        let mut refresh = client
            .datasets()
            .refresh_dataset_job(workspace, &dataset.id, None)
            .await?
            .poll_interval(poll_interval)
            .timeout(Duration::from_secs(3600));
        println!(
            "Refresh of '{}' started",
            dataset.name.as_deref().unwrap_or("?")
        );
        let done = refresh
            .wait_with(|status| println!("  refresh: {}", status.status))
            .await?;
        println!("Refresh ended: {}", done.status);
    }
    let history = client
        .datasets()
        .get_refresh_history(
            workspace,
            &dataset.id,
            GetRefreshHistoryOptions::default().top(5),
        )
        .await?;
    println!(
        "Refresh history of '{}':",
        dataset.name.as_deref().unwrap_or("?")
    );
    for refresh in &history {
        println!(
            "  - {} {} started {}",
            refresh
                .refresh_type
                .as_ref()
                .map_or("?", |kind| kind.as_str()),
            refresh.status.as_deref().unwrap_or("?"),
            refresh
                .start_time
                .map_or_else(|| "?".to_owned(), |time| time.to_string()),
        );
    }
    Ok(())
}

/// The same walk against the real service: read-only unless `write`.
async fn real_service(
    credential: Box<dyn powerbi::auth::TokenCredential>,
    write: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let client = PowerBiClient::builder()
        .credential_arc(credential.into())
        .build()?;
    println!(
        "Using api.powerbi.com ({}).",
        if write {
            "writes allowed"
        } else {
            "read-only; pass --write to create a workspace and refresh a dataset"
        }
    );
    let workspaces = client
        .groups()
        .list_groups(ListGroupsOptions::default().top(20))
        .await?;
    println!("{} workspace(s) (first 20):", workspaces.len());
    for workspace in &workspaces {
        println!(
            "  - {} ({})",
            workspace.name.as_deref().unwrap_or("?"),
            workspace.id
        );
    }
    if write {
        let created = client
            .groups()
            .create_group(
                &GroupCreationRequest {
                    name: format!("powerbi-rs quickstart {}", std::process::id()),
                    ..Default::default()
                },
                powerbi::groups::CreateGroupOptions::default().workspace_v2(true),
            )
            .await?;
        println!("Created workspace {} (delete it when done)", created.id);
    }
    if let Some(first) = workspaces.first() {
        walk_content(&client, first.id.into(), write, Duration::from_secs(15)).await?;
        let dashboards = client.dashboards().list_dashboards(first.id).await?;
        if let Some(dashboard) = dashboards.first() {
            let tiles = client
                .dashboards()
                .get_tiles(first.id, dashboard.id)
                .await?;
            println!(
                "Dashboard '{}' has {} tile(s)",
                dashboard.display_name.as_deref().unwrap_or("?"),
                tiles.len()
            );
        }
    }
    Ok(())
}
