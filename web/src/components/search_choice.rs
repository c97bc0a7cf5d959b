//! Long choice lists (a county's villages, a province's schools) and lists with
//! XLSForm's `search` or `autocomplete` appearance: a search box above the list, and
//! only the first matches in it, not one box per choice. Typing any part of a label,
//! Chinese included, narrows the list; the choices already chosen stay on top, so they
//! can be seen and unticked; a line under the list says how many more match.
//!
//! What stays true: a keystroke reads the labels once, copying only those shown, and
//! puts at most [`SHOWN`] boxes in the page, so a list of 50,000 costs what one of 50
//! does. The boxes themselves are the list's usual radios or check boxes.

use leptos::prelude::*;
use serde_json::Value as Json;
use tianye_core::Loc;

use crate::browser;
use crate::form_state::FormState;
use crate::i18n::{Key, t};

/// A list with more choices than this is searched instead of shown whole.
const LONG_LIST: usize = 50;
/// Matches shown at once; typing more narrows them.
const SHOWN: usize = 50;

/// The search of one choice question: what is typed, and the line under the list at
/// the last look.
#[derive(Clone, Copy)]
pub(crate) struct Search {
    query: RwSignal<String>,
    note: RwSignal<String>,
}

impl Search {
    /// A search for the choice question at `loc`, if it is shown as one: its list is
    /// long, or its appearance asks for a search.
    pub(crate) fn of(st: FormState, loc: &Loc) -> Option<Search> {
        let form = st.form();
        let f = form.field(loc.field);
        let asked = f
            .appearance
            .as_deref()
            .is_some_and(|a| a.contains("search") || a.contains("autocomplete"));
        let long = f.choices.is_some_and(|i| form.choice_lists()[i].choices.len() > LONG_LIST);
        (asked || long).then(|| Search {
            query: RwSignal::new(String::new()),
            note: RwSignal::new(String::new()),
        })
    }

    /// Whether something is typed (read without tracking).
    pub(crate) fn typed(self) -> bool {
        !self.query.with_untracked(|q| q.trim().is_empty())
    }

    /// The choices to show at `loc` now (name, label, chosen): those chosen, then the
    /// first matches of what is typed (read and tracked here).
    pub(crate) fn offered(self, st: FormState, loc: &Loc) -> Vec<(String, String, bool)> {
        // Latin letters only: Unicode's case tables would cost the app 14 KiB.
        let query = self.query.get().trim().to_ascii_lowercase();
        let lang = st.app.lang_untracked();
        let (shown, total) = st.with_session(|s| {
            let fallback = s.form().default_language();
            let chosen: Vec<String> = match s.answer(loc) {
                Json::String(v) => vec![v],
                Json::Array(a) => {
                    a.into_iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
                }
                _ => Vec::new(),
            };
            let offered = s.choices(loc);
            let mut shown: Vec<(String, String, bool)> = chosen
                .iter()
                .filter_map(|name| offered.iter().find(|c| &c.name == name))
                .map(|c| (c.name.clone(), c.label.get(&lang, fallback).to_owned(), true))
                .collect();
            let mut total = 0;
            for c in &offered {
                // With nothing typed every choice matches: only the shown ones' labels
                // are read (a first render of 50,000 would otherwise read them all).
                let label = || c.label.get(&lang, fallback);
                if !chosen.contains(&c.name) && (query.is_empty() || holds(label(), &query)) {
                    total += 1;
                    if shown.len() < SHOWN {
                        shown.push((c.name.clone(), label().to_owned(), false));
                    }
                }
            }
            (shown, total)
        });
        let unseen = shown.iter().filter(|(_, _, on)| !on).count();
        let note = if total == 0 && !query.is_empty() {
            t(Key::NoMatch, &lang).to_owned()
        } else if total > unseen {
            t(Key::MoreMatches, &lang)
                .replace("{n}", &total.to_string())
                .replace("{shown}", &unseen.to_string())
        } else {
            String::new()
        };
        self.note.set(note);
        shown
    }

    /// The search box, put before the list (outside it, so that what is typed is never
    /// taken for a choice).
    pub(crate) fn input(self, st: FormState) -> AnyView {
        let query = self.query;
        let text = t(Key::SearchChoices, &st.app.lang_untracked());
        view! {
            // The placeholder is its name too (no box has a label of its own).
            <input type="search" class="find" placeholder=text
                // Searched once a Chinese word is chosen, not by its pinyin on the way.
                on:input=move |ev| if !browser::is_composing(&ev) { query.set(event_target_value(&ev)); }
                on:compositionend=move |ev| query.set(event_target_value(&ev)) />
        }
        .into_any()
    }

    /// The line under the list: how many more choices match than are shown, or that
    /// none does.
    pub(crate) fn note(self) -> AnyView {
        let note = self.note;
        view! { <p class="more">{move || note.get()}</p> }.into_any()
    }
}

/// Whether `label` holds `query` (its Latin letters lower-cased), ignoring the case
/// of Latin letters. Labels without capitals (every Chinese one) are searched as they
/// are.
fn holds(label: &str, query: &str) -> bool {
    if label.bytes().any(|b| b.is_ascii_uppercase()) {
        label.to_ascii_lowercase().contains(query)
    } else {
        label.contains(query)
    }
}
