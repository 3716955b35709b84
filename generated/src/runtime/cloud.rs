//! The Power BI clouds: where to sign in, where the API lives, and the token's resource.

use url::Url;

/// A Power BI cloud: the Entra ID authority host, the REST API base and the token resource.
///
/// Values from Microsoft's national-cloud documentation. [`Cloud::custom`] points the client at
/// anything else, such as the `powerbi-sandbox`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloud {
    /// Entra ID authority host, e.g. `https://login.microsoftonline.com`.
    pub authority_host: Url,
    /// REST API base, e.g. `https://api.powerbi.com` (`/v1.0/myorg` is appended).
    pub api_base: Url,
    /// The token resource, e.g. `https://analysis.windows.net/powerbi/api`.
    pub resource: String,
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

    /// China, operated by 21Vianet.
    pub fn china() -> Self {
        Self::preset(
            "https://login.chinacloudapi.cn",
            "https://api.powerbi.cn",
            "https://analysis.chinacloudapi.cn/powerbi/api",
        )
    }

    /// Any other endpoints, such as the sandbox's; the resource stays the public one unless set.
    pub fn custom(authority_host: Url, api_base: Url) -> Self {
        Cloud {
            authority_host,
            api_base,
            resource: "https://analysis.windows.net/powerbi/api".to_owned(),
        }
    }

    fn preset(authority_host: &str, api_base: &str, resource: &str) -> Self {
        Cloud {
            authority_host: url(authority_host),
            api_base: url(api_base),
            resource: resource.to_owned(),
        }
    }

    /// The client-credentials scope: the resource with `/.default`.
    pub fn default_scope(&self) -> String {
        format!("{}/.default", self.resource.trim_end_matches('/'))
    }
}

impl Default for Cloud {
    fn default() -> Self {
        Cloud::public()
    }
}
