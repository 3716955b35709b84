//! Reports: listing, cloning, rebinding, pages and deletion.

use powerbi::Workspace;
use powerbi::models::{CloneReportRequest, RebindReportRequest};
use powerbi_sandbox::demo;

use crate::common::*;

#[tokio::test]
async fn list_and_get_reports() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let reports = client.reports().list_reports(sales()).await.expect("list");
    assert!(
        reports
            .iter()
            .any(|report| report.id == id(demo::SALES_REPORT_ID))
    );
    let report = client
        .reports()
        .get_report(sales(), id(demo::SALES_REPORT_ID))
        .await
        .expect("get");
    assert_eq!(report.dataset_id.as_deref(), Some(demo::SALES_DATASET_ID));
    assert_api_error(client.reports().list_reports(finance()).await, 401, None);
    assert_api_error(
        client
            .reports()
            .get_report(sales(), id(demo::FINANCE_REPORT_ID))
            .await,
        404,
        Some("PowerBIEntityNotFound"),
    );
    let mine = user(&sandbox)
        .reports()
        .list_reports(Workspace::My)
        .await
        .expect("My workspace");
    assert!(
        mine.iter()
            .any(|report| report.id == id(demo::MY_WORKSPACE_REPORT_ID))
    );
}

#[tokio::test]
async fn clone_rebind_and_delete_a_report() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let clone = CloneReportRequest {
        name: "E2E clone".to_owned(),
        ..Default::default()
    };
    let cloned = client
        .reports()
        .clone_report(sales(), id(demo::SALES_REPORT_ID), &clone)
        .await
        .expect("clone");
    assert_eq!(cloned.name.as_deref(), Some("E2E clone"));
    assert_ne!(cloned.id, id(demo::SALES_REPORT_ID));
    assert_api_error(
        client
            .reports()
            .clone_report(finance(), id(demo::FINANCE_REPORT_ID), &clone)
            .await,
        401,
        None,
    );

    let rebind = RebindReportRequest {
        dataset_id: demo::SALES_TARGETS_DATASET_ID.to_owned(),
        ..Default::default()
    };
    client
        .reports()
        .rebind_report(sales(), cloned.id, &rebind)
        .await
        .expect("rebind");
    let rebound = client
        .reports()
        .get_report(sales(), cloned.id)
        .await
        .expect("get");
    assert_eq!(
        rebound.dataset_id.as_deref(),
        Some(demo::SALES_TARGETS_DATASET_ID)
    );
    let unknown = RebindReportRequest {
        dataset_id: "no-such-dataset".to_owned(),
        ..Default::default()
    };
    assert_api_error(
        client
            .reports()
            .rebind_report(sales(), cloned.id, &unknown)
            .await,
        404,
        None,
    );

    client
        .reports()
        .delete_report(sales(), cloned.id)
        .await
        .expect("delete");
    assert_api_error(
        client.reports().delete_report(sales(), cloned.id).await,
        404,
        None,
    );
}

#[tokio::test]
async fn report_pages() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let pages = client
        .reports()
        .get_pages(sales(), id(demo::SALES_REPORT_ID))
        .await
        .expect("pages");
    assert!(!pages.is_empty());
    assert!(
        pages
            .iter()
            .all(|page| page.name.is_some() && page.display_name.is_some())
    );
    assert_api_error(
        client
            .reports()
            .get_pages(sales(), powerbi::runtime::Uuid::nil())
            .await,
        404,
        None,
    );
}
