//! One component per kind of question; [`field_view`] picks the right one. Every input
//! has a label, works from the keyboard, and shows its problems once the user leaves it.

mod choice;
mod other;
mod roster;
mod text;

use leptos::prelude::*;
use tianye_core::schema::ItemType;
use tianye_core::{FieldId, Loc, Session};

use crate::i18n::{Key, t};
use crate::pages::form::{FormState, dom_id};

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
        | ItemType::Decimal => question(st, loc.clone(), text::text_input(st, loc).into_any()),
        ItemType::SelectOne | ItemType::Likert => {
            question(st, loc.clone(), choice::select_one(st, loc).into_any())
        }
        ItemType::SelectMultiple => {
            question(st, loc.clone(), choice::select_multiple(st, loc).into_any())
        }
        ItemType::Rank => question(st, loc.clone(), choice::rank(st, loc).into_any()),
        ItemType::Rating => question(st, loc.clone(), choice::rating(st, loc).into_any()),
        ItemType::Range => question(st, loc.clone(), other::range(st, loc).into_any()),
        ItemType::Date | ItemType::Time | ItemType::Datetime => {
            question(st, loc.clone(), other::temporal(st, loc).into_any())
        }
        ItemType::Geopoint => question(st, loc.clone(), other::geopoint(st, loc).into_any()),
        ItemType::Acknowledge => question(st, loc.clone(), other::acknowledge(st, loc).into_any()),
    }
}

/// Whether the item at `loc` is shown, re-read after every change.
pub(crate) fn relevant(st: FormState, loc: &Loc) -> Memo<bool> {
    let loc = loc.clone();
    Memo::new(move |_| {
        st.track_relevance(loc.field);
        st.session.with_value(|s| s.is_relevant(&loc))
    })
}

/// The label of the item at `loc` in the current language (re-read after changes only
/// when it shows values).
pub(crate) fn label(st: FormState, loc: &Loc) -> Signal<String> {
    let loc = loc.clone();
    let dynamic = st
        .form()
        .field(loc.field)
        .label
        .as_ref()
        .is_some_and(tianye_core::form::Template::is_dynamic);
    Signal::derive(move || {
        if dynamic {
            st.rev.track();
        }
        let lang = st.app.lang();
        st.session.with_value(|s| s.label(&loc, &lang))
    })
}

/// The DOM id of the input of the item at `loc`.
pub(crate) fn input_id(st: FormState, loc: &Loc) -> String {
    format!("{}-input", dom_id(&st.form(), loc))
}

/// The problem path of `loc`.
pub(crate) fn path_of(st: FormState, loc: &Loc) -> String {
    st.session.with_value(|s| s.path(loc))
}

/// The messages to show under the item at `loc`: once the user has left it, or all at
/// once on review.
pub(crate) fn messages(st: FormState, loc: &Loc) -> Signal<Vec<String>> {
    let path = path_of(st, loc);
    Signal::derive(move || {
        let shown = st.show_all.get() || st.touched.with(|t| t.contains(&path));
        if !shown {
            return Vec::new();
        }
        let lang = st.app.lang();
        st.problems.with(|p| {
            p.get(&path)
                .map(|list| list.iter().map(|p| p.message(&lang)).collect())
                .unwrap_or_default()
        })
    })
}

/// A question: label, hint, the input, and its problems.
fn question(st: FormState, loc: Loc, input: AnyView) -> AnyView {
    let shown = relevant(st, &loc);
    let label = label(st, &loc);
    let hint_loc = loc.clone();
    let hint = move || {
        let lang = st.app.lang();
        st.session.with_value(|s| s.hint(&hint_loc, &lang))
    };
    let required_loc = loc.clone();
    let required = move || {
        st.track_rules(required_loc.field);
        st.session.with_value(|s| s.is_required(&required_loc))
    };
    let messages = messages(st, &loc);
    let id = dom_id(&st.form(), &loc);
    let input_id = input_id(st, &loc);
    let lang = move || st.app.lang();
    view! {
        <div class="q" id=id class:hidden=move || !shown.get() class:invalid=move || !messages.with(Vec::is_empty)>
            <label class="q-label" for=input_id>
                {label}
                <Show when=required>
                    <span class="req" title=move || t(Key::Required, &lang())>" *"</span>
                </Show>
            </label>
            <Show when={let hint = hint.clone(); move || !hint().is_empty()}>
                <p class="q-hint">{hint.clone()}</p>
            </Show>
            {input}
            <ul class="q-problems" role="alert">
                {move || messages.get().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
            </ul>
        </div>
    }
    .into_any()
}

fn group(st: FormState, loc: Loc) -> impl IntoView {
    let shown = relevant(st, &loc);
    let label = label(st, &loc);
    let children = st.form().field(loc.field).children.clone();
    let rows = loc.rows.clone();
    let id = dom_id(&st.form(), &loc);
    view! {
        <fieldset class="group" id=id class:hidden=move || !shown.get()>
            <legend>{label}</legend>
            {children.into_iter().map(|c| field_view(st, c, rows.clone())).collect_view()}
        </fieldset>
    }
}

fn note(st: FormState, loc: Loc) -> impl IntoView {
    let shown = relevant(st, &loc);
    let label = label(st, &loc);
    let id = dom_id(&st.form(), &loc);
    view! { <p class="note" id=id class:hidden=move || !shown.get()>{label}</p> }
}

/// The answer at `loc` as the review page shows it: choice labels, joined lists,
/// locations; empty when unanswered.
pub fn answer_text(s: &Session, loc: &Loc, lang: &str) -> String {
    let form = s.form();
    let value = s.answer(loc);
    let fallback = form.default_language();
    let label_of = |name: &str| {
        form.choices_of(loc.field)
            .and_then(|l| l.get(name))
            .map_or_else(|| name.to_owned(), |c| c.label.get(lang, fallback).to_owned())
    };
    match &value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(v) if form.field(loc.field).kind.uses_choices() => label_of(v),
        serde_json::Value::String(v) => v.clone(),
        serde_json::Value::Array(items) => {
            items.iter().filter_map(|i| i.as_str()).map(label_of).collect::<Vec<_>>().join("、")
        }
        serde_json::Value::Object(map) if map.contains_key("lat") => {
            let n = |k: &str| map.get(k).map(ToString::to_string).unwrap_or_default();
            format!("{}, {} (±{} m)", n("lat"), n("lon"), n("accuracy"))
        }
        other => other.to_string(),
    }
}
