//! Watching the questionnaire file: its size, modification time and identity are
//! polled, and a change is read once it has settled (the same for two polls in a row).
//!
//! Polling rather than change notifications keeps one behaviour on every system and
//! for every way of saving: Excel and many editors write a temporary file and rename it
//! over the form (the file's identity changes, and for a moment there may be none), or
//! write the file in place (its size and time change). A save caught halfway is not
//! read: the next poll sees it change again.

use std::path::Path;
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use super::Shared;

/// How often the file is looked at.
pub(crate) const POLL: Duration = Duration::from_millis(200);

/// What tells one version of a file from another without reading it; `None` while
/// there is no file.
type FileStamp = Option<(u64, Option<SystemTime>, u64)>;

/// The stamps of the questionnaire file and of the choice files it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp(Vec<FileStamp>);

fn file_stamp(path: &Path) -> FileStamp {
    std::fs::metadata(path).ok().map(|m| (m.len(), m.modified().ok(), identity(&m)))
}

fn stamp(shared: &Shared) -> Stamp {
    let choice_files = shared.current().choice_files.clone();
    Stamp(std::iter::once(&shared.path).chain(&choice_files).map(|p| file_stamp(p)).collect())
}

#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.ino()
}

#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata) -> u64 {
    0
}

/// Watches `shared`'s file on a thread of its own, reloading it after each settled
/// change, for as long as `shared` is in use.
pub(crate) fn watch(shared: &Arc<Shared>) {
    let weak: Weak<Shared> = Arc::downgrade(shared);
    let path = shared.path.clone();
    let mut read = stamp(shared);
    let spawned = std::thread::Builder::new().name("tianye-preview-watch".into()).spawn(move || {
        let mut seen = read.clone();
        loop {
            std::thread::sleep(POLL);
            let Some(shared) = weak.upgrade() else { return };
            let now = stamp(&shared);
            if now != read && now == seen {
                let files = shared.current().choice_files.clone();
                let shot = shared.reload();
                // What was seen before reading, so a save made meanwhile is read too;
                // taken anew when the questionnaire now reads other choice files.
                read = if shot.choice_files == files { now.clone() } else { stamp(&shared) };
                let (errors, warnings) = shot.counts();
                eprintln!(
                    "↻ {}: 已重新检查 / checked again — {errors} 个错误 / error(s), {warnings} 条警告 / warning(s)",
                    path.display()
                );
            }
            seen = now;
        }
    });
    if let Err(e) = spawned {
        eprintln!(
            "警告 / warning: 无法监视文件，页面不会自动更新 / cannot watch the file, the page will not update: {e}"
        );
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    /// A form replaced by renaming another file over it (how Excel saves) is read again,
    /// and so is one written in place; the generation goes up once per settled change.
    #[test]
    fn renamed_and_rewritten_files_are_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("form.json");
        let form = |label: &str| {
            format!(
                r#"{{"id": "w", "version": "1", "title": "t",
                    "items": [{{"type": "text", "name": "a", "label": "{label}"}}]}}"#
            )
        };
        std::fs::write(&path, form("一")).unwrap();
        let shared = Shared::new(path.clone(), "zh".into());
        watch(&shared);
        let label = |shared: &Shared| {
            let shot = shared.current();
            let json = shot.usable.as_ref().map(|u| u.json.clone()).unwrap_or_default();
            (shot.generation, json)
        };
        let wait_for = |text: &str| {
            let start = Instant::now();
            loop {
                let (generation, json) = label(&shared);
                if json.contains(text) {
                    return generation;
                }
                assert!(start.elapsed() < Duration::from_secs(10), "never saw {text}: {json}");
                std::thread::sleep(Duration::from_millis(20));
            }
        };
        let temp = dir.path().join("~$form.tmp");
        std::fs::write(&temp, form("二")).unwrap();
        std::fs::rename(&temp, &path).unwrap();
        let second = wait_for("二");
        assert_eq!(second, 2);
        std::fs::write(&path, form("三三")).unwrap();
        let third = wait_for("三三");
        assert_eq!(third, 3);
        // Nothing changes: nothing is read again.
        std::thread::sleep(POLL * 4);
        assert_eq!(shared.current().generation, 3);
    }

    /// A choice file the questionnaire reads is watched with it: its list edited, the
    /// questionnaire is read again.
    #[test]
    fn a_choice_file_edited_is_read_again() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("media")).unwrap();
        let villages = dir.path().join("media").join("villages.csv");
        std::fs::write(&villages, "name,label\nshimen,石门村\n").unwrap();
        let path = dir.path().join("form.json");
        std::fs::write(
            &path,
            r#"{"id": "c", "version": "1", "title": "t",
                "choice_files": {"villages": "villages.csv"},
                "items": [{"type": "select_one", "name": "v", "label": "村", "choices": "villages"}]}"#,
        )
        .unwrap();
        let shared = Shared::new(path, "zh".into());
        assert!(shared.current().usable.as_ref().is_some_and(|u| u.json.contains("石门村")));
        assert_eq!(shared.current().choice_files, vec![villages.clone()]);
        watch(&shared);
        std::fs::write(&villages, "name,label\nshimen,石门村\nwangxi,旺溪村\n").unwrap();
        let start = Instant::now();
        while !shared.current().usable.as_ref().is_some_and(|u| u.json.contains("旺溪村")) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the choice file was not read again"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
