//! Cycle detection over the links and tokens a service returns, in fixed memory.

use std::hash::{BuildHasher, Hash, Hasher, RandomState};

/// Detects cycles in the links and tokens a service returns without keeping them: the hashes
/// of the first request, of the page just fetched, and a checkpoint that moves to the latest
/// page after 1, 2, 4, 8, ... pages (Brent's cycle detection). Its size is fixed.
#[derive(Debug, Clone)]
pub(super) struct CycleGuard {
    pub(super) keys: RandomState,
    pub(super) first: Option<u64>,
    pub(super) previous: Option<u64>,
    pub(super) checkpoint: Option<u64>,
    pub(super) distance: u64,
    pub(super) steps: u64,
}

impl CycleGuard {
    pub(super) fn new() -> Self {
        CycleGuard {
            keys: RandomState::new(),
            first: None,
            previous: None,
            checkpoint: None,
            distance: 1,
            steps: 0,
        }
    }

    /// Forgets everything: a new listing (or a new activity-log day) starts.
    pub(super) fn reset(&mut self) {
        self.first = None;
        self.previous = None;
        self.checkpoint = None;
        self.distance = 1;
        self.steps = 0;
    }

    pub(super) fn url_key(&self, url: &url::Url) -> u64 {
        let mut hasher = self.keys.build_hasher();
        0u8.hash(&mut hasher);
        hash_url(url, &mut hasher);
        hasher.finish()
    }

    pub(super) fn token_key(&self, token: &str) -> u64 {
        self.keys.hash_one((1u8, token))
    }

    /// Records the page about to be fetched; `Err` with what it repeats when it was fetched
    /// before (as far as the fixed-size state can tell).
    pub(super) fn visit(&mut self, key: u64) -> std::result::Result<(), &'static str> {
        let Some(first) = self.first else {
            self.first = Some(key);
            self.previous = Some(key);
            return Ok(());
        };
        if key == first {
            return Err("leads back to the first page");
        }
        if Some(key) == self.previous {
            return Err("leads to the page it came with");
        }
        if Some(key) == self.checkpoint {
            return Err("leads back to an earlier page");
        }
        self.previous = Some(key);
        self.steps += 1;
        if self.steps >= self.distance {
            self.checkpoint = Some(key);
            self.distance = self.distance.saturating_mul(2);
            self.steps = 0;
        }
        Ok(())
    }
}

/// Hashes what identifies a URL's resource: scheme, host (ASCII case aside), port, path and
/// the query parameters in sorted order (a service may reorder them).
fn hash_url(url: &url::Url, hasher: &mut impl Hasher) {
    url.scheme().hash(hasher);
    if let Some(host) = url.host_str() {
        for byte in host.trim_end_matches('.').bytes() {
            hasher.write_u8(byte.to_ascii_lowercase());
        }
    }
    url.port_or_known_default().hash(hasher);
    url.path().hash(hasher);
    let mut pairs: Vec<_> = url.query_pairs().collect();
    pairs.sort_unstable();
    pairs.hash(hasher);
}
