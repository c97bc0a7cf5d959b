//! SurveyJS 2.5 in the browser, measured the way `browser_perf` measures Tianye's form
//! app, for `cargo xtask bench --peers` (which installs the packages and converts the
//! questionnaires first: see `bench/peers/`). Headless Chromium at a phone's size
//! (`tianye_tests::browser::PHONE`, chromedriver's mobile emulation), the CPU slowed 4×
//! through CDP, the page served from 127.0.0.1 (`bench/peers/serve.mjs`), times taken in
//! the page with `performance.now()`: from the event, dispatched by a script, to two
//! `requestAnimationFrame` callbacks later.
//!
//! 1. navigation → first question painted, `lbc_household` converted to SurveyJS, cold
//!    (no HTTP cache);
//! 2. keystroke → painted, household size 1 → 5 (the roster, a dynamic panel bound to the
//!    count, on the next page as in the bundled questionnaire, and on the count's page);
//! 3. answer → painted on the generated 1,000-question page where one answer hides 400
//!    questions, and shows them again.
//!
//! `-- --inputs DIR` only writes the generated questionnaires (Tianye's format) that the
//! peer run converts: `synthetic.json` (5,000 questions, as the engine bench) and
//! `switch.json` (1,000 questions, 400 hidden by one answer, as `browser_perf`'s (3)) and
//! `lbc_one_page_roster.json` (as `browser_perf`'s second (2)).
//! `-- --site DIR --forms DIR [--runs N] [--runs-3 N]` measures; each figure is printed
//! on stdout as `figure KEY MEDIAN MIN MAX` (ms), for the task to read.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};
use tianye_tests::browser::{self, Browser};
use tianye_tests::repo;
use tianye_tests::server::temp_dir;

const THROTTLE: f64 = 4.0;

/// Records in `window.__firstQuestion` when the first question has been painted (two
/// animation frames after a SurveyJS question is in the DOM), in ms since navigation.
const FIRST_QUESTION: &str = r"
(() => {
  const obs = new MutationObserver(() => {
    if (!document.querySelector('.sd-question')) return;
    obs.disconnect();
    window.__firstQuestionDom = performance.now();
    requestAnimationFrame(() => requestAnimationFrame(() => { window.__firstQuestion = performance.now(); }));
  });
  obs.observe(document, { subtree: true, childList: true });
})();
";

/// Runs `ACTION` (a statement using `el`, the element `arguments[0]`) and reports the ms
/// until two animation frames later (as `browser_perf`'s `TIMED`).
const TIMED: &str = r"
const [el, done] = [arguments[0], arguments[arguments.length - 1]];
const t0 = performance.now();
ACTION;
requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));
";

/// Typing a value. The page sets SurveyJS to take answers as they are typed
/// (`textUpdateMode: onTyping`, as Tianye's app does), which it does on `change` (and
/// `keyup`); `input` is sent too, as a browser would.
const TYPE_VALUE: &str = "el.value = arguments[1]; el.dispatchEvent(new InputEvent('input', {bubbles: true, inputType: 'insertText', data: arguments[1]})); el.dispatchEvent(new Event('change', {bubbles: true}))";
const CHECK: &str = "el.checked = true; el.dispatchEvent(new Event('change', {bubbles: true})); el.dispatchEvent(new Event('click', {bubbles: true}))";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
    };
    if let Some(dir) = value("--inputs") {
        write_inputs(Path::new(dir));
        return;
    }
    let (Some(site), Some(forms)) = (value("--site"), value("--forms")) else {
        eprintln!(
            "peers_browser: 需要 --site DIR --forms DIR（由 cargo xtask bench --peers 给出）/ needs --site DIR --forms DIR (cargo xtask bench --peers passes them)"
        );
        return;
    };
    let runs = value("--runs").and_then(|n| n.parse().ok()).unwrap_or(7usize).max(1);
    let runs3 = value("--runs-3").and_then(|n| n.parse().ok()).unwrap_or(3usize).max(1);
    let server = StaticServer::start(Path::new(site), Path::new(forms));
    browser::run(bench(&server, runs, runs3));
}

/// The generated questionnaires, and `lbc_household` with its roster on the count's page
/// (as `browser_perf` makes it), in Tianye's format.
fn write_inputs(dir: &Path) {
    std::fs::create_dir_all(dir).expect("create the inputs folder");
    let write = |name: &str, json: String| {
        std::fs::write(dir.join(name), json).unwrap_or_else(|e| panic!("write {name}: {e}"));
    };
    let to_json = |q: &tianye_core::Questionnaire| serde_json::to_string(q).expect("questionnaire");
    write("synthetic.json", to_json(&tianye_core::synthetic::questionnaire(5000)));
    write("switch.json", to_json(&tianye_core::synthetic::switch_questionnaire(1000, 400)));
    write("lbc_one_page_roster.json", roster_on_count_page().to_string());
}

/// `lbc_household` with its roster moved onto the household page, after the count.
fn roster_on_count_page() -> Value {
    let text = std::fs::read_to_string(repo().join("questionnaires/lbc_household/form.json"))
        .expect("lbc_household");
    let mut q: Value = serde_json::from_str(&text).expect("lbc_household is JSON");
    q["id"] = json!("lbc_one_page_roster");
    let items = q["items"].as_array_mut().expect("items");
    let at = items.iter().position(|i| i["name"] == "member").expect("the roster");
    let member = items.remove(at);
    let household = items.iter_mut().find(|i| i["name"] == "g_household").expect("g_household");
    household["items"].as_array_mut().expect("its items").push(member);
    q
}

/// `node bench/peers/serve.mjs`: the site at `/`, the converted questionnaires at
/// `/forms/`. Killed when dropped.
struct StaticServer {
    child: Child,
    port: u16,
}

impl StaticServer {
    fn start(site: &Path, forms: &Path) -> StaticServer {
        let mut child = Command::new("node")
            .arg(site.join("serve.mjs"))
            .arg(site)
            .arg(format!("/forms={}", forms.display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start node serve.mjs (is node installed?)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the server's port");
        let port = line.trim().strip_prefix("port ").and_then(|p| p.parse().ok());
        let Some(port) = port else {
            let _ = child.kill();
            panic!("serve.mjs did not print its port: {line:?}");
        };
        StaticServer { child, port }
    }

    fn at(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn report(key: &str, what: &str, mut ms: Vec<f64>) {
    eprintln!("  {what}: {:?}", ms.iter().map(|m| format!("{m:.0}")).collect::<Vec<_>>());
    ms.sort_by(f64::total_cmp);
    println!("figure {key} {:.1} {:.1} {:.1}", ms[ms.len() / 2], ms[0], ms[ms.len() - 1]);
}

async fn measure(b: &Browser, action: &str, el: &Value, arg: Value) -> f64 {
    let v = b.js_async(&TIMED.replace("ACTION", action), vec![el.clone(), arg]).await;
    v.as_f64().expect("ms")
}

async fn settle(b: &Browser) {
    b.js_async(
        "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 50)));",
        vec![],
    )
    .await;
}

/// The element `css` inside the root of question `name`, as a WebDriver argument.
async fn input_of(b: &Browser, name: &str, css: &str) -> Value {
    let script = format!(
        "const q = window.__survey && window.__survey.getQuestionByName('{name}');
         const root = q && document.getElementById(q.id);
         return root && root.querySelector(\"{css}\");"
    );
    b.wait(&format!("the input of {name}"), &script).await
}

async fn open(b: &Browser, url: &str, first: &str) {
    b.goto(url).await;
    b.wait(
        &format!("question {first} on the page"),
        &format!(
            "const q = window.__survey && window.__survey.getQuestionByName('{first}'); return !!(q && document.getElementById(q.id));"
        ),
    )
    .await;
}

async fn bench(server: &StaticServer, runs: usize, runs3: usize) {
    let profile = temp_dir("tianye-peers-profile");
    let b = Browser::launch(profile.path()).await;
    let lbc = server.at("/surveyjs.html?form=lbc_household");

    eprintln!("SurveyJS (1) navigation → first question, cold");
    b.before_each_document(FIRST_QUESTION).await;
    b.throttle_cpu(THROTTLE).await;
    b.cdp("Network.enable", json!({})).await;
    b.cdp("Network.setCacheDisabled", json!({"cacheDisabled": true})).await;
    let mut ms = Vec::new();
    for _ in 0..runs {
        b.cdp("Network.clearBrowserCache", json!({})).await;
        b.goto("about:blank").await;
        b.goto(&lbc).await;
        let v = b.wait("the first question painted", "return window.__firstQuestion;").await;
        ms.push(v.as_f64().expect("ms"));
    }
    report("surveyjs_first_question", "(1) navigation → first question, cold", ms);
    b.cdp("Network.setCacheDisabled", json!({"cacheDisabled": false})).await;

    for (form, key, what) in [
        (
            "lbc_household",
            "surveyjs_keystroke_roster",
            "(2) keystroke → painted, household size 1 → 5, roster on the next page",
        ),
        (
            "lbc_one_page_roster",
            "surveyjs_keystroke_roster_same_page",
            "(2) keystroke → painted, household size 1 → 5, roster on the same page",
        ),
    ] {
        eprintln!("SurveyJS {what}");
        b.throttle_cpu(1.0).await;
        open(&b, &server.at(&format!("/surveyjs.html?form={form}")), "interview_date").await;
        b.js(
            "window.__survey.setValue('consent', 'yes'); window.__survey.currentPageNo = 1;",
            vec![],
        )
        .await;
        let el = input_of(&b, "hh_size", "input").await;
        b.js("arguments[0].focus();", vec![el.clone()]).await;
        measure(&b, TYPE_VALUE, &el, json!("1")).await;
        settle(&b).await;
        b.throttle_cpu(THROTTLE).await;
        let mut ms = Vec::new();
        for _ in 0..runs {
            ms.push(measure(&b, TYPE_VALUE, &el, json!("5")).await);
            settle(&b).await;
            let panels = b
                .js("return window.__survey.getQuestionByName('member').panelCount;", vec![])
                .await;
            assert_eq!(panels, json!(5), "the roster follows the household size");
            measure(&b, TYPE_VALUE, &el, json!("1")).await;
            settle(&b).await;
        }
        report(key, what, ms);
    }

    eprintln!("SurveyJS (3) 1,000 questions, one answer hides 400");
    b.throttle_cpu(1.0).await;
    open(&b, &server.at("/surveyjs.html?form=switch"), "switch").await;
    let yes = input_of(&b, "switch", "input[value='yes']").await;
    let no = input_of(&b, "switch", "input[value='no']").await;
    b.throttle_cpu(THROTTLE).await;
    let (mut hide, mut show) = (Vec::new(), Vec::new());
    let visible = "return window.__survey.getQuestionByName('q1').isVisible;";
    for _ in 0..runs3 {
        hide.push(measure(&b, CHECK, &yes, Value::Null).await);
        settle(&b).await;
        assert_eq!(b.js(visible, vec![]).await, json!(false), "q1 hidden");
        show.push(measure(&b, CHECK, &no, Value::Null).await);
        settle(&b).await;
        assert_eq!(b.js(visible, vec![]).await, json!(true), "q1 shown again");
    }
    report("surveyjs_hide_400", "(3) answer → painted, 400 of 1,000 hidden", hide);
    report("surveyjs_show_400", "(3) answer → painted, 400 shown again", show);
    b.close().await;
}
