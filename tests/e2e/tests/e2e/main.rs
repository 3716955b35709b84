//! End-to-end tests: the generated `powerbi` client against the `powerbi-sandbox` over real
//! HTTP on loopback. One test binary; one module per area.

mod common;
mod connect_proxy;

mod ci_sign_in;
mod client;
mod credentials;
mod dashboards;
mod datasets;
mod dax;
mod encoding;
mod example_support;
mod examples;
mod fabric;
mod fabric_bodies;
mod fabric_definitions;
mod fabric_examples;
mod fabric_generated;
mod fabric_server;
mod files;
mod gateway_credentials;
mod generated_fixtures;
mod groups;
mod jobs;
mod known_scopes;
mod leaks;
mod microsoft;
mod one_drive;
mod paging;
mod proxy;
mod raw;
mod redirects;
mod reports;
mod resilience;
mod sandbox_example_answers;
mod secrets;
mod seeded_identities;
mod sign_in;
mod snapshot;
mod soak;
mod spans;
mod spawned;
mod subset;
mod token_cache;
