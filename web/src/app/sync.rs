//! Other tabs of this browser: their changes to the store, noted as they come and
//! taken in while this page is shown.

use leptos::prelude::*;

use super::{App, Route};
use crate::browser;
use crate::state::record::Upload;
use crate::state::store::Elsewhere;

/// What other tabs changed.
#[derive(Clone, Copy)]
pub struct CrossTab {
    /// The responses other tabs changed (questionnaire id, response id), as last taken
    /// in: a form showing one of them here is built again from the stored copy.
    pub changed_elsewhere: RwSignal<Vec<(String, String)>>,
    /// Changes other tabs made while this page was hidden, taken in when it is shown.
    pub(super) pending: StoredValue<Vec<Elsewhere>>,
}

impl CrossTab {
    pub(super) fn new() -> CrossTab {
        CrossTab {
            changed_elsewhere: RwSignal::new(Vec::new()),
            pending: StoredValue::new(Vec::new()),
        }
    }
}

impl App {
    /// Notes a change another tab (or window) of this browser made to this store, read
    /// from the key of a `storage` event. It is taken in at once while this page is
    /// shown; a page in the background keeps the note until it is shown again, so it
    /// parses nothing for each keystroke made in the other tab.
    pub fn note_change_elsewhere(&self, key: Option<&str>) {
        let Some(what) = self.store.with_value(|s| s.elsewhere(key)) else { return };
        self.sync.pending.update_value(|pending| {
            if !pending.contains(&what) {
                pending.push(what);
            }
        });
        if browser::page_shown() {
            self.take_in_changes_elsewhere();
        }
    }

    /// Brings this tab's copies (the list, the settings, the response open) up to date
    /// with what other tabs stored since: without it, a change made here to a stale
    /// copy would overwrite theirs.
    pub fn take_in_changes_elsewhere(&self) {
        let Some(pending) = self.sync.pending.try_update_value(std::mem::take) else { return };
        let store = self.store.get_value();
        let mut changed = Vec::new();
        for what in pending {
            match what {
                Elsewhere::Everything => {
                    let (records, unreadable) = store.records_and_unreadable();
                    self.responses.records.set(records);
                    self.responses.unreadable.set(unreadable);
                    self.take_in_settings(&store.settings());
                    if let Route::Form { form, id, .. } = self.route.get_untracked() {
                        changed.push((form, id));
                    }
                }
                Elsewhere::Settings => self.take_in_settings(&store.settings()),
                Elsewhere::Record { form, id } => {
                    let (record, bad) = match store.read(&form, &id) {
                        Some(Ok(record)) => (Some(record), None),
                        Some(Err(bad)) => (None, Some(bad)),
                        None => (None, None),
                    };
                    let key = store.record_key(&form, &id);
                    self.responses.unreadable.update(|list| {
                        list.retain(|u| u.key != key);
                        list.extend(bad);
                    });
                    self.keep_in_list(&form, &id, record);
                    changed.push((form, id));
                }
            }
        }
        // Another tab is sending a response: this tab's queue waits for its lock, so
        // that, should that tab close before the server answers, the send resumes here.
        let sent_elsewhere = self
            .responses
            .records
            .with_untracked(|list| list.iter().any(|r| r.upload == Upload::Uploading));
        if sent_elsewhere && browser::has_web_locks() {
            self.kick_uploads();
        }
        if !changed.is_empty() {
            self.sync.changed_elsewhere.set(changed);
        }
    }
}
