//! Choice questions: single and multiple choice (radios, checkboxes, or a drop-down for
//! `minimal`), likert scales, star ratings, ranking, and matrices.

use leptos::either::Either;
use leptos::prelude::*;
use serde_json::{Value as Json, json};
use tianye_core::Loc;

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use super::search_choice::Search;
use super::{current, hidden, input_id, label, label_id};
use crate::form_state::{FormState, dom_id};
use crate::i18n::{Key, t};

/// The choices offered at `loc` (filtered) now, as (name, label in `lang`).
fn labelled(st: FormState, loc: &Loc, lang: &str) -> Vec<(String, String)> {
    st.with_session(|s| {
        let fallback = s.form().default_language();
        s.choices(loc)
            .into_iter()
            .map(|c| (c.name.clone(), c.label.get(lang, fallback).to_owned()))
            .collect()
    })
}

/// The choices offered at `loc` now, as (name, label, chosen) in the current language.
fn offered_now(st: FormState, loc: &Loc) -> Vec<(String, String, bool)> {
    let answer = st.with_session(|s| s.answer(loc));
    labelled(st, loc, &st.app.lang_untracked())
        .into_iter()
        .map(|(name, label)| {
            let chosen = is_chosen(&answer, &name);
            (name, label, chosen)
        })
        .collect()
}

/// Whether `answer` (one choice's name, a list of them, or a number) holds `name`.
fn is_chosen(answer: &Json, name: &str) -> bool {
    match answer {
        Json::String(v) => v == name,
        // A rating's star.
        Json::Number(n) => n.to_string() == name,
        Json::Array(list) => list.iter().any(|v| v.as_str() == Some(name)),
        _ => false,
    }
}

/// The choices at `loc`, built by `build` from what is offered: once, or again after
/// every change when the list is filtered by answers or searched (then only the
/// search's matches are built). A filtered list that offers nothing yet (a village
/// before its township is chosen) says so, unless `inside` a drop-down, where the
/// empty entry stands alone.
fn choice_list<V: IntoView + 'static>(
    st: FormState,
    loc: &Loc,
    inside: bool,
    search: Option<Search>,
    build: impl Fn(Vec<(String, String, bool)>) -> V + Send + Sync + 'static,
) -> AnyView {
    let filtered = st.form().field(loc.field).has_choice_filter();
    if filtered || search.is_some() {
        let loc = loc.clone();
        (move || {
            if filtered {
                st.rev.track();
            }
            let offered = match search {
                // The chosen ones come first: built again when the answer changes.
                Some(search) => {
                    st.track(&loc);
                    search.offered(st, &loc)
                }
                None => offered_now(st, &loc),
            };
            if offered.is_empty() && !inside && !search.is_some_and(Search::typed) {
                let text = t(Key::NoChoicesYet, &st.app.lang_untracked());
                return Either::Right(view! { <p class="no-choices">{text}</p> });
            }
            Either::Left(build(offered))
        })
        .into_any()
    } else {
        build(offered_now(st, loc)).into_any()
    }
}

/// Keeps the boxes (radios, check boxes, a drop-down) inside `el` showing the answer at
/// `loc` when it changes from outside (a removed row's successor moving up, a value
/// refused): they are built showing it, and the user's own taps already show.
fn follow_answer(el: web_sys::Element, (st, loc): (FormState, Loc)) {
    let effect = RenderEffect::new(move |built: Option<()>| {
        st.track(&loc);
        if built.is_none() {
            return;
        }
        let answer = st.with_session(|s| s.answer(&loc));
        if let Some(select) = el.dyn_ref::<web_sys::HtmlSelectElement>() {
            let want = answer.as_str().unwrap_or_default();
            if select.value() != want {
                select.set_value(want);
            }
            return;
        }
        // The list holds `label.choice > input` and the clear button.
        let mut child = el.first_element_child();
        while let Some(c) = child {
            if let Some(input) =
                c.first_element_child().and_then(|i| i.dyn_into::<HtmlInputElement>().ok())
            {
                let on = is_chosen(&answer, &input.value());
                if input.checked() != on {
                    input.set_checked(on);
                }
            } else if c.class_list().contains("clear") {
                let _ = c.toggle_attribute_with_force("hidden", answer.is_null());
            }
            child = c.next_element_sibling();
        }
    });
    // Dropped with the view that holds the box.
    Owner::on_cleanup(move || drop(effect));
}

pub(crate) fn select_one(st: FormState, loc: Loc) -> AnyView {
    let form = st.form();
    let f = form.field(loc.field);
    let minimal = f.appearance.as_deref().is_some_and(|a| a.contains("minimal"));
    let likert = f.kind == tianye_core::schema::ItemType::Likert
        || f.appearance.as_deref().is_some_and(|a| a.contains("likert"));
    let id = input_id(st, &loc);
    let here = loc.clone();
    let set = {
        let loc = loc.clone();
        move |v: Json| st.set(&loc, &v)
    };
    let unanswered = st.with_session(|s| s.answer(&loc).is_null());
    let search = Search::of(st, &loc);
    if minimal && search.is_none() {
        let options = choice_list(st, &loc, true, None, move |choices| {
            view! {
                <option value="" selected=unanswered>"—"</option>
                {choices.into_iter().map(|(n, l, chosen)| view! { <option value=n selected=chosen>{l}</option> }).collect_view()}
            }
        });
        return view! {
            <select id=id use:follow_answer=(st, loc)
                on:change=move |ev| { let v = event_target_value(&ev); set(if v.is_empty() { Json::Null } else { json!(v) }); }
                on:blur=move |_| st.leave(&here)
            >
                {options}
            </select>
        }
        .into_any();
    }
    let name = format!("{id}-group");
    let radios = choice_list(st, &loc, false, search, move |choices| {
        choices
            .into_iter()
            .map(|(n, l, chosen)| {
                view! {
                    <label class="choice">
                        <input type="radio" name=name.clone() value=n checked=chosen/>
                        <span>{l}</span>
                    </label>
                }
            })
            .collect_view()
    });
    let clear = t(Key::Clear, &st.app.lang_untracked());
    let set_clear = set.clone();
    // One listener for the whole list: a radio's change and leaving the list bubble up.
    view! {
        {search.map_or_else(|| ().into_any(), |s| s.input(st))}
        <div class="choices" class:likert=likert role="radiogroup" id=id aria-labelledby=label_id(st, &loc) use:follow_answer=(st, loc)
            on:change=move |ev| set(json!(event_target_value(&ev)))
            on:focusout=move |_| st.leave(&here)
        >
            {radios}
            <button type="button" class="link clear" hidden=unanswered on:click=move |_| set_clear(Json::Null)>
                {clear}
            </button>
        </div>
        {search.map_or_else(|| ().into_any(), Search::note)}
    }
    .into_any()
}

pub(crate) fn select_multiple(st: FormState, loc: Loc) -> impl IntoView {
    let id = input_id(st, &loc);
    let here = loc.clone();
    let toggle = {
        let loc = loc.clone();
        move |name: String, on: bool| {
            let mut list: Vec<String> = st.with_session(|s| {
                s.answer(&loc)
                    .as_array()
                    .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default()
            });
            list.retain(|n| *n != name);
            if on {
                list.push(name);
            }
            // Keep the list's order, as the choices are shown.
            let order: Vec<String> =
                st.with_session(|s| s.choices(&loc).iter().map(|c| c.name.clone()).collect());
            list.sort_by_key(|n| order.iter().position(|o| o == n).unwrap_or(usize::MAX));
            st.set(&loc, &if list.is_empty() { Json::Null } else { json!(list) });
        }
    };
    let search = Search::of(st, &loc);
    let boxes = choice_list(st, &loc, false, search, move |choices| {
        choices
            .into_iter()
            .map(|(n, l, chosen)| {
                view! {
                    <label class="choice">
                        <input type="checkbox" value=n checked=chosen/>
                        <span>{l}</span>
                    </label>
                }
            })
            .collect_view()
    });
    // One listener for the whole list: a box's change and leaving the list bubble up.
    view! {
        {search.map_or_else(|| ().into_any(), |s| s.input(st))}
        <div class="choices" id=id role="group" aria-labelledby=label_id(st, &loc) use:follow_answer=(st, loc)
            on:change=move |ev| toggle(event_target_value(&ev), event_target_checked(&ev))
            on:focusout=move |_| st.leave(&here)
        >
            {boxes}
        </div>
        {search.map_or_else(|| ().into_any(), Search::note)}
    }
}

/// Stars from 1 to the field's scale: a group of radios, each named "n / scale"; the
/// style sheet lights the stars up to the one chosen. The browser gives them the keys
/// of any group of radios: Tab reaches the group, the arrows move along and choose.
pub(crate) fn rating(st: FormState, loc: Loc) -> impl IntoView {
    let scale = st.form().field(loc.field).rules.scale.unwrap_or(5);
    let id = input_id(st, &loc);
    let name = format!("{id}-group");
    let here = loc.clone();
    let answer = st.with_session(|s| s.answer(&loc));
    let set = {
        let loc = loc.clone();
        move |v: String| st.set(&loc, &v.parse::<u32>().map_or(Json::Null, |n| json!(n)))
    };
    view! {
        <div class="rating" id=id role="radiogroup" aria-labelledby=label_id(st, &loc) use:follow_answer=(st, loc)
            on:change=move |ev| set(event_target_value(&ev))
            on:focusout=move |_| st.leave(&here)
        >
            {(1..=scale).map(|n| {
                let v = n.to_string();
                view! {
                    <label class="star">
                        <input type="radio" name=name.clone() checked=is_chosen(&answer, &v) value=v aria-label=format!("{n} / {scale}")/>
                        "★"
                    </label>
                }
            }).collect_view()}
        </div>
    }
}

pub(crate) fn rank(st: FormState, loc: Loc) -> impl IntoView {
    let value = current(st, &loc);
    let id = input_id(st, &loc);
    let filtered = st.form().field(loc.field).has_choice_filter();
    // The choices offered (following the answers a filter reads), those ranked first.
    let offered_at = loc.clone();
    let order = move || -> Vec<(String, String)> {
        if filtered {
            st.rev.track();
        }
        let all = labelled(st, &offered_at, &st.app.lang_untracked());
        let chosen: Vec<String> = value.with(|v| {
            v.as_array()
                .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
                .unwrap_or_default()
        });
        let mut out: Vec<(String, String)> =
            chosen.iter().filter_map(|n| all.iter().find(|(m, _)| m == n).cloned()).collect();
        out.extend(all.into_iter().filter(|(n, _)| !chosen.contains(n)));
        out
    };
    let swap = {
        let order = order.clone();
        move |i: usize, j: usize| {
            let mut names: Vec<String> = order().into_iter().map(|(n, _)| n).collect();
            if j < names.len() {
                names.swap(i, j);
                st.set(&loc, &json!(names));
            }
        }
    };
    // A change of language builds the page again.
    let lang = st.app.lang_untracked();
    let (up_text, down_text) = (t(Key::MoveUp, &lang), t(Key::MoveDown, &lang));
    view! {
        <ol class="rank" id=id>
            {move || {
                let items = order();
                let n = items.len();
                items.into_iter().enumerate().map(|(i, (_, l))| {
                    let (up, down) = (swap.clone(), swap.clone());
                    view! {
                        <li>
                            <span>{l}</span>
                            <button type="button" disabled=i == 0 on:click=move |_| up(i.saturating_sub(1), i)>{up_text}</button>
                            <button type="button" disabled=i + 1 == n on:click=move |_| down(i, i + 1)>{down_text}</button>
                        </li>
                    }
                }).collect_view()
            }}
        </ol>
    }
}

/// A matrix: rows of single-choice questions sharing one choice list. Each row is a
/// question of its own (as ODK Collect shows a matrix on a phone): its label on a line
/// of its own, its choices a group of radios labelled by that label, each choice named
/// by its column's heading, so a row reads whole at any width. The style sheet sets the
/// rows out as a table's on a wide screen.
pub(crate) fn matrix(st: FormState, loc: Loc) -> impl IntoView {
    let hidden = hidden(st, &loc);
    let title = label(st, &loc);
    let id = dom_id(st, &loc);
    let rows = st.form().field(loc.field).children.clone();
    view! {
        <fieldset class="matrix" id=id class:hidden=hidden>
            <legend>{title}</legend>
            {rows.into_iter().map(|row| super::question(st, Loc::new(row, loc.rows.clone()), select_one)).collect_view()}
        </fieldset>
    }
}
