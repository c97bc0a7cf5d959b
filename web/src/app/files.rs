//! The files that attachment answers name, kept on this device in IndexedDB until the
//! server has them. `files.js` does the browser's part (storage, scaling, hashing, the
//! question's input and signature pad, sending a file): the browser has all of it
//! built in, and the wasm only names keys and keeps the answers. A record's files live
//! under its storage key and `/`, so deleting a record deletes its files.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use super::App;

#[wasm_bindgen(module = "/src/app/files.js")]
extern "C" {
    /// Builds an attachment question's input in `el` (see files.js).
    #[wasm_bindgen(js_name = attachUi)]
    pub(crate) fn attach_ui(el: &web_sys::Element, settings: &str, answer: &JsValue);
    /// Shows the pictures the review list `dl` names as thumbnails (see files.js).
    pub(crate) fn thumbs(dl: &web_sys::Element, base: &str);
    #[wasm_bindgen(js_name = dropFiles)]
    fn drop_files(bases: &str);
    #[wasm_bindgen(js_name = saveBackup)]
    fn save_backup(name: &str, text: &str, bases: &str);
    #[wasm_bindgen(js_name = sendFile)]
    async fn send_file(url: &str, key: &str, media_type: &str, token: &str, ms: u32) -> JsValue;
    #[wasm_bindgen(js_name = keepForm)]
    async fn keep_form(key: &str, text: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = formText)]
    async fn form_text(key: &str) -> JsValue;
    /// Seals a response and its files (see files.js): the envelope's JSON.
    #[wasm_bindgen(js_name = sealRecord, catch)]
    pub(crate) async fn seal_record(
        spki: &str,
        plain: &str,
        base: &str,
        names: &str,
    ) -> Result<JsValue, JsValue>;
    /// Deletes the files `names` (one a line) kept under `base`.
    #[wasm_bindgen(js_name = dropNamed)]
    pub(crate) fn drop_named(base: &str, names: &str);
}

/// Keeps a questionnaire's JSON (a JavaScript string) under its storage key `key` (in
/// localStorage, or when it is long in IndexedDB, see files.js); the storage error's
/// name if it could not.
pub(crate) async fn keep_questionnaire(key: &str, json: &JsValue) -> Result<(), String> {
    match keep_form(key, json).await.as_string() {
        Some(error) if !error.is_empty() => Err(error),
        _ => Ok(()),
    }
}

/// The questionnaire JSON kept under `key` by [`keep_questionnaire`], if it is.
pub(crate) async fn kept_questionnaire(key: &str) -> Option<String> {
    let bytes = form_text(key).await;
    (!bytes.is_undefined()).then(|| crate::browser::utf8(&bytes))
}

impl App {
    /// Where the files of record `(form, id)` are kept: the key of a file is this and
    /// its name.
    pub(crate) fn files_of(self, form: &str, id: &str) -> String {
        self.store.with_value(|s| s.record_key(form, id)) + "/"
    }

    /// Deletes the files of the records `(form, id)` (the records are deleted).
    pub(crate) fn drop_files_of(self, records: &[(String, String)]) {
        let bases: Vec<String> = records.iter().map(|(f, i)| self.files_of(f, i)).collect();
        drop_files(&bases.join(","));
    }

    /// Offers the backup `text` as the file `name`, with the files of the records
    /// `(form, id)` in it.
    pub(crate) fn save_backup(self, name: &str, text: &str, records: &[(String, String)]) {
        let bases: Vec<String> = records.iter().map(|(f, i)| self.files_of(f, i)).collect();
        save_backup(name, text, &bases.join(","));
    }

    /// Sends file `file` of record `(form, id)` to `url` with the team link `token`:
    /// the HTTP status (0: no answer; `None`: the file is no longer on this device),
    /// the body, and whether time ran out.
    pub(crate) async fn send_file(
        self,
        url: &str,
        (form, id): (&str, &str),
        file: &tianye_core::response::attachment::Attachment,
        token: Option<&str>,
    ) -> Option<crate::browser::Answer> {
        let key = format!("{}{}", self.files_of(form, id), file.file);
        let ms =
            self.config.with_value(|c| c.timeout_ms).unwrap_or(crate::browser::REQUEST_TIMEOUT_MS);
        let text = send_file(url, &key, &file.media_type, token.unwrap_or_default(), ms).await;
        let text = text.as_string().unwrap_or_default();
        let (status, body) = text.split_once('\n').unwrap_or((&text, ""));
        let timed_out = status == "t";
        Some(crate::browser::Answer {
            status: if timed_out { 0 } else { status.parse::<i32>().ok()?.try_into().ok()? },
            body: body.to_owned(),
            timed_out,
        })
    }
}
