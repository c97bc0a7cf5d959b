//! Keeping responses in the browser (localStorage through gloo-storage).
//!
//! Keys are versioned and prefixed, so two embedded forms on one portal stay apart:
//! `{prefix}tianye.v1.r.{questionnaire}.{instance_id}` holds one record,
//! `{prefix}tianye.v1.index` lists them, `{prefix}tianye.v1.q.{id}@{version}` caches a
//! questionnaire version (a long one is in IndexedDB, `app/files.js`), `{prefix}tianye.v1.settings` holds the team token (and whether
//! the server refused it) and the language. A record is written before the index, and
//! the index is rebuilt from the record keys when they disagree, so a crash between the
//! two loses nothing.

use gloo_storage::errors::StorageError;
use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

use super::record::Record;

const VERSION: &str = "tianye.v1.";

/// Why the store could not save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The browser's storage is full (QuotaExceededError): what was saved before is kept.
    Full,
    /// Storage is unavailable or refused the write for another reason.
    Other(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Full => f.write_str("浏览器存储已满 / browser storage is full"),
            StoreError::Other(e) => write!(f, "无法保存 / cannot save: {e}"),
        }
    }
}

fn store_error(e: StorageError) -> StoreError {
    match e {
        StorageError::JsError(js)
            if js.name == "QuotaExceededError"
                || js.message.to_ascii_lowercase().contains("quota") =>
        {
            StoreError::Full
        }
        other => StoreError::Other(other.to_string()),
    }
}

/// Settings kept on the device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// The team's upload token (from the team link `#team=…`).
    #[serde(default)]
    pub token: Option<String>,
    /// Interface language, `zh` or `en`.
    #[serde(default)]
    pub lang: Option<String>,
    /// The enumerator's name, recorded in each new response.
    #[serde(default)]
    pub enumerator: Option<String>,
    /// This device's id (`tianye:` and a UUID, made on first use), recorded in each new
    /// response (XLSForm's `deviceid`).
    #[serde(default)]
    pub device_id: Option<String>,
    /// The team token the server refused (`""`: uploads without one), for which the
    /// upload queue stops ([`super::queue::stopped`]); cleared when a link is opened.
    #[serde(default)]
    pub refused: Option<String>,
}

/// What a change another tab (or window) made to this store touched, read from the
/// key of a `storage` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Elsewhere {
    /// The record of response `id` of questionnaire `form` (written or deleted).
    Record {
        /// Questionnaire id.
        form: String,
        /// Response id.
        id: String,
    },
    /// The settings (token and its refusal, language, enumerator).
    Settings,
    /// Everything: the whole storage was cleared.
    Everything,
}

/// A stored record this build cannot read (damaged, or written by a newer build): it is
/// kept as it is, never written over, named on the list and saved with its text in the
/// backup file, which `tianye import-responses` reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    /// Its storage key.
    pub key: String,
    /// Why it cannot be read, with the line and column in its text.
    pub error: String,
    /// Its text as stored.
    pub text: String,
}

/// One line of the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    form: String,
    id: String,
}

/// The browser store under one prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    prefix: String,
}

impl Store {
    /// The store for `prefix` (empty for the app itself; embedding portals choose one).
    pub fn new(prefix: &str) -> Store {
        Store { prefix: prefix.to_owned() }
    }

    fn key(&self, rest: &str) -> String {
        format!("{}{VERSION}{rest}", self.prefix)
    }

    /// The storage key of the record of response `id` of questionnaire `form`.
    pub fn record_key(&self, form: &str, id: &str) -> String {
        self.key(&format!("r.{form}.{id}"))
    }

    /// The name of the Web Lock the upload queue holds while it sends this store's
    /// responses, so two tabs (or two forms of one portal) never send at once.
    /// (A name starting with `-` is reserved, so the prefix comes last.)
    pub fn upload_lock(&self) -> String {
        format!("{VERSION}upload:{}", self.prefix)
    }

    /// The storage key of questionnaire `id@version` (also its key in IndexedDB when it
    /// is long).
    pub fn questionnaire_key(&self, id: &str, version: &str) -> String {
        self.key(&format!("q.{id}@{version}"))
    }

    /// What a change made elsewhere to storage key `key` touched in this store (`None`
    /// for a key this store does not read from memory: the index, the questionnaire
    /// cache, another prefix's). A cleared storage comes as no key at all.
    pub fn elsewhere(&self, key: Option<&str>) -> Option<Elsewhere> {
        let Some(key) = key else { return Some(Elsewhere::Everything) };
        let rest = key.strip_prefix(&self.prefix)?.strip_prefix(VERSION)?;
        if rest == "settings" {
            return Some(Elsewhere::Settings);
        }
        let (form, id) = rest.strip_prefix("r.")?.split_once('.')?;
        Some(Elsewhere::Record { form: form.to_owned(), id: id.to_owned() })
    }

    /// Whether `key` is stored, without reading its value.
    fn raw_has(key: &str) -> bool {
        js_sys::Reflect::has(&LocalStorage::raw(), &key.into()).unwrap_or(false)
    }

    fn raw_get(key: &str) -> Option<String> {
        LocalStorage::raw().get_item(key).ok().flatten()
    }

    fn raw_set(key: &str, value: &str) -> Result<(), StoreError> {
        LocalStorage::raw().set_item(key, value).map_err(|e| {
            let name = js_sys::Reflect::get(&e, &"name".into())
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            if name == "QuotaExceededError" { StoreError::Full } else { StoreError::Other(name) }
        })
    }

    fn index(&self) -> Vec<Entry> {
        LocalStorage::get(self.key("index")).unwrap_or_default()
    }

    fn write_index(&self, index: &[Entry]) -> Result<(), StoreError> {
        LocalStorage::set(self.key("index"), index).map_err(store_error)
    }

    /// Every key of this store's records, found by scanning storage.
    fn scan(&self) -> Vec<Entry> {
        let raw = LocalStorage::raw();
        let prefix = self.key("r.");
        let n = raw.length().unwrap_or(0);
        let mut out = Vec::new();
        for i in 0..n {
            let Ok(Some(key)) = raw.key(i) else { continue };
            if let Some(rest) = key.strip_prefix(&prefix)
                && let Some((form, id)) = rest.split_once('.')
            {
                out.push(Entry { form: form.to_owned(), id: id.to_owned() });
            }
        }
        out
    }

    /// Every record, newest change first. Records whose index line was lost are found
    /// by scanning, and the index is repaired.
    pub fn records(&self) -> Vec<Record> {
        self.records_and_unreadable().0
    }

    /// Every record as [`Store::records`], and those that cannot be read.
    pub fn records_and_unreadable(&self) -> (Vec<Record>, Vec<Unreadable>) {
        let mut index = self.index();
        let scanned = self.scan();
        if scanned.iter().any(|e| !index.contains(e)) || index.iter().any(|e| !scanned.contains(e))
        {
            index = scanned;
            let _ = self.write_index(&index);
        }
        let mut out = Vec::new();
        let mut unreadable = Vec::new();
        for e in &index {
            match self.read(&e.form, &e.id) {
                Some(Ok(record)) => out.push(record),
                Some(Err(bad)) => unreadable.push(bad),
                None => {}
            }
        }
        // Newest first (a handful to a few hundred records).
        tianye_core::order::sort_nearly_sorted_by(&mut out, |a, b| {
            a.response.meta.updated_at > b.response.meta.updated_at
        });
        (out, unreadable)
    }

    /// The record of response `id` of questionnaire `form`.
    pub fn get(&self, form: &str, id: &str) -> Option<Record> {
        self.read(form, id)?.ok()
    }

    /// The record of response `id` of questionnaire `form`, or why its stored text cannot
    /// be read; `None` when nothing is stored.
    pub fn read(&self, form: &str, id: &str) -> Option<Result<Record, Unreadable>> {
        let key = self.record_key(form, id);
        let text = Self::raw_get(&key)?;
        Some(serde_json::from_str(&text).map_err(|e| {
            let what = match e.classify() {
                serde_json::error::Category::Eof => "文本不完整 / the text is cut off",
                serde_json::error::Category::Data => {
                    "不是此版本能读的答卷记录 / not a record this version can read"
                }
                _ => "不是有效的 JSON / not valid JSON",
            };
            Unreadable {
                error: format!(
                    "{what}（第 {0} 行第 {1} 列 / line {0}, column {1}）",
                    e.line(),
                    e.column()
                ),
                key,
                text,
            }
        }))
    }

    /// Saves `record` (then, for a new record, its index line). On failure the previous
    /// copy stays as it was.
    pub fn put(&self, record: &Record) -> Result<(), StoreError> {
        let form = &record.response.questionnaire.id;
        let id = &record.response.instance_id;
        let text = serde_json::to_string(record).map_err(|e| StoreError::Other(e.to_string()))?;
        let key = self.record_key(form, id);
        // A record already stored has its index line: a change (every keystroke) costs no
        // read of the index, however many records the device holds. A line lost to a
        // crash between the two writes is found by scanning on the next load.
        let stored = Self::raw_has(&key);
        Self::raw_set(&key, &text)?;
        if stored {
            return Ok(());
        }
        let mut index = self.index();
        let entry = Entry { form: form.clone(), id: id.clone() };
        if !index.contains(&entry) {
            index.push(entry);
            self.write_index(&index)?;
        }
        Ok(())
    }

    /// Deletes a record.
    pub fn delete(&self, form: &str, id: &str) {
        self.delete_all(&[(form, id)]);
    }

    /// Deletes the records `(form, id)`, rewriting the index once.
    pub fn delete_all(&self, records: &[(&str, &str)]) {
        for (form, id) in records {
            LocalStorage::delete(self.record_key(form, id));
        }
        let mut index = self.index();
        index.retain(|e| !records.contains(&(e.form.as_str(), e.id.as_str())));
        let _ = self.write_index(&index);
    }

    /// A cached questionnaire version's JSON (a long one is in IndexedDB: then not
    /// JSON, see `app/files.js`).
    pub fn questionnaire(&self, id: &str, version: &str) -> Option<String> {
        Self::raw_get(&self.questionnaire_key(id, version))
    }

    /// Whether a questionnaire version is cached (without reading it).
    pub fn has_questionnaire(&self, id: &str, version: &str) -> bool {
        Self::raw_has(&self.questionnaire_key(id, version))
    }

    /// Caches a questionnaire version's JSON in localStorage. The app keeps them through
    /// `App::keep_questionnaire`, which puts a long one in IndexedDB instead.
    pub fn put_questionnaire(&self, id: &str, version: &str, json: &str) -> Result<(), StoreError> {
        Self::raw_set(&self.questionnaire_key(id, version), json)
    }

    /// Every cached questionnaire version: (id, version).
    pub fn cached_questionnaires(&self) -> Vec<(String, String)> {
        let raw = LocalStorage::raw();
        let prefix = self.key("q.");
        let mut out = Vec::new();
        for i in 0..raw.length().unwrap_or(0) {
            if let Ok(Some(key)) = raw.key(i)
                && let Some(rest) = key.strip_prefix(&prefix)
                && let Some((id, version)) = rest.split_once('@')
            {
                out.push((id.to_owned(), version.to_owned()));
            }
        }
        out
    }

    /// The server's last list of questionnaires (its JSON), for starting responses
    /// offline on the versions it offered.
    pub fn catalog(&self) -> Option<String> {
        Self::raw_get(&self.key("catalog"))
    }

    /// Keeps the server's list of questionnaires (its JSON).
    pub fn put_catalog(&self, json: &str) -> Result<(), StoreError> {
        if self.catalog().as_deref() == Some(json) {
            return Ok(());
        }
        Self::raw_set(&self.key("catalog"), json)
    }

    /// The settings.
    pub fn settings(&self) -> Settings {
        LocalStorage::get(self.key("settings")).unwrap_or_default()
    }

    /// Saves the settings.
    pub fn put_settings(&self, settings: &Settings) -> Result<(), StoreError> {
        LocalStorage::set(self.key("settings"), settings).map_err(store_error)
    }
}

/// How many characters (UTF-16 code units, keys and values) a site's localStorage holds
/// at most: 5 Mi in Chromium (Android's Chrome and WebView, hence WeChat's browser),
/// measured here by filling it with Latin and with Chinese text alike; Firefox and
/// Safari keep about as much.
pub const STORAGE_LIMIT_CHARS: usize = 5 * 1024 * 1024;

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `localStorage.getItem`, its value left in JavaScript (only its length is read).
    #[wasm_bindgen(catch, js_namespace = localStorage, js_name = getItem)]
    fn stored_text(key: &str) -> Result<Option<js_sys::JsString>, wasm_bindgen::JsValue>;
}

/// Characters (UTF-16 code units, as browsers count their limit) in this site's whole
/// localStorage: every store's and anything else the site keeps, which share
/// [`STORAGE_LIMIT_CHARS`]. Reads every key; the values stay in JavaScript.
pub fn site_chars() -> usize {
    let raw = LocalStorage::raw();
    let mut total = 0;
    for i in 0..raw.length().unwrap_or(0) {
        if let Ok(Some(key)) = raw.key(i) {
            let value = stored_text(&key).ok().flatten().map_or(0, |v| v.length() as usize);
            total += key.encode_utf16().count() + value;
        }
    }
    total
}
