//! The embedded SQLite backend.
//!
//! - WAL journal with `synchronous=FULL`: a commit is on disk when it returns, and a
//!   crash at any point leaves each transaction wholly there or wholly absent.
//! - One writer thread owns the write connection and *group-commits*: it takes every
//!   submission waiting in its queue, writes them in one transaction (each under its own
//!   savepoint, so one bad row cannot sink the others), commits once, and only then
//!   answers each caller. One fsync serves many uploads.
//! - Reads (tokens, exports, the overview) use a small pool of separate connections;
//!   in WAL mode they never wait for the writer.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tokio::sync::{mpsc, oneshot};

use super::files::FileStore;
use super::review::{FieldPath, pick_fields};
use super::{
    Attachment, BoxError, DayCount, NewSubmission, Outcome, Overview, Pending, Registration,
    Revoke, Store, StoreError, StoredFile, StoredForm, SubmissionFiles, SubmissionRow, TeamCount,
    Token, TokenKind, VersionCount, migrate, private,
};
use super::{
    ReviewCounts, ReviewEvent, ReviewState, StoredSubmission, SubmissionPage, SubmissionQuery,
    SubmissionSummary, check_comment,
};
use super::{TEAM_DAYS, TeamRow, TeamTarget, target_from, team_progress};
use crate::time::now_utc;

/// The database file inside the data directory.
pub const DB_FILE: &str = "tianye.sqlite3";

/// Most submissions committed in one transaction.
const MAX_BATCH: usize = 1024;

/// Connections kept in the read pool.
const MAX_IDLE_READERS: usize = 8;

/// How long a connection waits for a lock held by another process (`tianye token`,
/// `tianye import-responses`) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

struct Job {
    submission: NewSubmission,
    reply: oneshot::Sender<Result<Outcome, StoreError>>,
}

/// Submissions, questionnaire versions and tokens in one SQLite file
/// (`DIR/tianye.sqlite3`).
pub struct SqliteStore {
    path: PathBuf,
    max_bytes: Option<u64>,
    jobs: Option<mpsc::UnboundedSender<Job>>,
    writer: Option<JoinHandle<()>>,
    pool: Mutex<Vec<Connection>>,
    warnings: Vec<String>,
    files: FileStore,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish_non_exhaustive()
    }
}

fn open_connection(path: &Path, max_bytes: Option<u64>) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Damaged(format!(
            "无法启用 WAL 日志 / cannot enable the WAL journal (got {mode})"
        )));
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
    if let Some(max) = max_bytes {
        let page: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        let pages = (max / page.max(512) as u64).max(1);
        conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
    }
    Ok(conn)
}

impl SqliteStore {
    /// Opens (or creates) the database in directory `dir`, creating the directory if
    /// needed, and applies pending schema migrations.
    pub fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with_limit(dir, None)
    }

    /// Like [`SqliteStore::open`], with the database file limited to about `max_bytes`
    /// (SQLite's `max_page_count`): past it, writes fail as on a full disk (nothing
    /// stored, 503 to uploaders) while everything stored stays readable. Keeps a
    /// growing database from filling the disk the system needs.
    pub fn open_with_limit(dir: &Path, max_bytes: Option<u64>) -> Result<SqliteStore, StoreError> {
        let created = private::create_private_dir(dir)
            .map_err(|source| StoreError::Open { path: dir.display().to_string(), source })?;
        let mut warnings = Vec::new();
        if !created {
            warnings.extend(private::data_dir_warning(dir));
        }
        let path = dir.join(DB_FILE);
        // The database file exists, 0600, before SQLite opens it: SQLite gives `-wal`
        // and `-shm` the database file's mode when it creates them. Files made by an
        // older Tianye keep their mode until tightened here.
        private::create_private_if_absent(&path)
            .map_err(|source| StoreError::Open { path: path.display().to_string(), source })?;
        let mut restrict = |suffix: &str| {
            let mut name = path.clone().into_os_string();
            name.push(suffix);
            let file = Path::new(&name);
            if let Err(e) = private::restrict_if_present(file) {
                warnings.push(format!(
                    "无法把 {f} 设为仅所有者可读写 / cannot make {f} readable by its owner only: {e}",
                    f = file.display()
                ));
            }
        };
        restrict("");
        let mut conn = open_connection(&path, max_bytes)?;
        migrate::apply(&mut conn, &now_utc())?;
        restrict("-wal");
        restrict("-shm");
        let (tx, rx) = mpsc::unbounded_channel();
        let writer = std::thread::Builder::new()
            .name("tianye-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .map_err(|source| StoreError::Open { path: path.display().to_string(), source })?;
        Ok(SqliteStore {
            path,
            max_bytes,
            jobs: Some(tx),
            writer: Some(writer),
            pool: Mutex::new(Vec::new()),
            warnings,
            files: FileStore::new(dir),
        })
    }

    /// Problems found on opening that do not stop the store: a data folder others can
    /// read or write (see [`private::data_dir_warning`]), a file whose mode could not be
    /// tightened. Shown on standard error by the commands that open the data folder.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let taken = self.pool.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
        let mut conn = match taken {
            Some(c) => c,
            None => open_connection(&self.path, self.max_bytes)?,
        };
        let result = f(&mut conn);
        let mut pool = self.pool.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if pool.len() < MAX_IDLE_READERS {
            pool.push(conn);
        }
        result
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // Closing the queue lets the writer finish what is queued, then stop.
        self.jobs.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

fn writer_loop(mut conn: Connection, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        match write_batch(&mut conn, &batch) {
            Ok(outcomes) => {
                for (job, outcome) in batch.drain(..).zip(outcomes) {
                    let _ = job.reply.send(outcome);
                }
            }
            Err(e) => {
                let message = e.to_string();
                for job in batch.drain(..) {
                    let _ = job.reply.send(Err(StoreError::Write(message.clone())));
                }
            }
        }
    }
}

/// Writes a batch in one transaction; each submission gets its own outcome. Returns
/// `Err` when the transaction as a whole failed (nothing of the batch is stored).
fn write_batch(
    conn: &mut Connection,
    batch: &[Job],
) -> Result<Vec<Result<Outcome, StoreError>>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    {
        let mut find = tx.prepare_cached(
            "SELECT content_hash, received_at FROM submissions WHERE instance_id = ?1",
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO submissions (instance_id, form_id, version, team, token_id,
                 received_at, content_hash, raw, meta, answers)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        let mut expect = tx.prepare_cached(
            "INSERT INTO attachments (instance_id, file, sha256, size, media_type)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for job in batch {
            let s = &job.submission;
            tx.execute_batch("SAVEPOINT one")?;
            let result = (|| -> Result<Outcome, StoreError> {
                let existing: Option<(Vec<u8>, String)> = find
                    .query_row(params![s.instance_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                Ok(match existing {
                    Some((hash, received_at)) if hash == s.content_hash => {
                        Outcome::Duplicate { received_at }
                    }
                    Some((_, received_at)) => Outcome::Conflict { received_at },
                    None => {
                        insert.execute(params![
                            s.instance_id,
                            s.form_id,
                            s.version,
                            s.team,
                            s.token_id,
                            s.received_at,
                            &s.content_hash[..],
                            s.raw,
                            s.meta,
                            s.answers,
                        ])?;
                        for a in &s.attachments {
                            expect.execute(params![
                                s.instance_id,
                                a.file,
                                a.sha256,
                                a.size as i64,
                                a.media_type
                            ])?;
                        }
                        Outcome::Created { received_at: s.received_at.clone() }
                    }
                })
            })();
            if let Err(e) = &result {
                // Some errors (a full disk, I/O) make SQLite roll the whole transaction
                // back: then nothing of the batch is stored, and every upload in it is
                // told so.
                if tx.is_autocommit() {
                    return Err(StoreError::Write(e.to_string()));
                }
                tx.execute_batch("ROLLBACK TO one")?;
            }
            tx.execute_batch("RELEASE one")?;
            outcomes.push(result);
        }
    }
    tx.commit()?;
    Ok(outcomes)
}

fn hash_from(bytes: &[u8]) -> Result<[u8; 32], StoreError> {
    bytes.try_into().map_err(|_| StoreError::Damaged("content_hash".into()))
}

fn token_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Token> {
    let kind: String = r.get(1)?;
    Ok(Token {
        id: r.get(0)?,
        kind: if kind == "admin" { TokenKind::Admin } else { TokenKind::Team },
        team: r.get(2)?,
        created_at: r.get(3)?,
        revoked_at: r.get(4)?,
    })
}

const TOKEN_COLUMNS: &str = "id, kind, team, created_at, revoked_at";

impl Store for SqliteStore {
    fn submit(&self, submission: NewSubmission) -> Pending {
        let (reply, pending) = oneshot::channel();
        let job = Job { submission, reply };
        if let Some(jobs) = &self.jobs
            && let Err(mpsc::error::SendError(job)) = jobs.send(job)
        {
            let _ = job.reply.send(Err(StoreError::Closed));
        }
        pending
    }

    fn token_by_hash(&self, hash: &[u8; 32]) -> Result<Option<Token>, StoreError> {
        self.with_conn(|c| {
            let mut st =
                c.prepare_cached(&format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE hash = ?1"))?;
            Ok(st.query_row(params![&hash[..]], token_from_row).optional()?)
        })
    }

    fn create_token(
        &self,
        kind: TokenKind,
        team: &str,
        hash: &[u8; 32],
    ) -> Result<Token, StoreError> {
        let now = now_utc();
        self.with_conn(|c| {
            c.execute(
                "INSERT INTO tokens (kind, team, hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![kind.as_str(), team, &hash[..], now],
            )?;
            Ok(Token {
                id: c.last_insert_rowid(),
                kind,
                team: team.to_owned(),
                created_at: now,
                revoked_at: None,
            })
        })
    }

    fn create_first_admin_token(&self, hash: &[u8; 32]) -> Result<bool, StoreError> {
        let now = now_utc();
        self.with_conn(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let active: i64 = tx.query_row(
                "SELECT COUNT(*) FROM tokens WHERE kind = 'admin' AND revoked_at IS NULL",
                [],
                |r| r.get(0),
            )?;
            if active > 0 {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO tokens (kind, team, hash, created_at) VALUES ('admin', 'admin', ?1, ?2)",
                params![&hash[..], now],
            )?;
            tx.commit()?;
            Ok(true)
        })
    }

    fn tokens(&self) -> Result<Vec<Token>, StoreError> {
        self.with_conn(|c| {
            let mut st = c.prepare(&format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY id"))?;
            let rows = st.query_map([], token_from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn revoke(&self, which: &Revoke) -> Result<usize, StoreError> {
        let now = now_utc();
        self.with_conn(|c| {
            Ok(match which {
                Revoke::Id(id) => c.execute(
                    "UPDATE tokens SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                    params![now, id],
                )?,
                Revoke::Team(team) => c.execute(
                    "UPDATE tokens SET revoked_at = ?1
                     WHERE team = ?2 AND kind = 'team' AND revoked_at IS NULL",
                    params![now, team],
                )?,
            })
        })
    }

    fn register_form(
        &self,
        form_id: &str,
        version: &str,
        json: &str,
        content_hash: &[u8; 32],
    ) -> Result<Registration, StoreError> {
        let now = now_utc();
        self.with_conn(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let stored: Option<Vec<u8>> = tx
                .query_row(
                    "SELECT content_hash FROM forms WHERE form_id = ?1 AND version = ?2",
                    params![form_id, version],
                    |r| r.get(0),
                )
                .optional()?;
            let result = match stored {
                None => {
                    tx.execute(
                        "INSERT INTO forms (form_id, version, json, content_hash, registered_at)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![form_id, version, json, &content_hash[..], now],
                    )?;
                    Registration::New
                }
                Some(hash) if hash == content_hash => Registration::Unchanged,
                Some(_) => {
                    let n: i64 = tx.query_row(
                        "SELECT COUNT(*) FROM submissions WHERE form_id = ?1 AND version = ?2",
                        params![form_id, version],
                        |r| r.get(0),
                    )?;
                    if n > 0 {
                        Registration::ChangedWithSubmissions { submissions: n as u64 }
                    } else {
                        tx.execute(
                            "UPDATE forms SET json = ?3, content_hash = ?4, registered_at = ?5
                             WHERE form_id = ?1 AND version = ?2",
                            params![form_id, version, json, &content_hash[..], now],
                        )?;
                        Registration::Replaced
                    }
                }
            };
            tx.commit()?;
            Ok(result)
        })
    }

    fn forms(&self) -> Result<Vec<StoredForm>, StoreError> {
        self.with_conn(|c| {
            let mut st = c.prepare(
                "SELECT f.seq, f.form_id, f.version, f.json, f.content_hash, f.registered_at,
                        (SELECT COUNT(*) FROM submissions s
                          WHERE s.form_id = f.form_id AND s.version = f.version)
                 FROM forms f ORDER BY f.seq",
            )?;
            let rows = st.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Vec<u8>>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, i64>(6)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (seq, form_id, version, json, hash, registered_at, n) = row?;
                out.push(StoredForm {
                    seq,
                    form_id,
                    version,
                    json,
                    content_hash: hash_from(&hash)?,
                    registered_at,
                    submissions: n as u64,
                });
            }
            Ok(out)
        })
    }

    fn scan_submissions(
        &self,
        form_id: &str,
        each: &mut dyn FnMut(SubmissionRow) -> Result<(), BoxError>,
    ) -> Result<u64, StoreError> {
        self.with_conn(|c| {
            // One read transaction: the export is a consistent snapshot even while
            // uploads keep arriving.
            let tx = c.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let mut n = 0;
            {
                let mut st = tx.prepare(
                    // Only an envelope has a top-level `sealed` (ingest sends any upload
                    // with one down the sealed path), and its answers are stored as `{}`,
                    // so no other row's raw text is parsed.
                    "SELECT seq, s.instance_id, version, team, received_at, meta, answers,
                            CASE WHEN answers = '{}' AND json_extract(raw, '$.sealed') IS NOT NULL
                                 THEN raw END,
                            (SELECT json_group_array(json_array(a.file, a.sha256, a.size,
                                                                a.media_type, a.received_at))
                               FROM attachments a WHERE a.instance_id = s.instance_id),
                            r.state, r.comment
                     FROM submissions s
                     LEFT JOIN reviews r ON r.id = (SELECT MAX(id) FROM reviews
                                                    WHERE instance_id = s.instance_id)
                     WHERE form_id = ?1 ORDER BY seq",
                )?;
                let mut rows = st.query(params![form_id])?;
                while let Some(r) = rows.next()? {
                    let row = SubmissionRow {
                        seq: r.get(0)?,
                        instance_id: r.get(1)?,
                        version: r.get(2)?,
                        team: r.get(3)?,
                        received_at: r.get(4)?,
                        meta: r.get(5)?,
                        answers: r.get(6)?,
                        envelope: r.get(7)?,
                        files: files_from_json(&r.get::<_, String>(8)?)?,
                        file_key: None,
                        review_state: review_state_from(r.get::<_, Option<String>>(9)?)?,
                        review_comment: r.get::<_, Option<String>>(10)?.unwrap_or_default(),
                    };
                    each(row).map_err(StoreError::Callback)?;
                    n += 1;
                }
            }
            tx.finish()?;
            Ok(n)
        })
    }

    fn raw_submission(&self, instance_id: &str) -> Result<Option<String>, StoreError> {
        self.with_conn(|c| {
            Ok(c.query_row(
                "SELECT raw FROM submissions WHERE instance_id = ?1",
                params![instance_id],
                |r| r.get(0),
            )
            .optional()?)
        })
    }

    fn overview(&self) -> Result<Overview, StoreError> {
        self.with_conn(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let total: i64 = tx.query_row("SELECT COUNT(*) FROM submissions", [], |r| r.get(0))?;
            let by_version = {
                let mut st = tx.prepare(
                    "SELECT f.form_id, f.version, COUNT(s.seq) FROM forms f
                     LEFT JOIN submissions s ON s.form_id = f.form_id AND s.version = f.version
                     GROUP BY f.seq ORDER BY f.form_id, f.seq",
                )?;
                st.query_map([], |r| {
                    Ok(VersionCount {
                        form_id: r.get(0)?,
                        version: r.get(1)?,
                        count: r.get::<_, i64>(2)? as u64,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?
            };
            let by_team = {
                let mut st = tx.prepare(
                    "WITH teams AS (
                         SELECT team FROM tokens WHERE kind = 'team'
                         UNION SELECT team FROM submissions)
                     SELECT t.team,
                            (SELECT COUNT(*) FROM submissions s WHERE s.team = t.team),
                            (SELECT MAX(received_at) FROM submissions s WHERE s.team = t.team),
                            EXISTS (SELECT 1 FROM tokens k WHERE k.team = t.team
                                    AND k.kind = 'team' AND k.revoked_at IS NULL)
                     FROM teams t ORDER BY t.team",
                )?;
                st.query_map([], |r| {
                    Ok(TeamCount {
                        team: r.get(0)?,
                        count: r.get::<_, i64>(1)? as u64,
                        last_received_at: r.get(2)?,
                        active: r.get(3)?,
                        reviews: ReviewCounts::default(),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?
            };
            let mut by_team = by_team;
            {
                let mut st = tx.prepare(REVIEW_COUNTS_SQL)?;
                let mut rows = st.query([])?;
                while let Some(r) = rows.next()? {
                    let team: String = r.get(0)?;
                    let state = review_state_from(r.get::<_, Option<String>>(1)?)?;
                    if let Some(t) = by_team.iter_mut().find(|t| t.team == team) {
                        t.reviews.add(state, r.get::<_, i64>(2)? as u64);
                    }
                }
            }
            let by_day = {
                let mut st = tx.prepare(
                    "SELECT date(received_at, '+8 hours') AS day, COUNT(*) FROM submissions
                     GROUP BY day ORDER BY day",
                )?;
                st.query_map([], |r| {
                    Ok(DayCount {
                        day: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                        count: r.get::<_, i64>(1)? as u64,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?
            };
            let waiting: i64 = tx.query_row(
                "SELECT COUNT(DISTINCT instance_id) FROM attachments WHERE received_at IS NULL",
                [],
                |r| r.get(0),
            )?;
            let teams = teams_at_a_glance(&tx)?;
            tx.finish()?;
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
        self.with_conn(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let team: Option<String> = tx
                .query_row(
                    "SELECT team FROM submissions WHERE instance_id = ?1",
                    params![instance_id],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(team) = team else { return Ok(None) };
            let files = {
                let mut st = tx.prepare_cached(
                    "SELECT file, sha256, size, media_type, received_at FROM attachments
                     WHERE instance_id = ?1 ORDER BY file",
                )?;
                st.query_map(params![instance_id], |r| {
                    Ok(StoredFile {
                        attachment: Attachment {
                            file: r.get(0)?,
                            sha256: r.get(1)?,
                            size: r.get::<_, i64>(2)? as u64,
                            media_type: r.get(3)?,
                        },
                        received_at: r.get(4)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?
            };
            tx.finish()?;
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
        let now = now_utc();
        self.with_conn(|c| {
            let changed = c.execute(
                "UPDATE attachments SET received_at = ?4
                 WHERE instance_id = ?1 AND file = ?2 AND sha256 = ?3 AND received_at IS NULL",
                params![instance_id, file, sha256, now],
            )?;
            Ok(changed > 0)
        })
    }

    fn files(&self) -> &FileStore {
        &self.files
    }

    fn set_team_target(&self, team: &str, target: Option<u32>) -> Result<Option<u32>, StoreError> {
        let now = now_utc();
        self.with_conn(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let before: Option<i64> = tx
                .query_row("SELECT target FROM team_targets WHERE team = ?1", params![team], |r| {
                    r.get(0)
                })
                .optional()?;
            match target {
                Some(n) => tx.execute(
                    "INSERT INTO team_targets (team, target, updated_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (team) DO UPDATE SET target = ?2, updated_at = ?3",
                    params![team, n, now],
                )?,
                None => tx.execute("DELETE FROM team_targets WHERE team = ?1", params![team])?,
            };
            tx.commit()?;
            before.map(target_from).transpose()
        })
    }

    fn team_targets(&self) -> Result<Vec<TeamTarget>, StoreError> {
        self.with_conn(|c| {
            let mut st =
                c.prepare("SELECT team, target, updated_at FROM team_targets ORDER BY team")?;
            let rows = st.query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (team, target, updated_at) = row?;
                out.push(TeamTarget { team, target: target_from(target)?, updated_at });
            }
            Ok(out)
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
        let at = now_utc();
        self.with_conn(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let known: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM submissions WHERE instance_id = ?1)",
                params![instance_id],
                |r| r.get(0),
            )?;
            if !known {
                return Err(StoreError::NoSuchSubmission(instance_id.to_owned()));
            }
            tx.execute(
                "INSERT INTO reviews (instance_id, state, comment, token_id, at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![instance_id, state.as_str(), comment, token_id, at],
            )?;
            let id = tx.last_insert_rowid();
            tx.commit()?;
            Ok(ReviewEvent {
                id,
                instance_id: instance_id.to_owned(),
                state,
                comment: comment.to_owned(),
                token_id,
                at,
            })
        })
    }

    fn review_history(&self, instance_id: &str) -> Result<Vec<ReviewEvent>, StoreError> {
        self.with_conn(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, instance_id, state, comment, token_id, at FROM reviews
                 WHERE instance_id = ?1 ORDER BY id",
            )?;
            let mut rows = st.query(params![instance_id])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(ReviewEvent {
                    id: r.get(0)?,
                    instance_id: r.get(1)?,
                    state: review_state_from(Some(r.get(2)?))?,
                    comment: r.get(3)?,
                    token_id: r.get(4)?,
                    at: r.get(5)?,
                });
            }
            Ok(out)
        })
    }

    fn list_submissions(&self, query: &SubmissionQuery) -> Result<SubmissionPage, StoreError> {
        use rusqlite::types::Value as Sql;
        let mut conds: Vec<String> = Vec::new();
        let mut args: Vec<Sql> = Vec::new();
        let arg = |v: Sql, args: &mut Vec<Sql>| {
            args.push(v);
            format!("?{}", args.len())
        };
        if let Some(f) = &query.form_id {
            conds.push(format!("s.form_id = {}", arg(Sql::Text(f.clone()), &mut args)));
        }
        if let Some(v) = &query.version {
            conds.push(format!("s.version = {}", arg(Sql::Text(v.clone()), &mut args)));
        }
        if let Some(t) = &query.team {
            conds.push(format!("s.team = {}", arg(Sql::Text(t.clone()), &mut args)));
        }
        if let Some(d) = &query.day {
            let p = arg(Sql::Text(d.clone()), &mut args);
            conds.push(format!("date(s.received_at, '+8 hours') = {p}"));
        }
        if let Some(state) = query.state {
            let p = arg(Sql::Text(state.as_str().to_owned()), &mut args);
            conds.push(format!("COALESCE(r.state, 'received') = {p}"));
        }
        let fields = query.field_paths();
        if let Some(pattern) = query.like_pattern() {
            let p = arg(Sql::Text(pattern), &mut args);
            let like = |expr: &str| format!("{expr} LIKE {p} ESCAPE '\\'");
            let mut any = Vec::new();
            if fields.is_empty() {
                any.push(like("s.answers"));
                any.push(like("s.instance_id"));
            }
            for f in &fields {
                // Names are letters, digits and `_` only (checked), so a JSON path
                // built from them needs no quoting.
                match f {
                    FieldPath::Top(name) => {
                        any.push(like(&format!("json_extract(s.answers, '$.{name}')")));
                    }
                    FieldPath::InRepeat(repeat, name) => any.push(format!(
                        "EXISTS (SELECT 1 FROM json_each(s.answers, '$.{repeat}') e
                                 WHERE e.type = 'object'
                                   AND {})",
                        like(&format!(
                            "json_extract(CASE WHEN e.type = 'object' THEN e.value ELSE '{{}}' END,
                                          '$.{name}')"
                        ))
                    )),
                }
            }
            conds.push(format!("({})", any.join(" OR ")));
        }
        let filter_args = args.len();
        let mut page_conds = conds.clone();
        if let Some(before) = query.before {
            page_conds.push(format!("s.seq < {}", arg(Sql::Integer(before), &mut args)));
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
        self.with_conn(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let total: i64 =
                tx.query_row(&count_sql, rusqlite::params_from_iter(&args[..filter_args]), |r| {
                    r.get(0)
                })?;
            let mut items = Vec::new();
            {
                let mut st = tx.prepare(&page_sql)?;
                let mut rows = st.query(rusqlite::params_from_iter(&args))?;
                while let Some(r) = rows.next()? {
                    let review = match r.get::<_, Option<i64>>(7)? {
                        None => None,
                        Some(id) => Some(ReviewEvent {
                            id,
                            instance_id: r.get(1)?,
                            state: review_state_from(r.get(8)?)?,
                            comment: r.get(9)?,
                            token_id: r.get(10)?,
                            at: r.get(11)?,
                        }),
                    };
                    items.push(SubmissionSummary {
                        seq: r.get(0)?,
                        instance_id: r.get(1)?,
                        form_id: r.get(2)?,
                        version: r.get(3)?,
                        team: r.get(4)?,
                        received_at: r.get(5)?,
                        review_state: review.as_ref().map_or(ReviewState::Received, |e| e.state),
                        review,
                        shown: pick_fields(&r.get::<_, String>(6)?, &fields),
                    });
                }
            }
            tx.finish()?;
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
        self.with_conn(|c| {
            let mut st = c.prepare_cached(
                "SELECT s.seq, s.instance_id, s.version, s.team, s.received_at, s.meta,
                        s.answers, s.raw, s.form_id,
                        (SELECT json_group_array(json_array(a.file, a.sha256, a.size,
                                                            a.media_type, a.received_at))
                           FROM attachments a WHERE a.instance_id = s.instance_id),
                        r.state, r.comment
                 FROM submissions s
                 LEFT JOIN reviews r ON r.id = (SELECT MAX(id) FROM reviews
                                                WHERE instance_id = s.instance_id)
                 WHERE s.instance_id = ?1",
            )?;
            let mut rows = st.query(params![instance_id])?;
            let Some(r) = rows.next()? else { return Ok(None) };
            let raw: String = r.get(7)?;
            let answers: String = r.get(6)?;
            let envelope = (answers == "{}"
                && serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&raw)
                    .is_ok_and(|m| m.contains_key("sealed")))
            .then(|| raw.clone());
            Ok(Some(StoredSubmission {
                form_id: r.get(8)?,
                row: SubmissionRow {
                    seq: r.get(0)?,
                    instance_id: r.get(1)?,
                    version: r.get(2)?,
                    team: r.get(3)?,
                    received_at: r.get(4)?,
                    meta: r.get(5)?,
                    answers,
                    envelope,
                    files: files_from_json(&r.get::<_, String>(9)?)?,
                    review_state: review_state_from(r.get(10)?)?,
                    review_comment: r.get::<_, Option<String>>(11)?.unwrap_or_default(),
                    file_key: None,
                },
                raw,
            }))
        })
    }
}

/// Submissions per team and review state, for the overview (the same text on both
/// backends).
pub(super) const REVIEW_COUNTS_SQL: &str = "SELECT s.team, r.state, COUNT(*)
     FROM submissions s
     LEFT JOIN reviews r ON r.id = (SELECT MAX(id) FROM reviews WHERE instance_id = s.instance_id)
     GROUP BY s.team, r.state";

/// A stored review state (`None`: never reviewed); an unknown text is a damaged row.
pub(super) fn review_state_from(text: Option<String>) -> Result<ReviewState, StoreError> {
    ReviewState::stored(text.as_deref())
        .ok_or_else(|| StoreError::Damaged(format!("review state {text:?}")))
}

/// Teams at a glance (see [`super::TeamProgress`]), read inside the overview's
/// transaction.
fn teams_at_a_glance(
    tx: &rusqlite::Transaction<'_>,
) -> Result<Vec<super::TeamProgress>, StoreError> {
    let mut rows = Vec::new();
    {
        let mut st = tx.prepare(
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
             FROM teams t ORDER BY t.team",
        )?;
        let mut q = st.query([])?;
        while let Some(r) = q.next()? {
            rows.push(TeamRow {
                team: r.get(0)?,
                total: r.get::<_, i64>(1)? as u64,
                with_problems: r.get::<_, i64>(2)? as u64,
                last_received_at: r.get(3)?,
                target: r.get::<_, Option<i64>>(4)?.map(target_from).transpose()?,
            });
        }
    }
    let (days, since) = crate::time::last_days_utc8(TEAM_DAYS);
    let per_day = {
        let mut st = tx.prepare(
            "SELECT team, date(received_at, '+8 hours') AS day, COUNT(*) FROM submissions
             WHERE received_at >= ?1 GROUP BY team, day",
        )?;
        st.query_map(params![since], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                r.get::<_, i64>(2)? as u64,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?
    };
    Ok(team_progress(rows, &per_day, &days))
}

/// The files of a submission as the export's query gives them: a JSON array of
/// `[file, sha256, size, media_type, received_at]`.
pub(super) fn files_from_json(text: &str) -> Result<Vec<StoredFile>, StoreError> {
    type Raw = (String, String, u64, String, Option<String>);
    let rows: Vec<Raw> =
        serde_json::from_str(text).map_err(|e| StoreError::Damaged(format!("attachments: {e}")))?;
    Ok(rows
        .into_iter()
        .map(|(file, sha256, size, media_type, received_at)| StoredFile {
            attachment: Attachment { file, sha256, size, media_type },
            received_at,
        })
        .collect())
}
