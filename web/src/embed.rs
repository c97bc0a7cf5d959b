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
//! storagePrefix, onSubmit, onChange, timeoutMs, enumerator})`, where `questionnaire` is
//! the questionnaire object (or its JSON text). Storage prefixes keep two embedded forms
//! apart.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::app::{App, Config};
use crate::{Root, connect};

/// The option `name` of `options` as text: absent, `null` or `undefined` is `None`;
/// anything else must be a string.
fn text_option(options: &JsValue, name: &str) -> Result<Option<String>, JsValue> {
    let value = js_sys::Reflect::get(options, &name.into()).unwrap_or(JsValue::UNDEFINED);
    if value.is_null() || value.is_undefined() {
        return Ok(None);
    }
    value.as_string().map(Some).ok_or_else(|| {
        JsValue::from_str(&format!("{name} 应为文字 / options.{name} must be a string"))
    })
}

type Handle = leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>;

/// A form mounted on the page.
struct Slot {
    key: u32,
    /// Its storage prefix and the DOM id prefix made from it.
    prefix: String,
    id_prefix: String,
    handle: Handle,
    /// Its window listeners (network, other tabs), removed with it.
    listeners: Vec<WindowListenerHandle>,
    /// The owner of its state (the app's signals and caches), disposed with it.
    owner: Owner,
}

thread_local! {
    /// The mounted forms. Kept here, not in [`Mounted`]: a portal that drops the object
    /// `mount()` returned (the garbage collector then frees it) keeps its form on the page.
    static MOUNTED: std::cell::RefCell<Vec<Slot>> = const { std::cell::RefCell::new(Vec::new()) };
    static NEXT: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// A mounted form; `unmount()` removes it.
#[wasm_bindgen]
pub struct Mounted {
    key: u32,
}

#[wasm_bindgen]
impl Mounted {
    /// Removes the form from the page (what was saved stays saved).
    pub fn unmount(&mut self) {
        // Taken out first: dropping the handle runs the app's cleanups.
        let slot = MOUNTED.with_borrow_mut(|list| {
            list.iter().position(|slot| slot.key == self.key).map(|i| list.swap_remove(i))
        });
        if let Some(slot) = slot {
            for listener in slot.listeners {
                listener.remove();
            }
            drop(slot.handle);
            // After the views: a form closing saves what is due through the app.
            slot.owner.cleanup();
        }
    }
}

/// Mounts a form in `element`. Options: `questionnaire` (object or JSON text),
/// `endpoint`, `token`, `language` (`zh`/`en`), `storagePrefix`, `onSubmit(response)`,
/// `onChange(response)`, `timeoutMs` (how long a request to the server may take before
/// it counts as a network failure; 60 000 by default), `enumerator` (the portal's user,
/// recorded in each new response).
#[wasm_bindgen]
pub fn mount(element: web_sys::HtmlElement, options: JsValue) -> Result<Mounted, JsValue> {
    if !options.is_object() {
        return Err(JsValue::from_str("缺少 questionnaire / options.questionnaire is required"));
    }
    let timeout = js_sys::Reflect::get(&options, &"timeoutMs".into()).unwrap_or(JsValue::UNDEFINED);
    let timeout_ms = match timeout.as_f64() {
        _ if timeout.is_null() || timeout.is_undefined() => None,
        Some(ms) if ms.is_finite() && ms >= 0.0 => Some(ms.min(f64::from(u32::MAX)) as u32),
        _ => {
            return Err(JsValue::from_str(
                "timeoutMs 应为毫秒数 / options.timeoutMs must be a number of milliseconds",
            ));
        }
    };
    let callback = |name: &str| {
        js_sys::Reflect::get(&options, &name.into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    };
    let questionnaire =
        js_sys::Reflect::get(&options, &"questionnaire".into()).unwrap_or(JsValue::UNDEFINED);
    let fixed = if let Some(text) = questionnaire.as_string() {
        text
    } else if questionnaire.is_object() {
        js_sys::JSON::stringify(&questionnaire)
            .map_err(|_| {
                JsValue::from_str(
                    "questionnaire 不是 JSON / options.questionnaire cannot be read as JSON",
                )
            })?
            .into()
    } else {
        return Err(JsValue::from_str("缺少 questionnaire / options.questionnaire is required"));
    };
    // Check it now, so a broken questionnaire fails here with the checker's messages.
    if let Err(e) = tianye_core::Form::from_json_without_list_copy(&fixed) {
        let text: Vec<String> = e.diagnostics.iter().map(|d| d.render("questionnaire")).collect();
        return Err(JsValue::from_str(&text.join("\n")));
    }
    let prefix = text_option(&options, "storagePrefix")?.unwrap_or_default();
    // DOM ids from the storage prefix, which tells two forms on one page apart too.
    let id_prefix: String = prefix
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' })
        .collect();
    let config = Config {
        endpoint: text_option(&options, "endpoint")?
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned(),
        prefix,
        bundled_index: None,
        fixed: Some(fixed),
        use_hash: false,
        on_submit: callback("onSubmit"),
        on_change: callback("onChange"),
        timeout_ms: timeout_ms.filter(|&ms| ms > 0),
        id_prefix: id_prefix.clone(),
    };
    let (token, language, enumerator) = (
        text_option(&options, "token")?,
        text_option(&options, "language")?,
        text_option(&options, "enumerator")?,
    );
    // The options read, whether the page has room for this form.
    shared_prefix(&config.prefix, &id_prefix)?;
    let config_prefix = config.prefix.clone();
    // The app's state lives as long as the form: a portal that mounts and unmounts
    // forms all day keeps no questionnaires or lists of forms long gone.
    let owner = Owner::new();
    let app = owner.with(|| App::new(config));
    if let Some(token) = token {
        app.settings.token.set(Some(token));
    }
    if let Some(lang) = language {
        app.settings.lang.set(lang);
    }
    if let Some(name) = enumerator {
        app.set_enumerator(&name);
    }
    let handle = leptos::mount::mount_to(element, move || view! { <Root app=app/> }.into_any());
    let listeners = connect(app);
    let key = NEXT.replace(NEXT.get() + 1);
    MOUNTED.with_borrow_mut(|list| {
        list.push(Slot { key, prefix: config_prefix, id_prefix, handle, listeners, owner });
    });
    Ok(Mounted { key })
}

/// Refuses a storage prefix that a form already on the page uses, or that makes the same
/// DOM ids as one in use: the two forms would share their responses, or their labels
/// would point at each other's boxes.
fn shared_prefix(prefix: &str, id_prefix: &str) -> Result<(), JsValue> {
    let clash = MOUNTED.with_borrow(|list| {
        list.iter().find(|slot| slot.id_prefix == id_prefix).map(|slot| slot.prefix.clone())
    });
    match clash {
        None => Ok(()),
        Some(other) if other == prefix => Err(JsValue::from_str(&format!(
            "storagePrefix “{prefix}” 已被本页另一个表单使用，每个表单需要自己的前缀 / \
             storagePrefix \"{prefix}\" is already used by another form on this page: give each form its own"
        ))),
        Some(other) => Err(JsValue::from_str(&format!(
            "storagePrefix “{prefix}” 与本页另一个表单的 “{other}” 生成相同的元素 id，请换一个 / \
             storagePrefix \"{prefix}\" makes the same element ids as \"{other}\", used by another form on this page: choose another"
        ))),
    }
}
