//! The browser, wrapped: requests to the collection server, time, ids, downloads, the
//! clipboard, Web Locks, focus, idle callbacks. Nothing here decides anything.

use std::future::Future;

use wasm_bindgen::prelude::{Closure, wasm_bindgen};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use tianye_core::expr::DateTime;

/// Milliseconds since 1970 (UTC).
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The page's clock in ms (`performance.now()`: monotonic, sub-millisecond), for
/// timing work; [`now_ms`] where there is none.
pub fn clock_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or_else(now_ms, |p| p.now())
}

/// The device's offset from UTC, in minutes (UTC+8 gives 480).
pub fn utc_offset_minutes() -> i16 {
    (-js_sys::Date::new_0().get_timezone_offset()) as i16
}

/// Now, as the engine's date-time in the device's time zone.
pub fn now() -> DateTime {
    DateTime::from_utc_millis(now_ms() as i64, utc_offset_minutes())
}

/// Now as an RFC 3339 string with the device's offset (`2026-07-01T09:30:00.000+08:00`).
pub fn now_iso() -> String {
    now().to_string()
}

/// A random number in `0..1`.
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// A new random (version 4) UUID.
pub fn uuid() -> String {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into()).ok();
    if let Some(crypto) = crypto
        && let Ok(f) = js_sys::Reflect::get(&crypto, &"randomUUID".into())
        && let Some(f) = f.dyn_ref::<js_sys::Function>()
        && let Ok(v) = f.call0(&crypto)
        && let Some(s) = v.as_string()
    {
        return s;
    }
    // Without crypto.randomUUID (old WebViews): Math.random, formatted as version 4.
    let mut hex: Vec<char> = (0..32)
        .map(|_| char::from_digit((random() * 16.0) as u32 % 16, 16).unwrap_or('0'))
        .collect();
    hex[12] = '4';
    hex[16] = ['8', '9', 'a', 'b'][(random() * 4.0) as usize % 4];
    let s: String = hex.into_iter().collect();
    format!("{}-{}-{}-{}-{}", &s[..8], &s[8..12], &s[12..16], &s[16..20], &s[20..])
}

/// `text` in lower case, by the browser's `toLowerCase` (full Unicode, as
/// `str::to_lowercase`, without shipping Rust's case tables in the app).
pub fn lowercase(text: &str) -> String {
    js_sys::JsString::from(text).to_lower_case().into()
}

/// Whether the browser says it is online.
pub fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// `navigator.serviceWorker`, or `None` where the browser offers no service workers
/// here (not a secure context, or too old).
fn service_workers() -> Option<web_sys::EventTarget> {
    let navigator = web_sys::window()?.navigator();
    js_sys::Reflect::get(&navigator, &"serviceWorker".into()).ok()?.dyn_into().ok()
}

/// Whether a service worker controls this page (its files are then kept for use
/// offline); `None` where the browser offers no service workers here.
pub fn service_worker_controls() -> Option<bool> {
    let workers: JsValue = service_workers()?.into();
    let controller = js_sys::Reflect::get(&workers, &"controller".into()).ok()?;
    Some(!controller.is_null() && !controller.is_undefined())
}

/// Calls `then` each time a service worker takes control of this page (the page's
/// lifetime: for the app that owns the page).
pub fn on_service_worker_control(then: impl Fn() + 'static) {
    let Some(workers) = service_workers() else { return };
    let listener = Closure::<dyn Fn()>::new(then);
    let _ = workers
        .add_event_listener_with_callback("controllerchange", listener.as_ref().unchecked_ref());
    listener.forget();
}

/// Whether the page is shown (not a tab in the background or a minimised window).
pub fn page_shown() -> bool {
    web_sys::window().and_then(|w| w.document()).is_none_or(|d| !d.hidden())
}

/// How long a request may take, body included, before it counts as a network failure:
/// on a poor signal a stalled connection can hang for many minutes, and an upload
/// waiting on it would hold the whole queue.
pub const REQUEST_TIMEOUT_MS: u32 = 60_000;

/// An HTTP answer: status (0 when the network failed) and body text.
pub struct Answer {
    /// HTTP status, 0 for a network failure.
    pub status: u16,
    /// The body.
    pub body: String,
    /// No answer came within the time allowed (status 0).
    pub timed_out: bool,
}

/// Sends a request, given up after `timeout_ms`; never fails: a network failure or a
/// timeout is status 0.
pub async fn request(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&str>,
    timeout_ms: u32,
) -> Answer {
    let controller = web_sys::AbortController::new().ok();
    let timer = controller.clone().and_then(|c| {
        leptos::prelude::set_timeout_with_handle(
            move || c.abort(),
            std::time::Duration::from_millis(u64::from(timeout_ms)),
        )
        .ok()
    });
    let signal = controller.as_ref().map(web_sys::AbortController::signal);
    let result = try_request(method, url, token, body, signal.as_ref()).await;
    if let Some(timer) = timer {
        timer.clear();
    }
    let timed_out = signal.is_some_and(|s| s.aborted());
    match result {
        Ok(a) => a,
        Err(e) => {
            // What the browser said (a TypeError's message for a network failure); the
            // shell is built without Debug formatting, so it is read, not printed.
            let body = e
                .as_string()
                .or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
                .unwrap_or_default();
            Answer { status: 0, body, timed_out }
        }
    }
}

async fn try_request(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&str>,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<Answer, JsValue> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_signal(signal);
    let headers = web_sys::Headers::new()?;
    if let Some(token) = token {
        headers.set("Authorization", &format!("Bearer {token}"))?;
    }
    if let Some(body) = body {
        headers.set("Content-Type", "application/json")?;
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(url, &init)?;
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_request(&request)).await?.dyn_into()?;
    let bytes = JsFuture::from(response.array_buffer()?).await?;
    Ok(Answer { status: response.status(), body: utf8(&bytes), timed_out: false })
}

/// The control with the keyboard focus, by its DOM id, and the caret or selection in it
/// (text boxes only).
pub struct Focus {
    id: String,
    selection: Option<(u32, u32)>,
}

/// Where the keyboard focus is now, when it is on a control with an id.
pub fn focus_now() -> Option<Focus> {
    let active = web_sys::window()?.document()?.active_element()?;
    let id = active.id();
    if id.is_empty() {
        return None;
    }
    let selection = if let Some(input) = active.dyn_ref::<web_sys::HtmlInputElement>() {
        // Radios and checkboxes have no caret (and throw when asked).
        input.selection_start().ok().flatten().zip(input.selection_end().ok().flatten())
    } else if let Some(area) = active.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        area.selection_start().ok().flatten().zip(area.selection_end().ok().flatten())
    } else {
        None
    };
    Some(Focus { id, selection })
}

/// Puts the keyboard focus back on the control `focus` names, if the page has it,
/// without scrolling, with its caret or selection where it was.
pub fn restore_focus(focus: &Focus) {
    let Some(el) =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&focus.id))
    else {
        return;
    };
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"preventScroll".into(), &JsValue::TRUE);
    if let Ok(f) = js_sys::Reflect::get(&el, &"focus".into()) {
        let _ = f.unchecked_ref::<js_sys::Function>().call1(&el, &options);
    }
    if let Some((start, end)) = focus.selection {
        if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
            let _ = input.set_selection_range(start, end);
        } else if let Some(area) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
            let _ = area.set_selection_range(start, end);
        }
    }
}

/// Copies `text` to the clipboard the way every browser and WebView of the last decade
/// takes from a tap (`execCommand("copy")` on a selected text box, which also works on a
/// page served over plain HTTP, where `navigator.clipboard` is missing); whether it did.
pub fn copy_text(text: &str) -> bool {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return false };
    let Some(area) = document
        .create_element("textarea")
        .ok()
        .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
    else {
        return false;
    };
    area.set_value(text);
    area.set_read_only(true);
    let _ = area.set_attribute("style", "position: fixed; top: 0; left: -9999px; opacity: 0");
    let Some(body) = document.body() else { return false };
    if body.append_child(&area).is_err() {
        return false;
    }
    area.select();
    // iOS Safari selects a text box's text only through a range.
    let _ = area.set_selection_range(0, u32::try_from(text.len()).unwrap_or(u32::MAX));
    let copied = js_sys::Reflect::get(&document, &"execCommand".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call1(&document, &"copy".into()).ok())
        .is_some_and(|done| done.as_bool() == Some(true));
    area.remove();
    copied
}

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks`: the Web Locks API (`web-sys` has it behind its unstable APIs).
    type LockManager;

    #[wasm_bindgen(method, catch)]
    fn request(
        this: &LockManager,
        name: &str,
        callback: &js_sys::Function,
    ) -> Result<js_sys::Promise, JsValue>;
}

fn lock_manager() -> Option<LockManager> {
    let navigator = web_sys::window()?.navigator();
    let locks = js_sys::Reflect::get(&navigator, &"locks".into()).ok()?;
    locks.is_object().then(|| locks.unchecked_into())
}

/// Whether the browser has Web Locks (it does in a secure context: HTTPS or 127.0.0.1,
/// as the service worker needs; not in WebViews from before 2022).
pub fn has_web_locks() -> bool {
    lock_manager().is_some()
}

/// Runs `work` holding the exclusive Web Lock `name`: after every other tab (or form)
/// of this site that holds or awaits it lets go, and holding it until `work` is done.
/// The browser lets go of a closed or crashed tab's locks. `work` is told whether it
/// holds the lock: without Web Locks it runs at once, unguarded.
pub async fn exclusively<F: Future<Output = ()>>(name: &str, work: impl FnOnce(bool) -> F) {
    let let_go = match lock_manager() {
        Some(locks) => take_lock(&locks, name).await,
        None => None,
    };
    work(let_go.is_some()).await;
    if let Some(let_go) = let_go {
        let _ = let_go.call0(&JsValue::NULL);
    }
}

/// Waits for the Web Lock `name` and returns the function that lets it go; `None` when
/// the browser refuses it (a sandboxed frame may not take locks).
async fn take_lock(locks: &LockManager, name: &str) -> Option<js_sys::Function> {
    let mut grant = None;
    let granted = js_sys::Promise::new(&mut |resolve, _| grant = Some(resolve));
    let grant = grant?;
    // The lock is held until the promise the callback returns settles: its resolver is
    // what lets the lock go.
    let on_grant = grant.clone();
    let callback = Closure::once_into_js(move |_lock: JsValue| {
        js_sys::Promise::new(&mut |let_go, _| {
            let _ = on_grant.call1(&JsValue::NULL, &let_go);
        })
    });
    let requested = locks.request(name, callback.unchecked_ref()).ok()?;
    wasm_bindgen_futures::spawn_local(async move {
        if JsFuture::from(requested).await.is_err() {
            let _ = grant.call0(&JsValue::NULL);
        }
    });
    JsFuture::from(granted).await.ok()?.dyn_into().ok()
}

/// Asks the browser to keep this site's storage (`navigator.storage.persist()`).
pub async fn persist_storage() -> bool {
    let Some(window) = web_sys::window() else { return false };
    let storage = window.navigator().storage();
    match storage.persist() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|v| v.as_bool()).unwrap_or(false),
        Err(_) => false,
    }
}

/// `value` as a plain JavaScript value for a portal's callback (objects, not `Map`s),
/// through the JSON the app already writes.
pub fn to_js(value: &impl serde::Serialize) -> Option<JsValue> {
    let text = serde_json::to_string(value).ok()?;
    js_sys::JSON::parse(&text).ok()
}

/// Whether `ev` (an `input` event) comes while an input method composes: the text is
/// pinyin or a candidate not yet chosen.
pub fn is_composing(ev: &web_sys::Event) -> bool {
    js_sys::Reflect::get(ev, &"isComposing".into()).ok().and_then(|v| v.as_bool()).unwrap_or(false)
}

/// Whether the page is a secure context (https, or this machine): only there does the
/// browser run the service worker that opens the app offline, and keep storage when
/// asked. True where the browser does not say.
pub fn secure_context() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"isSecureContext".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(true)
}

/// Runs `f` in the browser's next idle period (`requestIdleCallback`), giving it the
/// ms left in that period, or once `at_latest_ms` have passed (then with 0 left). Where
/// there is no idle callback (Safari), `f` runs after `at_latest_ms`, with all the time
/// it needs.
pub fn when_idle(at_latest_ms: f64, f: impl FnOnce(f64) + 'static) {
    thread_local! {
        // Asked once: the name crossing to JavaScript costs more than the call.
        static HAS_IDLE_CALLBACK: bool =
            web_sys::window().is_some_and(|w| js_sys::Reflect::has(&w, &"requestIdleCallback".into()).unwrap_or(false));
    }
    let wait = at_latest_ms.max(1.0);
    if HAS_IDLE_CALLBACK.with(|has| *has)
        && let Some(window) = web_sys::window()
    {
        let f = Closure::once_into_js(move |deadline: web_sys::IdleDeadline| {
            f(if deadline.did_timeout() { 0.0 } else { deadline.time_remaining() });
        });
        let options = web_sys::IdleRequestOptions::new();
        options.set_timeout(wait as u32);
        let _ = window.request_idle_callback_with_options(f.unchecked_ref(), &options);
    } else {
        leptos::prelude::set_timeout(
            move || f(f64::INFINITY),
            std::time::Duration::from_secs_f64(wait / 1000.0),
        );
    }
}

/// The text of `bytes` (an `ArrayBuffer` or `Uint8Array` of UTF-8), bad sequences
/// replaced as `Response.text()` does. Text is taken into the WebAssembly memory as
/// bytes: a string crossing over is first given three bytes a character, which for a
/// questionnaire of five million characters is 15 MB held at once, for a moment, in a
/// memory that never shrinks.
pub fn utf8(bytes: &JsValue) -> String {
    let bytes = js_sys::Uint8Array::new(bytes).to_vec();
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}
