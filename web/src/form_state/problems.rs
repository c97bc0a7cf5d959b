//! The problems shown: which questions show theirs (left, or all after review), and
//! going to a problem's page and box.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;
use tianye_core::response::Status;
use tianye_core::{Loc, Problem};
use wasm_bindgen::JsCast;

use super::{FormState, dom_id};
use crate::app::Route;
use crate::i18n::Key;
use crate::state::pages::page_of;
use crate::state::record::Record;

impl FormState {
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

    /// Recomputes the problems, and notifies the questions whose problems shown (those
    /// left, or all of them with `show_all`) changed.
    pub fn refresh_problems(&self) {
        let report = self.all_problems();
        let all = self.show_all.get_untracked();
        let mut shown: HashMap<String, Vec<Problem>> = HashMap::new();
        self.touched.with_untracked(|touched| {
            for p in report.iter() {
                if all || touched.contains(&p.path) {
                    shown.entry(p.path.clone()).or_default().push(p.clone());
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
        self.notify_problems(&locs);
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
        let report = self.all_problems();
        let left: Vec<String> = self.session.with_value(|s| {
            report
                .iter()
                .filter(|p| {
                    s.locate(&p.path).is_some_and(|loc| {
                        self.pages.with_value(|pages| page_of(&form, pages, loc.field))
                            == Some(here)
                    })
                })
                .map(|p| p.path.clone())
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

    /// Every problem of the response as it stands, in questionnaire order: validated
    /// once per change ([`FormState::edit`] drops the report), however many views ask.
    pub fn all_problems(&self) -> Arc<[Problem]> {
        if let Some(report) = self.report.get_value() {
            return report;
        }
        let report: Arc<[Problem]> =
            self.session.with_value(|s| s.report(Status::Complete).problems).into();
        self.report.set_value(Some(Arc::clone(&report)));
        report
    }

    /// Goes to the page of the first problem and scrolls to it.
    pub fn goto_first_problem(&self) {
        self.show_all.set(true);
        self.refresh_problems();
        let Some(first) = self.all_problems().first().cloned() else {
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
}
