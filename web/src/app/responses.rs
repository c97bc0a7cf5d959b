//! This device's responses: the list, starting one, saving and deleting.

use std::sync::Arc;

use leptos::prelude::*;
use tianye_core::Session;
use tianye_core::response::{FormRef, Meta, Response, Status};

use super::{App, Listing, Route};
use crate::browser;
use crate::state::record::{Group, Record, Upload};
use crate::state::store::Unreadable;

/// This device's responses.
#[derive(Clone, Copy)]
pub struct Responses {
    /// This device's responses.
    pub records: RwSignal<Vec<Record>>,
    /// Stored responses this build cannot read (kept, named on the list, backed up).
    pub unreadable: RwSignal<Vec<Unreadable>>,
}

impl Responses {
    pub(super) fn new(records: Vec<Record>, unreadable: Vec<Unreadable>) -> Responses {
        Responses { records: RwSignal::new(records), unreadable: RwSignal::new(unreadable) }
    }
}

impl App {
    /// Starts a new response to `listing` and opens it. While its questionnaire is
    /// fetched (on a poor signal, up to the request's time limit) the listing is
    /// [`App::opening`]: more taps on it start nothing more, and a tap on another
    /// questionnaire, or leaving the list, means this one is not opened when it comes
    /// (it is kept on the device all the same).
    pub async fn start(self, listing: Listing) {
        let which = listing.key();
        if self.catalogue.opening.with_untracked(|o| o.as_ref() == Some(&which)) {
            return;
        }
        let at_hand = self.catalogue.compiled.with_value(|m| m.contains_key(&which))
            || self.store.with_value(|s| s.has_questionnaire(&listing.id, &listing.version));
        if !at_hand {
            self.catalogue.opening.set(Some(which.clone()));
        }
        let fetched = self.form(&listing.id, &listing.version).await;
        if !at_hand {
            if self.gone() {
                return;
            }
            let waited_for = self.catalogue.opening.with_untracked(|o| o.as_ref() == Some(&which));
            if waited_for {
                self.catalogue.opening.set(None);
            }
            if !waited_for || self.route.with_untracked(|r| *r != Route::Home) {
                return;
            }
        }
        let form = match fetched {
            _ if self.gone() => return,
            Ok(f) => f,
            Err(e) => {
                self.notice.set(Some(e));
                return;
            }
        };
        let meta = Meta {
            started_at: Some(browser::now_iso()),
            updated_at: Some(browser::now_iso()),
            enumerator: self.settings.enumerator.get_untracked(),
            device_id: Some(self.device_id()),
            ..Meta::default()
        };
        let session = Session::start(Arc::clone(&form), meta.clone(), browser::now());
        let q = form.questionnaire();
        let record = Record {
            response: Response {
                instance_id: browser::uuid(),
                questionnaire: FormRef { id: q.id.clone(), version: q.version.clone() },
                status: Status::Draft,
                answers: session.answers(),
                meta,
            },
            title: q.title.clone(),
            upload: Upload::Draft,
            summary: crate::state::answers::summary(&session),
            page: 0,
            sealed: None,
            files_sent: Vec::new(),
        };
        if self.save(&record) {
            self.go(Route::Form {
                form: q.id.clone(),
                id: record.response.instance_id,
                review: false,
            });
        }
    }

    /// Saves a record and refreshes the list; on failure, warns and returns false.
    pub fn save(&self, record: &Record) -> bool {
        let result = self.store.with_value(|s| s.put(record));
        match result {
            Ok(()) => {
                let (form, id) = (&record.response.questionnaire.id, &record.response.instance_id);
                self.keep_in_list(form, id, Some(record.clone()));
                true
            }
            Err(e) => {
                self.report_store_error(&e);
                false
            }
        }
    }

    /// Puts the stored copy of response `id` of questionnaire `form` (`None`: deleted)
    /// in the list in place of this tab's.
    pub(crate) fn keep_in_list(&self, form: &str, id: &str, stored: Option<Record>) {
        self.responses.records.update(|list| {
            let at = list.iter().position(|r| r.is(form, id));
            match (at, stored) {
                (Some(i), Some(record)) => list[i] = record,
                (None, Some(record)) => list.insert(0, record),
                (Some(i), None) => {
                    list.remove(i);
                }
                (None, None) => {}
            }
        });
    }

    /// The number of records in each group.
    pub fn counts(&self) -> Vec<(Group, usize)> {
        self.responses.records.with(|list| {
            Group::ALL
                .iter()
                .map(|g| (*g, list.iter().filter(|r| r.group() == *g).count()))
                .collect()
        })
    }

    /// Deletes every record the server has acknowledged (their copies on this device).
    pub fn delete_uploaded(&self) {
        self.delete_where(|r| r.group() == crate::state::record::Group::Uploaded);
    }

    /// Deletes a record.
    pub fn delete(&self, form: &str, id: &str) {
        self.delete_where(|r| r.is(form, id));
    }

    /// Deletes the records `which` picks, with their files: the index is rewritten and
    /// the storage used measured once, however many go. Each is checked again on its stored copy, which
    /// another tab may have changed (an uploaded response reopened there is a draft
    /// again, not to be deleted).
    fn delete_where(&self, which: impl Fn(&Record) -> bool) {
        let store = self.store.get_value();
        let gone: Vec<(String, String)> = self.responses.records.with_untracked(|list| {
            list.iter()
                .filter(|r| which(r))
                .map(Record::ids)
                .filter(|(form, id)| store.get(form, id).is_none_or(|stored| which(&stored)))
                .collect()
        });
        let keys: Vec<(&str, &str)> = gone.iter().map(|(f, i)| (f.as_str(), i.as_str())).collect();
        self.store.with_value(|s| s.delete_all(&keys));
        self.drop_files_of(&gone);
        self.responses.records.update(|list| {
            list.retain(|r| !gone.iter().any(|(form, id)| r.is(form, id)));
        });
        self.used.set(crate::state::store::site_chars());
    }
}
