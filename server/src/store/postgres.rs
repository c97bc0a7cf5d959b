//! The PostgreSQL backend, for deployments that run several `tianye serve` processes
//! behind a load balancer, or a database server they already keep.
//!
//! - The driver is async (tokio-postgres, pooled by deadpool-postgres) and runs on a
//!   small runtime the store owns. The [`Store`] reads are blocking calls: each hands its
//!   work to that runtime and waits for the answer, leaving the caller's async worker
//!   first (`block_in_place`) when it is called on one, so no worker of the server's
//!   runtime is ever held waiting for the database.
//! - [`Store::submit`] runs one transaction per submission on the store's runtime and
//!   answers after `COMMIT` (PostgreSQL commits durably, and groups concurrent commits
//!   itself). Idempotency lives in the database, not in this process: `INSERT … ON
//!   CONFLICT (instance_id) DO NOTHING`, then the stored copy is read back. A concurrent
//!   insert of the same `instance_id` from another server waits for that one to commit,
//!   so exactly one answer is "created", whichever process it reached.
//! - Exports read through a portal inside one read-only repeatable-read transaction,
//!   a few hundred rows at a time: a consistent snapshot, never the whole table in memory.
//! - Attachment bytes stay on disk under the data folder ([`FileStore`]), as with SQLite.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;

use super::files::FileStore;
use super::review::{FieldPath, pick_fields};
use super::sqlite::{REVIEW_COUNTS_SQL, review_state_from};
use super::{
    Attachment, BoxError, DayCount, NewSubmission, Outcome, Overview, Pending, Registration,
    Revoke, Store, StoreError, StoredFile, StoredForm, SubmissionFiles, SubmissionRow, TeamCount,
    Token, TokenKind, VersionCount, private,
};
use super::{
    ReviewCounts, ReviewEvent, ReviewState, StoredSubmission, SubmissionPage, SubmissionQuery,
    SubmissionSummary, check_comment,
};
use super::{TEAM_DAYS, TeamRow, TeamTarget, target_from, team_progress};
use crate::time::now_utc;

/// Every migration, by number: the same numbers as SQLite's, for the same tables.
/// Append only: never edit or renumber a migration that has shipped.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_init.sql")),
    (2, include_str!("../../migrations/postgres/0002_attachments.sql")),
    (3, include_str!("../../migrations/postgres/0003_review.sql")),
    (4, include_str!("../../migrations/postgres/0004_team_targets.sql")),
];

/// The newest schema version this build knows.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

/// Advisory lock keys (`pg_advisory_xact_lock`): migrations, the first admin token and
/// questionnaire registration each run one at a time across every server process.
const LOCK_MIGRATE: i64 = 0x7469_616e_7965_0001;
const LOCK_ADMIN: i64 = 0x7469_616e_7965_0002;
const LOCK_FORMS: i64 = 0x7469_616e_7965_0003;

/// Connections held open at most, per server process.
const POOL_SIZE: usize = 16;

/// How long connecting may take before the store gives up (when the URL sets none).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Rows fetched from the export's portal at a time.
const SCAN_BATCH: i32 = 256;

/// Batches of export rows read ahead of the writer.
const SCAN_AHEAD: usize = 2;

/// Submissions, questionnaire versions and tokens in a PostgreSQL database; attachment
/// files in the data folder.
///
/// Its reads block the calling thread until the database answers: call them from a
/// blocking task, a plain thread, or a worker of a multi-threaded runtime (which is
/// handed over first), never from a task of a current-thread runtime.
pub struct PgStore {
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    pool: Pool,
    location: String,
    host: String,
    warnings: Vec<String>,
    files: FileStore,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("location", &self.location).finish_non_exhaustive()
    }
}

/// Whether `text` asks for PostgreSQL (`postgres://…` or `postgresql://…`).
pub fn is_postgres_url(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// `url` with its password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return "***".to_owned() };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let tail = redact_query_password(tail);
    match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{scheme}://{name}:***@{host}{tail}"),
            None => format!("{scheme}://{user}@{host}{tail}"),
        },
        None => format!("{scheme}://{authority}{tail}"),
    }
}

fn redact_query_password(tail: &str) -> String {
    let Some((path, query)) = tail.split_once('?') else { return tail.to_owned() };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", pairs.join("&"))
}

/// The hosts (and ports) a parsed configuration names, for messages: `db.example:5432`.
fn host_of(config: &tokio_postgres::Config) -> String {
    let ports = config.get_ports();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let name = match h {
                tokio_postgres::config::Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
            };
            match ports.get(i).or(ports.first()) {
                Some(port) => format!("{name}:{port}"),
                None => format!("{name}:5432"),
            }
        })
        .collect();
    if hosts.is_empty() { "localhost:5432".to_owned() } else { hosts.join(",") }
}

/// Waits for `f` on this thread, first handing the thread's async work to another
/// thread when it is a worker of a multi-threaded tokio runtime.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// An error with its causes, `error: cause: cause` (the driver's `Display` leaves out
/// why a connection failed).
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

fn pool_error(host: &str, e: deadpool_postgres::PoolError) -> StoreError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => StoreError::Postgres(e),
        other => StoreError::Connect { host: host.to_owned(), reason: with_causes(&other) },
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db`),
    /// applies pending migrations, and keeps attachment files under `data_dir` (created
    /// if needed).
    pub fn open(url: &str, data_dir: &Path) -> Result<PgStore, StoreError> {
        let location = redact_url(url.trim());
        if !is_postgres_url(url) {
            return Err(StoreError::DatabaseUrl {
                url: location,
                reason: "应以 postgres:// 开头 / must start with postgres://".to_owned(),
            });
        }
        let mut config = tokio_postgres::Config::from_str(url.trim()).map_err(|e| {
            // The driver's own words name the part it could not read, never the password.
            StoreError::DatabaseUrl { url: location.clone(), reason: e.to_string() }
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("tianye");
        }
        let host = host_of(&config);
        let created = private::create_private_dir(data_dir)
            .map_err(|source| StoreError::Open { path: data_dir.display().to_string(), source })?;
        let mut warnings = Vec::new();
        if !created {
            warnings.extend(private::data_dir_warning(data_dir));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("tianye-postgres")
            .enable_all()
            .build()
            .map_err(|source| StoreError::Open { path: location.clone(), source })?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .create_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| StoreError::Connect { host: host.clone(), reason: e.to_string() })?;
        let store = PgStore {
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
            pool,
            location,
            host: host.clone(),
            warnings,
            files: FileStore::new(data_dir),
        };
        let now = now_utc();
        store.run(move |pool| async move {
            let mut client = pool.get().await.map_err(|e| match e {
                deadpool_postgres::PoolError::Backend(e) => {
                    StoreError::Connect { host: host.clone(), reason: with_causes(&e) }
                }
                other => pool_error(&host, other),
            })?;
            migrate(&mut client, &now).await
        })?;
        Ok(store)
    }

    /// Problems found on opening that do not stop the store (a data folder others can
    /// read), shown on standard error by the commands that open it.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The database's URL without its password.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Runs `work` on the store's runtime and waits for its answer.
    fn run<T, F>(&self, work: impl FnOnce(Pool) -> F) -> Result<T, StoreError>
    where
        F: Future<Output = Result<T, StoreError>> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let future = work(self.pool.clone());
        self.handle.spawn(async move {
            let _ = reply.send(future.await);
        });
        blocking(|| answer.blocking_recv()).unwrap_or(Err(StoreError::Closed))
    }

    fn host(&self) -> String {
        self.host.clone()
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Work still running is abandoned: a submission not yet committed was not
        // acknowledged, and PostgreSQL rolls its transaction back.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Applies every migration newer than the database's version, in one transaction
/// under an advisory lock, so two servers starting at once migrate once.
async fn migrate(client: &mut deadpool_postgres::Object, now: &str) -> Result<i64, StoreError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_MIGRATE]).await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version    BIGINT PRIMARY KEY,
             applied_at TEXT NOT NULL
         );",
    )
    .await?;
    let current: i64 =
        tx.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[]).await?.get(0);
    if current > latest() {
        return Err(StoreError::NewerSchema { found: current, known: latest() });
    }
    // Each migration not yet recorded, not only those above the newest recorded: numbers
    // are reserved on separate branches, so one may land below another already applied.
    let applied: Vec<i64> = tx
        .query("SELECT version FROM schema_version", &[])
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    for &(version, sql) in MIGRATIONS.iter().filter(|m| !applied.contains(&m.0)) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)",
            &[&version, &now],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(latest())
}

fn hash_from(bytes: &[u8]) -> Result<[u8; 32], StoreError> {
    bytes.try_into().map_err(|_| StoreError::Damaged("content_hash".into()))
}

fn token_from_row(r: &tokio_postgres::Row) -> Result<Token, StoreError> {
    let kind: String = r.try_get(1)?;
    Ok(Token {
        id: r.try_get(0)?,
        kind: if kind == "admin" { TokenKind::Admin } else { TokenKind::Team },
        team: r.try_get(2)?,
        created_at: r.try_get(3)?,
        revoked_at: r.try_get(4)?,
    })
}

const TOKEN_COLUMNS: &str = "id, kind, team, created_at, revoked_at";

/// Stores one submission in its own transaction; see the module's notes.
async fn submit_one(pool: Pool, host: String, s: NewSubmission) -> Result<Outcome, StoreError> {
    let mut client = pool.get().await.map_err(|e| pool_error(&host, e))?;
    let tx = client.transaction().await?;
    let insert = tx
        .prepare_cached(
            "INSERT INTO submissions (instance_id, form_id, version, team, token_id,
                 received_at, content_hash, raw, meta, answers)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (instance_id) DO NOTHING",
        )
        .await?;
    let hash: &[u8] = &s.content_hash;
    let inserted = tx
        .execute(
            &insert,
            &[
                &s.instance_id,
                &s.form_id,
                &s.version,
                &s.team,
                &s.token_id,
                &s.received_at,
                &hash,
                &s.raw,
                &s.meta,
                &s.answers,
            ],
        )
        .await?;
    if inserted == 0 {
        // Another copy is committed (a concurrent insert of the same id was waited for).
        let find = tx
            .prepare_cached(
                "SELECT content_hash, received_at FROM submissions WHERE instance_id = $1",
            )
            .await?;
        let row = tx.query_one(&find, &[&s.instance_id]).await?;
        let stored: Vec<u8> = row.try_get(0)?;
        let received_at: String = row.try_get(1)?;
        tx.rollback().await?;
        return Ok(if stored == s.content_hash {
            Outcome::Duplicate { received_at }
        } else {
            Outcome::Conflict { received_at }
        });
    }
    if !s.attachments.is_empty() {
        let expect = tx
            .prepare_cached(
                "INSERT INTO attachments (instance_id, file, sha256, size, media_type)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .await?;
        for a in &s.attachments {
            let size = a.size as i64;
            tx.execute(&expect, &[&s.instance_id, &a.file, &a.sha256, &size, &a.media_type])
                .await?;
        }
    }
    tx.commit().await?;
    Ok(Outcome::Created { received_at: s.received_at })
}

/// The export's query: one row per submission, its files as a JSON array.
const SCAN_SQL: &str = "SELECT seq, s.instance_id, version, team, received_at, meta, answers,
        CASE WHEN answers = '{}' THEN raw END,
        (SELECT COALESCE(json_agg(json_build_array(a.file, a.sha256, a.size, a.media_type,
                                                   a.received_at) ORDER BY a.file), '[]')::text
           FROM attachments a WHERE a.instance_id = s.instance_id),
        r.state, r.comment
   FROM submissions s
   LEFT JOIN reviews r ON r.id = (SELECT MAX(id) FROM reviews WHERE instance_id = s.instance_id)
   WHERE form_id = $1 ORDER BY seq";

fn scan_row(r: &tokio_postgres::Row) -> Result<SubmissionRow, StoreError> {
    let answers: String = r.try_get(6)?;
    // Only an envelope has a top-level `sealed` (ingest sends any upload with one down
    // the sealed path), and its answers are stored as `{}`: only such rows' raw text is
    // read, and it is parsed here rather than by the database.
    let envelope = r.try_get::<_, Option<String>>(7)?.filter(|raw| {
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(raw)
            .is_ok_and(|m| m.contains_key("sealed"))
    });
    Ok(SubmissionRow {
        seq: r.try_get(0)?,
        instance_id: r.try_get(1)?,
        version: r.try_get(2)?,
        team: r.try_get(3)?,
        received_at: r.try_get(4)?,
        meta: r.try_get(5)?,
        answers,
        envelope,
        files: super::sqlite::files_from_json(&r.try_get::<_, String>(8)?)?,
        file_key: None,
        review_state: review_state_from(r.try_get(9)?)?,
        review_comment: r.try_get::<_, Option<String>>(10)?.unwrap_or_default(),
    })
}

/// Reads the export's rows through a portal, `SCAN_BATCH` at a time, sending each batch
/// to `out`; stops when `out` is closed (the writer failed).
async fn scan(
    pool: Pool,
    host: String,
    form_id: String,
    out: mpsc::Sender<Result<Vec<SubmissionRow>, StoreError>>,
) {
    let result = async {
        let mut client = pool.get().await.map_err(|e| pool_error(&host, e))?;
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let statement = tx.prepare(SCAN_SQL).await?;
        let params: [&(dyn ToSql + Sync); 1] = [&form_id];
        let portal = tx.bind(&statement, &params).await?;
        loop {
            let rows = tx.query_portal(&portal, SCAN_BATCH).await?;
            if rows.is_empty() {
                break;
            }
            let batch = rows.iter().map(scan_row).collect::<Result<Vec<_>, _>>()?;
            if out.send(Ok(batch)).await.is_err() {
                break;
            }
        }
        tx.rollback().await?;
        Ok::<(), StoreError>(())
    }
    .await;
    if let Err(e) = result {
        let _ = out.send(Err(e)).await;
    }
}

impl Store for PgStore {
    fn submit(&self, submission: NewSubmission) -> Pending {
        let (reply, pending) = oneshot::channel();
        let (pool, host) = (self.pool.clone(), self.host());
        self.handle.spawn(async move {
            let outcome = submit_one(pool, host, submission).await.map_err(|e| match e {
                StoreError::Postgres(e) => StoreError::Write(e.to_string()),
                other => other,
            });
            let _ = reply.send(outcome);
        });
        pending
    }

    fn token_by_hash(&self, hash: &[u8; 32]) -> Result<Option<Token>, StoreError> {
        let hash = hash.to_vec();
        let host = self.host();
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(|e| pool_error(&host, e))?;
            let st = client
                .prepare_cached(&format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE hash = $1"))
                .await?;
            client.query_opt(&st, &[&hash]).await?.as_ref().map(token_from_row).transpose()
        })
    }

    fn create_token(
        &self,
        kind: TokenKind,
        team: &str,
        hash: &[u8; 32],
    ) -> Result<Token, StoreError> {
        let (hash, team, now, host) = (hash.to_vec(), team.to_owned(), now_utc(), self.host());
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(|e| pool_error(&host, e))?;
            let row = client
                .query_one(
                    "INSERT INTO tokens (kind, team, hash, created_at) VALUES ($1, $2, $3, $4)
                     RETURNING id",
                    &[&kind.as_str(), &team, &hash, &now],
                )
                .await?;
            Ok(Token { id: row.try_get(0)?, kind, team, created_at: now, revoked_at: None })
        })
    }

    fn create_first_admin_token(&self, hash: &[u8; 32]) -> Result<bool, StoreError> {
        let (hash, now, host) = (hash.to_vec(), now_utc(), self.host());
        self.run(move |pool| async move {
            let mut client = pool.get().await.map_err(|e| pool_error(&host, e))?;
            let tx = client.transaction().await?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_ADMIN]).await?;
            let active: i64 = tx
                .query_one(
                    "SELECT COUNT(*) FROM tokens WHERE kind = 'admin' AND revoked_at IS NULL",
                    &[],
                )
                .await?
                .try_get(0)?;
            if active > 0 {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO tokens (kind, team, hash, created_at)
                 VALUES ('admin', 'admin', $1, $2)",
                &[&hash, &now],
            )
            .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    fn tokens(&self) -> Result<Vec<Token>, StoreError> {
        let host = self.host();
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(|e| pool_error(&host, e))?;
            let rows = client
                .query(&format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY id"), &[])
                .await?;
            rows.iter().map(token_from_row).collect()
        })
    }

    fn revoke(&self, which: &Revoke) -> Result<usize, StoreError> {
        let (which, now, host) = (which.clone(), now_utc(), self.host());
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(|e| pool_error(&host, e))?;
            let n = match which {
                Revoke::Id(id) => {
                    client
                        .execute(
                            "UPDATE tokens SET revoked_at = $1
                             WHERE id = $2 AND revoked_at IS NULL",
                            &[&now, &id],
                        )
                        .await?
                }
                Revoke::Team(team) => {
                    client
                        .execute(
                            "UPDATE tokens SET revoked_at = $1
                             WHERE team = $2 AND kind = 'team' AND revoked_at IS NULL",
                            &[&now, &team],
                        )
                        .await?
                }
            };
            Ok(n as usize)
        })
    }

    fn register_form(
        &self,
        form_id: &str,
        version: &str,
        json: &str,
        content_hash: &[u8; 32],
    ) -> Result<Registration, StoreError> {
        let (form_id, version, json) = (form_id.to_owned(), version.to_owned(), json.to_owned());
        let (hash, now, host) = (content_hash.to_vec(), now_utc(), self.host());
        self.run(move |pool| async move {
            let mut client = pool.get().await.map_err(|e| pool_error(&host, e))?;
            let tx = client.transaction().await?;
            // Two servers loading the same questionnaires at once register them in turn.
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_FORMS]).await?;
            let stored = tx
                .query_opt(
                    "SELECT content_hash FROM forms WHERE form_id = $1 AND version = $2",
                    &[&form_id, &version],
                )
                .await?;
            let result = match stored {
                None => {
                    tx.execute(
                        "INSERT INTO forms (form_id, version, json, content_hash, registered_at)
                         VALUES ($1, $2, $3, $4, $5)",
                        &[&form_id, &version, &json, &hash, &now],
                    )
                    .await?;
                    Registration::New
                }
                Some(row) if row.try_get::<_, Vec<u8>>(0)? == hash => Registration::Unchanged,
                Some(_) => {
                    let n: i64 = tx
                        .query_one(
                            "SELECT COUNT(*) FROM submissions WHERE form_id = $1 AND version = $2",
                            &[&form_id, &version],
                        )
                        .await?
                        .try_get(0)?;
                    if n > 0 {
                        Registration::ChangedWithSubmissions { submissions: n as u64 }
                    } else {
                        tx.execute(
                            "UPDATE forms SET json = $3, content_hash = $4, registered_at = $5
                             WHERE form_id = $1 AND version = $2",
                            &[&form_id, &version, &json, &hash, &now],
                        )
                        .await?;
                        Registration::Replaced
                    }
                }
            };
            tx.commit().await?;
            Ok(result)
        })
    }

    fn forms(&self) -> Result<Vec<StoredForm>, StoreError> {
        let host = self.host();
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(|e| pool_error(&host, e))?;
            let rows = client
                .query(
                    "SELECT f.seq, f.form_id, f.version, f.json, f.content_hash, f.registered_at,
                            (SELECT COUNT(*) FROM submissions s
                              WHERE s.form_id = f.form_id AND s.version = f.version)
                     FROM forms f ORDER BY f.seq",
                    &[],
                )
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(StoredForm {
                        seq: r.try_get(0)?,
                        form_id: r.try_get(1)?,
                        version: r.try_get(2)?,
                        json: r.try_get(3)?,
                        content_hash: hash_from(&r.try_get::<_, Vec<u8>>(4)?)?,
                        registered_at: r.try_get(5)?,
                        submissions: r.try_get::<_, i64>(6)? as u64,
                    })
                })
                .collect()
        })
    }

    fn scan_submissions(
        &self,
        form_id: &str,
        each: &mut dyn FnMut(SubmissionRow) -> Result<(), BoxError>,
    ) -> Result<u64, StoreError> {
        let (tx, mut rx) = mpsc::channel(SCAN_AHEAD);
        self.handle.spawn(scan(self.pool.clone(), self.host(), form_id.to_owned(), tx));
        let mut n = 0;
        // Dropping `rx` on a writer's error stops the reader, which rolls back.
        while let Some(batch) = blocking(|| rx.blocking_recv()) {
            for row in batch? {
                each(row).map_err(StoreError::Callback)?;
                n += 1;
            }
        }
        Ok(n)
    }

    fn raw_submission(&self, instance_id: &str) -> Result<Option<String>, StoreError> {
        let (id, host) = (instance_id.to_owned(), self.host());
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(|e| pool_error(&host, e))?;
            let row = client
                .query_opt("SELECT raw FROM submissions WHERE instance_id = $1", &[&id])
                .await?;
            Ok(row.map(|r| r.try_get(0)).transpose()?)
        })
    }

    fn overview(&self) -> Result<Overview, StoreError> {
        let host = self.host();
        self.run(move |pool| async move {
            let mut client = pool.get().await.map_err(|e| pool_error(&host, e))?;
            let tx = client
                .build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await?;
            let total: i64 = tx.query_one("SELECT COUNT(*) FROM submissions", &[]).await?.get(0);
            // Names sort by their bytes (`COLLATE "C"`), as SQLite sorts text, whatever
            // the database's locale.
            let by_version = tx
                .query(
                    "SELECT f.form_id, f.version, COUNT(s.seq) FROM forms f
                     LEFT JOIN submissions s ON s.form_id = f.form_id AND s.version = f.version
                     GROUP BY f.seq, f.form_id, f.version ORDER BY f.form_id COLLATE \"C\", f.seq",
                    &[],
                )
                .await?
                .iter()
                .map(|r| {
                    Ok(VersionCount {
                        form_id: r.try_get(0)?,
                        version: r.try_get(1)?,
                        count: r.try_get::<_, i64>(2)? as u64,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            let by_team = tx
                .query(
                    "WITH teams AS (
                         SELECT team FROM tokens WHERE kind = 'team'
                         UNION SELECT team FROM submissions)
                     SELECT t.team,
                            (SELECT COUNT(*) FROM submissions s WHERE s.team = t.team),
                            (SELECT MAX(received_at) FROM submissions s WHERE s.team = t.team),
                            EXISTS (SELECT 1 FROM tokens k WHERE k.team = t.team
                                    AND k.kind = 'team' AND k.revoked_at IS NULL)
                     FROM teams t ORDER BY t.team COLLATE \"C\"",
                    &[],
                )
                .await?
                .iter()
                .map(|r| {
                    Ok(TeamCount {
                        team: r.try_get(0)?,
                        count: r.try_get::<_, i64>(1)? as u64,
                        last_received_at: r.try_get(2)?,
                        active: r.try_get(3)?,
                        reviews: ReviewCounts::default(),
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            let mut by_team = by_team;
            for r in tx.query(REVIEW_COUNTS_SQL, &[]).await? {
                let team: String = r.try_get(0)?;
                let state = review_state_from(r.try_get(1)?)?;
                if let Some(t) = by_team.iter_mut().find(|t| t.team == team) {
                    t.reviews.add(state, r.try_get::<_, i64>(2)? as u64);
                }
            }
            // The day in China Standard Time (UTC+8), as SQLite's date(…, '+8 hours').
            let by_day = tx
                .query(
                    "SELECT to_char((received_at::timestamptz AT TIME ZONE 'UTC')
                                    + interval '8 hours', 'YYYY-MM-DD') AS day, COUNT(*)
                     FROM submissions GROUP BY day ORDER BY day",
                    &[],
                )
                .await?
                .iter()
                .map(|r| {
                    Ok(DayCount {
                        day: r.try_get::<_, Option<String>>(0)?.unwrap_or_default(),
                        count: r.try_get::<_, i64>(1)? as u64,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            let waiting: i64 = tx
                .query_one(
                    "SELECT COUNT(DISTINCT instance_id) FROM attachments
                     WHERE received_at IS NULL",
                    &[],
                )
                .await?
                .try_get(0)?;
            let teams = teams_at_a_glance(&tx).await?;
            tx.rollback().await?;
            Ok(Overview {
                total: total as u64,
                waiting_for_files: waiting as u64,
                by_version,
                by_team,
                by_day,
                teams,
            })
        })
    }

    fn submission_files(&self, instance_id: &str) -> Result<Option<SubmissionFiles>, StoreError> {
        let (id, host) = (instance_id.to_owned(), self.host());
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(|e| pool_error(&host, e))?;
            // One statement: the team and the files from the same snapshot.
            let st = client
                .prepare_cached(
                    "SELECT s.team, a.file, a.sha256, a.size, a.media_type, a.received_at
                     FROM submissions s LEFT JOIN attachments a ON a.instance_id = s.instance_id
                     WHERE s.instance_id = $1 ORDER BY a.file",
                )
                .await?;
            let rows = client.query(&st, &[&id]).await?;
            let Some(first) = rows.first() else { return Ok(None) };
            let team: String = first.try_get(0)?;
            let mut files = Vec::new();
            for r in &rows {
                let Some(file) = r.try_get::<_, Option<String>>(1)? else { continue };
                files.push(StoredFile {
                    attachment: Attachment {
                        file,
                        sha256: r.try_get(2)?,
                        size: r.try_get::<_, i64>(3)? as u64,
                        media_type: r.try_get(4)?,
                    },
                    received_at: r.try_get(5)?,
                });
            }
            Ok(Some(SubmissionFiles { team, files }))
        })
    }

    fn store_attachment(
        &self,
        instance_id: &str,
        file: &str,
        sha256: &str,
        bytes: &[u8],
    ) -> Result<bool, StoreError> {
        if !tianye_core::response::attachment::is_sha256_hex(sha256) {
            return Err(StoreError::Damaged(format!("sha256 {sha256}")));
        }
        self.files.put(sha256, bytes).map_err(StoreError::Files)?;
        let (id, file, sha256) = (instance_id.to_owned(), file.to_owned(), sha256.to_owned());
        let (now, host) = (now_utc(), self.host());
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(|e| pool_error(&host, e))?;
            let changed = client
                .execute(
                    "UPDATE attachments SET received_at = $4
                     WHERE instance_id = $1 AND file = $2 AND sha256 = $3
                       AND received_at IS NULL",
                    &[&id, &file, &sha256, &now],
                )
                .await?;
            Ok(changed > 0)
        })
    }

    fn files(&self) -> &FileStore {
        &self.files
    }

    fn set_team_target(&self, team: &str, target: Option<u32>) -> Result<Option<u32>, StoreError> {
        let (team, now, host) = (team.to_owned(), now_utc(), self.host());
        self.run(move |pool| async move {
            let mut client = pool.get().await.map_err(|e| pool_error(&host, e))?;
            let tx = client.transaction().await?;
            // The row of this team, locked until commit, so two commands setting it at
            // once each see the target the other left.
            let before: Option<i64> = tx
                .query_opt("SELECT target FROM team_targets WHERE team = $1 FOR UPDATE", &[&team])
                .await?
                .map(|r| r.try_get(0))
                .transpose()?;
            match target {
                Some(n) => {
                    let n = i64::from(n);
                    tx.execute(
                        "INSERT INTO team_targets (team, target, updated_at) VALUES ($1, $2, $3)
                         ON CONFLICT (team) DO UPDATE SET target = $2, updated_at = $3",
                        &[&team, &n, &now],
                    )
                    .await?
                }
                None => tx.execute("DELETE FROM team_targets WHERE team = $1", &[&team]).await?,
            };
            tx.commit().await?;
            before.map(target_from).transpose()
        })
    }

    fn team_targets(&self) -> Result<Vec<TeamTarget>, StoreError> {
        let host = self.host();
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(|e| pool_error(&host, e))?;
            let rows = client
                .query(
                    "SELECT team, target, updated_at FROM team_targets
                     ORDER BY team COLLATE \"C\"",
                    &[],
                )
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(TeamTarget {
                        team: r.try_get(0)?,
                        target: target_from(r.try_get(1)?)?,
                        updated_at: r.try_get(2)?,
                    })
                })
                .collect()
        })
    }

    fn set_review(
        &self,
        instance_id: &str,
        state: ReviewState,
        comment: &str,
        token_id: Option<i64>,
    ) -> Result<ReviewEvent, StoreError> {
        check_comment(comment)?;
        let (id, comment, at, host) =
            (instance_id.to_owned(), comment.to_owned(), now_utc(), self.host());
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(|e| pool_error(&host, e))?;
            // One statement: the row is written only when the submission is stored.
            let row = client
                .query_opt(
                    "INSERT INTO reviews (instance_id, state, comment, token_id, at)
                     SELECT instance_id, $2, $3, $4, $5 FROM submissions WHERE instance_id = $1
                     RETURNING id",
                    &[&id, &state.as_str(), &comment, &token_id, &at],
                )
                .await?;
            let Some(row) = row else { return Err(StoreError::NoSuchSubmission(id)) };
            Ok(ReviewEvent { id: row.try_get(0)?, instance_id: id, state, comment, token_id, at })
        })
    }

    fn review_history(&self, instance_id: &str) -> Result<Vec<ReviewEvent>, StoreError> {
        let (id, host) = (instance_id.to_owned(), self.host());
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(|e| pool_error(&host, e))?;
            let rows = client
                .query(
                    "SELECT id, instance_id, state, comment, token_id, at FROM reviews
                     WHERE instance_id = $1 ORDER BY id",
                    &[&id],
                )
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(ReviewEvent {
                        id: r.try_get(0)?,
                        instance_id: r.try_get(1)?,
                        state: review_state_from(Some(r.try_get(2)?))?,
                        comment: r.try_get(3)?,
                        token_id: r.try_get(4)?,
                        at: r.try_get(5)?,
                    })
                })
                .collect()
        })
    }

    fn list_submissions(&self, query: &SubmissionQuery) -> Result<SubmissionPage, StoreError> {
        type Arg = Box<dyn ToSql + Sync + Send>;
        let mut conds: Vec<String> = Vec::new();
        let mut args: Vec<Arg> = Vec::new();
        let arg = |v: Arg, args: &mut Vec<Arg>| {
            args.push(v);
            format!("${}", args.len())
        };
        if let Some(f) = &query.form_id {
            conds.push(format!("s.form_id = {}", arg(Box::new(f.clone()), &mut args)));
        }
        if let Some(v) = &query.version {
            conds.push(format!("s.version = {}", arg(Box::new(v.clone()), &mut args)));
        }
        if let Some(t) = &query.team {
            conds.push(format!("s.team = {}", arg(Box::new(t.clone()), &mut args)));
        }
        if let Some(d) = &query.day {
            // The day in China Standard Time (UTC+8), as SQLite's date(…, '+8 hours').
            let p = arg(Box::new(d.clone()), &mut args);
            conds.push(format!(
                "to_char((s.received_at::timestamptz AT TIME ZONE 'UTC') + interval '8 hours',
                         'YYYY-MM-DD') = {p}"
            ));
        }
        if let Some(state) = query.state {
            let p = arg(Box::new(state.as_str().to_owned()), &mut args);
            conds.push(format!("COALESCE(r.state, 'received') = {p}"));
        }
        let fields = query.field_paths();
        if let Some(pattern) = query.like_pattern() {
            // ILIKE: ASCII letters in any case, as SQLite's LIKE; `\` is its escape.
            let p = arg(Box::new(pattern), &mut args);
            let mut any = Vec::new();
            if fields.is_empty() {
                any.push(format!("s.answers ILIKE {p}"));
                any.push(format!("s.instance_id ILIKE {p}"));
            }
            for f in &fields {
                match f {
                    FieldPath::Top(name) => {
                        let n = arg(Box::new(name.clone()), &mut args);
                        any.push(format!("(s.answers::jsonb ->> {n}::text) ILIKE {p}"));
                    }
                    FieldPath::InRepeat(repeat, name) => {
                        let rp = arg(Box::new(repeat.clone()), &mut args);
                        let n = arg(Box::new(name.clone()), &mut args);
                        any.push(format!(
                            "EXISTS (SELECT 1 FROM jsonb_array_elements(
                                         CASE WHEN jsonb_typeof(s.answers::jsonb -> {rp}::text) = 'array'
                                              THEN s.answers::jsonb -> {rp}::text
                                              ELSE '[]'::jsonb END) e
                                     WHERE jsonb_typeof(e) = 'object' AND (e ->> {n}::text) ILIKE {p})"
                        ));
                    }
                }
            }
            conds.push(format!("({})", any.join(" OR ")));
        }
        let filter_args = args.len();
        let mut page_conds = conds.clone();
        if let Some(before) = query.before {
            page_conds.push(format!("s.seq < {}", arg(Box::new(before), &mut args)));
        }
        let limit = query.page_size();
        let from = "FROM submissions s
             LEFT JOIN reviews r ON r.id = (SELECT MAX(id) FROM reviews
                                            WHERE instance_id = s.instance_id)";
        let clause = |c: &[String]| {
            if c.is_empty() { String::new() } else { format!("WHERE {}", c.join(" AND ")) }
        };
        let count_sql = format!("SELECT COUNT(*) {from} {}", clause(&conds));
        let page_sql = format!(
            "SELECT s.seq, s.instance_id, s.form_id, s.version, s.team, s.received_at,
                    s.answers, r.id, r.state, r.comment, r.token_id, r.at
             {from} {} ORDER BY s.seq DESC LIMIT {}",
            clause(&page_conds),
            limit + 1
        );
        let host = self.host();
        self.run(move |pool| async move {
            let mut client = pool.get().await.map_err(|e| pool_error(&host, e))?;
            let tx = client
                .build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await?;
            let refs: Vec<&(dyn ToSql + Sync)> =
                args.iter().map(|a| a.as_ref() as &(dyn ToSql + Sync)).collect();
            let total: i64 = tx.query_one(&count_sql, &refs[..filter_args]).await?.try_get(0)?;
            let rows = tx.query(&page_sql, &refs).await?;
            tx.rollback().await?;
            let mut items = Vec::with_capacity(rows.len());
            for r in &rows {
                let review = match r.try_get::<_, Option<i64>>(7)? {
                    None => None,
                    Some(id) => Some(ReviewEvent {
                        id,
                        instance_id: r.try_get(1)?,
                        state: review_state_from(r.try_get(8)?)?,
                        comment: r.try_get(9)?,
                        token_id: r.try_get(10)?,
                        at: r.try_get(11)?,
                    }),
                };
                items.push(SubmissionSummary {
                    seq: r.try_get(0)?,
                    instance_id: r.try_get(1)?,
                    form_id: r.try_get(2)?,
                    version: r.try_get(3)?,
                    team: r.try_get(4)?,
                    received_at: r.try_get(5)?,
                    review_state: review.as_ref().map_or(ReviewState::Received, |e| e.state),
                    review,
                    shown: pick_fields(&r.try_get::<_, String>(6)?, &fields),
                });
            }
            let next = if items.len() > limit as usize {
                items.truncate(limit as usize);
                items.last().map(|i| i.seq)
            } else {
                None
            };
            Ok(SubmissionPage { total: total as u64, items, next })
        })
    }

    fn submission(&self, instance_id: &str) -> Result<Option<StoredSubmission>, StoreError> {
        let (id, host) = (instance_id.to_owned(), self.host());
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(|e| pool_error(&host, e))?;
            let row = client
                .query_opt(
                    "SELECT s.seq, s.instance_id, s.version, s.team, s.received_at, s.meta,
                            s.answers, s.raw, s.form_id,
                            (SELECT COALESCE(json_agg(json_build_array(a.file, a.sha256, a.size,
                                     a.media_type, a.received_at) ORDER BY a.file), '[]')::text
                               FROM attachments a WHERE a.instance_id = s.instance_id),
                            r.state, r.comment
                     FROM submissions s
                     LEFT JOIN reviews r ON r.id = (SELECT MAX(id) FROM reviews
                                                    WHERE instance_id = s.instance_id)
                     WHERE s.instance_id = $1",
                    &[&id],
                )
                .await?;
            let Some(r) = row else { return Ok(None) };
            let raw: String = r.try_get(7)?;
            let answers: String = r.try_get(6)?;
            let envelope = (answers == "{}"
                && serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&raw)
                    .is_ok_and(|m| m.contains_key("sealed")))
            .then(|| raw.clone());
            Ok(Some(StoredSubmission {
                form_id: r.try_get(8)?,
                row: SubmissionRow {
                    seq: r.try_get(0)?,
                    instance_id: r.try_get(1)?,
                    version: r.try_get(2)?,
                    team: r.try_get(3)?,
                    received_at: r.try_get(4)?,
                    meta: r.try_get(5)?,
                    answers,
                    envelope,
                    files: super::sqlite::files_from_json(&r.try_get::<_, String>(9)?)?,
                    review_state: review_state_from(r.try_get(10)?)?,
                    review_comment: r.try_get::<_, Option<String>>(11)?.unwrap_or_default(),
                    file_key: None,
                },
                raw,
            }))
        })
    }
}

/// Teams at a glance (see [`super::TeamProgress`]), read inside the overview's
/// transaction. Names sort by their bytes, as SQLite sorts text.
async fn teams_at_a_glance(
    tx: &deadpool_postgres::Transaction<'_>,
) -> Result<Vec<super::TeamProgress>, StoreError> {
    let rows = tx
        .query(
            "WITH teams AS (
                 SELECT team FROM tokens WHERE kind = 'team'
                 UNION SELECT team FROM submissions
                 UNION SELECT team FROM team_targets)
             SELECT t.team,
                    (SELECT COUNT(*) FROM submissions s WHERE s.team = t.team),
                    (SELECT COUNT(*) FROM submissions s WHERE s.team = t.team
                        AND EXISTS (SELECT 1 FROM attachments a
                                    WHERE a.instance_id = s.instance_id
                                      AND a.received_at IS NULL)),
                    (SELECT MAX(received_at) FROM submissions s WHERE s.team = t.team),
                    (SELECT target FROM team_targets g WHERE g.team = t.team)
             FROM teams t ORDER BY t.team COLLATE \"C\"",
            &[],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(TeamRow {
                team: r.try_get(0)?,
                total: r.try_get::<_, i64>(1)? as u64,
                with_problems: r.try_get::<_, i64>(2)? as u64,
                last_received_at: r.try_get(3)?,
                target: r.try_get::<_, Option<i64>>(4)?.map(target_from).transpose()?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let (days, since) = crate::time::last_days_utc8(TEAM_DAYS);
    // The day in China Standard Time (UTC+8), as SQLite's date(…, '+8 hours').
    let per_day = tx
        .query(
            "SELECT team, to_char((received_at::timestamptz AT TIME ZONE 'UTC')
                              + interval '8 hours', 'YYYY-MM-DD') AS day, COUNT(*)
             FROM submissions WHERE received_at >= $1 GROUP BY team, day",
            &[&since],
        )
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<_, String>(0)?,
                r.try_get::<_, Option<String>>(1)?.unwrap_or_default(),
                r.try_get::<_, i64>(2)? as u64,
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(team_progress(rows, &per_day, &days))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_a_message() {
        for (url, shown) in [
            ("postgres://u:secret@db.example:5432/t", "postgres://u:***@db.example:5432/t"),
            ("postgresql://u@h/t", "postgresql://u@h/t"),
            ("postgres://h:5433", "postgres://h:5433"),
            ("postgres://u:p@ss@h/t?sslmode=disable", "postgres://u:***@h/t?sslmode=disable"),
            ("postgres://h/t?user=u&password=secret", "postgres://h/t?user=u&password=***"),
            ("host=h password=secret", "***"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn a_bad_url_is_refused_naming_it_without_its_password() {
        let dir = tempfile::tempdir().unwrap();
        for url in ["mysql://u:secret@h/t", "postgres://u:secret@h:notaport/t"] {
            let e = PgStore::open(url, dir.path()).unwrap_err().to_string();
            assert!(e.contains("数据库地址") && e.contains("database URL"), "{e}");
            assert!(!e.contains("secret"), "{e}");
        }
    }

    #[test]
    fn an_unreachable_database_is_named_by_its_host() {
        // A port nothing listens on: bound, then released.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("postgres://u:secret@127.0.0.1:{port}/t");
        let e = PgStore::open(&url, dir.path()).unwrap_err().to_string();
        assert!(e.contains(&format!("127.0.0.1:{port}")), "{e}");
        assert!(e.contains("无法连接") && e.contains("cannot connect"), "{e}");
        assert!(!e.contains("secret"), "{e}");
    }
}
