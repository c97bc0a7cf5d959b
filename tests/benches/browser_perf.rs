//! The form app's speed in headless Chromium with the CPU slowed 4× (CDP
//! `Emulation.setCPUThrottlingRate`, a low-end phone), on the optimised `dist/` build
//! served by `tianye serve` on 127.0.0.1, the page at a phone's size
//! (`tianye_tests::browser::PHONE`). Times are taken inside the page with
//! `performance.now()`: an event is dispatched from a script and the time runs until two
//! `requestAnimationFrame` callbacks later (the frame with the change has been painted).
//!
//! Each figure has two columns. "To paint" is what the issue asks for: from the event to
//! the second animation frame after it, which includes waiting for the browser's next
//! frame. "Work" is the main thread's time for the change alone: the event, the app's
//! reactive effects, and style and layout (forced right after them).
//!
//! 1. navigation → first question painted, `lbc_household` (a cold load with no HTTP
//!    cache, no compiled-code cache and no service worker, and a load served by the
//!    service worker as on every visit after the first); its "work" is the
//!    time until the first question is in the page;
//! 2. keystroke → painted when the household size goes 1 → 5: on `lbc_household` as
//!    it is (the roster is on the next page) and with the roster on the count's page
//!    (four cards of nine questions appear);
//! 3. keystroke → painted on a generated 1,000-question page where one answer hides
//!    400 questions (`tianye_core::synthetic::switch_questionnaire(1000, 400)`), and
//!    shows them again;
//! 4. tap → painted when adding the 100th row to a roster without a count (the add button
//!    scrolled into view first, where the user taps it: the new card appears on screen).
//!
//! 5. a list of 50,000 villages from a choice file
//!    (`tianye_core::synthetic::village_questionnaire`): tap → painted for the page
//!    holding a searchable question over all of them (the first 20 shown), a keystroke
//!    of its search (11 and 5,000 matches), and a township chosen in the city → county
//!    → township → village cascade (its 50 villages appear); the app's memory
//!    (WebAssembly and JavaScript heap) before and after opening the list is printed.
//! 6. a 12-megapixel photo (4,000 × 3,000 JPEG, made by the browser's encoder) chosen in
//!    the photo question of `tests/fixtures/attachments/visit`: from the file input's
//!    `change` to its thumbnail decoded, which holds decoding, scaling to 1,600 px,
//!    JPEG encoding, SHA-256, keeping it in IndexedDB and setting the answer ("work"
//!    is the same time: most of it is off the main thread's script).
//!
//! 0. the floor: the least change that paints (a letter of the title, set from the script),
//!    on the page of (4): what any change costs there before the app does anything.
//!
//! Run: `cargo bench -p tianye-tests --bench browser_perf` (or `cargo xtask bench`).
//! `-- --runs N` sets the runs per figure (default 7); the median is reported.
//! `-- --only 3,4` measures only those figures ((0) comes with (4)).
//! `-- --profile` also records one CDP CPU profile per measure and prints the functions
//! taking the most time, then runs the change once more split into script, style and
//! layout (build the app with names to read them: `-- --dist DIR` serves
//! another build, e.g. one made by wasm-bindgen without `wasm-opt`); for (4) it also
//! counts the DOM calls that adding one more row makes, and the nodes of its card.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use tianye_tests::browser::{self, Browser};
use tianye_tests::repo;
use tianye_tests::server::{Server, team_token, temp_dir};

const THROTTLE: f64 = 4.0;

/// Records, in `window.__firstQuestion`, when the first question of a form page has
/// been painted (two animation frames after it is in the DOM and not hidden), in ms
/// since navigation. The check forces no layout, so it costs the page next to nothing.
const FIRST_QUESTION: &str = r"
(() => {
  const obs = new MutationObserver(() => {
    if (!document.querySelector('.page .q:not(.hidden)')) return;
    obs.disconnect();
    window.__firstQuestionDom = performance.now();
    requestAnimationFrame(() => requestAnimationFrame(() => { window.__firstQuestion = performance.now(); }));
  });
  obs.observe(document, { subtree: true, childList: true });
})();
";

/// Runs `action` (a statement using `el`, the element `arguments[0]`) and reports the
/// ms until two animation frames later.
const TIMED: &str = r"
const [el, done] = [arguments[0], arguments[arguments.length - 1]];
let work = null;
const t0 = performance.now();
ACTION;
setTimeout(() => { document.body.offsetHeight; work = performance.now() - t0; }, 0);
requestAnimationFrame(() => requestAnimationFrame(() => done([performance.now() - t0, work])));
";

fn timed(action: &str) -> String {
    TIMED.replace("ACTION", action)
}

/// Like [`TIMED`], but splits the main thread's work into the script (the event and the
/// effects it schedules; `handler`: the event's listeners alone), style (forced by reading a computed style) and layout.
const SPLIT: &str = r"
const [el, done] = [arguments[0], arguments[arguments.length - 1]];
const t0 = performance.now();
ACTION;
const ts = performance.now();
setTimeout(() => {
  const t1 = performance.now();
  getComputedStyle(document.body).getPropertyValue('color');
  const t2 = performance.now();
  document.body.offsetHeight;
  const t3 = performance.now();
  requestAnimationFrame(() => requestAnimationFrame(() =>
    done({handler: ts - t0, script: t1 - t0, style: t2 - t1, layout: t3 - t2, painted: performance.now() - t0})));
}, 0);
";

const TYPE_VALUE: &str = "el.value = arguments[1]; el.dispatchEvent(new InputEvent('input', {bubbles: true, inputType: 'insertText', data: arguments[1]}))";
const CHECK: &str = "el.checked = true; el.dispatchEvent(new Event('change', {bubbles: true}))";
const CLICK: &str = "el.click()";

/// One timing: to the painted frame, and the main thread's work.
#[derive(Debug, Clone, Copy)]
struct Timing {
    painted: f64,
    work: f64,
}

struct Figures {
    rows: Vec<(String, Vec<Timing>, &'static str)>,
}

fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

impl Figures {
    fn add(&mut self, what: &str, ms: Vec<Timing>, goal: &'static str) {
        let painted: Vec<String> = ms.iter().map(|t| format!("{:.1}", t.painted)).collect();
        let work: Vec<String> = ms.iter().map(|t| format!("{:.1}", t.work)).collect();
        eprintln!("  {what}: to paint {painted:?}, work {work:?}");
        self.rows.push((what.to_owned(), ms, goal));
    }

    fn print(&self, runs: usize) {
        println!(
            "\nBrowser performance, headless Chromium, CPU throttled {THROTTLE}×, {runs} runs: median (min–max), ms\n"
        );
        println!("| measure | to paint | work | goal |");
        println!("|---|---:|---:|---|");
        for (what, ms, goal) in &self.rows {
            let (p, p0, p1) = median(ms.iter().map(|t| t.painted).collect());
            let (w, w0, w1) = median(ms.iter().map(|t| t.work).collect());
            println!("| {what} | {p:.0} ({p0:.0}–{p1:.0}) | {w:.0} ({w0:.0}–{w1:.0}) | {goal} |");
        }
    }
}

/// Options from the command line.
struct Options {
    runs: usize,
    profile: bool,
    dist: Option<std::path::PathBuf>,
    /// The figures to measure (`--only 3,4`); all when empty. (0) goes with (4).
    only: Vec<u8>,
}

impl Options {
    fn wants(&self, figure: u8) -> bool {
        self.only.is_empty() || self.only.contains(&figure)
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut opts = Options { runs: 7, profile: false, dist: None, only: Vec::new() };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => opts.runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(7).max(1),
            "--profile" => opts.profile = true,
            "--dist" => opts.dist = args.next().map(Into::into),
            "--only" => {
                opts.only = args
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|n| n.trim().parse().ok())
                    .collect();
            }
            _ => {}
        }
    }
    let figures = browser::run(bench(&opts));
    figures.print(opts.runs);
}

/// Runs `action` once under the CDP sampling profiler and prints the 25 functions with
/// the most self time.
async fn profile(b: &Browser, what: &str, action: &str, el: &Value, arg: Value) {
    // Long animation frames split a frame into script, style and layout.
    b.js(
        "window.__loaf = []; window.__loafObs && window.__loafObs.disconnect();
         window.__loafObs = new PerformanceObserver((l) => window.__loaf.push(...l.getEntries()));
         window.__loafObs.observe({type: 'long-animation-frame'});",
        vec![],
    )
    .await;
    b.cdp("Profiler.enable", json!({})).await;
    b.cdp("Profiler.setSamplingInterval", json!({"interval": 100})).await;
    b.cdp("Profiler.start", json!({})).await;
    let ms = measure(b, action, el, arg.clone()).await;
    let out = b.cdp("Profiler.stop", json!({})).await;
    print_profile(&format!("{what} ({ms:?})"), &out["profile"]);
    settle(b).await;
    let frames = b
        .js(
            "return window.__loaf.map(f => ({
               total: f.duration,
               script: f.scripts.reduce((a, s) => a + s.duration, 0),
               before_render: f.renderStart ? f.renderStart - f.startTime : f.duration,
               raf: f.renderStart ? f.styleAndLayoutStart - f.renderStart : 0,
               style_layout: f.styleAndLayoutStart ? f.startTime + f.duration - f.styleAndLayoutStart : 0,
               forced_style_layout: f.scripts.reduce((a, s) => a + s.forcedStyleAndLayoutDuration, 0),
             }));",
            vec![],
        )
        .await;
    eprintln!("long animation frames (ms): {frames}");
    let split = b.js_async(&SPLIT.replace("ACTION", action), vec![el.clone(), arg]).await;
    eprintln!("the same change again, split (ms): {split}");
}

/// Prints the 25 functions of a CDP CPU profile with the most self time.
fn print_profile(what: &str, profile: &Value) {
    let nodes = profile["nodes"].as_array().cloned().unwrap_or_default();
    let samples = profile["samples"].as_array().cloned().unwrap_or_default();
    let deltas = profile["timeDeltas"].as_array().cloned().unwrap_or_default();
    let mut by_node = std::collections::HashMap::new();
    for (s, d) in samples.iter().zip(deltas.iter().skip(1).chain(std::iter::once(&json!(0)))) {
        *by_node.entry(s.as_i64().unwrap_or(0)).or_insert(0.0) += d.as_f64().unwrap_or(0.0);
    }
    let mut by_fn: std::collections::HashMap<String, f64> = std::collections::HashMap::new();
    for n in &nodes {
        let id = n["id"].as_i64().unwrap_or(0);
        let f = &n["callFrame"];
        let name = f["functionName"].as_str().unwrap_or_default();
        let url = f["url"].as_str().unwrap_or_default();
        let file = url.rsplit('/').next().unwrap_or_default();
        let key =
            if name.is_empty() { format!("(anonymous) {file}") } else { format!("{name} {file}") };
        *by_fn.entry(key).or_insert(0.0) += by_node.get(&id).copied().unwrap_or(0.0) / 1000.0;
    }
    let mut top: Vec<(String, f64)> = by_fn.into_iter().collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1));
    eprintln!("profile of {what}:");
    for (name, t) in top.iter().take(25) {
        eprintln!("  {t:8.1} ms  {}", name.chars().take(140).collect::<String>());
    }
}

fn write_form(dir: &Path, id: &str, json: &Value) {
    let d = dir.join(id);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("form.json"), serde_json::to_string_pretty(json).unwrap()).unwrap();
}

/// `lbc_household` with its roster moved onto the household page, after the count.
fn roster_on_count_page() -> Value {
    let text = std::fs::read_to_string(repo().join("questionnaires/lbc_household/form.json"))
        .expect("lbc_household");
    let mut q: Value = serde_json::from_str(&text).unwrap();
    q["id"] = json!("lbc_one_page_roster");
    let items = q["items"].as_array_mut().unwrap();
    let at = items.iter().position(|i| i["name"] == "member").unwrap();
    let member = items.remove(at);
    let household = items.iter_mut().find(|i| i["name"] == "g_household").unwrap();
    household["items"].as_array_mut().unwrap().push(member);
    q
}

/// A roster without a count, rows added with a button; four questions per row.
fn open_roster() -> Value {
    json!({
        "id": "roster100", "version": "1",
        "title": {"zh": "家庭成员（不限人数）", "en": "Household members (any number)"},
        "items": [{
            "type": "repeat", "name": "people", "label": {"zh": "家庭成员", "en": "Members"},
            "items": [
                {"type": "text", "name": "p_name", "label": {"zh": "姓名", "en": "Name"}, "required": true},
                {"type": "integer", "name": "p_age", "label": {"zh": "年龄", "en": "Age"}, "min": 0, "max": 120},
                {"type": "select_one", "name": "p_sex", "label": {"zh": "性别", "en": "Sex"}, "choices": "sex"},
                {"type": "select_one", "name": "p_school", "label": {"zh": "是否在校", "en": "In school?"},
                 "choices": "yn", "relevant": "${p_age} < 18"}
            ]
        }],
        "choice_lists": {
            "sex": [{"name": "m", "label": {"zh": "男", "en": "Male"}}, {"name": "f", "label": {"zh": "女", "en": "Female"}}],
            "yn": [{"name": "yes", "label": {"zh": "是", "en": "Yes"}}, {"name": "no", "label": {"zh": "否", "en": "No"}}]
        }
    })
}

async fn start_response(b: &Browser, home: &str, form: &str, first: &str) -> String {
    b.goto(home).await;
    b.click(&format!("button.start[data-form='{form}']")).await;
    b.wait_visible(first).await;
    let hash = b.js("return location.hash;", vec![]).await;
    hash.as_str().unwrap_or_default().to_owned()
}

async fn element(b: &Browser, css: &str) -> Value {
    let el = b.find(css).await;
    serde_json::to_value(&el).unwrap()
}

async fn measure(b: &Browser, action: &str, el: &Value, arg: Value) -> Timing {
    let v = b.js_async(&timed(action), vec![el.clone(), arg]).await;
    let painted = v[0].as_f64().expect("ms");
    Timing { painted, work: v[1].as_f64().unwrap_or(painted) }
}

async fn settle(b: &Browser) {
    b.js_async(
        "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 50)));",
        vec![],
    )
    .await;
}

async fn cards(b: &Browser) -> u64 {
    b.js("return document.querySelectorAll('.row-card').length;", vec![]).await.as_u64().unwrap()
}

async fn bench(opts: &Options) -> Figures {
    let mut figures = Figures { rows: Vec::new() };
    let dist = opts.dist.clone().unwrap_or_else(browser::dist);
    let forms = temp_dir("tianye-bench-forms");
    std::fs::create_dir_all(forms.path().join("lbc_household")).unwrap();
    std::fs::copy(
        repo().join("questionnaires/lbc_household/form.json"),
        forms.path().join("lbc_household/form.json"),
    )
    .unwrap();
    write_form(forms.path(), "lbc_one_page_roster", &roster_on_count_page());
    let switch = serde_json::to_value(tianye_core::synthetic::switch_questionnaire(1000, 400))
        .expect("switch questionnaire");
    write_form(forms.path(), "switch", &switch);
    write_form(forms.path(), "roster100", &open_roster());
    let visit = repo().join("tests/fixtures/attachments/visit/form.json");
    let visit: Value = serde_json::from_str(&std::fs::read_to_string(visit).unwrap()).unwrap();
    write_form(forms.path(), "visit", &visit);
    let (villages, csv) = tianye_core::synthetic::village_questionnaire(50_000);
    write_form(forms.path(), "villages", &serde_json::to_value(villages).expect("villages"));
    std::fs::create_dir_all(forms.path().join("villages/media")).unwrap();
    std::fs::write(forms.path().join("villages/media/villages.csv"), csv).unwrap();
    let data = temp_dir("tianye-bench-data");
    let token = team_token(data.path(), "bench");
    let server = Server::start(
        data.path(),
        &["--forms", forms.path().to_str().unwrap(), "--web", dist.to_str().unwrap()],
    );
    let user_data = temp_dir("tianye-bench-profile");
    let b = Browser::launch(user_data.path()).await;
    b.goto(&server.at(&format!("/#team={token}"))).await;
    b.wait_visible("button.start[data-form='lbc_household']").await;
    b.wait("the service worker", "return !!navigator.serviceWorker.controller;").await;
    let home = server.at("/#/");

    // (1) navigation → first question painted.
    if opts.wants(1) {
        first_question(&b, &server, &home, opts, &mut figures).await;
    }
    if opts.wants(2) {
        count_grows_roster(&b, &home, opts, &mut figures).await;
    }
    if opts.wants(3) {
        hide_400(&b, &home, opts, &mut figures).await;
    }
    if opts.wants(4) {
        row_100(&b, &home, opts, &mut figures).await;
    }
    if opts.wants(5) {
        village_list(&b, &home, opts, &mut figures).await;
    }
    if opts.wants(6) {
        photo_12mp(&b, &home, opts, &mut figures).await;
    }
    b.close().await;
    drop(server);
    figures
}

/// (1) navigation → first question painted, cold and from the service worker.
async fn first_question(
    b: &Browser,
    server: &Server,
    home: &str,
    opts: &Options,
    figures: &mut Figures,
) {
    let runs = opts.runs;
    let hash = start_response(b, home, "lbc_household", "#q-interview_date").await;
    let form_url = server.at(&format!("/{hash}"));
    b.before_each_document(FIRST_QUESTION).await;
    b.throttle_cpu(THROTTLE).await;
    eprintln!("(1) navigation → first question");
    for cold in [true, false] {
        b.cdp("Network.enable", json!({})).await;
        b.cdp("Network.setCacheDisabled", json!({"cacheDisabled": cold})).await;
        b.cdp("Network.setBypassServiceWorker", json!({"bypass": cold})).await;
        let mut ms = Vec::new();
        for _ in 0..runs {
            if cold {
                b.cdp("Network.clearBrowserCache", json!({})).await;
            }
            b.goto("about:blank").await;
            b.goto(&form_url).await;
            let v = b.wait("the first question painted", "return window.__firstQuestion;").await;
            let dom = b.js("return window.__firstQuestionDom;", vec![]).await;
            ms.push(Timing { painted: v.as_f64().unwrap(), work: dom.as_f64().unwrap() });
        }
        if opts.profile && !cold {
            b.goto("about:blank").await;
            b.cdp("Profiler.enable", json!({})).await;
            b.cdp("Profiler.setSamplingInterval", json!({"interval": 100})).await;
            b.cdp("Profiler.start", json!({})).await;
            b.goto(&form_url).await;
            b.wait("the first question painted", "return window.__firstQuestion;").await;
            let out = b.cdp("Profiler.stop", json!({})).await;
            print_profile("(1) repeat visit", &out["profile"]);
        }
        let what = if cold {
            "(1) navigation → first question, cold (no HTTP cache, no service worker)"
        } else {
            "(1) navigation → first question, repeat visit (service worker)"
        };
        figures.add(what, ms, "< 500");
    }
    b.cdp("Network.setCacheDisabled", json!({"cacheDisabled": false})).await;
    b.cdp("Network.setBypassServiceWorker", json!({"bypass": false})).await;
}

/// (2) household size 1 → 5, with the roster on the count's page and on the next.
async fn count_grows_roster(b: &Browser, home: &str, opts: &Options, figures: &mut Figures) {
    let runs = opts.runs;
    eprintln!("(2) household size 1 → 5");
    for (form, label) in [
        (
            "lbc_one_page_roster",
            "(2) keystroke → painted, household size 1 → 5, roster on the same page",
        ),
        (
            "lbc_household",
            "(2) keystroke → painted, household size 1 → 5, roster on the next page (as bundled)",
        ),
    ] {
        b.throttle_cpu(1.0).await;
        start_response(b, home, form, "#q-interview_date").await;
        b.click("#q-consent-input input[value='yes']").await;
        b.click(".pager button.primary").await;
        b.wait_visible("#q-hh_size-input").await;
        let el = element(b, "#q-hh_size-input").await;
        b.js("arguments[0].focus();", vec![el.clone()]).await;
        measure(b, TYPE_VALUE, &el, json!("1")).await;
        settle(b).await;
        let same_page = form == "lbc_one_page_roster";
        if same_page {
            assert_eq!(cards(b).await, 1);
        }
        b.throttle_cpu(THROTTLE).await;
        let mut ms = Vec::new();
        for _ in 0..runs {
            ms.push(measure(b, TYPE_VALUE, &el, json!("5")).await);
            settle(b).await;
            if same_page {
                assert_eq!(cards(b).await, 5, "five cards");
            }
            measure(b, TYPE_VALUE, &el, json!("1")).await;
            settle(b).await;
        }
        if opts.profile {
            profile(b, label, TYPE_VALUE, &el, json!("5")).await;
            settle(b).await;
            measure(b, TYPE_VALUE, &el, json!("1")).await;
            settle(b).await;
        }
        figures.add(label, ms, "< 50");
    }
}

/// (3) one answer hides 400 of 1,000 questions, and shows them again.
async fn hide_400(b: &Browser, home: &str, opts: &Options, figures: &mut Figures) {
    let runs = opts.runs;
    eprintln!("(3) 1,000 questions, one answer hides 400");
    b.throttle_cpu(1.0).await;
    start_response(b, home, "switch", "#q-q999").await;
    let yes = element(b, "#q-switch-input input[value='yes']").await;
    let no = element(b, "#q-switch-input input[value='no']").await;
    b.throttle_cpu(THROTTLE).await;
    let (mut hide, mut show) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        hide.push(measure(b, CHECK, &yes, Value::Null).await);
        settle(b).await;
        let hidden = b.js("return document.querySelectorAll('.q.hidden').length;", vec![]).await;
        assert_eq!(hidden, json!(400), "400 questions hidden");
        show.push(measure(b, CHECK, &no, Value::Null).await);
        settle(b).await;
    }
    if opts.profile {
        profile(b, "(3) hide 400", CHECK, &yes, Value::Null).await;
        settle(b).await;
        profile(b, "(3) show 400", CHECK, &no, Value::Null).await;
        settle(b).await;
    }
    figures.add("(3) answer → painted, 1,000 questions, 400 hidden", hide, "< 100");
    figures.add("(3) answer → painted, 1,000 questions, 400 shown again", show, "< 100");
}

/// Keeps the app's WebAssembly memory in `window.__wasmMemory` when the module is
/// instantiated, to read its size (the linear memory only grows: its high-water mark).
/// Found by its kind: the build gives the module's exports short names.
const KEEP_WASM_MEMORY: &str = r"
(() => {
  const keep = (r) => { const m = Object.values((r.instance || r).exports || {}).find((e) => e instanceof WebAssembly.Memory); if (m) window.__wasmMemory = m; return r; };
  const streaming = WebAssembly.instantiateStreaming, plain = WebAssembly.instantiate;
  if (streaming) WebAssembly.instantiateStreaming = (...a) => streaming.apply(WebAssembly, a).then(keep);
  WebAssembly.instantiate = (...a) => plain.apply(WebAssembly, a).then(keep);
})();
";

/// The app's memory now: WebAssembly linear memory and the JavaScript heap in use, MiB.
async fn memory_mib(b: &Browser) -> (f64, f64) {
    let v = b
        .js(
            "return [window.__wasmMemory ? __wasmMemory.buffer.byteLength : NaN, performance.memory.usedJSHeapSize];",
            vec![],
        )
        .await;
    let mib = |x: &Value| x.as_f64().unwrap_or(f64::NAN) / 1_048_576.0;
    (mib(&v[0]), mib(&v[1]))
}

/// Ticks the box `arguments[1]` (a selector: the box is built anew by each change).
const TICK: &str = "const i = document.querySelector(arguments[1]); i.checked = true; i.dispatchEvent(new Event('change', {bubbles: true}))";

/// (5) a list of 50,000 villages from a choice file: the page with a searchable
/// question over all of them, a keystroke of its search, and the township → village
/// cascade; and the memory the list takes.
async fn village_list(b: &Browser, home: &str, opts: &Options, figures: &mut Figures) {
    let runs = opts.runs;
    eprintln!("(5) 50,000 villages");
    b.throttle_cpu(1.0).await;
    b.before_each_document(KEEP_WASM_MEMORY).await;
    b.goto(home).await;
    // A new document, so that the script above runs (the hash alone loads none).
    b.reload().await;
    b.wait_visible("button.start[data-form='villages']").await;
    settle(b).await;
    let before = memory_mib(b).await;
    start_response(b, home, "villages", "#q-hh_code-input").await;
    let pager = element(b, ".form-screen .pager").await;
    let next = "document.querySelector('.form-screen .pager button.primary').click()";
    let back = "document.querySelector('.form-screen .pager button').click()";
    measure(b, next, &pager, Value::Null).await;
    b.wait_visible("#q-any_village .find").await;
    settle(b).await;
    let after = memory_mib(b).await;
    eprintln!(
        "  memory: WebAssembly {:.1} → {:.1} MiB, JS heap {:.1} → {:.1} MiB",
        before.0, after.0, before.1, after.1
    );
    // The app fetches the questionnaires it lacks a few seconds after the list.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let later = memory_mib(b).await;
    let kept = b
        .js("return Object.keys(localStorage).some(k => k.includes('.q.villages@'));", vec![])
        .await;
    eprintln!(
        "  memory 5 s later: WebAssembly {:.1} MiB; the questionnaire kept on the device: {kept}",
        later.0
    );
    measure(b, back, &pager, Value::Null).await;
    settle(b).await;
    b.throttle_cpu(THROTTLE).await;
    let mut ms = Vec::new();
    for _ in 0..runs {
        ms.push(measure(b, next, &pager, Value::Null).await);
        settle(b).await;
        let shown = b
            .js("return document.querySelectorAll('#q-any_village-input .choice').length;", vec![])
            .await;
        assert_eq!(shown, json!(20), "the first 20 of 50,000 villages, nothing typed");
        measure(b, back, &pager, Value::Null).await;
        settle(b).await;
    }
    figures.add("(5) tap → painted, the page with a 50,000-choice searchable question", ms, "< 50");
    let m = memory_mib(b).await;
    eprintln!("  memory after the page's runs: WebAssembly {:.1} MiB", m.0);
    measure(b, next, &pager, Value::Null).await;
    settle(b).await;
    let search = element(b, "#q-any_village .find").await;
    let (mut narrow, mut widen) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        narrow.push(measure(b, TYPE_VALUE, &search, json!("王家村1")).await);
        settle(b).await;
        let shown = b
            .js("return document.querySelectorAll('#q-any_village-input .choice').length;", vec![])
            .await;
        assert_eq!(shown, json!(11), "王家村1000 and 王家村10000…王家村19000");
        widen.push(measure(b, TYPE_VALUE, &search, json!("家")).await);
        settle(b).await;
    }
    figures.add("(5) keystroke → painted, search of 50,000 labels, 11 match", narrow, "< 50");
    figures.add("(5) keystroke → painted, search of 50,000 labels, 5,000 match", widen, "< 50");
    let m = memory_mib(b).await;
    eprintln!("  memory after the searches: WebAssembly {:.1} MiB", m.0);
    b.throttle_cpu(1.0).await;
    measure(b, TICK, &pager, json!("#q-city-input input[value='c0001']")).await;
    settle(b).await;
    measure(b, TICK, &pager, json!("#q-county-input input[value='k0012']")).await;
    settle(b).await;
    b.throttle_cpu(THROTTLE).await;
    let mut ms = Vec::new();
    for i in 0..runs {
        let township = format!("#q-township-input input[value='t{:04}']", 300 + i % 2);
        ms.push(measure(b, TICK, &pager, json!(township)).await);
        settle(b).await;
        let shown = b
            .js("return document.querySelectorAll('#q-village-input .choice').length;", vec![])
            .await;
        assert_eq!(shown, json!(50), "a township's 50 villages");
    }
    figures.add("(5) tap → painted, a township chosen: its 50 of 50,000 villages", ms, "< 50");
    let end = memory_mib(b).await;
    eprintln!("  memory at the end: WebAssembly {:.1} MiB, JS heap {:.1} MiB", end.0, end.1);
}

/// Counts the page's calls of the DOM methods that build a view, from now on.
const COUNT_DOM_CALLS: &str = r"
  window.__domCalls = {};
  const count = (proto, name) => {
    const call = proto[name];
    proto[name] = function (...args) {
      __domCalls[name] = (__domCalls[name] || 0) + 1;
      return call.apply(this, args);
    };
  };
  for (const name of ['createElement', 'createTextNode', 'createComment']) count(Document.prototype, name);
  for (const name of ['appendChild', 'insertBefore', 'cloneNode']) count(Node.prototype, name);
  for (const name of ['setAttribute', 'removeAttribute']) count(Element.prototype, name);
  count(EventTarget.prototype, 'addEventListener');
  for (const name of ['add', 'remove', 'toggle']) count(DOMTokenList.prototype, name);
  return true;";

/// The calls counted since [`COUNT_DOM_CALLS`], and the elements, text and comment nodes
/// (Leptos's placeholders) of the last row card.
const DOM_CALLS_MADE: &str = r"
  const card = [...document.querySelectorAll('.row-card')].pop();
  const nodes = { elements: 0, texts: 0, comments: 0 };
  const walk = document.createTreeWalker(card, NodeFilter.SHOW_ALL);
  for (let n = walk.currentNode; n; n = walk.nextNode()) {
    if (n.nodeType === 1) nodes.elements++; else if (n.nodeType === 3) nodes.texts++; else if (n.nodeType === 8) nodes.comments++;
  }
  return JSON.stringify({ calls: __domCalls, card: nodes });";

/// (4) the 100th row added, and (0) the floor on its page.
async fn row_100(b: &Browser, home: &str, opts: &Options, figures: &mut Figures) {
    let runs = opts.runs;
    eprintln!("(4) adding the 100th roster row");
    b.throttle_cpu(1.0).await;
    start_response(b, home, "roster100", "#q-people").await;
    let add = element(b, "#q-people .add-row").await;
    let roster = element(b, "#q-people").await;
    for n in 1..100u64 {
        measure(b, CLICK, &add, Value::Null).await;
        if n % 20 == 0 {
            settle(b).await;
            assert_eq!(cards(b).await, n);
        }
    }
    // The user taps the button where it is: at the foot of the roster, on screen.
    b.js("arguments[0].scrollIntoView({block: 'center'});", vec![add.clone()]).await;
    settle(b).await;
    assert_eq!(cards(b).await, 99);
    b.throttle_cpu(THROTTLE).await;
    let mut ms = Vec::new();
    for _ in 0..runs {
        ms.push(measure(b, CLICK, &add, Value::Null).await);
        settle(b).await;
        assert_eq!(cards(b).await, 100);
        // Remove it again (an empty row goes without asking).
        let remove_last =
            "[...el.querySelectorAll('.row-card')].pop().querySelector('header button').click()";
        measure(b, remove_last, &roster, Value::Null).await;
        settle(b).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(cards(b).await, 99);
    }
    if opts.profile {
        profile(b, "(4) the 100th row", CLICK, &add, Value::Null).await;
        settle(b).await;
        // Last, as the counting slows every call after it.
        b.js(COUNT_DOM_CALLS, vec![]).await;
        measure(b, CLICK, &add, Value::Null).await;
        settle(b).await;
        let made = b.js(DOM_CALLS_MADE, vec![]).await;
        eprintln!("DOM calls adding one more row, and the nodes of its card: {made}");
    }
    figures.add("(4) tap → painted, adding the 100th roster row", ms, "< 16");

    // The floor: the least change that paints (one letter of the title), on the same page.
    let title = element(b, ".bar h1").await;
    let mut ms = Vec::new();
    for _ in 0..runs {
        let toggle = "el.textContent = el.textContent.endsWith('.') ? el.textContent.slice(0, -1) : el.textContent + '.'";
        ms.push(measure(b, toggle, &title, Value::Null).await);
        settle(b).await;
    }
    figures.add("(0) the least painted change (a letter of the title), page of (4)", ms, "—");
}

/// (6) a 12-megapixel photo chosen → scaled, hashed, kept and its thumbnail shown.
async fn photo_12mp(b: &Browser, home: &str, opts: &Options, figures: &mut Figures) {
    eprintln!("(6) a 12-megapixel photo");
    b.throttle_cpu(1.0).await;
    start_response(b, home, "visit", "#q-child_name-input").await;
    let dir = temp_dir("tianye-bench-photo");
    let path = dir.path().join("photo-12mp.jpg");
    let bytes = b.twelve_megapixel_jpeg().await;
    eprintln!("  the photo: {} KiB", bytes.len() / 1024);
    std::fs::write(&path, bytes).unwrap();
    let mut times = Vec::new();
    for _ in 0..opts.runs {
        b.js(
            "window.__t0 = null; window.__t1 = null;
             document.addEventListener('change', () => { window.__t0 = performance.now(); }, {capture: true, once: true});
             new MutationObserver((_, o) => {
               const i = document.querySelector('#q-sheet_photo img.thumb');
               if (i) { o.disconnect(); i.addEventListener('load', () => { window.__t1 = performance.now(); }); }
             }).observe(document.getElementById('q-sheet_photo'), {childList: true, subtree: true});",
            vec![],
        )
        .await;
        b.throttle_cpu(THROTTLE).await;
        b.find("#q-sheet_photo-input")
            .await
            .send_keys(path.to_str().unwrap())
            .await
            .expect("chosen");
        let ms = b.wait("the thumbnail", "return window.__t1 && window.__t1 - window.__t0;").await;
        b.throttle_cpu(1.0).await;
        let ms = ms.as_f64().expect("ms");
        times.push(Timing { painted: ms, work: ms });
        b.click("#q-sheet_photo .file button").await;
        b.wait_visible("#q-sheet_photo-input").await;
    }
    figures.add("(6) a 12-MP photo chosen → scaled to 1,600 px, kept, thumbnail shown", times, "—");
}
