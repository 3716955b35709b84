//! Workspaces ("groups") and their members.

use powerbi::admin::GetGroupAsAdminOptions;
use powerbi::groups::{CreateGroupOptions, ListGroupUsersOptions, ListGroupsOptions};
use powerbi::models::{
    AdminGroup, AzureResource, GroupCreationRequest, GroupUser, GroupUserAccessRight,
    PrincipalType, UpdateGroupRequest,
};
use powerbi::runtime::Nullable;
use powerbi_sandbox::RecordedRequest;
use powerbi_sandbox::demo;

use crate::common::*;

fn new_workspace(name: &str) -> GroupCreationRequest {
    GroupCreationRequest {
        name: name.to_owned(),
        ..Default::default()
    }
}

fn member(
    identifier: &str,
    principal_type: PrincipalType,
    right: GroupUserAccessRight,
) -> GroupUser {
    GroupUser {
        identifier: Some(identifier.to_owned()),
        principal_type: Some(principal_type),
        ..GroupUser::new(right)
    }
}

#[tokio::test]
async fn list_groups_pages_and_filters() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let all = client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("list");
    assert!(
        all.iter()
            .any(|group| group.id == id(demo::SALES_WORKSPACE_ID))
    );
    assert!(
        all.iter()
            .all(|group| group.id != id(demo::FINANCE_WORKSPACE_ID)),
        "the service principal is not in Finance"
    );
    let filtered = client
        .groups()
        .list_groups(
            ListGroupsOptions::default()
                .filter(format!("name eq '{}'", demo::SALES_WORKSPACE_NAME)),
        )
        .await
        .expect("filtered list");
    assert_eq!(filtered.len(), 1);
    assert_eq!(
        filtered[0].name.as_deref(),
        Some(demo::SALES_WORKSPACE_NAME)
    );
    let user_groups = user(&sandbox)
        .groups()
        .list_groups(ListGroupsOptions::default().top(1).skip(1))
        .await
        .expect("paged");
    assert_eq!(user_groups.len(), 1);

    let error = assert_api_error(
        client
            .groups()
            .list_groups(ListGroupsOptions::default().filter("name gt 'A'"))
            .await,
        400,
        Some("InvalidRequest"),
    );
    assert!(error.message.is_some());
}

#[tokio::test]
async fn get_group_and_its_errors() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let sales = client
        .groups()
        .get_group(id(demo::SALES_WORKSPACE_ID))
        .await
        .expect("get");
    assert_eq!(sales.name.as_deref(), Some(demo::SALES_WORKSPACE_NAME));
    assert_api_error(
        client
            .groups()
            .get_group(id(demo::FINANCE_WORKSPACE_ID))
            .await,
        401,
        Some("PowerBINotAuthorizedException"),
    );
    assert_api_error(
        client
            .groups()
            .get_group(powerbi::runtime::Uuid::nil())
            .await,
        404,
        Some("PowerBIEntityNotFound"),
    );
}

#[tokio::test]
async fn create_update_and_delete_a_workspace() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let created = client
        .groups()
        .create_group(
            &new_workspace("E2E Workspace"),
            CreateGroupOptions::default().workspace_v2(true),
        )
        .await
        .expect("create");
    let listed = client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("list");
    assert!(
        listed.iter().any(|group| group.id == created.id),
        "a created workspace is then listed"
    );
    assert_api_error(
        client
            .groups()
            .create_group(
                &new_workspace("E2E Workspace"),
                CreateGroupOptions::default(),
            )
            .await,
        400,
        Some("InvalidRequest"),
    );

    let rename = UpdateGroupRequest {
        name: Some("E2E Renamed".to_owned()),
        ..Default::default()
    };
    client
        .groups()
        .update_group(created.id, &rename)
        .await
        .expect("update");
    let renamed = client
        .groups()
        .get_group(created.id)
        .await
        .expect("get renamed");
    assert_eq!(renamed.name.as_deref(), Some("E2E Renamed"));
    assert_api_error(
        outsider(&sandbox)
            .groups()
            .update_group(created.id, &rename)
            .await,
        401,
        None,
    );

    assert_api_error(
        outsider(&sandbox).groups().delete_group(created.id).await,
        401,
        None,
    );
    client
        .groups()
        .delete_group(created.id)
        .await
        .expect("delete");
    assert_api_error(
        client.groups().get_group(created.id).await,
        404,
        Some("PowerBIEntityNotFound"),
    );
    assert_api_error(client.groups().delete_group(created.id).await, 404, None);
}

#[tokio::test]
async fn manage_workspace_members() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let workspace = client
        .groups()
        .create_group(&new_workspace("E2E Members"), Default::default())
        .await
        .expect("create")
        .id;

    let analyst = member(
        demo::USER_NAME,
        PrincipalType::User,
        GroupUserAccessRight::Viewer,
    );
    client
        .groups()
        .add_group_user(workspace, &analyst)
        .await
        .expect("add");
    assert_api_error(
        client.groups().add_group_user(workspace, &analyst).await,
        400,
        Some("AddingAlreadyExistsGroupUserNotSupportedError"),
    );
    let mut no_type = analyst.clone();
    no_type.principal_type = None;
    let error = assert_api_error(
        client.groups().add_group_user(workspace, &no_type).await,
        400,
        Some("InvalidRequest"),
    );
    assert!(
        error
            .message
            .as_deref()
            .is_some_and(|message| message.contains("PrincipalType"))
    );

    let users = client
        .groups()
        .list_group_users(workspace, ListGroupUsersOptions::default())
        .await
        .expect("list users");
    let found = users
        .iter()
        .find(|user| user.identifier.as_deref() == Some(demo::USER_NAME))
        .expect("the analyst is listed");
    assert_eq!(found.group_user_access_right, GroupUserAccessRight::Viewer);
    assert_api_error(
        outsider(&sandbox)
            .groups()
            .list_group_users(workspace, ListGroupUsersOptions::default())
            .await,
        401,
        None,
    );

    let promoted = member(
        demo::USER_NAME,
        PrincipalType::User,
        GroupUserAccessRight::Contributor,
    );
    client
        .groups()
        .update_group_user(workspace, &promoted)
        .await
        .expect("update");
    let users = client
        .groups()
        .list_group_users(workspace, ListGroupUsersOptions::default().top(10))
        .await
        .expect("list users");
    let found = users
        .iter()
        .find(|user| user.identifier.as_deref() == Some(demo::USER_NAME))
        .expect("still listed");
    assert_eq!(
        found.group_user_access_right,
        GroupUserAccessRight::Contributor
    );
    assert_api_error(
        outsider(&sandbox)
            .groups()
            .update_group_user(workspace, &promoted)
            .await,
        401,
        None,
    );

    assert_api_error(
        outsider(&sandbox)
            .groups()
            .delete_group_user(workspace, demo::USER_NAME, Default::default())
            .await,
        401,
        None,
    );
    client
        .groups()
        .delete_group_user(workspace, demo::USER_NAME, Default::default())
        .await
        .expect("delete user");
    let users = client
        .groups()
        .list_group_users(workspace, ListGroupUsersOptions::default())
        .await
        .expect("list users");
    assert!(
        users
            .iter()
            .all(|user| user.identifier.as_deref() != Some(demo::USER_NAME))
    );

    // Adding the outsider service principal by object id lets it in.
    let app = member(
        demo::OUTSIDER_SP_OBJECT_ID,
        PrincipalType::App,
        GroupUserAccessRight::Member,
    );
    client
        .groups()
        .add_group_user(workspace, &app)
        .await
        .expect("add app");
    outsider(&sandbox)
        .groups()
        .get_group(workspace)
        .await
        .expect("the outsider is now a member");
}

/// The one API request the sandbox recorded since it was last cleared.
fn only_api_request(sandbox: &powerbi_sandbox::Sandbox) -> RecordedRequest {
    let mut requests: Vec<RecordedRequest> = sandbox
        .recorded_requests()
        .into_iter()
        .filter(RecordedRequest::is_api)
        .collect();
    assert_eq!(requests.len(), 1, "one API request: {requests:?}");
    requests.remove(0)
}

#[tokio::test]
async fn an_explicit_null_unassigns_the_log_analytics_workspace() {
    let sandbox = sandbox().await;
    let admin = user(&sandbox);
    let finance = id(demo::FINANCE_WORKSPACE_ID);
    let client = &admin;
    let get = move || async move {
        client
            .admin()
            .get_group_as_admin(finance, GetGroupAsAdminOptions::default())
            .await
            .expect("get as admin")
    };
    assert_eq!(get().await.log_analytics_workspace, Nullable::Absent);

    // Assign one: the value goes out.
    let resource = AzureResource {
        subscription_id: Some(id("d778934f-bda2-41d9-b5c7-6cf41372c1a0")),
        resource_group: Some("myResourceGroup".to_owned()),
        resource_name: Some("myLogAnalyticsWorkspace".to_owned()),
        ..AzureResource::default()
    };
    let assign = AdminGroup {
        log_analytics_workspace: resource.clone().into(),
        ..AdminGroup::default()
    };
    admin
        .admin()
        .update_group_as_admin(finance, &assign)
        .await
        .expect("assign");
    let assigned = get().await;
    let shown = assigned
        .log_analytics_workspace
        .value()
        .expect("an assigned Log Analytics workspace is shown");
    assert_eq!(shown.resource_name, resource.resource_name);
    assert_eq!(shown.subscription_id, resource.subscription_id);
    assert!(shown.id.is_some(), "Power BI gives the assignment an id");

    // A rename leaves the field out (Absent), and so keeps the assignment.
    let rename = AdminGroup {
        name: Some("Finance (renamed)".to_owned()),
        ..AdminGroup::default()
    };
    sandbox.clear_recorded();
    admin
        .admin()
        .update_group_as_admin(finance, &rename)
        .await
        .expect("rename");
    let sent: serde_json::Value =
        serde_json::from_slice(&only_api_request(&sandbox).body).expect("a JSON body");
    assert_eq!(sent, serde_json::json!({"name": "Finance (renamed)"}));
    let renamed = get().await;
    assert_eq!(renamed.name.as_deref(), Some("Finance (renamed)"));
    assert!(renamed.log_analytics_workspace.value().is_some());

    // Null unassigns: the explicit null reaches the wire, and the assignment is gone.
    let unassign = AdminGroup {
        log_analytics_workspace: Nullable::Null,
        ..AdminGroup::default()
    };
    sandbox.clear_recorded();
    admin
        .admin()
        .update_group_as_admin(finance, &unassign)
        .await
        .expect("unassign");
    let request = only_api_request(&sandbox);
    assert_eq!(request.method, "PATCH");
    assert_eq!(
        request.path,
        format!("/v1.0/myorg/admin/groups/{}", demo::FINANCE_WORKSPACE_ID)
    );
    assert_eq!(
        String::from_utf8_lossy(&request.body),
        r#"{"logAnalyticsWorkspace":null}"#
    );
    let after = get().await;
    assert_eq!(after.log_analytics_workspace, Nullable::Absent);
    assert_eq!(after.name.as_deref(), Some("Finance (renamed)"));

    // Shared capacity: only the name and description can change, and no assignment either way.
    for body in [assign, unassign] {
        assert_api_error(
            admin
                .admin()
                .update_group_as_admin(id(demo::SALES_WORKSPACE_ID), &body)
                .await,
            400,
            Some("InvalidRequest"),
        );
    }
}
