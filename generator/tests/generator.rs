//! The integration tests of `powerbi-codegen`: golden output of valid fixtures, exact
//! diagnostics of malformed ones, the real spec, robustness against mangled input and the CLI.
//!
//! Golden files (`tests/golden/*.rs`) and expected diagnostics
//! (`tests/fixtures/malformed/*/expected.txt`) are compared exactly; run with
//! `UPDATE_EXPECTED=1` to rewrite them after an intended change, then review the diff.

mod generator {
    pub mod bundled;
    #[cfg(feature = "cli")]
    pub mod cli;
    pub mod drift;
    pub mod example_dispatch;
    pub mod golden;
    pub mod import;
    pub mod malformed;
    pub mod never_panics;
    pub mod real_spec;
    pub mod request_types;
    pub mod split;
    pub mod support;
}
