//! Long choice lists (a county's villages, a province's schools) and lists with
//! XLSForm's `search` or `autocomplete` appearance: a search box above the list, and
//! only the first matches in it (fewer while nothing is typed), not one box per
//! choice. Typing any part of a label, Chinese included, narrows the list; the choices
//! already chosen stay on top, so they can be seen and unticked; a line under the list
//! says how many more match.
//!
//! What stays true: a keystroke reads the labels once, copying only those shown, and
//! puts at most [`SHOWN`] boxes in the page, so a list of 50,000 costs what one of 50
//! does. The boxes themselves are the list's usual radios or check boxes. A whole list
//! is searched as one text ([`Haystack`]), made at the first keystroke: one search of
//! 600 KB rather than 50,000 searches of a few bytes, each with its own set-up.

use leptos::prelude::*;
use serde_json::Value as Json;
use tianye_core::Loc;
use tianye_core::schema::Choice;

use crate::browser;
use crate::form_state::FormState;
use crate::i18n::{Key, t};

/// A list with more choices than this is searched instead of shown whole.
const LONG_LIST: usize = 50;
/// Matches shown at once; typing more narrows them.
const SHOWN: usize = 50;
/// Choices shown while nothing is typed in a list longer than [`SHOWN`] (a cascade's
/// list of up to [`SHOWN`] is shown whole): a hint of the list, quick to draw, and the
/// line under it says to type.
const UNTYPED: usize = 20;

/// The search of one choice question: what is typed, and the line under the list at
/// the last look.
#[derive(Clone, Copy)]
pub(crate) struct Search {
    query: RwSignal<String>,
    note: RwSignal<String>,
    /// The whole list's labels as one text, once something has been typed.
    haystack: StoredValue<Option<Haystack>>,
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
            haystack: StoredValue::new(None),
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
            let limit = if query.is_empty() && offered.len() > SHOWN { UNTYPED } else { SHOWN };
            let mut total = 0;
            let mut take = |c: &Choice| {
                if !chosen.contains(&c.name) {
                    total += 1;
                    if shown.len() < limit {
                        shown.push((
                            c.name.clone(),
                            c.label.get(&lang, fallback).to_owned(),
                            false,
                        ));
                    }
                }
            };
            // The whole list offered (no filter narrows it): searched as one text.
            let list = s.form().choices_of(loc.field).map(|l| &l.choices[..]).unwrap_or_default();
            if !query.is_empty() && offered.len() == list.len() && !query.contains(SEPARATOR) {
                self.haystack.update_value(|h| {
                    if h.as_ref().is_none_or(|h| h.lang != lang) {
                        *h = Some(Haystack::new(list, &lang, fallback));
                    }
                });
                self.haystack.with_value(|h| {
                    h.iter().flat_map(|h| h.matches(&query)).for_each(|i| take(&list[i]));
                });
            } else {
                // With nothing typed every choice matches: only the shown ones' labels
                // are read (a first render of 50,000 would otherwise read them all).
                for c in offered
                    .iter()
                    .filter(|c| query.is_empty() || holds(c.label.get(&lang, fallback), &query))
                {
                    take(c);
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

/// Between two labels in a [`Haystack`]: what is typed never holds it, so no match
/// runs from one label into the next.
const SEPARATOR: char = '\0';

/// The labels of a whole list in one language, each followed by [`SEPARATOR`], with
/// Latin capitals lower-cased: a label matches when the lower-cased query is in it, as
/// [`holds`] has it.
struct Haystack {
    /// The language the labels are in.
    lang: String,
    /// The labels, one after another.
    text: String,
    /// Where each choice's label starts in `text`, in list order.
    starts: Vec<u32>,
}

impl Haystack {
    fn new(choices: &[Choice], lang: &str, fallback: &str) -> Haystack {
        let (mut text, mut starts) = (String::new(), Vec::with_capacity(choices.len()));
        for c in choices {
            starts.push(text.len() as u32);
            text.push_str(c.label.get(lang, fallback));
            text.push(SEPARATOR);
        }
        text.make_ascii_lowercase();
        Haystack { lang: lang.to_owned(), text, starts }
    }

    /// The positions in the list of the labels holding `query` (lower-case, without
    /// [`SEPARATOR`]), in order, each once.
    fn matches<'a>(&'a self, query: &'a str) -> impl Iterator<Item = usize> + 'a {
        let mut last = None;
        self.text.match_indices(query).filter_map(move |(at, _)| {
            let i = self.starts.partition_point(|&s| s as usize <= at) - 1;
            (last != Some(i)).then(|| {
                last = Some(i);
                i
            })
        })
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

#[cfg(test)]
mod tests {
    use tianye_core::schema::{Choice, Text};
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    use super::{Haystack, holds};

    wasm_bindgen_test_configure!(run_in_browser);

    /// The list searched as one text finds the labels that searching each one finds, in
    /// order and once each: labels and queries drawn from letters of both cases, Chinese
    /// characters and spaces, so that queries repeat inside labels and end where labels do.
    #[wasm_bindgen_test]
    fn the_joined_labels_match_as_each_label_does() {
        const PARTS: [&str; 9] = ["a", "A", "b", "王", "家", "村", " ", "aa", "Ab"];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let word = |max: usize, next: &mut dyn FnMut(usize) -> usize| {
            (0..next(max)).map(|_| PARTS[next(PARTS.len())]).collect::<String>()
        };
        for _ in 0..300 {
            let labels: Vec<String> = (0..next(40)).map(|_| word(6, &mut next)).collect();
            let choices: Vec<Choice> = labels
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    Choice::new(
                        format!("c{i}"),
                        Text::PerLanguage([("zh", l.as_str())].into_iter().collect()),
                    )
                })
                .collect();
            let hay = Haystack::new(&choices, "zh", "zh");
            for _ in 0..20 {
                let query = word(4, &mut next).to_ascii_lowercase();
                if query.is_empty() {
                    continue;
                }
                let expected: Vec<usize> =
                    (0..labels.len()).filter(|&i| holds(&labels[i], &query)).collect();
                assert_eq!(
                    hay.matches(&query).collect::<Vec<_>>(),
                    expected,
                    "{query:?} in {labels:?}"
                );
            }
        }
    }
}
