//! `tianye preview`'s local server: the questionnaire file as the checker sees it now,
//! re-read whenever the file is saved, and what the page asks of it.
//!
//! ```text
//! file on disk ─ watch (poll, 200 ms, settled) ─> load + check ─> Snapshot (generation n)
//!   page  ── GET /preview/findings?after=n (long poll) ──> findings (JSON + inert HTML)
//!   app   ── GET /api/v1/questionnaires[/{id}] ──> the questionnaire, version "preview"
//!   page  ── POST /preview/verdict (the open draft) ──> problems + calculated values
//! ```
//!
//! The form app in the page is the built app (`dist/`), under `/app/`. The questionnaire
//! is served to it under the fixed version [`PREVIEW_VERSION`], so a draft started in
//! the preview stays that questionnaire's draft however often the file changes (and
//! its version with it); the page makes the app fetch the questionnaire again after
//! each change. Nothing is written anywhere: no database, no file beside the form.

mod routes;
mod watch;

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use tianye_core::{Form, Severity, choice_file};

use crate::load::{self, Shown};

pub(crate) use routes::router;
pub(crate) use watch::watch;

/// The version the app is given the questionnaire under, whatever the file says.
pub(crate) const PREVIEW_VERSION: &str = "preview";

/// The questionnaire as it was read at one moment.
pub(crate) struct Snapshot {
    /// Counts the reads, from 1; the page asks for anything after the one it shows.
    pub(crate) generation: u64,
    /// The checker's findings, as `tianye check` prints them.
    pub(crate) findings: Vec<Shown>,
    /// The questionnaire, when it loads.
    pub(crate) usable: Option<Usable>,
    /// The choice files it reads (`media/villages.csv`), watched with it: those of the
    /// last reading that loaded, while this one does not.
    pub(crate) choice_files: Vec<PathBuf>,
}

/// A questionnaire that loads: compiled, and as the app is given it.
pub(crate) struct Usable {
    /// Compiled, with the version the file gives (responses are checked against it).
    pub(crate) form: Form,
    /// The JSON the app is served: choice files inlined, version [`PREVIEW_VERSION`].
    pub(crate) json: String,
}

impl Snapshot {
    /// Reads and checks the questionnaire at `path`; `choice_files` are those of the
    /// reading before.
    pub(crate) fn read(path: &Path, generation: u64, choice_files: &[PathBuf]) -> Snapshot {
        let loaded = load::load(path);
        let findings = loaded.findings(path);
        let blocked = findings.iter().any(|f| f.severity == Severity::Error);
        let usable = match loaded.form {
            Ok(form) if !blocked => {
                let mut served = form.questionnaire().with_files_inlined();
                PREVIEW_VERSION.clone_into(&mut served.version);
                serde_json::to_string(&served).ok().map(|json| Usable { form, json })
            }
            _ => None,
        };
        let choice_files = match &usable {
            Some(u) => u
                .form
                .questionnaire()
                .choice_files
                .values()
                .filter_map(|file| choice_file::path_beside(path, file))
                .collect(),
            None => choice_files.to_vec(),
        };
        Snapshot { generation, findings, usable, choice_files }
    }

    /// How many findings are errors, and how many warnings.
    pub(crate) fn counts(&self) -> (usize, usize) {
        let errors = self.findings.iter().filter(|f| f.severity == Severity::Error).count();
        (errors, self.findings.len() - errors)
    }
}

/// What the watcher and the handlers share: the file, the latest snapshot, and a
/// channel that says when a new one is there.
pub(crate) struct Shared {
    /// The questionnaire file.
    pub(crate) path: PathBuf,
    /// The language the app starts in (`zh` or `en`).
    pub(crate) lang: String,
    current: RwLock<Arc<Snapshot>>,
    changed: tokio::sync::watch::Sender<u64>,
}

impl Shared {
    /// Reads the questionnaire at `path` for the first time.
    pub(crate) fn new(path: PathBuf, lang: String) -> Arc<Shared> {
        let first = Snapshot::read(&path, 1, &[]);
        let (changed, _) = tokio::sync::watch::channel(1);
        Arc::new(Shared { path, lang, current: RwLock::new(Arc::new(first)), changed })
    }

    /// The latest snapshot.
    pub(crate) fn current(&self) -> Arc<Snapshot> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Reads the file again and tells those waiting; returns the new snapshot.
    pub(crate) fn reload(&self) -> Arc<Snapshot> {
        let before = self.current();
        let next =
            Arc::new(Snapshot::read(&self.path, before.generation + 1, &before.choice_files));
        let generation = next.generation;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::clone(&next);
        self.changed.send_replace(generation);
        next
    }

    /// Waits until the snapshot is another than generation `after` (a later one, or
    /// an earlier one: a page left open while the preview was started again), or
    /// `limit` has passed; returns the latest either way.
    pub(crate) async fn after(&self, after: u64, limit: std::time::Duration) -> Arc<Snapshot> {
        let mut rx = self.changed.subscribe();
        let _ = tokio::time::timeout(limit, rx.wait_for(|g| *g != after)).await;
        self.current()
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    /// A long poll is answered at once for a generation other than the current one,
    /// and when a new one is read; otherwise only when its time is up.
    #[tokio::test]
    async fn a_long_poll_waits_only_on_the_current_generation() {
        let dir = tempfile::tempdir().unwrap();
        let shared = Shared::new(write(dir.path(), "form.json", FORM), "zh".into());
        let long = Duration::from_secs(30);
        for stale in [0, 5] {
            let start = Instant::now();
            assert_eq!(shared.after(stale, long).await.generation, 1);
            assert!(start.elapsed() < Duration::from_secs(1), "after={stale}");
        }
        let start = Instant::now();
        assert_eq!(shared.after(1, Duration::from_millis(300)).await.generation, 1);
        assert!(start.elapsed() >= Duration::from_millis(300));
        let waiting = {
            let shared = Arc::clone(&shared);
            tokio::spawn(async move { shared.after(1, long).await.generation })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        shared.reload();
        let got = tokio::time::timeout(Duration::from_secs(5), waiting).await;
        assert_eq!(got.expect("answered on the change").unwrap(), 2);
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    const FORM: &str = r#"{"id": "visit", "version": "3", "title": "家访",
        "items": [{"type": "integer", "name": "age", "label": "年龄",
                   "constraints": [{"expr": ". < 18"}]}]}"#;

    /// A form that loads is served under the preview version and compiled under its own;
    /// one with an error is not served, and its findings carry the checker's caret.
    #[test]
    fn a_snapshot_serves_what_loads_and_reports_what_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "form.json", FORM);
        let shot = Snapshot::read(&path, 7, &[]);
        assert_eq!(shot.generation, 7);
        assert_eq!(shot.counts(), (0, 0), "{:?}", shot.findings);
        let usable = shot.usable.expect("loads");
        assert_eq!(usable.form.questionnaire().version, "3");
        let served: serde_json::Value = serde_json::from_str(&usable.json).unwrap();
        assert_eq!(served["version"], PREVIEW_VERSION);
        assert_eq!(served["id"], "visit");

        write(dir.path(), "form.json", &FORM.replace(". < 18", ". < ${agee}"));
        let shot = Snapshot::read(&path, 8, &[]);
        assert!(shot.usable.is_none());
        let (errors, _) = shot.counts();
        assert_eq!(errors, 1, "{:?}", shot.findings);
        let text = &shot.findings[0].text;
        assert!(text.contains('^'), "{text}");
        assert!(text.contains("${agee}"), "{text}");

        std::fs::remove_file(&path).unwrap();
        let shot = Snapshot::read(&path, 9, &[]);
        assert!(shot.usable.is_none());
        assert_eq!(shot.findings[0].code, "io");
    }
}
