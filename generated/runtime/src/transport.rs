//! Which URLs the client may call, and which of them may see the bearer token.
//!
//! Everything is https, except the configured API base and authority host when they are
//! loopback addresses and the builder opted in with
//! [`crate::PowerBiClientBuilder::allow_insecure_loopback`] (the sandbox). The bearer goes to
//! the API base itself and to the configured cloud's Power BI cluster hosts (for the public
//! cloud `*.analysis.windows.net`), over https only; never to any other host, even when the
//! service redirects there.

use url::Url;

use super::Cloud;
use super::operation::Api;

/// The transport rules of one client.
#[derive(Debug, Clone)]
pub(crate) struct TransportRules {
    api_base: Url,
    authority_host: Url,
    /// The Fabric API base, when the client has one: only its origin sees Fabric tokens.
    fabric_base: Option<Url>,
    cluster_suffix: Option<String>,
    insecure_loopback: bool,
}

impl TransportRules {
    pub(crate) fn new(cloud: &Cloud, insecure_loopback: bool) -> Self {
        TransportRules {
            api_base: cloud.api_base.clone(),
            authority_host: cloud.authority_host.clone(),
            fabric_base: cloud.fabric_api_base.clone(),
            cluster_suffix: cluster_suffix(cloud),
            insecure_loopback,
        }
    }

    /// Whether a request may go to `url` at all: https, or plain http to the configured
    /// (loopback) API base or authority host when allowed.
    pub(crate) fn may_call(&self, url: &Url) -> bool {
        match url.scheme() {
            "https" => true,
            "http" => {
                self.insecure_loopback
                    && is_loopback(url)
                    && (same_origin(url, &self.api_base)
                        || same_origin(url, &self.authority_host)
                        || self
                            .fabric_base
                            .as_ref()
                            .is_some_and(|fabric| same_origin(url, fabric)))
            }
            _ => false,
        }
    }

    /// Whether a token of `api` may be sent to `url`: the Power BI rules below, or for Fabric
    /// the configured Fabric API base's origin only (Microsoft names no other Fabric host).
    pub(crate) fn may_see_token_for(&self, api: Api, url: &Url) -> bool {
        match api {
            Api::PowerBi => self.may_see_token(url),
            Api::Fabric => {
                self.may_call(url)
                    && self
                        .fabric_base
                        .as_ref()
                        .is_some_and(|fabric| same_origin(url, fabric))
            }
        }
    }

    /// Whether the Power BI bearer token (and the profile header) may be sent to `url`.
    pub(crate) fn may_see_token(&self, url: &Url) -> bool {
        if !self.may_call(url) {
            return false;
        }
        if same_origin(url, &self.api_base) {
            return true;
        }
        if url.scheme() != "https" {
            return false;
        }
        match (url.host(), &self.cluster_suffix) {
            (Some(url::Host::Domain(host)), Some(suffix)) => {
                // `suffix` is lower case; compare the host's tail without copying it.
                let host = host.trim_end_matches('.');
                host.len() > suffix.len()
                    && host.as_bytes()[host.len() - suffix.len()..]
                        .eq_ignore_ascii_case(suffix.as_bytes())
            }
            _ => false,
        }
    }
}

/// `.analysis.windows.net` for the public cloud: the domain of the cloud's token resource
/// from its `analysis.` label on (`high.analysis.usgovcloudapi.net` → `.analysis.usgovcloudapi.net`).
fn cluster_suffix(cloud: &Cloud) -> Option<String> {
    let resource = Url::parse(&cloud.resource).ok()?;
    let host = resource.host_str()?.to_ascii_lowercase();
    let start = if host.starts_with("analysis.") {
        0
    } else {
        host.find(".analysis.")? + 1
    };
    let domain = &host[start..];
    // At least `analysis.<name>.<tld>`: never trust a bare top-level domain.
    (domain.split('.').count() >= 3).then(|| format!(".{domain}"))
}

/// Same scheme, host (ASCII case aside) and port; runs on every request, so it allocates nothing.
fn same_origin(a: &Url, b: &Url) -> bool {
    let same_host = match (a.host_str(), b.host_str()) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (None, None) => true,
        _ => false,
    };
    a.scheme() == b.scheme() && same_host && a.port_or_known_default() == b.port_or_known_default()
}

/// Whether `url` names a loopback address (`127.0.0.0/8`, `::1` or `localhost`).
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn the_token_goes_to_the_cloud_hosts_only() {
        let rules = TransportRules::new(&Cloud::public(), false);
        assert!(rules.may_see_token(&url("https://api.powerbi.com/v1.0/myorg/groups")));
        assert!(rules.may_see_token(&url(
            "https://wabi-north-europe-d-primary-redirect.analysis.windows.net/v1.0/myorg"
        )));
        for other in [
            "http://wabi-north-europe-redirect.analysis.windows.net/x",
            "https://analysis.windows.net.evil.example/x",
            "https://evilanalysis.windows.net/x",
            "https://analysis.windows.net/x",
            "https://evil.example/x",
            "https://api.powerbi.com.evil.example/x",
            "http://api.powerbi.com/x",
        ] {
            assert!(!rules.may_see_token(&url(other)), "{other}");
        }
        // Host names compare without regard to ASCII case; a trailing dot changes nothing.
        assert!(rules.may_see_token(&url("https://API.PowerBI.com/v1.0/myorg")));
        assert!(rules.may_see_token(&url(
            "https://WABI-West-Europe-Redirect.Analysis.Windows.NET./v1.0/myorg"
        )));
        let gov = TransportRules::new(&Cloud::us_gov_high(), false);
        assert!(gov.may_see_token(&url("https://wabi-x.analysis.usgovcloudapi.net/")));
        assert!(!gov.may_see_token(&url("https://wabi-x.analysis.windows.net/")));
    }

    #[test]
    fn plain_http_only_to_the_configured_loopback_address() {
        let cloud = Cloud::custom(url("http://127.0.0.1:4000"), url("http://127.0.0.1:4000"));
        let closed = TransportRules::new(&cloud, false);
        assert!(!closed.may_call(&url("http://127.0.0.1:4000/v1.0/myorg")));
        let open = TransportRules::new(&cloud, true);
        assert!(open.may_call(&url("http://127.0.0.1:4000/v1.0/myorg")));
        assert!(open.may_see_token(&url("http://127.0.0.1:4000/v1.0/myorg")));
        assert!(!open.may_call(&url("http://127.0.0.1:4001/")));
        assert!(!open.may_call(&url("http://localhost:4000/")));
        assert!(!open.may_call(&url("http://10.0.0.1:4000/")));
    }

    #[test]
    fn fabric_tokens_go_to_the_fabric_host_only() {
        let rules = TransportRules::new(&Cloud::public(), false);
        let fabric = url("https://api.fabric.microsoft.com/v1/workspaces");
        assert!(rules.may_see_token_for(Api::Fabric, &fabric));
        assert!(!rules.may_see_token_for(Api::PowerBi, &fabric));
        for other in [
            "https://api.powerbi.com/v1/operations/1",
            "https://wabi-x.analysis.windows.net/v1/operations/1",
            "http://api.fabric.microsoft.com/v1",
            "https://api.fabric.microsoft.com.evil.example/v1",
        ] {
            assert!(
                !rules.may_see_token_for(Api::Fabric, &url(other)),
                "{other}"
            );
        }
        let none = TransportRules::new(&Cloud::china(), false);
        assert!(!none.may_see_token_for(Api::Fabric, &fabric));
        let local = Cloud::custom(url("http://127.0.0.1:4000"), url("http://127.0.0.1:4000"))
            .with_fabric_api_base(url("http://127.0.0.1:4001"));
        let open = TransportRules::new(&local, true);
        assert!(open.may_see_token_for(Api::Fabric, &url("http://127.0.0.1:4001/v1/x")));
        assert!(!open.may_see_token_for(Api::Fabric, &url("http://127.0.0.1:4000/v1/x")));
    }
}
