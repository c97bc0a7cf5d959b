//! Storage behind a small interface: submissions, questionnaire versions and tokens.
//!
//! [`SqliteStore`] (embedded SQLite, WAL, one group-committing writer) is the default
//! backend. [`PgStore`] (PostgreSQL, for deployments that outgrow one machine or run
//! several server processes) implements the same [`Store`]; nothing else in the server
//! touches SQL. [`open`] picks one from the command line's `--data` and `--database`.

pub mod files;
mod migrate;
mod postgres;
pub mod private;
pub mod review;
mod sqlite;

use std::fmt;
use std::path::Path;

pub use tianye_core::response::attachment::Attachment;

pub use postgres::{PgStore, is_postgres_url, redact_url};
pub use review::{
    ReviewCounts, ReviewEvent, ReviewState, StoredSubmission, SubmissionPage, SubmissionQuery,
    SubmissionSummary,
};
pub use sqlite::{DB_FILE, SqliteStore};

/// A store opened by [`open`], with what to tell the operator about it.
pub struct Opened {
    /// The store.
    pub store: Box<dyn Store>,
    /// Where the data is: the SQLite file, or the PostgreSQL URL without its password.
    pub location: String,
    /// Problems that do not stop the store (see [`SqliteStore::warnings`]).
    pub warnings: Vec<String>,
}

impl fmt::Debug for Opened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Opened").field("location", &self.location).finish_non_exhaustive()
    }
}

/// Opens the store: PostgreSQL at `database` when given (attachment files still under
/// `data_dir`), else SQLite in `data_dir` (its size limited to about `max_db_bytes`,
/// which only SQLite supports).
pub fn open(
    data_dir: &Path,
    database: Option<&str>,
    max_db_bytes: Option<u64>,
) -> Result<Opened, StoreError> {
    match database {
        Some(url) => {
            if max_db_bytes.is_some() {
                return Err(StoreError::DatabaseUrl {
                    url: redact_url(url),
                    reason: "数据库大小上限只适用于 SQLite / the database size limit applies to SQLite only".to_owned(),
                });
            }
            let store = PgStore::open(url, data_dir)?;
            Ok(Opened {
                location: store.location().to_owned(),
                warnings: store.warnings().to_vec(),
                store: Box::new(store),
            })
        }
        None => {
            let store = SqliteStore::open_with_limit(data_dir, max_db_bytes)?;
            Ok(Opened {
                location: store.path().display().to_string(),
                warnings: store.warnings().to_vec(),
                store: Box::new(store),
            })
        }
    }
}

/// An error from a callback given to the store (an export writer failing).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database reported an error (disk full, I/O error, corruption, locked too long).
    #[error("数据库错误 / database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// PostgreSQL reported an error, or the connection to it broke.
    #[error("PostgreSQL 数据库错误 / PostgreSQL database error: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// The `--database` URL cannot be used (shown without its password).
    #[error("数据库地址无效 {url} / invalid database URL {url}: {reason}")]
    DatabaseUrl {
        /// The URL, its password replaced by `***`.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The database server could not be reached or refused the connection.
    #[error("无法连接数据库 {host} / cannot connect to the database at {host}: {reason}")]
    Connect {
        /// Host and port (never the password).
        host: String,
        /// What went wrong.
        reason: String,
    },
    /// The data directory or database file could not be created or opened.
    #[error("无法打开数据目录 {path} / cannot open the data directory {path}: {source}")]
    Open {
        /// The directory or file.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The database was written by a newer Tianye whose schema this one does not know.
    #[error(
        "数据库结构版本 {found} 比本程序支持的 {known} 新，请升级田野 / the database schema version {found} is newer than this Tianye supports ({known}): upgrade Tianye"
    )]
    NewerSchema {
        /// Version recorded in the database.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
    /// A write transaction failed (disk full, I/O error): nothing of it was stored.
    #[error("无法写入数据库，未保存 / could not write to the database, nothing stored: {0}")]
    Write(String),
    /// The writer thread has stopped (the store is shutting down).
    #[error("存储已关闭 / the store is closed")]
    Closed,
    /// A value read back from the database is not what was written (a damaged row).
    #[error("数据库中的数据损坏 / damaged data in the database: {0}")]
    Damaged(String),
    /// An attachment file could not be written or read (disk full, I/O error).
    #[error("无法读写附件文件 / cannot read or write an attachment file: {0}")]
    Files(std::io::Error),
    /// A callback (an export writer) failed; the scan stopped.
    #[error("{0}")]
    Callback(BoxError),
    /// No submission with this `instance_id` is stored.
    #[error("没有这份答卷：{0} / no such submission: {0}")]
    NoSuchSubmission(String),
    /// A review comment over [`review::MAX_REVIEW_COMMENT`] characters.
    #[error(
        "审核意见有 {chars} 个字符，超过上限 {max} / the review comment has {chars} characters, over the limit of {max}"
    )]
    CommentTooLong {
        /// Characters given.
        chars: usize,
        /// The limit.
        max: usize,
    },
}

/// A validated submission, ready to store.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    /// The response's `instance_id` (a UUID).
    pub instance_id: String,
    /// Questionnaire id.
    pub form_id: String,
    /// Questionnaire version.
    pub version: String,
    /// The uploading team.
    pub team: String,
    /// The token used, if any (imports from a file may have none).
    pub token_id: Option<i64>,
    /// When the server received it (UTC, RFC 3339).
    pub received_at: String,
    /// SHA-256 of the canonical JSON of the response, for idempotent retries.
    pub content_hash: [u8; 32],
    /// The response JSON exactly as received.
    pub raw: String,
    /// The response's `meta` object, as JSON.
    pub meta: String,
    /// The core's cleaned answers, as JSON.
    pub answers: String,
    /// The files the cleaned answers name, each name once: expected until their bytes
    /// arrive.
    pub attachments: Vec<Attachment>,
}

/// One file a stored submission's answers name, and whether its bytes arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// Name, hash, size and media type, as the answer gives them.
    pub attachment: Attachment,
    /// When the bytes arrived (UTC, RFC 3339); `None` while they are awaited.
    pub received_at: Option<String>,
}

/// The files of one stored submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionFiles {
    /// The team that uploaded the submission (only it may upload its files).
    pub team: String,
    /// Every file its answers name, by name.
    pub files: Vec<StoredFile>,
}

/// How many of a submission's files arrived, and which are missing: the
/// `attachments` object of the API's answers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AttachmentSummary {
    /// Files the answers name.
    pub expected: usize,
    /// Files whose bytes arrived.
    pub received: usize,
    /// The names of the files still awaited, by name.
    pub missing: Vec<String>,
}

impl SubmissionFiles {
    /// The summary: expected, received, missing.
    pub fn summary(&self) -> AttachmentSummary {
        let missing: Vec<String> = self
            .files
            .iter()
            .filter(|f| f.received_at.is_none())
            .map(|f| f.attachment.file.clone())
            .collect();
        AttachmentSummary {
            expected: self.files.len(),
            received: self.files.len() - missing.len(),
            missing,
        }
    }

    /// The file named `file`, if the answers name it.
    pub fn get(&self, file: &str) -> Option<&StoredFile> {
        self.files.iter().find(|f| f.attachment.file == file)
    }
}

/// What became of a submission handed to [`Store::submit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Stored now (durably committed).
    Created {
        /// When it was received.
        received_at: String,
    },
    /// The same `instance_id` with the same content was stored before: nothing changed.
    Duplicate {
        /// When the stored copy was received.
        received_at: String,
    },
    /// The same `instance_id` with different content was stored before: nothing
    /// overwritten.
    Conflict {
        /// When the stored copy was received.
        received_at: String,
    },
}

/// A pending [`Store::submit`]: resolves once the submission is durably committed
/// (or refused).
pub type Pending = tokio::sync::oneshot::Receiver<Result<Outcome, StoreError>>;

/// What a token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Uploads for one team.
    Team,
    /// Exports and the overview.
    Admin,
}

impl TokenKind {
    /// `team` or `admin`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Team => "team",
            TokenKind::Admin => "admin",
        }
    }
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A token as stored (never the token itself, only facts about it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Row id, shown by `tianye token list` and used by `tianye token revoke`.
    pub id: i64,
    /// Team or admin.
    pub kind: TokenKind,
    /// The team name (`admin` for admin tokens).
    pub team: String,
    /// When it was created (UTC, RFC 3339).
    pub created_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// Which tokens [`Store::revoke`] revokes.
#[derive(Debug, Clone)]
pub enum Revoke {
    /// The token with this id.
    Id(i64),
    /// Every team token of this team.
    Team(String),
}

/// A questionnaire version as stored.
#[derive(Debug, Clone)]
pub struct StoredForm {
    /// Order in which versions were first seen.
    pub seq: i64,
    /// Questionnaire id.
    pub form_id: String,
    /// Version.
    pub version: String,
    /// The questionnaire JSON as first loaded.
    pub json: String,
    /// SHA-256 of its canonical JSON.
    pub content_hash: [u8; 32],
    /// When it was first loaded.
    pub registered_at: String,
    /// Number of submissions answering it.
    pub submissions: u64,
}

/// What [`Store::register_form`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// First time this version is seen: stored.
    New,
    /// Already stored with the same content.
    Unchanged,
    /// Stored before with other content but no submissions yet: replaced.
    Replaced,
    /// Stored before with other content and already answered: left as it was.
    ChangedWithSubmissions {
        /// How many submissions answer the stored content.
        submissions: u64,
    },
}

/// One stored submission, as exports read it.
#[derive(Debug, Clone)]
pub struct SubmissionRow {
    /// Storage order.
    pub seq: i64,
    /// The response's `instance_id`.
    pub instance_id: String,
    /// Questionnaire version answered.
    pub version: String,
    /// Uploading team.
    pub team: String,
    /// When it was received (UTC, RFC 3339).
    pub received_at: String,
    /// The response's `meta`, as JSON.
    pub meta: String,
    /// The cleaned answers, as JSON (`{}` for a sealed submission: the server cannot
    /// read them).
    pub answers: String,
    /// The files its answers name, by name, with whether each arrived.
    pub files: Vec<StoredFile>,
    /// For a sealed submission, its envelope as uploaded (`core/ENCRYPTION.md`): what an
    /// export opens with the researcher's key, or writes as it is without one.
    pub envelope: Option<String>,
    /// Set by an export that opened the sealed submission: the key that opens its sealed
    /// files (`files` then names the sealed files, `answers` the plain ones).
    pub file_key: Option<tianye_core::seal::FileKey>,
    /// Its review state now.
    pub review_state: ReviewState,
    /// The comment of its newest review event (empty when none).
    pub review_comment: String,
}

/// Counts for the overview page.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Overview {
    /// Every submission.
    pub total: u64,
    /// Submissions still waiting for some of the files their answers name (not yet
    /// complete on the server).
    pub waiting_for_files: u64,
    /// Per questionnaire version.
    pub by_version: Vec<VersionCount>,
    /// Per team (every team with a token, and every team that uploaded).
    pub by_team: Vec<TeamCount>,
    /// Per day received (China Standard Time, UTC+8), oldest first.
    pub by_day: Vec<DayCount>,
    /// Teams at a glance: each team's progress, by team name (the same teams as
    /// `by_team`, and every team with a target).
    pub teams: Vec<TeamProgress>,
}

/// Submissions to one questionnaire version.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VersionCount {
    /// Questionnaire id.
    pub form_id: String,
    /// Version.
    pub version: String,
    /// Submissions.
    pub count: u64,
}

/// Submissions from one team.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TeamCount {
    /// Team name.
    pub team: String,
    /// Submissions.
    pub count: u64,
    /// The latest receipt, if any.
    pub last_received_at: Option<String>,
    /// Whether the team has a token that is not revoked.
    pub active: bool,
    /// Its submissions by review state.
    pub reviews: ReviewCounts,
}

/// The most submissions a team's target may ask for.
pub const MAX_TEAM_TARGET: u32 = 1_000_000;

/// Days of each team's per-day counts on the overview ([`TeamProgress::by_day`]).
pub const TEAM_DAYS: usize = 30;

/// A team's target: how many submissions it is meant to collect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamTarget {
    /// Team name.
    pub team: String,
    /// Submissions meant, 1 to [`MAX_TEAM_TARGET`].
    pub target: u32,
    /// When it was last set (UTC, RFC 3339).
    pub updated_at: String,
}

/// One team at a glance: its submissions, whether they are complete, by day, and
/// against its target.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TeamProgress {
    /// Team name.
    pub team: String,
    /// Submissions.
    pub total: u64,
    /// Submissions complete on the server: every file their answers name arrived.
    pub complete: u64,
    /// Submissions with problems: still waiting for some of their files. (The server
    /// refuses a response that fails validation, so a stored one has no other problem
    /// it can see; `total = complete + with_problems`.)
    pub with_problems: u64,
    /// The latest receipt (UTC, RFC 3339), if any.
    pub last_received_at: Option<String>,
    /// The team's target, if one is set.
    pub target: Option<u32>,
    /// `total / target` (1.0 when met; more when passed), with a target.
    pub progress: Option<f64>,
    /// Submissions per day received (UTC+8) over the last [`TEAM_DAYS`] days, oldest
    /// first, days without any included.
    pub by_day: Vec<DayCount>,
}

/// One team's counts as a backend's overview query gives them, before
/// [`team_progress`] adds the days.
pub(crate) struct TeamRow {
    pub team: String,
    pub total: u64,
    pub with_problems: u64,
    pub last_received_at: Option<String>,
    pub target: Option<u32>,
}

/// Teams at a glance from each team's counts and the per-day counts (`(team, day,
/// count)`, in any order), over `days` (oldest first): days outside `days` are left
/// out, and each team gets every one of `days`.
pub(crate) fn team_progress(
    rows: Vec<TeamRow>,
    per_day: &[(String, String, u64)],
    days: &[String],
) -> Vec<TeamProgress> {
    let mut counts: std::collections::HashMap<(&str, &str), u64> = std::collections::HashMap::new();
    for (team, day, n) in per_day {
        *counts.entry((team.as_str(), day.as_str())).or_default() += n;
    }
    rows.into_iter()
        .map(|r| {
            let by_day = days
                .iter()
                .map(|day| DayCount {
                    day: day.clone(),
                    count: counts.get(&(r.team.as_str(), day.as_str())).copied().unwrap_or(0),
                })
                .collect();
            TeamProgress {
                complete: r.total.saturating_sub(r.with_problems),
                progress: r.target.map(|t| r.total as f64 / f64::from(t.max(1))),
                team: r.team,
                total: r.total,
                with_problems: r.with_problems,
                last_received_at: r.last_received_at,
                target: r.target,
                by_day,
            }
        })
        .collect()
}

/// A stored target read back, refused when outside 1 to [`MAX_TEAM_TARGET`] (a damaged
/// row).
pub(crate) fn target_from(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value)
        .ok()
        .filter(|t| (1..=MAX_TEAM_TARGET).contains(t))
        .ok_or_else(|| StoreError::Damaged(format!("team_targets.target {value}")))
}

/// Submissions received on one day.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DayCount {
    /// `YYYY-MM-DD` in UTC+8.
    pub day: String,
    /// Submissions.
    pub count: u64,
}

/// The storage interface. Reads are blocking calls (call them from a blocking task
/// when they may take long); writes of submissions go through [`Store::submit`],
/// which returns at once and resolves when the write is durable.
pub trait Store: Send + Sync + 'static {
    /// Queues `submission`; the result arrives once it is durably committed (or found to
    /// be a duplicate or a conflict). Never overwrites a stored submission.
    fn submit(&self, submission: NewSubmission) -> Pending;

    /// The token whose SHA-256 is `hash`, revoked or not.
    fn token_by_hash(&self, hash: &[u8; 32]) -> Result<Option<Token>, StoreError>;

    /// Stores a new token's hash.
    fn create_token(
        &self,
        kind: TokenKind,
        team: &str,
        hash: &[u8; 32],
    ) -> Result<Token, StoreError>;

    /// Stores `hash` as an admin token if there is no active admin token yet; returns
    /// whether it did.
    fn create_first_admin_token(&self, hash: &[u8; 32]) -> Result<bool, StoreError>;

    /// Every token, oldest first.
    fn tokens(&self) -> Result<Vec<Token>, StoreError>;

    /// Revokes tokens; returns how many were active and are now revoked.
    fn revoke(&self, which: &Revoke) -> Result<usize, StoreError>;

    /// Records a questionnaire version (see [`Registration`]).
    fn register_form(
        &self,
        form_id: &str,
        version: &str,
        json: &str,
        content_hash: &[u8; 32],
    ) -> Result<Registration, StoreError>;

    /// Every stored questionnaire version, in the order first seen.
    fn forms(&self) -> Result<Vec<StoredForm>, StoreError>;

    /// Calls `each` for every submission to questionnaire `form_id`, in the order
    /// received, streaming (never holding them all in memory). Stops at the first
    /// error `each` returns.
    fn scan_submissions(
        &self,
        form_id: &str,
        each: &mut dyn FnMut(SubmissionRow) -> Result<(), BoxError>,
    ) -> Result<u64, StoreError>;

    /// The raw JSON of the submission `instance_id`, if stored.
    fn raw_submission(&self, instance_id: &str) -> Result<Option<String>, StoreError>;

    /// Counts for the overview.
    fn overview(&self) -> Result<Overview, StoreError>;

    /// The files the answers of submission `instance_id` name, with whether each
    /// arrived; `None` when no such submission is stored.
    fn submission_files(&self, instance_id: &str) -> Result<Option<SubmissionFiles>, StoreError>;

    /// Stores `bytes` as file `file` of submission `instance_id` and records it
    /// received. The caller has checked that the answers name `file` with exactly these
    /// bytes' SHA-256 (`sha256`) and length. Returns whether it is recorded now (`false`:
    /// it had arrived before). The bytes are durable on disk before the row says so.
    fn store_attachment(
        &self,
        instance_id: &str,
        file: &str,
        sha256: &str,
        bytes: &[u8],
    ) -> Result<bool, StoreError>;

    /// The attachment files on disk.
    fn files(&self) -> &files::FileStore;

    /// Sets team `team`'s target to `target` submissions (1 to [`MAX_TEAM_TARGET`]), or
    /// removes it (`None`); returns the target it had. A target outside the bounds is
    /// refused by the database and nothing changes.
    fn set_team_target(&self, team: &str, target: Option<u32>) -> Result<Option<u32>, StoreError>;

    /// Every team's target, by team name.
    fn team_targets(&self) -> Result<Vec<TeamTarget>, StoreError>;

    /// Records that admin token `token_id` set submission `instance_id` to `state` with
    /// `comment` (at most [`review::MAX_REVIEW_COMMENT`] characters), now; returns the
    /// event. [`StoreError::NoSuchSubmission`] when no such submission is stored.
    fn set_review(
        &self,
        instance_id: &str,
        state: ReviewState,
        comment: &str,
        token_id: Option<i64>,
    ) -> Result<ReviewEvent, StoreError>;

    /// Every review event of submission `instance_id`, oldest first (empty when it was
    /// never reviewed or is not stored).
    fn review_history(&self, instance_id: &str) -> Result<Vec<ReviewEvent>, StoreError>;

    /// One page of submissions matching `query`, newest first (the caller has
    /// [`SubmissionQuery::check`]ed it).
    fn list_submissions(&self, query: &SubmissionQuery) -> Result<SubmissionPage, StoreError>;

    /// The submission `instance_id` with its questionnaire and raw JSON, if stored.
    fn submission(&self, instance_id: &str) -> Result<Option<StoredSubmission>, StoreError>;
}

/// Checks a review comment's length before it is stored.
pub(crate) fn check_comment(comment: &str) -> Result<(), StoreError> {
    let chars = comment.chars().count();
    if chars > review::MAX_REVIEW_COMMENT {
        return Err(StoreError::CommentTooLong { chars, max: review::MAX_REVIEW_COMMENT });
    }
    Ok(())
}

#[cfg(test)]
mod team_tests {
    use super::*;

    fn row(team: &str, total: u64, with_problems: u64, target: Option<u32>) -> TeamRow {
        TeamRow { team: team.into(), total, with_problems, last_received_at: None, target }
    }

    #[test]
    fn each_team_gets_every_day_and_only_those_days() {
        let days: Vec<String> = ["2026-07-01", "2026-07-02", "2026-07-03"].map(String::from).into();
        let per_day: Vec<(String, String, u64)> = [
            ("a", "2026-07-01", 2),
            ("a", "2026-07-03", 5),
            ("a", "2026-06-30", 9), // before the days: left out
            ("b", "2026-07-02", 1),
            ("c", "2026-07-02", 4), // a team not asked for
        ]
        .map(|(t, d, n)| (t.to_owned(), d.to_owned(), n))
        .into();
        let teams = team_progress(
            vec![row("a", 16, 1, Some(8)), row("b", 1, 1, None), row("z", 0, 0, Some(3))],
            &per_day,
            &days,
        );
        let shape: Vec<(&str, Vec<u64>, u64, Option<f64>)> = teams
            .iter()
            .map(|t| {
                (
                    t.team.as_str(),
                    t.by_day.iter().map(|d| d.count).collect(),
                    t.complete,
                    t.progress,
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                ("a", vec![2, 0, 5], 15, Some(2.0)),
                ("b", vec![0, 1, 0], 0, None),
                ("z", vec![0, 0, 0], 0, Some(0.0)),
            ]
        );
        assert!(teams.iter().all(|t| t.by_day.iter().map(|d| &d.day).eq(days.iter())));
    }

    #[test]
    fn a_stored_target_outside_the_bounds_is_damage() {
        assert_eq!(target_from(1).unwrap(), 1);
        assert_eq!(target_from(1_000_000).unwrap(), MAX_TEAM_TARGET);
        for bad in [0, -1, 1_000_001, i64::MAX] {
            assert!(matches!(target_from(bad), Err(StoreError::Damaged(_))), "{bad}");
        }
    }
}
