//! The Power BI clouds: where to sign in, where the API lives, and the token's resource.
//!
//! Values from Microsoft's "Power BI for national clouds" and Entra ID's "National clouds"
//! pages (see `powerbi-domain.md` section 2 in the project's reference notes).

use std::collections::HashMap;

use url::Url;

use super::{Error, Result};

/// Fabric's REST API host in the public cloud (Microsoft documents no other).
const FABRIC_PUBLIC: &str = "https://api.fabric.microsoft.com";

/// The scope Fabric tokens are asked for by default: Fabric's resource with `/.default`.
pub(crate) const FABRIC_DEFAULT_SCOPE: &str = "https://api.fabric.microsoft.com/.default";

/// A Power BI cloud: the Entra ID authority host, the REST API base and the token resource.
///
/// Values from Microsoft's national-cloud documentation. [`Cloud::custom`] points the client at
/// anything else, such as the `powerbi-sandbox`.
#[derive(Clone, PartialEq, Eq)]
pub struct Cloud {
    /// Entra ID authority host, e.g. `https://login.microsoftonline.com`.
    pub authority_host: Url,
    /// REST API base, e.g. `https://api.powerbi.com` (`/v1.0/myorg` is appended).
    pub api_base: Url,
    /// The token resource, e.g. `https://analysis.windows.net/powerbi/api`.
    pub resource: String,
    /// The Microsoft Fabric REST API base, e.g. `https://api.fabric.microsoft.com` (`/v1` is
    /// appended), for [`Client::fabric`](crate::Client::fabric). `None` where
    /// Microsoft documents no Fabric REST host (every cloud but the public one, so far): Fabric
    /// calls then fail with [`Error::Config`] until one is set with
    /// [`Cloud::with_fabric_api_base`] or
    /// [`PowerBiClientBuilder::fabric_api_base`](crate::PowerBiClientBuilder::fabric_api_base).
    pub fabric_api_base: Option<Url>,
}

// Configured URLs may carry user info or a query: Debug shows them without.
impl std::fmt::Debug for Cloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cloud")
            .field("authority_host", &super::redact::url(&self.authority_host))
            .field("api_base", &super::redact::url(&self.api_base))
            .field("resource", &super::redact::text(&self.resource))
            .field(
                "fabric_api_base",
                &self.fabric_api_base.as_ref().map(super::redact::url),
            )
            .finish()
    }
}

fn url(text: &str) -> Url {
    // The presets below are constants that parse; a failure would be a typo caught by tests.
    Url::parse(text).unwrap_or_else(|_| unreachable!("preset URL {text} parses"))
}

impl Cloud {
    /// The public (commercial) cloud.
    pub fn public() -> Self {
        Self::preset(
            "https://login.microsoftonline.com",
            "https://api.powerbi.com",
            "https://analysis.windows.net/powerbi/api",
        )
        .with_fabric_api_base(url(FABRIC_PUBLIC))
    }

    /// US Government Community Cloud (GCC).
    pub fn us_gov() -> Self {
        Self::preset(
            "https://login.microsoftonline.com",
            "https://api.powerbigov.us",
            "https://analysis.usgovcloudapi.net/powerbi/api",
        )
    }

    /// US Government Community Cloud High.
    pub fn us_gov_high() -> Self {
        Self::preset(
            "https://login.microsoftonline.us",
            "https://api.high.powerbigov.us",
            "https://high.analysis.usgovcloudapi.net/powerbi/api",
        )
    }

    /// US Department of Defense.
    pub fn us_gov_dod() -> Self {
        Self::preset(
            "https://login.microsoftonline.us",
            "https://api.mil.powerbigov.us",
            "https://mil.analysis.usgovcloudapi.net/powerbi/api",
        )
    }

    /// China, operated by 21Vianet. The authority is Entra ID's current China host
    /// (`login.partner.microsoftonline.cn`; the older `login.chinacloudapi.cn` that Power BI's
    /// page names is an alias of it).
    pub fn china() -> Self {
        Self::preset(
            "https://login.partner.microsoftonline.cn",
            "https://api.powerbi.cn",
            "https://analysis.chinacloudapi.cn/powerbi/api",
        )
    }

    /// Any other endpoints, such as the sandbox's; the resource stays the public one unless
    /// set, and there is no Fabric API base unless set ([`Cloud::with_fabric_api_base`]).
    pub fn custom(authority_host: Url, api_base: Url) -> Self {
        Cloud {
            authority_host,
            api_base,
            resource: "https://analysis.windows.net/powerbi/api".to_owned(),
            fabric_api_base: None,
        }
    }

    fn preset(authority_host: &str, api_base: &str, resource: &str) -> Self {
        Cloud {
            authority_host: url(authority_host),
            api_base: url(api_base),
            resource: resource.to_owned(),
            fabric_api_base: None,
        }
    }

    /// Sets the Fabric REST API base (`/v1` is appended to it), e.g. the sandbox's.
    pub fn with_fabric_api_base(mut self, base: Url) -> Self {
        self.fabric_api_base = Some(base);
        self
    }

    /// The client-credentials scope: the resource with `/.default`.
    pub fn default_scope(&self) -> String {
        format!("{}/.default", self.resource.trim_end_matches('/'))
    }

    /// Replaces the token resource (for [`Cloud::custom`] clouds of another sovereign cloud).
    pub fn with_resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = resource.into();
        self
    }

    /// The v2 token endpoint for `tenant`: `{authority_host}/{tenant}/oauth2/v2.0/token` (also
    /// the audience of certificate client assertions).
    #[inline] // opt-in: compiled only in the programs that use it (lib.rs)
    pub fn token_endpoint(&self, tenant: &str) -> Result<Url> {
        let mut url = self.authority_host.clone();
        url.path_segments_mut()
            .map_err(|()| Error::Config("the authority host cannot be a base URL".to_owned()))?
            .pop_if_empty()
            .extend([tenant, "oauth2", "v2.0", "token"]);
        Ok(url)
    }

    /// A preset by name: `public`, `us_gov` (GCC), `us_gov_high` (GCC High), `us_gov_dod`
    /// (DoD) or `china`; case, `-` and `_` do not matter, and `gcc`, `gcc_high`, `dod` and
    /// `commercial` are accepted too.
    #[inline] // opt-in: compiled only in the programs that use it (lib.rs)
    pub fn from_name(name: &str) -> Option<Self> {
        let name: String = name
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect::<String>()
            .to_ascii_lowercase();
        Some(match name.as_str() {
            "public" | "commercial" | "global" | "azurecloud" => Cloud::public(),
            "usgov" | "gcc" => Cloud::us_gov(),
            "usgovhigh" | "gcchigh" => Cloud::us_gov_high(),
            "usgovdod" | "dod" => Cloud::us_gov_dod(),
            "china" | "azurechinacloud" => Cloud::china(),
            _ => return None,
        })
    }

    /// The cloud the variables name, given as a map: `POWERBI_CLOUD` (a [`Cloud::from_name`]
    /// name, default public), or a custom cloud from `POWERBI_AUTHORITY_HOST` and
    /// `POWERBI_API_BASE` (with `POWERBI_RESOURCE` when it is not the public resource);
    /// `POWERBI_FABRIC_API_BASE` sets or replaces its Fabric API base.
    #[inline] // opt-in: compiled only in the programs that use it (lib.rs)
    pub fn from_env(vars: &HashMap<String, String>) -> Result<Self> {
        let get = |name: &str| {
            vars.get(name)
                .map(|value| value.trim())
                .filter(|value| !value.is_empty())
        };
        let url = |name: &str, text: &str| {
            Url::parse(text).map_err(|error| Error::Config(format!("{name} is not a URL: {error}")))
        };
        let mut cloud = match (get("POWERBI_AUTHORITY_HOST"), get("POWERBI_API_BASE")) {
            (Some(authority), Some(api)) => Cloud::custom(
                url("POWERBI_AUTHORITY_HOST", authority)?,
                url("POWERBI_API_BASE", api)?,
            ),
            (None, None) => match get("POWERBI_CLOUD") {
                None => Cloud::public(),
                Some(name) => Cloud::from_name(name).ok_or_else(|| {
                    Error::Config(format!(
                        "POWERBI_CLOUD={name} is not a cloud (public, us_gov, us_gov_high, us_gov_dod, china)"
                    ))
                })?,
            },
            _ => {
                return Err(Error::Config(
                    "a custom cloud needs both POWERBI_AUTHORITY_HOST and POWERBI_API_BASE".to_owned(),
                ));
            }
        };
        if let Some(resource) = get("POWERBI_RESOURCE") {
            cloud.resource = resource.to_owned();
        }
        if let Some(base) = get("POWERBI_FABRIC_API_BASE") {
            cloud.fabric_api_base = Some(url("POWERBI_FABRIC_API_BASE", base)?);
        }
        Ok(cloud)
    }
}

impl Default for Cloud {
    fn default() -> Self {
        Cloud::public()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_match_the_national_cloud_pages() {
        let table = [
            (
                Cloud::public(),
                "https://login.microsoftonline.com/",
                "https://api.powerbi.com/",
                "https://analysis.windows.net/powerbi/api",
            ),
            (
                Cloud::us_gov(),
                "https://login.microsoftonline.com/",
                "https://api.powerbigov.us/",
                "https://analysis.usgovcloudapi.net/powerbi/api",
            ),
            (
                Cloud::us_gov_high(),
                "https://login.microsoftonline.us/",
                "https://api.high.powerbigov.us/",
                "https://high.analysis.usgovcloudapi.net/powerbi/api",
            ),
            (
                Cloud::us_gov_dod(),
                "https://login.microsoftonline.us/",
                "https://api.mil.powerbigov.us/",
                "https://mil.analysis.usgovcloudapi.net/powerbi/api",
            ),
            (
                Cloud::china(),
                "https://login.partner.microsoftonline.cn/",
                "https://api.powerbi.cn/",
                "https://analysis.chinacloudapi.cn/powerbi/api",
            ),
        ];
        for (cloud, authority, api, resource) in table {
            assert_eq!(cloud.authority_host.as_str(), authority);
            assert_eq!(cloud.api_base.as_str(), api);
            assert_eq!(cloud.resource, resource);
            assert_eq!(cloud.default_scope(), format!("{resource}/.default"));
        }
        assert_eq!(
            Cloud::public().fabric_api_base.map(String::from).as_deref(),
            Some("https://api.fabric.microsoft.com/")
        );
        assert_eq!(Cloud::us_gov_high().fabric_api_base, None);
        assert_eq!(
            Cloud::us_gov_high()
                .token_endpoint("contoso.us")
                .unwrap()
                .as_str(),
            "https://login.microsoftonline.us/contoso.us/oauth2/v2.0/token"
        );
    }

    #[test]
    fn clouds_by_name_and_from_variables() {
        assert_eq!(Cloud::from_name("GCC-High"), Some(Cloud::us_gov_high()));
        assert_eq!(Cloud::from_name("us_gov_dod"), Some(Cloud::us_gov_dod()));
        assert_eq!(Cloud::from_name("mars"), None);
        let vars = HashMap::from([("POWERBI_CLOUD".to_owned(), "china".to_owned())]);
        assert_eq!(Cloud::from_env(&vars).unwrap(), Cloud::china());
        assert_eq!(Cloud::from_env(&HashMap::new()).unwrap(), Cloud::public());
        let vars = HashMap::from([(
            "POWERBI_AUTHORITY_HOST".to_owned(),
            "http://127.0.0.1:1".to_owned(),
        )]);
        assert!(Cloud::from_env(&vars).is_err());
        let vars = HashMap::from([
            ("POWERBI_CLOUD".to_owned(), "gcc".to_owned()),
            (
                "POWERBI_FABRIC_API_BASE".to_owned(),
                "https://fabric.example".to_owned(),
            ),
        ]);
        let cloud = Cloud::from_env(&vars).unwrap();
        assert_eq!(
            cloud.fabric_api_base.map(String::from).as_deref(),
            Some("https://fabric.example/")
        );
    }
}
