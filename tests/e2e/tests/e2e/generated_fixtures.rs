//! The golden files of `powerbi-codegen` (`generator/tests/golden/*.rs`) compile against the
//! real runtime and behave: each is a module here, with a test that touches its items.
//!
//! The golden files are rendered with the runtime path `::powerbi::runtime` and the
//! `CategoryClients` extension trait, as a crate other than `powerbi` would generate them.
//! They must stay byte-for-byte what the generator renders: rustfmt is told to leave them.

#[allow(dead_code)]
#[rustfmt::skip]
#[path = "../../../../generator/tests/golden/minimal.rs"]
mod minimal;

#[allow(dead_code)]
#[rustfmt::skip]
#[path = "../../../../generator/tests/golden/names.rs"]
mod names;

#[allow(dead_code)]
#[rustfmt::skip]
#[path = "../../../../generator/tests/golden/two_categories.rs"]
mod two_categories;

use powerbi::PowerBiClient;
use powerbi::runtime::{
    HttpMethod, LongRunning, Nullable, Paging, ServicePrincipalSupport, WorkspaceScope,
};
use serde_json::json;

#[test]
fn minimal_fixture_models_enums_and_records() {
    use minimal::models::{Widget, WidgetKind};

    let widget = Widget {
        name: Some("Sales".to_owned()),
        kind: Some(WidgetKind::Chart),
        ..Widget::default()
    };
    let encoded = serde_json::to_value(&widget).unwrap();
    assert_eq!(
        encoded,
        json!({"id": "00000000-0000-0000-0000-000000000000", "name": "Sales", "kind": "Chart"})
    );
    assert_eq!(serde_json::from_value::<Widget>(encoded).unwrap(), widget);

    // Open enum: known values map to variants, unknown ones are kept and encode back unchanged.
    let known: WidgetKind = serde_json::from_value(json!("Text")).unwrap();
    assert_eq!(known, WidgetKind::Text);
    let unknown: WidgetKind = serde_json::from_value(json!("Gauge")).unwrap();
    assert_eq!(unknown, WidgetKind::Unrecognized("Gauge".to_owned()));
    assert_eq!(serde_json::to_value(&unknown).unwrap(), json!("Gauge"));

    let record = &minimal::widgets::operations::GET_WIDGET;
    assert_eq!(record.path, "/widgets/{widgetId}");
    assert_eq!(record.workspace, WorkspaceScope::Both);
    assert_eq!(record.method, HttpMethod::Get);
    assert_eq!(
        record.path_templates(),
        [
            "/v1.0/myorg/widgets/{widgetId}",
            "/v1.0/myorg/groups/{groupId}/widgets/{widgetId}"
        ]
    );
    assert_eq!(minimal::OPERATIONS.len(), 1);
    assert_eq!(minimal::SPEC_HASH.len(), 64);

    // The accessor comes from the extension trait, not from `PowerBiClient` itself.
    let accessor: fn(&PowerBiClient) -> minimal::widgets::WidgetsClient<'_> =
        <PowerBiClient as minimal::CategoryClients>::widgets;
    let _ = accessor;
}

#[test]
fn names_fixture_escapes_keywords_and_odd_wire_names() {
    use names::models::{Client, Mode, Resultset};

    for (wire, variant) in [
        ("read-only", Mode::ReadOnly),
        ("ReadWrite", Mode::ReadWrite),
        ("2Hours", Mode::V2Hours),
        ("self", Mode::Self_),
        ("7", Mode::Weekly),
        ("write-only", Mode::Unrecognized("write-only".to_owned())),
    ] {
        let decoded: Mode = serde_json::from_value(json!(wire)).unwrap();
        assert_eq!(decoded, variant);
        assert_eq!(serde_json::to_value(&decoded).unwrap(), json!(wire));
        assert_eq!(decoded.to_string(), wire);
    }
    // A value of digits also decodes from the number; it encodes as the string.
    let weekly: Mode = serde_json::from_value(json!(7)).unwrap();
    assert_eq!(weekly, Mode::Weekly);
    assert_eq!(serde_json::to_value(&weekly).unwrap(), json!("7"));

    let wire = json!({
        "type": "read-only",
        "ref": "r",
        "self": "s",
        "match": true,
        "1stValue": 1.5,
        "parent": {"type": "ReadWrite", "parent": {"type": "2Hours"}},
        "notInTheSpec": [1, 2]
    });
    let client: Client = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(client.r#type, Mode::ReadOnly);
    assert_eq!(client.r#ref.as_deref(), Some("r"));
    assert_eq!(client.self_.as_deref(), Some("s"));
    assert_eq!(client.r#match, Some(true));
    assert_eq!(client.n1st_value, Some(1.5));
    let parent: &Client = client.parent.as_deref().unwrap();
    assert_eq!(parent.r#type, Mode::ReadWrite);
    assert_eq!(parent.parent.as_ref().unwrap().r#type, Mode::V2Hours);
    assert_eq!(client.unknown_fields["notInTheSpec"], json!([1, 2]));
    assert_eq!(serde_json::to_value(&client).unwrap(), wire);

    let results: Resultset = serde_json::from_value(json!({
        "@odata.context": "ctx",
        "labels": {"a": "b"},
        "grid": [[1, 2], [3]],
        "byName": {"x": {"type": "self"}},
        "extra": {"free": ["form"]},
        "children": [{"count": 2}],
        "count": 1,
        "$type": "odata"
    }))
    .unwrap();
    assert_eq!(results.odata_context.as_deref(), Some("ctx"));
    assert_eq!(results.grid, Some(vec![vec![1, 2], vec![3]]));
    assert_eq!(results.labels.as_ref().unwrap()["a"], "b");
    assert_eq!(results.by_name.as_ref().unwrap()["x"].r#type, Mode::Self_);
    assert_eq!(results.extra, Some(json!({"free": ["form"]})));
    assert_eq!(results.children.as_ref().unwrap()[0].count, 2);
    assert_eq!(results.odata_type.as_deref(), Some("odata"));
    assert_eq!(Resultset::default().count, 0);

    let options = names::scorecards::ListScorecardsOptions::default()
        .filter("name eq 'x'")
        .top(5)
        .r#type(Mode::ReadOnly)
        .skip_count(10);
    assert_eq!(options.filter.as_deref(), Some("name eq 'x'"));
    assert_eq!(options.skip_count, Some(10));
    assert_eq!(options.top, Some(5));
    assert_eq!(options.r#type, Some(Mode::ReadOnly));
    assert_eq!(
        names::scorecards::GetAvailableFeatureByNameOptions::default()
            .self_(true)
            .self_,
        Some(true)
    );

    let records = &names::scorecards::operations::GET_AVAILABLE_FEATURE_BY_NAME;
    assert_eq!(
        records.path,
        "/availableFeatures(featureName='{featureName}')"
    );
    assert_eq!(
        records.scopes,
        [["Dashboard.Read.All", "Dashboard.ReadWrite.All"]]
    );
    assert!(records.is_allowed_by(&["Dashboard.Read.All", "Dashboard.ReadWrite.All"]));
    assert!(!records.is_allowed_by(&["Dashboard.Read.All"]));
    assert_eq!(
        names::scorecards::operations::GET_SCORECARD.path_templates(),
        ["/v1.0/myorg/groups/{groupId}/scorecards({scorecardId})"]
    );
    assert_eq!(
        names::scorecards::operations::LIST_SCORECARDS.paging,
        Paging::Top
    );
}

#[test]
fn two_categories_fixture_has_both_modules_and_shared_models() {
    use two_categories::models::{Import, ImportRequest, ImportState, PrincipalType};

    let import: Import = serde_json::from_value(json!({
        "id": "6b1b1d6e-8e55-4d8e-9a43-8f3c0e2a1b7c",
        "importState": "Publishing",
        "createdBy": {"principalType": "Robot", "displayName": "R2"},
        "tags": ["a"]
    }))
    .unwrap();
    assert_eq!(import.import_state, Some(ImportState::Publishing));
    let owner = import.created_by.as_ref().unwrap();
    assert_eq!(
        owner.principal_type,
        PrincipalType::Unrecognized("Robot".to_owned())
    );
    assert_eq!(owner.display_name.as_deref(), Some("R2"));

    let request = ImportRequest {
        file_url: "https://example.com/file.pbix".to_owned(),
        ..ImportRequest::default()
    };
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({"fileUrl": "https://example.com/file.pbix"})
    );
    // `nullable: true` fields: absent is left out, null is sent, a value is sent; decoding
    // reads the three back.
    let clear = ImportRequest {
        file_url: "f".to_owned(),
        description: Nullable::Null,
        retries: 3.into(),
        ..ImportRequest::default()
    };
    let wire = json!({"fileUrl": "f", "description": null, "retries": 3});
    assert_eq!(serde_json::to_value(&clear).unwrap(), wire);
    assert_eq!(
        serde_json::from_value::<ImportRequest>(wire).unwrap(),
        clear
    );
    let decoded: ImportRequest =
        serde_json::from_value(json!({"fileUrl": "f", "retries": "4"})).unwrap();
    assert_eq!(decoded.description, Nullable::Absent);
    assert_eq!(decoded.retries, Nullable::Value(4));
    assert!(decoded.unknown_fields.is_empty());

    let apps = &two_categories::apps::operations::LIST_APPS;
    assert_eq!(
        (apps.category, apps.workspace),
        ("apps", WorkspaceScope::My)
    );
    assert_eq!(apps.service_principal, ServicePrincipalSupport::No);
    let download = &two_categories::apps::operations::DOWNLOAD_APP_ICON;
    assert!(download.scopes.is_empty());
    assert!(download.is_allowed_by(&[]));

    let create = &two_categories::imports::operations::CREATE_IMPORT;
    assert_eq!(create.method, HttpMethod::Post);
    assert_eq!(create.long_running, LongRunning::Import);
    assert_eq!(
        create.path_templates(),
        ["/v1.0/myorg/groups/{groupId}/imports"]
    );
    // A body form: the same Microsoft operation, another body; the ids are the primary's.
    let from_file = &two_categories::imports::operations::CREATE_IMPORT_FROM_FILE;
    assert_eq!(from_file.body_form_of, Some("create_import"));
    assert_eq!(create.body_form_of, None);
    assert_eq!(from_file.operation_ids, create.operation_ids);
    assert_eq!(from_file.path_templates(), create.path_templates());
    let update = &two_categories::imports::operations::UPDATE_IMPORT;
    assert_eq!(update.method, HttpMethod::Patch);
    assert!(update.is_allowed_by(&["Workspace.ReadWrite.All", "Content.Create"]));
    assert!(!update.is_allowed_by(&["Workspace.ReadWrite.All"]));

    // Every operation of both categories is listed once, in category order.
    let listed: Vec<(&str, &str)> = two_categories::OPERATIONS
        .iter()
        .map(|operation| (operation.category, operation.name))
        .collect();
    assert_eq!(
        listed,
        [
            ("apps", "list_apps"),
            ("apps", "get_app_icons"),
            ("apps", "download_app_icon"),
            ("apps", "list_app_tags"),
            ("apps", "upload_app_icon"),
            ("imports", "create_import"),
            ("imports", "create_import_from_file"),
            ("imports", "update_import"),
            ("imports", "delete_import"),
            ("imports", "put_import_settings"),
        ]
    );

    let options = two_categories::imports::CreateImportOptions::default()
        .name_conflict(two_categories::models::ImportConflictHandlerMode::CreateOrOverwrite)
        .skip_report(true);
    assert_eq!(options.skip_report, Some(true));
}

#[test]
fn two_categories_fixture_keeps_secret_fields_out_of_debug() {
    use two_categories::models::{Import, ImportRequest};

    let request: ImportRequest = serde_json::from_value(json!({
        "fileUrl": "https://blob.example/f.pbix?sig=URL-SECRET",
        "connectionType": "import",
        "password": "PASSWORD-SECRET",
        "credentials": {"key": "JSON-SECRET"},
        "extra": "kept"
    }))
    .unwrap();
    for rendering in [format!("{request:?}"), format!("{request:#?}")] {
        for secret in [
            "URL-SECRET",
            "blob.example",
            "PASSWORD-SECRET",
            "JSON-SECRET",
        ] {
            assert!(!rendering.contains(secret), "{rendering}");
        }
    }
    // The rest prints as `#[derive(Debug)]` would, and whether a secret is set stays visible.
    let rendering = format!("{request:?}");
    for shown in [
        "ImportRequest { file_url: REDACTED, connection_type: Some(\"import\"), ",
        "password: Value(REDACTED), credentials: Some(REDACTED), ",
        "\"extra\": String(\"kept\")",
    ] {
        assert!(rendering.contains(shown), "{rendering}");
    }
    let cleared = ImportRequest {
        password: Nullable::Null,
        ..ImportRequest::default()
    };
    assert!(format!("{cleared:?}").contains("password: Null, credentials: None"));
    // Encoding still sends the secrets: only `Debug` hides them.
    let wire = serde_json::to_value(&request).unwrap();
    assert_eq!(wire["password"], "PASSWORD-SECRET");
    assert_eq!(wire["credentials"]["key"], "JSON-SECRET");

    let import: Import = serde_json::from_value(json!({
        "id": "6b1b1d6e-8e55-4d8e-9a43-8f3c0e2a1b7c",
        "tags": ["visible"],
        "accessKeys": ["KEY-SECRET"]
    }))
    .unwrap();
    let rendering = format!("{import:?}");
    assert!(!rendering.contains("KEY-SECRET"), "{rendering}");
    assert!(
        rendering.contains("tags: Some([\"visible\"]), access_keys: Some(REDACTED)"),
        "{rendering}"
    );
}
