//! End-to-end tests: the generated `powerbi` client against the `powerbi-sandbox` over real
//! HTTP on loopback. One test binary; one module per area.

mod common;

mod client;
mod dashboards;
mod datasets;
mod generated_fixtures;
mod groups;
mod microsoft;
mod reports;
mod sign_in;
mod snapshot;
mod subset;
