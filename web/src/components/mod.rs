//! One component per kind of question; [`field_view`] picks the right one. Every input
//! has a label, works from the keyboard, and shows its problems once the user leaves it.

mod attachment;
mod choice;
mod other;
mod roster;
mod search_choice;
mod text;

use leptos::either::Either;
use leptos::prelude::*;
use tianye_core::form::{Field, Template};
use tianye_core::schema::ItemType;
use tianye_core::{FieldId, Loc, Session};

use crate::form_state::{FormState, dom_id};
use crate::i18n::{Key, t};

/// The view of item `id` in the row at `rows`.
pub fn field_view(st: FormState, id: FieldId, rows: Vec<u32>) -> AnyView {
    let form = st.form();
    let f = form.field(id);
    let loc = Loc::new(id, rows);
    match f.kind {
        ItemType::Calculate | ItemType::Hidden | ItemType::Meta => ().into_any(),
        ItemType::Group => group(st, loc).into_any(),
        ItemType::Repeat => roster::roster(st, loc).into_any(),
        ItemType::Note => note(st, loc).into_any(),
        ItemType::Matrix => choice::matrix(st, loc).into_any(),
        ItemType::Text
        | ItemType::Phone
        | ItemType::IdNumber
        | ItemType::Email
        | ItemType::Integer
        | ItemType::Decimal => question(st, loc, |st, loc| text::text_input(st, loc).into_any()),
        ItemType::SelectOne | ItemType::Likert => question(st, loc, choice::select_one),
        ItemType::SelectMultiple => {
            question(st, loc, |st, loc| choice::select_multiple(st, loc).into_any())
        }
        ItemType::Rank => question(st, loc, |st, loc| choice::rank(st, loc).into_any()),
        ItemType::Rating => question(st, loc, |st, loc| choice::rating(st, loc).into_any()),
        ItemType::Range => question(st, loc, |st, loc| other::range(st, loc).into_any()),
        ItemType::Date | ItemType::Time | ItemType::Datetime => {
            question(st, loc, |st, loc| other::temporal(st, loc).into_any())
        }
        ItemType::Geopoint => question(st, loc, |st, loc| other::geopoint(st, loc).into_any()),
        ItemType::Acknowledge => {
            question(st, loc, |st, loc| other::acknowledge(st, loc).into_any())
        }
        ItemType::Image
        | ItemType::Signature
        | ItemType::Draw
        | ItemType::File
        | ItemType::Audio => question(st, loc, attachment::attachment),
    }
}

/// Questions shown at most in one chunk of a long page or group.
const CHUNK: usize = 20;

/// The items `ids` in the row at `rows`, one after another (a page's or a group's). A
/// long list is cut into chunks of [`CHUNK`] shown items, which the browser skips while
/// they are off screen (`.chunk`, `content-visibility: auto`): an answer that hides or
/// shows 400 questions further down costs the style and layout of what is on screen.
/// A chunk whose items are all hidden is hidden too, so that the chunks after it do not
/// come on screen one frame after another at their placeholder size.
pub fn items_view(st: FormState, ids: &[FieldId], rows: &[u32]) -> AnyView {
    let form = st.form();
    let shown = |id: &FieldId| {
        !matches!(form.field(*id).kind, ItemType::Calculate | ItemType::Hidden | ItemType::Meta)
    };
    let items = |ids: &[FieldId]| {
        ids.iter().map(|&id| field_view(st, id, rows.to_vec())).collect::<Vec<_>>()
    };
    if ids.iter().filter(|id| shown(id)).count() <= CHUNK {
        return items(ids).into_any();
    }
    let mut chunks = Vec::new();
    let (mut start, mut count) = (0, 0);
    for (i, id) in ids.iter().enumerate() {
        count += usize::from(shown(id));
        if count == CHUNK || i + 1 == ids.len() {
            let part = &ids[start..=i];
            let locs: Vec<Loc> =
                part.iter().filter(|id| shown(id)).map(|&id| Loc::new(id, rows.to_vec())).collect();
            chunks
                .push(view! { <div class="chunk" use:follow_chunk=(st, locs)>{items(part)}</div> });
            (start, count) = (i + 1, 0);
        }
    }
    chunks.into_any()
}

/// Keeps the chunk `el` of [`items_view`] hidden while every item in it (at `locs`) is.
fn follow_chunk(el: web_sys::Element, (st, locs): (FormState, Vec<Loc>)) {
    let effect = RenderEffect::new(move |_| {
        let mut hidden = true;
        for loc in &locs {
            st.track_relevance(loc);
            hidden &= !st.with_session(|s| s.is_relevant(loc));
        }
        let _ = el.class_list().toggle_with_force("hidden", hidden);
    });
    Owner::on_cleanup(move || drop(effect));
}

/// Whether the item at `loc` is hidden, re-read when the engine reports its relevance
/// changed (for `class:hidden`).
pub(crate) fn hidden(
    st: FormState,
    loc: &Loc,
) -> impl Fn() -> bool + Send + Sync + 'static + use<> {
    let loc = loc.clone();
    move || {
        st.track_relevance(&loc);
        !st.with_session(|s| s.is_relevant(&loc))
    }
}

/// A text of the item at `loc` (its label, hint…, the one `pick` gives) in the current
/// language: written once, or re-read when an answer it shows changes. A change of
/// language builds the page again.
fn text_view(
    st: FormState,
    loc: &Loc,
    pick: fn(&Field) -> Option<&Template>,
    read: fn(&Session, &Loc, &str) -> String,
) -> AnyView {
    let lang = st.app.lang_untracked();
    let form = st.form();
    let f = form.field(loc.field);
    if pick(f).is_some_and(Template::is_dynamic) {
        let (loc, scope) = (loc.clone(), f.scope);
        (move || {
            if let Some(text) = pick(st.form().field(loc.field)) {
                st.track_text(text, scope, &loc.rows);
            }
            st.with_session(|s| read(s, &loc, &lang))
        })
        .into_any()
    } else {
        st.with_session(|s| read(s, loc, &lang)).into_any()
    }
}

/// The label of the item at `loc` (see [`text_view`]).
pub(crate) fn label(st: FormState, loc: &Loc) -> AnyView {
    text_view(st, loc, |f| f.label.as_ref(), Session::label)
}

/// The DOM id of the input of the item at `loc`.
pub(crate) fn input_id(st: FormState, loc: &Loc) -> String {
    input_id_of(&dom_id(st, loc))
}

/// The DOM id of the input of the question whose box has DOM id `question`.
fn input_id_of(question: &str) -> String {
    format!("{question}-input")
}

/// The DOM id of the label of the question at `loc`, which names a group of choices
/// (`aria-labelledby`: a `<label for>` names only a single input).
pub(crate) fn label_id(st: FormState, loc: &Loc) -> String {
    label_id_of(&dom_id(st, loc))
}

fn label_id_of(question: &str) -> String {
    format!("{question}-label")
}

/// The answer at `loc`, re-read when the engine reports it changed.
pub(crate) fn current(st: FormState, loc: &Loc) -> Signal<serde_json::Value> {
    let loc = loc.clone();
    Signal::derive(move || {
        st.track(&loc);
        st.with_session(|s| s.answer(&loc))
    })
}

/// The messages to show under the item at `loc`: once the user has left it, or all at
/// once on review. Re-read only when the form reports the item's problems shown changed.
pub(crate) fn messages(st: FormState, loc: &Loc) -> Signal<Vec<String>> {
    let loc = loc.clone();
    let lang = st.app.lang_untracked();
    Signal::derive(move || {
        st.track_problems(&loc);
        st.messages(&loc, &lang)
    })
}

/// The list of `messages`, for under a question.
pub(crate) fn problem_list(messages: Signal<Vec<String>>) -> impl IntoView {
    view! {
        <ul class="q-problems" role="alert">
            {move || messages.get().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
        </ul>
    }
}

/// Keeps the question box `el` up to date after it is built (built right, it changes
/// only when told): the `hidden` class when the engine reports its relevance changed,
/// and the `invalid` class and the list of problems (its last child) when the problems
/// shown under it change. One effect a question, touching the DOM only on a change.
fn follow_question(el: web_sys::Element, (st, loc): (FormState, Loc)) {
    let lang = st.app.lang_untracked();
    let effect = RenderEffect::new(move |before: Option<(bool, Vec<String>)>| {
        st.track_relevance(&loc);
        st.track_problems(&loc);
        let hidden = !st.with_session(|s| s.is_relevant(&loc));
        let messages = st.messages(&loc, &lang);
        let Some((was_hidden, was)) = before else { return (hidden, messages) };
        if hidden != was_hidden {
            let _ = el.class_list().toggle_with_force("hidden", hidden);
        }
        if messages != was {
            let _ = el.class_list().toggle_with_force("invalid", !messages.is_empty());
            if let Some(list) = el.last_element_child() {
                list.set_text_content(None);
                for m in &messages {
                    if let Ok(li) = document().create_element("li") {
                        li.set_text_content(Some(m));
                        let _ = list.append_child(&li);
                    }
                }
            }
        }
        (hidden, messages)
    });
    Owner::on_cleanup(move || drop(effect));
}

/// A question: label, hint, the input, and its problems. The input is built once the
/// question is first shown (a hidden question costs its box only).
fn question(st: FormState, loc: Loc, input: fn(FormState, Loc) -> AnyView) -> AnyView {
    let form = st.form();
    let f = form.field(loc.field);
    let lang = st.app.lang_untracked();
    let hint_dynamic = f.hint.as_ref().is_some_and(Template::is_dynamic);
    let hint = st.with_session(|s| s.hint(&loc, &lang));
    // An empty hint that may fill in later keeps its (empty, unshown) paragraph.
    let hint = (hint_dynamic || !hint.is_empty()).then(|| {
        view! { <p class="q-hint">{text_view(st, &loc, |f| f.hint.as_ref(), Session::hint)}</p> }
    });
    let mark = t(Key::Required, &lang);
    let star =
        move |required: bool| required.then(|| view! { <span class="req" title=mark>" *"</span> });
    // The star, when the question is or may become required.
    let required = if st.has_conditional_rules(loc.field) {
        let loc = loc.clone();
        Some(
            (move || {
                st.track_rules(loc.field);
                star(st.with_session(|s| s.is_required(&loc)))
            })
            .into_any(),
        )
    } else if st.with_session(|s| s.is_required(&loc)) {
        Some(star(true).into_any())
    } else {
        None
    };
    let here = loc.clone();
    let messages = st.messages(&here, &lang);
    let shown = st.with_session(|s| s.is_relevant(&loc));
    let class = match (shown, messages.is_empty()) {
        (true, true) => "q",
        (true, false) => "q invalid",
        (false, true) => "q hidden",
        (false, false) => "q hidden invalid",
    };
    let id = dom_id(st, &loc);
    let input_id = input_id_of(&id);
    let label_id = label_id_of(&id);
    let label = label(st, &loc);
    let input = if shown {
        Either::Left(input(st, loc.clone()))
    } else {
        let loc = loc.clone();
        Either::Right(move || {
            if !st.with_session(|s| s.is_relevant(&loc)) {
                // Re-run (and build the input) when it is shown; once built it stays.
                st.track_relevance(&loc);
                return None;
            }
            Some(input(st, loc.clone()))
        })
    };
    // Put together with as few of Leptos's placeholders (empty comment nodes, one for
    // each absent or erased part) as will do: a row card of four questions made 50 of
    // them beside its 26 elements, each one more node to make and insert.
    let label = match required {
        Some(required) => {
            view! { <label class="q-label" id=label_id for=input_id>{label}{required}</label> }
                .into_any()
        }
        None => {
            view! { <label class="q-label" id=label_id for=input_id>{label}</label> }.into_any()
        }
    };
    // The list is kept by `follow_question` from then on.
    let problems = if messages.is_empty() {
        view! { <ul class="q-problems" role="alert"></ul> }.into_any()
    } else {
        view! {
            <ul class="q-problems" role="alert">
                {messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let mut parts = Vec::with_capacity(4);
    parts.push(label);
    if let Some(hint) = hint {
        parts.push(hint.into_any());
    }
    parts.push(input.into_any());
    parts.push(problems);
    view! { <div class=class id=id use:follow_question=(st, loc)>{parts}</div> }.into_any()
}

fn group(st: FormState, loc: Loc) -> impl IntoView {
    let hidden = hidden(st, &loc);
    let label = label(st, &loc);
    let children = st.form().field(loc.field).children.clone();
    let rows = loc.rows.clone();
    let id = dom_id(st, &loc);
    view! {
        <fieldset class="group" id=id class:hidden=hidden>
            <legend>{label}</legend>
            {items_view(st, &children, &rows)}
        </fieldset>
    }
}

fn note(st: FormState, loc: Loc) -> impl IntoView {
    let hidden = hidden(st, &loc);
    let label = label(st, &loc);
    let id = dom_id(st, &loc);
    view! { <p class="note" id=id class:hidden=hidden>{label}</p> }
}

/// The button switching the app and the questionnaire between Chinese and English, in the
/// form's and the review's title bars.
pub(crate) fn language_switch(st: FormState) -> impl IntoView {
    let app = st.app;
    let switch = move |_| {
        app.toggle_lang();
        st.set_language(&app.settings.lang.get_untracked());
        st.rev.update(|r| *r += 1);
    };
    view! { <button class="link" on:click=switch>{move || t(Key::Language, &app.lang())}</button> }
}
