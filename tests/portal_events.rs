//! The embedding API's events, in headless Chromium: a portal page on a site of its own
//! (Python's static server, another origin) embeds a small questionnaire
//! (`tests/fixtures/portal/portal_visit`) from `tianye serve` (the built `dist/`, a real
//! SQLite file), and listens as a portal would.
//!
//! - P1 the element `<tianye-form>`: each answer changed reaches a listener on the page
//!   as a `tianye-change` event bubbling from the element, whose detail is the response
//!   holding that answer; marking the response complete dispatches `tianye-submit`
//!   exactly once, with the response the server then stores (its `instance_id`);
//! - P2 `mount()` from script: `onChange` is called with each change, and `onSubmit`
//!   exactly once, with the completed response the server then stores;
//! - P3 (in both) what the page is given is the response as documented ("detail: the
//!   response") and no more: it reads as a response whose every object refuses unknown
//!   keys (no upload state, summary or page of the app's record), its answers are the
//!   questionnaire's questions, and the team token is nowhere in it.

use std::time::Duration;

use serde_json::{Value, json};
use tianye_tests::browser::{self, Browser};
use tianye_tests::repo;
use tianye_tests::server::{Server, StaticSite, team_token, temp_dir, tianye};

/// The questionnaire embedded, and its questions.
const FORM: &str = "portal_visit";
const QUESTIONS: &[&str] = &["child_name", "visited", "n_children"];

/// A collection server with the portal's questionnaire, a team token, and the portal's
/// page on a static site of its own.
struct Portal {
    data: tempfile::TempDir,
    server: Server,
    token: String,
    page: StaticSite,
    _page_dir: tempfile::TempDir,
    profile: tempfile::TempDir,
}

impl Portal {
    /// Serves `body` as the portal's `index.html`, with `{app}` replaced by the
    /// collection server's URL and `{token}` by the team's token.
    fn start(body: &str) -> Portal {
        let data = temp_dir("tianye-portal-data");
        let token = team_token(data.path(), "石门一队");
        let forms = repo().join("tests/fixtures/portal");
        let dist = browser::dist();
        let server = Server::start(
            data.path(),
            &["--forms", forms.to_str().expect("utf-8 path"), "--web", dist.to_str().unwrap()],
        );
        let page_dir = temp_dir("tianye-portal-page");
        let page = format!(
            "<!doctype html><meta charset=\"utf-8\"><title>门户 / Portal</title>\n\
             <h1>某县民政门户</h1>\n{}",
            body.replace("{app}", &server.url).replace("{token}", &token)
        );
        std::fs::write(page_dir.path().join("index.html"), page).expect("write the page");
        let site = StaticSite::start(page_dir.path());
        assert_ne!(site.url, server.url, "two origins");
        Portal {
            data,
            server,
            token,
            page: site,
            _page_dir: page_dir,
            profile: temp_dir("tianye-portal-profile"),
        }
    }

    /// The responses the server stored, from `tianye export --format jsonl`.
    fn stored(&self) -> Vec<Value> {
        let data = self.data.path().to_str().expect("utf-8 path");
        let (code, out, err) =
            tianye(&["export", "--data", data, FORM, "--format", "jsonl", "-o", "-"]);
        assert_eq!(code, 0, "tianye export: {out}{err}");
        out.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    /// Waits (up to a minute) until the server has stored one response; returns it.
    fn wait_stored(&self) -> Value {
        let start = std::time::Instant::now();
        loop {
            let stored = self.stored();
            assert!(stored.len() <= 1, "stored more than once: {stored:?}");
            if let Some(one) = stored.into_iter().next() {
                return one;
            }
            assert!(start.elapsed() < browser::WAIT, "nothing stored: {}", self.server.stderr());
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// What the page noted, in order: `window.seen`, each entry `{type, detail}` where
/// `detail` is what the page was given, as `JSON.stringify` wrote it.
async fn seen(b: &Browser) -> Vec<Value> {
    let v = b.js("return window.seen || [];", vec![]).await;
    v.as_array().cloned().unwrap_or_default()
}

/// The details the page was given with `kind` (`change`, `submit`), read back.
async fn details(b: &Browser, kind: &str) -> Vec<Value> {
    seen(b)
        .await
        .iter()
        .filter(|e| e["type"].as_str().is_some_and(|t| t.ends_with(kind)))
        .map(|e| {
            let text = e["detail"].as_str().unwrap_or_else(|| panic!("no detail in {e}"));
            serde_json::from_str(text).unwrap_or_else(|err| panic!("{err}: {text}"))
        })
        .collect()
}

/// Waits until the page has been given a change whose answer `question` is `value`.
async fn wait_change(b: &Browser, question: &str, value: &Value) {
    let body = format!(
        "return (window.seen || []).some((e) => e.type.endsWith('change')
           && JSON.parse(e.detail).answers[{q}] === {v});",
        q = browser::js_str(question),
        v = value
    );
    b.wait(&format!("a change with {question} = {value}"), &body).await;
}

/// P3: `detail`, given to the page, is a response of the portal's questionnaire and no
/// more. Returns its `instance_id`.
fn documented_response(detail: &Value, token: &str) -> String {
    // Unknown keys are refused at every level of a response (top, questionnaire, meta).
    let response = tianye_core::Response::from_value(detail.clone())
        .unwrap_or_else(|e| panic!("not a response as documented: {e}\n{detail}"));
    assert_eq!(response.questionnaire.id, FORM, "{detail}");
    let answers = detail["answers"].as_object().unwrap_or_else(|| panic!("answers: {detail}"));
    for name in answers.keys() {
        assert!(QUESTIONS.contains(&name.as_str()), "{name} is no question: {detail}");
    }
    assert!(!detail.to_string().contains(token), "the team token given to the page: {detail}");
    response.instance_id
}

/// Opens the embedded questionnaire in `scope`, answers it (each change waited for as
/// the page sees it), reviews it and marks it complete.
async fn fill_and_complete(b: &Browser, scope: &str, id_prefix: &str) {
    b.click(&format!("{scope} button.start[data-form='{FORM}']")).await;
    b.type_into(&format!("#{id_prefix}q-child_name-input"), "刘小军").await;
    b.blur().await;
    wait_change(b, "child_name", &json!("刘小军")).await;
    b.click(&format!("#{id_prefix}q-visited-input input[value='yes']")).await;
    wait_change(b, "visited", &json!("yes")).await;
    assert!(details(b, "submit").await.is_empty(), "submitted before it was complete");
    // The one page's "next" is "review"; there, "complete".
    b.click(&format!("{scope} .pager button.primary")).await;
    b.wait_text(&format!("{scope} .review-problems"), "没有问题").await;
    b.click(&format!("{scope} .review-screen .pager button.primary")).await;
    b.wait_visible(&format!("{scope} .review-screen .done")).await;
}

/// After the upload: the server stored the response once, the page was told of the
/// submit once, with that response, and nothing more came for a while.
async fn submitted_once(b: &Browser, portal: &Portal) {
    let stored = portal.wait_stored();
    let stored_id = stored["instance_id"].as_str().unwrap_or_else(|| panic!("{stored}"));
    // Time for a second, wrong, notice (an acknowledgement, a re-render) to come.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let submits = details(b, "submit").await;
    assert_eq!(submits.len(), 1, "told of the submit {} times: {submits:?}", submits.len());
    let submit = &submits[0];
    assert_eq!(documented_response(submit, &portal.token), stored_id, "{submit}");
    assert_eq!(submit["status"], json!("complete"), "{submit}");
    assert!(submit["meta"]["submitted_at"].is_string(), "{submit}");
    assert_eq!(submit["answers"], json!({"child_name": "刘小军", "visited": "yes"}), "{submit}");
    // Every change was the same response, as a draft.
    let changes = details(b, "change").await;
    assert!(changes.len() >= 2, "{changes:?}");
    for change in &changes {
        assert_eq!(documented_response(change, &portal.token), stored_id, "{change}");
        assert_eq!(change["status"], json!("draft"), "{change}");
    }
    assert_eq!(portal.stored().len(), 1, "stored once");
}

#[test]
fn the_element_tells_its_page_of_each_change_and_of_the_submit_once() {
    browser::run(async {
        let portal = Portal::start(
            r#"<script>
  window.seen = [];
  const note = (e) => window.seen.push({
    type: e.type, target: e.target.id, bubbles: e.bubbles, detail: JSON.stringify(e.detail),
  });
  document.addEventListener('tianye-change', note);
  document.addEventListener('tianye-submit', note);
</script>
<script type="module" src="{app}/tianye-embed.js"></script>
<tianye-form id="visit" src="{app}/api/v1/questionnaires/portal_visit"
  endpoint="{app}" token="{token}" lang="zh" storage-prefix="portal.el."></tianye-form>"#,
        );
        let b = Browser::launch(portal.profile.path()).await;
        b.goto(&format!("{}/", portal.page.url)).await;
        fill_and_complete(&b, "#visit", "portal-el-").await;
        submitted_once(&b, &portal).await;
        // Both events come from the element and bubble to the page.
        for event in seen(&b).await {
            assert_eq!((&event["target"], &event["bubbles"]), (&json!("visit"), &json!(true)));
        }
        b.close().await;
    });
}

#[test]
fn mount_calls_on_change_with_each_change_and_on_submit_once() {
    browser::run(async {
        let portal = Portal::start(
            r#"<div id="scripted"></div>
<script type="module">
  import { mount } from '{app}/tianye-embed.js';
  window.seen = [];
  const note = (type) => (r) => window.seen.push({ type, detail: JSON.stringify(r) });
  const q = await (await fetch('{app}/api/v1/questionnaires/portal_visit')).json();
  window.mounted = await mount(document.getElementById('scripted'), {
    questionnaire: q, endpoint: '{app}', token: '{token}', storagePrefix: 'portal.js.',
    language: 'zh', onChange: note('change'), onSubmit: note('submit'),
  });
</script>"#,
        );
        let b = Browser::launch(portal.profile.path()).await;
        b.goto(&format!("{}/", portal.page.url)).await;
        fill_and_complete(&b, "#scripted", "portal-js-").await;
        submitted_once(&b, &portal).await;
        b.close().await;
    });
}
