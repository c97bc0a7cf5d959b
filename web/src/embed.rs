//! Embedding a form in another portal with one script tag.
//!
//! ```html
//! <script type="module" src="https://survey.example.org/tianye-embed.js"></script>
//! <tianye-form src="https://survey.example.org/api/v1/questionnaires/lbc_household"
//!              endpoint="https://survey.example.org" token="…" lang="zh"
//!              storage-prefix="portal-a."></tianye-form>
//! ```
//!
//! or from script: `mount(element, {questionnaire, endpoint, token, language,
//! storagePrefix, onSubmit, onChange})`, where `questionnaire` is the questionnaire
//! object (or its JSON text). Storage prefixes keep two embedded forms apart.

use leptos::prelude::*;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use crate::app::{App, Config};
use crate::{Root, connect};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Options {
    questionnaire: serde_json::Value,
    endpoint: Option<String>,
    token: Option<String>,
    language: Option<String>,
    storage_prefix: Option<String>,
}

/// A mounted form; `unmount()` removes it.
#[wasm_bindgen]
pub struct Mounted {
    handle: Option<leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>>,
}

#[wasm_bindgen]
impl Mounted {
    /// Removes the form from the page (what was saved stays saved).
    pub fn unmount(&mut self) {
        self.handle.take();
    }
}

/// Mounts a form in `element`. Options: `questionnaire` (object or JSON text),
/// `endpoint`, `token`, `language` (`zh`/`en`), `storagePrefix`, `onSubmit(response)`,
/// `onChange(response)`.
#[wasm_bindgen]
pub fn mount(element: web_sys::HtmlElement, options: JsValue) -> Result<Mounted, JsValue> {
    let opts: Options = serde_wasm_bindgen::from_value(options.clone())
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    let callback = |name: &str| {
        js_sys::Reflect::get(&options, &name.into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    };
    let fixed = match &opts.questionnaire {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => {
            return Err(JsValue::from_str(
                "options.questionnaire is required / 缺少 questionnaire",
            ));
        }
        other => other.to_string(),
    };
    // Check it now, so a broken questionnaire fails here with the checker's messages.
    if let Err(e) = tianye_core::Form::from_json(&fixed) {
        let text: Vec<String> = e.diagnostics.iter().map(|d| d.render("questionnaire")).collect();
        return Err(JsValue::from_str(&text.join("\n")));
    }
    let config = Config {
        endpoint: opts.endpoint.unwrap_or_default().trim_end_matches('/').to_owned(),
        prefix: opts.storage_prefix.unwrap_or_default(),
        bundled_index: None,
        fixed: Some(fixed),
        use_hash: false,
        on_submit: callback("onSubmit"),
        on_change: callback("onChange"),
    };
    let app = App::new(config);
    if let Some(token) = opts.token {
        app.token.set(Some(token));
    }
    if let Some(lang) = opts.language {
        app.lang.set(lang);
    }
    let handle = leptos::mount::mount_to(element, move || view! { <Root app=app/> }.into_any());
    connect(app);
    Ok(Mounted { handle: Some(handle) })
}
