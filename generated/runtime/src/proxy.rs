//! Which proxy the client's requests (Power BI and the token endpoints alike) go through.
//!
//! By default the system's: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (upper or
//! lower case), else the Windows proxy settings (the registry of the current user) or the
//! macOS network settings. [`Proxy::url`] names one instead, with its credentials;
//! [`Proxy::none`] connects directly. The proxy's password is a [`Secret`]: it never appears in
//! `Debug`, in an error or in a log line, and a user name and password written in the proxy URL
//! are taken out of it before the URL is kept anywhere.

use std::fmt;

use percent_encoding::percent_decode_str;
use url::Url;

use super::auth::Secret;
use super::{Error, Result};

/// How the client reaches the network: the system's proxy settings (the default), a proxy
/// named here, or none. Set it with [`PowerBiClientBuilder::proxy`](crate::PowerBiClientBuilder::proxy).
///
/// ```
/// # // The runtime alone, as `powerbi` (which re-exports it) shows it:
/// # mod powerbi { pub use powerbi_runtime::{*, Client as PowerBiClient}; pub use powerbi_runtime as runtime; }
/// use powerbi::Proxy;
/// # fn run() -> powerbi::Result<()> {
/// let proxy = Proxy::url("http://proxy.corp.example:8080")?
///     .basic_auth("svc-powerbi", "the password")
///     .no_proxy("localhost, .corp.example");
/// assert!(!format!("{proxy:?}").contains("the password"));
/// # Ok(()) }
/// # run().unwrap();
/// ```
#[derive(Clone, Default)]
pub struct Proxy {
    route: Route,
}

#[derive(Clone, Default)]
enum Route {
    /// The environment variables, else the operating system's settings.
    #[default]
    System,
    /// No proxy at all, whatever the environment says.
    Direct,
    /// This proxy, for every host but the exceptions.
    Via(Box<Explicit>),
}

#[derive(Clone)]
struct Explicit {
    /// Scheme, host and port only: no user info, path or query.
    url: Url,
    username: Option<String>,
    password: Option<Secret>,
    /// Hosts reached directly, in `NO_PROXY` syntax.
    no_proxy: Option<String>,
}

impl Proxy {
    /// The system's settings (the default): the `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` and
    /// `NO_PROXY` environment variables (upper or lower case; user and password may be written
    /// in the URL), and when none is set the Windows proxy settings or the macOS network
    /// settings. Automatic configuration scripts (PAC, WPAD) are not evaluated: name the
    /// proxy they choose with [`Proxy::url`].
    pub fn system() -> Proxy {
        Proxy {
            route: Route::System,
        }
    }

    /// No proxy: every request connects directly, whatever the environment and the system
    /// settings say.
    pub fn none() -> Proxy {
        Proxy {
            route: Route::Direct,
        }
    }

    /// The proxy at `url` (`http://host:port`, or `https://` for a proxy reached over TLS),
    /// for every request, https ones through a `CONNECT` tunnel. The environment variables and
    /// system settings are then not read: list the hosts to reach directly with
    /// [`Proxy::no_proxy`]. A user name and password in the URL (`http://user:pass@host:port`,
    /// percent-encoded) are taken out of it and sent as with [`Proxy::basic_auth`].
    ///
    /// Fails with [`Error::Config`] when `url` is not an http(s) URL with a host; the message
    /// never repeats the URL, which may hold a password.
    #[inline] // opt-in: compiled only in the programs that use it (lib.rs)
    pub fn url(url: &str) -> Result<Proxy> {
        let invalid = |why: &str| Error::Config(format!("the proxy URL {why}"));
        let mut url =
            Url::parse(url.trim()).map_err(|error| invalid(&format!("is not a URL ({error})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid(
                "must start with http:// or https:// (SOCKS proxies are not supported)",
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("has no host"));
        }
        let decode = |text: &str| percent_decode_str(text).decode_utf8_lossy().into_owned();
        let username = Some(decode(url.username())).filter(|name| !name.is_empty());
        let password = url.password().map(|password| Secret::new(decode(password)));
        // Setting these cannot fail on an http(s) URL with a host.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        url.set_path("");
        url.set_query(None);
        url.set_fragment(None);
        Ok(Proxy {
            route: Route::Via(Box::new(Explicit {
                url,
                username,
                password,
                no_proxy: None,
            })),
        })
    }

    /// Sends `Proxy-Authorization: Basic` with this user name and password to the proxy named
    /// with [`Proxy::url`] (replacing any given in its URL). The password is kept as a
    /// [`Secret`]. Ignored for [`Proxy::system`] (write them in `HTTPS_PROXY` instead) and
    /// [`Proxy::none`].
    pub fn basic_auth(mut self, username: impl Into<String>, password: impl Into<Secret>) -> Proxy {
        if let Route::Via(explicit) = &mut self.route {
            explicit.username = Some(username.into());
            explicit.password = Some(password.into());
        }
        self
    }

    /// Hosts reached without the proxy named with [`Proxy::url`], in the syntax of `NO_PROXY`:
    /// comma-separated host names (each also matching its subdomains; a leading dot changes
    /// nothing), IP addresses or networks (`10.0.0.0/8`), or `*` for all. The VM metadata
    /// service of managed identities (`169.254.169.254`) is always reached directly; loopback
    /// addresses (an App Service identity endpoint) go through the proxy unless listed
    /// (`localhost, 127.0.0.1`), as with curl. Ignored for [`Proxy::system`] (which reads
    /// `NO_PROXY`) and [`Proxy::none`].
    pub fn no_proxy(mut self, hosts: impl Into<String>) -> Proxy {
        if let Route::Via(explicit) = &mut self.route {
            explicit.no_proxy = Some(hosts.into());
        }
        self
    }

    /// Applies the route to a reqwest builder.
    pub(crate) fn apply(&self, builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder> {
        let explicit = match &self.route {
            // reqwest reads the environment and the system settings unless told otherwise.
            Route::System => return Ok(builder),
            Route::Direct => return Ok(builder.no_proxy()),
            Route::Via(explicit) => explicit,
        };
        // reqwest's error would name the URL; it holds no user info, but say it our way.
        let mut proxy = reqwest::Proxy::all(explicit.url.as_str())
            .map_err(|_| Error::Config("the proxy URL is not usable".to_owned()))?;
        if let Some(username) = &explicit.username {
            let password = explicit.password.as_ref().map_or("", Secret::expose);
            proxy = proxy.basic_auth(username, password);
        }
        proxy = proxy.no_proxy(reqwest::NoProxy::from_string(&explicit.bypassed()));
        Ok(builder.proxy(proxy))
    }
}

/// The Azure instance metadata service (managed identity on a VM), which is link-local: no
/// proxy can reach it, so an explicit proxy never gets its requests.
const METADATA_SERVICE: &str = "169.254.169.254";

impl Explicit {
    /// The hosts reached directly: the ones listed (NO_PROXY is not read for an explicit
    /// proxy) and the metadata service.
    fn bypassed(&self) -> String {
        match self.no_proxy.as_deref().map(str::trim) {
            Some(list) if !list.is_empty() => format!("{list},{METADATA_SERVICE}"),
            _ => METADATA_SERVICE.to_owned(),
        }
    }
}

impl fmt::Debug for Proxy {
    #[inline] // opt-in: compiled only in the programs that use it (lib.rs)
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.route {
            Route::System => f.write_str("Proxy::system()"),
            Route::Direct => f.write_str("Proxy::none()"),
            Route::Via(explicit) => f
                .debug_struct("Proxy")
                .field("url", &explicit.url.as_str())
                .field("username", &explicit.username)
                .field("password", &explicit.password)
                .field("no_proxy", &explicit.no_proxy)
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explicit(proxy: &Proxy) -> &Explicit {
        match &proxy.route {
            Route::Via(explicit) => explicit,
            _ => panic!("not an explicit proxy"),
        }
    }

    #[test]
    fn user_info_leaves_the_url_and_the_password_is_redacted() {
        let proxy = Proxy::url("http://svc%40corp:p%3Ass%2Fw0rd@proxy.example:3128/path?x=1")
            .expect("a proxy URL");
        let inner = explicit(&proxy);
        assert_eq!(inner.url.as_str(), "http://proxy.example:3128/");
        assert_eq!(inner.username.as_deref(), Some("svc@corp"));
        assert_eq!(
            inner.password.as_ref().map(Secret::expose),
            Some("p:ss/w0rd")
        );
        let debug = format!("{proxy:?}");
        assert!(debug.contains("proxy.example:3128"), "{debug}");
        for secret in ["p:ss/w0rd", "p%3Ass", "w0rd"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        let replaced = proxy.basic_auth("other", "n3w-secret");
        assert!(!format!("{replaced:?}").contains("n3w-secret"));
        assert_eq!(explicit(&replaced).username.as_deref(), Some("other"));
    }

    #[test]
    fn a_bad_proxy_url_is_a_config_error_that_does_not_repeat_it() {
        for text in [
            "socks5://user:hunter2@proxy.example:1080",
            "proxy.example:3128",
            "http://user:hunter2@",
            "ftp://user:hunter2@proxy.example",
        ] {
            let error = Proxy::url(text).expect_err(text);
            assert!(matches!(error, Error::Config(_)), "{text}: {error:?}");
            let shown = format!("{error} {error:?}");
            assert!(shown.contains("proxy URL"), "{shown}");
            assert!(!shown.contains("hunter2"), "{shown}");
        }
    }

    #[test]
    fn credentials_and_exceptions_belong_to_an_explicit_proxy_only() {
        let system = Proxy::system().basic_auth("user", "pw").no_proxy("*");
        assert_eq!(format!("{system:?}"), "Proxy::system()");
        assert_eq!(format!("{:?}", Proxy::none()), "Proxy::none()");
        assert_eq!(format!("{:?}", Proxy::default()), "Proxy::system()");
        let proxy = Proxy::url("https://proxy.example")
            .expect("URL")
            .no_proxy("localhost");
        assert_eq!(explicit(&proxy).bypassed(), "localhost,169.254.169.254");
        let unlisted = Proxy::url("http://proxy.example:3128").expect("URL");
        assert_eq!(explicit(&unlisted).bypassed(), "169.254.169.254");
        assert_eq!(explicit(&proxy).url.as_str(), "https://proxy.example/");
    }
}
