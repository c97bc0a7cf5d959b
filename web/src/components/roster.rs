//! Repeats: household rosters with a card per row, titled by the row's label (a
//! member's name), with add and remove buttons; a count answer drives the rows.

use leptos::prelude::*;
use tianye_core::Loc;

use super::{field_view, hidden, label, messages, problem_list};
use crate::i18n::{Key, t};
use crate::pages::form::{FormState, dom_id};
use crate::state::answers::row_title;

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
            st.session.with_value(|s| s.row_count(&loc))
        })
    };
    let lang = st.app.lang_untracked();
    let remove_text = t(Key::RemoveRow, &lang);
    let add_text = t(Key::AddRow, &lang);
    let add_loc = loc.clone();
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
                        move || st.session.with_value(|s| row_title(s, &row_loc, &lang))
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
                        move || st.session.with_value(|s| {
                            let form = s.form();
                            form.field(row_loc.field).children.iter().any(|&c| {
                                !form.is_computed(c) && !s.answer(&Loc::new(c, row_loc.rows.clone())).is_null()
                            })
                        })
                    };
                    let children = children.clone();
                    view! {
                        <article class="row-card">
                            <header>
                                <h3>{heading}</h3>
                                {(!counted).then(|| view! {
                                    <button type="button" class="link danger"
                                        on:click=move |_| st.remove_row(&remove_loc, i, has_answers())
                                    >{remove_text}</button>
                                })}
                            </header>
                            {children.into_iter().map(|c| field_view(st, c, rows.clone())).collect_view()}
                        </article>
                    }
                }
            </For>
            <Show when=can_add>
                <button type="button" class="add-row" on:click={let add_loc = add_loc.clone(); move |_| st.add_row(&add_loc)}>
                    "+ " {add_text}
                </button>
            </Show>
        </section>
    }
}
