//! The Fabric walkthrough: `cargo run -p powerbi-quickstart --bin fabric`.
//!
//! With no credentials in the environment it starts the `powerbi-sandbox` in-process (which
//! serves Fabric's `/v1` on the same server) and signs in as its demo service principal:
//! creates a workspace, deploys a semantic model (TMDL) and a report (PBIR) from folders, runs
//! a notebook job and waits for it with progress, lists the workspace's items page by page,
//! and reads the model's definition back to a folder.
//!
//! With `POWERBI_*` credentials (see the README) it talks to api.fabric.microsoft.com with the
//! same client: read-only (workspaces and the first one's items, page by page) unless `--write`
//! is given; then it does the whole walk in a new workspace on the capacity
//! `POWERBI_FABRIC_CAPACITY_ID` (Fabric items need one) and leaves it for you to delete.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use powerbi::auth::{ClientSecretCredential, credential_from_env};
use powerbi::ext::definition::{DefinitionFolder, DefinitionSettings, NewItem};
use powerbi::runtime::{FabricClient, HttpMethod, Uuid};
use powerbi::{Cloud, PowerBiClient};
use serde_json::{Value, json};

type Outcome<T = ()> = Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> ExitCode {
    let write = std::env::args().any(|argument| argument == "--write");
    let vars: HashMap<String, String> = std::env::vars().collect();
    let result = match credential_from_env(&vars) {
        Some(credential) => real_service(credential, &vars, write).await,
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

/// The definition folders the walkthrough deploys (the e2e tests' test data).
fn definitions() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../e2e/testdata/definitions")
}

/// The walkthrough against the in-process sandbox, as its demo service principal.
async fn sandbox() -> Outcome {
    use powerbi_sandbox::{Sandbox, demo};

    let sandbox = Sandbox::start().await?;
    // Two items a page, so the listing shows its pages; polls as soon as the service allows.
    sandbox.set_fabric_page_size(2);
    sandbox.set_fabric_retry_after(0);
    println!(
        "No POWERBI_* credentials set: using the sandbox's Fabric API at {}/v1",
        sandbox.api_base_url()
    );
    let client = PowerBiClient::builder()
        .cloud(Cloud::custom(
            sandbox.authority_host().parse()?,
            sandbox.api_base_url().parse()?,
        ))
        .fabric_api_base(sandbox.api_base_url().parse()?)
        .allow_insecure_loopback()
        .credential(ClientSecretCredential::new(
            demo::TENANT_ID,
            demo::SP_CLIENT_ID,
            demo::SP_CLIENT_SECRET,
        ))
        .build()?;
    let fabric = client.fabric();
    let name = format!("Fabric quickstart {}", std::process::id());
    let workspace = create_workspace(&fabric, &name, None).await?;
    let settings = DefinitionSettings::default().poll_interval(Duration::from_millis(100));
    deploy_and_run(&fabric, workspace, &settings).await
}

/// Creates a workspace (on `capacity` when given) and returns its id.
async fn create_workspace(
    fabric: &FabricClient,
    name: &str,
    capacity: Option<&str>,
) -> Outcome<Uuid> {
    let mut request = json!({"displayName": name});
    if let Some(capacity) = capacity {
        request["capacityId"] = json!(capacity);
    }
    // A raw request until the generated Fabric methods land (`POST /v1/workspaces`).
    let created: Value = fabric
        .raw(HttpMethod::Post, "/workspaces")
        .json_body(&request)
        .send_json()
        .await?;
    let id: Uuid = created["id"].as_str().unwrap_or_default().parse()?;
    println!("Created workspace '{name}' ({id})");
    Ok(id)
}

/// Deploys the model, the report bound to it and the notebook, runs the notebook, lists the
/// items and reads the model back.
async fn deploy_and_run(
    fabric: &FabricClient,
    workspace: Uuid,
    settings: &DefinitionSettings,
) -> Outcome {
    let model_folder = definitions().join("Sales.SemanticModel");
    let model = DefinitionFolder::read(&model_folder).await?.format("TMDL");
    let model = deploy(
        fabric,
        workspace,
        NewItem::new("SemanticModel", "Sales"),
        &model,
        settings,
    )
    .await?;

    // The report's definition.pbir names its model: in the service, by the model's id.
    let scratch = std::env::temp_dir().join(format!("fabric-quickstart-{}", std::process::id()));
    let report_folder = scratch.join("Sales.Report");
    copy_folder(&definitions().join("Sales.Report"), &report_folder)?;
    let pbir = json!({
        "version": "4.0",
        "datasetReference": {"byConnection": {"connectionString": format!("semanticmodelid={model}")}},
    });
    std::fs::write(
        report_folder.join("definition.pbir"),
        serde_json::to_string_pretty(&pbir)?,
    )?;
    let report = DefinitionFolder::read(&report_folder).await?.format("PBIR");
    deploy(
        fabric,
        workspace,
        NewItem::new("Report", "Sales report"),
        &report,
        settings,
    )
    .await?;

    let notebook = DefinitionFolder::read(definitions().join("Load.Notebook")).await?;
    let notebook = deploy(
        fabric,
        workspace,
        NewItem::new("Notebook", "Nightly load"),
        &notebook,
        settings,
    )
    .await?;
    run_notebook(fabric, workspace, notebook, settings.poll_interval).await?;
    list_items(fabric, workspace).await?;

    let back = scratch.join("Sales.SemanticModel");
    let written = fabric
        .get_item_definition_to_folder(workspace, model, Some("TMDL"), &back, settings)
        .await?;
    println!(
        "Read the model's definition back: {} part(s) in {}",
        written.parts.len(),
        back.display()
    );
    std::fs::remove_dir_all(&scratch)?;
    Ok(())
}

/// Creates an item from a folder and returns its id.
async fn deploy(
    fabric: &FabricClient,
    workspace: Uuid,
    item: NewItem,
    folder: &DefinitionFolder,
    settings: &DefinitionSettings,
) -> Outcome<Uuid> {
    let bytes: u64 = folder.parts().map(|(_, size)| size).sum();
    let created = fabric
        .create_item_from_folder(workspace, &item, folder, settings)
        .await?;
    println!(
        "Deployed {} '{}' ({}) from {} ({} parts, {bytes} bytes)",
        item.item_type,
        item.display_name,
        created.id,
        folder.root().display(),
        folder.parts().count()
    );
    Ok(created.id)
}

/// Runs the notebook on demand and waits for its job instance, printing each state.
async fn run_notebook(
    fabric: &FabricClient,
    workspace: Uuid,
    notebook: Uuid,
    poll_interval: Duration,
) -> Outcome {
    let mut job = fabric
        .run_job(workspace, notebook, "RunNotebook")
        .await?
        .poll_interval(poll_interval)
        .timeout(Duration::from_secs(3600));
    println!("Notebook job {} started", job.id().unwrap_or("?"));
    let status = job
        .wait_with(|status| println!("  notebook job: {}", status.status))
        .await?;
    if let Some(error) = job.failure() {
        return Err(error.into());
    }
    println!("Notebook job ended: {}", status.status);
    Ok(())
}

/// Lists the workspace's items page by page (Fabric's `continuationUri`).
async fn list_items(fabric: &FabricClient, workspace: Uuid) -> Outcome {
    let mut pages = fabric
        .raw(HttpMethod::Get, &format!("/workspaces/{workspace}/items"))
        .pages::<Value>();
    let mut number = 0;
    while let Some(page) = pages.next_page().await {
        let page = page?;
        number += 1;
        println!("Items, page {number}:");
        for item in &page.items {
            println!(
                "  - {} '{}' ({})",
                item["type"].as_str().unwrap_or("?"),
                item["displayName"].as_str().unwrap_or("?"),
                item["id"].as_str().unwrap_or("?")
            );
        }
    }
    Ok(())
}

/// Copies the files of `from` into `to`, subfolders included.
fn copy_folder(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_folder(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// The same walk against the real service: read-only unless `write`.
async fn real_service(
    credential: Box<dyn powerbi::auth::TokenCredential>,
    vars: &HashMap<String, String>,
    write: bool,
) -> Outcome {
    let client = PowerBiClient::builder()
        .cloud(Cloud::from_env(vars)?)
        .credential_arc(credential.into())
        .build()?;
    let fabric = client.fabric();
    if write {
        let capacity = vars.get("POWERBI_FABRIC_CAPACITY_ID").ok_or(
            "--write needs POWERBI_FABRIC_CAPACITY_ID: the id of a Fabric capacity the identity may assign workspaces to",
        )?;
        let name = format!("powerbi-rs fabric quickstart {}", std::process::id());
        let workspace = create_workspace(&fabric, &name, Some(capacity)).await?;
        let settings = DefinitionSettings::default();
        deploy_and_run(&fabric, workspace, &settings).await?;
        println!("Done: delete workspace '{name}' ({workspace}) when you no longer need it");
        return Ok(());
    }
    println!(
        "Using the Fabric API read-only; pass --write (and POWERBI_FABRIC_CAPACITY_ID) to deploy"
    );
    let mut pages = fabric.raw(HttpMethod::Get, "/workspaces").pages::<Value>();
    let mut first = None;
    while let Some(page) = pages.next_page().await {
        let page = page?;
        println!("Workspaces, a page of {}:", page.items.len());
        for workspace in &page.items {
            println!(
                "  - {} ({})",
                workspace["displayName"].as_str().unwrap_or("?"),
                workspace["id"].as_str().unwrap_or("?")
            );
            first = first.or_else(|| workspace["id"].as_str().and_then(|id| id.parse().ok()));
        }
    }
    if let Some(workspace) = first {
        list_items(&fabric, workspace).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_fabric_walkthrough_runs_against_the_sandbox() {
        super::sandbox().await.expect("the walkthrough runs");
    }
}
