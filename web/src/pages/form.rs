//! The form screen: one page at a time, with progress, navigation and saving at every
//! change. `FormState` ties the engine's session to signals.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;
use serde_json::Value as Json;
use tianye_core::form::{ScopeId, Template};
use tianye_core::response::Status;
use tianye_core::schema::ItemType;
use tianye_core::{ChangeKind, Changes, FieldId, Form, Loc, Problem, Session};
use wasm_bindgen::JsCast;

use crate::api;
use crate::app::{App, Route};
use crate::components::items_view;
use crate::i18n::{Key, t};
use crate::pages::review::{ReviewPage, problem_place};
use crate::state::pages::{Page, page_of, pages};
use crate::state::record::{Record, Upload};

/// The latest a save put off until the browser is idle is made (browsers without
/// `requestIdleCallback`, such as Safari, wait this long).
const SAVE_DUE_AT_LATEST: Duration = Duration::from_millis(100);

/// The triggers of one field's views: one per row path the field is shown at, so a
/// change in one row of a 100-row roster re-runs that row's views, not all of them.
/// (Generic for its tests; the app keeps [`ArcTrigger`]s.)
struct Watch<T = ArcTrigger> {
    by_rows: HashMap<Vec<u32>, T>,
    /// The length of the longest row path in `by_rows`.
    longest: usize,
}

impl<T> Default for Watch<T> {
    fn default() -> Self {
        Watch { by_rows: HashMap::default(), longest: 0 }
    }
}

impl<T: Clone> Watch<T> {
    /// The trigger of the views at `rows` (made with `new` on first use).
    fn at(&mut self, rows: &[u32], new: impl FnOnce() -> T) -> T {
        if let Some(t) = self.by_rows.get(rows) {
            return t.clone();
        }
        let t = new();
        self.longest = self.longest.max(rows.len());
        self.by_rows.insert(rows.to_vec(), t.clone());
        t
    }

    /// The triggers of the views at every row path starting with `prefix`. A path as
    /// long as the longest is looked up, not searched for: a change in one row of a
    /// roster costs the same whatever the number of rows.
    fn under(&self, prefix: &[u32], out: &mut Vec<T>) {
        if prefix.len() >= self.longest {
            out.extend(self.by_rows.get(prefix).cloned());
            return;
        }
        out.extend(
            self.by_rows
                .iter()
                .filter(|(rows, _)| rows.starts_with(prefix))
                .map(|(_, t)| t.clone()),
        );
    }
}

/// What the views of a form's fields depend on.
struct Deps {
    /// Per field, notified when the engine reports a change to the field's value or rows.
    values: Vec<Watch>,
    /// Per field, notified when the engine reports a change to whether it is shown.
    shown: Vec<Watch>,
    /// Per field, notified when the problems shown under it change.
    problems: Vec<Watch>,
    /// The problems shown as of the last [`FormState::refresh_problems`], by path.
    shown_problems: HashMap<String, Vec<Problem>>,
}

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
            api::now(),
        );
        let page = record.page.min(pages(&form).len().saturating_sub(1));
        let st = FormState {
            app,
            session: StoredValue::new(session),
            record: StoredValue::new(record),
            rev: RwSignal::new(0),
            deps: StoredValue::new(Deps {
                values: (0..form.fields().len()).map(|_| Watch::default()).collect(),
                shown: (0..form.fields().len()).map(|_| Watch::default()).collect(),
                problems: (0..form.fields().len()).map(|_| Watch::default()).collect(),
                shown_problems: HashMap::new(),
            }),
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
        st.session.update_value(|s| s.set_language(&app.lang.get_untracked()));
        // A record saved by an older build, or imported, gets the list's line in words.
        let summary = st.session.with_value(crate::state::answers::summary);
        if st.record.with_value(|r| r.summary != summary) {
            st.record.update_value(|r| r.summary = summary);
            st.record.with_value(|r| app.save(r));
        }
        st
    }

    /// The questionnaire.
    pub fn form(&self) -> Arc<Form> {
        self.session.with_value(|s| Arc::clone(s.form()))
    }

    /// Subscribes the running view to changes of the value or rows of the item at `loc`.
    pub fn track(&self, loc: &Loc) {
        self.track_in(loc, |d| &mut d.values);
    }

    /// Subscribes the running view to changes of whether the item at `loc` is shown.
    pub fn track_relevance(&self, loc: &Loc) {
        self.track_in(loc, |d| &mut d.shown);
    }

    /// Subscribes the running view to changes of the problems shown under the item at
    /// `loc`.
    pub fn track_problems(&self, loc: &Loc) {
        self.track_in(loc, |d| &mut d.problems);
    }

    fn track_in(&self, loc: &Loc, watches: fn(&mut Deps) -> &mut Vec<Watch>) {
        if let Some(t) = self
            .deps
            .try_update_value(|d| watches(d)[loc.field.index()].at(&loc.rows, ArcTrigger::new))
        {
            t.track();
        }
    }

    /// Notifies the triggers `pick` collects. Collected first, notified after: a view
    /// re-run at once may make its own trigger.
    fn fire(&self, pick: impl FnOnce(&Deps, &mut Vec<ArcTrigger>)) {
        let mut due = Vec::new();
        self.deps.with_value(|d| pick(d, &mut due));
        due.iter().for_each(ArcTrigger::notify);
    }

    /// Whether `field`'s `required` or `read_only` is computed (else they never change).
    pub fn has_conditional_rules(&self, field: FieldId) -> bool {
        self.session.with_value(|s| s.form().field(field).has_conditional_rules())
    }

    /// Subscribes the running view to the answers `text` shows, for a text of the rows
    /// of `scope` shown at `rows` (a label, a hint, a row's title): each answer it reads
    /// in that row or around it. A text showing an answer inside another repeat reads
    /// across that repeat's rows, so it follows every change.
    pub fn track_text(&self, text: &Template, scope: ScopeId, rows: &[u32]) {
        let form = self.form();
        let chain = &form.scope(scope).chain;
        for id in text.references() {
            let around = form.scope(form.field(id).scope);
            if chain.starts_with(&around.chain) && around.depth <= rows.len() {
                self.track(&Loc::new(id, rows[..around.depth].to_vec()));
            } else {
                self.rev.track();
            }
        }
    }

    /// Subscribes the running view to what `field`'s `required` and `read_only` depend
    /// on: nothing when they are fixed, any change when they are expressions.
    pub fn track_rules(&self, field: FieldId) {
        if self.has_conditional_rules(field) {
            self.rev.track();
        }
    }

    /// The problems shown under the question at `path`, in language `lang` (without
    /// tracking: see [`FormState::track_problems`]).
    pub fn messages(&self, path: &str, lang: &str) -> Vec<String> {
        self.deps.with_value(|d| {
            d.shown_problems
                .get(path)
                .map(|list| list.iter().map(|p| p.message(lang)).collect())
                .unwrap_or_default()
        })
    }

    /// Notifies the fields the engine reports changed. When `shifted` (a row was
    /// removed, so the rows after it moved up), every field inside the repeats whose
    /// rows changed is notified too: the engine reports the values that moved, not
    /// whether each moved row is shown. Rows added or cut at the end move nothing.
    fn notify(&self, changes: &Changes, shifted: bool) {
        let form = self.form();
        self.fire(|d, due| {
            for c in &changes.changes {
                let i = c.field.index();
                match c.kind {
                    ChangeKind::Value => d.values[i].under(&c.rows, due),
                    ChangeKind::Relevance => d.shown[i].under(&c.rows, due),
                    ChangeKind::Rows if !shifted => d.values[i].under(&c.rows, due),
                    ChangeKind::Rows => {
                        for (id, _) in form.fields() {
                            if inside(&form, id, c.field) {
                                // Every row may have moved: all of them.
                                d.values[id.index()].under(&[], due);
                                d.shown[id.index()].under(&[], due);
                            }
                        }
                    }
                }
            }
        });
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
        t(key, &self.app.lang.get_untracked()).to_owned()
    }

    /// Sets the answer at `loc`, recomputes, asks before dropping rows that hold answers,
    /// and saves.
    pub fn set(&self, loc: &Loc, value: &Json) {
        if !self.editable() {
            // Put the stored answer back in the box.
            self.fire(|d, due| d.values[loc.field.index()].under(&loc.rows, due));
            self.rev.update(|r| *r += 1);
            return;
        }
        let changes = self.session.try_update_value(|s| s.set_answer(loc, value));
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
            let removed = self.session.try_update_value(|s| {
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
        if let Some(Ok((_, changes))) = self.session.try_update_value(|s| s.add_row(loc)) {
            self.notify(&changes, false);
            self.rev.update(|r| *r += 1);
            self.persist_when_idle();
        }
    }

    /// Saves the answers once the browser is idle after a change that holds no answer
    /// (an added row is empty): the frame showing the row comes first, and the save (the
    /// whole response serialised and written) follows in an idle period long enough for
    /// it, so it delays no frame, and at most [`SAVE_DUE_AT_LATEST`] later. Anything
    /// typed into the row is saved at once, as every answer is, and the row with it. A
    /// form closed before then saves on closing. A response that is not a plain draft
    /// (complete, queued, rejected) is saved at once: the change makes it a draft again,
    /// and the list and the upload queue must know that now, not 100 ms later.
    fn persist_when_idle(&self) {
        let plain_draft = self.record.with_value(|r| {
            r.response.status == Status::Draft && matches!(r.upload, Upload::Draft)
        });
        if !plain_draft {
            self.persist();
            return;
        }
        if self.save_due.get_value() {
            return;
        }
        self.save_due.set_value(true);
        self.save_when_idle(api::clock_ms() + SAVE_DUE_AT_LATEST.as_secs_f64() * 1000.0);
    }

    /// Makes the save put off by [`FormState::persist_when_idle`] in the next idle period
    /// that can hold it (as long as the last save took), or once `due_at` (ms, page
    /// clock) has come.
    fn save_when_idle(&self, due_at: f64) {
        let st = *self;
        when_idle(due_at - api::clock_ms(), move |time_remaining| {
            let Some(cost) = st.save_cost.try_get_value() else { return };
            if time_remaining >= cost || api::clock_ms() >= due_at {
                st.persist_if_due();
            } else {
                st.save_when_idle(due_at);
            }
        });
    }

    /// Makes the save [`FormState::persist_when_idle`] scheduled, unless made since.
    fn persist_if_due(&self) {
        if self.save_due.try_get_value() == Some(true) {
            self.persist();
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
        if let Some(Ok(changes)) = self.session.try_update_value(|s| s.remove_row(loc, index)) {
            self.notify(&changes, !last);
            self.changed();
        }
    }

    /// Saves the answers at once. Editing a completed or rejected response makes it a
    /// draft again until it is marked complete.
    pub fn persist(&self) {
        let started = api::clock_ms();
        self.save_due.set_value(false);
        let (answers, summary) =
            self.session.with_value(|s| (s.answers(), crate::state::answers::summary(s)));
        let updated = self.record.try_update_value(|r| {
            r.response.answers = answers;
            r.response.meta.updated_at = Some(api::now_iso());
            if r.response.status == Status::Complete && !r.is_uploaded() {
                r.response.status = Status::Draft;
                r.response.meta.submitted_at = None;
            }
            if !matches!(r.upload, Upload::Rejected { .. } | Upload::Uploaded { .. }) {
                r.upload = Upload::Draft;
            }
            r.summary = summary;
        });
        if updated.is_some() {
            self.record.with_value(|record| {
                self.app.save(record);
                if let Some(f) = self.app.config.with_value(|c| c.on_change.clone())
                    && let Some(v) = api::to_js(&record.response)
                {
                    let _ = f.call1(&wasm_bindgen::JsValue::NULL, &v);
                }
            });
        }
        self.save_cost.try_set_value(api::clock_ms() - started);
    }

    /// Shows page `page` and remembers it, so the form reopens there after a reload.
    pub fn show_page(&self, page: usize) {
        self.settle_excess_rows();
        self.page.set(page);
        if self.record.try_update_value(|r| r.page = page).is_some() {
            self.record.with_value(|r| self.app.save(r));
        }
    }

    /// Recomputes the problems, and notifies the questions whose problems shown (those
    /// left, or all of them with `show_all`) changed.
    pub fn refresh_problems(&self) {
        let report = self.session.with_value(|s| s.report(Status::Complete));
        let all = self.show_all.get_untracked();
        let mut shown: HashMap<String, Vec<Problem>> = HashMap::new();
        self.touched.with_untracked(|touched| {
            for p in report.problems {
                if all || touched.contains(&p.path) {
                    shown.entry(p.path.clone()).or_default().push(p);
                }
            }
        });
        let before =
            self.deps.try_update_value(|d| std::mem::replace(&mut d.shown_problems, shown));
        let before = before.unwrap_or_default();
        let changed: Vec<String> = self.deps.with_value(|d| {
            let after = &d.shown_problems;
            before
                .iter()
                .filter(|(path, list)| after.get(*path) != Some(*list))
                .map(|(path, _)| path.clone())
                .chain(
                    after
                        .iter()
                        .filter(|(path, list)| before.get(*path) != Some(*list))
                        .map(|(path, _)| path.clone()),
                )
                .collect()
        });
        let locs: Vec<Option<Loc>> =
            self.session.with_value(|s| changed.iter().map(|path| s.locate(path)).collect());
        self.fire(|d, due| {
            for loc in locs {
                match loc {
                    Some(loc) => d.problems[loc.field.index()].under(&loc.rows, due),
                    None => d.problems.iter().for_each(|w| w.under(&[], due)),
                }
            }
        });
    }

    /// The user left the question at `path`: show its problems from now on, and ask
    /// about rows beyond a count lowered meanwhile.
    pub fn leave(&self, path: &str) {
        self.settle_excess_rows();
        self.touched.update(|t| {
            t.insert(path.to_owned());
        });
        self.refresh_problems();
    }

    /// Leaving the page shown: its problems are shown from now on (there and wherever
    /// their questions show), and a notice says how many were left. The volunteer may
    /// go on: a visit cannot wait.
    pub fn leave_page(&self) {
        let here = self.page.get_untracked();
        let form = self.form();
        let left: Vec<String> = self.session.with_value(|s| {
            s.report(Status::Complete)
                .problems
                .into_iter()
                .filter(|p| {
                    s.locate(&p.path).is_some_and(|loc| {
                        self.pages.with_value(|pages| page_of(&form, pages, loc.field))
                            == Some(here)
                    })
                })
                .map(|p| p.path)
                .collect()
        });
        if left.is_empty() {
            return;
        }
        self.app
            .notice
            .set(Some(self.says(Key::PageProblemsLeft).replace("{n}", &left.len().to_string())));
        self.touched.update(|t| t.extend(left));
        self.refresh_problems();
    }

    /// Every problem of the response as it stands, in questionnaire order.
    pub fn all_problems(&self) -> Vec<Problem> {
        self.session.with_value(|s| s.report(Status::Complete).problems)
    }

    /// Goes to the page of the first problem and scrolls to it.
    pub fn goto_first_problem(&self) {
        self.show_all.set(true);
        self.refresh_problems();
        let Some(first) = self.all_problems().into_iter().next() else {
            self.app.notice.set(Some(self.says(Key::NoProblems)));
            return;
        };
        self.goto_path(&first.path);
    }

    /// Goes to the page showing `path`, scrolls to it and puts the focus in its box.
    pub fn goto_path(&self, path: &str) {
        let form = self.form();
        let target = self.session.with_value(|s| s.locate(path));
        if let Some(loc) = target
            && let Some(page) = self.pages.with_value(|p| page_of(&form, p, loc.field))
        {
            if self.app.route.with_untracked(|r| matches!(r, Route::Form { review: true, .. })) {
                let (form_id, id) = self.record.with_value(Record::ids);
                self.app.go(Route::Form { form: form_id, id, review: false });
            }
            self.show_page(page);
            let dom = dom_id(*self, &loc);
            set_timeout(
                move || {
                    // The box, or the first of its choices (a group of radios).
                    let input = document().get_element_by_id(&format!("{dom}-input")).and_then(
                        |el| match el.query_selector("input") {
                            Ok(Some(first)) => first.dyn_into::<web_sys::HtmlElement>().ok(),
                            _ => el.dyn_into::<web_sys::HtmlElement>().ok(),
                        },
                    );
                    if let Some(input) = input {
                        let _ = input.focus();
                    }
                    // In the middle of the screen: questions above it that were off
                    // screen get their real height as they come into view, which may
                    // move it a little.
                    if let Some(el) = document().get_element_by_id(&dom) {
                        let how = web_sys::ScrollIntoViewOptions::new();
                        how.set_block(web_sys::ScrollLogicalPosition::Center);
                        el.scroll_into_view_with_scroll_into_view_options(&how);
                    }
                },
                Duration::from_millis(50),
            );
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
        let record = self.record.try_update_value(|r| {
            r.response.status = Status::Complete;
            r.response.meta.submitted_at = Some(api::now_iso());
            r.response.meta.updated_at = r.response.meta.submitted_at.clone();
            r.upload = Upload::Queued { attempts: 0, next_at: 0.0, last_error: None };
            r.clone()
        });
        let Some(record) = record else { return false };
        if !self.app.save(&record) {
            return false;
        }
        if let Some(f) = self.app.config.with_value(|c| c.on_submit.clone())
            && let Some(v) = api::to_js(&record.response)
        {
            let _ = f.call1(&wasm_bindgen::JsValue::NULL, &v);
        }
        self.app.kick_uploads();
        true
    }
}

/// The ISO time `at` in Beijing time (UTC+8) to the minute: `2026-07-08 14:03`.
fn beijing_time(at: &str) -> String {
    use tianye_core::expr::DateTime;
    let Some(time) = DateTime::parse(at) else { return at.to_owned() };
    let text = DateTime::from_utc_millis(time.utc_millis(), 8 * 60).to_string();
    text.chars().take(16).collect::<String>().replace('T', " ")
}

/// Whether `field` is `container` or inside it.
fn inside(form: &Form, field: FieldId, container: FieldId) -> bool {
    let mut at = Some(field);
    while let Some(f) = at {
        if f == container {
            return true;
        }
        at = form.field(f).parent;
    }
    false
}

/// Asks the user a yes/no question.
pub fn confirm(key: Key, app: App) -> bool {
    let lang = app.lang.get_untracked();
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

/// The form screen for response `id` of questionnaire `form_id`.
#[component]
pub fn FormPage(
    /// The app's state.
    app: App,
    /// Questionnaire id.
    form_id: String,
    /// Response id.
    id: String,
) -> impl IntoView {
    // The review or the pages, as the route says (the same FormState for both).
    let review = move || app.route.with(|r| matches!(r, Route::Form { review: true, .. }));
    let owner = Owner::current();
    let (form_key, id_key) = (form_id.clone(), id.clone());
    // The questionnaire may come from the network: loaded once, then shown.
    let loaded = RwSignal::new_local(None::<Result<(Arc<Form>, Record), String>>);
    leptos::task::spawn_local(async move {
        let result = async move {
            // The store once the app is gone (an embedded form unmounted meanwhile) reads
            // nothing.
            let stored = || app.store.try_with_value(|s| s.get(&form_key, &id_key)).flatten();
            let not_found = || crate::i18n::both(Key::NotFound);
            let version = stored().ok_or_else(not_found)?.response.questionnaire.version;
            let form = app.form(&form_key, &version).await?;
            // Read again: another tab may have changed it while the questionnaire came.
            Ok::<_, String>((form, stored().ok_or_else(not_found)?))
        }
        .await;
        // The page may be gone by now: then nothing is shown.
        let _ = loaded.try_set(Some(result));
    });
    // One FormState per opened response, kept across the page ↔ review switch.
    let state: StoredValue<Option<FormState>, LocalStorage> = StoredValue::new_local(None);
    // The upload queue moves the response on (being sent, on the server, refused): the
    // form's copy follows, so that it is held while it is sent and a change made after
    // does not undo the server's answer.
    let (this_form, this_id) = (form_id.clone(), id.clone());
    Effect::new(move |_| {
        let upload = app.records.with(|list| {
            list.iter().find(|r| r.is(&this_form, &this_id)).map(|r| r.upload.clone())
        });
        if let (Some(st), Some(upload)) = (state.get_value(), upload) {
            st.record.update_value(|r| {
                if r.upload != upload {
                    r.upload = upload;
                }
            });
        }
    });
    // Another tab changed this response: the form is built again from the stored copy,
    // so that nothing typed here writes over what was typed there. A save put off here
    // (an empty row added within the last 100 ms) is dropped with the old copy.
    Effect::new(move |seen: Option<()>| {
        let mine = app.changed_elsewhere.with(|changed| {
            changed.iter().any(|(form, response)| *form == form_id && *response == id)
        });
        if seen.is_none() || !mine {
            return;
        }
        let mut stored = app.store.with_value(|s| s.get(&form_id, &id));
        if let Some(st) = state.get_value() {
            if st.record.with_value(|r| Some(r) == stored.as_ref()) {
                return;
            }
            st.save_due.set_value(false);
            // This tab stays on its page, wherever the other tab was.
            if let Some(record) = &mut stored {
                record.page = st.page.get_untracked();
            }
        }
        let reloaded = loaded.with_untracked(|l| match (l, stored) {
            (Some(Ok((form, _))), Some(record)) => Some(Ok((Arc::clone(form), record))),
            (Some(Ok(_)), None) => Some(Err(crate::i18n::both(Key::DeletedElsewhere))),
            _ => None,
        });
        if let Some(reloaded) = reloaded {
            if reloaded.is_ok() {
                app.notice.set(Some(crate::i18n::both(Key::ChangedElsewhere)));
            }
            // A window beside the other keeps its place: the box it was in gets the
            // focus back, with the caret where it was, once the form is built again.
            let focus = api::focus_now();
            state.set_value(None);
            loaded.set(Some(reloaded));
            if let Some(focus) = focus {
                request_animation_frame(move || api::restore_focus(&focus));
            }
        }
    });
    move || match loaded.get() {
        None => view! { <p class="loading">{move || t(Key::Loading, &app.lang())}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error">{e}</p> }.into_any(),
        Some(Ok((form, record))) => {
            if state.with_value(Option::is_none) {
                // Owned by the page, not by this view: the view is built again when the
                // route goes between the pages and the review, and the state stays.
                let st = match &owner {
                    Some(owner) => owner.with(|| FormState::new(app, form, record)),
                    None => FormState::new(app, form, record),
                };
                state.set_value(Some(st));
            }
            let st = state.get_value().expect("set above");
            if review() {
                view! { <ReviewPage st=st/> }.into_any()
            } else {
                view! { <Pages st=st/> }.into_any()
            }
        }
    }
}

/// The questions of the page shown (`st.page`), built afresh for each page and language.
/// Rebuilt in place, the page before's boxes would be reused for questions of the same
/// kind, keeping what was typed into them (a text box's value and a radio's checked
/// state are the user's once touched, and these views write them once, when built), and
/// the questions' fixed texts are written once too. Hence one keyed item.
pub fn page_view(st: FormState) -> impl IntoView {
    let app = st.app;
    view! {
        <For
            each=move || [(st.page.get(), app.lang.get())]
            key=|shown| shown.clone()
            children=move |(i, _)| {
                let items =
                    st.pages.with_value(|p| p.get(i).map(|p| p.items.clone()).unwrap_or_default());
                items_view(st, &items, &[])
            }
        />
    }
}

#[component]
fn Pages(st: FormState) -> impl IntoView {
    let app = st.app;
    let lang = move || app.lang();
    let form = st.form();
    let title = form.questionnaire().title.clone();
    let version = form.questionnaire().version.clone();
    // In whole per cent, for the bar's width and for screen readers.
    let progress = Memo::new(move |_| {
        st.rev.track();
        let relevant = st.relevant_pages();
        let here = relevant.iter().position(|&p| p == st.page.get()).unwrap_or(0);
        if relevant.is_empty() { 100 } else { (here + 1) * 100 / relevant.len() }
    });
    let step = move |forward: bool| {
        st.rev.track();
        let relevant = st.relevant_pages();
        // Tracked: the pager's buttons follow the page shown (on the last page, "next"
        // becomes "review"), not only the answers.
        let here = st.page.get();
        let next = if forward {
            relevant.iter().find(|&&p| p > here)
        } else {
            relevant.iter().rev().find(|&&p| p < here)
        };
        next.copied()
    };
    let go = move |forward: bool| {
        if let Some(p) = step(forward) {
            st.leave_page();
            st.show_page(p);
            window().scroll_to_with_x_and_y(0.0, 0.0);
        }
    };
    // When the server received the response, once it has: then it is shown read-only
    // (the queue's change while it is open is refused by `FormState::editable`).
    let received = st.record.with_value(|r| match &r.upload {
        Upload::Uploaded { at } => Some(beijing_time(at)),
        _ => None,
    });
    let sent = received.is_some();
    // The button to the first problem, shown only while there is one to go to.
    let no_problem_to_go_to = move || {
        st.rev.track();
        sent || st.all_problems().is_empty()
    };
    let to_review = move |_| {
        let (form_id, id) = st.record.with_value(Record::ids);
        st.show_all.set(true);
        st.refresh_problems();
        app.go(Route::Form { form: form_id, id, review: true });
    };
    let server_problems = move || {
        st.record.with_value(|r| match &r.upload {
            Upload::Rejected { message, problems, .. } => Some((message.clone(), problems.clone())),
            _ => None,
        })
    };
    let old_version = {
        let form_id = form.questionnaire().id.clone();
        let version = version.clone();
        move || {
            app.catalog.with(|c| c.iter().any(|l| l.id == form_id && l.version != version))
                && !app.catalog.with(|c| c.iter().any(|l| l.id == form_id && l.version == version))
        }
    };
    view! {
        <div class="form-screen">
            <header class="bar">
                <button class="link" on:click=move |_| app.go(Route::Home)>"‹ " {move || t(Key::List, &lang())}</button>
                <h1>{move || title.get(&lang(), "zh").to_owned()}</h1>
                <span class="badge" title=move || t(Key::Version, &lang())>{format!("v{version}")}</span>
                {language_switch(st)}
            </header>
            <p class="notice" class:hidden=move || !old_version()>{move || t(Key::OldVersion, &lang())}</p>
            {move || server_problems().map(|(message, problems)| view! {
                <div class="server-problems" role="alert">
                    <strong>{move || t(Key::ServerProblems, &lang())}</strong>
                    <p>{message}</p>
                    <ul>{problems.into_iter().map(|p| {
                        let path = p.path.clone();
                        let place = st.session.with_value(|s| problem_place(s, &p.path, &lang()));
                        view! { <li class="problem"><a href="#" title=p.path.clone() on:click=move |ev| { ev.prevent_default(); st.goto_path(&path); }>{place}</a>": "{p.message}</li> }
                    }).collect_view()}</ul>
                </div>
            })}
            <div class="progress" role="progressbar" aria-label=move || t(Key::Progress, &lang())
                aria-valuemin="0" aria-valuemax="100" aria-valuenow=move || progress.get()>
                <div style:width=move || format!("{}%", progress.get())></div>
            </div>
            {received.map(|at| view! {
                <p class="notice received" role="status">{move || t(Key::ReceivedAt, &lang())}<strong>{at}</strong></p>
            })}
            <main class="page">
                <fieldset class="locked" disabled=sent>{page_view(st)}</fieldset>
            </main>
            <nav class="pager">
                <button on:click=move |_| go(false) disabled=move || step(false).is_none()>"‹ " {move || t(Key::Back, &lang())}</button>
                <button class="secondary" class:hidden=no_problem_to_go_to on:click=move |_| st.goto_first_problem()>{move || t(Key::FirstProblem, &lang())}</button>
                // "Next", or on the last page "review" (not for a response the server
                // has); the one not shown is not `primary` either.
                <button class=move || if step(true).is_some() { "primary" } else { "hidden" } on:click=move |_| go(true)>{move || t(Key::Next, &lang())} " ›"</button>
                <button class=move || if sent || step(true).is_some() { "hidden" } else { "primary" } on:click=to_review>{move || t(Key::Review, &lang())}</button>
            </nav>
        </div>
    }
}

/// Runs `f` in the browser's next idle period (`requestIdleCallback`), giving it the
/// ms left in that period, or once `at_latest_ms` have passed (then with 0 left). Where
/// there is no idle callback (Safari), `f` runs after `at_latest_ms`, with all the time
/// it needs.
fn when_idle(at_latest_ms: f64, f: impl FnOnce(f64) + 'static) {
    thread_local! {
        // Asked once: the name crossing to JavaScript costs more than the call.
        static HAS_IDLE_CALLBACK: bool =
            js_sys::Reflect::has(&window(), &"requestIdleCallback".into()).unwrap_or(false);
    }
    let wait = at_latest_ms.max(1.0);
    if HAS_IDLE_CALLBACK.with(|has| *has) {
        let window = window();
        let f =
            wasm_bindgen::closure::Closure::once_into_js(move |deadline: web_sys::IdleDeadline| {
                f(if deadline.did_timeout() { 0.0 } else { deadline.time_remaining() });
            });
        let options = web_sys::IdleRequestOptions::new();
        options.set_timeout(wait as u32);
        let _ = window.request_idle_callback_with_options(f.unchecked_ref(), &options);
    } else {
        set_timeout(move || f(f64::INFINITY), Duration::from_secs_f64(wait / 1000.0));
    }
}

/// The button switching the app and the questionnaire between Chinese and English, in the
/// form's and the review's title bars.
pub(crate) fn language_switch(st: FormState) -> impl IntoView {
    let app = st.app;
    let switch = move |_| {
        app.toggle_lang();
        st.session.update_value(|s| s.set_language(&app.lang.get_untracked()));
        st.rev.update(|r| *r += 1);
    };
    view! { <button class="link" on:click=switch>{move || t(Key::Language, &app.lang())}</button> }
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

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    use super::Watch;

    wasm_bindgen_test_configure!(run_in_browser);

    /// The row paths a watch holds, a prefix, and the paths `under` finds for it.
    type Case<'a> = (&'a [&'a [u32]], &'a [u32], Vec<Vec<u32>>);

    /// The paths `under` finds for `prefix`, sorted, in a watch holding `paths`.
    fn found(paths: &[&[u32]], prefix: &[u32]) -> Vec<Vec<u32>> {
        let mut watch = Watch::default();
        for p in paths {
            watch.at(p, || p.to_vec());
        }
        let mut out = Vec::new();
        watch.under(prefix, &mut out);
        out.sort();
        out
    }

    #[wasm_bindgen_test]
    fn a_change_notifies_the_views_at_the_row_paths_it_covers() {
        let rows: Vec<Vec<u32>> = (0..100).map(|r| vec![r]).collect();
        let rows: Vec<&[u32]> = rows.iter().map(Vec::as_slice).collect();
        let nested: &[&[u32]] = &[&[0, 0], &[0, 1], &[1, 0], &[10, 0]];
        let cases: &[Case] = &[
            // One row of a roster: that row's views alone, found by lookup.
            (&rows, &[99], vec![vec![99]]),
            (&rows, &[0], vec![vec![0]]),
            // A row not shown yet has no views.
            (&rows, &[100], vec![]),
            // The whole roster: every row.
            (&rows, &[], rows.iter().map(|r| r.to_vec()).collect()),
            // A roster in a roster: a row of the outer one covers its inner rows, and
            // row 1 does not cover row 10.
            (nested, &[0], vec![vec![0, 0], vec![0, 1]]),
            (nested, &[1], vec![vec![1, 0]]),
            (nested, &[1, 0], vec![vec![1, 0]]),
            (nested, &[0, 2], vec![]),
            // A field outside rosters has one path, the empty one.
            (&[&[]], &[], vec![vec![]]),
            (&[], &[], vec![]),
            (&[], &[3], vec![]),
        ];
        for (paths, prefix, want) in cases {
            assert_eq!(&found(paths, prefix), want, "under {prefix:?} in {paths:?}");
        }
    }

    #[wasm_bindgen_test]
    fn a_view_asked_for_twice_gets_the_same_trigger() {
        let mut watch = Watch::default();
        assert_eq!(watch.at(&[4], || 1), 1);
        assert_eq!(watch.at(&[4], || 2), 1);
        assert_eq!(watch.at(&[5], || 3), 3);
    }
}
