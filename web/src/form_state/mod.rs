//! A response open in the form screen: the engine's session, the stored record and
//! the signals its views follow. Components take a [`FormState`] and call its methods;
//! pages own one per open response. The reactive index is in [`watch`], the problems
//! shown in [`problems`], saving in [`save`].

mod problems;
mod save;
mod watch;

use std::collections::HashSet;
use std::sync::Arc;

use leptos::prelude::*;
use serde_json::Value as Json;
use tianye_core::response::Status;
use tianye_core::schema::ItemType;
use tianye_core::{Changes, FieldId, Form, Loc, Problem, Session};

use self::watch::Deps;
use crate::app::App;
use crate::browser;
use crate::i18n::{Key, t};
use crate::state::pages::{Page, pages};
use crate::state::record::{Record, Upload};

/// A response open in the form screen.
#[derive(Clone, Copy)]
pub struct FormState {
    /// The app.
    pub app: App,
    /// The engine's session for the response.
    pub session: StoredValue<Session>,
    /// The stored record.
    pub record: StoredValue<Record>,
    /// Bumped after every change, for views that may depend on any answer (filtered
    /// choices, computed rules, progress, review). A question's own state and the texts
    /// showing answers follow [`FormState::track`] instead: with thousands of
    /// subscribers, one signal made every question re-run after every keystroke, and
    /// Leptos drops each subscriber from the signal's ordered set in time proportional
    /// to its size (quadratic overall).
    pub rev: RwSignal<u64>,
    /// What each field's view depends on.
    deps: StoredValue<Deps>,
    /// The problems of the session as it stands, once validated (see
    /// [`FormState::all_problems`]); `None` after a change.
    report: StoredValue<Option<Arc<[Problem]>>>,
    /// Paths of questions the user has left (their problems are shown).
    pub touched: RwSignal<HashSet<String>>,
    /// Show every problem (after review or a failed "mark complete").
    pub show_all: RwSignal<bool>,
    /// The page shown.
    pub page: RwSignal<usize>,
    /// The pages.
    pub pages: StoredValue<Vec<Page>>,
    /// Repeats whose count went below the rows holding answers, to ask about once the
    /// user leaves the box: typing 12 over 5 passes through 1, which must not ask.
    excess_rows: StoredValue<Vec<Loc>>,
    /// A save is put off until the browser is idle (see
    /// [`FormState::persist_when_idle`]).
    save_due: StoredValue<bool>,
    /// How long the last save took, in ms: an idle period shorter than that is left to
    /// the frames.
    save_cost: StoredValue<f64>,
}

impl FormState {
    /// Opens `record` with the compiled `form`.
    pub fn new(app: App, form: Arc<Form>, record: Record) -> FormState {
        let session = Session::open(
            Arc::clone(&form),
            &record.response.answers,
            record.response.meta.clone(),
            browser::now(),
        );
        let page = record.page.min(pages(&form).len().saturating_sub(1));
        let st = FormState {
            app,
            session: StoredValue::new(session),
            record: StoredValue::new(record),
            rev: RwSignal::new(0),
            deps: StoredValue::new(Deps::new(form.fields().len())),
            report: StoredValue::new(None),
            touched: RwSignal::new(HashSet::new()),
            show_all: RwSignal::new(false),
            page: RwSignal::new(page),
            pages: StoredValue::new(pages(&form)),
            excess_rows: StoredValue::new(Vec::new()),
            save_due: StoredValue::new(false),
            save_cost: StoredValue::new(0.0),
        };
        // A save still due when the form closes is made before its state goes.
        Owner::on_cleanup(move || st.persist_if_due());
        st.edit(|s| s.set_language(&app.settings.lang.get_untracked()));
        // A record saved by an older build, or imported, gets the list's line in words.
        let summary = st.session.with_value(crate::state::answers::summary);
        if st.record.with_value(|r| r.summary != summary) {
            st.record.update_value(|r| r.summary = summary);
            st.record.with_value(|r| app.save(r));
        }
        st
    }

    /// Changes the session: every change goes through here, so that the report
    /// validated before it is dropped.
    pub fn edit<R>(&self, change: impl FnOnce(&mut Session) -> R) -> Option<R> {
        self.report.set_value(None);
        self.session.try_update_value(change)
    }

    /// The questionnaire.
    pub fn form(&self) -> Arc<Form> {
        self.session.with_value(|s| Arc::clone(s.form()))
    }

    /// Whether `field`'s `required` or `read_only` is computed (else they never change).
    pub fn has_conditional_rules(&self, field: FieldId) -> bool {
        self.session.with_value(|s| s.form().field(field).has_conditional_rules())
    }

    /// The response's upload state as the queue has it now. Tracked: a view that reads it
    /// follows the queue while the response is open (turns read-only when the server
    /// acknowledges it, shows the server's problems when it refuses it).
    pub fn upload(&self) -> Upload {
        let (form, id) = self.record.with_value(Record::ids);
        self.app
            .responses
            .records
            .with(|list| list.iter().find(|r| r.is(&form, &id)).map(|r| r.upload.clone()))
            .unwrap_or_else(|| self.record.with_value(|r| r.upload.clone()))
    }

    /// Whether the response may still change: once the server has it, it is final (a
    /// changed copy under the same id would be refused as a conflict). While it is being
    /// sent it is held as it is: the server gets the copy that went out, and a change
    /// made meanwhile would be overwritten when the server answers.
    pub fn editable(&self) -> bool {
        let held = self.record.with_value(|r| match r.upload {
            Upload::Uploaded { .. } => Some(Key::Uploaded),
            Upload::Uploading => Some(Key::HeldWhileUploading),
            _ => None,
        });
        if let Some(why) = held {
            self.app.notice.set(Some(self.says(why)));
        }
        held.is_none()
    }

    /// The text `key` in the language shown.
    fn says(&self, key: Key) -> String {
        t(key, &self.app.settings.lang.get_untracked()).to_owned()
    }

    /// Sets the answer at `loc`, recomputes, asks before dropping rows that hold answers,
    /// and saves.
    pub fn set(&self, loc: &Loc, value: &Json) {
        if !self.editable() {
            // Put the stored answer back in the box.
            self.notify_value(loc);
            self.rev.update(|r| *r += 1);
            return;
        }
        let changes = self.edit(|s| s.set_answer(loc, value));
        let Some(Ok(changes)) = changes else { return };
        if changes.changes.is_empty() {
            return;
        }
        self.notify(&changes, false);
        self.excess_rows.update_value(|pending| {
            for excess in &changes.excess_rows {
                if !pending.contains(&excess.repeat) {
                    pending.push(excess.repeat.clone());
                }
            }
        });
        self.changed();
    }

    /// Asks, for each repeat whose count went below the rows holding answers while the
    /// user typed, whether to remove the rows beyond the count; removes them if so. Asked
    /// once the user has left the box, about the count as it then stands.
    fn settle_excess_rows(&self) {
        let pending = self.excess_rows.try_update_value(std::mem::take).unwrap_or_default();
        let mut removed_any = false;
        for repeat in pending {
            let (present, wanted) = self.session.with_value(|s| {
                let most = s.form().field(repeat.field).rules.max_rows.unwrap_or(u32::MAX);
                let wanted = s.wanted_rows(&repeat).filter(|_| s.is_relevant(&repeat));
                (s.row_count(&repeat), wanted.map(|w| w.min(most)))
            });
            let Some(wanted) = wanted.filter(|&w| present > w) else { continue };
            if !confirm(Key::ConfirmExcessRows, self.app) {
                continue;
            }
            let removed = self.edit(|s| {
                let mut all = Changes::default();
                while s.row_count(&repeat) > wanted {
                    let last = s.row_count(&repeat) - 1;
                    match s.remove_row(&repeat, last) {
                        Ok(more) => all.changes.extend(more.changes),
                        Err(_) => break,
                    }
                }
                all
            });
            if let Some(removed) = removed {
                self.notify(&removed, false);
                removed_any = true;
            }
        }
        if removed_any {
            self.changed();
        }
    }

    /// After any change: re-render and save.
    pub fn changed(&self) {
        self.rev.update(|r| *r += 1);
        self.persist();
    }

    /// Adds a row to the repeat at `loc`.
    pub fn add_row(&self, loc: &Loc) {
        if !self.editable() {
            return;
        }
        if let Some(Ok((_, changes))) = self.edit(|s| s.add_row(loc)) {
            self.notify(&changes, false);
            self.rev.update(|r| *r += 1);
            self.persist_when_idle();
        }
    }

    /// Removes row `index` of the repeat at `loc`, asking first if it holds answers.
    pub fn remove_row(&self, loc: &Loc, index: u32, has_answers: bool) {
        if !self.editable() {
            return;
        }
        if has_answers && !confirm(Key::ConfirmRemoveRow, self.app) {
            return;
        }
        // Removing the last row moves no other row up.
        let last = self.session.with_value(|s| index + 1 >= s.row_count(loc));
        if let Some(Ok(changes)) = self.edit(|s| s.remove_row(loc, index)) {
            self.notify(&changes, !last);
            self.changed();
        }
    }

    /// Shows page `page` and remembers it, so the form reopens there after a reload.
    pub fn show_page(&self, page: usize) {
        self.settle_excess_rows();
        self.page.set(page);
        if self.record.try_update_value(|r| r.page = page).is_some() {
            self.record.with_value(|r| self.app.save(r));
        }
    }

    /// Whether page `i` is shown: one of its items (its group, or the loose items
    /// between groups) shows something.
    pub fn page_relevant(&self, i: usize) -> bool {
        self.pages.with_value(|pages| {
            pages.get(i).is_some_and(|p| {
                self.session.with_value(|s| p.items.iter().any(|&id| shows_anything(s, id)))
            })
        })
    }

    /// The relevant pages, in order.
    pub fn relevant_pages(&self) -> Vec<usize> {
        let n = self.pages.with_value(Vec::len);
        (0..n).filter(|&i| self.page_relevant(i)).collect()
    }

    /// Marks the response complete if it has no problems; else says how many there are
    /// and goes to the first.
    pub fn complete(&self) -> bool {
        let left = self.all_problems().len();
        if left > 0 {
            self.app
                .notice
                .set(Some(self.says(Key::ProblemsLeft).replace("{n}", &left.to_string())));
            self.goto_first_problem();
            return false;
        }
        self.refresh_problems();
        // An encrypted questionnaire's response is queued once sealed ([`App::seal`]).
        let key = self.form().questionnaire().encryption.as_ref().map(|e| e.public_key.clone());
        let record = self.record.try_update_value(|r| {
            r.response.status = Status::Complete;
            r.response.meta.submitted_at = Some(browser::now_iso());
            r.response.meta.updated_at = r.response.meta.submitted_at.clone();
            r.upload = match key {
                Some(_) => Upload::Draft,
                None => Upload::Queued { attempts: 0, next_at: 0.0, last_error: None },
            };
            r.clone()
        });
        let Some(record) = record else { return false };
        if !self.app.save(&record) {
            return false;
        }
        if let Some(f) = self.app.config.with_value(|c| c.on_submit.clone())
            && let Some(v) = browser::to_js(&record.response)
        {
            let _ = f.call1(&wasm_bindgen::JsValue::NULL, &v);
        }
        match key {
            Some(key) => self.app.seal(record, key),
            None => self.app.kick_uploads(),
        }
        true
    }
}

/// Asks the user a yes/no question.
pub fn confirm(key: Key, app: App) -> bool {
    let lang = app.settings.lang.get_untracked();
    web_sys::window().and_then(|w| w.confirm_with_message(t(key, &lang)).ok()).unwrap_or(false)
}

/// The DOM id of the question at `loc` (after the app's [`Config::id_prefix`]).
///
/// [`Config::id_prefix`]: crate::app::Config::id_prefix
pub fn dom_id(st: FormState, loc: &Loc) -> String {
    let form = st.form();
    let mut id = st.app.config.with_value(|c| c.id_prefix.clone());
    id.push_str("q-");
    id.push_str(&form.field(loc.field).name);
    for r in &loc.rows {
        id.push('-');
        id.push_str(&r.to_string());
    }
    id
}

/// Whether the top-level item `id` shows anything: it is relevant and, for a group, holds
/// a relevant item that shows. A group of calculations and of notes or questions that are
/// all hidden would make an empty page, which is skipped (as ODK Collect skips a group
/// with nothing relevant in it).
fn shows_anything(s: &Session, id: FieldId) -> bool {
    let form = s.form();
    let f = form.field(id);
    match f.kind {
        ItemType::Calculate | ItemType::Hidden | ItemType::Meta => false,
        _ if !s.is_relevant(&Loc::top(id)) => false,
        ItemType::Group => f.children.iter().any(|&c| shows_anything(s, c)),
        _ => true,
    }
}
