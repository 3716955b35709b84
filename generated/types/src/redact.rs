//! What a generated model's `Debug` prints in place of a secret field. The runtime's `redact`
//! module, which removes secrets from URLs and error texts, re-exports it and shares its word.

use std::fmt;

/// The word that stands in for a removed secret: a `sig=` value, a secret field of a model.
#[doc(hidden)]
pub const MARKER: &str = "REDACTED";

/// What a generated model's `Debug` prints in place of a secret field's value: `REDACTED`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MARKER)
    }
}
