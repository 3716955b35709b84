//! Workspaces ("groups") and their members.

use powerbi::groups::{CreateGroupOptions, ListGroupUsersOptions, ListGroupsOptions};
use powerbi::models::{
    GroupCreationRequest, GroupUser, GroupUserAccessRight, PrincipalType, UpdateGroupRequest,
};
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
