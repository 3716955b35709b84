//! The demo content every sandbox starts with.
//!
//! "Sales Analytics": 2 datasets, 2 reports with pages, 1 dashboard with 3 tiles.
//! "Finance": 1 dataset, 1 report. The demo user's My workspace: 1 dataset,
//! 1 report, 1 dashboard.

use std::collections::HashMap;

use crate::clock;
use crate::demo;
use crate::directory::{self, User};
use crate::gateway_crypto::KeySize;
use crate::model::{
    AccessRight, Dashboard, Dataset, Datasource, Gateway, GatewayDatasource, Member, Page,
    Parameter, PrincipalType, Refresh, RefreshOutcome, Report, Tile, Workspace,
};

/// Numeric refresh ids handed out after the seeded history continue from here.
pub(crate) const FIRST_REFRESH_ID: u64 = 4_518_200;

/// The seeded workspaces.
pub(crate) struct Content {
    /// Shared workspaces.
    pub(crate) workspaces: Vec<Workspace>,
    /// My workspaces, keyed by owner object id.
    pub(crate) personal: HashMap<String, Workspace>,
    /// On-premises gateways.
    pub(crate) gateways: Vec<Gateway>,
}

/// Builds the demo content.
pub(crate) fn content() -> Content {
    let analyst = &directory::ANALYST;
    Content {
        workspaces: vec![sales(), finance()],
        personal: HashMap::from([(analyst.object_id.to_owned(), my_workspace(analyst))]),
        gateways: gateways(),
    }
}

/// Two on-premises gateways, one per key layout; the 2048-bit one holds the seeded datasets'
/// datasources (without credentials).
fn gateways() -> Vec<Gateway> {
    let admins = vec![
        directory::ANALYST.object_id.to_owned(),
        directory::REPORTING_SP.object_id.to_owned(),
    ];
    let source = |id: &str, name: &str, kind: &str, details: &str| GatewayDatasource {
        id: id.into(),
        name: name.into(),
        datasource_type: kind.into(),
        connection_details: details.into(),
        credentials: None,
    };
    vec![
        Gateway {
            id: demo::GATEWAY_ID.into(),
            name: "Contoso Gateway".into(),
            key: KeySize::Bits2048,
            admins: admins.clone(),
            datasources: vec![
                source(
                    demo::GATEWAY_SQL_DATASOURCE_ID,
                    "SalesDW",
                    "Sql",
                    r#"{"server":"sales-sql.database.windows.net","database":"SalesDW"}"#,
                ),
                source(
                    "f1e7c3a9-0b52-4d86-9a3e-5c1b7d8e2f40",
                    "Targets",
                    "AnalysisServices",
                    r#"{"server":"asazure://westeurope.asazure.windows.net/contoso","database":"Targets"}"#,
                ),
            ],
        },
        Gateway {
            id: demo::GATEWAY_1024_ID.into(),
            name: "Contoso Legacy Gateway".into(),
            key: KeySize::Bits1024,
            admins,
            datasources: Vec::new(),
        },
    ]
}

fn sales() -> Workspace {
    let sp = &directory::REPORTING_SP;
    let mut ws = Workspace::shared(demo::SALES_WORKSPACE_ID, demo::SALES_WORKSPACE_NAME);
    ws.members = vec![
        user_member(&directory::ANALYST, AccessRight::Admin),
        Member {
            identifier: sp.object_id.to_owned(),
            principal_type: PrincipalType::App,
            access_right: AccessRight::Admin,
            email_address: None,
            display_name: Some(sp.display_name.to_owned()),
            graph_id: Some(sp.object_id.to_owned()),
            user_type: None,
        },
        user_member(&directory::SALES_REVIEWER, AccessRight::Viewer),
    ];

    ws.datasets = vec![sales_dataset(), sales_targets_dataset()];

    ws.reports = vec![
        report(
            demo::SALES_REPORT_ID,
            "Sales Overview",
            demo::SALES_DATASET_ID,
            Some(demo::SALES_WORKSPACE_ID),
            &["Overview", "Regional Sales", "Product Mix"],
        ),
        report(
            demo::SALES_TARGETS_REPORT_ID,
            "Targets vs Actuals",
            demo::SALES_TARGETS_DATASET_ID,
            Some(demo::SALES_WORKSPACE_ID),
            &["Targets"],
        ),
    ];

    ws.dashboards = vec![sales_dashboard()];
    ws
}

/// "Sales": parameters, a SQL datasource and two refreshes in its history.
fn sales_dataset() -> Dataset {
    let mut sales_dataset = dataset(demo::SALES_DATASET_ID, "Sales", "2024-03-11T09:14:27.310Z");
    sales_dataset.description =
        Some("Orders, customers and products from the sales warehouse".into());
    sales_dataset.parameters = vec![
        parameter(
            "ServerName",
            "Text",
            "sales-sql.database.windows.net",
            true,
            None,
        ),
        parameter("DatabaseName", "Text", "SalesDW", true, None),
        parameter("FromDate", "DateTime", "1/1/2023 12:00:00 AM", true, None),
        parameter(
            "Region",
            "Text",
            "West",
            false,
            Some(&["West", "East", "North", "South"]),
        ),
    ];
    sales_dataset.datasources = vec![Datasource {
        datasource_type: "Sql".into(),
        server: "sales-sql.database.windows.net".into(),
        database: "SalesDW".into(),
        datasource_id: demo::GATEWAY_SQL_DATASOURCE_ID.into(),
        gateway_id: demo::GATEWAY_ID.into(),
    }];
    sales_dataset.refreshes = vec![
        Refresh {
            request_id: "6a1e4b7c-93d2-4f58-a0b6-2d8c5e9f1a74".into(),
            id: FIRST_REFRESH_ID - 1,
            refresh_type: "Scheduled".into(),
            start: clock::parse("2024-05-02T07:30:12.587Z"),
            zoneless_start: true,
            end: clock::parse("2024-05-02T07:34:48.903Z"),
            outcome: RefreshOutcome::Completed,
        },
        Refresh {
            request_id: "b83f2d61-5c7a-4e09-8b14-c6a9e3d7f520".into(),
            id: FIRST_REFRESH_ID,
            refresh_type: "OnDemand".into(),
            start: clock::parse("2024-05-03T12:05:44.120Z"),
            zoneless_start: false,
            end: clock::parse("2024-05-03T12:06:02.457Z"),
            outcome: RefreshOutcome::Failed {
                service_exception_json:
                    r#"{"errorCode":"ModelRefreshFailed_CredentialsNotSpecified"}"#.into(),
            },
        },
    ];
    sales_dataset
}

/// "Sales Targets": an Analysis Services datasource behind an on-premises gateway.
fn sales_targets_dataset() -> Dataset {
    let mut targets_dataset = dataset(
        demo::SALES_TARGETS_DATASET_ID,
        "Sales Targets",
        "2024-03-18T15:42:03.077Z",
    );
    targets_dataset.datasources = vec![Datasource {
        datasource_type: "AnalysisServices".into(),
        server: "asazure://westeurope.asazure.windows.net/contoso".into(),
        database: "Targets".into(),
        datasource_id: "f1e7c3a9-0b52-4d86-9a3e-5c1b7d8e2f40".into(),
        gateway_id: demo::GATEWAY_ID.into(),
    }];
    targets_dataset.is_on_prem_gateway_required = true;
    targets_dataset
}

/// "Sales Pulse": three tiles, two of them on the sales report.
fn sales_dashboard() -> Dashboard {
    Dashboard {
        id: demo::SALES_DASHBOARD_ID.into(),
        display_name: "Sales Pulse".into(),
        tiles: vec![
            Tile {
                id: demo::SALES_TILE_ID.into(),
                title: "Revenue YTD".into(),
                sub_title: Some("vs. last year".into()),
                row_span: 0,
                col_span: 0,
                report_id: Some(demo::SALES_REPORT_ID.into()),
                dataset_id: Some(demo::SALES_DATASET_ID.into()),
            },
            Tile {
                id: "349d7217-ceff-4b7b-a4ba-0ecae6ec51e2".into(),
                title: "Units by Region".into(),
                sub_title: None,
                row_span: 2,
                col_span: 3,
                report_id: Some(demo::SALES_REPORT_ID.into()),
                dataset_id: Some(demo::SALES_DATASET_ID.into()),
            },
            Tile {
                id: "e0953aea-47b6-46b5-b0a8-9547964b396b".into(),
                title: "Notes".into(),
                sub_title: None,
                row_span: 1,
                col_span: 2,
                report_id: None,
                dataset_id: None,
            },
        ],
    }
}

fn finance() -> Workspace {
    let mut ws = Workspace::shared(demo::FINANCE_WORKSPACE_ID, demo::FINANCE_WORKSPACE_NAME);
    ws.capacity_id = Some("0f084df7-c13d-451b-af5f-ed0c466403b2".into());
    ws.default_dataset_storage_format = Some("Small".into());
    ws.members = vec![
        user_member(&directory::FINANCE_ADMIN, AccessRight::Admin),
        user_member(&directory::ANALYST, AccessRight::Member),
    ];
    let mut ledger = dataset(
        demo::FINANCE_DATASET_ID,
        "General Ledger",
        "2024-01-22T08:03:55.941Z",
    );
    ledger.configured_by = directory::FINANCE_ADMIN.upn.into();
    ledger.datasources = vec![Datasource {
        datasource_type: "Sql".into(),
        server: "finance-sql.database.windows.net".into(),
        database: "Ledger".into(),
        datasource_id: "9b4d2e7f-6a13-4c58-8e0b-1f7a3c5d9e26".into(),
        gateway_id: demo::GATEWAY_ID.into(),
    }];
    ws.datasets = vec![ledger];
    let mut statement = report(
        demo::FINANCE_REPORT_ID,
        "P&L Statement",
        demo::FINANCE_DATASET_ID,
        Some(demo::FINANCE_WORKSPACE_ID),
        &["Summary", "Details"],
    );
    statement.owner_object_id = directory::FINANCE_ADMIN.object_id.into();
    ws.reports = vec![statement];
    ws
}

fn my_workspace(owner: &User) -> Workspace {
    let mut ws = Workspace::personal("2f9c4e1a-7b3d-4a85-9c62-e8d1f0b5a7c3");
    let mut budget = dataset(
        demo::MY_WORKSPACE_DATASET_ID,
        "Personal Budget",
        "2024-02-05T19:27:31.502Z",
    );
    budget.configured_by = owner.upn.into();
    budget.datasources = vec![Datasource {
        datasource_type: "Sql".into(),
        server: "personal-sql.database.windows.net".into(),
        database: "Budget".into(),
        datasource_id: "4e8a1c6d-2f97-4b30-a5d8-6c0e9b3f7a12".into(),
        gateway_id: demo::GATEWAY_ID.into(),
    }];
    ws.datasets = vec![budget];
    ws.reports = vec![report(
        demo::MY_WORKSPACE_REPORT_ID,
        "Budget Tracker",
        demo::MY_WORKSPACE_DATASET_ID,
        None,
        &["Monthly"],
    )];
    ws.dashboards = vec![Dashboard {
        id: demo::MY_WORKSPACE_DASHBOARD_ID.into(),
        display_name: "My Dashboard".into(),
        tiles: vec![Tile {
            id: demo::MY_WORKSPACE_TILE_ID.into(),
            title: "Spending this month".into(),
            sub_title: None,
            row_span: 1,
            col_span: 1,
            report_id: Some(demo::MY_WORKSPACE_REPORT_ID.into()),
            dataset_id: Some(demo::MY_WORKSPACE_DATASET_ID.into()),
        }],
    }];
    ws
}

pub(crate) fn user_member(user: &User, access_right: AccessRight) -> Member {
    Member {
        identifier: user.upn.to_owned(),
        principal_type: PrincipalType::User,
        access_right,
        email_address: Some(user.upn.to_owned()),
        display_name: Some(user.display_name.to_owned()),
        graph_id: Some(user.object_id.to_owned()),
        user_type: Some("Member".to_owned()),
    }
}

/// An import-mode dataset configured by the demo user, without sources or history.
pub(crate) fn dataset(id: &str, name: &str, created: &str) -> Dataset {
    Dataset {
        id: id.into(),
        name: name.into(),
        description: None,
        configured_by: demo::USER_NAME.into(),
        created: clock::parse(created),
        is_refreshable: true,
        is_effective_identity_required: false,
        is_effective_identity_roles_required: false,
        is_on_prem_gateway_required: false,
        target_storage_mode: "Abf".into(),
        parameters: Vec::new(),
        datasources: Vec::new(),
        refreshes: Vec::new(),
        query_rows: None,
    }
}

fn parameter(
    name: &str,
    kind: &str,
    current_value: &str,
    is_required: bool,
    suggested_values: Option<&[&str]>,
) -> Parameter {
    Parameter {
        name: name.into(),
        kind: kind.into(),
        current_value: current_value.into(),
        is_required,
        suggested_values: suggested_values
            .map(|values| values.iter().map(|&value| value.to_owned()).collect()),
    }
}

/// A report owned by the demo user, with pages named like Power BI Desktop names them.
pub(crate) fn report(
    id: &str,
    name: &str,
    dataset_id: &str,
    dataset_workspace_id: Option<&str>,
    page_titles: &[&str],
) -> Report {
    Report {
        id: id.into(),
        name: name.into(),
        dataset_id: dataset_id.into(),
        dataset_workspace_id: dataset_workspace_id.map(Into::into),
        owner_object_id: demo::USER_OBJECT_ID.into(),
        pages: page_titles
            .iter()
            .zip(0..)
            .map(|(&title, order)| Page {
                name: page_section_name(order),
                display_name: title.into(),
                order,
            })
            .collect(),
    }
}

/// `ReportSection`, `ReportSection1`, `ReportSection2`, ...
fn page_section_name(order: u32) -> String {
    if order == 0 {
        "ReportSection".to_owned()
    } else {
        format!("ReportSection{order}")
    }
}
