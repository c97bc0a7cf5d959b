//! The form app's speed in headless Chromium with the CPU slowed 4× (CDP
//! `Emulation.setCPUThrottlingRate`, a low-end phone), on the optimised `dist/` build
//! served by `tianye serve` on 127.0.0.1. Times are taken inside the page with
//! `performance.now()`: an event is dispatched from a script and the time runs until two
//! `requestAnimationFrame` callbacks later (the frame with the change has been painted).
//!
//! 1. navigation → first question painted, `lbc_household` (a first visit with no
//!    cache at all, and a repeat visit served by the service worker);
//! 2. keystroke → painted when the household size goes 1 → 5: on `lbc_household` as
//!    it is (the roster is on the next page) and with the roster on the count's page
//!    (four cards of nine questions appear);
//! 3. keystroke → painted on a generated 1,000-question page where one answer hides
//!    400 questions (`tianye_core::synthetic::switch_questionnaire(1000, 400)`), and
//!    shows them again;
//! 4. tap → painted when adding the 100th row to a roster without a count.
//!
//! Run: `cargo bench -p tianye-tests --bench browser_perf` (or `cargo xtask bench`).
//! `-- --runs N` sets the runs per figure (default 7); the median is reported.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use tianye_tests::browser::{self, Browser};
use tianye_tests::repo;
use tianye_tests::server::{Server, team_token, temp_dir};

const THROTTLE: f64 = 4.0;

/// Records, in `window.__firstQuestion`, when the first question of a form page has
/// been painted (two animation frames after it is in the DOM), in ms since navigation.
const FIRST_QUESTION: &str = r"
(() => {
  const seen = () => {
    const q = document.querySelector('.page .q');
    if (!q || !q.getClientRects().length) return false;
    requestAnimationFrame(() => requestAnimationFrame(() => { window.__firstQuestion = performance.now(); }));
    return true;
  };
  const obs = new MutationObserver(() => { if (seen()) obs.disconnect(); });
  obs.observe(document, { subtree: true, childList: true, attributes: true });
})();
";

/// Runs `action` (a statement using `el`, the element `arguments[0]`) and reports the
/// ms until two animation frames later.
const TIMED: &str = r"
const [el, done] = [arguments[0], arguments[arguments.length - 1]];
const t0 = performance.now();
ACTION;
requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));
";

fn timed(action: &str) -> String {
    TIMED.replace("ACTION", action)
}

const TYPE_VALUE: &str = "el.value = arguments[1]; el.dispatchEvent(new InputEvent('input', {bubbles: true, inputType: 'insertText', data: arguments[1]}))";
const CHECK: &str = "el.checked = true; el.dispatchEvent(new Event('change', {bubbles: true}))";
const CLICK: &str = "el.click()";

struct Figures {
    rows: Vec<(String, Vec<f64>, &'static str)>,
}

impl Figures {
    fn add(&mut self, what: &str, mut ms: Vec<f64>, goal: &'static str) {
        ms.sort_by(f64::total_cmp);
        eprintln!("  {what}: {ms:.1?}");
        self.rows.push((what.to_owned(), ms, goal));
    }

    fn print(&self, runs: usize) {
        println!(
            "\nBrowser performance, headless Chromium, CPU throttled {THROTTLE}×, median of {runs} runs (ms)\n"
        );
        println!("| measure | median | min | max | goal |");
        println!("|---|---:|---:|---:|---|");
        for (what, ms, goal) in &self.rows {
            let median = ms[ms.len() / 2];
            println!("| {what} | {median:.0} | {:.0} | {:.0} | {goal} |", ms[0], ms[ms.len() - 1]);
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut runs = 7usize;
    while let Some(a) = args.next() {
        if a == "--runs" {
            runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(runs);
        }
    }
    let figures = browser::run(bench(runs.max(1)));
    figures.print(runs.max(1));
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

async fn measure(b: &Browser, action: &str, el: &Value, arg: Value) -> f64 {
    let v = b.js_async(&timed(action), vec![el.clone(), arg]).await;
    v.as_f64().expect("ms")
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

async fn bench(runs: usize) -> Figures {
    let mut figures = Figures { rows: Vec::new() };
    let dist = browser::dist();
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
    let data = temp_dir("tianye-bench-data");
    let token = team_token(data.path(), "bench");
    let server = Server::start(
        data.path(),
        &["--forms", forms.path().to_str().unwrap(), "--web", dist.to_str().unwrap()],
    );
    let profile = temp_dir("tianye-bench-profile");
    let b = Browser::launch(profile.path()).await;
    b.goto(&server.at(&format!("/#team={token}"))).await;
    b.wait_visible("button.start[data-form='lbc_household']").await;
    b.wait("the service worker", "return !!navigator.serviceWorker.controller;").await;
    let home = server.at("/#/");

    // (1) navigation → first question painted.
    let hash = start_response(&b, &home, "lbc_household", "#q-interview_date").await;
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
            ms.push(v.as_f64().unwrap());
        }
        let what = if cold {
            "(1) navigation → first question, first visit (no cache)"
        } else {
            "(1) navigation → first question, repeat visit (service worker)"
        };
        figures.add(what, ms, "< 500");
    }
    b.cdp("Network.setCacheDisabled", json!({"cacheDisabled": false})).await;
    b.cdp("Network.setBypassServiceWorker", json!({"bypass": false})).await;

    // (2) household size 1 → 5.
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
        start_response(&b, &home, form, "#q-interview_date").await;
        b.click("#q-consent-input input[value='yes']").await;
        b.click(".pager button.primary").await;
        b.wait_visible("#q-hh_size-input").await;
        let el = element(&b, "#q-hh_size-input").await;
        b.js("arguments[0].focus();", vec![el.clone()]).await;
        measure(&b, TYPE_VALUE, &el, json!("1")).await;
        settle(&b).await;
        let same_page = form == "lbc_one_page_roster";
        if same_page {
            assert_eq!(cards(&b).await, 1);
        }
        b.throttle_cpu(THROTTLE).await;
        let mut ms = Vec::new();
        for _ in 0..runs {
            ms.push(measure(&b, TYPE_VALUE, &el, json!("5")).await);
            settle(&b).await;
            if same_page {
                assert_eq!(cards(&b).await, 5, "five cards");
            }
            measure(&b, TYPE_VALUE, &el, json!("1")).await;
            settle(&b).await;
        }
        figures.add(label, ms, "< 50");
    }

    // (3) one answer hides 400 of 1,000 questions.
    eprintln!("(3) 1,000 questions, one answer hides 400");
    b.throttle_cpu(1.0).await;
    start_response(&b, &home, "switch", "#q-q999").await;
    let yes = element(&b, "#q-switch-input input[value='yes']").await;
    let no = element(&b, "#q-switch-input input[value='no']").await;
    b.throttle_cpu(THROTTLE).await;
    let (mut hide, mut show) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        hide.push(measure(&b, CHECK, &yes, Value::Null).await);
        settle(&b).await;
        let hidden = b.js("return document.querySelectorAll('.q.hidden').length;", vec![]).await;
        assert_eq!(hidden, json!(400), "400 questions hidden");
        show.push(measure(&b, CHECK, &no, Value::Null).await);
        settle(&b).await;
    }
    figures.add("(3) answer → painted, 1,000 questions, 400 hidden", hide, "< 100");
    figures.add("(3) answer → painted, 1,000 questions, 400 shown again", show, "< 100");

    // (4) the 100th row.
    eprintln!("(4) adding the 100th roster row");
    b.throttle_cpu(1.0).await;
    start_response(&b, &home, "roster100", "#q-people").await;
    let add = element(&b, "#q-people .add-row").await;
    for n in 1..100u64 {
        measure(&b, CLICK, &add, Value::Null).await;
        if n % 20 == 0 {
            settle(&b).await;
            assert_eq!(cards(&b).await, n);
        }
    }
    settle(&b).await;
    assert_eq!(cards(&b).await, 99);
    b.throttle_cpu(THROTTLE).await;
    let mut ms = Vec::new();
    for _ in 0..runs {
        ms.push(measure(&b, CLICK, &add, Value::Null).await);
        settle(&b).await;
        assert_eq!(cards(&b).await, 100);
        // Remove it again (an empty row goes without asking).
        let remove = element(&b, "#q-people .row-card:last-of-type header button").await;
        measure(&b, CLICK, &remove, Value::Null).await;
        settle(&b).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(cards(&b).await, 99);
    }
    figures.add("(4) tap → painted, adding the 100th roster row", ms, "< 16");
    b.close().await;
    drop(server);
    figures
}
