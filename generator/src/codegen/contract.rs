//! The contract between the generator and the runtime: every runtime enum value generated code
//! names, written once, each by an exhaustive `match`. The spec's model keeps its own enums
//! (they describe the API, and the generator must not depend on `powerbi`); a variant added on
//! either side fails to compile here or in the generated crate, never silently through a
//! variant's `Debug` text.

use proc_macro2::TokenStream;
use quote::quote;

use crate::api::{
    LongRunning, Method, Paging, ParameterLocation, ServicePrincipal, WorkspaceScope,
};

/// `rt::HttpMethod::…`
pub fn http_method(method: Method) -> TokenStream {
    match method {
        Method::Get => quote!(rt::HttpMethod::Get),
        Method::Post => quote!(rt::HttpMethod::Post),
        Method::Put => quote!(rt::HttpMethod::Put),
        Method::Patch => quote!(rt::HttpMethod::Patch),
        Method::Delete => quote!(rt::HttpMethod::Delete),
    }
}

/// `rt::WorkspaceScope::…`
pub fn workspace_scope(scope: WorkspaceScope) -> TokenStream {
    match scope {
        WorkspaceScope::None => quote!(rt::WorkspaceScope::None),
        WorkspaceScope::My => quote!(rt::WorkspaceScope::My),
        WorkspaceScope::Workspace => quote!(rt::WorkspaceScope::Workspace),
        WorkspaceScope::Both => quote!(rt::WorkspaceScope::Both),
    }
}

/// `rt::ParameterLocation::…`
pub fn parameter_location(location: ParameterLocation) -> TokenStream {
    match location {
        ParameterLocation::Path => quote!(rt::ParameterLocation::Path),
        ParameterLocation::Query => quote!(rt::ParameterLocation::Query),
        ParameterLocation::Header => quote!(rt::ParameterLocation::Header),
    }
}

/// `rt::ServicePrincipalSupport::…`
pub fn service_principal(support: ServicePrincipal) -> TokenStream {
    match support {
        ServicePrincipal::Yes => quote!(rt::ServicePrincipalSupport::Yes),
        ServicePrincipal::No => quote!(rt::ServicePrincipalSupport::No),
        ServicePrincipal::Unknown => quote!(rt::ServicePrincipalSupport::Unknown),
    }
}

/// `rt::Paging::…`
pub fn paging(paging: Paging) -> TokenStream {
    match paging {
        Paging::None => quote!(rt::Paging::None),
        Paging::TopSkip => quote!(rt::Paging::TopSkip),
        Paging::Top => quote!(rt::Paging::Top),
        Paging::Continuation => quote!(rt::Paging::Continuation),
        Paging::NextLink => quote!(rt::Paging::NextLink),
        Paging::ContinuationUri => quote!(rt::Paging::ContinuationUri),
    }
}

/// `rt::LongRunning::…`
pub fn long_running(kind: LongRunning) -> TokenStream {
    match kind {
        LongRunning::None => quote!(rt::LongRunning::None),
        LongRunning::Refresh => quote!(rt::LongRunning::Refresh),
        LongRunning::Export => quote!(rt::LongRunning::Export),
        LongRunning::Import => quote!(rt::LongRunning::Import),
        LongRunning::Pipeline => quote!(rt::LongRunning::Pipeline),
        LongRunning::Scan => quote!(rt::LongRunning::Scan),
        LongRunning::Poll => quote!(rt::LongRunning::Poll),
        LongRunning::FabricOperation => quote!(rt::LongRunning::FabricOperation),
        LongRunning::JobInstance => quote!(rt::LongRunning::JobInstance),
    }
}

/// The runtime's side of an API (`api.yaml`'s `api`): the `rt::Api` variant its records
/// carry, and the client its categories borrow. The runtime knows two APIs; a spec naming
/// another cannot be generated for it.
pub struct RuntimeApi {
    /// `rt::Api::…`
    pub variant: TokenStream,
    /// `PowerBiClient` or `FabricClient`, the type under `rt::`.
    pub client: proc_macro2::Ident,
}

/// The [`RuntimeApi`] of the API named `name`.
pub fn runtime_api(name: &str) -> Result<RuntimeApi, String> {
    let (variant, client) = match name {
        "powerbi" => (quote!(rt::Api::PowerBi), "PowerBiClient"),
        "fabric" => (quote!(rt::Api::Fabric), "FabricClient"),
        other => {
            return Err(format!(
                "api '{other}': the powerbi runtime serves the APIs 'powerbi' and 'fabric' only"
            ));
        }
    };
    Ok(RuntimeApi {
        variant,
        client: proc_macro2::Ident::new(client, proc_macro2::Span::call_site()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_names_the_runtime_variant_of_the_same_meaning() {
        assert_eq!(
            paging(Paging::TopSkip).to_string(),
            "rt :: Paging :: TopSkip"
        );
        assert_eq!(
            long_running(LongRunning::Poll).to_string(),
            "rt :: LongRunning :: Poll"
        );
        assert_eq!(
            service_principal(ServicePrincipal::Unknown).to_string(),
            "rt :: ServicePrincipalSupport :: Unknown"
        );
        assert_eq!(
            workspace_scope(WorkspaceScope::Both).to_string(),
            "rt :: WorkspaceScope :: Both"
        );
        assert_eq!(
            http_method(Method::Patch).to_string(),
            "rt :: HttpMethod :: Patch"
        );
    }
}
