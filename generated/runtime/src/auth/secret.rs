//! A string that never shows itself and is wiped when dropped.

use std::fmt;
use std::sync::Arc;

use zeroize::Zeroize;

/// A secret (client secret, password, token, identity header, private key text).
///
/// `Debug` prints `Secret(***)` and `Display` prints `***`; read the value only with
/// [`Secret::expose`], where it is sent. Clones share one copy of the bytes (a clone per call
/// costs a reference count, not a copy), which is overwritten (with the `zeroize` crate) when
/// the last clone is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<Wiped>);

/// The one copy of a secret's bytes, wiped on drop.
#[derive(PartialEq, Eq)]
struct Wiped(String);

impl Drop for Wiped {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Arc::new(Wiped(value.into())))
    }

    /// The value, for the one place it is sent.
    pub fn expose(&self) -> &str {
        &self.0.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl From<&String> for Secret {
    fn from(value: &String) -> Self {
        Secret::new(value.as_str())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_and_display_hide_the_value() {
        let secret = Secret::new("p@ss+/=~%word");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(secret.expose(), "p@ss+/=~%word");
    }

    #[test]
    fn clones_share_the_value_and_outlive_each_other() {
        let first = Secret::from("token value");
        let second = first.clone();
        assert_eq!(first, second);
        drop(first);
        assert_eq!(second.expose(), "token value");
        assert_ne!(second, Secret::new("other"));
    }
}
