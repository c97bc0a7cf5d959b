//! The review screen: every answer and every problem, before marking complete.

use leptos::prelude::*;
use tianye_core::Loc;
use tianye_core::schema::ItemType;

use crate::app::Route;
use crate::components::language_switch;
use crate::form_state::FormState;
use crate::i18n::{Key, t};
use crate::state::answers::{answer_text, problem_place, row_title};
use crate::state::record::Record;

/// One line of the review: a question's label and answer, indented by depth.
struct Line {
    /// The item to go to; none for a row's title.
    loc: Option<Loc>,
    label: String,
    answer: String,
    depth: usize,
    heading: bool,
}

fn lines(st: FormState, lang: &str) -> Vec<Line> {
    let form = st.form();
    let mut out = Vec::new();
    st.with_session(|s| {
        fn walk(
            s: &tianye_core::Session,
            ids: &[tianye_core::FieldId],
            rows: &[u32],
            lang: &str,
            depth: usize,
            out: &mut Vec<Line>,
        ) {
            let form = s.form();
            for &id in ids {
                let f = form.field(id);
                let loc = Loc::new(id, rows.to_vec());
                if !s.is_relevant(&loc)
                    || matches!(f.kind, ItemType::Calculate | ItemType::Hidden | ItemType::Meta)
                {
                    continue;
                }
                match f.kind {
                    ItemType::Group | ItemType::Matrix => {
                        out.push(Line {
                            loc: Some(loc.clone()),
                            label: s.label(&loc, lang),
                            answer: String::new(),
                            depth,
                            heading: true,
                        });
                        let heading = out.len();
                        walk(s, &f.children, rows, lang, depth + 1, out);
                        // A group of calculations and notes has no answers to list.
                        if out.len() == heading {
                            out.pop();
                        }
                    }
                    ItemType::Repeat => {
                        out.push(Line {
                            loc: Some(loc.clone()),
                            label: s.label(&loc, lang),
                            answer: String::new(),
                            depth,
                            heading: true,
                        });
                        for i in 0..s.row_count(&loc) {
                            let mut r = rows.to_vec();
                            r.push(i);
                            let title = row_title(s, &Loc::new(id, r.clone()), lang);
                            out.push(Line {
                                loc: None,
                                label: title,
                                answer: String::new(),
                                depth: depth + 1,
                                heading: true,
                            });
                            walk(s, &f.children, &r, lang, depth + 2, out);
                        }
                    }
                    ItemType::Note => {}
                    _ => out.push(Line {
                        loc: Some(loc.clone()),
                        label: s.label(&loc, lang),
                        answer: answer_text(s, &loc, lang),
                        depth,
                        heading: false,
                    }),
                }
            }
        }
        walk(s, form.top_level(), &[], lang, 0, &mut out);
    });
    out
}

/// Shows the pictures the review's list `el` names as thumbnails, from the phone's file
/// store.
fn review_thumbs(el: web_sys::Element, st: FormState) {
    let (form, id) = st.with_record(crate::state::record::Record::ids);
    crate::app::files::thumbs(&el, &st.app.files_of(&form, &id));
}

/// The review screen.
#[component]
pub fn ReviewPage(
    /// The open response.
    st: FormState,
) -> impl IntoView {
    let app = st.app;
    let lang = move || app.lang();
    st.show_all.set(true);
    st.refresh_problems();
    let problems = move || {
        st.rev.track();
        st.all_problems()
    };
    let back = move |_| {
        let (form, id) = st.with_record(Record::ids);
        app.go(Route::Form { form, id, review: false });
    };
    let done = RwSignal::new(false);
    // The server has it: it can no longer change, nor be marked complete again.
    let uploaded = untrack(|| matches!(st.upload(), crate::state::record::Upload::Uploaded { .. }));
    let complete = move |_| {
        if st.complete() {
            done.set(true);
        }
    };
    view! {
        <div class="review-screen">
            <header class="bar">
                <button class="link" on:click=back>"‹ " {move || t(Key::Back, &lang())}</button>
                <h1>{move || t(Key::Review, &lang())}</h1>
                {language_switch(st)}
            </header>
            <div class="done" role="status" class:hidden=move || !done.get()>
                <p>{move || t(Key::Thanks, &lang())}</p>
                <button class="primary" on:click=move |_| app.go(Route::Home)>{move || t(Key::Home, &lang())}</button>
            </div>
            <section class="review-problems">
                <h2>{move || t(Key::Problems, &lang())} " (" {move || problems().len()} ")"</h2>
                <p class=move || if problems().is_empty() { "good" } else { "bad" }>
                    {move || t(if problems().is_empty() { Key::NoProblems } else { Key::HasProblems }, &lang())}
                </p>
                <ul>
                    {move || problems().iter().map(|p| {
                        let here = p.loc.clone();
                        let message = p.message(&lang());
                        let place = st.with_session(|s| problem_place(s, p.loc.as_ref(), &p.path, &lang()));
                        view! {
                            <li class="problem">
                                <a href="#" title=p.path.clone() on:click=move |ev| { ev.prevent_default(); if let Some(here) = &here { st.goto(here) } }>{place}</a>
                                " — " {message}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
            <section class="review-answers">
                <h2>{move || t(Key::Answers, &lang())}</h2>
                <dl use:review_thumbs=st>
                    {move || { st.rev.track(); lines(st, &lang()) }.into_iter().map(|l| {
                        let here = l.loc.clone();
                        let class = if l.heading { "heading" } else { "answer" };
                        let style = format!("padding-left: {}em", l.depth);
                        if l.heading {
                            view! { <dt class=class style=style>{l.label}</dt> }.into_any()
                        } else {
                            let empty = l.answer.is_empty();
                            view! {
                                <dt class=class style=style.clone()>
                                    <a href="#" on:click=move |ev| { ev.prevent_default(); if let Some(here) = &here { st.goto(here) } }>{l.label}</a>
                                </dt>
                                <dd style=style class:empty=empty>{if empty { t(Key::NotAnswered, &lang()).to_owned() } else { l.answer }}</dd>
                            }.into_any()
                        }
                    }).collect_view()}
                </dl>
            </section>
            <nav class="pager">
                <button on:click=back>"‹ " {move || t(Key::Back, &lang())}</button>
                <button class="primary" class:hidden=uploaded on:click=complete disabled=move || done.get()>{move || t(Key::MarkComplete, &lang())}</button>
            </nav>
        </div>
    }
}
