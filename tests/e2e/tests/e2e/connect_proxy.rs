//! A small HTTP CONNECT proxy on loopback, and the sandbox served over TLS behind it, for the
//! proxy tests (the e2e binary's `proxy` module and the `proxy_env` binary).
//!
//! The proxy plays a corporate proxy with its own DNS: every tunnel it opens leads to the
//! sandbox, whatever host the client named, so a client reaches `api.powerbi.com` only through
//! it. It records each CONNECT it saw (target, credentials, its answer).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use powerbi_sandbox::{Sandbox, SandboxConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The API host the TLS sandbox's certificate names (reached only through the proxy).
pub const API_HOST: &str = "api.powerbi.com";
/// The sign-in host the certificate names (reached only through the proxy).
pub const LOGIN_HOST: &str = "login.microsoftonline.com";
/// The longest CONNECT request head the proxy reads.
const MAX_HEAD: usize = 8 * 1024;

/// One CONNECT request the proxy received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The request target: `host:port`.
    pub target: String,
    /// The `Proxy-Authorization` header, as sent.
    pub authorization: Option<String>,
    /// The status the proxy answered.
    pub status: u16,
}

/// A running CONNECT proxy; dropping it stops accepting.
pub struct ConnectProxy {
    address: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl ConnectProxy {
    /// Starts a proxy that tunnels every CONNECT to `upstream`, asking for
    /// `Proxy-Authorization: Basic` with `credentials` when given.
    pub async fn start(upstream: SocketAddr, credentials: Option<(&str, &str)>) -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let expected = credentials.map(|(user, password)| {
            let pair = format!("{user}:{password}");
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        });
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let record = Arc::clone(&record);
                let expected = expected.clone();
                tokio::spawn(async move {
                    let _ = tunnel(client, upstream, expected.as_deref(), &record).await;
                });
            }
        });
        ConnectProxy {
            address,
            seen,
            accept,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Every CONNECT so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    /// The targets of the tunnels opened (answered 200) so far.
    pub fn tunnels(&self) -> Vec<String> {
        self.seen()
            .into_iter()
            .filter(|seen| seen.status == 200)
            .map(|seen| seen.target)
            .collect()
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Serves one client connection: reads the CONNECT head, checks the credentials, opens the
/// tunnel to `upstream` and copies both ways until either side closes.
async fn tunnel(
    mut client: TcpStream,
    upstream: SocketAddr,
    expected: Option<&str>,
    record: &Mutex<Vec<Seen>>,
) -> std::io::Result<()> {
    let (head, rest) = read_head(&mut client).await?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next().unwrap_or_default(), parts.next());
    let authorization = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("proxy-authorization"))
        .map(|(_, value)| value.trim().to_owned());
    let status = match (method, target) {
        ("CONNECT", Some(_)) if expected.is_none_or(|e| authorization.as_deref() == Some(e)) => 200,
        ("CONNECT", Some(_)) => 407,
        _ => 405,
    };
    record.lock().expect("lock").push(Seen {
        target: target.unwrap_or_default().to_owned(),
        authorization,
        status,
    });
    match status {
        200 => {
            let mut server = TcpStream::connect(upstream).await?;
            server.write_all(&rest).await?;
            client
                .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                .await?;
            tokio::io::copy_bidirectional(&mut client, &mut server).await?;
        }
        407 => {
            client
                .write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                      Proxy-Authenticate: Basic realm=\"test proxy\"\r\n\
                      Content-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await?;
        }
        _ => {
            client
                .write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                .await?;
        }
    }
    Ok(())
}

/// The request head (up to the blank line, at most `MAX_HEAD` bytes) and any bytes after it.
async fn read_head(client: &mut TcpStream) -> std::io::Result<(String, Vec<u8>)> {
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            return Ok((head, buffer[end + 4..].to_vec()));
        }
        if buffer.len() > MAX_HEAD {
            return Err(std::io::Error::other("request head too long"));
        }
        let read = client.read(&mut chunk).await?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
}

/// The sandbox over TLS with a certificate for [`API_HOST`], [`LOGIN_HOST`] and `127.0.0.1`,
/// signed by a CA made here.
pub struct TlsSandbox {
    /// The sandbox.
    pub sandbox: Sandbox,
    /// Where it listens (`127.0.0.1:PORT`).
    pub address: SocketAddr,
    /// The test CA's certificate (DER), for the client to trust.
    pub ca_der: Vec<u8>,
}

impl TlsSandbox {
    /// Starts one with the default configuration.
    pub async fn start() -> TlsSandbox {
        let names = [API_HOST, LOGIN_HOST, "127.0.0.1"]
            .map(str::to_owned)
            .to_vec();
        let (sandbox, address, ca_der) = start_tls_sandbox(SandboxConfig::default(), names).await;
        TlsSandbox {
            sandbox,
            address,
            ca_der,
        }
    }

    /// The cloud under the public host names, on the sandbox's port: reachable only through
    /// the proxy (which maps every name to the sandbox).
    pub fn proxied_cloud(&self) -> powerbi::Cloud {
        let port = self.address.port();
        powerbi::Cloud::custom(
            format!("https://{LOGIN_HOST}:{port}").parse().expect("URL"),
            format!("https://{API_HOST}:{port}").parse().expect("URL"),
        )
    }

    /// The cloud at `https://127.0.0.1:PORT`: reachable directly.
    pub fn direct_cloud(&self) -> powerbi::Cloud {
        let base: url::Url = self.sandbox.base_url().parse().expect("URL");
        powerbi::Cloud::custom(base.clone(), base)
    }

    /// The CONNECT targets of the proxied cloud's sign-in and API hosts.
    pub fn proxied_targets(&self) -> [String; 2] {
        let port = self.address.port();
        [format!("{LOGIN_HOST}:{port}"), format!("{API_HOST}:{port}")]
    }
}

/// Starts a sandbox over TLS with a certificate for `names`, issued by a fresh test CA: the
/// sandbox, its address and the CA's certificate (DER) for a client to trust.
pub async fn start_tls_sandbox(
    config: SandboxConfig,
    names: Vec<String>,
) -> (Sandbox, SocketAddr, Vec<u8>) {
    let ca_key = rcgen::KeyPair::generate().expect("a CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "powerbi-rs test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).expect("the CA");
    let leaf_key = rcgen::KeyPair::generate().expect("a leaf key");
    let leaf = rcgen::CertificateParams::new(names)
        .expect("params")
        .signed_by(&leaf_key, &ca)
        .expect("the leaf");
    let sandbox = Sandbox::start_tls(config, &leaf.pem(), &leaf_key.serialize_pem())
        .await
        .expect("the TLS sandbox starts");
    let address: SocketAddr = sandbox
        .base_url()
        .trim_start_matches("https://")
        .parse()
        .expect("an address");
    (sandbox, address, ca.der().to_vec())
}
