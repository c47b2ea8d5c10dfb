//! `pulse serve`: the JSON API over a data directory. Record writes go to one writer thread,
//! which commits the ones waiting together (each still whole or not at all) with the importer's
//! validation; metric queries run on their own runtime over an
//! immutable in-memory copy of the records (one per data version), so a query never sees half of
//! an import and never holds up the server's I/O threads.

mod api;
mod auth;
mod error;
mod ingest;

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pulse_engine::Engine;
use pulse_store::Store;

pub use auth::{hash_password, new_api_token, token_hash};

/// How `pulse serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub data: PathBuf,
    pub bind: SocketAddr,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long a request may take before it is answered with 408.
    pub request_timeout: Duration,
}

impl ServeOptions {
    pub fn new(data: PathBuf, bind: SocketAddr) -> ServeOptions {
        ServeOptions { data, bind, max_body_bytes: 64 << 20, request_timeout: Duration::from_secs(300) }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] pulse_store::Error),
    #[error("cannot listen on {address}: {source}")]
    Bind { address: SocketAddr, source: std::io::Error },
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// What every request handler shares.
#[derive(Debug)]
pub(crate) struct AppState {
    data: PathBuf,
    /// For sign-in, sessions, tokens, status and the audit log: short statements only.
    store: Mutex<Store>,
    /// Queue of record writes to the writer thread.
    writes: tokio::sync::mpsc::Sender<ingest::Job>,
    /// The records of the latest data version, loaded on first use after each import.
    engine: tokio::sync::Mutex<Option<Arc<Engine>>>,
    /// Where queries run, off the server's I/O threads.
    queries: tokio::runtime::Handle,
    limiter: auth::SignInLimiter,
    /// Metric responses of the current data version, by (owner scope, query string).
    reports: Mutex<ReportCache>,
}

/// Answers to identical metric queries over one data version: the data cannot change under them,
/// so they are computed once. Emptied when the version changes; bounded.
#[derive(Debug, Default)]
pub(crate) struct ReportCache {
    version: i64,
    entries: std::collections::HashMap<(Option<String>, String), Arc<Vec<u8>>>,
}

impl ReportCache {
    const MAX_ENTRIES: usize = 256;

    pub(crate) fn get(&mut self, version: i64, key: &(Option<String>, String)) -> Option<Arc<Vec<u8>>> {
        if self.version != version {
            self.entries.clear();
            self.version = version;
        }
        self.entries.get(key).cloned()
    }

    pub(crate) fn put(&mut self, version: i64, key: (Option<String>, String), body: Arc<Vec<u8>>) {
        if self.version != version {
            self.entries.clear();
            self.version = version;
        }
        if self.entries.len() >= Self::MAX_ENTRIES {
            self.entries.clear();
        }
        self.entries.insert(key, body);
    }
}

impl AppState {
    pub(crate) fn with_store<T>(
        &self,
        read: impl FnOnce(&Store) -> pulse_store::Result<T>,
    ) -> Result<T, error::ApiError> {
        let store = self.store.lock().expect("the store lock is never poisoned");
        Ok(read(&store)?)
    }

    /// The engine over the current data version.
    pub(crate) async fn engine(&self) -> Result<Arc<Engine>, error::ApiError> {
        let version = self.with_store(Store::data_version)?;
        let mut cached = self.engine.lock().await;
        if let Some(engine) = cached.as_ref().filter(|engine| engine.data_version() == version) {
            return Ok(engine.clone());
        }
        let data = self.data.clone();
        let engine = tokio::task::spawn_blocking(move || -> Result<Engine, error::ApiError> {
            let store = Store::open(&data)?;
            Ok(Engine::load(&store)?)
        })
        .await
        .map_err(error::ApiError::internal)??;
        let engine = Arc::new(engine);
        *cached = Some(engine.clone());
        Ok(engine)
    }
}

/// Serves the API until `shutdown` resolves, then finishes the requests in flight (every write
/// acknowledged before is committed: imports commit before they answer). `on_listening` is
/// told the bound address once the server accepts connections.
pub fn serve(
    options: ServeOptions,
    on_listening: impl FnOnce(SocketAddr) + Send + 'static,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let queries = tokio::runtime::Builder::new_multi_thread().thread_name("pulse-query").enable_all().build()?;
    let server = tokio::runtime::Builder::new_multi_thread().thread_name("pulse-http").enable_all().build()?;
    let writer = Store::open(&options.data)?;
    let (writes, jobs) = tokio::sync::mpsc::channel(WRITE_QUEUE);
    let writer_thread = std::thread::Builder::new().name("pulse-writer".to_owned()).spawn({
        let uploads = uploads_dir(&options.data);
        move || ingest::run_writer(writer, uploads, jobs)
    })?;
    let state = Arc::new(AppState {
        data: options.data.clone(),
        store: Mutex::new(Store::open(&options.data)?),
        writes: writes.clone(),
        engine: tokio::sync::Mutex::new(None),
        queries: queries.handle().clone(),
        limiter: auth::SignInLimiter::default(),
        reports: Mutex::new(ReportCache::default()),
    });
    let result = server.block_on(async move {
        let listener = tokio::net::TcpListener::bind(options.bind)
            .await
            .map_err(|source| Error::Bind { address: options.bind, source })?;
        let address = listener.local_addr()?;
        on_listening(address);
        let app = api::router(state, &options).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
        Ok(())
    });
    // Writes whose clients went away are still committed before the process ends.
    let _ = writes.blocking_send(ingest::Job::Stop);
    let _ = writer_thread.join();
    queries.shutdown_timeout(Duration::from_secs(5));
    result
}

/// How many record writes may wait for the writer before senders wait too.
const WRITE_QUEUE: usize = 1024;

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// The data directory's `uploads/` folder, where request bodies are staged for the importer.
fn uploads_dir(data: &Path) -> PathBuf {
    data.join("uploads")
}
