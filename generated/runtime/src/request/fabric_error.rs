//! Fabric's error shape (`ErrorResponse` in Microsoft's `common/definitions.json`):
//! `errorCode`, `message`, `requestId`, `moreDetails[]`, `relatedResource`, `isRetriable`,
//! read into the one [`ApiError`](crate::ApiError), and the hints for the Fabric
//! codes users hit most. Bounded: at most [`MAX_DETAILS`] details, every text capped.

use serde_json::Value;

use super::super::auth::IdentityKind;
use super::super::error::{ErrorDetail, MAX_DETAILS, RelatedResource};

/// The longest text kept of a detail's code, message or resource, in characters.
const DETAIL_CHARS: usize = 512;

/// What Fabric's error shape adds to the code and message.
#[derive(Default)]
pub(super) struct FabricFields {
    pub(super) more_details: Vec<ErrorDetail>,
    pub(super) related_resource: Option<RelatedResource>,
    pub(super) is_retriable: Option<bool>,
    pub(super) request_id: Option<String>,
}

/// Reads the Fabric fields of an error document (nothing when it has none).
pub(super) fn fabric_fields(json: &Value) -> FabricFields {
    let more_details = json
        .get("moreDetails")
        .and_then(Value::as_array)
        .map(|details| {
            details
                .iter()
                .filter(|detail| detail.is_object())
                .take(MAX_DETAILS)
                .map(|detail| ErrorDetail {
                    code: text(detail.get("errorCode")),
                    message: text(detail.get("message")),
                    related_resource: related(detail.get("relatedResource")),
                })
                .collect()
        })
        .unwrap_or_default();
    FabricFields {
        more_details,
        related_resource: related(json.get("relatedResource")),
        is_retriable: json.get("isRetriable").and_then(Value::as_bool),
        request_id: text(json.get("requestId")),
    }
}

fn related(value: Option<&Value>) -> Option<RelatedResource> {
    let value = value?;
    let resource_id = text(value.get("resourceId"));
    let resource_type = text(value.get("resourceType"));
    if resource_id.is_none() && resource_type.is_none() {
        return None;
    }
    Some(RelatedResource {
        resource_id: resource_id.unwrap_or_default(),
        resource_type: resource_type.unwrap_or_default(),
    })
}

/// A non-empty text value, capped.
fn text(value: Option<&Value>) -> Option<String> {
    let text = value?.as_str()?.trim();
    if text.is_empty() {
        return None;
    }
    Some(match text.char_indices().nth(DETAIL_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    })
}

/// The hint for a Fabric error code users hit most, addressed to the caller's identity.
pub(super) fn fabric_hint(code: &str, identity: IdentityKind) -> Option<String> {
    let hint = match code {
        "InsufficientScopes" => match identity {
            IdentityKind::ServicePrincipal => {
                "the API is not open to this caller: admin APIs need a Fabric administrator, or a service principal allowed by 'Service principals can access read-only admin APIs'"
            }
            _ => {
                "the user's token lacks a delegated scope the operation needs (its documentation lists them): ask for them with PowerBiClientBuilder::fabric_scope and consent them for the app"
            }
        },
        "PrincipalTypeNotSupported" => match identity {
            IdentityKind::User => {
                "the operation does not accept this identity type (its documentation's 'Microsoft Entra supported identities' table says which it accepts)"
            }
            _ => {
                "the operation does not accept service principals or managed identities (its documentation's 'Microsoft Entra supported identities' table): call it signed in as a user"
            }
        },
        "FeatureNotAvailable"
        | "WorkspaceHasNoCapacityAssigned"
        | "CapacityNotActive"
        | "CapacityNotInActiveState"
        | "CapacityLimitExceeded" => {
            "the workspace needs an active Fabric capacity (an F or P SKU, not paused) on which the feature is enabled: assign one to the workspace or resume it"
        }
        "ItemDisplayNameAlreadyInUse"
        | "FolderDisplayNameAlreadyInUse"
        | "WorkspaceNameAlreadyExists"
        | "PotentialDuplicateDisplayNameAndType" => {
            "the name is taken (names are unique per item type in a workspace, and per tenant for workspaces): choose another, or update the existing one"
        }
        "ItemNotFound" | "EntityNotFound" | "WorkspaceNotFound" | "FolderNotFound" => {
            match identity {
                IdentityKind::ServicePrincipal => {
                    "the resource does not exist, or the service principal cannot see it: give it a role in the workspace (Contributor or higher to change items)"
                }
                _ => {
                    "the resource does not exist, or the caller cannot see it (no role in its workspace)"
                }
            }
        }
        "RequestBlocked" | "TooManyRequests" | "TooManyRequestsForJobs" => {
            "throttled (per caller and API): wait for Retry-After before calling again"
        }
        "TenantSwitchDisabled" | "Unauthorized" if identity != IdentityKind::User => {
            "a service principal needs the tenant setting 'Service principals can use Fabric APIs' enabled for it (or a security group it is in) and a role in the workspace"
        }
        "InsufficientPrivileges" | "InsufficientWorkspaceRole" | "MissingMinimalPermissions" => {
            "the caller's workspace role or item permission is too low for this operation: give it a higher role"
        }
        _ => return None,
    };
    Some(hint.to_owned())
}

#[cfg(test)]
mod tests {
    use super::super::api_error::{api_error_at, parse};
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> reqwest::header::HeaderMap {
        let mut map = reqwest::header::HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                reqwest::header::HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn fabrics_shape_is_read_into_one_line_with_a_hint() {
        let body = br#"{"requestId":"0b8e2c1a-1111-2222-3333-444455556666","errorCode":"ItemDisplayNameAlreadyInUse",
            "message":"Requested 'Sales' is already in use","isRetriable":false,
            "relatedResource":{"resourceId":"f2d65699","resourceType":"Item"},
            "moreDetails":[{"errorCode":"Conflict","message":"line one\nline two","relatedResource":{"resourceId":"w1","resourceType":"Workspace"}}]}"#;
        let url =
            url::Url::parse("https://api.fabric.microsoft.com/v1/workspaces/w1/items").unwrap();
        let error = api_error_at(
            "create_item",
            &reqwest::Method::POST,
            &url,
            409,
            &headers(&[]),
            body,
            None,
            IdentityKind::ServicePrincipal,
            std::time::SystemTime::now(),
        );
        assert_eq!(error.code.as_deref(), Some("ItemDisplayNameAlreadyInUse"));
        assert_eq!(
            error.request_id.as_deref(),
            Some("0b8e2c1a-1111-2222-3333-444455556666")
        );
        assert_eq!(error.is_retriable, Some(false));
        assert!(!error.is_retryable());
        assert_eq!(error.more_details.len(), 1);
        let line = error.to_string();
        assert!(!line.contains('\n'), "{line}");
        for part in [
            "HTTP 409",
            "ItemDisplayNameAlreadyInUse",
            "[Item f2d65699]",
            "Conflict: line one [Workspace w1]",
            "RequestId 0b8e2c1a",
            "hint: the name is taken",
        ] {
            assert!(line.contains(part), "{part} in {line}");
        }
    }

    #[test]
    fn hostile_details_are_bounded() {
        let detail = serde_json::json!({"errorCode": "X".repeat(5000), "message": 7,
            "relatedResource": {"resourceId": ["no"], "resourceType": null}});
        let body = serde_json::json!({"errorCode": "TooManyRequests", "message": "slow down",
            "moreDetails": vec![detail; 500], "relatedResource": "not an object",
            "isRetriable": "yes", "requestId": 5});
        let bytes = serde_json::to_vec(&body).unwrap();
        let error = parse(
            429,
            &headers(&[("Retry-After", "99999999999999999999")]),
            &bytes,
            std::time::SystemTime::now(),
        );
        assert_eq!(error.more_details.len(), MAX_DETAILS);
        assert!(error.more_details[0].code.as_ref().unwrap().chars().count() <= DETAIL_CHARS + 1);
        assert_eq!(error.more_details[0].message, None);
        assert_eq!(error.more_details[0].related_resource, None);
        assert_eq!(error.related_resource, None);
        assert_eq!(error.is_retriable, None);
        assert_eq!(error.request_id, None);
        let line = error.to_string();
        assert!(line.contains("and 13 more"), "{line}");
        assert!(line.len() < 2 * 3 * DETAIL_CHARS + 1024, "{}", line.len());
    }

    #[test]
    fn the_codes_users_hit_most_have_hints() {
        for code in [
            "InsufficientScopes",
            "PrincipalTypeNotSupported",
            "FeatureNotAvailable",
            "CapacityNotActive",
            "ItemDisplayNameAlreadyInUse",
            "WorkspaceNameAlreadyExists",
            "ItemNotFound",
            "EntityNotFound",
            "RequestBlocked",
            "TooManyRequests",
        ] {
            for identity in [IdentityKind::User, IdentityKind::ServicePrincipal] {
                assert!(fabric_hint(code, identity).is_some(), "{code}");
            }
        }
        assert!(
            fabric_hint("PrincipalTypeNotSupported", IdentityKind::ServicePrincipal)
                .unwrap()
                .contains("as a user")
        );
        assert_eq!(fabric_hint("SomethingElse", IdentityKind::User), None);
    }
}
