//! The form screen: one page at a time, with progress, navigation and saving at every
//! change. `FormState` ties the engine's session to signals.

use std::sync::Arc;

use leptos::prelude::*;
use tianye_core::Form;

use crate::app::{App, Route};
use crate::browser;
use crate::components::{items_view, language_switch};
use crate::form_state::FormState;
use crate::i18n::{Key, t};
use crate::pages::review::ReviewPage;
use crate::state::answers::problem_place;
use crate::state::record::{Record, Upload};

/// The form screen for response `id` of questionnaire `form_id`.
#[component]
pub fn FormPage(
    /// The app's state.
    app: App,
    /// Questionnaire id.
    form_id: String,
    /// Response id.
    id: String,
) -> impl IntoView {
    // The review or the pages, as the route says (the same FormState for both).
    let review = move || app.route.with(|r| matches!(r, Route::Form { review: true, .. }));
    let owner = Owner::current();
    let (form_key, id_key) = (form_id.clone(), id.clone());
    // The questionnaire may come from the network: loaded once, then shown.
    let loaded = RwSignal::new_local(None::<Result<(Arc<Form>, Record), String>>);
    leptos::task::spawn_local(async move {
        let result = async move {
            // The store once the app is gone (an embedded form unmounted meanwhile) reads
            // nothing.
            let stored = || app.store.try_with_value(|s| s.get(&form_key, &id_key)).flatten();
            let not_found = || crate::i18n::both(Key::NotFound);
            let record = stored().ok_or_else(not_found)?;
            if record.sealed.is_some() {
                return Err(crate::i18n::both(Key::SealedCannotOpen));
            }
            let version = record.response.questionnaire.version;
            let form = app.form(&form_key, &version).await?;
            // Read again: another tab may have changed it while the questionnaire came.
            Ok::<_, String>((form, stored().ok_or_else(not_found)?))
        }
        .await;
        // The page may be gone by now: then nothing is shown.
        let _ = loaded.try_set(Some(result));
    });
    // One FormState per opened response, kept across the page ↔ review switch.
    let state: StoredValue<Option<FormState>, LocalStorage> = StoredValue::new_local(None);
    // The upload queue moves the response on (being sent, on the server, refused): the
    // form's copy follows, so that it is held while it is sent and a change made after
    // does not undo the server's answer.
    let (this_form, this_id) = (form_id.clone(), id.clone());
    Effect::new(move |_| {
        app.responses.records.with(|list| {
            let stored = list.iter().find(|r| r.is(&this_form, &this_id));
            if let (Some(st), Some(stored)) = (state.get_value(), stored) {
                st.follow(stored);
            }
        });
    });
    // Another tab changed this response: the form is built again from the stored copy,
    // so that nothing typed here writes over what was typed there. A save put off here
    // (an empty row added within the last 100 ms) is dropped with the old copy.
    Effect::new(move |seen: Option<()>| {
        let mine = app.sync.changed_elsewhere.with(|changed| {
            changed.iter().any(|(form, response)| *form == form_id && *response == id)
        });
        if seen.is_none() || !mine {
            return;
        }
        let mut stored = app.store.with_value(|s| s.get(&form_id, &id));
        if let Some(st) = state.get_value() {
            if st.with_record(|r| Some(r) == stored.as_ref()) {
                return;
            }
            st.drop_due_save();
            // This tab stays on its page, wherever the other tab was.
            if let Some(record) = &mut stored {
                record.page = st.page.get_untracked();
            }
        }
        let reloaded = loaded.with_untracked(|l| match (l, stored) {
            (Some(Ok((form, _))), Some(record)) => Some(Ok((Arc::clone(form), record))),
            (Some(Ok(_)), None) => Some(Err(crate::i18n::both(Key::DeletedElsewhere))),
            _ => None,
        });
        if let Some(reloaded) = reloaded {
            if reloaded.is_ok() {
                app.notice.set(Some(crate::i18n::both(Key::ChangedElsewhere)));
            }
            // A window beside the other keeps its place: the box it was in gets the
            // focus back, with the caret where it was, once the form is built again.
            let focus = browser::focus_now();
            state.set_value(None);
            loaded.set(Some(reloaded));
            if let Some(focus) = focus {
                request_animation_frame(move || browser::restore_focus(&focus));
            }
        }
    });
    // Whether the server has the response: when that changes while its pages are open
    // (the queue sent it), they are built again, read-only. (The review is left as it is:
    // its "done" note stays, and a complete response's review has nothing to change.)
    // (1 once it has: a number, as the app's other memos hold; a `Memo<bool>` would add
    // its own copy of the memo code, 0.3 KiB.)
    let uploaded = Memo::new(move |_| {
        usize::from(
            state.get_value().is_some_and(|st| matches!(st.upload(), Upload::Uploaded { .. })),
        )
    });
    move || match loaded.get() {
        None => view! { <p class="loading">{move || t(Key::Loading, &app.lang())}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error">{e}</p> }.into_any(),
        Some(Ok((form, record))) => {
            if state.with_value(Option::is_none) {
                // Owned by the page, not by this view: the view is built again when the
                // route goes between the pages and the review, and the state stays.
                let st = match &owner {
                    Some(owner) => owner.with(|| FormState::new(app, form, record)),
                    None => FormState::new(app, form, record),
                };
                state.set_value(Some(st));
            }
            let st = state.get_value().expect("set above");
            if review() {
                view! { <ReviewPage st=st/> }.into_any()
            } else {
                // Read, not only tracked: a memo never read never learns its sources.
                let _ = uploaded.get();
                view! { <Pages st=st/> }.into_any()
            }
        }
    }
}

/// The questions of the page shown (`st.page`), built afresh for each page and language.
/// Rebuilt in place, the page before's boxes would be reused for questions of the same
/// kind, keeping what was typed into them (a text box's value and a radio's checked
/// state are the user's once touched, and these views write them once, when built), and
/// the questions' fixed texts are written once too. Hence one keyed item.
pub fn page_view(st: FormState) -> impl IntoView {
    let app = st.app;
    view! {
        <For
            each=move || [(st.page.get(), app.settings.lang.get())]
            key=|shown| shown.clone()
            children=move |(i, _)| {
                let items =
                    st.pages.with_value(|p| p.get(i).map(|p| p.items.clone()).unwrap_or_default());
                items_view(st, &items, &[])
            }
        />
    }
}

#[component]
fn Pages(st: FormState) -> impl IntoView {
    let app = st.app;
    let lang = move || app.lang();
    let form = st.form();
    let title = form.questionnaire().title.clone();
    let version = form.questionnaire().version.clone();
    // In whole per cent, for the bar's width and for screen readers.
    let progress = Memo::new(move |_| {
        st.rev.track();
        let relevant = st.relevant_pages();
        let here = relevant.iter().position(|&p| p == st.page.get()).unwrap_or(0);
        if relevant.is_empty() { 100 } else { (here + 1) * 100 / relevant.len() }
    });
    let step = move |forward: bool| {
        st.rev.track();
        let relevant = st.relevant_pages();
        // Tracked: the pager's buttons follow the page shown (on the last page, "next"
        // becomes "review"), not only the answers.
        let here = st.page.get();
        let next = if forward {
            relevant.iter().find(|&&p| p > here)
        } else {
            relevant.iter().rev().find(|&&p| p < here)
        };
        next.copied()
    };
    let go = move |forward: bool| {
        if let Some(p) = step(forward) {
            st.leave_page();
            st.show_page(p);
            window().scroll_to_with_x_and_y(0.0, 0.0);
        }
    };
    // When the server received the response, once it has: then it is shown read-only.
    // (FormPage builds this view again when the queue's upload lands while it is open.)
    let received = untrack(|| match st.upload() {
        Upload::Uploaded { at } => Some(crate::i18n::beijing_time(&at)),
        _ => None,
    });
    let sent = received.is_some();
    // The button to the first problem, shown only while there is one to go to.
    let no_problem_to_go_to = move || {
        st.rev.track();
        sent || st.all_problems().is_empty()
    };
    let to_review = move |_| {
        let (form_id, id) = st.with_record(Record::ids);
        st.show_all.set(true);
        st.refresh_problems();
        app.go(Route::Form { form: form_id, id, review: true });
    };
    let server_problems = move || match st.upload() {
        Upload::Rejected { message, problems, .. } => Some((message, problems)),
        _ => None,
    };
    let old_version = {
        let form_id = form.questionnaire().id.clone();
        let version = version.clone();
        move || {
            app.catalogue
                .listings
                .with(|c| c.iter().any(|l| l.id == form_id && l.version != version))
                && !app
                    .catalogue
                    .listings
                    .with(|c| c.iter().any(|l| l.id == form_id && l.version == version))
        }
    };
    view! {
        <div class="form-screen">
            <header class="bar">
                <button class="link" on:click=move |_| app.go(Route::Home)>"‹ " {move || t(Key::List, &lang())}</button>
                <h1>{move || title.get(&lang(), "zh").to_owned()}</h1>
                <span class="badge" title=move || t(Key::Version, &lang())>{format!("v{version}")}</span>
                {language_switch(st)}
            </header>
            <p class="notice" class:hidden=move || !old_version()>{move || t(Key::OldVersion, &lang())}</p>
            {move || server_problems().map(|(message, problems)| view! {
                <div class="server-problems" role="alert">
                    <strong>{move || t(Key::ServerProblems, &lang())}</strong>
                    <p>{message}</p>
                    <ul>{problems.into_iter().map(|p| {
                        let here = p.loc(&st.form());
                        let place = st.with_session(|s| problem_place(s, here.as_ref(), &p.path, &lang()));
                        let message = p.message(&lang()).to_owned();
                        view! { <li class="problem"><a href="#" title=p.path.clone() on:click=move |ev| { ev.prevent_default(); if let Some(here) = &here { st.goto(here) } }>{place}</a>": "{message}</li> }
                    }).collect_view()}</ul>
                </div>
            })}
            <div class="progress" role="progressbar" aria-label=move || t(Key::Progress, &lang())
                aria-valuemin="0" aria-valuemax="100" aria-valuenow=move || progress.get()>
                <div style:width=move || format!("{}%", progress.get())></div>
            </div>
            {received.map(|at| view! {
                <p class="notice received" role="status">{move || t(Key::ReceivedAt, &lang())}<strong>{at}</strong></p>
            })}
            <main class="page">
                <fieldset class="locked" disabled=sent>{page_view(st)}</fieldset>
            </main>
            <nav class="pager">
                <button on:click=move |_| go(false) disabled=move || step(false).is_none()>"‹ " {move || t(Key::Back, &lang())}</button>
                <button class="secondary" class:hidden=no_problem_to_go_to on:click=move |_| st.goto_first_problem()>{move || t(Key::FirstProblem, &lang())}</button>
                // "Next", or on the last page "review" (not for a response the server
                // has); the one not shown is not `primary` either.
                <button class=move || if step(true).is_some() { "primary" } else { "hidden" } on:click=move |_| go(true)>{move || t(Key::Next, &lang())} " ›"</button>
                <button class=move || if sent || step(true).is_some() { "hidden" } else { "primary" } on:click=to_review>{move || t(Key::Review, &lang())}</button>
            </nav>
        </div>
    }
}
