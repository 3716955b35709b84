//! Clients for a [`RawServer`]: the answers the sandbox would never give.

use std::time::Duration;

use powerbi::auth::StaticTokenCredential;
use powerbi::runtime::RetryPolicy;
use powerbi::{Cloud, PowerBiClient, PowerBiClientBuilder};
pub use powerbi_sandbox::raw::{RawRequest, RawServer, answer, json};

/// A client whose API base and authority are `server`, signed in with a fixed token, that
/// does not retry (each answer is seen once).
pub fn raw_client(server: &RawServer) -> PowerBiClient {
    raw_builder(server).build().expect("the client builds")
}

/// [`raw_client`]'s builder, for a test to add to.
pub fn raw_builder(server: &RawServer) -> PowerBiClientBuilder {
    let url: url::Url = server.url().parse().expect("the server's URL");
    PowerBiClient::builder()
        .cloud(Cloud::custom(url.clone(), url))
        .allow_insecure_loopback()
        .credential(StaticTokenCredential::new(
            "raw-test-token",
            Duration::from_secs(3600),
        ))
        .retry_policy(RetryPolicy::none())
}
