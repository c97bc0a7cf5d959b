//! Tianye's field form app (田野入户调查): a Leptos client-side app on `tianye-core`.
//!
//! It renders any questionnaire one page at a time, validates with the engine as the
//! enumerator answers, saves every change in browser storage at once, works offline (a
//! service worker caches the app), uploads complete responses when it can, and can be
//! embedded in other portals ([`embed`]). All rules come from `tianye-core`; the model
//! is plain Rust in [`state`], and components only wire signals to it.
//!
//! Build and serve with `cargo xtask serve`; the size is reported by `cargo xtask size`.

// `App` and `FormState` are `Copy` bundles of arena handles, passed by value to every
// component and captured by `move` closures (the Leptos idiom); their size is a few
// words per signal, not data.
#![allow(clippy::large_types_passed_by_value)]

pub mod app;
pub mod browser;
pub mod components;
pub mod embed;
pub mod form_state;
pub mod i18n;
pub mod pages;
pub mod state;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::app::{App, Config, Route};
use crate::pages::form::FormPage;
use crate::pages::home::Home;

/// The whole app: the current screen, the storage warning, notices, and what to do
/// about a refused team link.
#[component]
pub fn Root(
    /// The app's state.
    app: App,
) -> impl IntoView {
    provide_context(app);
    let lang = move || app.lang();
    // The response open, as [questionnaire, response] (none on the home screen): its
    // form screen is kept while the route goes between its pages and its review (the
    // problems shown and the questions left stay). A list: the app has memos of that
    // type already, and a memo of a type of its own costs 1 KiB of the app shell.
    let open = Memo::new(move |_| match app.route.get() {
        Route::Home => Vec::new(),
        Route::Form { form, id, .. } => vec![form, id],
    });
    view! {
        <div class="app tianye" lang=move || if lang().starts_with("en") { "en" } else { "zh-CN" }>
            {move || app.warning.get().map(|w| view! {
                <div class="warning" role="alert">
                    <p>{w}</p>
                    <button on:click=move |_| crate::pages::home::save_backup_file(app)>{move || i18n::t(i18n::Key::SaveFile, &lang())}</button>
                    <button class="copy-backup" on:click=move |_| crate::pages::home::copy_backup(app)>{move || i18n::t(i18n::Key::CopyText, &lang())}</button>
                    <button class="link close" aria-label=move || i18n::t(i18n::Key::Close, &lang()) on:click=move |_| app.warning.set(None)>"×"</button>
                </div>
            })}
            {move || app.copy_by_hand.get().map(|text| view! {
                <div class="copy-by-hand" role="alert">
                    <p>{move || i18n::both(i18n::Key::CopyByHand)}</p>
                    <textarea readonly rows="6" aria-label=move || i18n::t(i18n::Key::CopyText, &lang()) on:focus=|ev| { event_target::<web_sys::HtmlTextAreaElement>(&ev).select(); }>{text}</textarea>
                    <button class="link close" aria-label=move || i18n::t(i18n::Key::Close, &lang()) on:click=move |_| app.copy_by_hand.set(None)>"×"</button>
                </div>
            })}
            {move || app.link_refused_words().map(|w| view! {
                <p class="warning link-refused" role="alert">{w}</p>
            })}
            {move || app.notice.get().map(|n| view! {
                <div class="notice" role="status"><span>{n}</span><button class="link close" aria-label=move || i18n::t(i18n::Key::Close, &lang()) on:click=move |_| app.notice.set(None)>"×"</button></div>
            })}
            {move || match open.get().as_slice() {
                [form, id] => view! { <FormPage app=app form_id=form.clone() id=id.clone()/> }.into_any(),
                _ => view! { <Home app=app/> }.into_any(),
            }}
        </div>
    }
}

/// Wires the browser's events to the app: online/offline, other tabs' storage changes,
/// and (when the app owns the page) the location hash, which may bring a team link into
/// the open page. Call after mounting (mounting starts the task executor). Returns the
/// listeners, for an embedded form to remove when it is unmounted.
pub fn connect(app: App) -> Vec<WindowListenerHandle> {
    let mut listeners = Vec::new();
    listeners.push(window_event_listener(leptos::ev::online, move |_| {
        app.online.set(true);
        // Back online: what waited out a backoff meanwhile is tried at once.
        app.upload_now();
    }));
    listeners.push(window_event_listener(leptos::ev::offline, move |_| app.online.set(false)));
    if app.config.with_value(|c| c.use_hash) {
        listeners.push(window_event_listener(leptos::ev::hashchange, move |_| {
            let hash = window().location().hash().unwrap_or_default();
            if take_team_link(app, &hash) {
                // A queue stopped by a refused link goes on with the new one at once.
                app.kick_uploads();
                return;
            }
            let route = Route::parse(&hash);
            if app.route.get_untracked() != route {
                app.route.set(route);
            }
        }));
    }
    // Another tab of this browser changed storage (this tab's own writes fire no event
    // here): its changes are taken in before this tab writes over them.
    listeners.push(window_event_listener(leptos::ev::storage, move |e| {
        let local = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
        if e.storage_area().is_some_and(|area| Some(area) == local) {
            app.note_change_elsewhere(e.key().as_deref());
        }
    }));
    // A page restored from the back-forward cache missed the events meanwhile.
    listeners.push(window_event_listener(leptos::ev::pageshow, move |e| {
        if e.persisted() {
            app.note_change_elsewhere(None);
        }
    }));
    // `visibilitychange` bubbles from the document to the window.
    listeners.push(window_event_listener_untyped("visibilitychange", move |_| {
        if browser::page_shown() {
            app.take_in_changes_elsewhere();
        }
    }));
    // Apart: the server's list may take as long as a request's time limit on a poor
    // signal, and keeping storage must not wait for it.
    leptos::task::spawn_local(app.load_catalog());
    leptos::task::spawn_local(async move {
        let kept = browser::persist_storage().await;
        let _ = app.persisted.try_set(Some(kept));
    });
    app.kick_uploads();
    listeners
}

/// Keeps the token of a team link (`#team=TOKEN`), if `hash` is one, and replaces the
/// link in the address bar and the history by the list's route (a hash change, which
/// shows the list): the back button does not open it again. Whether it was one.
fn take_team_link(app: App, hash: &str) -> bool {
    let Some(token) = hash.strip_prefix("#team=").filter(|t| !t.is_empty()) else {
        return false;
    };
    app.set_token(token);
    let _ = window().location().replace(&Route::Home.hash());
    true
}

/// Starts the app in the page's `<body>` (called by `index.html`). A team link
/// (`#team=TOKEN`) stores the team's upload token.
#[wasm_bindgen]
pub fn start() {
    #[cfg(feature = "debug")]
    console_error_panic_hook::set_once();
    let config = Config {
        endpoint: String::new(),
        prefix: String::new(),
        bundled_index: Some("questionnaires/index.json".to_owned()),
        fixed: None,
        use_hash: true,
        on_submit: None,
        on_change: None,
        timeout_ms: None,
        id_prefix: String::new(),
    };
    let app = App::new(config);
    let hash = window().location().hash().unwrap_or_default();
    if !take_team_link(app, &hash) {
        app.route.set(Route::parse(&hash));
    }
    // Whether the app will open offline: once the service worker has kept its files
    // and controls the page (`index.html` registers it after this).
    app.shell_kept.set(browser::service_worker_controls());
    browser::on_service_worker_control(move || app.shell_kept.set(Some(true)));
    leptos::mount::mount_to_body(move || view! { <Root app=app/> });
    // The app owns the page: its listeners stay as long as the page.
    drop(connect(app));
}
