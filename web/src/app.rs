//! The app's shared state (provided as context), its routes and the questionnaire
//! catalog. The upload queue is in [`crate::uploads`].

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use serde::Deserialize;
use tianye_core::response::{FormRef, Meta, Response, Status};
use tianye_core::schema::Text;
use tianye_core::{Form, Session};

use crate::api;
use crate::i18n::{Key, both};
use crate::state::queue::{refused_token, stopped};
use crate::state::record::{Group, Record, Upload};
use crate::state::store::{Elsewhere, Settings, Store, StoreError, Unreadable};

/// Where the app is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The questionnaires and this device's responses.
    Home,
    /// One response being filled in, or its review page.
    Form {
        /// Questionnaire id.
        form: String,
        /// Response id.
        id: String,
        /// The review page.
        review: bool,
    },
}

impl Route {
    /// Reads a route from a location hash (`#/r/lbc_household/…/review`).
    pub fn parse(hash: &str) -> Route {
        let parts: Vec<&str> = hash.trim_start_matches('#').trim_matches('/').split('/').collect();
        match parts.as_slice() {
            ["r", form, id] => {
                Route::Form { form: (*form).to_owned(), id: (*id).to_owned(), review: false }
            }
            ["r", form, id, "review"] => {
                Route::Form { form: (*form).to_owned(), id: (*id).to_owned(), review: true }
            }
            _ => Route::Home,
        }
    }

    /// The location hash for this route.
    pub fn hash(&self) -> String {
        match self {
            Route::Home => "#/".to_owned(),
            Route::Form { form, id, review: false } => format!("#/r/{form}/{id}"),
            Route::Form { form, id, review: true } => format!("#/r/{form}/{id}/review"),
        }
    }
}

/// How long the list of questionnaires waits for the server's before showing what this
/// device knows (the list the server last gave, the bundled ones).
const CATALOG_GRACE: std::time::Duration = std::time::Duration::from_millis(1500);

/// How long after the list is loaded the questionnaires it offers are fetched for
/// offline use.
const PREFETCH_DELAY: std::time::Duration = std::time::Duration::from_secs(3);

/// Where a questionnaire can be had.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// Its id.
    pub id: String,
    /// Its version.
    pub version: String,
    /// Its title.
    pub title: Text,
    /// Where its JSON is.
    pub url: String,
    /// Listed by the server (kept on this device by the app, not by the service worker).
    pub from_server: bool,
}

impl Listing {
    /// Its [`form_key`].
    pub fn key(&self) -> String {
        form_key(&self.id, &self.version)
    }
}

/// `id@version`: how the app keeps compiled questionnaires (and names the one a new
/// response waits for).
fn form_key(id: &str, version: &str) -> String {
    format!("{id}@{version}")
}

/// How the app was started: as the whole app, or embedded in a portal.
#[derive(Clone, Default)]
pub struct Config {
    /// Base URL of the collection server (`""` for this origin).
    pub endpoint: String,
    /// Storage key prefix (embedded forms choose one).
    pub prefix: String,
    /// URL of the bundled questionnaires' index (`questionnaires/index.json`).
    pub bundled_index: Option<String>,
    /// Embedded: the one questionnaire shown, as JSON text.
    pub fixed: Option<String>,
    /// Whether routes live in the location hash (not when embedded).
    pub use_hash: bool,
    /// Called with each response marked complete.
    pub on_submit: Option<js_sys::Function>,
    /// Called with the answers after each change.
    pub on_change: Option<js_sys::Function>,
    /// How long a request may take, in ms ([`api::REQUEST_TIMEOUT_MS`] when unset).
    pub timeout_ms: Option<u32>,
    /// Put before every DOM id the form makes (`portal-household-q-child_name`), so two
    /// forms embedded in one page keep their labels and links apart; empty for the app.
    pub id_prefix: String,
}

/// The app's state, shared by every component.
#[derive(Clone, Copy)]
pub struct App {
    /// The browser store.
    pub store: StoredValue<Store>,
    /// How the app was started.
    pub config: StoredValue<Config, LocalStorage>,
    /// Interface language.
    pub lang: RwSignal<String>,
    /// Where the app is.
    pub route: RwSignal<Route>,
    /// This device's responses.
    pub records: RwSignal<Vec<Record>>,
    /// Stored responses this build cannot read (kept, named on the list, backed up).
    pub unreadable: RwSignal<Vec<Unreadable>>,
    /// A warning that stays until dismissed (storage full).
    pub warning: RwSignal<Option<String>>,
    /// A short notice.
    pub notice: RwSignal<Option<String>>,
    /// The backup's text, shown to copy by hand where the browser would not copy it.
    pub copy_by_hand: RwSignal<Option<String>>,
    /// Whether the browser is online.
    pub online: RwSignal<bool>,
    /// Questionnaires that can be started.
    pub catalog: RwSignal<Vec<Listing>>,
    /// Upload token.
    pub token: RwSignal<Option<String>>,
    /// The team token the server refused ([`refused_token`]): while [`App::token`] is
    /// still that one, the upload queue sends nothing ([`App::queue_stopped`]). Kept with
    /// the settings.
    pub refused: RwSignal<Option<String>>,
    /// Characters this site's localStorage holds (measured when the list is shown).
    pub used: RwSignal<usize>,
    /// Whether the browser keeps this site's storage for good (`navigator.storage
    /// .persist()`); `None` until it has answered.
    pub persisted: RwSignal<Option<bool>>,
    /// Whether a service worker keeps the app's files for use offline; `None` where none
    /// can (embedded, or a page that is not a secure context).
    pub shell_kept: RwSignal<Option<bool>>,
    /// Whether questionnaires the server lists are still being fetched to keep.
    pub forms_pending: RwSignal<bool>,
    /// The questionnaire (`id@version`) a new response waits for while it is fetched:
    /// shown on its button, and a second tap on it starts nothing more.
    pub opening: RwSignal<Option<String>>,
    /// Who fills in new responses on this device (XLSForm's `username`).
    pub enumerator: RwSignal<Option<String>>,
    /// The responses other tabs changed (questionnaire id, response id), as last taken
    /// in: a form showing one of them here is built again from the stored copy.
    pub changed_elsewhere: RwSignal<Vec<(String, String)>>,
    forms: StoredValue<HashMap<String, Arc<Form>>>,
    /// Whether this tab's upload queue is at work ([`crate::uploads`]).
    pub(crate) uploading: StoredValue<bool>,
    /// Whether "upload now" was asked for and the queue has not yet begun that round.
    pub(crate) hurry: StoredValue<bool>,
    /// Changes other tabs made while this page was hidden, taken in when it is shown.
    elsewhere: StoredValue<Vec<Elsewhere>>,
}

#[derive(Deserialize)]
struct CatalogBody {
    questionnaires: Vec<CatalogEntry>,
}

#[derive(Deserialize)]
struct CatalogEntry {
    id: String,
    version: String,
    title: Text,
    #[serde(default)]
    file: Option<String>,
}

impl App {
    /// The state for `config`, reading settings and records from the store.
    pub fn new(config: Config) -> App {
        let store = Store::new(&config.prefix);
        let settings = store.settings();
        let lang = settings.lang.clone().unwrap_or_else(|| "zh".to_owned());
        let (mut records, unreadable) = store.records_and_unreadable();
        // Without Web Locks, a response left "uploading" counts as cut off when the app
        // starts (another tab may in fact be sending it: the server stores it once).
        // With them, the queue puts it back when it holds the lock ([`App::kick_uploads`]).
        if !api::has_web_locks() {
            for r in &mut records {
                if r.requeue_interrupted_upload() {
                    let _ = store.put(r);
                }
            }
        }
        App {
            store: StoredValue::new(store),
            config: StoredValue::new_local(config),
            lang: RwSignal::new(lang),
            route: RwSignal::new(Route::Home),
            records: RwSignal::new(records),
            unreadable: RwSignal::new(unreadable),
            warning: RwSignal::new(None),
            notice: RwSignal::new(None),
            copy_by_hand: RwSignal::new(None),
            online: RwSignal::new(api::online()),
            catalog: RwSignal::new(Vec::new()),
            token: RwSignal::new(settings.token),
            refused: RwSignal::new(settings.refused),
            used: RwSignal::new(0),
            persisted: RwSignal::new(None),
            shell_kept: RwSignal::new(None),
            forms_pending: RwSignal::new(false),
            opening: RwSignal::new(None),
            enumerator: RwSignal::new(settings.enumerator),
            changed_elsewhere: RwSignal::new(Vec::new()),
            forms: StoredValue::new(HashMap::new()),
            uploading: StoredValue::new(false),
            hurry: StoredValue::new(false),
            elsewhere: StoredValue::new(Vec::new()),
        }
    }

    /// Notes a change another tab (or window) of this browser made to this store, read
    /// from the key of a `storage` event. It is taken in at once while this page is
    /// shown; a page in the background keeps the note until it is shown again, so it
    /// parses nothing for each keystroke made in the other tab.
    pub fn note_change_elsewhere(&self, key: Option<&str>) {
        let Some(what) = self.store.with_value(|s| s.elsewhere(key)) else { return };
        self.elsewhere.update_value(|pending| {
            if !pending.contains(&what) {
                pending.push(what);
            }
        });
        if api::page_shown() {
            self.take_in_changes_elsewhere();
        }
    }

    /// Brings this tab's copies (the list, the settings, the response open) up to date
    /// with what other tabs stored since: without it, a change made here to a stale
    /// copy would overwrite theirs.
    pub fn take_in_changes_elsewhere(&self) {
        let Some(pending) = self.elsewhere.try_update_value(std::mem::take) else { return };
        let store = self.store.get_value();
        let mut changed = Vec::new();
        for what in pending {
            match what {
                Elsewhere::Everything => {
                    let (records, unreadable) = store.records_and_unreadable();
                    self.records.set(records);
                    self.unreadable.set(unreadable);
                    self.take_in_settings(&store.settings());
                    if let Route::Form { form, id, .. } = self.route.get_untracked() {
                        changed.push((form, id));
                    }
                }
                Elsewhere::Settings => self.take_in_settings(&store.settings()),
                Elsewhere::Record { form, id } => {
                    let (record, bad) = match store.read(&form, &id) {
                        Some(Ok(record)) => (Some(record), None),
                        Some(Err(bad)) => (None, Some(bad)),
                        None => (None, None),
                    };
                    let key = store.record_key(&form, &id);
                    self.unreadable.update(|list| {
                        list.retain(|u| u.key != key);
                        list.extend(bad);
                    });
                    self.keep_in_list(&form, &id, record);
                    changed.push((form, id));
                }
            }
        }
        // Another tab is sending a response: this tab's queue waits for its lock, so
        // that, should that tab close before the server answers, the send resumes here.
        let sent_elsewhere =
            self.records.with_untracked(|list| list.iter().any(|r| r.upload == Upload::Uploading));
        if sent_elsewhere && api::has_web_locks() {
            self.kick_uploads();
        }
        if !changed.is_empty() {
            self.changed_elsewhere.set(changed);
        }
    }

    fn take_in_settings(&self, settings: &Settings) {
        let was_stopped = self.queue_stopped_untracked();
        if self.token.get_untracked() != settings.token {
            self.token.set(settings.token.clone());
        }
        if self.refused.get_untracked() != settings.refused {
            self.refused.set(settings.refused.clone());
        }
        // A new link opened in another tab: this tab's queue goes on too.
        if was_stopped && !self.queue_stopped_untracked() {
            self.kick_uploads();
        }
        if self.enumerator.get_untracked() != settings.enumerator {
            self.enumerator.set(settings.enumerator.clone());
        }
        if let Some(lang) = &settings.lang
            && self.lang.get_untracked() != *lang
        {
            self.lang.set(lang.clone());
        }
    }

    /// The interface language now.
    pub fn lang(&self) -> String {
        self.lang.get()
    }

    /// The interface language, without tracking.
    pub fn lang_untracked(&self) -> String {
        self.lang.get_untracked()
    }

    /// Switches zh ↔ en and remembers it.
    pub fn toggle_lang(&self) {
        let next = if self.lang.get_untracked().starts_with("en") { "zh" } else { "en" };
        self.lang.set(next.to_owned());
        self.update_settings(|s| s.lang = Some(next.to_owned()));
    }

    /// Sets who fills in new responses on this device, and remembers it (blank: nobody
    /// named).
    pub fn set_enumerator(&self, name: &str) {
        let name = enumerator_name(name);
        if self.enumerator.get_untracked() != name {
            self.enumerator.set(name.clone());
            self.update_settings(|s| s.enumerator = name);
        }
    }

    /// This device's id, made and remembered on first use.
    pub fn device_id(&self) -> String {
        if let Some(id) = self.store.with_value(|s| s.settings().device_id) {
            return id;
        }
        let id = format!("tianye:{}", api::uuid());
        self.update_settings(|s| s.device_id = Some(id.clone()));
        id
    }

    fn update_settings(&self, f: impl FnOnce(&mut Settings)) {
        let store = self.store.get_value();
        let mut settings = store.settings();
        f(&mut settings);
        if let Err(e) = store.put_settings(&settings) {
            self.report_store_error(&e);
        }
    }

    /// Keeps the team token from a team link (`#team=TOKEN`). Opening a link ends a
    /// refusal: the queue (started by the caller) tries with it.
    pub fn set_token(&self, token: &str) {
        self.token.set(Some(token.to_owned()));
        self.refused.set(None);
        self.update_settings(|s| {
            s.token = Some(token.to_owned());
            s.refused = None;
        });
        self.notice.set(Some(both(Key::TokenSaved)));
    }

    /// Whether the upload queue is stopped because the server refused the team link this
    /// device holds (see [`stopped`]).
    pub fn queue_stopped(self) -> bool {
        self.token.with(|t| self.refused.with(|r| stopped(t.as_deref(), r.as_deref())))
    }

    pub(crate) fn queue_stopped_untracked(self) -> bool {
        self.token.with_untracked(|t| {
            self.refused.with_untracked(|r| stopped(t.as_deref(), r.as_deref()))
        })
    }

    /// What to tell the volunteer while the queue is stopped by a refused link: that
    /// the link no longer works, that the responses waiting to upload are kept, and to
    /// ask for a new link. Shown on the list and on the review, where a response has just
    /// been completed (not over the pages being filled in); `None` otherwise.
    pub fn link_refused_words(self) -> Option<String> {
        let shown =
            self.route.with(|r| matches!(r, Route::Home | Route::Form { review: true, .. }));
        (shown && self.queue_stopped()).then(|| {
            let waiting =
                self.records.with(|l| l.iter().filter(|r| r.group() == Group::Complete).count());
            both(Key::LinkRefused).replace("{n}", &waiting.to_string())
        })
    }

    /// Notes that the server refused `token` (the one the upload went with), here and in
    /// the settings: the queue stops while the device holds it.
    pub(crate) fn refuse_link(self, token: Option<&str>) {
        let refused = Some(refused_token(token));
        self.refused.set(refused.clone());
        self.update_settings(|s| s.refused = refused);
    }

    /// Goes to `route` (through the location hash when the app owns it).
    pub fn go(&self, route: Route) {
        if self.config.with_value(|c| c.use_hash)
            && let Some(w) = web_sys::window()
        {
            let _ = w.location().set_hash(&route.hash());
        }
        self.route.set(route);
        if let Some(w) = web_sys::window() {
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
    }

    /// Shows a storage error (the full-storage warning stays until dismissed).
    pub fn report_store_error(&self, e: &StoreError) {
        match e {
            StoreError::Full => self.warning.set(Some(both(Key::StorageFull))),
            other @ StoreError::Other(_) => self.warning.set(Some(other.to_string())),
        }
    }

    /// Saves a record and refreshes the list; on failure, warns and returns false.
    pub fn save(&self, record: &Record) -> bool {
        let result = self.store.with_value(|s| s.put(record));
        match result {
            Ok(()) => {
                let (form, id) = (&record.response.questionnaire.id, &record.response.instance_id);
                self.keep_in_list(form, id, Some(record.clone()));
                true
            }
            Err(e) => {
                self.report_store_error(&e);
                false
            }
        }
    }

    /// Deletes every record the server has acknowledged (their copies on this device).
    pub fn delete_uploaded(&self) {
        self.delete_where(|r| r.group() == crate::state::record::Group::Uploaded);
    }

    /// Deletes a record.
    pub fn delete(&self, form: &str, id: &str) {
        self.delete_where(|r| r.is(form, id));
    }

    /// Deletes the records `which` picks: the index is rewritten and the storage used
    /// measured once, however many go. Each is checked again on its stored copy, which
    /// another tab may have changed (an uploaded response reopened there is a draft
    /// again, not to be deleted).
    fn delete_where(&self, which: impl Fn(&Record) -> bool) {
        let store = self.store.get_value();
        let gone: Vec<(String, String)> = self.records.with_untracked(|list| {
            list.iter()
                .filter(|r| which(r))
                .map(Record::ids)
                .filter(|(form, id)| store.get(form, id).is_none_or(|stored| which(&stored)))
                .collect()
        });
        let keys: Vec<(&str, &str)> = gone.iter().map(|(f, i)| (f.as_str(), i.as_str())).collect();
        self.store.with_value(|s| s.delete_all(&keys));
        self.records.update(|list| {
            list.retain(|r| !gone.iter().any(|(form, id)| r.is(form, id)));
        });
        self.used.set(crate::state::store::site_chars());
    }

    /// Loads the catalog: the bundled questionnaires, the server's, and (when embedded)
    /// the one given.
    pub async fn load_catalog(self) {
        if self.gone() {
            return;
        }
        let (endpoint, bundled, fixed) = self
            .config
            .with_value(|c| (c.endpoint.clone(), c.bundled_index.clone(), c.fixed.clone()));
        if let Some(json) = fixed {
            if let Ok(form) = Form::from_json(&json) {
                let (id, version, title) = {
                    let q = form.questionnaire();
                    (q.id.clone(), q.version.clone(), q.title.clone())
                };
                if let Err(e) = self.store.with_value(|s| s.put_questionnaire(&id, &version, &json))
                {
                    self.report_store_error(&e);
                }
                self.forms.update_value(|m| {
                    m.insert(form_key(&id, &version), Arc::new(form));
                });
                let listing =
                    Listing { id, version, title, url: String::new(), from_server: false };
                self.catalog.set(vec![listing]);
            } else {
                self.catalog.set(Vec::new());
            }
            return;
        }
        // The bundled index (the service worker's copy) and the server's list as it was
        // last given: what this device knows, shown when the server has not answered in
        // a moment. A signal that connects and then carries nothing holds a request until
        // its time limit (a minute), and a new household must not wait that long.
        let bundled = match bundled {
            Some(index) => {
                let answer = self.request("GET", &index, None, None).await;
                if self.gone() {
                    return;
                }
                (answer.status == 200)
                    .then(|| serde_json::from_str::<CatalogBody>(&answer.body).ok())
                    .flatten()
                    .map(|body| (index, body))
            }
            None => None,
        };
        let known = Rc::new(self.listings(&endpoint, None, bundled.as_ref()).0);
        let answered = Rc::new(Cell::new(false));
        {
            let (known, answered) = (Rc::clone(&known), Rc::clone(&answered));
            set_timeout(
                move || {
                    if !answered.get() && !self.gone() {
                        self.catalog.set(known.as_ref().clone());
                    }
                },
                CATALOG_GRACE,
            );
        }
        // The server's list: it decides which version of a questionnaire new responses
        // answer.
        let server =
            self.request("GET", &format!("{endpoint}/api/v1/questionnaires"), None, None).await;
        answered.set(true);
        if self.gone() {
            return;
        }
        let fresh = (server.status == 200)
            .then(|| serde_json::from_str::<CatalogBody>(&server.body).ok())
            .flatten();
        let Some(fresh) = fresh else {
            self.catalog.set(known.as_ref().clone());
            return;
        };
        // Kept when there is room: a full storage is reported when an answer cannot be
        // saved, not for this.
        let _ = self.store.with_value(|s| s.put_catalog(&server.body));
        let (out, from_server) = self.listings(&endpoint, Some(fresh), bundled.as_ref());
        // Fetched while online, so that new versions can be started offline; a few
        // seconds on, not to slow the first screen.
        let missing: Vec<Listing> = out[..from_server]
            .iter()
            .filter(|l| !self.store.with_value(|s| s.has_questionnaire(&l.id, &l.version)))
            .cloned()
            .collect();
        if !missing.is_empty() {
            self.forms_pending.set(true);
            set_timeout(
                move || {
                    leptos::task::spawn_local(async move {
                        for l in missing {
                            if self.gone() {
                                return;
                            }
                            let answer = self.request("GET", &l.url, None, None).await;
                            if answer.status == 200 && !self.gone() {
                                let _ = self.store.with_value(|s| {
                                    s.put_questionnaire(&l.id, &l.version, &answer.body)
                                });
                            }
                        }
                        let _ = self.forms_pending.try_set(false);
                    });
                },
                PREFETCH_DELAY,
            );
        }
        self.catalog.set(out);
    }

    /// Whether the app opens, and every questionnaire it offers can be started, with no
    /// network: the service worker keeps its files, and this device every questionnaire
    /// the server lists (the bundled ones are among the service worker's files). `None`
    /// where no service worker can keep them.
    pub fn offline_ready(self) -> Option<bool> {
        let shell = self.shell_kept.get()?;
        let pending = self.forms_pending.get();
        let kept = self.catalog.with(|c| {
            c.iter()
                .filter(|l| l.from_server)
                .all(|l| self.store.with_value(|s| s.has_questionnaire(&l.id, &l.version)))
        });
        Some(shell && !pending && kept)
    }

    /// The questionnaires to offer: the server's (`listed`, or the last list it gave),
    /// then the bundled ones it does not list; with neither, those this device has kept.
    /// Also how many of them come from the server.
    fn listings(
        self,
        endpoint: &str,
        listed: Option<CatalogBody>,
        bundled: Option<&(String, CatalogBody)>,
    ) -> (Vec<Listing>, usize) {
        let mut out: Vec<Listing> = Vec::new();
        let listed = listed.or_else(|| {
            self.store.with_value(Store::catalog).and_then(|b| serde_json::from_str(&b).ok())
        });
        if let Some(body) = listed {
            for e in body.questionnaires {
                let url =
                    format!("{endpoint}/api/v1/questionnaires/{}?version={}", e.id, e.version);
                out.push(Listing {
                    id: e.id,
                    version: e.version,
                    title: e.title,
                    url,
                    from_server: true,
                });
            }
        }
        let from_server = out.len();
        if let Some((index, body)) = bundled {
            let base = index.rsplit_once('/').map_or(String::new(), |(b, _)| format!("{b}/"));
            for e in &body.questionnaires {
                if out[..from_server].iter().any(|l| l.id == e.id) {
                    continue;
                }
                let file = e.file.clone().unwrap_or_else(|| format!("{}.json", e.id));
                out.push(Listing {
                    id: e.id.clone(),
                    version: e.version.clone(),
                    title: e.title.clone(),
                    url: format!("{base}{file}"),
                    from_server: false,
                });
            }
        }
        if out.is_empty() {
            for (id, version) in self.store.with_value(Store::cached_questionnaires) {
                if let Some(json) = self.store.with_value(|s| s.questionnaire(&id, &version))
                    && let Ok(q) = tianye_core::Questionnaire::from_json(&json)
                {
                    let (title, url) = (q.title, String::new());
                    out.push(Listing { id, version, title, url, from_server: false });
                }
            }
        }
        (out, from_server)
    }

    /// The compiled questionnaire `id@version`: from memory, this device's cache, or the
    /// network (then cached, so the response opens offline later).
    pub async fn form(self, id: &str, version: &str) -> Result<Arc<Form>, String> {
        if self.gone() {
            return Err(both(Key::NotFound));
        }
        let key = form_key(id, version);
        if let Some(f) = self.forms.with_value(|m| m.get(&key).cloned()) {
            return Ok(f);
        }
        let cached = self.store.with_value(|s| s.questionnaire(id, version));
        let json = match cached {
            Some(json) => json,
            None => {
                let url = self.catalog.with_untracked(|c| {
                    c.iter().find(|l| l.id == id && l.version == version).map(|l| l.url.clone())
                });
                let endpoint = self.config.with_value(|c| c.endpoint.clone());
                let url = url.unwrap_or_else(|| {
                    format!("{endpoint}/api/v1/questionnaires/{id}?version={version}")
                });
                let answer = self.request("GET", &url, None, None).await;
                if self.gone() {
                    return Err(both(Key::NotFound));
                }
                match answer.status {
                    200 => {}
                    // No answer at all: the network failed or the time limit passed.
                    0 => return Err(both(Key::DownloadFailed)),
                    status => return Err(format!("{} ({status})", both(Key::NotFound))),
                }
                answer.body
            }
        };
        let form = Form::from_json(&json).map_err(|e| e.to_string())?;
        if let Err(e) = self.store.with_value(|s| s.put_questionnaire(id, version, &json)) {
            self.report_store_error(&e);
        }
        let form = Arc::new(form);
        self.forms.update_value(|m| {
            m.insert(key, Arc::clone(&form));
        });
        Ok(form)
    }

    /// Starts a new response to `listing` and opens it. While its questionnaire is
    /// fetched (on a poor signal, up to the request's time limit) the listing is
    /// [`App::opening`]: more taps on it start nothing more, and a tap on another
    /// questionnaire, or leaving the list, means this one is not opened when it comes
    /// (it is kept on the device all the same).
    pub async fn start(self, listing: Listing) {
        let which = listing.key();
        if self.opening.with_untracked(|o| o.as_ref() == Some(&which)) {
            return;
        }
        let at_hand = self.forms.with_value(|m| m.contains_key(&which))
            || self.store.with_value(|s| s.has_questionnaire(&listing.id, &listing.version));
        if !at_hand {
            self.opening.set(Some(which.clone()));
        }
        let fetched = self.form(&listing.id, &listing.version).await;
        if !at_hand {
            if self.gone() {
                return;
            }
            let waited_for = self.opening.with_untracked(|o| o.as_ref() == Some(&which));
            if waited_for {
                self.opening.set(None);
            }
            if !waited_for || self.route.with_untracked(|r| *r != Route::Home) {
                return;
            }
        }
        let form = match fetched {
            _ if self.gone() => return,
            Ok(f) => f,
            Err(e) => {
                self.notice.set(Some(e));
                return;
            }
        };
        let meta = Meta {
            started_at: Some(api::now_iso()),
            updated_at: Some(api::now_iso()),
            enumerator: self.enumerator.get_untracked(),
            device_id: Some(self.device_id()),
            ..Meta::default()
        };
        let session = Session::start(Arc::clone(&form), meta.clone(), api::now());
        let q = form.questionnaire();
        let record = Record {
            response: Response {
                instance_id: api::uuid(),
                questionnaire: FormRef { id: q.id.clone(), version: q.version.clone() },
                status: Status::Draft,
                answers: session.answers(),
                meta,
            },
            title: q.title.clone(),
            upload: Upload::Draft,
            summary: crate::state::answers::summary(&session),
            page: 0,
        };
        if self.save(&record) {
            self.go(Route::Form {
                form: q.id.clone(),
                id: record.response.instance_id,
                review: false,
            });
        }
    }

    /// Sends a request with this app's time limit (see [`api::request`]).
    pub(crate) async fn request(
        self,
        method: &str,
        url: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> api::Answer {
        let timeout = self.config.with_value(|c| c.timeout_ms).unwrap_or(api::REQUEST_TIMEOUT_MS);
        api::request(method, url, token, body, timeout).await
    }

    /// Whether this app's state is gone: an embedded form unmounted disposes it, and
    /// a task still running for it (the upload queue, a questionnaire being fetched)
    /// then stops at its next step. What is stored stays.
    pub fn gone(self) -> bool {
        self.store.is_disposed()
    }

    /// Puts the stored copy of response `id` of questionnaire `form` (`None`: deleted)
    /// in the list in place of this tab's.
    pub(crate) fn keep_in_list(&self, form: &str, id: &str, stored: Option<Record>) {
        self.records.update(|list| {
            let at = list.iter().position(|r| r.is(form, id));
            match (at, stored) {
                (Some(i), Some(record)) => list[i] = record,
                (None, Some(record)) => list.insert(0, record),
                (Some(i), None) => {
                    list.remove(i);
                }
                (None, None) => {}
            }
        });
    }

    /// The number of records in each group.
    pub fn counts(&self) -> Vec<(Group, usize)> {
        self.records.with(|list| {
            Group::ALL
                .iter()
                .map(|g| (*g, list.iter().filter(|r| r.group() == *g).count()))
                .collect()
        })
    }
}

/// The enumerator's name as typed (or given by a portal), kept as the server takes it in
/// `meta.enumerator`: without control characters or surrounding spaces, at most
/// `META_TEXT_MAX` characters (the box shows what is kept once it is left) (a longer one would be refused on upload, and the
/// volunteer could not mend it in the form); `None` when nothing is left.
pub(crate) fn enumerator_name(typed: &str) -> Option<String> {
    let shown: String = typed.chars().filter(|c| !c.is_control()).collect();
    let kept: String = shown.trim().chars().take(tianye_core::response::META_TEXT_MAX).collect();
    Some(kept.trim().to_owned()).filter(|n| !n.is_empty())
}

#[cfg(test)]
mod enumerator_tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn the_enumerator_s_name_is_kept_as_the_server_takes_it() {
        let long = "李".repeat(150);
        for (typed, kept) in [
            ("  周晓雯 ", Some("周晓雯".to_owned())),
            ("周\t晓\n雯", Some("周晓雯".to_owned())),
            ("   ", None),
            ("\u{7}", None),
            (long.as_str(), Some("李".repeat(100))),
        ] {
            assert_eq!(super::enumerator_name(typed), kept, "{typed:?}");
        }
    }
}
