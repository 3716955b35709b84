//! The client against servers that misbehave, over raw sockets on loopback. Each case checks
//! the value returned, the requests the server saw and, where memory is at stake, the peak of
//! live heap bytes during the call (a counting allocator; the cases run one at a time so that
//! no other case allocates meanwhile). Every server reply is bounded in size and time.

mod bodies;
mod decoding;
mod malformed;
mod redirects;
mod timeouts;

use std::future::Future;
use std::time::Duration;

use powerbi::auth::StaticTokenCredential;
use powerbi::runtime::RetryPolicy;
use powerbi::{Cloud, PowerBiClient, PowerBiClientBuilder};
use powerbi_hostile_tests::HostileServer;

#[global_allocator]
static ALLOCATOR: powerbi_memory_tests::Counting = powerbi_memory_tests::Counting;

/// One case at a time: the peak of live heap bytes is process-wide.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A MiB, for memory bounds.
const MIB: usize = 1024 * 1024;

/// The most any case may take, whatever the server does.
const CASE_LIMIT: Duration = Duration::from_secs(60);

/// Runs `call` alone and returns its output and how far live heap bytes rose above where
/// they were when it started.
async fn measured<T>(call: impl Future<Output = T>) -> (T, usize) {
    let before = powerbi_memory_tests::reset_peak();
    let output = tokio::time::timeout(CASE_LIMIT, call)
        .await
        .expect("the case ends within its limit");
    let peak = powerbi_memory_tests::peak();
    (output, peak.saturating_sub(before))
}

/// Takes the one-case-at-a-time lock.
async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    SERIAL.lock().await
}

/// A client aimed at `server` (API and sign-in both), with a token of its own and no retries,
/// so that every request the server sees is one the case asked for.
fn client_for(server: &HostileServer) -> PowerBiClientBuilder {
    let base: url::Url = server.base().parse().expect("a URL");
    PowerBiClient::builder()
        .cloud(Cloud::custom(base.clone(), base))
        .allow_insecure_loopback()
        .credential(StaticTokenCredential::new(
            "hostile-test-token",
            Duration::from_secs(3600),
        ))
        .retry_policy(RetryPolicy::none())
}

/// The workspace id cases address.
const WORKSPACE: &str = "f089354e-8366-4e18-aea3-4cb4a3a50b48";

fn workspace() -> powerbi::runtime::Uuid {
    WORKSPACE.parse().expect("a UUID")
}
