//! An example of a user's own automation: a small function taking a
//! [`powerbi::PowerBiClient`], with no test code of its own. Its tests (`tests/`) run it
//! against the `powerbi-sandbox`, seeded with the tenant it needs; see the sandbox's README,
//! "Test your automation without a tenant".

use powerbi::datasets::GetRefreshHistoryOptions;
use powerbi::groups::ListGroupsOptions;
use powerbi::{PowerBiClient, Workspace};

/// A dataset whose latest refresh failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedRefresh {
    /// The workspace's name.
    pub workspace: String,
    /// The dataset's name.
    pub dataset: String,
    /// The dataset's id.
    pub dataset_id: String,
    /// The `errorCode` of the refresh's `serviceExceptionJson`, when it names one.
    pub error_code: Option<String>,
}

/// Every dataset, in every workspace the caller can see, whose latest refresh failed: the
/// morning report of a Power BI admin.
pub async fn failed_refreshes(client: &PowerBiClient) -> powerbi::Result<Vec<FailedRefresh>> {
    let mut failed = Vec::new();
    for workspace in client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await?
    {
        let workspace_name = workspace.name.clone().unwrap_or_default();
        let datasets = client
            .datasets()
            .list_datasets(Workspace::Id(workspace.id))
            .await?;
        for dataset in datasets {
            let latest = client
                .datasets()
                .get_refresh_history(
                    Workspace::Id(workspace.id),
                    &dataset.id,
                    GetRefreshHistoryOptions::default().top(1),
                )
                .await?;
            let Some(refresh) = latest.into_iter().next() else {
                continue;
            };
            if refresh.status.as_deref() == Some("Failed") {
                failed.push(FailedRefresh {
                    workspace: workspace_name.clone(),
                    dataset: dataset.name.clone().unwrap_or_default(),
                    dataset_id: dataset.id.clone(),
                    error_code: refresh
                        .service_exception_json
                        .as_deref()
                        .and_then(error_code),
                });
            }
        }
    }
    Ok(failed)
}

/// The `errorCode` of a `serviceExceptionJson` text.
fn error_code(service_exception_json: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(service_exception_json).ok()?;
    value.get("errorCode")?.as_str().map(str::to_owned)
}

/// The sandbox's README: its complete example ("The whole test") runs as a doctest of this
/// crate, against [`failed_refreshes`].
#[cfg(doctest)]
#[doc = include_str!("../../sandbox/README.md")]
pub struct SandboxReadme;
