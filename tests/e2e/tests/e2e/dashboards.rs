//! Dashboards and their tiles.

use powerbi::Workspace;
use powerbi::models::AddDashboardRequest;
use powerbi_sandbox::demo;

use crate::common::*;

#[tokio::test]
async fn list_get_and_add_dashboards() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let dashboards = client
        .dashboards()
        .list_dashboards(sales())
        .await
        .expect("list");
    assert!(
        dashboards
            .iter()
            .any(|dashboard| dashboard.id == id(demo::SALES_DASHBOARD_ID))
    );
    let dashboard = client
        .dashboards()
        .get_dashboard(sales(), id(demo::SALES_DASHBOARD_ID))
        .await
        .expect("get");
    assert!(dashboard.display_name.is_some());
    assert_api_error(
        client.dashboards().list_dashboards(finance()).await,
        401,
        None,
    );
    assert_api_error(
        client
            .dashboards()
            .get_dashboard(sales(), powerbi::runtime::Uuid::nil())
            .await,
        404,
        None,
    );

    let request = AddDashboardRequest {
        name: "E2E dashboard".to_owned(),
        ..Default::default()
    };
    let added = client
        .dashboards()
        .add_dashboard(sales(), &request)
        .await
        .expect("add");
    assert_eq!(added.display_name.as_deref(), Some("E2E dashboard"));
    let listed = client
        .dashboards()
        .list_dashboards(sales())
        .await
        .expect("list again");
    assert!(listed.iter().any(|dashboard| dashboard.id == added.id));
    assert_api_error(
        read_only_user(&sandbox)
            .dashboards()
            .add_dashboard(sales(), &request)
            .await,
        401,
        None,
    );
}

#[tokio::test]
async fn tiles_of_a_dashboard() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let tiles = client
        .dashboards()
        .get_tiles(sales(), id(demo::SALES_DASHBOARD_ID))
        .await
        .expect("tiles");
    assert_eq!(tiles.len(), 3);
    let tile = client
        .dashboards()
        .get_tile(
            sales(),
            id(demo::SALES_DASHBOARD_ID),
            id(demo::SALES_TILE_ID),
        )
        .await
        .expect("tile");
    assert_eq!(tile.id, id(demo::SALES_TILE_ID));
    assert_api_error(
        client
            .dashboards()
            .get_tiles(finance(), powerbi::runtime::Uuid::nil())
            .await,
        401,
        None,
    );
    assert_api_error(
        client
            .dashboards()
            .get_tile(
                sales(),
                id(demo::SALES_DASHBOARD_ID),
                powerbi::runtime::Uuid::nil(),
            )
            .await,
        404,
        None,
    );
    let mine = user(&sandbox)
        .dashboards()
        .get_tile(
            Workspace::My,
            id(demo::MY_WORKSPACE_DASHBOARD_ID),
            id(demo::MY_WORKSPACE_TILE_ID),
        )
        .await
        .expect("a tile in My workspace");
    assert_eq!(mine.id, id(demo::MY_WORKSPACE_TILE_ID));
}
