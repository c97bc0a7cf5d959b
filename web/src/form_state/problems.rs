//! The problems shown: which questions show theirs (left, or all after review), and
//! going to a problem's page and box.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;
use tianye_core::{Loc, Problem};
use wasm_bindgen::JsCast;

use super::{FormState, dom_id};
use crate::app::Route;
use crate::i18n::Key;
use crate::state::open::OpenResponse;
use crate::state::pages::page_of;
use crate::state::record::Record;

impl FormState {
    /// The problems shown under the question at `loc`, in language `lang` (without
    /// tracking: see [`FormState::track_problems`]).
    pub fn messages(&self, loc: &Loc, lang: &str) -> Vec<String> {
        self.deps.with_value(|d| {
            d.shown_problems
                .get(loc)
                .map(|list| list.iter().map(|p| p.message(lang)).collect())
                .unwrap_or_default()
        })
    }

    /// Recomputes the problems, and notifies the questions whose problems shown (those
    /// left, or all of them with `show_all`) changed.
    pub fn refresh_problems(&self) {
        let report = self.all_problems();
        let all = self.show_all.get_untracked();
        let mut shown: HashMap<Loc, Vec<Problem>> = HashMap::new();
        self.touched.with_value(|touched| {
            for p in report.iter() {
                if let Some(loc) = &p.loc
                    && (all || touched.contains(loc))
                {
                    shown.entry(loc.clone()).or_default().push(p.clone());
                }
            }
        });
        let before =
            self.deps.try_update_value(|d| std::mem::replace(&mut d.shown_problems, shown));
        let before = before.unwrap_or_default();
        let changed: Vec<Option<Loc>> = self.deps.with_value(|d| {
            let after = &d.shown_problems;
            let differs = |(loc, list): (&Loc, &Vec<Problem>),
                           other: &HashMap<Loc, Vec<Problem>>| {
                (other.get(loc) != Some(list)).then(|| Some(loc.clone()))
            };
            before
                .iter()
                .filter_map(|entry| differs(entry, after))
                .chain(after.iter().filter_map(|entry| differs(entry, &before)))
                .collect()
        });
        self.notify_problems(&changed);
    }

    /// The user left the question at `loc`: show its problems from now on, and ask
    /// about rows beyond a count lowered meanwhile.
    pub fn leave(&self, loc: &Loc) {
        self.settle_excess_rows();
        self.touched.update_value(|t| {
            t.insert(loc.clone());
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
        let left: Vec<Loc> = report
            .iter()
            .filter_map(|p| p.loc.clone())
            .filter(|loc| {
                self.pages.with_value(|pages| page_of(&form, pages, loc.field)) == Some(here)
            })
            .collect();
        if left.is_empty() {
            return;
        }
        self.app
            .notice
            .set(Some(self.says(Key::PageProblemsLeft).replace("{n}", &left.len().to_string())));
        self.touched.update_value(|t| t.extend(left));
        self.refresh_problems();
    }

    /// Every problem of the response as it stands, in questionnaire order: validated
    /// once per change, however many views ask ([`OpenResponse::problems`]).
    pub fn all_problems(&self) -> Arc<[Problem]> {
        self.open.with_value(OpenResponse::problems)
    }

    /// Goes to the page of the first problem and scrolls to it.
    pub fn goto_first_problem(&self) {
        self.show_all.set(true);
        self.refresh_problems();
        let report = self.all_problems();
        let Some(first) = report.iter().find_map(|p| p.loc.as_ref()) else {
            self.app.notice.set(Some(self.says(Key::NoProblems)));
            return;
        };
        self.goto(first);
    }

    /// Goes to the page showing `loc`, scrolls to it and puts the focus in its box.
    pub fn goto(&self, loc: &Loc) {
        let form = self.form();
        if let Some(page) = self.pages.with_value(|p| page_of(&form, p, loc.field)) {
            if self.app.route.with_untracked(|r| matches!(r, Route::Form { review: true, .. })) {
                let (form_id, id) = self.with_record(Record::ids);
                self.app.go(Route::Form { form: form_id, id, review: false });
            }
            self.show_page(page);
            let dom = dom_id(*self, loc);
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
