//! The state every handler shares: settings, counters and the locked store. It names no
//! handler: the router that serves both fake services is assembled in `router.rs`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use crate::config::SandboxConfig;
use crate::directory::Directory;
use crate::faults::Faults;
use crate::record::Recorder;
use crate::state::State;

/// Cheap-to-clone handle on the shared sandbox state.
#[derive(Clone, Debug)]
pub(crate) struct App(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    base_url: String,
    token_delay_nanos: AtomicU64,
    token_lifetime: Option<Duration>,
    refresh_duration: Duration,
    refresh_publish_delay: Duration,
    export_file_size: Option<u64>,
    continuation_host: Option<String>,
    token_requests: AtomicU64,
    tokens_issued: AtomicU64,
    refreshes_started: AtomicU64,
    imports_created: AtomicU64,
    workspaces_created: AtomicU64,
    faults: Arc<Faults>,
    recorder: Arc<Recorder>,
    state: Mutex<State>,
    /// Identities seeded by the test; a lock of its own, so looking one up never waits on the store.
    directory: RwLock<Directory>,
}

impl App {
    /// A fresh sandbox state, reachable at `base_url`.
    pub(crate) fn new(config: SandboxConfig, base_url: String) -> Self {
        let app = App(Arc::new(Shared {
            base_url,
            token_delay_nanos: AtomicU64::new(0),
            token_lifetime: config.token_lifetime,
            refresh_duration: config.refresh_duration,
            refresh_publish_delay: config.refresh_publish_delay,
            export_file_size: config.export_file_size,
            continuation_host: config.continuation_host,
            token_requests: AtomicU64::new(0),
            tokens_issued: AtomicU64::new(0),
            refreshes_started: AtomicU64::new(0),
            imports_created: AtomicU64::new(0),
            workspaces_created: AtomicU64::new(0),
            faults: Arc::default(),
            recorder: Arc::default(),
            state: Mutex::new(State::seeded()),
            directory: RwLock::default(),
        }));
        app.set_token_delay(config.token_delay);
        app
    }

    /// Locks the store. Never hold the guard across an `.await`.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.0.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The directory, for looking identities up.
    pub(crate) fn directory(&self) -> RwLockReadGuard<'_, Directory> {
        self.0
            .directory
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The directory, for seeding identities.
    pub(crate) fn directory_mut(&self) -> RwLockWriteGuard<'_, Directory> {
        self.0
            .directory
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// `http://host:port` of this sandbox, for links when a request carries no `Host`.
    pub(crate) fn base_url(&self) -> &str {
        &self.0.base_url
    }

    /// How long the token endpoint waits before answering.
    pub(crate) fn token_delay(&self) -> Duration {
        Duration::from_nanos(self.0.token_delay_nanos.load(Ordering::Relaxed))
    }

    /// Changes the token endpoint delay for requests arriving from now on.
    pub(crate) fn set_token_delay(&self, delay: Duration) {
        let nanos = u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX);
        self.0.token_delay_nanos.store(nanos, Ordering::Relaxed);
    }

    /// The fixed token lifetime, or `None` for a random one per token.
    pub(crate) fn token_lifetime(&self) -> Option<Duration> {
        self.0.token_lifetime
    }

    /// How long a dataset refresh stays in progress.
    pub(crate) fn refresh_duration(&self) -> Duration {
        self.0.refresh_duration
    }

    /// How long an accepted refresh stays out of the history.
    pub(crate) fn refresh_publish_delay(&self) -> Duration {
        self.0.refresh_publish_delay
    }

    /// The host name continuation URIs are published on, when configured.
    pub(crate) fn continuation_host(&self) -> Option<&str> {
        self.0.continuation_host.as_deref()
    }

    /// The size of exported files, when configured.
    pub(crate) fn export_file_size(&self) -> Option<u64> {
        self.0.export_file_size
    }

    /// Counts a request to the token endpoint.
    pub(crate) fn count_token_request(&self) {
        self.0.token_requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an issued token.
    pub(crate) fn count_token_issued(&self) {
        self.0.tokens_issued.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an accepted dataset refresh.
    pub(crate) fn count_refresh_started(&self) {
        self.0.refreshes_started.fetch_add(1, Ordering::Relaxed);
    }

    /// Requests to the token endpoint so far, failed ones included.
    pub(crate) fn token_requests(&self) -> u64 {
        self.0.token_requests.load(Ordering::Relaxed)
    }

    /// Tokens issued so far.
    pub(crate) fn tokens_issued(&self) -> u64 {
        self.0.tokens_issued.load(Ordering::Relaxed)
    }

    /// Dataset refreshes accepted so far.
    pub(crate) fn refreshes_started(&self) -> u64 {
        self.0.refreshes_started.load(Ordering::Relaxed)
    }

    /// Counts a created import.
    #[allow(dead_code)]
    pub(crate) fn count_import_created(&self) {
        self.0.imports_created.fetch_add(1, Ordering::Relaxed);
    }

    /// Imports created so far.
    pub(crate) fn imports_created(&self) -> u64 {
        self.0.imports_created.load(Ordering::Relaxed)
    }

    /// Counts a created workspace.
    pub(crate) fn count_workspace_created(&self) {
        self.0.workspaces_created.fetch_add(1, Ordering::Relaxed);
    }

    /// Workspaces created so far.
    pub(crate) fn workspaces_created(&self) -> u64 {
        self.0.workspaces_created.load(Ordering::Relaxed)
    }

    /// The fault mode's state, shared with the fault-injecting layer.
    pub(crate) fn faults(&self) -> &Arc<Faults> {
        &self.0.faults
    }

    /// The log of every request received, shared with the recording layer.
    pub(crate) fn recorder(&self) -> &Arc<Recorder> {
        &self.0.recorder
    }
}
