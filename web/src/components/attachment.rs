//! Photos, files, signatures and drawings. The input is the browser's work, built by
//! `files.js` ([`crate::app::files`]): a photo is scaled down before it is kept (the
//! question's `max_pixels`, 1,600 px by default, as JPEG), a signature or drawing is a
//! PNG of the pad kept after every stroke (a reload loses nothing), and the file goes to
//! IndexedDB. The answer, which names the file, is set here.

use leptos::prelude::*;
use serde_json::Value as Json;
use tianye_core::Loc;
use tianye_core::response::attachment::{Attachment, MAX_SIZE};
use tianye_core::schema::ItemType;
use wasm_bindgen::prelude::*;

use super::input_id;
use crate::form_state::FormState;
use crate::i18n::{Key, both, t};

/// The input of an attachment question.
pub(crate) fn attachment(st: FormState, loc: Loc) -> AnyView {
    view! { <div class="attach" use:attach=(st, loc)></div> }.into_any()
}

/// Builds the input of the attachment question at `loc` in `el`.
fn attach(el: web_sys::Element, (st, loc): (FormState, Loc)) {
    let form = st.form();
    let f = form.field(loc.field);
    let lang = st.app.lang_untracked();
    let (form_id, id) = st.with_record(crate::state::record::Record::ids);
    // A file's name starts with the question's name (as a file name may: ASCII, not
    // from `_`) and its rows, from 1.
    let mut stem: String = f
        .name
        .trim_start_matches('_')
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(60)
        .collect();
    for row in &loc.rows {
        stem.push('-');
        stem.push_str(&(row + 1).to_string());
    }
    if stem.is_empty() {
        stem.push('f');
    }
    let file = st.with_session(|s| Attachment::from_json(&s.answer(&loc))).map(|a| a.file);
    let kind = match f.kind {
        ItemType::Image => "image",
        ItemType::Signature | ItemType::Draw => "pad",
        _ => "file",
    };
    let accept =
        if f.kind == ItemType::Image { "image/*".to_owned() } else { f.rules.accept.join(",") };
    let max = f.rules.max_pixels.filter(|_| f.kind == ItemType::Image).unwrap_or(0);
    // One line each, in the order files.js reads them (none holds a line break).
    let settings = [
        kind.to_owned(),
        input_id(st, &loc),
        accept,
        st.app.files_of(&form_id, &id),
        stem,
        file.unwrap_or_default(),
        max.to_string(),
        MAX_SIZE.to_string(),
        if f.kind.is_picture() { "1" } else { "" }.to_owned(),
        t(Key::RemoveFile, &lang).to_owned(),
        t(Key::Undo, &lang).to_owned(),
        t(Key::Clear, &lang).to_owned(),
        both(Key::StorageShort),
        both(Key::FileNotKept),
        both(Key::FileTooLarge),
        both(Key::FileNoSpace),
        both(Key::FileNeedsHttps),
        both(Key::FileNotPicture),
    ]
    .join("\n");
    let answer = Closure::<dyn Fn(Option<String>)>::new(move |text: Option<String>| {
        let value = text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(Json::Null);
        st.set(&loc, &value);
    });
    crate::app::files::attach_ui(&el, &settings, &answer.into_js_value());
}
