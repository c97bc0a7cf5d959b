//! The questionnaires this device can start: the list (bundled, the server's, or the
//! one embedded), fetching them for use offline, and the compiled ones kept in memory.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use serde::Deserialize;
use tianye_core::schema::Text;
use tianye_core::{Form, Questionnaire};
use wasm_bindgen::JsValue;

use super::App;
use crate::i18n::{Key, both};
use crate::state::store::{Store, StoreError};

/// The questionnaires that can be started and the compiled ones.
#[derive(Clone, Copy)]
pub struct Catalogue {
    /// Questionnaires that can be started.
    pub listings: RwSignal<Vec<Listing>>,
    /// Whether questionnaires the server lists are still being fetched to keep.
    pub forms_pending: RwSignal<bool>,
    /// The questionnaire (`id@version`) a new response waits for while it is fetched:
    /// shown on its button, and a second tap on it starts nothing more.
    pub opening: RwSignal<Option<String>>,
    /// Compiled questionnaires by [`form_key`].
    pub(super) compiled: StoredValue<HashMap<String, Arc<Form>>>,
}

impl Catalogue {
    pub(super) fn new() -> Catalogue {
        Catalogue {
            listings: RwSignal::new(Vec::new()),
            forms_pending: RwSignal::new(false),
            opening: RwSignal::new(None),
            compiled: StoredValue::new(HashMap::new()),
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
pub(super) fn form_key(id: &str, version: &str) -> String {
    format!("{id}@{version}")
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
            if let Ok(form) = Form::from_json_without_list_copy(&json) {
                let (id, version, title) = {
                    let q = form.questionnaire();
                    (q.id.clone(), q.version.clone(), q.title.clone())
                };
                let json = JsValue::from_str(&json);
                if let Err(e) = self.keep_questionnaire(&id, &version, &json).await {
                    self.report_store_error(&e);
                }
                self.catalogue.compiled.update_value(|m| {
                    m.insert(form_key(&id, &version), Arc::new(form));
                });
                let listing =
                    Listing { id, version, title, url: String::new(), from_server: false };
                self.catalogue.listings.set(vec![listing]);
            } else {
                self.catalogue.listings.set(Vec::new());
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
                        self.catalogue.listings.set(known.as_ref().clone());
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
            self.catalogue.listings.set(known.as_ref().clone());
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
            self.catalogue.forms_pending.set(true);
            set_timeout(
                move || {
                    leptos::task::spawn_local(async move {
                        for l in missing {
                            if self.gone() {
                                return;
                            }
                            // Opened meanwhile, and so kept: not fetched again (a
                            // province's village list is megabytes).
                            if self.store.with_value(|s| s.has_questionnaire(&l.id, &l.version)) {
                                continue;
                            }
                            let answer = self.request("GET", &l.url, None, None).await;
                            if answer.status == 200 && !self.gone() {
                                let json = JsValue::from_str(&answer.body);
                                drop(answer);
                                let _ = self.keep_questionnaire(&l.id, &l.version, &json).await;
                            }
                        }
                        let _ = self.catalogue.forms_pending.try_set(false);
                    });
                },
                PREFETCH_DELAY,
            );
        }
        self.catalogue.listings.set(out);
    }

    /// Whether the app opens, and every questionnaire it offers can be started, with no
    /// network: the service worker keeps its files, and this device every questionnaire
    /// the server lists (the bundled ones are among the service worker's files). `None`
    /// where no service worker can keep them.
    pub fn offline_ready(self) -> Option<bool> {
        let shell = self.shell_kept.get()?;
        let pending = self.catalogue.forms_pending.get();
        let kept = self.catalogue.listings.with(|c| {
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
        if let Some(f) = self.catalogue.compiled.with_value(|m| m.get(&key).cloned()) {
            return Ok(f);
        }
        let cached = self.kept_questionnaire(id, version).await;
        let fetched = cached.is_none();
        let json = match cached {
            Some(json) => json,
            None => {
                let url = self.catalogue.listings.with_untracked(|c| {
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
        // The text is let go before the questionnaire is compiled, and what is kept is
        // a JavaScript copy: a province's list is not held twice in the WebAssembly
        // memory, which never shrinks (tests/list_memory.rs).
        let questionnaire = Questionnaire::from_json(&json).map_err(|e| e.to_string())?;
        let keep = fetched.then(|| JsValue::from_str(&json));
        drop(json);
        let form = Form::compile_without_list_copy(questionnaire).map_err(|e| e.to_string())?;
        if let Some(json) = keep
            && let Err(e) = self.keep_questionnaire(id, version, &json).await
        {
            self.report_store_error(&e);
        }
        let form = Arc::new(form);
        self.catalogue.compiled.update_value(|m| {
            m.insert(key, Arc::clone(&form));
        });
        Ok(form)
    }
}

impl App {
    /// Keeps questionnaire `id@version` on this device for use offline.
    async fn keep_questionnaire(
        self,
        id: &str,
        version: &str,
        json: &JsValue,
    ) -> Result<(), StoreError> {
        let key = self.store.with_value(|s| s.questionnaire_key(id, version));
        super::files::keep_questionnaire(&key, json).await.map_err(|name| {
            if name == "QuotaExceededError" { StoreError::Full } else { StoreError::Other(name) }
        })
    }

    /// The JSON of questionnaire `id@version` as kept on this device, if it is.
    async fn kept_questionnaire(self, id: &str, version: &str) -> Option<String> {
        let key = self.store.with_value(|s| s.questionnaire_key(id, version));
        super::files::kept_questionnaire(&key).await
    }
}
