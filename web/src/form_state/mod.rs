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
use tianye_core::schema::ItemType;
use tianye_core::{FieldId, Form, Loc, Session};

use self::watch::Deps;
use crate::app::App;
use crate::browser;
use crate::i18n::{Key, t};
use crate::state::open::{Edit, Held, OpenResponse};
use crate::state::pages::{Page, pages};
use crate::state::record::{Record, Upload};

/// A response open in the form screen.
#[derive(Clone, Copy)]
pub struct FormState {
    /// The app.
    pub app: App,
    /// The response: the engine's session and the record, as plain Rust
    /// ([`OpenResponse`]); read through [`FormState::with_session`] and
    /// [`FormState::with_record`], changed through this type's methods.
    open: StoredValue<OpenResponse>,
    /// Bumped after every change, for views that may depend on any answer (filtered
    /// choices, computed rules, progress, review). A question's own state and the texts
    /// showing answers follow [`FormState::track`] instead: with thousands of
    /// subscribers, one signal made every question re-run after every keystroke, and
    /// Leptos drops each subscriber from the signal's ordered set in time proportional
    /// to its size (quadratic overall).
    pub rev: RwSignal<u64>,
    /// What each field's view depends on.
    deps: StoredValue<Deps>,
    /// The questions the user has left (their problems are shown). Not a signal: the
    /// views follow the problems shown ([`FormState::refresh_problems`]), not this.
    touched: StoredValue<HashSet<Loc>>,
    /// Show every problem (after review or a failed "mark complete").
    pub show_all: RwSignal<bool>,
    /// The page shown.
    pub page: RwSignal<usize>,
    /// The pages.
    pub pages: StoredValue<Vec<Page>>,
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
        let page = record.page.min(pages(&form).len().saturating_sub(1));
        let lang = app.settings.lang.get_untracked();
        let open = OpenResponse::open(Arc::clone(&form), record, browser::now(), &lang);
        let st = FormState {
            app,
            open: StoredValue::new(open),
            rev: RwSignal::new(0),
            deps: StoredValue::new(Deps::new(form.fields().len())),
            touched: StoredValue::new(HashSet::new()),
            show_all: RwSignal::new(false),
            page: RwSignal::new(page),
            pages: StoredValue::new(pages(&form)),
            save_due: StoredValue::new(false),
            save_cost: StoredValue::new(0.0),
        };
        // A save still due when the form closes, or the page is hidden (a phone may end
        // a hidden page without another event), is made then.
        Owner::on_cleanup(move || st.persist_if_due());
        let hidden = window_event_listener_untyped("visibilitychange", move |_| {
            if !browser::page_shown() {
                st.persist_if_due();
            }
        });
        Owner::on_cleanup(move || hidden.remove());
        // A record saved by an older build, or imported, gets the list's line in words.
        let _ = st.persist();
        st
    }

    /// Reads the engine's session.
    pub fn with_session<R>(&self, read: impl FnOnce(&Session) -> R) -> R {
        self.open.with_value(|o| read(o.session()))
    }

    /// Reads the record as last saved (its upload state as the queue last set it).
    pub fn with_record<R>(&self, read: impl FnOnce(&Record) -> R) -> R {
        self.open.with_value(|o| read(o.record()))
    }

    /// Shows the questionnaire's texts in `lang`.
    pub fn set_language(&self, lang: &str) {
        self.open.update_value(|o| o.set_language(lang));
    }

    /// Takes in the stored copy's upload state and seal (see [`OpenResponse::follow`]).
    pub fn follow(&self, stored: &Record) {
        self.open.update_value(|o| o.follow(stored));
    }

    /// The questionnaire.
    pub fn form(&self) -> Arc<Form> {
        self.with_session(|s| Arc::clone(s.form()))
    }

    /// Whether `field`'s `required` or `read_only` is computed (else they never change).
    pub fn has_conditional_rules(&self, field: FieldId) -> bool {
        self.with_session(|s| s.form().field(field).has_conditional_rules())
    }

    /// The response's upload state as the queue has it now. Tracked: a view that reads it
    /// follows the queue while the response is open (turns read-only when the server
    /// acknowledges it, shows the server's problems when it refuses it).
    pub fn upload(&self) -> Upload {
        let (form, id) = self.with_record(Record::ids);
        self.app
            .responses
            .records
            .with(|list| list.iter().find(|r| r.is(&form, &id)).map(|r| r.upload.clone()))
            .unwrap_or_else(|| self.with_record(|r| r.upload.clone()))
    }

    /// Says why the response may not change (see [`OpenResponse::held`]): once the
    /// server has it, it is final (a changed copy under the same id would be refused as a
    /// conflict); while it is being sent, the server gets the copy that went out; once
    /// sealed, its plain answers are gone.
    fn refused(&self, held: Held) {
        let why = match held {
            Held::Uploaded => Key::Uploaded,
            Held::Uploading => Key::HeldWhileUploading,
            Held::Sealed => Key::SealedCannotOpen,
        };
        self.app.notice.set(Some(self.says(why)));
    }

    /// Applies an edit of the model: what changed is shown (rows moved when
    /// `rows_moved`) and saved, at once or, with `when_idle`, once the browser is idle;
    /// a refused one is said. Whether it changed anything.
    fn apply(
        &self,
        edit: impl FnOnce(&mut OpenResponse) -> Result<Edit, Held>,
        rows_moved: bool,
        when_idle: bool,
    ) -> bool {
        match self.open.try_update_value(edit) {
            Some(Ok(edit)) if !edit.changes.changes.is_empty() => {
                self.notify(&edit.changes, rows_moved);
                self.rev.update(|r| *r += 1);
                if when_idle {
                    self.persist_when_idle();
                } else {
                    self.persist();
                }
                true
            }
            Some(Err(held)) => {
                self.refused(held);
                false
            }
            _ => false,
        }
    }

    /// The text `key` in the language shown.
    fn says(&self, key: Key) -> String {
        t(key, &self.app.settings.lang.get_untracked()).to_owned()
    }

    /// Sets the answer at `loc`, recomputes and saves; rows left beyond a lowered count
    /// are asked about once the user leaves the box.
    pub fn set(&self, loc: &Loc, value: &Json) {
        let held = self.open.with_value(OpenResponse::held);
        if held.is_some() {
            // Put the stored answer back in the box.
            self.notify_value(loc);
            self.rev.update(|r| *r += 1);
        }
        self.apply(|o| o.set(loc, value), false, false);
    }

    /// Asks, for each repeat whose count went below the rows holding answers while the
    /// user typed, whether to remove the rows beyond the count; removes them if so. Asked
    /// once the user has left the box, about the count as it then stands.
    fn settle_excess_rows(&self) {
        let pending = self.open.try_update_value(OpenResponse::take_excess_rows);
        for repeat in pending.unwrap_or_default() {
            let (present, wanted) = self.with_session(|s| {
                let most = s.form().field(repeat.field).rules.max_rows.unwrap_or(u32::MAX);
                let wanted = s.wanted_rows(&repeat).filter(|_| s.is_relevant(&repeat));
                (s.row_count(&repeat), wanted.map(|w| w.min(most)))
            });
            let Some(wanted) = wanted.filter(|&w| present > w) else { continue };
            if confirm(Key::ConfirmExcessRows, self.app) {
                self.apply(|o| o.cut_rows(&repeat, wanted), false, false);
            }
        }
    }

    /// Adds a row to the repeat at `loc` (saved once the browser is idle: it is empty).
    pub fn add_row(&self, loc: &Loc) {
        self.apply(|o| o.add_row(loc), false, true);
    }

    /// Removes row `index` of the repeat at `loc`, asking first if it holds answers.
    pub fn remove_row(&self, loc: &Loc, index: u32, has_answers: bool) {
        if let Some(held) = self.open.with_value(OpenResponse::held) {
            self.refused(held);
            return;
        }
        if has_answers && !confirm(Key::ConfirmRemoveRow, self.app) {
            return;
        }
        // Removing the last row moves no other row up.
        let last = self.with_session(|s| index + 1 >= s.row_count(loc));
        self.apply(|o| o.remove_row(loc, index), !last, false);
    }

    /// Shows page `page` and remembers it, so the form reopens there after a reload.
    pub fn show_page(&self, page: usize) {
        self.settle_excess_rows();
        self.page.set(page);
        if self.open.try_update_value(|o| o.set_page(page)) == Some(true) {
            self.persist();
        }
    }

    /// Whether page `i` is shown: one of its items (its group, or the loose items
    /// between groups) shows something.
    pub fn page_relevant(&self, i: usize) -> bool {
        self.pages.with_value(|pages| {
            pages.get(i).is_some_and(|p| {
                self.with_session(|s| p.items.iter().any(|&id| shows_anything(s, id)))
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
        let now = browser::now_iso();
        if self.open.try_update_value(|o| o.complete(&now, key.is_none())) != Some(Ok(())) {
            return false;
        }
        let Some(record) = self.persist() else { return false };
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
