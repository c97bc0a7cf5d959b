//! Tianye's collection server (`tianye serve`): receives uploads into an embedded
//! SQLite database (or PostgreSQL), re-validates every response with the core, and exports the data
//! for analysis.
//!
//! ```text
//! GET  /api/v1/questionnaires                    current questionnaires
//! GET  /api/v1/questionnaires/{id}[?version=V]   a questionnaire's JSON
//! POST /api/v1/submissions                       upload a response (team token)
//! GET  /api/v1/questionnaires/{id}/export.csv    exports (admin token): export.xlsx,
//!                                                export.jsonl, codebook.csv, codebook.xlsx
//! GET  /api/v1/admin/overview                    counts (admin token)
//! GET  /admin                                    the overview page
//! ```
//!
//! [`app`] builds the router from an [`AppState`], so tests can call it without a
//! socket; [`serve`] opens the data directory, loads the questionnaires and serves.

pub mod auth;
pub mod backup_files;
pub mod canonical;
pub mod connections;
pub mod entry;
pub mod error;
pub mod export;
pub mod forms;
pub mod ingest;
pub mod listen;
pub mod qr;
mod routes;
pub mod store;
pub mod time;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use error::{ApiCode, ApiError};
pub use forms::{Catalog, CatalogError, FormVersion};
pub use store::{SqliteStore, Store, StoreError};

/// Largest request body accepted (1 MiB).
pub const MAX_BODY: usize = 1024 * 1024;

/// Which origins may call the public API (questionnaires and uploads) from a browser.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CorsOrigins {
    /// Any origin (uploads are authorised by bearer tokens, not cookies).
    #[default]
    Any,
    /// Only these origins (`https://portal.example.org`).
    List(Vec<String>),
}

/// Settings of the HTTP application.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The built web app, served with an `index.html` fallback.
    pub web_dir: Option<PathBuf>,
    /// Origins allowed on the public API; admin endpoints allow none. The same origins
    /// may frame the app's pages.
    pub cors: CorsOrigins,
    /// Any site may frame the app's pages (the operator said `--cors-origin '*'`);
    /// otherwise only this site and the origins of `cors`, when it lists them.
    pub frame_anywhere: bool,
    /// Largest request body.
    pub max_body: usize,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            web_dir: None,
            cors: CorsOrigins::Any,
            frame_anywhere: false,
            max_body: MAX_BODY,
        }
    }
}

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    store: Arc<dyn Store>,
    catalog: Arc<Catalog>,
    config: Arc<AppConfig>,
}

impl AppState {
    /// State over `store` and `catalog`.
    pub fn new(store: Arc<dyn Store>, catalog: Catalog, config: AppConfig) -> Self {
        AppState { store, catalog: Arc::new(catalog), config: Arc::new(config) }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The questionnaires.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }
}

/// The router: the API, the admin page and the web app.
pub fn app(state: AppState) -> axum::Router {
    routes::router(state)
}

/// Settings of `tianye serve`.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The data directory: the SQLite database lives in it, and attachment files
    /// whichever the database.
    pub data_dir: PathBuf,
    /// A PostgreSQL URL (`postgres://user:password@host/db`) to use instead of SQLite.
    pub database: Option<String>,
    /// Address to listen on (`127.0.0.1:8080`; port 0 picks a free one).
    pub bind: String,
    /// Questionnaires to load and check (a directory searched for `form.json`, or one file).
    pub forms: Option<PathBuf>,
    /// Largest size of the database file, if limited (see
    /// [`SqliteStore::open_with_limit`]).
    pub max_db_bytes: Option<u64>,
    /// The rest of the application's settings.
    pub app: AppConfig,
}

/// What `tianye serve` reports once it listens.
#[derive(Debug, Clone)]
pub struct Started {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The admin token, when it was created now (first start): shown once.
    pub new_admin_token: Option<String>,
    /// Questionnaire versions loaded from disk (id, version, what registering did).
    pub loaded: Vec<(String, String, store::Registration)>,
    /// Problems that do not stop the server.
    pub warnings: Vec<String>,
    /// The database: the SQLite file, or the PostgreSQL URL without its password.
    pub database: String,
    /// Connections held at once (after raising the process's file limit).
    pub max_connections: usize,
}

/// Why `tianye serve` stopped or did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A questionnaire is broken (the checker's report) or cannot be stored.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// The address could not be bound, or serving failed.
    #[error("无法监听 {addr} / cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// No randomness for the admin token.
    #[error("无法生成令牌 / cannot generate a token: {0}")]
    Random(String),
}

/// Opens the store (PostgreSQL at `database`, else SQLite in `data_dir`) and loads the
/// questionnaires: everything `tianye serve` does before it listens. Creates the admin
/// token on first start. Also returns where the data is.
pub fn open(
    data_dir: &Path,
    database: Option<&str>,
    forms: Option<&Path>,
    max_db_bytes: Option<u64>,
    app: AppConfig,
) -> Result<(AppState, Option<String>, forms::LoadNotes, String), ServeError> {
    let opened = store::open(data_dir, database, max_db_bytes)?;
    let store: Arc<dyn Store> = Arc::from(opened.store);
    let (catalog, mut notes) = Catalog::load(&*store, forms)?;
    notes.warnings.splice(0..0, opened.warnings);
    let token = auth::generate_token().map_err(|e| ServeError::Random(e.to_string()))?;
    let new_admin = store.create_first_admin_token(&auth::hash_token(&token))?.then_some(token);
    Ok((AppState::new(store, catalog, app), new_admin, notes, opened.location))
}

/// Runs `tianye serve` until Ctrl-C or SIGTERM: opens, listens, calls `ready` once
/// listening, serves, then shuts down gracefully (uploads in flight are finished and
/// committed, for up to [`SHUTDOWN_GRACE`]).
pub fn serve(config: ServeConfig, ready: impl FnOnce(&Started)) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("tianye-http")
        .build()
        .map_err(|source| ServeError::Listen { addr: config.bind.clone(), source })?;
    let (state, new_admin_token, notes, database) = open(
        &config.data_dir,
        config.database.as_deref(),
        config.forms.as_deref(),
        config.max_db_bytes,
        config.app.clone(),
    )?;
    let limits = listen::Limits::for_this_process();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&config.bind)
            .await
            .map_err(|source| ServeError::Listen { addr: config.bind.clone(), source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ServeError::Listen { addr: config.bind.clone(), source })?;
        ready(&Started {
            addr,
            new_admin_token,
            loaded: notes.loaded,
            warnings: notes.warnings,
            database,
            max_connections: limits.connections,
        });
        // Asked to stop, the server finishes the requests in flight, but waits for them
        // no longer than `SHUTDOWN_GRACE`.
        let app = app(state);
        listen::serve(listener, app, limits, SHUTDOWN_GRACE, shutdown_signal()).await;
        Ok(())
    })
}

/// How long a stopping server waits for the requests in flight.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
