//! Repeats: household rosters with a card per row, titled by the row's label (a
//! member's name), with add and remove buttons; a count answer drives the rows.
//!
//! A card is a `<details>`: a row answered without problems shows one line (its title,
//! its first choice and first computed value: a member's name, relation and age) and
//! opens with a tap; a new row, or one with problems, is open. The browser does the
//! opening and closing (keyboard and screen readers included); the app only chooses
//! which cards start open, and opens a card when problems come to be shown in it.

use std::sync::Arc;

use leptos::prelude::*;
use tianye_core::Loc;
use tianye_core::schema::ItemType;

use super::{field_view, hidden, label, messages, problem_list};
use crate::form_state::{FormState, dom_id};
use crate::i18n::{Key, t};
use crate::state::answers::{answer_text, row_title};

pub(crate) fn roster(st: FormState, loc: Loc) -> impl IntoView {
    let form = st.form();
    let f = form.field(loc.field);
    let counted = f.has_repeat_count();
    // Rows are titled by their label (a member's name), which may show any answer; a
    // repeat without one numbers its rows, which no answer changes.
    let titled = f.row_label.is_some();
    let max_rows = f.rules.max_rows;
    let children = f.children.clone();
    let hidden = hidden(st, &loc);
    let title = label(st, &loc);
    let msgs = messages(st, &loc);
    let id = dom_id(st, &loc);
    let count = {
        let loc = loc.clone();
        Memo::new(move |_| {
            st.track(&loc);
            st.with_session(|s| s.row_count(&loc))
        })
    };
    let lang = st.app.lang_untracked();
    let remove_text = t(Key::RemoveRow, &lang);
    let add_text = t(Key::AddRow, &lang);
    let add_loc = loc.clone();
    // Where the response's problems are as the roster is shown, for which rows open.
    let problems: Arc<Vec<Loc>> =
        Arc::new(st.all_problems().iter().filter_map(|p| p.loc.clone()).collect());
    let can_add = move || !counted && max_rows.is_none_or(|m| count.get() < m);
    view! {
        <section class="roster" id=id class:hidden=hidden>
            <h2>{title}</h2>
            {problem_list(msgs)}
            <For each=move || 0..count.get() key=|i| *i let:i>
                {
                    let mut rows = loc.rows.clone();
                    rows.push(i);
                    let row_loc = Loc::new(loc.field, rows.clone());
                    let heading = {
                        let row_loc = row_loc.clone();
                        let lang = lang.clone();
                        move || st.with_session(|s| row_title(s, &row_loc, &lang))
                    };
                    // A row's title follows the answers its label shows; a number never
                    // changes.
                    let heading = if titled {
                        let rows = rows.clone();
                        (move || {
                            let form = st.form();
                            let f = form.field(loc.field);
                            if let (Some(text), Some(scope)) = (&f.row_label, f.row_scope) {
                                st.track_text(text, scope, &rows);
                            }
                            heading()
                        })
                        .into_any()
                    } else {
                        heading().into_any()
                    };
                    let remove_loc = loc.clone();
                    let has_answers = {
                        let row_loc = row_loc.clone();
                        move || st.with_session(|s| {
                            let form = s.form();
                            form.field(row_loc.field).children.iter().any(|&c| {
                                !form.is_computed(c) && !s.answer(&Loc::new(c, row_loc.rows.clone())).is_null()
                            })
                        })
                    };
                    let children = children.clone();
                    let locs: Vec<Loc> = children.iter().map(|&c| Loc::new(c, rows.clone())).collect();
                    // Open: a new row (nothing answered), or one with a problem (a
                    // question left unanswered is one) when the roster was shown.
                    let open = !has_answers() || {
                        let form = st.form();
                        problems.iter().any(|p| p.rows.starts_with(&rows) && inside(&form, p.field, loc.field))
                    };
                    let line = {
                        let locs = locs.clone();
                        let lang = lang.clone();
                        move || summary_line(st, &locs, &lang)
                    };
                    view! {
                        <details class="row-card" open=open use:open_on_problems=(st, locs)>
                            <summary><h3>{heading}</h3><span class="row-sum">{line}</span></summary>
                            {(!counted).then(|| view! {
                                <header>
                                    <button type="button" class="link danger"
                                        on:click=move |_| st.remove_row(&remove_loc, i, has_answers())
                                    >{remove_text}</button>
                                </header>
                            })}
                            {children.into_iter().map(|c| field_view(st, c, rows.clone())).collect_view()}
                        </details>
                    }
                }
            </For>
            <button type="button" class="add-row" class:hidden=move || !can_add() on:click={let add_loc = add_loc.clone(); move |_| st.add_row(&add_loc)}>
                "+ " {add_text}
            </button>
        </section>
    }
}

/// The line under a row's title: the answers of the first choice question and of the
/// first computed value (with its label) among the row's questions at `locs`, those
/// that are answered; re-read when they change.
fn summary_line(st: FormState, locs: &[Loc], lang: &str) -> String {
    let form = st.form();
    let mut parts: Vec<String> = Vec::new();
    let (mut choice, mut computed) = (false, false);
    for loc in locs {
        st.track(loc);
        let kind = form.field(loc.field).kind;
        let first = match kind {
            ItemType::SelectOne => !std::mem::replace(&mut choice, true),
            ItemType::Calculate => !std::mem::replace(&mut computed, true),
            _ => false,
        };
        if !first {
            continue;
        }
        st.with_session(|s| {
            let text = answer_text(s, loc, lang);
            if s.is_relevant(loc) && !text.is_empty() {
                parts.push(if kind == ItemType::Calculate {
                    format!("{} {text}", s.label(loc, lang))
                } else {
                    text
                });
            }
        });
    }
    parts.join(" · ")
}

/// Opens the row card `el` when the problems shown under one of its questions (at
/// `locs`, the row's own questions) change: a problem found there is not left folded
/// away, where going to it could not show it.
fn open_on_problems(el: web_sys::Element, (st, locs): (FormState, Vec<Loc>)) {
    let effect = RenderEffect::new(move |built: Option<()>| {
        for loc in &locs {
            st.track_problems(loc);
        }
        if built.is_some() {
            let _ = el.set_attribute("open", "");
        }
    });
    Owner::on_cleanup(move || drop(effect));
}

/// Whether the item `field` is inside the repeat `repeat`, at any depth.
fn inside(
    form: &tianye_core::Form,
    field: tianye_core::FieldId,
    repeat: tianye_core::FieldId,
) -> bool {
    let mut at = form.field(field).parent;
    while let Some(id) = at {
        if id == repeat {
            return true;
        }
        at = form.field(id).parent;
    }
    false
}
