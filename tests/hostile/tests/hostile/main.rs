//! The client against servers that misbehave, over raw sockets on loopback. Each case checks
//! the value returned, the requests the server saw and, where memory is at stake, the peak of
//! live heap bytes during the call (a counting allocator; the cases run one at a time so that
//! no other case allocates meanwhile). Every server reply is bounded in size and time.

mod bodies;
mod decoding;
mod malformed;
mod redirects;
mod timeouts;

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use powerbi::auth::StaticTokenCredential;
use powerbi::runtime::RetryPolicy;
use powerbi::{Cloud, PowerBiClient, PowerBiClientBuilder};
use powerbi_hostile_tests::HostileServer;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(pointer, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            if new_size >= layout.size() {
                let grown = new_size - layout.size();
                let live = LIVE.fetch_add(grown, Ordering::Relaxed) + grown;
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One case at a time: the peak of live heap bytes is process-wide.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A MiB, for memory bounds.
const MIB: usize = 1024 * 1024;

/// The most any case may take, whatever the server does.
const CASE_LIMIT: Duration = Duration::from_secs(60);

/// Runs `call` alone and returns its output and how far live heap bytes rose above where
/// they were when it started.
async fn measured<T>(call: impl Future<Output = T>) -> (T, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let output = tokio::time::timeout(CASE_LIMIT, call)
        .await
        .expect("the case ends within its limit");
    let peak = PEAK.load(Ordering::Relaxed);
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
