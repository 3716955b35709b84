//! Fixed identities and item ids of the demo tenant every sandbox starts with.
//!
//! The directory (tenant, applications, users) is always present; the items
//! (workspaces, datasets, reports, dashboards, tiles) are seeded into each new
//! sandbox, so tests can address them by these ids, unless it is started with
//! [`SandboxBuilder::without_demo_content`](crate::SandboxBuilder::without_demo_content).

/// The tenant id (GUID) the token endpoint accepts.
pub const TENANT_ID: &str = "8533afa0-8f04-4be7-81b8-f80742b6bb3d";
/// The tenant's verified domain, accepted in place of [`TENANT_ID`].
pub const TENANT_DOMAIN: &str = "contoso.onmicrosoft.com";

/// The Power BI resource (token audience).
pub const POWER_BI_RESOURCE: &str = "https://analysis.windows.net/powerbi/api";
/// The scope of an app-only Power BI token (client-credentials grant).
pub const POWER_BI_DEFAULT_SCOPE: &str = "https://analysis.windows.net/powerbi/api/.default";
/// The Microsoft Fabric resource (token audience); Fabric routes also accept Power BI tokens.
pub const FABRIC_RESOURCE: &str = "https://api.fabric.microsoft.com";
/// The scope of an app-only Fabric token (client-credentials grant).
pub const FABRIC_DEFAULT_SCOPE: &str = "https://api.fabric.microsoft.com/.default";
/// Microsoft Graph (token audience): the token endpoint issues app-only tokens for it, which
/// neither API accepts (for tests of a token sent to the wrong service).
pub const GRAPH_RESOURCE: &str = "https://graph.microsoft.com";

/// Application (client) id of the demo service principal.
pub const SP_CLIENT_ID: &str = "803921a7-0037-436f-80f5-24458b2a2b87";
/// Client secret of the demo service principal; it holds characters that
/// must be percent-encoded in a form body or a Basic credential.
pub const SP_CLIENT_SECRET: &str = "sbx~Secret+/=%Value.42";
/// Object id of the demo service principal (the id used for workspace membership).
pub const SP_OBJECT_ID: &str = "48fb82e3-1856-4801-9bf8-a2c2b44232b1";
/// Display name of the demo service principal.
pub const SP_DISPLAY_NAME: &str = "Contoso Reporting Service";

/// Application (client) id of a second service principal that belongs to no workspace.
pub const OUTSIDER_SP_CLIENT_ID: &str = "5df9b2c2-446c-4c64-b4f9-93361dec3d23";
/// Client secret of the outsider service principal.
pub const OUTSIDER_SP_CLIENT_SECRET: &str = "outsider~Secret.7";
/// Object id of the outsider service principal.
pub const OUTSIDER_SP_OBJECT_ID: &str = "8448244a-ecd9-4e5b-ac08-90cfc1ed41a1";
/// Display name of the outsider service principal.
pub const OUTSIDER_SP_DISPLAY_NAME: &str = "Contoso Outsider Service";

/// Public client application allowing the password grant; every Power BI
/// delegated scope is consented for it.
pub const PUBLIC_CLIENT_ID: &str = "9f5ed9c3-d2b2-409f-a18a-3f6b7f4ad009";
/// Public client application whose consented scopes are only the `*.Read.All` ones.
pub const READONLY_PUBLIC_CLIENT_ID: &str = "15c95749-b397-4806-8ed6-4d66c1837f8e";

/// User principal name of the demo user who can sign in with the password grant.
pub const USER_NAME: &str = "analyst@contoso.onmicrosoft.com";
/// Password of the demo user; it holds characters that must be form-encoded.
pub const USER_PASSWORD: &str = "Sbx P@ss&word=1+%";
/// Object id of the demo user.
pub const USER_OBJECT_ID: &str = "5f623ef7-b572-4d7b-9bb8-e6cbc7ebfdb5";
/// Display name of the demo user.
pub const USER_DISPLAY_NAME: &str = "Avery Analyst";

/// Workspace "Sales Analytics": the demo user and the demo service principal are Admins.
pub const SALES_WORKSPACE_ID: &str = "a5c038c3-6622-4977-bbf2-73fbd3d2f085";
/// Name of the Sales Analytics workspace.
pub const SALES_WORKSPACE_NAME: &str = "Sales Analytics";
/// Dataset "Sales" in Sales Analytics (has parameters, a SQL datasource and refresh history).
pub const SALES_DATASET_ID: &str = "13c63092-26dd-45bb-bf4a-3bbdfa0af51a";
/// Dataset "Sales Targets" in Sales Analytics.
pub const SALES_TARGETS_DATASET_ID: &str = "3927afd3-abb2-4788-95fb-1e0f825b2112";
/// Report "Sales Overview" in Sales Analytics, bound to [`SALES_DATASET_ID`], three pages.
pub const SALES_REPORT_ID: &str = "37739499-6356-4068-89d5-38fba07ba51b";
/// Report "Targets vs Actuals" in Sales Analytics, bound to [`SALES_TARGETS_DATASET_ID`].
pub const SALES_TARGETS_REPORT_ID: &str = "c05b4620-b895-45f8-8fce-d03317aeb879";
/// Dashboard "Sales Pulse" in Sales Analytics, three tiles.
pub const SALES_DASHBOARD_ID: &str = "660f8732-c762-425d-bd92-a3eba1046841";
/// Tile "Revenue YTD" on the Sales Pulse dashboard.
pub const SALES_TILE_ID: &str = "b9d7dbe6-e559-41e7-bf5e-3ddba511d91d";

/// Workspace "Finance": the demo user is a Member, the service principal is not a member.
pub const FINANCE_WORKSPACE_ID: &str = "e92a4393-68ba-416d-b949-9030a3b78f7f";
/// Name of the Finance workspace.
pub const FINANCE_WORKSPACE_NAME: &str = "Finance";
/// Dataset "General Ledger" in Finance.
pub const FINANCE_DATASET_ID: &str = "ac3bb23b-472f-410c-af56-b1356a8678c2";
/// Report "P&L Statement" in Finance.
pub const FINANCE_REPORT_ID: &str = "ef2c0e8b-b15a-4628-88f2-62991b18c514";
/// User principal name of the Finance workspace Admin (a directory user who cannot sign in).
pub const FINANCE_ADMIN_NAME: &str = "finance.lead@contoso.onmicrosoft.com";

/// Dataset "Personal Budget" in the demo user's My workspace.
pub const MY_WORKSPACE_DATASET_ID: &str = "0e43acd6-291f-4aa8-9a96-0d86ef7e4200";
/// Report "Budget Tracker" in the demo user's My workspace.
pub const MY_WORKSPACE_REPORT_ID: &str = "9ad0533c-0716-4e1a-ace5-2719c1930557";
/// Dashboard "My Dashboard" in the demo user's My workspace.
pub const MY_WORKSPACE_DASHBOARD_ID: &str = "ec93d091-cc64-470d-aea0-3641ac14fc01";
/// The single tile of "My Dashboard".
pub const MY_WORKSPACE_TILE_ID: &str = "7006e25d-a1bb-4f06-bb2b-b035cb31d042";

/// On-premises gateway "Contoso Gateway" with a 2048-bit key (Microsoft's larger-key layout);
/// the demo user and the demo service principal administer it. The seeded datasets'
/// datasources ([`GATEWAY_SQL_DATASOURCE_ID`] and the Analysis Services one) live on it.
pub const GATEWAY_ID: &str = "d6f3b1a4-2c85-4e97-b0a1-7e4c9d2f6b58";
/// On-premises gateway "Contoso Legacy Gateway" with a 1024-bit key (Microsoft's segmented
/// layout), administered like [`GATEWAY_ID`], without data sources.
pub const GATEWAY_1024_ID: &str = "4b8e2c71-9d3f-4a65-b0e7-1c5f8a2d6e93";
/// The SQL data source of dataset "Sales", on [`GATEWAY_ID`] (no credentials set yet).
pub const GATEWAY_SQL_DATASOURCE_ID: &str = "3c2a9f5e-8d41-4b7a-9e16-0f5d2c7b8a93";

/// A user whose account needs MFA: the password grant answers AADSTS50076.
pub const MFA_USER_NAME: &str = "mfa.user@contoso.onmicrosoft.com";
/// Password of [`MFA_USER_NAME`] (correct, but MFA blocks the password grant).
pub const MFA_USER_PASSWORD: &str = "Mfa~P@ss/word+=%7";
/// A federated (AD FS) domain of the demo tenant.
pub const FEDERATED_DOMAIN: &str = "fabrikam.com";
/// A user of [`FEDERATED_DOMAIN`]: the password grant answers AADSTS50126 and realm discovery
/// says `Federated`.
pub const FEDERATED_USER_NAME: &str = "frankie@fabrikam.com";
/// Password of [`FEDERATED_USER_NAME`] (checked on premises, so never accepted here).
pub const FEDERATED_USER_PASSWORD: &str = "Fed~P@ss/word+=%3";

/// The bearer token a GitHub Actions job presents to its OIDC endpoint
/// (`ACTIONS_ID_TOKEN_REQUEST_TOKEN`).
pub const GITHUB_ACTIONS_REQUEST_TOKEN: &str = "sandbox-github-request-token";
/// The issuer of GitHub Actions' OIDC tokens.
pub const GITHUB_ACTIONS_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// The subject the sandbox's GitHub Actions tokens carry (a workflow on `main`).
pub const GITHUB_ACTIONS_SUBJECT: &str = "repo:contoso/reports:ref:refs/heads/main";
/// The bearer token an Azure Pipelines job presents to its OIDC endpoint (`SYSTEM_ACCESSTOKEN`).
pub const AZURE_PIPELINES_ACCESS_TOKEN: &str = "sandbox-pipelines-access-token";
/// The issuer of Azure Pipelines' OIDC tokens (`https://vstoken.dev.azure.com/{organization id}`).
pub const AZURE_PIPELINES_ISSUER: &str =
    "https://vstoken.dev.azure.com/7c9a3f1e-5b2d-4e8f-9a6c-1d2e3f4a5b6c";
