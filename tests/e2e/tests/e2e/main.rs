//! End-to-end tests: the generated `powerbi` client against the `powerbi-sandbox` over real
//! HTTP on loopback. One test binary; one module per area.

mod common;

mod client;
mod credentials;
mod dashboards;
mod datasets;
mod examples;
mod generated_fixtures;
mod groups;
mod leaks;
mod microsoft;
mod reports;
mod sandbox_examples;
mod sign_in;
mod snapshot;
mod subset;
mod token_cache;
