//! The sandbox over real HTTP: one test binary, a module per area.

mod example_answers;
mod fabric;
mod fabric_examples;
mod seeding;
mod service;

use std::sync::Once;

use reqwest::Client;

/// A plain-HTTP client, one per test thread (each test has its own runtime; building a client
/// per request would cost more than the requests). reqwest still wants a TLS crypto provider
/// installed, even for plain HTTP.
pub fn http() -> Client {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        // rustls 0.23.48 deprecates ring's provider (no post-quantum key exchange); this project
        // stays on ring: generated/runtime/src/tls.rs says why.
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    thread_local! {
        static CLIENT: Client = Client::new();
    }
    CLIENT.with(Client::clone)
}
