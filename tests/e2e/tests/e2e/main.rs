//! End-to-end tests: the generated `powerbi` client against the `powerbi-sandbox` over real
//! HTTP on loopback. One test binary; one module per area.

mod common;

mod ci_sign_in;
mod client;
mod credentials;
mod dashboards;
mod datasets;
mod dax;
mod encoding;
mod example_support;
mod examples;
mod files;
mod generated_fixtures;
mod groups;
mod jobs;
mod known_scopes;
mod leaks;
mod microsoft;
mod paging;
mod raw;
mod redirects;
mod reports;
mod resilience;
mod sandbox_example_answers;
mod sign_in;
mod snapshot;
mod soak;
mod spawned;
mod subset;
mod token_cache;
