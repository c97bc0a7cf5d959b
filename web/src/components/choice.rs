//! Choice questions: single and multiple choice (radios, checkboxes, or a drop-down for
//! `minimal`), likert scales, star ratings, ranking, and matrices.

use leptos::prelude::*;
use serde_json::{Value as Json, json};
use tianye_core::Loc;

use super::{input_id, label, messages, path_of, relevant};
use crate::i18n::{Key, t};
use crate::pages::form::{FormState, dom_id};

/// The choices offered at `loc` (filtered), as (name, label) in the current language.
fn offered(st: FormState, loc: &Loc) -> Signal<Vec<(String, String)>> {
    let loc = loc.clone();
    let filtered = st.form().field(loc.field).has_choice_filter();
    Signal::derive(move || {
        if filtered {
            st.rev.track();
        }
        let lang = st.app.lang();
        st.session.with_value(|s| {
            let fallback = s.form().default_language().to_owned();
            s.choices(&loc)
                .into_iter()
                .map(|c| (c.name.clone(), c.label.get(&lang, &fallback).to_owned()))
                .collect()
        })
    })
}

fn current(st: FormState, loc: &Loc) -> Signal<Json> {
    let loc = loc.clone();
    Signal::derive(move || {
        st.track(loc.field);
        st.session.with_value(|s| s.answer(&loc))
    })
}

pub(crate) fn select_one(st: FormState, loc: Loc) -> impl IntoView {
    let form = st.form();
    let f = form.field(loc.field);
    let minimal = f.appearance.as_deref().is_some_and(|a| a.contains("minimal"));
    let likert = f.kind == tianye_core::schema::ItemType::Likert
        || f.appearance.as_deref().is_some_and(|a| a.contains("likert"));
    let choices = offered(st, &loc);
    let value = current(st, &loc);
    let id = input_id(st, &loc);
    let path = path_of(st, &loc);
    let name = format!("{id}-group");
    let set = {
        let loc = loc.clone();
        move |v: Json| st.set(&loc, &v)
    };
    if minimal {
        let set = set.clone();
        let leave = path.clone();
        return view! {
            <select id=id
                on:change=move |ev| { let v = event_target_value(&ev); set(if v.is_empty() { Json::Null } else { json!(v) }); }
                on:blur=move |_| st.leave(&leave)
            >
                <option value="" selected=move || value.with(Json::is_null)>"—"</option>
                {move || choices.get().into_iter().map(|(n, l)| {
                    let n2 = n.clone();
                    view! { <option value=n selected=move || value.with(|v| v.as_str() == Some(&n2))>{l}</option> }
                }).collect_view()}
            </select>
        }
        .into_any();
    }
    let set_clear = set.clone();
    let lang = move || st.app.lang();
    view! {
        <div class="choices" class:likert=likert role="radiogroup" id=id>
            {move || choices.get().into_iter().map(|(n, l)| {
                let checked_name = n.clone();
                let set = set.clone();
                let leave = path.clone();
                let value_name = n.clone();
                view! {
                    <label class="choice">
                        <input type="radio" name=name.clone() value=n
                            prop:checked=move || value.with(|v| v.as_str() == Some(&checked_name))
                            on:change=move |_| set(json!(value_name))
                            on:blur=move |_| st.leave(&leave)
                        />
                        <span>{l}</span>
                    </label>
                }
            }).collect_view()}
            <Show when=move || !value.with(Json::is_null)>
                <button type="button" class="link clear" on:click={let set = set_clear.clone(); move |_| set(Json::Null)}>
                    {move || if lang().starts_with("en") { "Clear" } else { "清除" }}
                </button>
            </Show>
        </div>
    }
    .into_any()
}

pub(crate) fn select_multiple(st: FormState, loc: Loc) -> impl IntoView {
    let choices = offered(st, &loc);
    let value = current(st, &loc);
    let id = input_id(st, &loc);
    let path = path_of(st, &loc);
    let toggle = {
        let loc = loc.clone();
        move |name: String, on: bool| {
            let mut list: Vec<String> = st.session.with_value(|s| {
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
                st.session.with_value(|s| s.choices(&loc).iter().map(|c| c.name.clone()).collect());
            list.sort_by_key(|n| order.iter().position(|o| o == n).unwrap_or(usize::MAX));
            st.set(&loc, &if list.is_empty() { Json::Null } else { json!(list) });
        }
    };
    view! {
        <div class="choices" id=id role="group">
            {move || choices.get().into_iter().map(|(n, l)| {
                let checked_name = n.clone();
                let toggle = toggle.clone();
                let leave = path.clone();
                let name = n.clone();
                view! {
                    <label class="choice">
                        <input type="checkbox" value=n
                            prop:checked=move || value.with(|v| v.as_array().is_some_and(|a| a.iter().any(|x| x.as_str() == Some(&checked_name))))
                            on:change=move |ev| toggle(name.clone(), event_target_checked(&ev))
                            on:blur=move |_| st.leave(&leave)
                        />
                        <span>{l}</span>
                    </label>
                }
            }).collect_view()}
        </div>
    }
}

pub(crate) fn rating(st: FormState, loc: Loc) -> impl IntoView {
    let scale = st.form().field(loc.field).rules.scale.unwrap_or(5);
    let value = current(st, &loc);
    let id = input_id(st, &loc);
    let path = path_of(st, &loc);
    view! {
        <div class="rating" id=id role="radiogroup">
            {(1..=scale).map(|n| {
                let loc = loc.clone();
                let leave = path.clone();
                view! {
                    <button type="button" class="star" aria-label=format!("{n}")
                        aria-pressed=move || value.with(|v| v.as_u64() == Some(u64::from(n))).to_string()
                        class:on=move || value.with(|v| v.as_f64().is_some_and(|x| x >= f64::from(n)))
                        on:click=move |_| st.set(&loc, &json!(n))
                        on:blur=move |_| st.leave(&leave)
                    >"★"</button>
                }
            }).collect_view()}
        </div>
    }
}

pub(crate) fn rank(st: FormState, loc: Loc) -> impl IntoView {
    let choices = offered(st, &loc);
    let value = current(st, &loc);
    let id = input_id(st, &loc);
    let order = move || -> Vec<(String, String)> {
        let all = choices.get();
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
    let swap = move |i: usize, j: usize| {
        let mut names: Vec<String> = order().into_iter().map(|(n, _)| n).collect();
        if j < names.len() {
            names.swap(i, j);
            st.set(&loc, &json!(names));
        }
    };
    let lang = move || st.app.lang();
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
                            <button type="button" disabled=i == 0 on:click=move |_| up(i.saturating_sub(1), i)>{move || t(Key::MoveUp, &lang())}</button>
                            <button type="button" disabled=i + 1 == n on:click=move |_| down(i, i + 1)>{move || t(Key::MoveDown, &lang())}</button>
                        </li>
                    }
                }).collect_view()
            }}
        </ol>
    }
}

/// A matrix: a table whose rows are single-choice questions sharing one choice list.
pub(crate) fn matrix(st: FormState, loc: Loc) -> impl IntoView {
    let form = st.form();
    let shown = relevant(st, &loc);
    let title = label(st, &loc);
    let rows: Vec<Loc> =
        form.field(loc.field).children.iter().map(|&c| Loc::new(c, loc.rows.clone())).collect();
    let head = offered(st, rows.first().unwrap_or(&loc));
    let id = dom_id(&form, &loc);
    view! {
        <fieldset class="matrix" id=id class:hidden=move || !shown.get()>
            <legend>{title}</legend>
            <table>
                <thead><tr><th></th>{move || head.get().into_iter().map(|(_, l)| view! { <th scope="col">{l}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| {
                        let row_label = label(st, &row);
                        let value = current(st, &row);
                        let choices = offered(st, &row);
                        let msgs = messages(st, &row);
                        let name = input_id(st, &row);
                        let path = path_of(st, &row);
                        let row_id = dom_id(&st.form(), &row);
                        view! {
                            <tr id=row_id class:invalid=move || !msgs.with(Vec::is_empty)>
                                <th scope="row">{row_label}<ul class="q-problems">{move || msgs.get().into_iter().map(|m| view!{<li>{m}</li>}).collect_view()}</ul></th>
                                {move || choices.get().into_iter().map(|(n, l)| {
                                    let row = row.clone();
                                    let checked = n.clone();
                                    let leave = path.clone();
                                    view! {
                                        <td><label class="cell"><input type="radio" name=name.clone() value=n.clone() aria-label=l
                                            prop:checked=move || value.with(|v| v.as_str() == Some(&checked))
                                            on:change=move |_| st.set(&row, &json!(n))
                                            on:blur=move |_| st.leave(&leave)
                                        /></label></td>
                                    }
                                }).collect_view()}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </fieldset>
    }
}
