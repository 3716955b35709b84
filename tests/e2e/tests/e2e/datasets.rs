//! Datasets: listing, refreshing, parameters, queries, ownership and data sources.

use powerbi::Workspace;
use powerbi::datasets::GetRefreshHistoryOptions;
use powerbi::models::{
    DatasetExecuteQueriesQuery, DatasetExecuteQueriesRequest, DatasetRefreshRequest, NotifyOption,
};
use powerbi_sandbox::{SandboxConfig, demo};

use crate::common::*;

fn query(text: &str) -> DatasetExecuteQueriesRequest {
    DatasetExecuteQueriesRequest {
        queries: vec![DatasetExecuteQueriesQuery {
            query: text.to_owned(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[tokio::test]
async fn list_and_get_datasets_in_a_workspace_and_my_workspace() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let datasets = client
        .datasets()
        .list_datasets(sales())
        .await
        .expect("list");
    assert!(
        datasets
            .iter()
            .any(|dataset| dataset.id == demo::SALES_DATASET_ID)
    );
    assert!(
        datasets
            .iter()
            .all(|dataset| dataset.unknown_fields.is_empty()),
        "the types know every field the sandbox sends: {datasets:?}"
    );
    let dataset = client
        .datasets()
        .get_dataset(sales(), demo::SALES_DATASET_ID)
        .await
        .expect("get");
    assert_eq!(dataset.id, demo::SALES_DATASET_ID);
    assert!(dataset.created_date.is_some(), "dates decode");
    assert_api_error(
        client.datasets().list_datasets(finance()).await,
        401,
        Some("PowerBINotAuthorizedException"),
    );
    assert_api_error(
        client
            .datasets()
            .get_dataset(sales(), demo::FINANCE_DATASET_ID)
            .await,
        404,
        Some("PowerBIEntityNotFound"),
    );

    let mine = user(&sandbox)
        .datasets()
        .list_datasets(Workspace::My)
        .await
        .expect("a user's My workspace");
    assert!(
        mine.iter()
            .any(|dataset| dataset.id == demo::MY_WORKSPACE_DATASET_ID)
    );
    user(&sandbox)
        .datasets()
        .get_dataset(Workspace::My, demo::MY_WORKSPACE_DATASET_ID)
        .await
        .expect("get in My workspace");
}

#[tokio::test]
async fn delete_a_dataset() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    client
        .datasets()
        .delete_dataset(sales(), demo::SALES_TARGETS_DATASET_ID)
        .await
        .expect("delete");
    assert_api_error(
        client
            .datasets()
            .get_dataset(sales(), demo::SALES_TARGETS_DATASET_ID)
            .await,
        404,
        None,
    );
    assert_api_error(
        client
            .datasets()
            .delete_dataset(sales(), demo::SALES_TARGETS_DATASET_ID)
            .await,
        404,
        None,
    );
    assert_api_error(
        read_only_user(&sandbox)
            .datasets()
            .delete_dataset(sales(), demo::SALES_DATASET_ID)
            .await,
        401,
        None,
    );
}

#[tokio::test]
async fn refresh_then_read_the_history() {
    let sandbox = sandbox_with(
        SandboxConfig::default().refresh_duration(std::time::Duration::from_secs(600)),
    )
    .await;
    let client = service_principal(&sandbox);
    client
        .datasets()
        .refresh_dataset(sales(), demo::SALES_DATASET_ID, None)
        .await
        .expect("refresh accepted");
    assert_eq!(sandbox.refreshes_started(), 1);
    let again = client
        .datasets()
        .refresh_dataset(sales(), demo::SALES_DATASET_ID, None)
        .await;
    let error = assert_api_error(again, 400, Some("InvalidRequest"));
    assert!(
        error
            .message
            .as_deref()
            .is_some_and(|message| message.contains("already executing"))
    );

    let history = client
        .datasets()
        .get_refresh_history(
            sales(),
            demo::SALES_DATASET_ID,
            GetRefreshHistoryOptions::default().top(10),
        )
        .await
        .expect("history");
    assert_eq!(
        history[0].status.as_deref(),
        Some("Unknown"),
        "the running refresh comes first"
    );
    assert!(history[0].end_time.is_none());
    assert!(
        history
            .iter()
            .any(|refresh| refresh.status.as_deref() == Some("Failed"))
    );
    assert!(
        history.iter().all(|refresh| refresh.start_time.is_some()),
        "zone-less times decode as UTC"
    );
    assert_api_error(
        client
            .datasets()
            .get_refresh_history(finance(), demo::FINANCE_DATASET_ID, Default::default())
            .await,
        401,
        None,
    );
}

#[tokio::test]
async fn a_service_principal_cannot_ask_for_mail() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let body = DatasetRefreshRequest {
        notify_option: Some(NotifyOption::MailOnFailure),
        ..Default::default()
    };
    let error = assert_api_error(
        client
            .datasets()
            .refresh_dataset(sales(), demo::SALES_DATASET_ID, Some(&body))
            .await,
        400,
        None,
    );
    assert!(
        error
            .message
            .as_deref()
            .is_some_and(|message| message.contains("NotifyOption"))
    );
    let body = DatasetRefreshRequest {
        notify_option: Some(NotifyOption::NoNotification),
        ..Default::default()
    };
    client
        .datasets()
        .refresh_dataset(sales(), demo::SALES_DATASET_ID, Some(&body))
        .await
        .expect("no notification is fine");
}

#[tokio::test]
async fn parameters_and_datasources() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let parameters = client
        .datasets()
        .get_parameters(sales(), demo::SALES_DATASET_ID)
        .await
        .expect("parameters");
    assert!(!parameters.is_empty());
    assert!(
        parameters
            .iter()
            .all(|parameter| !parameter.name.is_empty() && !parameter.r#type.is_empty())
    );
    assert_api_error(
        client
            .datasets()
            .get_parameters(sales(), "no-such-dataset")
            .await,
        404,
        None,
    );

    let datasources = client
        .datasets()
        .get_datasources(sales(), demo::SALES_DATASET_ID)
        .await
        .expect("datasources");
    assert!(
        datasources
            .iter()
            .any(|source| source.connection_details.is_some())
    );
    assert_api_error(
        client
            .datasets()
            .get_datasources(finance(), demo::FINANCE_DATASET_ID)
            .await,
        401,
        None,
    );
}

#[tokio::test]
async fn execute_a_dax_query() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let response = client
        .datasets()
        .execute_queries(
            sales(),
            demo::SALES_DATASET_ID,
            &query("EVALUATE VALUES('Sales'[Region])"),
        )
        .await
        .expect("query");
    let rows = response
        .results
        .as_deref()
        .and_then(|results| results.first())
        .and_then(|result| result.tables.as_deref())
        .and_then(|tables| tables.first())
        .and_then(|table| table.rows.as_deref())
        .expect("a table with rows");
    assert!(!rows.is_empty());
    let error = assert_api_error(
        client
            .datasets()
            .execute_queries(sales(), demo::SALES_DATASET_ID, &query("SELECT 1"))
            .await,
        400,
        Some("DatasetExecuteQueriesError"),
    );
    assert!(
        error
            .message
            .as_deref()
            .is_some_and(|message| message.contains("syntax")),
        "the pbi.error detail is the message: {error}"
    );
}

#[tokio::test]
async fn take_over_a_dataset() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let workspace = id(demo::SALES_WORKSPACE_ID);
    client
        .datasets()
        .take_over(workspace, demo::SALES_DATASET_ID)
        .await
        .expect("take over");
    let dataset = client
        .datasets()
        .get_dataset(sales(), demo::SALES_DATASET_ID)
        .await
        .expect("get");
    assert_eq!(dataset.configured_by.as_deref(), Some(demo::SP_CLIENT_ID));
    assert_api_error(
        client
            .datasets()
            .take_over(id(demo::FINANCE_WORKSPACE_ID), demo::FINANCE_DATASET_ID)
            .await,
        401,
        None,
    );
}
