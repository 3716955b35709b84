//! The grants that prove who asks: client credentials, password and refresh token (the
//! device code grant is in `device.rs`), and the client and scope checks they share.

use super::error::EntraError;
use super::request::TokenRequest;
use super::{GrantContext, JWT_BEARER, TENANT_NAME, assertion};
use crate::app::App;
use crate::directory::{Client, SignIn, Tenant};
use crate::principal::Principal;
use crate::tokens::Audience;
use crate::{demo, scopes};

/// Finds the client named by the request (AADSTS700016 when unknown).
pub(super) fn client(app: &App, request: &TokenRequest) -> Result<Client, EntraError> {
    let client_id = request.client_id()?;
    app.directory().find_client(client_id).ok_or_else(|| {
        EntraError::unauthorized_client(
            700_016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory '{TENANT_NAME}'. This \
                 can happen if the application has not been installed by the administrator of the tenant or \
                 consented to by any user in the tenant. You may have sent your authentication request to the \
                 wrong tenant."
            ),
        )
    })
}

/// Checks the secret or assertion of a confidential client, or that a public client sent none.
fn authenticate_client(
    context: &GrantContext<'_>,
    client: Client,
    request: &TokenRequest,
) -> Result<(), EntraError> {
    match client {
        Client::Public(_) if request.presents_client_credential() => {
            Err(EntraError::invalid_client(
                700_025,
                "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
            ))
        }
        Client::Public(_) => Ok(()),
        Client::Confidential(sp) => {
            if let Some(assertion) = request.get("client_assertion") {
                match request.get("client_assertion_type") {
                    Some(JWT_BEARER) => {}
                    Some(_) => {
                        return Err(EntraError::invalid_request(
                            9_002_313,
                            "Invalid request. The client_assertion_type is not supported.",
                        ));
                    }
                    None => return Err(EntraError::missing("client_assertion_type")),
                }
                return assertion::authenticate(context, sp, assertion);
            }
            match request.client_secret() {
                None => Err(EntraError::invalid_client(
                    7_000_218,
                    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
                )),
                Some(secret)
                    if secret == sp.secret
                        || context
                            .app
                            .lock()
                            .tokens
                            .sign_in
                            .has_extra_secret(sp.client_id, secret) =>
                {
                    Ok(())
                }
                Some(_) => Err(EntraError::invalid_client(
                    7_000_215,
                    format!(
                        "Invalid client secret provided. Ensure the secret being sent in the request is the client \
                         secret value, not the client secret ID, for a secret added to app '{}'.",
                        sp.client_id
                    ),
                )),
            }
        }
    }
}

pub(super) fn client_credentials(
    context: &GrantContext<'_>,
    request: &TokenRequest,
) -> Result<Principal, EntraError> {
    let client = client(context.app, request)?;
    if context.tenant != Tenant::Home {
        return Err(EntraError::invalid_request(
            50_194,
            format!(
                "Application '{}'({}) is not configured as a multi-tenant application. Usage of the /common \
                 endpoint is not supported for such applications created after '10/15/2018'. Use a \
                 tenant-specific endpoint or configure the application to be multi-tenant.",
                client.client_id(),
                client.display_name()
            ),
        ));
    }
    authenticate_client(context, client, request)?;
    let Client::Confidential(sp) = client else {
        // A public client has no credential to prove itself with.
        return Err(EntraError::invalid_client(
            7_000_218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ));
    };
    let scope = context.require_scope()?.trim();
    let known = Audience::of_scope(scope).is_some_and(|audience| {
        scope.eq_ignore_ascii_case(&format!("{}/.default", audience.resource()))
    });
    if !known {
        return Err(match scope.strip_suffix("/.default") {
            Some(resource) => EntraError::invalid_resource(
                500_011,
                format!(
                    "The resource principal named {resource} was not found in the tenant named {TENANT_NAME}. \
                     This can happen if the application has not been installed by the administrator of the \
                     tenant or consented to by any user in the tenant. You might have sent your authentication \
                     request to the wrong tenant."
                ),
            ),
            None => EntraError::invalid_scope(
                1_002_012,
                format!(
                    "The provided value for scope {scope} is not valid. Client credential flows must have a \
                     scope value with /.default suffixed to the resource identifier (application ID URI)."
                ),
            ),
        });
    }
    Ok(Principal::App(sp))
}

pub(super) fn password(
    context: &GrantContext<'_>,
    request: &TokenRequest,
) -> Result<Principal, EntraError> {
    if context.tenant == Tenant::CommonOrConsumers {
        return Err(EntraError::invalid_request(
            9_001_023,
            "The grant type isn't supported over the /common or /consumers endpoints. Please use the \
             /organizations or tenant-specific endpoint.",
        ));
    }
    let client = client(context.app, request)?;
    authenticate_client(context, client, request)?;
    let username = request.require("username")?;
    let password = request.require("password")?;
    let scope = context.require_scope()?;
    let invalid = || {
        EntraError::invalid_grant(
            50_126,
            "Error validating credentials due to invalid username or password.",
        )
    };
    let user = context
        .app
        .directory()
        .find_user(username)
        .filter(|user| user.password == Some(password))
        .ok_or_else(invalid)?;
    match user.sign_in {
        SignIn::Password => {}
        // The password is checked on premises, which the password grant cannot reach.
        SignIn::Federated => return Err(invalid()),
        SignIn::Mfa => {
            return Err(EntraError::oauth(
                "interaction_required",
                50_076,
                format!(
                    "Due to a configuration change made by your administrator, or because you moved to a new \
                     location, you must use multi-factor authentication to access '{}'.",
                    demo::POWER_BI_RESOURCE
                ),
            ));
        }
    }
    let scopes = delegated_scopes(scope, client)?;
    Ok(Principal::User {
        user,
        client,
        scopes,
    })
}

/// The refresh-token grant: the token's principal again, with a new refresh token.
pub(super) fn refresh(
    context: &GrantContext<'_>,
    request: &TokenRequest,
) -> Result<Principal, EntraError> {
    let client = client(context.app, request)?;
    authenticate_client(context, client, request)?;
    let presented = request.require("refresh_token")?;
    let mut state = context.app.lock();
    let principal = state.tokens.sign_in.refresh_tokens.remove(presented);
    match principal {
        Some(principal @ Principal::User { client: owner, .. })
            if owner.client_id().eq_ignore_ascii_case(client.client_id()) =>
        {
            Ok(principal)
        }
        _ => Err(EntraError::invalid_grant(
            70_000,
            "The provided value for the input parameter 'refresh_token' or 'assertion' is not valid.",
        )),
    }
}

/// Resolves a v2 `scope` parameter to the Power BI scopes a delegated token gets:
/// `.../.default` means every consented scope, named scopes must each be consented.
pub(super) fn delegated_scopes(
    scope: &str,
    client: Client,
) -> Result<Vec<&'static str>, EntraError> {
    let invalid = |detail: String| {
        EntraError::invalid_scope(
            70_011,
            format!("The provided value for the input parameter 'scope' is not valid. {detail}"),
        )
    };
    // Fabric accepts the names of Power BI's scopes it shares; Graph has none here.
    let audience = match Audience::of_scope(scope) {
        Some(Audience::Graph) | None => Audience::PowerBi,
        Some(audience) => audience,
    };
    let prefix = format!("{}/", audience.resource());
    let mut wants_default = false;
    let mut named = Vec::new();
    for item in scope.split_whitespace() {
        if scopes::OIDC
            .iter()
            .any(|oidc| oidc.eq_ignore_ascii_case(item))
        {
            continue;
        }
        let name = item
            .get(..prefix.len())
            .filter(|head| head.eq_ignore_ascii_case(&prefix))
            .map(|_| &item[prefix.len()..])
            .ok_or_else(|| invalid(format!("The scope {item} is not valid.")))?;
        if name.eq_ignore_ascii_case(".default") {
            wants_default = true;
        } else {
            named.push(
                scopes::canonical(name)
                    .ok_or_else(|| invalid(format!("The scope {item} is not valid.")))?,
            );
        }
    }
    let consented = client.consented_scopes();
    match (wants_default, named.is_empty()) {
        (true, true) => Ok(consented.to_vec()),
        (true, false) => Err(invalid(
            "The scope '.default' cannot be combined with other scopes of the same resource."
                .into(),
        )),
        (false, true) => Err(invalid(format!(
            "The scope {scope} does not name any scope of {}.",
            demo::POWER_BI_RESOURCE
        ))),
        (false, false) => {
            if named.iter().any(|name| !consented.contains(name)) {
                return Err(EntraError::invalid_grant(
                    65_001,
                    format!(
                        "The user or administrator has not consented to use the application with ID '{}' named \
                         '{}'. Send an interactive authorization request for this user and resource.",
                        client.client_id(),
                        client.display_name()
                    ),
                ));
            }
            Ok(scopes::ALL
                .iter()
                .copied()
                .filter(|known| named.contains(known))
                .collect())
        }
    }
}
