//! The Fabric API on the sandbox's server, over real HTTP: a CI/CD flow through long-running
//! operations and Git, jobs, paging, errors and throttling, token audiences, example answers.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use powerbi_sandbox::{
    EXAMPLE_ANSWER_HEADER, FabricItemSeed, Fault, FaultPlan, Role, Sandbox, WorkspaceSeed, demo,
};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::http;

async fn token_for(sandbox: &Sandbox, scope: &str) -> String {
    let response = http()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            sandbox.authority_host(),
            demo::TENANT_ID
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", demo::SP_CLIENT_ID),
            ("client_secret", demo::SP_CLIENT_SECRET),
            ("scope", scope),
        ])
        .send()
        .await
        .expect("token endpoint answers");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("token JSON");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

async fn fabric_token(sandbox: &Sandbox) -> String {
    token_for(sandbox, demo::FABRIC_DEFAULT_SCOPE).await
}

fn url(sandbox: &Sandbox, path: &str) -> String {
    format!("{}/v1{path}", sandbox.api_base_url())
}

async fn call(token: &str, method: Method, url: &str, body: Option<Value>) -> Response {
    let mut request = http().request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("the sandbox answers")
}

async fn json_of(response: Response) -> Value {
    let text = response.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON body, got {text:?}"))
}

fn header(response: &Response, name: &str) -> String {
    response.headers()[name]
        .to_str()
        .expect("text header")
        .to_owned()
}

/// Follows a 202: polls the operation until it succeeded, checking the states on the way,
/// and returns the result (`None` when the operation has none).
async fn finish(token: &str, accepted: Response) -> Option<Value> {
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    assert_eq!(header(&accepted, "retry-after"), "1");
    let location = header(&accepted, "location");
    let id = header(&accepted, "x-ms-operation-id");
    assert!(
        location.ends_with(&format!("/v1/operations/{id}")),
        "{location}"
    );
    let mut seen = Vec::new();
    let result_location = loop {
        let poll = call(token, Method::GET, &location, None).await;
        assert_eq!(poll.status(), StatusCode::OK);
        let next = poll
            .headers()
            .get("location")
            .map(|value| value.to_str().unwrap().to_owned());
        let status = json_of(poll).await["status"].as_str().unwrap().to_owned();
        seen.push(status.clone());
        if status == "Succeeded" {
            break next;
        }
        assert!(seen.len() < 10, "the operation never ends: {seen:?}");
    };
    assert_eq!(seen, ["NotStarted", "Running", "Succeeded"]);
    let result = call(token, Method::GET, &format!("{location}/result"), None).await;
    match result_location {
        Some(at) => {
            assert_eq!(at, format!("{location}/result"));
            assert_eq!(result.status(), StatusCode::OK);
            Some(json_of(result).await)
        }
        None => {
            assert_eq!(result.status(), StatusCode::NOT_FOUND);
            None
        }
    }
}

fn part(path: &str, bytes: &[u8]) -> Value {
    json!({"path": path, "payload": STANDARD.encode(bytes), "payloadType": "InlineBase64"})
}

fn platform(kind: &str, name: &str) -> Value {
    let text = format!(
        "{{\n  \"metadata\": {{\"type\": \"{kind}\", \"displayName\": \"{name}\"}},\n  \"config\": {{\"version\": \"2.0\", \"logicalId\": \"00000000-0000-0000-0000-000000000000\"}}\n}}\n"
    );
    part(".platform", text.as_bytes())
}

fn semantic_model_definition() -> Value {
    json!({"format": "TMDL", "parts": [
        part("definition/database.tmdl", b"database\n\tcompatibilityLevel: 1604\n"),
        part("definition/tables/Sales.tmdl", "table Sales\n\tcolumn Amount\n\t\tdataType: decimal\n// \u{e9}t\u{e9}\n".as_bytes()),
        part("definition.pbism", b"{\"version\": \"4.0\"}"),
        platform("SemanticModel", "Sales"),
    ]})
}

fn report_definition(title: &str) -> Value {
    json!({"format": "PBIR", "parts": [
        part("definition/report.json", format!("{{\"title\": \"{title}\"}}\r\n").as_bytes()),
        part("definition.pbir", b"{\"version\": \"4.0\", \"datasetReference\": {\"byPath\": {\"path\": \"../Sales.SemanticModel\"}}}"),
        platform("Report", "Sales report"),
    ]})
}

async fn create_item(
    token: &str,
    sandbox: &Sandbox,
    ws: &str,
    kind: &str,
    name: &str,
    definition: Value,
) -> Value {
    let body = json!({"displayName": name, "type": kind, "definition": definition});
    let accepted = call(
        token,
        Method::POST,
        &url(sandbox, &format!("/workspaces/{ws}/items")),
        Some(body),
    )
    .await;
    finish(token, accepted)
        .await
        .expect("create item has a result")
}

async fn definition_of(token: &str, sandbox: &Sandbox, ws: &str, item: &str) -> Value {
    definition_of_kind(token, sandbox, ws, "items", item).await
}

async fn definition_of_kind(
    token: &str,
    sandbox: &Sandbox,
    ws: &str,
    kind: &str,
    item: &str,
) -> Value {
    let path = format!("/workspaces/{ws}/{kind}/{item}/getDefinition");
    let accepted = call(token, Method::POST, &url(sandbox, &path), None).await;
    finish(token, accepted)
        .await
        .expect("get definition has a result")["definition"]
        .clone()
}

async fn git_status(token: &str, sandbox: &Sandbox, ws: &str) -> Value {
    let response = call(
        token,
        Method::GET,
        &url(sandbox, &format!("/workspaces/{ws}/git/status")),
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    json_of(response).await
}

async fn connect(token: &str, sandbox: &Sandbox, ws: &str) {
    let provider = json!({"gitProviderDetails": {
        "gitProviderType": "AzureDevOps", "organizationName": "contoso", "projectName": "bi",
        "repositoryName": "reports", "branchName": "main", "directoryName": "/fabric"}});
    let response = call(
        token,
        Method::POST,
        &url(sandbox, &format!("/workspaces/{ws}/git/connect")),
        Some(provider),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn new_workspace(token: &str, sandbox: &Sandbox, name: &str) -> String {
    let response = call(
        token,
        Method::POST,
        &url(sandbox, "/workspaces"),
        Some(json!({"displayName": name})),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    json_of(response).await["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_ci_cd_flow_deploys_from_definitions_and_round_trips_through_git() {
    let sandbox = Sandbox::builder()
        .without_demo_content()
        .start()
        .await
        .unwrap();
    let token = fabric_token(&sandbox).await;
    let dev = new_workspace(&token, &sandbox, "Sales (dev)").await;

    let model = create_item(
        &token,
        &sandbox,
        &dev,
        "SemanticModel",
        "Sales",
        semantic_model_definition(),
    )
    .await;
    assert_eq!(model["type"], "SemanticModel");
    assert_eq!(model["workspaceId"], dev.as_str());
    let model_id = model["id"].as_str().unwrap().to_owned();
    let report = create_item(
        &token,
        &sandbox,
        &dev,
        "Report",
        "Sales report",
        report_definition("v1"),
    )
    .await;
    let report_id = report["id"].as_str().unwrap().to_owned();

    // The definition comes back byte for byte, .platform included.
    assert_eq!(
        definition_of(&token, &sandbox, &dev, &model_id).await,
        semantic_model_definition()
    );
    assert_eq!(
        definition_of(&token, &sandbox, &dev, &report_id).await,
        report_definition("v1")
    );

    // Listed by type.
    let reports = json_of(
        call(
            &token,
            Method::GET,
            &url(&sandbox, &format!("/workspaces/{dev}/items?type=Report")),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(reports["value"].as_array().unwrap().len(), 1);
    assert_eq!(reports["value"][0]["displayName"], "Sales report");

    // The kind's own routes see the same items, and only theirs.
    let models = json_of(
        call(
            &token,
            Method::GET,
            &url(&sandbox, &format!("/workspaces/{dev}/semanticModels")),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(models["value"].as_array().unwrap().len(), 1);
    assert_eq!(models["value"][0]["id"], model_id.as_str());
    let wrong_kind = call(
        &token,
        Method::GET,
        &url(&sandbox, &format!("/workspaces/{dev}/notebooks/{model_id}")),
        None,
    )
    .await;
    assert_eq!(wrong_kind.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        definition_of_kind(&token, &sandbox, &dev, "semanticModels", &model_id).await,
        semantic_model_definition()
    );

    // Git: connect, everything is an addition, commit, nothing left.
    connect(&token, &sandbox, &dev).await;
    let init = json_of(
        call(
            &token,
            Method::POST,
            &url(
                &sandbox,
                &format!("/workspaces/{dev}/git/initializeConnection"),
            ),
            Some(json!({})),
        )
        .await,
    )
    .await;
    assert_eq!(init["requiredAction"], "CommitToGit");
    let status = git_status(&token, &sandbox, &dev).await;
    assert_eq!(status["changes"].as_array().unwrap().len(), 2);
    assert!(
        status["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["workspaceChange"] == "Added")
    );
    let commit = json!({"mode": "All", "comment": "first deployment"});
    let accepted = call(
        &token,
        Method::POST,
        &url(&sandbox, &format!("/workspaces/{dev}/git/commitToGit")),
        Some(commit.clone()),
    )
    .await;
    assert_eq!(finish(&token, accepted).await, None);
    let status = git_status(&token, &sandbox, &dev).await;
    assert_eq!(status["changes"], json!([]));
    let first_commit = status["remoteCommitHash"].as_str().unwrap().to_owned();
    assert_eq!(status["workspaceHead"], first_commit.as_str());
    let connection = json_of(
        call(
            &token,
            Method::GET,
            &url(&sandbox, &format!("/workspaces/{dev}/git/connection")),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(connection["gitConnectionState"], "ConnectedAndInitialized");
    assert_eq!(connection["gitSyncDetails"]["head"], first_commit.as_str());

    // A change in the workspace shows as Modified, and is committed.
    let update = json!({"definition": report_definition("v2")});
    let accepted = call(
        &token,
        Method::POST,
        &url(
            &sandbox,
            &format!("/workspaces/{dev}/items/{report_id}/updateDefinition"),
        ),
        Some(update),
    )
    .await;
    assert_eq!(finish(&token, accepted).await, None);
    let status = git_status(&token, &sandbox, &dev).await;
    assert_eq!(status["changes"].as_array().unwrap().len(), 1);
    assert_eq!(status["changes"][0]["workspaceChange"], "Modified");
    assert_eq!(
        status["changes"][0]["itemMetadata"]["itemIdentifier"]["objectId"],
        report_id.as_str()
    );
    let accepted = call(
        &token,
        Method::POST,
        &url(&sandbox, &format!("/workspaces/{dev}/git/commitToGit")),
        Some(commit),
    )
    .await;
    finish(&token, accepted).await;

    // Production connects to the same branch and updates from Git: the same definitions.
    let prod = new_workspace(&token, &sandbox, "Sales (prod)").await;
    connect(&token, &sandbox, &prod).await;
    let status = git_status(&token, &sandbox, &prod).await;
    assert!(status["workspaceHead"].is_null());
    assert!(
        status["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["remoteChange"] == "Added")
    );
    let update = json!({"remoteCommitHash": status["remoteCommitHash"], "conflictResolution": {"conflictResolutionType": "Workspace", "conflictResolutionPolicy": "PreferRemote"}});
    let accepted = call(
        &token,
        Method::POST,
        &url(&sandbox, &format!("/workspaces/{prod}/git/updateFromGit")),
        Some(update),
    )
    .await;
    finish(&token, accepted).await;
    let items = json_of(
        call(
            &token,
            Method::GET,
            &url(&sandbox, &format!("/workspaces/{prod}/items?type=Report")),
            None,
        )
        .await,
    )
    .await;
    let prod_report = items["value"][0]["id"].as_str().unwrap().to_owned();
    assert_ne!(prod_report, report_id);
    assert_eq!(
        definition_of(&token, &sandbox, &prod, &prod_report).await,
        report_definition("v2")
    );
    assert_eq!(
        git_status(&token, &sandbox, &prod).await["changes"],
        json!([])
    );

    // A change in production is undone by updating from Git again.
    let drift = json!({"definition": report_definition("hotfix")});
    let accepted = call(
        &token,
        Method::POST,
        &url(
            &sandbox,
            &format!("/workspaces/{prod}/items/{prod_report}/updateDefinition"),
        ),
        Some(drift),
    )
    .await;
    finish(&token, accepted).await;
    let update = json!({"conflictResolution": {"conflictResolutionType": "Workspace", "conflictResolutionPolicy": "PreferRemote"}});
    let accepted = call(
        &token,
        Method::POST,
        &url(&sandbox, &format!("/workspaces/{prod}/git/updateFromGit")),
        Some(update),
    )
    .await;
    finish(&token, accepted).await;
    assert_eq!(
        definition_of(&token, &sandbox, &prod, &prod_report).await,
        report_definition("v2")
    );
}

#[tokio::test]
async fn items_without_definitions_workspaces_roles_and_folders() {
    let sandbox = Sandbox::builder()
        .without_demo_content()
        .start()
        .await
        .unwrap();
    sandbox.add_fabric_capacity("0f084df7-c13d-451b-af5f-ed0c466403b2", "Contoso F64", "F64");
    let token = fabric_token(&sandbox).await;
    let ws = new_workspace(&token, &sandbox, "Lab").await;
    let duplicate = call(
        &token,
        Method::POST,
        &url(&sandbox, "/workspaces"),
        Some(json!({"displayName": "lab"})),
    )
    .await;
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);
    assert_eq!(
        json_of(duplicate).await["errorCode"],
        "WorkspaceNameAlreadyExists"
    );

    let created = call(
        &token,
        Method::POST,
        &url(&sandbox, &format!("/workspaces/{ws}/items")),
        Some(json!({"displayName": "Scratch", "type": "Notebook"})),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let item = json_of(created).await;
    let item_id = item["id"].as_str().unwrap();
    let renamed = call(
        &token,
        Method::PATCH,
        &url(&sandbox, &format!("/workspaces/{ws}/items/{item_id}")),
        Some(json!({"displayName": "Scratchpad"})),
    )
    .await;
    assert_eq!(json_of(renamed).await["displayName"], "Scratchpad");
    // A definition the item never had: the service still answers its .platform.
    let definition = definition_of(&token, &sandbox, &ws, item_id).await;
    assert_eq!(definition["parts"][0]["path"], ".platform");
    let deleted = call(
        &token,
        Method::DELETE,
        &url(&sandbox, &format!("/workspaces/{ws}/items/{item_id}")),
        None,
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    let gone = call(
        &token,
        Method::GET,
        &url(&sandbox, &format!("/workspaces/{ws}/items/{item_id}")),
        None,
    )
    .await;
    assert_eq!(json_of(gone).await["errorCode"], "ItemNotFound");

    let role = json!({"principal": {"id": demo::USER_OBJECT_ID, "type": "User"}, "role": "Viewer"});
    let added = call(
        &token,
        Method::POST,
        &url(&sandbox, &format!("/workspaces/{ws}/roleAssignments")),
        Some(role),
    )
    .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let roles = json_of(
        call(
            &token,
            Method::GET,
            &url(&sandbox, &format!("/workspaces/{ws}/roleAssignments")),
            None,
        )
        .await,
    )
    .await;
    let listed: Vec<&str> = roles["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["Admin", "Viewer"]);
    let removed = call(
        &token,
        Method::DELETE,
        &url(
            &sandbox,
            &format!("/workspaces/{ws}/roleAssignments/{}", demo::USER_OBJECT_ID),
        ),
        None,
    )
    .await;
    assert_eq!(removed.status(), StatusCode::OK);

    let folder = call(
        &token,
        Method::POST,
        &url(&sandbox, &format!("/workspaces/{ws}/folders")),
        Some(json!({"displayName": "Finance"})),
    )
    .await;
    assert_eq!(folder.status(), StatusCode::CREATED);
    let parent = json_of(folder).await["id"].as_str().unwrap().to_owned();
    let child = call(
        &token,
        Method::POST,
        &url(&sandbox, &format!("/workspaces/{ws}/folders")),
        Some(json!({"displayName": "Q1", "parentFolderId": parent})),
    )
    .await;
    assert_eq!(json_of(child).await["parentFolderId"], parent.as_str());
    let folders = json_of(
        call(
            &token,
            Method::GET,
            &url(&sandbox, &format!("/workspaces/{ws}/folders")),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(folders["value"].as_array().unwrap().len(), 2);

    let capacities =
        json_of(call(&token, Method::GET, &url(&sandbox, "/capacities"), None).await).await;
    assert_eq!(capacities["value"][0]["displayName"], "Contoso F64");
    let renamed = call(
        &token,
        Method::PATCH,
        &url(&sandbox, &format!("/workspaces/{ws}")),
        Some(json!({"description": "experiments"})),
    )
    .await;
    assert_eq!(json_of(renamed).await["description"], "experiments");
    let deleted = call(
        &token,
        Method::DELETE,
        &url(&sandbox, &format!("/workspaces/{ws}")),
        None,
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    let gone = call(
        &token,
        Method::GET,
        &url(&sandbox, &format!("/workspaces/{ws}")),
        None,
    )
    .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

async fn job_states(token: &str, location: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    for _ in 0..3 {
        let response = call(token, Method::GET, location, None).await;
        assert_eq!(response.status(), StatusCode::OK);
        seen.push(json_of(response).await);
    }
    seen
}

fn statuses(jobs: &[Value]) -> Vec<&str> {
    jobs.iter()
        .map(|job| job["status"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn jobs_run_on_demand_complete_fail_and_cancel() {
    let notebook = FabricItemSeed::new("Notebook", "Nightly load")
        .definition_part("notebook-content.py", b"print(1)\n");
    let broken =
        FabricItemSeed::new("DataPipeline", "Broken copy").failing_jobs("Source table not found");
    let workspace = WorkspaceSeed::new("Jobs")
        .service_principal(demo::SP_OBJECT_ID, Role::Contributor)
        .fabric_item(notebook.clone())
        .fabric_item(broken.clone());
    let sandbox = Sandbox::builder()
        .without_demo_content()
        .workspace(workspace.clone())
        .start()
        .await
        .unwrap();
    let token = fabric_token(&sandbox).await;
    let ws = workspace.id();

    let run = call(
        &token,
        Method::POST,
        &url(
            &sandbox,
            &format!(
                "/workspaces/{ws}/items/{}/jobs/instances?jobType=RunNotebook",
                notebook.id()
            ),
        ),
        None,
    )
    .await;
    assert_eq!(run.status(), StatusCode::ACCEPTED);
    assert_eq!(header(&run, "retry-after"), "1");
    let location = header(&run, "location");
    let jobs = job_states(&token, &location).await;
    assert_eq!(statuses(&jobs), ["NotStarted", "InProgress", "Completed"]);
    assert_eq!(jobs[2]["jobType"], "RunNotebook");
    assert!(jobs[2]["failureReason"].is_null());

    let run = call(
        &token,
        Method::POST,
        &url(
            &sandbox,
            &format!(
                "/workspaces/{ws}/items/{}/jobs/Pipeline/instances",
                broken.id()
            ),
        ),
        None,
    )
    .await;
    let jobs = job_states(&token, &header(&run, "location")).await;
    assert_eq!(statuses(&jobs), ["NotStarted", "InProgress", "Failed"]);
    assert_eq!(
        jobs[2]["failureReason"]["message"],
        "Source table not found"
    );

    let run = call(
        &token,
        Method::POST,
        &url(
            &sandbox,
            &format!(
                "/workspaces/{ws}/items/{}/jobs/instances?jobType=RunNotebook",
                notebook.id()
            ),
        ),
        None,
    )
    .await;
    let location = header(&run, "location");
    let cancel = call(&token, Method::POST, &format!("{location}/cancel"), None).await;
    assert_eq!(cancel.status(), StatusCode::ACCEPTED);
    assert_eq!(header(&cancel, "location"), location);
    assert_eq!(
        json_of(call(&token, Method::GET, &location, None).await).await["status"],
        "Cancelled"
    );

    let list = json_of(
        call(
            &token,
            Method::GET,
            &url(
                &sandbox,
                &format!("/workspaces/{ws}/items/{}/jobs/instances", notebook.id()),
            ),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        statuses(list["value"].as_array().unwrap()),
        ["Completed", "Cancelled"]
    );
}

#[tokio::test]
async fn lists_page_with_continuation_uris() {
    let sandbox = Sandbox::builder()
        .without_demo_content()
        .start()
        .await
        .unwrap();
    sandbox.set_fabric_page_size(2);
    let token = fabric_token(&sandbox).await;
    for n in 0..5 {
        new_workspace(&token, &sandbox, &format!("Workspace {n}")).await;
    }
    let mut next = Some(url(&sandbox, "/workspaces"));
    let mut names = Vec::new();
    let mut pages = 0;
    while let Some(page_url) = next {
        let page = json_of(call(&token, Method::GET, &page_url, None).await).await;
        pages += 1;
        names.extend(
            page["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|ws| ws["displayName"].as_str().unwrap().to_owned()),
        );
        next = page["continuationUri"].as_str().map(str::to_owned);
        if let Some(uri) = &next {
            assert!(uri.contains(&format!(
                "continuationToken={}",
                page["continuationToken"].as_str().unwrap()
            )));
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..5).map(|n| format!("Workspace {n}")).collect();
    assert_eq!(names, expected);
    let bad = call(
        &token,
        Method::GET,
        &url(&sandbox, "/workspaces?continuationToken=nonsense"),
        None,
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn errors_have_fabric_shape_and_faults_throttle_fabric_routes() {
    let sandbox = Sandbox::builder()
        .without_demo_content()
        .start()
        .await
        .unwrap();
    let token = fabric_token(&sandbox).await;
    let missing = call(
        &token,
        Method::GET,
        &url(&sandbox, "/workspaces/1b1c5e5a-0000-4000-8000-000000000001"),
        None,
    )
    .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let request_id = header(&missing, "requestid");
    let body = json_of(missing).await;
    assert_eq!(body["errorCode"], "WorkspaceNotFound");
    assert_eq!(body["requestId"], request_id.as_str());
    assert_eq!(body["moreDetails"], json!([]));
    assert_eq!(body["isRetriable"], false);
    assert_eq!(body["relatedResource"]["resourceType"], "Workspace");

    sandbox.set_faults(Some(
        FaultPlan::script([Some(Fault::Throttle { retry_after: 7 })])
            .endpoint("GET", "/v1/workspaces"),
    ));
    let throttled = call(&token, Method::GET, &url(&sandbox, "/workspaces"), None).await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&throttled, "retry-after"), "7");
    let request_id = header(&throttled, "requestid");
    let body = json_of(throttled).await;
    assert_eq!(body["isRetriable"], true);
    assert_eq!(body["requestId"], request_id.as_str());
    assert!(body["errorCode"].is_string() && body["message"].is_string());
    let after = call(&token, Method::GET, &url(&sandbox, "/workspaces"), None).await;
    assert_eq!(after.status(), StatusCode::OK);
    assert_eq!(sandbox.faults_injected().len(), 1);
    let recorded = sandbox.recorded_requests();
    assert_eq!(
        recorded
            .iter()
            .filter(|request| request.is_fabric())
            .count(),
        3
    );
    assert!(recorded.iter().all(|request| !request.is_api()));
}

#[tokio::test]
async fn fabric_accepts_fabric_and_power_bi_audiences_only() {
    let sandbox = Sandbox::builder()
        .without_demo_content()
        .start()
        .await
        .unwrap();
    let fabric = fabric_token(&sandbox).await;
    let power_bi = token_for(&sandbox, demo::POWER_BI_DEFAULT_SCOPE).await;
    let graph = token_for(&sandbox, "https://graph.microsoft.com/.default").await;
    for accepted in [&fabric, &power_bi] {
        let response = call(accepted, Method::GET, &url(&sandbox, "/workspaces"), None).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let refused = call(&graph, Method::GET, &url(&sandbox, "/workspaces"), None).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let body = json_of(refused).await;
    assert_eq!(body["errorCode"], "InvalidToken");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("graph.microsoft.com")
    );
    let anonymous = http()
        .get(url(&sandbox, "/workspaces"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // Power BI refuses the Graph token too, in its own way.
    let power_bi_route = format!("{}/v1.0/myorg/groups", sandbox.api_base_url());
    let refused = http()
        .get(power_bi_route)
        .bearer_auth(&graph)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // The token's audience is the one asked for, on the v1 endpoint too.
    let payload = fabric.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["aud"], demo::FABRIC_RESOURCE);
    let v1 = http()
        .post(format!(
            "{}/{}/oauth2/token",
            sandbox.authority_host(),
            demo::TENANT_ID
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", demo::SP_CLIENT_ID),
            ("client_secret", demo::SP_CLIENT_SECRET),
            ("resource", demo::FABRIC_RESOURCE),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(v1).await["resource"], demo::FABRIC_RESOURCE);
}

#[tokio::test]
async fn unmodelled_operations_answer_microsofts_examples() {
    let sandbox = Sandbox::start().await.unwrap();
    let token = fabric_token(&sandbox).await;
    let connections = call(&token, Method::GET, &url(&sandbox, "/connections"), None).await;
    assert_eq!(connections.status(), StatusCode::OK);
    assert_eq!(
        header(&connections, EXAMPLE_ANSWER_HEADER),
        "Connections_ListConnections"
    );
    assert!(json_of(connections).await["value"].is_array());
    let created = call(
        &token,
        Method::POST,
        &url(&sandbox, "/workspaces/any/eventhouses"),
        Some(json!({})),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(
        header(&created, EXAMPLE_ANSWER_HEADER),
        "Items_CreateEventhouse"
    );
    let unknown = call(&token, Method::GET, &url(&sandbox, "/no/such/thing"), None).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_of(unknown).await["errorCode"], "EntityNotFound");
    // Seeded Power BI workspaces are Fabric workspaces too, with their datasets as items.
    let listed =
        json_of(call(&token, Method::GET, &url(&sandbox, "/workspaces"), None).await).await;
    let first = listed["value"][0]["id"]
        .as_str()
        .expect("the demo SP sees a demo workspace")
        .to_owned();
    let items = call(
        &token,
        Method::GET,
        &url(&sandbox, &format!("/workspaces/{first}/items")),
        None,
    )
    .await;
    assert_eq!(items.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_user_signs_in_for_fabric_and_creates_a_workspace() {
    let sandbox = Sandbox::builder()
        .without_demo_content()
        .start()
        .await
        .unwrap();
    let response = http()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            sandbox.authority_host(),
            demo::TENANT_ID
        ))
        .form(&[
            ("grant_type", "password"),
            ("client_id", demo::PUBLIC_CLIENT_ID),
            ("username", demo::USER_NAME),
            ("password", demo::USER_PASSWORD),
            (
                "scope",
                "https://api.fabric.microsoft.com/Workspace.ReadWrite.All",
            ),
        ])
        .send()
        .await
        .unwrap();
    let granted = json_of(response).await;
    assert_eq!(
        granted["scope"],
        "https://api.fabric.microsoft.com/Workspace.ReadWrite.All"
    );
    let token = granted["access_token"].as_str().unwrap();
    let ws = new_workspace(token, &sandbox, "Mine").await;
    let roles = json_of(
        call(
            token,
            Method::GET,
            &url(&sandbox, &format!("/workspaces/{ws}/roleAssignments")),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(roles["value"][0]["principal"]["id"], demo::USER_OBJECT_ID);
    assert_eq!(roles["value"][0]["principal"]["type"], "User");
}

#[tokio::test]
async fn poll_steps_and_retry_after_are_settings() {
    let sandbox = Sandbox::builder()
        .without_demo_content()
        .start()
        .await
        .unwrap();
    sandbox.set_fabric_poll_steps(0);
    sandbox.set_fabric_retry_after(0);
    let token = fabric_token(&sandbox).await;
    let ws = new_workspace(&token, &sandbox, "Fast").await;
    let body = json!({"displayName": "Sales", "type": "SemanticModel", "definition": semantic_model_definition()});
    let accepted = call(
        &token,
        Method::POST,
        &url(&sandbox, &format!("/workspaces/{ws}/items")),
        Some(body),
    )
    .await;
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    assert_eq!(header(&accepted, "retry-after"), "0");
    let state = call(&token, Method::GET, &header(&accepted, "location"), None).await;
    assert_eq!(json_of(state).await["status"], "Succeeded");

    sandbox.set_fabric_poll_steps(4);
    let item = json_of(
        call(
            &token,
            Method::GET,
            &url(&sandbox, &format!("/workspaces/{ws}/items")),
            None,
        )
        .await,
    )
    .await["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let run = call(
        &token,
        Method::POST,
        &url(
            &sandbox,
            &format!("/workspaces/{ws}/items/{item}/jobs/instances?jobType=Refresh"),
        ),
        None,
    )
    .await;
    let location = header(&run, "location");
    let mut seen = Vec::new();
    for _ in 0..5 {
        let job = json_of(call(&token, Method::GET, &location, None).await).await;
        seen.push(job["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        seen,
        [
            "NotStarted",
            "InProgress",
            "InProgress",
            "InProgress",
            "Completed"
        ]
    );
}
