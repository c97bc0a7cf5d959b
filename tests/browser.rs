//! The form app end to end: the optimised `dist/` build served by `tianye serve` on
//! 127.0.0.1 (real SQLite file), driven through WebDriver in headless Chromium with a
//! phone-sized window.
//!
//! - E1 a new user opens the team link (the app comes compressed), gives their name
//!   (recorded with the device's id in the response), fills
//!   `lbc_household` with a three-member roster by typing and tapping, reloads mid-way and finds every answer, loses the
//!   network and keeps working, completes it offline (queued, nothing sent), gets the
//!   network back and finds it uploaded exactly once and shown as uploaded, and finds
//!   it in the list by its village, a member or its code (typed through an input
//!   method, the search waits for the chosen word), then clears uploaded copies
//!   from the phone (the server keeps them);
//! - E2 a response completed while the server is stopped is queued with the failure
//!   shown, and once the server is back it is uploaded exactly once (and its copy may
//!   then be deleted from the phone); an upload to a
//!   server that takes the connection and never answers is given up after the time
//!   allowed and queued again;
//! - E3 a response cut off mid-upload (the page closed while the request was out) is
//!   sent again after a reload, and stored once;
//! - E4 a response the server rejects (a rule tightened on the server after the phone
//!   cached the questionnaire) is shown as rejected, with the server's problems;
//! - E5 Chinese typed through an input method (composition events) is stored whole,
//!   never as partial pinyin;
//! - E6 storage filled to quota shows the warning and keeps earlier responses intact;
//!   its "save all as file" downloads a backup that `tianye import-responses` reads,
//!   and its "copy as text" copies the same backup (shown to copy by hand where the
//!   browser will not copy);
//! - E7 the app opens, lists and starts questionnaires offline after the first visit,
//!   and its list said it was ready to before the network went;
//!   a new build is picked up (its service worker caches the new files, not those
//!   the browser's HTTP cache kept) and nothing stored is lost;
//! - E8 a portal on another site (origin) embeds a form with one script tag; a portal
//!   embeds two forms with one script tag (`<tianye-form>`, the example page) and a
//!   third from script (`mount()` with the questionnaire object); each keeps
//!   its answers under its own storage prefix, and a broken questionnaire is refused
//!   with the checker's message;
//! - E9 on a 360 px phone, every page of every bundled questionnaire and of one with
//!   every kind of question (in Chinese, and the household in English), its review and
//!   the list: nothing scrolls sideways, every control has a label, is reached by the
//!   keyboard and is a target of at least 44 × 44 px; "next" on the last page is
//!   "review";
//! - E10 the coordinator publishes a new version: the phone keeps it as soon as it sees
//!   it listed, and offline offers it alone (not the bundled older copy beside it); a
//!   draft on the older version opens on that version, says so, and uploads against it;
//! - E11 the app open in two tabs of one phone (the team link opened twice): what one
//!   tab stores, the other shows before it writes, so neither tab's answers overwrite
//!   the other's; each tab's list shows the responses the other starts or deletes;
//! - E12 a household being sent from one tab is left to it by a second tab opened
//!   meanwhile; the first tab closed with its request out, the second finishes the
//!   send, and the server stores it once;
//! - E13 a browser that cannot run the app (a module it cannot compile, glue it cannot
//!   parse) says so in both languages, with what to do, instead of a blank page; glue
//!   rewritten under its old date reaches the browser (the server's content `ETag`);
//! - E14 the app in two windows side by side: a change typed in one is taken into the
//!   other, whose focused box keeps the focus and the caret, and typing there goes on;
//! - E15 the app reached over plain http at a LAN address (no secure context, so no
//!   service worker) says, in both languages, that it cannot open offline, and asks
//!   for an https link; on this machine it says nothing and has its service worker;
//! - E16 a signal that connects and then carries nothing (the server's list of
//!   questionnaires never answers): the list the server last gave is offered within
//!   seconds, not after the request's one-minute limit, and a household can be started;
//! - E17 a questionnaire not yet on the phone, tapped on a signal that carries nothing:
//!   its button says it is being downloaded, more taps start nothing, a tap on another
//!   questionnaire is the one that opens when they come, and only it is started; one
//!   that comes after the volunteer went on to a response is kept, not opened;
//! - E18 the team's token revoked before a household is uploaded: the upload is refused
//!   once and nothing more is sent with that token (nor after a reload, nor with the
//!   admin token's link more than once); the household stays queued, and the list and
//!   the review say in both languages that the link no longer works and to ask for a
//!   new one; the new link opened in the same page uploads it at once, stored once;
//! - E19 the admin page and the app under the server's security policies: the admin
//!   page signs in with its token and shows the counts from its own script file, the
//!   app opens from a team link, and the browser reports no policy violation on either;
//! - E20 numbers typed in full-width digits (as Chinese input methods type them), in
//!   the Chinese and the English form: read as the plain numbers, with no problem shown.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use tianye_tests::browser::{self, Browser, PHONE, js_str};
use tianye_tests::repo;
use tianye_tests::server::{Server, StaticSite, team_token, temp_dir, tianye};

/// A collection server with the bundled questionnaires and the built app, a team token,
/// and a browser profile directory that outlives browser restarts.
pub(crate) struct Site {
    data: tempfile::TempDir,
    forms: std::path::PathBuf,
    /// The built app served (`dist/`, or a copy a test changes).
    web: std::path::PathBuf,
    profile: tempfile::TempDir,
    server: Option<Server>,
    /// `127.0.0.1:PORT`, kept across server restarts (the page's origin).
    addr: String,
    token: String,
}

impl Site {
    /// The bundled questionnaires.
    pub(crate) fn start() -> Site {
        Site::start_with(&repo().join("questionnaires"))
    }

    /// The questionnaires under `forms`.
    fn start_with(forms: &Path) -> Site {
        Site::start_serving(forms, &browser::dist())
    }

    /// The questionnaires under `forms` and the app in `web`.
    fn start_serving(forms: &Path, web: &Path) -> Site {
        let data = temp_dir("tianye-e2e-data");
        let token = team_token(data.path(), "石门一队");
        let args = Site::args(forms, web);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let server = Server::start(data.path(), &args);
        let addr = server.addr().to_owned();
        Site {
            data,
            forms: forms.to_owned(),
            web: web.to_owned(),
            profile: temp_dir("tianye-e2e-profile"),
            server: Some(server),
            addr,
            token,
        }
    }

    fn args(forms: &Path, web: &Path) -> Vec<String> {
        vec![
            "--forms".to_owned(),
            forms.to_string_lossy().into_owned(),
            "--web".to_owned(),
            web.to_string_lossy().into_owned(),
        ]
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn team_link(&self) -> String {
        self.url(&format!("/#team={}", self.token))
    }

    /// Stops the server (SIGKILL: the phone just stops reaching it).
    pub(crate) fn stop_server(&mut self) {
        self.server.take();
    }

    /// Starts the server again on the same address and data.
    pub(crate) fn start_server(&mut self) {
        let args = Site::args(&self.forms, &self.web);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.server = Some(Server::start_on(self.data.path(), &self.addr, &args));
    }

    /// The stored responses of `lbc_household`, from `tianye export --format jsonl`.
    pub(crate) fn stored(&self) -> Vec<Value> {
        let data = self.data.path().to_str().expect("utf-8 path");
        let (code, out, err) =
            tianye(&["export", "--data", data, "lbc_household", "--format", "jsonl", "-o", "-"]);
        assert_eq!(code, 0, "tianye export failed: {out}{err}");
        out.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .collect()
    }

    pub(crate) async fn browser(&self) -> Browser {
        let b = Browser::launch(self.profile.path()).await;
        b.before_each_document(UPLOAD_LOG).await;
        b
    }
}

/// Logs the status of every upload the page makes (0: no answer) in sessionStorage,
/// to count uploads from the phone's side.
const UPLOAD_LOG: &str = r"
(() => {
  const real = window.fetch.bind(window);
  const log = (s) => {
    const list = JSON.parse(sessionStorage.getItem('e2e.uploads') || '[]');
    list.push(s);
    sessionStorage.setItem('e2e.uploads', JSON.stringify(list));
  };
  window.fetch = async (input, init) => {
    const req = input instanceof Request ? input : new Request(input, init);
    const upload = req.method === 'POST' && new URL(req.url).pathname === '/api/v1/submissions';
    if (upload && sessionStorage.getItem('e2e.hang')) {
      log('hang');
      return new Promise(() => {});
    }
    try {
      const res = await real(input, init);
      if (upload) log(res.status);
      return res;
    } catch (e) {
      if (upload) log(0);
      throw e;
    }
  };
})();
";

pub(crate) async fn uploads_seen(b: &Browser) -> Vec<Value> {
    let v = b.js("return JSON.parse(sessionStorage.getItem('e2e.uploads') || '[]');", vec![]).await;
    v.as_array().cloned().unwrap_or_default()
}

/// The statuses of the uploads the server answered (those cut off by the network left
/// out).
pub(crate) async fn answered_uploads(b: &Browser) -> Vec<Value> {
    uploads_seen(b).await.into_iter().filter(|s| s != &json!(0)).collect()
}

// ---- the app, as a user sees it -------------------------------------------------------

/// Opens the team link and waits for the list with `lbc_household` offered.
async fn open_team_link(b: &Browser, site: &Site) {
    b.goto(&site.team_link()).await;
    b.wait_text(".notice", "已保存队伍上传口令").await;
    b.wait_visible("button.start[data-form='lbc_household']").await;
    // On a phone's screen, which nothing on the page is wider than.
    let screen = b
        .js("return [innerWidth, innerHeight, document.documentElement.scrollWidth];", vec![])
        .await;
    assert_eq!(screen, json!([PHONE.0, PHONE.1, PHONE.0]), "the page's size");
}

/// A phone that opened the team link and started a household; its response id.
pub(crate) async fn household_on_team_link(site: &Site) -> (Browser, String) {
    let b = site.browser().await;
    open_team_link(&b, site).await;
    let id = new_household(&b).await;
    (b, id)
}

/// Starts a new household from the list; returns its response id.
async fn new_household(b: &Browser) -> String {
    b.click("button.start[data-form='lbc_household']").await;
    b.wait_visible("#q-interview_date-input").await;
    let hash = b.js("return location.hash;", vec![]).await;
    let hash = hash.as_str().unwrap_or_default();
    let id = hash.strip_prefix("#/r/lbc_household/").unwrap_or_else(|| panic!("route {hash}"));
    id.to_owned()
}

async fn type_text(b: &Browser, name: &str, text: &str) {
    b.type_into(&format!("#q-{name}-input"), text).await;
    b.blur().await;
}

async fn choose(b: &Browser, name: &str, value: &str) {
    b.click(&format!("#q-{name}-input input[value='{value}']")).await;
}

async fn select(b: &Browser, name: &str, value: &str) {
    b.select(&format!("#q-{name}-input"), value).await;
}

/// A date, set as the browser's date picker sets it (WebDriver typing into a date
/// field depends on the browser's locale).
async fn pick_date(b: &Browser, name: &str, iso: &str) {
    let el = b.find(&format!("#q-{name}-input")).await;
    b.js(
        "const e = arguments[0]; e.focus(); e.value = arguments[1];
         e.dispatchEvent(new Event('input', {bubbles: true}));
         e.dispatchEvent(new Event('change', {bubbles: true})); e.blur();",
        vec![serde_json::to_value(&el).unwrap(), json!(iso)],
    )
    .await;
}

async fn matrix(b: &Browser, row: &str, value: &str) {
    b.click(&format!("#q-{row}-input input[value='{value}']")).await;
}

/// Goes to the next page; waits for `first` (an item of that page) to show.
async fn next_page(b: &Browser, first: &str) {
    b.click(".pager button.primary").await;
    b.wait_visible(&format!("#q-{first}")).await;
}

/// Goes back a page; waits for `first` (an item of that page) to show.
async fn previous_page(b: &Browser, first: &str) {
    b.click(".pager button:first-child").await;
    b.wait_visible(&format!("#q-{first}")).await;
}

/// The stored record of response `id` (what localStorage holds).
pub(crate) async fn stored_record(b: &Browser, id: &str) -> Value {
    stored_record_of(b, "lbc_household", id).await
}

/// The stored record of response `id` of questionnaire `form`.
async fn stored_record_of(b: &Browser, form: &str, id: &str) -> Value {
    let key = format!("tianye.v1.r.{form}.{id}");
    let v = b.js("return localStorage.getItem(arguments[0]);", vec![json!(key)]).await;
    let text = v.as_str().unwrap_or_else(|| panic!("no record {key} in localStorage"));
    serde_json::from_str(text).expect("record JSON")
}

/// A stored record's upload state (`queued`, `uploaded`, …) and its details.
pub(crate) fn upload_state(record: &Value) -> (String, Value) {
    match &record["upload"] {
        Value::String(s) => (s.clone(), Value::Null),
        Value::Object(map) if map.len() == 1 => {
            let (k, v) = map.iter().next().expect("one entry");
            (k.clone(), v.clone())
        }
        other => panic!("unexpected upload state {other}"),
    }
}

/// The values the form shows: text boxes' values, checked radios and boxes, selects.
async fn shown_value(b: &Browser, name: &str) -> Value {
    b.js(
        "const box = document.getElementById(arguments[0]);
         if (!box) return null;
         if (box.tagName === 'INPUT' || box.tagName === 'SELECT' || box.tagName === 'TEXTAREA') return box.value;
         const on = [...box.querySelectorAll('input:checked')].map(i => i.value);
         return box.getAttribute('role') === 'radiogroup' ? (on[0] ?? null) : on;",
        vec![json!(format!("q-{name}-input"))],
    )
    .await
}

async fn expect_shown(b: &Browser, expected: &[(&str, Value)]) {
    for (name, want) in expected {
        let got = shown_value(b, name).await;
        assert_eq!(&got, want, "the form shows {got} for {name}, expected {want}");
    }
}

/// A member of the household as the enumerator enters them.
struct Member {
    name: &'static str,
    rel: &'static str,
    sex: &'static str,
    dob: &'static str,
    /// Working away (asked from 16 years on).
    away: Option<&'static str>,
    /// Where, when away (also fills a remittance of 24,000).
    place: &'static str,
    edu: &'static str,
}

/// The three-member household: a grandmother, her son working in Guangdong, and his
/// daughter.
const MEMBERS: [Member; 3] = [
    Member {
        name: "王秀英",
        rel: "head",
        sex: "female",
        dob: "1960-11-02",
        away: Some("no"),
        place: "",
        edu: "none",
    },
    Member {
        name: "刘建军",
        rel: "child",
        sex: "male",
        dob: "1986-05-20",
        away: Some("yes"),
        place: "guangdong",
        edu: "junior",
    },
    Member {
        name: "刘思雨",
        rel: "grandchild",
        sex: "female",
        dob: "2015-04-03",
        away: None,
        place: "",
        edu: "primary",
    },
];

async fn fill_interview_page(b: &Browser) {
    // The name given on the home screen fills the question (its default is
    // `${username}`): typed only when the volunteer gave none there.
    if shown_value(b, "enumerator_name").await == json!("") {
        type_text(b, "enumerator_name", "周晓雯").await;
    }
    choose(b, "county", "longhui").await;
    choose(b, "township", "xiaoshajiang").await;
    choose(b, "village", "wangxi").await;
    type_text(b, "hh_code", "XS03-012").await;
    choose(b, "consent", "yes").await;
}

async fn fill_household_page(b: &Browser) {
    choose(b, "respondent", "grandparent").await;
    type_text(b, "hh_size", "3").await;
    type_text(b, "n_away", "1").await;
    b.click("#q-away_provinces-input input[value='guangdong']").await;
    type_text(b, "hh_income", "36000").await;
}

async fn fill_roster_page(b: &Browser) {
    // The count answer on the page before made three cards.
    let cards =
        b.js("return document.querySelectorAll('#q-member .row-card').length;", vec![]).await;
    assert_eq!(cards, json!(3), "hh_size 3 must give three roster cards");
    for (i, Member { name, rel, sex, dob, away, place, edu }) in MEMBERS.iter().enumerate() {
        type_text(b, &format!("m_name-{i}"), name).await;
        // The card is titled by the member's name.
        b.wait_text(&format!("#q-member .row-card:nth-of-type({}) h3", i + 1), name).await;
        choose(b, &format!("m_rel-{i}"), rel).await;
        choose(b, &format!("m_sex-{i}"), sex).await;
        pick_date(b, &format!("m_dob-{i}"), dob).await;
        match away {
            Some(a) => choose(b, &format!("m_away-{i}"), a).await,
            // Under 16: the question is not asked.
            None => b.wait_hidden(&format!("#q-m_away-{i}")).await,
        }
        if !place.is_empty() {
            select(b, &format!("m_away_place-{i}"), place).await;
            type_text(b, &format!("m_remit-{i}"), "24000").await;
        }
        choose(b, &format!("m_edu-{i}"), edu).await;
    }
}

/// Every answer of the first three pages as the form must show it again.
async fn expect_first_pages(b: &Browser) {
    expect_shown(
        b,
        &[
            ("enumerator_name", json!("周晓雯")),
            ("county", json!("longhui")),
            ("township", json!("xiaoshajiang")),
            ("village", json!("wangxi")),
            ("hh_code", json!("XS03-012")),
            ("consent", json!("yes")),
        ],
    )
    .await;
    next_page(b, "respondent").await;
    expect_shown(
        b,
        &[
            ("respondent", json!("grandparent")),
            ("hh_size", json!("3")),
            ("n_away", json!("1")),
            ("away_provinces", json!(["guangdong"])),
            ("hh_income", json!("36000")),
        ],
    )
    .await;
    next_page(b, "member").await;
    for (i, Member { name, rel, sex, dob, away, place, edu }) in MEMBERS.iter().enumerate() {
        let mut want = vec![
            (format!("m_name-{i}"), json!(name)),
            (format!("m_rel-{i}"), json!(rel)),
            (format!("m_sex-{i}"), json!(sex)),
            (format!("m_dob-{i}"), json!(dob)),
            (format!("m_edu-{i}"), json!(edu)),
        ];
        if let Some(a) = away {
            want.push((format!("m_away-{i}"), json!(a)));
        }
        if !place.is_empty() {
            want.push((format!("m_away_place-{i}"), json!(place)));
            want.push((format!("m_remit-{i}"), json!("24000")));
        }
        let want: Vec<(&str, Value)> = want.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        expect_shown(b, &want).await;
    }
}

async fn fill_remaining_pages(b: &Browser) {
    next_page(b, "roster_note").await;
    next_page(b, "child_name").await;
    type_text(b, "child_name", "刘思雨").await;
    choose(b, "child_sex", "female").await;
    pick_date(b, "child_dob", "2015-04-03").await;
    choose(b, "child_grade", "g5").await;
    choose(b, "child_boarding", "no").await;
    choose(b, "father_away", "yes").await;
    select(b, "father_away_place", "guangdong").await;
    pick_date(b, "father_away_since", "2016-02-20").await;
    choose(b, "mother_away", "no").await;
    choose(b, "other_parent_guard", "able").await;
    next_page(b, "guardian").await;
    // The father is away, so he is not offered as the guardian.
    b.wait_hidden("#q-guardian-input input[value='father']").await;
    choose(b, "guardian", "grandparent").await;
    type_text(b, "guardian_age", "65").await;
    choose(b, "talk_father", "weekly").await;
    choose(b, "parent_return", "yearly").await;
    next_page(b, "fam_edu").await;
    for row in ["fe_homework", "fe_talk_school", "fe_praise", "fe_safety", "fe_screen", "fe_punish"]
    {
        matrix(b, row, "often").await;
    }
    next_page(b, "wellbeing").await;
    for row in ["wb_lonely", "wb_miss", "wb_happy", "wb_friends", "wb_worry", "wb_confide"] {
        matrix(b, row, "n").await;
    }
    next_page(b, "help_needed").await;
    b.click("#q-help_needed-input input[value='tutoring']").await;
    type_text(b, "contact_phone", "13975923418").await;
    type_text(b, "remarks", "奶奶不识字，作业主要靠孩子自己完成。").await;
}

/// From the last page: review, check there is no problem, mark complete.
async fn review_and_complete(b: &Browser) {
    b.click(".pager button.primary").await;
    b.wait_visible(".review-screen").await;
    mark_complete(b).await;
}

/// Opens the review page of the response shown (as its link would).
pub(crate) async fn open_review(b: &Browser) {
    b.js("location.hash = location.hash + '/review';", vec![]).await;
    b.wait_visible(".review-screen").await;
}

/// On the review page: check there is no problem, mark complete.
pub(crate) async fn mark_complete(b: &Browser) {
    b.wait_text(".review-problems", "没有问题").await;
    b.click(".review-screen .pager button.primary").await;
    b.wait_visible(".review-screen .done").await;
}

/// Opens the app's list in a new tab of the same browser (the team link opened again)
/// and switches to it; its handle.
async fn open_second_tab(b: &Browser, site: &Site) -> fantoccini::wd::WindowHandle {
    open_beside(b, site, true).await
}

/// Opens the app's list in a new tab (`tab`) or window, switched to.
async fn open_beside(b: &Browser, site: &Site, tab: bool) -> fantoccini::wd::WindowHandle {
    let second = b.client.new_window(tab).await.expect("a new tab or window").handle;
    b.client.switch_to_window(second.clone()).await.expect("to it");
    b.goto(&site.url("/#/")).await;
    second
}

/// Marks the response shown complete while this tab's uploads get no answer (the
/// request goes out and hangs, as on a stalled connection), and waits for it to go out.
async fn complete_with_the_upload_hanging(b: &Browser) {
    b.js("sessionStorage.setItem('e2e.hang', '1');", vec![]).await;
    open_review(b).await;
    b.click(".review-screen .pager button.primary").await;
    b.wait(
        "the upload to be out",
        "return JSON.parse(sessionStorage.getItem('e2e.uploads') || '[]').includes('hang');",
    )
    .await;
}

/// The list's group holding response `id` (`draft`, `complete`, `uploaded`, …).
async fn group_of(b: &Browser, id: &str) -> Value {
    b.js(
        "const li = document.querySelector(`li.record[data-id='${arguments[0]}']`);
         if (!li) return null;
         const h = li.closest('ul.records').previousElementSibling;
         return h ? h.className.replace('group-', '') : null;",
        vec![json!(id)],
    )
    .await
}

pub(crate) async fn wait_group(b: &Browser, id: &str, group: &str) {
    let body = format!(
        "const li = document.querySelector({});
         const h = li && li.closest('ul.records').previousElementSibling;
         return h && h.className === {};",
        js_str(&format!("li.record[data-id='{id}']")),
        js_str(&format!("group-{group}"))
    );
    b.wait(&format!("response {id} listed as {group}"), &body).await;
}

async fn go_home(b: &Browser) {
    b.click(".bar button.link").await;
    b.wait_visible(".home").await;
}

/// Opens draft `id` from the home screen, on its first page.
async fn open_draft(b: &Browser, id: &str) {
    b.click(&format!("li.record[data-id='{id}'] button.open")).await;
    b.wait_visible("#q-enumerator_name-input").await;
}

/// Replaces the answers of stored response `id` (setting up a household without
/// typing it all again; filling by hand is E1), then reloads.
async fn seed_answers(b: &Browser, id: &str, answers: &Value) {
    seed_answers_of(b, "lbc_household", id, answers).await;
    b.wait_visible("#q-interview_date-input").await;
}

/// Replaces the answers of stored response `id` of questionnaire `form`, then reloads
/// and waits for the form's page.
async fn seed_answers_of(b: &Browser, form: &str, id: &str, answers: &Value) {
    let key = format!("tianye.v1.r.{form}.{id}");
    let mut record = stored_record_of(b, form, id).await;
    record["response"]["answers"] = answers.clone();
    b.js(
        "localStorage.setItem(arguments[0], arguments[1]);",
        vec![json!(key), json!(record.to_string())],
    )
    .await;
    b.reload().await;
    b.wait_visible(".form-screen .page").await;
}

/// A complete, valid household: the answers of the bundled case 01, with today's (the
/// phone's) interview date.
fn valid_answers(today: &str) -> Value {
    let path = repo().join("questionnaires/lbc_household/cases/01-valid-both-parents-away.json");
    let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut answers = case["response"]["answers"].clone();
    answers["interview_date"] = json!(today);
    answers
}

/// Gives response `id` the answers of a complete, valid household dated today.
pub(crate) async fn seed_valid_household(b: &Browser, id: &str) {
    let today = phone_today(b).await;
    seed_answers(b, id, &valid_answers(&today)).await;
}

async fn phone_today(b: &Browser) -> String {
    // Its id ends so in the app and in an embedded form (whose ids have a prefix).
    b.js("return document.querySelector(\"[id$='q-interview_date-input']\").value;", vec![])
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

// ---- the scenarios --------------------------------------------------------------------

/// The rules at the top level of the style sheet `css` (an `@media` block is one), as
/// written: each `{` opened outside any block, comments left out.
fn top_level_rules(css: &str) -> usize {
    let (mut depth, mut rules, mut rest) = (0usize, 0, css);
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r);
            continue;
        }
        match c {
            '{' => {
                rules += usize::from(depth == 0);
                depth += 1;
            }
            '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        rest = &rest[c.len_utf8()..];
    }
    rules
}

#[test]
fn new_user_fills_a_household_reloads_loses_the_network_and_it_uploads_once() {
    browser::run(async {
        let site = Site::start();
        let b = site.browser().await;
        open_team_link(&b, &site).await;
        // The volunteer gives their name once; each new response records it.
        b.type_into(".home input.enumerator", "周晓雯").await;
        b.blur().await;
        let id = new_household(&b).await;
        // The app came over the network compressed: the server sends the brotli copies
        // that `cargo xtask dist` writes.
        let wasm = b
            .js(
                "const e = performance.getEntriesByType('resource')
                   .find((e) => e.name.endsWith('/tianye_bg.wasm'));
                 return e ? [e.encodedBodySize, e.decodedBodySize] : null;",
                vec![],
            )
            .await;
        let (sent, size) = (wasm[0].as_f64().unwrap_or(0.0), wasm[1].as_f64().unwrap_or(0.0));
        assert!(sent > 0.0 && sent * 2.5 < size, "the wasm came as {sent} bytes for {size}");
        // Every rule of the style sheet reached the page: a stray brace or a typo in a
        // selector makes the browser drop a rule without a word.
        let css = std::fs::read_to_string(repo().join("dist/style.css")).unwrap();
        let parsed = b
            .js(
                "const s = [...document.styleSheets].find((s) => (s.href || '').endsWith('/style.css'));
                 return s ? s.cssRules.length : -1;",
                vec![],
            )
            .await;
        assert_eq!(parsed, json!(top_level_rules(&css)), "rules of style.css the browser kept");
        // Today's date is filled in for the interview.
        assert!(!phone_today(&b).await.is_empty(), "interview_date has no default");

        fill_interview_page(&b).await;
        next_page(&b, "respondent").await;
        fill_household_page(&b).await;
        next_page(&b, "member").await;
        fill_roster_page(&b).await;

        // Mid-way, the page is reloaded: the form reopens on the page the enumerator
        // was on, and every answer is still there.
        b.reload().await;
        b.wait_visible("#q-member").await;
        previous_page(&b, "respondent").await;
        previous_page(&b, "enumerator_name").await;
        expect_first_pages(&b).await;
        let saved = stored_record(&b, &id).await;
        let answers = &saved["response"]["answers"];
        assert_eq!(answers["hh_size"], json!(3));
        assert_eq!(answers["member"].as_array().map(Vec::len), Some(3), "{answers}");
        assert_eq!(answers["member"][1]["m_name"], json!("刘建军"));
        assert_eq!(answers["member"][1]["m_remit"], json!(24000));
        assert_eq!(answers["away_provinces"], json!(["guangdong"]));

        // The network goes; the enumerator keeps working.
        b.set_offline(true).await;
        b.wait("the app to notice it is offline", "return navigator.onLine === false;").await;
        fill_remaining_pages(&b).await;
        review_and_complete(&b).await;
        b.click(".review-screen .done button.primary").await;
        b.wait_visible(".home").await;
        b.wait_visible(".home .offline").await;
        wait_group(&b, &id, "complete").await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(group_of(&b, &id).await, json!("complete"), "queued while offline");
        assert!(site.stored().is_empty(), "nothing can reach the server while offline");
        let record = stored_record(&b, &id).await;
        assert_eq!(record["response"]["status"], json!("complete"));
        assert_eq!(upload_state(&record).0, "queued", "{record}");
        // Waiting for the network does not keep waking the phone: no timers while
        // offline (the browser's `online` event starts the upload).
        let timers = b
            .js_async(
                "const done = arguments[arguments.length - 1];
                 const real = window.setTimeout; let n = 0;
                 window.setTimeout = function (...a) { n++; return real.apply(this, a); };
                 real(() => { window.setTimeout = real; done(n); }, 3000);",
                vec![],
            )
            .await;
        assert!(timers.as_u64() < Some(3), "{timers} timers set in 3 s while offline");

        // The network comes back: uploaded once, and shown as uploaded.
        b.set_offline(false).await;
        wait_group(&b, &id, "uploaded").await;
        b.wait_text(&format!("li.record[data-id='{id}'] .upload"), "已上传").await;
        let stored = site.stored();
        assert_eq!(stored.len(), 1, "stored exactly once: {stored:?}");
        let row = &stored[0];
        assert_eq!(row["instance_id"], json!(id), "{row}");
        let text = row.to_string();
        for needle in ["周晓雯", "王秀英", "刘建军", "刘思雨", "XS03-012", "奶奶不识字"]
        {
            assert!(text.contains(needle), "the stored response lacks {needle}: {text}");
        }
        // Who filled it in, on which device (XLSForm's `username` and `deviceid`).
        assert_eq!(row["meta"]["enumerator"], json!("周晓雯"), "{row}");
        let device = row["meta"]["device_id"].as_str().unwrap_or_default();
        assert!(device.starts_with("tianye:") && device.len() > 20, "{row}");
        let posts = answered_uploads(&b).await;
        assert_eq!(posts, vec![json!(201)], "one upload answered 201, no repeat");
        // Staying on the list does not send it again.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let posts = answered_uploads(&b).await;
        assert_eq!(posts, vec![json!(201)]);
        assert_eq!(site.stored().len(), 1);

        // The list shows the household in words and finds it by its village (a choice:
        // its label, not its name), a member or its code; not by another village.
        let line = b.wait_text(&format!("li.record[data-id='{id}'] .summary"), "旺溪村").await;
        assert!(!line.contains("wangxi"), "{line}");
        let listed = format!("li.record[data-id='{id}']");
        for (query, found) in
            [("旺溪", true), ("刘思雨", true), ("xs03-012", true), ("石门", false)]
        {
            b.js(
                "const s = document.querySelector('.home input.search'); s.value = arguments[0];
                 s.dispatchEvent(new Event('input', {bubbles: true}));",
                vec![json!(query)],
            )
            .await;
            search_finds(&b, query, &listed, found).await;
        }
        // Typed through a Chinese input method, the search waits for the word: the
        // pinyin on the way ("liu si", which is in no line) hides nothing.
        for (pinyin, word, found) in [("liu si", "刘思", true), ("shi men", "石门", false)] {
            let during = b
                .js_async(
                    "const [pinyin, word, sel, done] = arguments;
                     const s = document.querySelector('.home input.search');
                     s.value = ''; s.dispatchEvent(new Event('input', {bubbles: true}));
                     s.dispatchEvent(new CompositionEvent('compositionstart', {bubbles: true, data: ''}));
                     s.value = pinyin;
                     s.dispatchEvent(new InputEvent('input', {bubbles: true, isComposing: true, inputType: 'insertCompositionText', data: pinyin}));
                     requestAnimationFrame(() => setTimeout(() => {
                       const listed = !!document.querySelector(sel);
                       s.value = word;
                       s.dispatchEvent(new InputEvent('input', {bubbles: true, isComposing: true, inputType: 'insertCompositionText', data: word}));
                       s.dispatchEvent(new CompositionEvent('compositionend', {bubbles: true, data: word}));
                       done(listed);
                     }, 0));",
                    vec![json!(pinyin), json!(word), json!(listed)],
                )
                .await;
            assert_eq!(during, json!(true), "the pinyin {pinyin:?} hid the household");
            search_finds(&b, word, &listed, found).await;
        }
        // In English the line gives the choices' English labels, and a search finds
        // those too.
        b.js(
            "const s = document.querySelector('.home input.search'); s.value = '';
             s.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![],
        )
        .await;
        b.click(".home .bar button.link").await;
        let line = b.wait_text(&format!("{listed} .summary"), "Wangxi Village").await;
        assert!(!line.contains("旺溪村") && line.contains("周晓雯"), "{line}");
        b.js(
            "const s = document.querySelector('.home input.search'); s.value = 'wangxi village';
             s.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![],
        )
        .await;
        b.wait_visible(&listed).await;
        b.click(".home .bar button.link").await;
        b.wait_text(&format!("{listed} .summary"), "旺溪村").await;
        // Uploaded, its copy can be cleared from the phone with the others, to free
        // storage; the server keeps it.
        b.js(
            "const s = document.querySelector('.home input.search'); s.value = '';
             s.dispatchEvent(new Event('input', {bubbles: true})); window.confirm = () => true;",
            vec![],
        )
        .await;
        // The share of the browser's limit for this site's storage in use: a household
        // is a small part of it, and no "nearly full" notice.
        let used = b.wait_text(".storage p.use", "上限约 10 MB").await;
        let percent: u32 = used
            .strip_prefix("本机存储已用 ")
            .and_then(|rest| rest.split_once('%'))
            .and_then(|(n, _)| n.parse().ok())
            .unwrap_or_else(|| panic!("{used}"));
        assert!(percent < 10 && used.contains(" KB，"), "{used}");
        assert_eq!(
            b.js("return document.querySelectorAll('.storage .nearly-full').length;", vec![]).await,
            json!(0)
        );
        // Whether the browser keeps the data for good, as the browser itself says.
        let kept = b
            .js_async(
                "const done = arguments[arguments.length - 1]; navigator.storage.persisted().then(done);",
                vec![],
            )
            .await;
        let said = if kept == json!(true) {
            "浏览器已同意长期保存"
        } else {
            "浏览器在空间不足时可能清除"
        };
        b.wait_text(".storage .persist", said).await;
        b.wait_text(".storage .delete-uploaded", "(1)").await;
        b.click(".storage .delete-uploaded").await;
        b.wait_hidden(&listed).await;
        b.wait_hidden(".storage .delete-uploaded").await;
        let key = format!("tianye.v1.r.lbc_household.{id}");
        assert!(!b.local_storage().await.contains_key(&key), "the copy is deleted");
        assert_eq!(site.stored().len(), 1, "the server keeps it");
        b.close().await;
    });
}

#[test]
fn completed_while_the_server_is_stopped_it_is_queued_then_uploaded_exactly_once() {
    browser::run(async {
        let mut site = Site::start();
        let (b, id) = household_on_team_link(&site).await;
        seed_valid_household(&b, &id).await;

        site.stop_server();
        open_review(&b).await;
        mark_complete(&b).await;
        b.click(".review-screen .done button.primary").await;
        wait_group(&b, &id, "complete").await;
        // The failed attempt is shown, with the next try.
        b.wait_text(&format!("li.record[data-id='{id}'] .upload"), "下次重试").await;
        let record = stored_record(&b, &id).await;
        assert_eq!(upload_state(&record).0, "queued", "{record}");
        assert!(upload_state(&record).1["attempts"].as_u64() >= Some(1), "{record}");
        assert!(uploads_seen(&b).await.contains(&json!(0)), "an attempt failed on the network");

        site.start_server();
        wait_group(&b, &id, "uploaded").await;
        let stored = site.stored();
        assert_eq!(stored.len(), 1, "{stored:?}");
        assert_eq!(stored[0]["instance_id"], json!(id));
        let posts = answered_uploads(&b).await;
        assert_eq!(posts, vec![json!(201)], "uploaded once");
        let record = stored_record(&b, &id).await;
        assert_eq!(upload_state(&record).0, "uploaded", "{record}");

        // The server has it: the copy on the phone may go (after asking), the server's
        // stays.
        b.js("window.confirm = () => true;", vec![]).await;
        b.click(&format!("li.record[data-id='{id}'] button.danger")).await;
        b.wait_hidden(&format!("li.record[data-id='{id}']")).await;
        let key = format!("tianye.v1.r.lbc_household.{id}");
        assert!(!b.local_storage().await.contains_key(&key), "the copy is deleted");
        assert_eq!(site.stored().len(), 1, "the server keeps it");
        b.close().await;
    });
}

#[test]
fn a_response_cut_off_mid_upload_is_sent_again_after_a_reload_and_stored_once() {
    browser::run(async {
        let site = Site::start();
        let (b, id) = household_on_team_link(&site).await;
        seed_valid_household(&b, &id).await;

        // The upload request goes out and never comes back (the tab is killed).
        complete_with_the_upload_hanging(&b).await;
        let record = stored_record(&b, &id).await;
        assert_eq!(upload_state(&record).0, "uploading", "{record}");

        // The phone opens the app again.
        b.js("sessionStorage.removeItem('e2e.hang'); location.hash = '#/';", vec![]).await;
        b.reload().await;
        wait_group(&b, &id, "uploaded").await;
        let stored = site.stored();
        assert_eq!(stored.len(), 1, "{stored:?}");
        assert_eq!(stored[0]["instance_id"], json!(id));
        b.close().await;
    });
}

/// The coordinator's copy of `lbc_household`, which a test changes: the folder served,
/// the questionnaire's file and its text.
fn coordinators_household_copy() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let forms = temp_dir("tianye-e2e-forms");
    let form_path = forms.path().join("lbc_household/form.json");
    std::fs::create_dir_all(form_path.parent().unwrap()).unwrap();
    let original =
        std::fs::read_to_string(repo().join("questionnaires/lbc_household/form.json")).unwrap();
    std::fs::write(&form_path, &original).unwrap();
    (forms, form_path, original)
}

#[test]
fn a_response_the_server_rejects_is_shown_with_its_problems() {
    browser::run(async {
        // The coordinator's copy of the questionnaire, which the phone caches.
        let (forms, form_path, original) = coordinators_household_copy();
        let mut site = Site::start_with(forms.path());
        let (b, id) = household_on_team_link(&site).await;
        seed_valid_household(&b, &id).await;

        // Before any upload, the coordinator tightens a rule without a new version
        // (the server allows that while the version has no submissions): household
        // codes now end in four digits. The phone still has the old copy.
        site.stop_server();
        let stricter = original.replace("[A-Z]{2}[0-9]{2}-[0-9]{3}", "[A-Z]{2}[0-9]{2}-[0-9]{4}");
        assert_ne!(stricter, original);
        std::fs::write(&form_path, stricter).unwrap();
        site.start_server();

        open_review(&b).await;
        mark_complete(&b).await;
        b.click(".review-screen .done button.primary").await;

        wait_group(&b, &id, "rejected").await;
        assert!(site.stored().is_empty(), "the server stored nothing");
        let record = stored_record(&b, &id).await;
        assert_eq!(upload_state(&record).0, "rejected", "{record}");
        let problems = upload_state(&record).1["problems"].as_array().cloned().unwrap_or_default();
        assert_eq!(problems.len(), 1, "{record}");
        assert_eq!(problems[0]["path"], json!("hh_code"), "{record}");
        assert_eq!(problems[0]["field"], json!("hh_code"), "where, as data: {record}");
        assert_eq!(problems[0]["code"], json!("pattern"), "{record}");
        // The list says why; opening it shows the server's message and its problems,
        // each linking to its question.
        let line = b.wait_text(&format!("li.record[data-id='{id}'] .upload"), "(1)").await;
        assert!(line.contains("未保存"), "{line}");
        b.click(&format!("li.record[data-id='{id}'] button.open")).await;
        let text = b.wait_text(".server-problems", "户编号").await;
        assert!(text.contains("服务器退回了这份答卷"), "{text}");
        let message = problems[0]["message_zh"].as_str().unwrap_or_default();
        assert!(!message.is_empty() && text.contains(message), "message {message:?} not in {text}");
        // In English, the server's English message.
        b.click(".form-screen .bar button.link:last-child").await;
        let english = problems[0]["message_en"].as_str().unwrap_or_default();
        let text = b.wait_text(".server-problems", english).await;
        assert!(!text.contains(message), "{text}");
        b.click(".server-problems li a").await;
        b.wait_visible("#q-hh_code-input").await;
        b.close().await;
    });
}

/// Waits until the list's search for `query` shows the response `listed` (a selector),
/// or shows it no more when it should not be `found`.
async fn search_finds(b: &Browser, query: &str, listed: &str, found: bool) {
    if found {
        b.wait_visible(listed).await;
    } else {
        b.wait(
            &format!("{query} to find nothing"),
            &format!("return !document.querySelector({});", js_str(listed)),
        )
        .await;
    }
}

/// Types `text` through a Chinese input method: `compositionstart`, the pinyin as it
/// grows (input events with `isComposing`), the candidate chosen, `compositionend`
/// (Chrome's order). After each pinyin step it records what the box shows and what
/// response `id` has stored for the question `name` (`member.0.m_name` for a row).
async fn compose(
    b: &Browser,
    id: &str,
    (dom_name, name): (&str, &str),
    pinyin: &[&str],
    text: &str,
) -> Vec<(Value, Value)> {
    let dom_id = format!("q-{dom_name}-input");
    let el = b.find(&format!("#{dom_id}")).await;
    el.click().await.expect("focus");
    let el = serde_json::to_value(&el).unwrap();
    b.js("arguments[0].dispatchEvent(new CompositionEvent('compositionstart', {bubbles: true, data: ''}));", vec![el.clone()]).await;
    let key = format!("tianye.v1.r.lbc_household.{id}");
    let mut seen = Vec::new();
    for step in pinyin {
        b.js(
            "const e = arguments[0]; e.value = arguments[1];
             e.dispatchEvent(new CompositionEvent('compositionupdate', {bubbles: true, data: arguments[1]}));
             e.dispatchEvent(new InputEvent('input', {bubbles: true, isComposing: true, inputType: 'insertCompositionText', data: arguments[1]}));",
            vec![el.clone(), json!(step)],
        )
        .await;
        // Let the app run its effects and paint, then look.
        let v = b
            .js_async(
                "const [e, key, path, done] = arguments;
                 requestAnimationFrame(() => setTimeout(() => {
                   let v = JSON.parse(localStorage.getItem(key)).response.answers;
                   for (const p of path.split('.')) v = v == null ? null : v[p];
                   done([e.value, v ?? null]);
                 }, 0));",
                vec![el.clone(), json!(key), json!(name)],
            )
            .await;
        seen.push((v[0].clone(), v[1].clone()));
    }
    b.js(
        "const e = arguments[0]; e.value = arguments[1];
         e.dispatchEvent(new InputEvent('input', {bubbles: true, isComposing: true, inputType: 'insertCompositionText', data: arguments[1]}));
         e.dispatchEvent(new CompositionEvent('compositionend', {bubbles: true, data: arguments[1]}));",
        vec![el.clone(), json!(text)],
    )
    .await;
    seen
}

#[test]
fn chinese_typed_through_composition_is_kept_whole() {
    browser::run(async {
        let site = Site::start();
        let (b, id) = household_on_team_link(&site).await;
        let pinyin = ["w", "wa", "wang", "wang xiao", "wang xiao ming"];
        let seen =
            compose(&b, &id, ("enumerator_name", "enumerator_name"), &pinyin, "王小明").await;
        // While composing: the box keeps the pinyin the input method shows, and no
        // partial pinyin is saved.
        for ((shown, stored), step) in seen.iter().zip(pinyin) {
            assert_eq!(shown, &json!(step), "the box was changed under the input method");
            assert_eq!(stored, &Value::Null, "partial pinyin {step:?} was saved");
        }
        // Composition ended: the Chinese text is stored and shown, whole.
        let key = format!("tianye.v1.r.lbc_household.{id}");
        b.wait(
            "王小明 to be stored",
            &format!(
                "return JSON.parse(localStorage.getItem({})).response.answers.enumerator_name === '王小明';",
                js_str(&key)
            ),
        )
        .await;
        assert_eq!(shown_value(&b, "enumerator_name").await, json!("王小明"));
        // A second word appended through the input method in the same box: the first
        // stays stored as it was until the second is chosen.
        let seen = compose(
            &b,
            &id,
            ("enumerator_name", "enumerator_name"),
            &["王小明l", "王小明li"],
            "王小明丽",
        )
        .await;
        assert_eq!(seen[1], (json!("王小明li"), json!("王小明")));
        b.blur().await;
        assert_eq!(
            stored_record(&b, &id).await["response"]["answers"]["enumerator_name"],
            json!("王小明丽")
        );

        // In a roster row, whose card is titled by the name being typed.
        choose(&b, "consent", "yes").await;
        next_page(&b, "respondent").await;
        type_text(&b, "hh_size", "2").await;
        next_page(&b, "member").await;
        let seen =
            compose(&b, &id, ("m_name-1", "member.1.m_name"), &["l", "liu", "liu si yu"], "刘思雨")
                .await;
        assert_eq!(
            seen,
            vec![
                (json!("l"), Value::Null),
                (json!("liu"), Value::Null),
                (json!("liu si yu"), Value::Null)
            ]
        );
        b.wait_text("#q-member .row-card:nth-of-type(2) h3", "刘思雨").await;
        b.blur().await;
        let record = stored_record(&b, &id).await;
        assert_eq!(record["response"]["answers"]["member"][1]["m_name"], json!("刘思雨"));
        assert_eq!(shown_value(&b, "m_name-1").await, json!("刘思雨"));

        // After a reload (back on the roster page, where the enumerator was) the text is
        // the same.
        b.reload().await;
        b.wait_visible("#q-m_name-1-input").await;
        assert_eq!(shown_value(&b, "m_name-1").await, json!("刘思雨"));
        previous_page(&b, "respondent").await;
        previous_page(&b, "enumerator_name").await;
        assert_eq!(shown_value(&b, "enumerator_name").await, json!("王小明丽"));
        b.close().await;
    });
}

/// Imports the backup `file` of E6 with `tianye import-responses`, the team read from
/// the file: its two responses are drafts, so each is reported as not complete (and
/// nothing is stored).
fn imports_the_two_drafts(site: &Site, file: &Path) {
    let forms = repo().join("questionnaires");
    let (code, out, err) = tianye(&[
        "import-responses",
        file.to_str().unwrap(),
        "--data",
        site.data.path().to_str().unwrap(),
        "--forms",
        forms.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out.matches("[submission.not_complete]").count(), 2, "{out}");
}

#[test]
fn storage_filled_to_quota_shows_the_warning_and_keeps_earlier_responses() {
    browser::run(async {
        let site = Site::start();
        let (b, first) = household_on_team_link(&site).await;
        type_text(&b, "enumerator_name", "周晓雯").await;
        go_home(&b).await;
        let second = new_household(&b).await;
        type_text(&b, "enumerator_name", "李明").await;
        let before = b.local_storage().await;
        let key = |id: &str| format!("tianye.v1.r.lbc_household.{id}");
        assert!(before.contains_key(&key(&first)) && before.contains_key(&key(&second)));

        // Another page of the same site fills the storage up to its quota.
        let fillers = b
            .js(
                "let size = 1 << 20, n = 0;
                 while (size >= 1) {
                   try { localStorage.setItem('other.filler.' + n, 'x'.repeat(size)); n++; }
                   catch (e) { if (e.name !== 'QuotaExceededError') throw e; size = Math.floor(size / 2); }
                 }
                 return n;",
                vec![],
            )
            .await;
        assert!(fillers.as_u64() > Some(1), "storage filled ({fillers})");

        // The next change cannot be saved: the warning says so, and stays.
        b.type_into("#q-hh_code-input", "XS03-0").await;
        b.wait_text(".warning", "浏览器存储已满").await;
        b.wait_text(".warning", "导出为文件").await;
        let after = b.local_storage().await;
        for k in [key(&first), key(&second), "tianye.v1.index".to_owned()] {
            assert_eq!(
                after.get(&k),
                before.get(&k),
                "{k} changed or was lost when storage was full"
            );
        }
        let kept: Value = serde_json::from_str(after[&key(&first)].as_str().unwrap()).unwrap();
        assert_eq!(kept["response"]["answers"]["enumerator_name"], json!("周晓雯"));

        // The warning's button saves every response as a file the server imports.
        let downloads = temp_dir("tianye-e2e-downloads");
        b.cdp(
            "Browser.setDownloadBehavior",
            json!({"behavior": "allow", "downloadPath": downloads.path().to_str().unwrap()}),
        )
        .await;
        // Named with the phone's day, as the list's button names it.
        let day = "const d = new Date(), p = (n) => String(n).padStart(2, '0'); \
                   return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;";
        let day = b.js(day, vec![]).await;
        b.click(".warning button").await;
        let file = downloads.path().join(format!("tianye-backup-{}.json", day.as_str().unwrap()));
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        // The browser may show the file before it has written all of it.
        let backup: Value = loop {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            if let Ok(backup) = serde_json::from_str(&text) {
                break backup;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no whole backup file downloaded: {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(backup["team_token"], json!(site.token), "{backup}");
        let names: Vec<&Value> = backup["responses"]
            .as_array()
            .expect("responses")
            .iter()
            .map(|r| &r["answers"]["enumerator_name"])
            .collect();
        assert_eq!(names.len(), 2, "{backup}");
        assert!(names.contains(&&json!("周晓雯")) && names.contains(&&json!("李明")), "{backup}");
        imports_the_two_drafts(&site, &file);

        // Where the browser drops files a page makes (in-app browsers such as WeChat's),
        // "copy as text" puts the same backup on the clipboard: what the copy carries is
        // read from the page's `copy` event.
        b.js(
            "window.__copied = null;
             document.addEventListener('copy', () => {
               const box = document.activeElement;
               window.__copied = box && box.value !== undefined
                 ? box.value.substring(box.selectionStart, box.selectionEnd) : null;
             });",
            vec![],
        )
        .await;
        b.click(".warning button.copy-backup").await;
        b.wait_text(".notice", "已复制 2 份未上传的答卷").await;
        let copied = b.js("return window.__copied;", vec![]).await;
        let copied: Value = serde_json::from_str(copied.as_str().expect("copied text"))
            .unwrap_or_else(|e| panic!("the copy is not the backup's JSON ({e}): {copied}"));
        assert_eq!(copied["responses"], backup["responses"], "{copied}");
        assert_eq!(copied["team_token"], json!(site.token), "{copied}");
        // Pasted into a file, the server imports it as it does the downloaded one.
        let pasted = downloads.path().join("pasted.json");
        std::fs::write(&pasted, copied.to_string()).expect("write the pasted copy");
        imports_the_two_drafts(&site, &pasted);
        // A browser that will not copy either shows the text, to copy by hand.
        b.js("document.execCommand = () => false;", vec![]).await;
        b.click(".warning button.copy-backup").await;
        b.wait_visible(".copy-by-hand textarea").await;
        let shown =
            b.js("return document.querySelector('.copy-by-hand textarea').value;", vec![]).await;
        let shown: Value =
            serde_json::from_str(shown.as_str().expect("the text shown")).expect("JSON");
        assert_eq!(shown["responses"], backup["responses"]);
        b.wait_text(".copy-by-hand", "无法自动复制").await;
        b.click(".copy-by-hand button.close").await;
        b.wait_hidden(".copy-by-hand").await;

        // The list shows the storage full and says how to make room.
        go_home(&b).await;
        b.wait_text(".storage p.use", "本机存储已用 100%").await;
        b.wait_text(".storage .nearly-full", "存储快满了").await;

        // Space is freed: the next keystroke saves everything typed (what the full
        // storage refused is typed again).
        b.js("for (const k of Object.keys(localStorage)) if (k.startsWith('other.filler.')) localStorage.removeItem(k);", vec![]).await;
        open_draft(&b, &second).await;
        b.type_into("#q-hh_code-input", "XS03-012").await;
        b.blur().await;
        let record = stored_record(&b, &second).await;
        assert_eq!(record["response"]["answers"]["hh_code"], json!("XS03-012"));
        assert_eq!(record["response"]["answers"]["enumerator_name"], json!("李明"));
        go_home(&b).await;
        b.wait_text(".storage p.use", "本机存储已用 ").await;
        assert_eq!(
            b.js("return document.querySelectorAll('.storage .nearly-full').length;", vec![]).await,
            json!(0)
        );
        b.close().await;
    });
}

#[test]
fn the_app_opens_offline_after_the_first_visit() {
    browser::run(async {
        let mut site = Site::start();
        let (b, id) = household_on_team_link(&site).await;
        type_text(&b, "enumerator_name", "周晓雯").await;
        // The list says when it is safe to go where there is no signal.
        go_home(&b).await;
        b.wait_text(".storage .offline-ready.ready", "已可离线使用").await;
        wait_for_service_worker(&b).await;
        b.close().await;

        // No server at all now; the phone opens the app again.
        site.stop_server();
        let b = site.browser().await;
        b.goto(&site.url("/")).await;
        b.wait_text(".home h1", "田野入户调查").await;
        b.wait_text(".storage .offline-ready.ready", "已可离线使用").await;
        // The draft is listed, and opens with its answers.
        b.wait_visible(&format!("li.record[data-id='{id}']")).await;
        open_draft(&b, &id).await;
        assert_eq!(shown_value(&b, "enumerator_name").await, json!("周晓雯"));
        // A new household can be started offline too.
        go_home(&b).await;
        let second = new_household(&b).await;
        assert_ne!(second, id);
        b.close().await;
    });
}

/// Copies the directory `from` into `to` (created), files and folders, each file dated
/// `modified`.
fn copy_dir(from: &Path, to: &Path, modified: std::time::SystemTime) {
    std::fs::create_dir_all(to).expect("create the copy");
    for entry in std::fs::read_dir(from).expect("read the directory") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            copy_dir(&path, &target, modified);
        } else {
            std::fs::copy(&path, &target).expect("copy a file");
            set_modified(&target, modified);
        }
    }
}

/// Dates the file at `path` to `time`.
fn set_modified(path: &Path, time: std::time::SystemTime) {
    let file = std::fs::File::options().write(true).open(path).expect("open the file");
    file.set_modified(time).expect("set the file's time");
}

/// Waits until the service worker has installed, cached the app and controls the page.
async fn wait_for_service_worker(b: &Browser) {
    b.wait(
        "the service worker to control the page",
        "return !!navigator.serviceWorker.controller;",
    )
    .await;
}

#[test]
fn a_new_build_is_picked_up_and_nothing_stored_is_lost() {
    browser::run(async {
        // The app as deployed a year ago: a browser keeping its files without asking
        // again would deem them fresh in its HTTP cache for weeks.
        let web = temp_dir("tianye-e2e-web");
        let year_ago = std::time::SystemTime::now() - Duration::from_hours(365 * 24);
        copy_dir(&browser::dist(), web.path(), year_ago);
        let site = Site::start_serving(&repo().join("questionnaires"), web.path());
        let (b, id) = household_on_team_link(&site).await;
        type_text(&b, "enumerator_name", "周晓雯").await;
        wait_for_service_worker(&b).await;
        let old = std::fs::read_to_string(web.path().join("build.txt")).expect("build id");
        let old_cache = format!("tianye-shell-{}", old.trim());
        let keys = b.js("return caches.keys();", vec![]).await;
        assert!(keys.as_array().is_some_and(|k| k.contains(&json!(old_cache))), "{keys}");

        // A new build is deployed: a changed stylesheet, a service worker with a new id.
        let marker = "/* the new build */";
        let css = std::fs::read_to_string(web.path().join("style.css")).expect("style.css");
        std::fs::write(web.path().join("style.css"), format!("{css}\n{marker}\n")).unwrap();
        let sw = std::fs::read_to_string(web.path().join("sw.js")).expect("sw.js");
        let new = "0123456789abcdef";
        std::fs::write(web.path().join("sw.js"), sw.replace(old.trim(), new)).unwrap();
        for stale in ["style.css.br", "style.css.gz", "sw.js.br", "sw.js.gz"] {
            let _ = std::fs::remove_file(web.path().join(stale));
        }
        let new_cache = format!("tianye-shell-{new}");

        // The next visit finds the new service worker, which caches the new build and
        // drops the old one.
        b.reload().await;
        b.wait(
            "the new build's cache to replace the old one",
            &format!(
                "return caches.keys().then((k) => k.includes({}) && !k.includes({}));",
                js_str(&new_cache),
                js_str(&old_cache)
            ),
        )
        .await;
        // Its copy of the stylesheet is the new one, not the one the HTTP cache kept.
        let cached = b
            .js(
                "return caches.open(arguments[0])
                   .then((c) => c.match('./style.css')).then((r) => r ? r.text() : '');",
                vec![json!(new_cache)],
            )
            .await;
        assert!(cached.as_str().is_some_and(|t| t.contains(marker)), "an old stylesheet kept");

        // The page now comes from the new build, and the draft is there with its answer.
        b.reload().await;
        b.wait("the new service worker to control the page", &format!(
            "return navigator.serviceWorker.controller && fetch('./style.css').then((r) => r.text()).then((t) => t.includes({}));",
            js_str(marker)
        ))
        .await;
        go_home(&b).await;
        open_draft(&b, &id).await;
        assert_eq!(shown_value(&b, "enumerator_name").await, json!("周晓雯"));
        b.close().await;
    });
}

#[test]
fn a_portal_on_another_site_embeds_a_form_with_one_script_tag() {
    browser::run(async {
        let site = Site::start();
        // The portal is another site (another origin, its own server and policy): its
        // page loads the script, the questionnaire and the app's files from the
        // collection server.
        let (portal, _portal_web) = portal_site(&site);
        assert_ne!(portal.url, site.url(""), "two origins");
        let b = site.browser().await;
        b.goto(&format!("{}/", portal.url)).await;
        b.click("#household button.start[data-form='lbc_household']").await;
        b.type_into("#household #county-q-enumerator_name-input", "赵敏").await;
        b.blur().await;
        // Saved in the portal's own storage, under its prefix.
        let saved = b
            .wait(
                "the answer saved under the portal's prefix",
                "return Object.keys(localStorage).filter((k) => k.startsWith('county.tianye.v1.r.lbc_household.'))
                   .map((k) => localStorage.getItem(k)).find((v) => v.includes('赵敏'));",
            )
            .await;
        assert!(
            saved.as_str().is_some_and(|t| t.contains("\"enumerator_name\":\"赵敏\"")),
            "{saved}"
        );
        b.close().await;
    });
}

/// A portal on a site of its own (Python's static server: another origin, and no
/// policy from Tianye) whose page embeds the household questionnaire from `site` with
/// one script tag, as `tianye-form#household`. The folder lives as long as the site.
fn portal_site(site: &Site) -> (StaticSite, tempfile::TempDir) {
    let app = site.url("");
    let portal_web = temp_dir("tianye-e2e-portal");
    let page = format!(
        r#"<!doctype html><meta charset="utf-8"><title>门户 / Portal</title>
<script type="module" src="{app}/tianye-embed.js"></script>
<h1>某县民政门户</h1>
<tianye-form id="household" src="{app}/api/v1/questionnaires/lbc_household"
  endpoint="{app}" token="{token}" lang="zh" storage-prefix="county."></tianye-form>"#,
        token = site.token
    );
    std::fs::write(portal_web.path().join("index.html"), page).unwrap();
    (StaticSite::start(portal_web.path()), portal_web)
}

/// A server that takes connections and never answers (a stalled mobile connection);
/// its URL and the number of connections taken so far.
fn silent_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let taken = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = taken.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(stream);
        }
    });
    (url, taken)
}

#[test]
fn an_upload_that_gets_no_answer_is_given_up_and_queued_again() {
    browser::run(async {
        let site = Site::start();
        let (silent, taken) = silent_server();
        // The portal's page on a site of its own, whose policy lets its forms reach
        // any server (Tianye's own pages reach only their server).
        let (portal, _portal_web) = portal_site(&site);
        let b = site.browser().await;
        b.goto(&format!("{}/", portal.url)).await;
        b.wait_visible("#household button.start").await;
        // A form whose server never answers, with a 1.5 s limit.
        let mount = r"
            const done = arguments[arguments.length - 1];
            (async () => {
              const { mount } = await import(arguments[2] + '/tianye-embed.js');
              const host = document.createElement('div');
              host.id = 'slow';
              document.body.appendChild(host);
              const q = await (await fetch(arguments[2] + '/api/v1/questionnaires/lbc_household')).json();
              window.slow = await mount(host, {
                questionnaire: q, endpoint: arguments[0], token: arguments[1],
                storagePrefix: 'slow.', timeoutMs: 1500,
              });
              return 'mounted';
            })().then(done, (e) => done('failed: ' + e));
        ";
        let args = vec![json!(silent), json!(site.token), json!(site.url(""))];
        assert_eq!(b.js_async(mount, args.clone()).await, json!("mounted"));
        b.click("#slow button.start[data-form='lbc_household']").await;
        b.wait_visible("#slow #slow-q-interview_date-input").await;
        // The household is complete and due for upload; the form is mounted again, as
        // when the portal's page is opened again.
        let key = b
            .wait(
                "the draft stored under the prefix",
                "return Object.keys(localStorage).find((k) => k.startsWith('slow.tianye.v1.r.lbc_household.'));",
            )
            .await;
        let key = key.as_str().expect("key").to_owned();
        let text = b.js("return localStorage.getItem(arguments[0]);", vec![json!(key)]).await;
        let mut record: Value = serde_json::from_str(text.as_str().expect("record")).unwrap();
        let today = phone_today(&b).await;
        record["response"]["answers"] = valid_answers(&today);
        record["response"]["status"] = json!("complete");
        record["upload"] = json!({"queued": {"attempts": 0, "next_at": 0}});
        b.js(
            "window.slow.unmount(); document.getElementById('slow').remove();
             localStorage.setItem(arguments[0], arguments[1]);",
            vec![json!(key), json!(record.to_string())],
        )
        .await;
        assert_eq!(b.js_async(mount, args).await, json!("mounted"));
        // The request goes out, gets no answer, and is given up: the household is queued
        // again with the reason, not left "uploading" for as long as the connection hangs.
        let state = b
            .wait(
                "the upload given up and queued again",
                &format!(
                    "const r = JSON.parse(localStorage.getItem({}));
                     return r.upload.queued && r.upload.queued.attempts >= 1 ? r.upload.queued : null;",
                    js_str(&key)
                ),
            )
            .await;
        assert!(state["last_error"].as_str().is_some_and(|e| e.contains("请求超时")), "{state}");
        assert!(taken.load(std::sync::atomic::Ordering::SeqCst) >= 1, "the request went out");
        // An element whose questionnaire never comes says so after its time limit.
        b.js(
            "const el = document.createElement('tianye-form');
             el.id = 'stalled';
             el.setAttribute('src', arguments[0] + '/api/v1/questionnaires/lbc_household');
             el.setAttribute('timeout-ms', '1000');
             document.body.appendChild(el);",
            vec![json!(silent)],
        )
        .await;
        b.wait_text("#stalled", "无法加载问卷").await;
        b.close().await;
    });
}

#[test]
fn a_portal_embeds_forms_that_keep_their_answers_apart() {
    browser::run(async {
        let site = Site::start();
        let b = site.browser().await;
        b.goto(&site.url("/embed-example.html")).await;
        // Both elements mount their questionnaire and offer to start it.
        b.click("#household button.start[data-form='lbc_household']").await;
        b.type_into("#household #portal-household-q-enumerator_name-input", "王芳").await;
        b.blur().await;
        b.click("#screening button.start[data-form='lbc_quarterly_screening']").await;
        b.type_into("#screening #portal-screening-q-child_name-input", "刘小军").await;
        b.blur().await;

        // From script: the questionnaire as an object, a third prefix, English.
        let script = r"
            const done = arguments[arguments.length - 1];
            (async () => {
              const { mount } = await import('/tianye-embed.js');
              const host = document.createElement('div');
              host.id = 'scripted';
              document.body.appendChild(host);
              const q = await (await fetch('/api/v1/questionnaires/lbc_record_card')).json();
              // The returned handle is dropped at once: the form must stay mounted
              // whenever the garbage collector frees it.
              await (async () => {
                await mount(host, {
                  questionnaire: q, storagePrefix: 'portal.script.', language: 'en',
                  enumerator: '李老师',
                  onChange: (r) => { window.lastChange = r; },
                });
              })();
              for (let i = 0; i < 3; i++) {
                window.gc();
                await new Promise((r) => setTimeout(r, 100));
              }
              const errors = [];
              for (const options of [{ questionnaire: { id: 'broken' } }, {}, { questionnaire: q, timeoutMs: 'soon' }, { questionnaire: q, token: 7 }]) {
                try {
                  await mount(document.createElement('div'), options);
                  errors.push('mounted');
                } catch (e) {
                  errors.push(String(e));
                }
              }
              return errors;
            })().then(done, (e) => done('failed: ' + e));
        ";
        let errors = b.js_async(script, vec![]).await;
        let errors: Vec<String> = serde_json::from_value(errors.clone())
            .unwrap_or_else(|_| panic!("mount() from script: {errors}"));
        assert!(errors[0].contains("questionnaire") && errors[0] != "mounted", "{errors:?}");
        assert!(errors[1].contains("缺少 questionnaire"), "{errors:?}");
        assert!(errors[2].contains("options.timeoutMs must be a number"), "{errors:?}");
        assert!(errors[3].contains("options.token must be a string"), "{errors:?}");
        b.click("#scripted button.start[data-form='lbc_record_card']").await;
        b.type_into("#scripted #portal-script-q-child_name-input", "张小红").await;
        b.blur().await;
        // The portal's onChange gets the response as plain objects.
        let changed = b
            .wait(
                "onChange with the name",
                "return window.lastChange && window.lastChange.answers.child_name;",
            )
            .await;
        assert_eq!(changed, json!("张小红"));
        let who = b.js("return window.lastChange.meta.enumerator;", vec![]).await;
        assert_eq!(who, json!("李老师"), "the portal's user is recorded");

        // Three forms on one page, two of them sharing question names (the child's name,
        // the village): no DOM id is used twice, so each label names its own box and
        // each form's radios are a group of their own.
        let twice = b
            .js(
                "const seen = new Set(), twice = [];
                 for (const e of document.querySelectorAll('[id]')) {
                   if (seen.has(e.id)) twice.push(e.id); seen.add(e.id);
                 }
                 for (const r of document.querySelectorAll('input[type=radio]')) {
                   const group = document.querySelectorAll(`input[type=radio][name='${r.name}']`);
                   if ([...group].some((o) => o.closest('tianye-form, #scripted') !== r.closest('tianye-form, #scripted'))) twice.push(r.name);
                 }
                 return twice;",
                vec![],
            )
            .await;
        assert_eq!(twice, json!([]), "ids or radio groups shared by two forms");

        // Each form's response is stored under its own prefix only.
        let storage = b.local_storage().await;
        let records = |prefix: &str, form: &str| -> Vec<Value> {
            storage
                .iter()
                .filter(|(k, _)| k.starts_with(&format!("{prefix}tianye.v1.r.{form}.")))
                .map(|(_, v)| {
                    serde_json::from_str(v.as_str().unwrap_or("null")).unwrap_or_default()
                })
                .collect()
        };
        let household = records("portal.household.", "lbc_household");
        assert_eq!(household.len(), 1, "{storage:?}");
        assert_eq!(household[0]["response"]["answers"]["enumerator_name"], json!("王芳"));
        let screening = records("portal.screening.", "lbc_quarterly_screening");
        assert_eq!(screening.len(), 1, "{storage:?}");
        assert_eq!(screening[0]["response"]["answers"]["child_name"], json!("刘小军"));
        assert_eq!(records("portal.script.", "lbc_record_card").len(), 1, "{storage:?}");
        for (prefix, other) in [
            ("portal.household.", "lbc_quarterly_screening"),
            ("portal.screening.", "lbc_household"),
            ("portal.script.", "lbc_household"),
            ("", "lbc_household"),
        ] {
            assert!(records(prefix, other).is_empty(), "{other} under {prefix:?}: {storage:?}");
        }
        b.close().await;
    });
}

/// What a phone user would trip over on the page shown, one line each: a page that
/// scrolls sideways or a box sticking out of the screen (unless inside a box made to
/// scroll sideways), a control whose tap target (the control, or the label holding it)
/// is under 44 × 44 px, a control or a group of choices without a label, one the
/// keyboard cannot reach, a progress bar that does not say how far it is; text cut (a
/// heading, a label or a button whose text overflows its box, ellipsised or not, a
/// placeholder longer than its box), a button on more than two lines (a pager's on more
/// than one); a matrix row whose label is narrower than 200 px (or 60% of the screen)
/// or whose choices do not show their column's heading.
/// Questions skipped while off screen (`content-visibility`) are laid out first; what
/// a folded card (`<details>`) holds is not shown, so not looked at.
const PHONE_AUDIT: &str = r"
if (!document.getElementById('e2e-all-laid-out')) {
  const s = document.createElement('style');
  s.id = 'e2e-all-laid-out';
  s.textContent = '.tianye * { content-visibility: visible !important; }';
  document.head.append(s);
}
const vw = document.documentElement.clientWidth;
const out = [];
const describe = (e) => {
  const parts = [];
  for (let x = e; x && x !== document.body && parts.length < 3; x = x.parentElement) {
    parts.unshift(x.id ? '#' + x.id : x.tagName.toLowerCase() + [...x.classList].map((c) => '.' + c).join(''));
    if (x.id) break;
  }
  return parts.join(' > ') + (e.value ? `[value=${e.value}]` : '');
};
const shown = (e) => {
  const r = e.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden' && e.checkVisibility();
};
const sticksOut = (e) => {
  const r = e.getBoundingClientRect();
  return r.right > vw + 1 || r.left < -1;
};
const scrollsSideways = (e) => {
  for (let x = e.parentElement; x; x = x.parentElement) {
    if (['auto', 'scroll'].includes(getComputedStyle(x).overflowX)) return true;
  }
  return false;
};
if (document.documentElement.scrollWidth > vw) {
  out.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px on a ${vw} px screen`);
}
for (const e of document.body.querySelectorAll('*')) {
  if (!shown(e) || !sticksOut(e) || scrollsSideways(e)) continue;
  if (e.parentElement && shown(e.parentElement) && sticksOut(e.parentElement)) continue;
  const r = e.getBoundingClientRect();
  out.push(`${describe(e)} sticks out of the screen (${Math.round(r.left)} to ${Math.round(r.right)} px)`);
}
const controls = 'input:not([type=hidden]), select, textarea, button, a[href], summary, [role=button], [role=radio], [role=checkbox]';
for (const e of document.body.querySelectorAll(controls)) {
  const target = e.closest('label') || e;
  if (!shown(target)) continue;
  const r = target.getBoundingClientRect();
  if (r.height < 43.5 || r.width < 43.5) {
    out.push(`${describe(e)}: tap target ${Math.round(r.width)} × ${Math.round(r.height)} px`);
  }
  let name = e.labels ? [...e.labels].map((l) => l.textContent).join(' ') : '';
  name = name.trim() || e.getAttribute('aria-label') || e.getAttribute('title') || '';
  for (const id of (e.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean)) {
    name += document.getElementById(id)?.textContent || '';
  }
  if (e.matches('button, a, summary, [role=button]')) name = name.trim() || e.textContent;
  if (!name.trim()) out.push(`${describe(e)} has no label`);
  if (e.tabIndex < 0 && !e.disabled) out.push(`${describe(e)} cannot be reached with the keyboard`);
}
// Groups of choices and progress bars say what they are.
for (const e of document.body.querySelectorAll('[role=radiogroup], [role=group], [role=progressbar]')) {
  if (!shown(e)) continue;
  let name = e.getAttribute('aria-label') || '';
  for (const id of (e.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean)) {
    name += document.getElementById(id)?.textContent || '';
  }
  if (!name.trim()) out.push(`${describe(e)} (${e.getAttribute('role')}) has no label`);
  if (e.getAttribute('role') === 'progressbar' && !e.hasAttribute('aria-valuenow')) {
    out.push(`${describe(e)} does not say how far it is`);
  }
}
// Text cut or wrapped too far.
const text = (e) => e.textContent.trim().slice(0, 40);
const lines = (e) => {
  const r = document.createRange();
  r.selectNodeContents(e);
  return new Set([...r.getClientRects()].map((l) => Math.round(l.top))).size;
};
for (const e of document.body.querySelectorAll('h1, h2, h3, legend, summary, button, .q-label, .choice')) {
  if (!shown(e)) continue;
  if (e.scrollWidth > e.clientWidth + 1) out.push(`${describe(e)}: its text is cut (${text(e)})`);
  // A button of plain text (not a list's entry, which holds lines of its own).
  if (e.matches('button') && !e.childElementCount && lines(e) > (e.closest('.pager') ? 1 : 2)) {
    out.push(`${describe(e)}: its text is on ${lines(e)} lines (${text(e)})`);
  }
}
const ctx = document.createElement('canvas').getContext('2d');
for (const e of document.body.querySelectorAll('input[placeholder]')) {
  if (!shown(e) || !e.placeholder) continue;
  const ph = getComputedStyle(e, '::placeholder'), box = getComputedStyle(e);
  ctx.font = `${ph.fontWeight} ${ph.fontSize} ${ph.fontFamily}`;
  const room = e.clientWidth - parseFloat(box.paddingLeft) - parseFloat(box.paddingRight);
  if (ctx.measureText(e.placeholder).width > room + 1) out.push(`${describe(e)}: its placeholder is cut (${e.placeholder})`);
}
// A matrix's rows: a label to read, choices that say which column they are.
for (const e of document.body.querySelectorAll('.matrix input[type=radio]')) {
  if (!shown(e)) continue;
  const group = e.closest('[role=radiogroup]');
  const label = group ? document.getElementById(group.getAttribute('aria-labelledby'))
    : e.closest('tr')?.querySelector('th[scope=row]');
  const width = label ? label.getBoundingClientRect().width : 0;
  if (width < Math.min(200, 0.6 * vw)) out.push(`${describe(e)}: its row's label is ${Math.round(width)} px wide`);
  const heading = e.closest('label')?.innerText.trim();
  if (!heading) out.push(`${describe(e)} shows no column heading`);
}
return out;
";

/// Runs [`PHONE_AUDIT`] on the page shown, at 360 × 640 CSS px, noting what it finds
/// under `where_`.
async fn audit_phone_page(b: &Browser, where_: &str, found: &mut Vec<String>) {
    // Set again for each page: chromedriver puts back its own phone's screen
    // (`PHONE`) on each page load.
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 360, "height": 640, "deviceScaleFactor": 2, "mobile": true}),
    )
    .await;
    let lines = b.js(PHONE_AUDIT, vec![]).await;
    for line in lines.as_array().expect("a list") {
        found.push(format!("{where_}: {}", line.as_str().unwrap_or_default()));
    }
}

/// Starts a response of `form` from the list, gives it `answers`, and audits each of
/// its pages and its review page.
async fn audit_every_page(b: &Browser, form: &str, answers: &Value, found: &mut Vec<String>) {
    // Tapped from script: with the phone's metrics emulated, WebDriver's pointer lands
    // one button off once the list has been scrolled.
    let start = format!("button.start[data-form='{form}']");
    b.wait_visible(&start).await;
    b.js("document.querySelector(arguments[0]).click();", vec![json!(start)]).await;
    b.wait_visible(".form-screen .page").await;
    let hash = b.js("return location.hash;", vec![]).await;
    let id = hash.as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_owned();
    seed_answers_of(b, form, &id, answers).await;
    let first_of_page = "const q = document.querySelector('.page [id^=q-]'); return q && q.id;";
    for page in 1.. {
        assert!(page < 40, "{form}: no review page after 40 pages");
        audit_phone_page(b, &format!("{form}, page {page}"), found).await;
        let before = b.js(first_of_page, vec![]).await;
        b.click(".pager button.primary").await;
        let moved = b
            .wait(
                &format!("{form}: the page after page {page}"),
                &format!(
                    "if (document.querySelector('.review-screen')) return 'review';
                     const q = document.querySelector('.page [id^=q-]');
                     return q && q.id !== {} && 'next';",
                    js_str(before.as_str().unwrap_or_default())
                ),
            )
            .await;
        if moved == json!("review") {
            break;
        }
    }
    audit_phone_page(b, &format!("{form}, review"), found).await;
    b.click(".review-screen .bar button.link").await;
    b.wait_visible(".form-screen .page").await;
    go_home(b).await;
}

/// The answers of a questionnaire's first bundled case (none for a form without one).
fn first_case_answers(form_dir: &Path) -> Value {
    let Ok(entries) = std::fs::read_dir(form_dir.join("cases")) else { return json!({}) };
    let mut cases: Vec<_> = entries.map(|e| e.expect("case").path()).collect();
    cases.sort();
    let case: Value =
        serde_json::from_str(&std::fs::read_to_string(&cases[0]).expect("case")).expect("JSON");
    case["response"]["answers"].clone()
}

#[test]
fn every_page_fits_a_360_px_phone_with_labelled_keyboard_controls_at_least_44_px() {
    browser::run(async {
        // The bundled questionnaires, and one with every kind of question.
        let forms = temp_dir("tianye-e2e-forms");
        let mut ids = Vec::new();
        for entry in std::fs::read_dir(repo().join("questionnaires")).unwrap() {
            let dir = entry.unwrap().path();
            if dir.join("form.json").is_file() {
                let id = dir.file_name().unwrap().to_string_lossy().into_owned();
                copy_dir(&dir, &forms.path().join(&id), std::time::SystemTime::now());
                ids.push(id);
            }
        }
        ids.sort();
        let every_kind = forms.path().join("lbc_all_types");
        std::fs::create_dir_all(&every_kind).unwrap();
        std::fs::copy(
            repo().join("core/tests/fixtures/xlsform/tianye_all_types.json"),
            every_kind.join("form.json"),
        )
        .unwrap();
        ids.push("lbc_all_types".to_owned());
        let site = Site::start_with(forms.path());
        let b = site.browser().await;
        // A small phone, 360 × 640 CSS px: the audit sets it on each page.
        open_team_link(&b, &site).await;
        // The audit itself sees what it looks for: a box too wide, a small unlabelled
        // input the keyboard skips, a heading cut, a button on three lines, a matrix
        // row's label 35 px wide beside a choice showing no heading.
        b.js(
            "const d = document.createElement('div'); d.id = 'e2e-bad'; d.style.width = '500px';
             d.innerHTML = '<input tabindex=\"-1\" style=\"width: 20px\">'
               + '<h2 style=\"width: 60px; overflow: hidden; white-space: nowrap\">农村留守儿童家庭</h2>'
               + '<button style=\"width: 90px\">Go to the first problem</button>'
               + '<fieldset class=\"matrix\"><table><tr><th scope=\"row\" style=\"width: 35px\">限制孩子玩手机</th>'
               + '<td><label style=\"display: block; padding: 12px\"><input type=\"radio\" aria-label=\"从不\"></label></td></tr></table></fieldset>';
             document.querySelector('.home').append(d);",
            vec![],
        )
        .await;
        let mut found = Vec::new();
        audit_phone_page(&b, "bad", &mut found).await;
        b.js("document.getElementById('e2e-bad').remove();", vec![]).await;
        for expected in [
            "the page scrolls sideways",
            "#e2e-bad sticks out",
            "tap target 20 ×",
            "has no label",
            "cannot be reached with the keyboard",
            "its text is cut (农村留守儿童家庭)",
            "lines (Go to the first problem)",
            "its row's label is 35 px wide",
            "shows no column heading",
        ] {
            assert!(found.iter().any(|l| l.contains(expected)), "{expected}: {found:?}");
        }
        found.clear();
        audit_phone_page(&b, "home", &mut found).await;
        for id in &ids {
            let answers = first_case_answers(&forms.path().join(id));
            audit_every_page(&b, id, &answers, &mut found).await;
        }
        // English labels are longer: the household again, in English.
        b.click(".home .bar button.link").await;
        b.wait_text(".home", "Household").await;
        audit_phone_page(&b, "home (English)", &mut found).await;
        let answers = first_case_answers(&forms.path().join("lbc_household"));
        audit_every_page(&b, "lbc_household", &answers, &mut found).await;
        assert!(found.is_empty(), "on a 360 px phone:\n{}", found.join("\n"));
        b.close().await;
    });
}

#[test]
fn a_draft_on_an_older_version_opens_on_its_own_version_and_uploads() {
    browser::run(async {
        let (forms, form_path, original) = coordinators_household_copy();
        let mut site = Site::start_with(forms.path());
        let (b, old_id) = household_on_team_link(&site).await;
        seed_valid_household(&b, &old_id).await;
        go_home(&b).await;

        // The coordinator publishes version 2026.4, which renames the household code.
        site.stop_server();
        let newer = original
            .replacen("\"version\": \"2026.3\"", "\"version\": \"2026.4\"", 1)
            .replace("\"zh\": \"户编号\"", "\"zh\": \"户编码\"");
        assert!(newer.contains("2026.4") && newer.contains("户编码"), "the edit applies");
        std::fs::write(&form_path, newer).unwrap();
        site.start_server();
        b.reload().await;
        b.wait_text("button.start[data-form='lbc_household']", "v2026.4").await;
        // The phone keeps the new version as soon as it sees it listed…
        b.wait(
            "2026.4 kept on the phone",
            "return localStorage.getItem('tianye.v1.q.lbc_household@2026.4') !== null;",
        )
        .await;
        // …so in the village, offline, new responses still answer it, and the bundled
        // 2026.3 is not offered beside it.
        b.set_offline(true).await;
        b.reload().await;
        b.wait_visible(".home .offline").await;
        // The list comes from the phone's copy of the server's last one, just after.
        b.wait_text("button.start[data-form='lbc_household']", "v2026.4").await;
        let offered = b
            .js(
                "return [...document.querySelectorAll(\"button.start[data-form='lbc_household']\")]
                   .map((e) => e.querySelector('.badge').textContent);",
                vec![],
            )
            .await;
        assert_eq!(offered, json!(["v2026.4"]), "offered offline");

        // The draft still answers 2026.3: it opens on that version, says so, and keeps
        // its answers.
        b.wait_text(&format!("li.record[data-id='{old_id}']"), "v2026.3").await;
        open_draft(&b, &old_id).await;
        b.wait_text(".form-screen .bar .badge", "v2026.3").await;
        b.wait_text(".form-screen .notice", "此答卷使用问卷的旧版本").await;
        expect_shown(&b, &[("enumerator_name", json!("周晓雯")), ("hh_code", json!("XS03-012"))])
            .await;
        let label = b.wait_text("label[for='q-hh_code-input']", "户").await;
        assert!(label.contains("户编号"), "the old version's label: {label}");

        // A new response answers 2026.4.
        go_home(&b).await;
        // Its answers were set behind the app's back, with no line for the list: opened,
        // the draft got one.
        b.wait_text(&format!("li.record[data-id='{old_id}'] .summary"), "旺溪村").await;
        let new_id = new_household(&b).await;
        b.wait_text(".form-screen .bar .badge", "v2026.4").await;
        b.wait_text("label[for='q-hh_code-input']", "户编码").await;
        assert_ne!(new_id, old_id);
        b.set_offline(false).await;

        // The old draft completes and uploads against its own version.
        go_home(&b).await;
        open_draft(&b, &old_id).await;
        open_review(&b).await;
        mark_complete(&b).await;
        b.click(".review-screen .done button.primary").await;
        wait_group(&b, &old_id, "uploaded").await;
        let stored = site.stored();
        assert_eq!(stored.len(), 1, "{stored:?}");
        assert_eq!(stored[0]["instance_id"], json!(old_id));
        assert_eq!(stored[0]["questionnaire"]["version"], json!("2026.3"), "{}", stored[0]);
        b.close().await;
    });
}

#[test]
fn two_tabs_of_one_phone_never_overwrite_each_others_answers() {
    browser::run(async {
        let site = Site::start();
        let (b, id) = household_on_team_link(&site).await;
        let first = b.client.window().await.expect("this tab");
        type_text(&b, "enumerator_name", "周晓雯").await;

        // The team link opened again: a second tab opens the same household, finds the
        // name, answers the household code, and starts another household.
        let second = open_second_tab(&b, &site).await;
        b.wait_visible(&format!("li.record[data-id='{id}']")).await;
        open_draft(&b, &id).await;
        assert_eq!(shown_value(&b, "enumerator_name").await, json!("周晓雯"));
        type_text(&b, "hh_code", "XS03-012").await;
        go_home(&b).await;
        let other = new_household(&b).await;

        // Back in the first tab, still on the household's first page: it shows the code
        // typed in the second tab and says why; what it is given now is stored with
        // that code, not over it.
        b.client.switch_to_window(first.clone()).await.expect("to the first tab");
        b.wait(
            "the first tab to show the code typed in the second",
            "return document.getElementById('q-hh_code-input')?.value === 'XS03-012';",
        )
        .await;
        b.wait_text(".notice", "另一个标签页").await;
        choose(&b, "consent", "yes").await;
        let answers = stored_record(&b, &id).await["response"]["answers"].clone();
        assert_eq!(answers["enumerator_name"], json!("周晓雯"), "{answers}");
        assert_eq!(answers["hh_code"], json!("XS03-012"), "{answers}");
        assert_eq!(answers["consent"], json!("yes"), "{answers}");

        // Its list has the household the second tab started; deleted there, it goes here.
        go_home(&b).await;
        b.wait_visible(&format!("li.record[data-id='{other}']")).await;
        b.client.switch_to_window(second).await.expect("to the second tab");
        b.js("window.confirm = () => true;", vec![]).await;
        go_home(&b).await;
        b.click(&format!("li.record[data-id='{other}'] button.danger")).await;
        b.wait_hidden(&format!("li.record[data-id='{other}']")).await;
        b.client.switch_to_window(first).await.expect("to the first tab");
        b.wait_hidden(&format!("li.record[data-id='{other}']")).await;
        b.wait_visible(&format!("li.record[data-id='{id}']")).await;
        b.close().await;
    });
}

/// A household is being sent from one tab when a second tab opens: the second shows it
/// as being sent and leaves it to the first (before, it took the send for one cut off,
/// queued it again and sent it a second time). The first tab is closed with its request
/// still out: the second tab, waiting for the upload queue's lock, gets it once the
/// browser lets go of the closed tab's, and sends the household, which the server
/// stores once.
#[test]
fn a_send_cut_off_by_a_closed_tab_is_finished_by_the_other_tab_and_stored_once() {
    browser::run(async {
        let site = Site::start();
        let (b, id) = household_on_team_link(&site).await;
        seed_valid_household(&b, &id).await;
        let first = b.client.window().await.expect("this tab");

        // The first tab's upload goes out and gets no answer (a stalled connection).
        complete_with_the_upload_hanging(&b).await;

        // A second tab: the household is listed as being sent, and stays so.
        let second = open_second_tab(&b, &site).await;
        wait_group(&b, &id, "uploading").await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(group_of(&b, &id).await, json!("uploading"));
        assert_eq!(upload_state(&stored_record(&b, &id).await).0, "uploading");
        assert!(site.stored().is_empty(), "sent by the second tab too");

        // The first tab is closed with its request out: the second finishes the send.
        b.client.switch_to_window(first).await.expect("to the first tab");
        b.client.close_window().await.expect("the first tab closes");
        b.client.switch_to_window(second).await.expect("to the second tab");
        wait_group(&b, &id, "uploaded").await;
        let stored = site.stored();
        assert_eq!(stored.len(), 1, "{stored:?}");
        assert_eq!(stored[0]["instance_id"], json!(id));
        b.close().await;
    });
}

/// The app reached over plain http at an address that is not this machine's (a
/// server's LAN address) gets no service worker, so it could not open in a village
/// without signal: the list says so in both languages, before anyone goes out. Over
/// https or on this machine it says nothing.
#[test]
fn a_link_that_is_not_https_says_the_app_cannot_open_offline() {
    browser::run(async {
        let site = Site::start();
        let b = site.browser().await;
        let lan_link = site.team_link().replace("127.0.0.1", browser::LAN_HOST);
        assert!(lan_link.starts_with(&format!("http://{}:", browser::LAN_HOST)), "{lan_link}");
        b.goto(&lan_link).await;
        let text = b.wait_text(".home .notice.insecure", "https").await;
        assert!(text.contains("断网后无法打开本应用"), "{text}");
        let context =
            b.js("return [window.isSecureContext, 'serviceWorker' in navigator];", vec![]).await;
        assert_eq!(context, json!([false, false]), "no service worker over plain http");
        b.click(".home .bar button.link").await;
        let text = b.wait_text(".home .notice.insecure", "cannot open without a network").await;
        assert!(text.contains("https://"), "{text}");
        // The team link still works there: the token is kept, answers are saved.
        b.wait_visible("button.start[data-form='lbc_household']").await;
        let ready =
            b.js("return document.querySelectorAll('.offline-ready').length;", vec![]).await;
        assert_eq!(ready, json!(0), "no word of being ready offline without a service worker");
        let settings = b.js("return localStorage.getItem('tianye.v1.settings');", vec![]).await;
        let settings: Value = serde_json::from_str(settings.as_str().unwrap_or("null")).unwrap();
        assert_eq!(settings["token"], json!(site.token), "{settings}");

        // On this machine (a secure context) the app has its service worker and says
        // nothing of the kind.
        b.goto(&site.team_link()).await;
        b.wait_visible("button.start[data-form='lbc_household']").await;
        wait_for_service_worker(&b).await;
        let shown = b.js("return !!document.querySelector('.notice.insecure');", vec![]).await;
        assert_eq!(shown, json!(false));
        b.close().await;
    });
}

/// Waits for the startup message and returns its text: both languages, what to do, and
/// the browser's own error.
async fn startup_error(b: &Browser) -> String {
    b.wait_visible(".startup-error").await;
    let text = b.js("return document.querySelector('.startup-error').innerText;", vec![]).await;
    let text = text.as_str().unwrap_or_default().to_owned();
    assert!(text.contains("田野无法在此浏览器中启动"), "{text}");
    assert!(text.contains("Tianye could not start in this browser"), "{text}");
    assert!(text.contains("更新微信或浏览器") && text.contains("update WeChat"), "{text}");
    let app = b.js("return !!document.querySelector('.tianye');", vec![]).await;
    assert_eq!(app, json!(false), "the app started after all");
    text
}

/// A browser that cannot run the app (one too old for its WebAssembly or its scripts)
/// is told so in both languages, with what to do, instead of showing a blank page. Here
/// the module that will not compile, and then the glue that will not parse, stand in
/// for such a browser, in the app and in a portal's embedded forms. The answers a phone
/// holds are untouched by the failed start.
#[test]
fn a_browser_that_cannot_run_the_app_says_so_in_both_languages() {
    browser::run(async {
        let web = temp_dir("tianye-e2e-web");
        copy_dir(&browser::dist(), web.path(), std::time::SystemTime::now());
        let wasm = web.path().join("tianye_bg.wasm");
        let good_wasm = std::fs::read(&wasm).expect("the app's module");
        // A module this browser cannot compile (a header, then a section it cannot read).
        std::fs::write(&wasm, b"\0asm\x01\0\0\0\x01\xff\xff").expect("write the module");
        for copy in ["tianye_bg.wasm.br", "tianye_bg.wasm.gz", "tianye.js.br", "tianye.js.gz"] {
            let _ = std::fs::remove_file(web.path().join(copy));
        }
        let site = Site::start_serving(&repo().join("questionnaires"), web.path());
        let b = site.browser().await;
        b.goto(&site.url("/")).await;
        b.js("localStorage.setItem('e2e.kept', 'an answer');", vec![]).await;
        let text = startup_error(&b).await;
        assert!(text.contains("WebAssembly"), "the browser's error is shown: {text}");
        // A portal's embedded form says the same in its element.
        b.goto(&site.url("/embed-example.html")).await;
        b.wait_text("tianye-form#household", "Tianye could not start in this browser").await;
        b.wait_text("tianye-form#screening", "田野无法在此浏览器中启动").await;

        // Glue this browser cannot parse.
        std::fs::write(&wasm, good_wasm).expect("restore the module");
        // Dated as the glue the browser holds (as a rewrite within the same second, or
        // an older build put back, would be): only the content's tag (ETag) shows the
        // change, and the browser, asking again, must get the new glue.
        let glue = web.path().join("tianye.js");
        let dated = std::fs::metadata(&glue).and_then(|m| m.modified()).expect("glue's date");
        std::fs::write(&glue, "export default () => {;").expect("glue");
        set_modified(&glue, dated);
        b.client.goto("about:blank").await.expect("leave the page");
        b.goto(&site.url("/?glue")).await;
        startup_error(&b).await;
        let kept = b.js("return localStorage.getItem('e2e.kept');", vec![]).await;
        assert_eq!(kept, json!("an answer"));
        b.close().await;
    });
}

/// The app open in two windows side by side (a desktop): what is typed in one is taken
/// into the other at once, which builds its form again; the other window keeps its
/// place, the box it was in still has the keyboard focus with the caret where it was,
/// and nothing it held is written over what was typed in the first.
#[test]
fn a_window_beside_another_keeps_its_focus_when_the_other_changes_the_response() {
    browser::run(async {
        let site = Site::start();
        let (b, id) = household_on_team_link(&site).await;
        let first = b.client.window().await.expect("this window");
        type_text(&b, "enumerator_name", "周晓雯").await;
        // The caret left after the first character of the name, in the box.
        b.js(
            "const box = document.getElementById('q-enumerator_name-input');
             box.focus(); box.setSelectionRange(1, 1);",
            vec![],
        )
        .await;

        // A second window opens the same household and answers the household code.
        open_beside(&b, &site, false).await;
        b.wait_visible(&format!("li.record[data-id='{id}']")).await;
        open_draft(&b, &id).await;
        type_text(&b, "hh_code", "XS03-012").await;

        // The first window took it in, and is still where it was.
        b.client.switch_to_window(first).await.expect("to the first window");
        b.wait(
            "the first window to show the code typed in the second",
            "return document.getElementById('q-hh_code-input')?.value === 'XS03-012';",
        )
        .await;
        let place = b
            .js(
                "const a = document.activeElement;
                 return [a && a.id, a && a.selectionStart, a && a.value];",
                vec![],
            )
            .await;
        assert_eq!(place, json!(["q-enumerator_name-input", 1, "周晓雯"]));
        // Typing goes on in that box, and both answers are stored.
        b.client
            .active_element()
            .await
            .expect("the focused box")
            .send_keys("晓")
            .await
            .expect("type");
        b.blur().await;
        let answers = stored_record(&b, &id).await["response"]["answers"].clone();
        assert_eq!(answers["enumerator_name"], json!("周晓晓雯"), "{answers}");
        assert_eq!(answers["hh_code"], json!("XS03-012"), "{answers}");
        b.close().await;
    });
}

/// Unregisters the page's service workers: from the next page on, its requests go to
/// the network themselves, where CDP's `Fetch` domain can hold them (it does not see a
/// worker's).
async fn unregister_service_workers(b: &Browser) {
    let unregistered = b
        .js_async(
            "const done = arguments[arguments.length - 1];
             navigator.serviceWorker.getRegistrations()
               .then((rs) => Promise.all(rs.map((r) => r.unregister())))
               .then(() => done('unregistered'), (e) => done('failed: ' + e));",
            vec![],
        )
        .await;
    assert_eq!(unregistered, json!("unregistered"));
}

/// Removes the questionnaires kept on the phone whose key part starts with `which`
/// (`lbc_record_card@`; `""` for all).
async fn forget_questionnaires(b: &Browser, which: &str) {
    b.js(
        "for (const k of Object.keys(localStorage)) {
           if (k.includes('.q.' + arguments[0])) localStorage.removeItem(k);
         }
         return true;",
        vec![json!(which)],
    )
    .await;
}

/// Holds the page's requests to URLs matching `pattern` unanswered (CDP `Fetch`), as a
/// signal that connects and then carries nothing, until [`release_requests`].
async fn hold_requests(b: &Browser, pattern: &str) {
    b.cdp("Fetch.enable", json!({"patterns": [{"urlPattern": pattern}]})).await;
}

/// Lets the held requests go on, and holds no more.
async fn release_requests(b: &Browser) {
    b.cdp("Fetch.disable", json!({})).await;
}

/// The questionnaires the server sends, one by one (not its list of them).
const QUESTIONNAIRE_FILES: &str = "*/api/v1/questionnaires/*";

/// What a start button says while its questionnaire is being downloaded.
const DOWNLOADING: &str = "正在下载问卷";

/// The `aria-busy` of the element `css`.
async fn aria_busy(b: &Browser, css: &str) -> Value {
    b.js("return document.querySelector(arguments[0]).getAttribute('aria-busy');", vec![json!(css)])
        .await
}

/// Waits for the start button `button` to offer a new response again, neither saying
/// nor marked that it downloads.
async fn expect_free_to_start(b: &Browser, button: &str) {
    let word = b.wait_text(button, "新建").await;
    assert!(!word.contains(DOWNLOADING), "{word}");
    assert_eq!(aria_busy(b, button).await, json!("false"));
}

/// E16. On a poor signal a request can connect and then carry nothing for as long as
/// its time limit (a minute). The list of questionnaires does not wait for it: what the
/// server last listed is offered within seconds, the storage line says whether the
/// browser keeps the data, and a new household can be started.
#[test]
fn a_server_list_that_never_comes_does_not_hold_up_a_new_household() {
    browser::run(async {
        let site = Site::start();
        let b = site.browser().await;
        open_team_link(&b, &site).await;
        b.wait(
            "the server's list kept on the phone",
            "return Object.keys(localStorage).some((k) => k.endsWith('catalog'));",
        )
        .await;
        // The page's own requests go to the network (a service worker's fetches would
        // not be held below), and the server's list of questionnaires is held unanswered.
        unregister_service_workers(&b).await;
        hold_requests(&b, "*/api/v1/questionnaires").await;
        b.goto(&site.url("/")).await;
        let start = std::time::Instant::now();
        b.wait_for(
            "the questionnaires offered while the server's list is held",
            "return document.querySelector(\"button.start[data-form='lbc_household']\");",
            Duration::from_secs(15),
        )
        .await;
        let waited = start.elapsed();
        // The list really was held: the request for it has not finished.
        let arrived = b
            .js(
                "return performance.getEntriesByType('resource')
                   .some((e) => e.name.endsWith('/api/v1/questionnaires'));",
                vec![],
            )
            .await;
        assert_eq!(arrived, json!(false), "the server's list came after all");
        assert!(waited < Duration::from_secs(15), "offered after {waited:?}");
        // Nor does asking the browser to keep storage wait for it.
        b.wait_for(
            "whether the browser keeps storage, said while the list is held",
            "return document.querySelector('.storage .persist');",
            Duration::from_secs(5),
        )
        .await;
        let badge = b.wait_text("button.start[data-form='lbc_household'] .badge", "v").await;
        assert_eq!(badge, "v2026.3");
        let id = new_household(&b).await;
        assert!(!id.is_empty());
        release_requests(&b).await;
        b.close().await;
    });
}

/// E17. On a poor signal, a questionnaire this phone has not kept yet can take up to a
/// minute to come after it is tapped. Its button says it is being downloaded and more taps
/// start nothing more; a tap on another questionnaire meanwhile is the one that opens, and
/// only it is started. One that comes while the volunteer has gone on to a response is
/// kept but not opened, and its button is free again.
#[test]
fn a_questionnaire_still_coming_is_started_once_however_often_it_is_tapped() {
    browser::run(async {
        let site = Site::start();
        let b = site.browser().await;
        open_team_link(&b, &site).await;
        b.wait(
            "the app ready to work offline",
            "return document.querySelector('.offline-ready.ready');",
        )
        .await;
        // A phone that has not kept them yet, whose requests go to the network (a service
        // worker's would not be held below), on a signal that carries nothing for now.
        forget_questionnaires(&b, "").await;
        unregister_service_workers(&b).await;
        // Nor does the page register a worker again (it would take the page over, and its
        // requests with it): a browser without service workers, as some in-app browsers are.
        b.before_each_document("navigator.serviceWorker.register = () => new Promise(() => {});")
            .await;
        hold_requests(&b, QUESTIONNAIRE_FILES).await;
        b.goto(&site.url("/")).await;
        let household = "button.start[data-form='lbc_household']";
        let screening = "button.start[data-form='lbc_quarterly_screening']";
        b.wait_visible(household).await;
        let controlled = b.js("return !!navigator.serviceWorker.controller;", vec![]).await;
        assert_eq!(controlled, json!(false), "a service worker took the page");
        let responses = "return Object.keys(localStorage).filter((k) => k.includes('.r.')).map((k) => k.split('.')[3]);";
        for _ in 0..3 {
            b.click(household).await;
        }
        let word = b.wait_text(&format!("{household}.opening"), DOWNLOADING).await;
        assert!(word.contains(DOWNLOADING), "{word}");
        assert_eq!(aria_busy(&b, household).await, json!("true"));
        assert_eq!(aria_busy(&b, screening).await, json!("false"));
        assert_eq!(b.js(responses, vec![]).await, json!([]), "started before it came");
        // The volunteer picks the other questionnaire instead.
        b.click(screening).await;
        b.wait_text(&format!("{screening}.opening"), DOWNLOADING).await;
        assert_eq!(aria_busy(&b, household).await, json!("false"));
        // They come: the one chosen last is started and opened, once.
        release_requests(&b).await;
        b.wait(
            "the screening opened",
            "return location.hash.startsWith('#/r/lbc_quarterly_screening/') && document.querySelector('.form-screen');",
        )
        .await;
        // Long enough for another start to have saved its response, were there one.
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(b.js(responses, vec![]).await, json!(["lbc_quarterly_screening"]));
        go_home(&b).await;
        for button in [household, screening] {
            expect_free_to_start(&b, button).await;
        }
        // Both came and are kept, for a start with no signal.
        let kept = b
            .js(
                "const keys = Object.keys(localStorage);
                 return ['lbc_household', 'lbc_quarterly_screening']
                   .map((q) => keys.some((k) => k.includes('.q.' + q + '@')));",
                vec![],
            )
            .await;
        assert_eq!(kept, json!([true, true]));

        // Another not yet kept, tapped; the volunteer opens a response meanwhile, and
        // stays in it when the questionnaire comes. Back on the list, its button is free.
        let card = "button.start[data-form='lbc_record_card']";
        forget_questionnaires(&b, "lbc_record_card@").await;
        hold_requests(&b, QUESTIONNAIRE_FILES).await;
        b.click(card).await;
        b.wait_text(&format!("{card}.opening"), DOWNLOADING).await;
        b.click(".record button.open").await;
        b.wait_visible(".form-screen").await;
        let screening_hash = b.js("return location.hash;", vec![]).await;
        release_requests(&b).await;
        b.wait(
            "the card's questionnaire kept",
            "return Object.keys(localStorage).some((k) => k.includes('.q.lbc_record_card@'));",
        )
        .await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(b.js("return location.hash;", vec![]).await, screening_hash);
        assert_eq!(b.js(responses, vec![]).await, json!(["lbc_quarterly_screening"]));
        go_home(&b).await;
        expect_free_to_start(&b, card).await;
        // Tapped again, it opens at once from what the phone kept.
        b.click(card).await;
        b.wait(
            "the card opened",
            "return location.hash.startsWith('#/r/lbc_record_card/') && document.querySelector('.form-screen');",
        )
        .await;
        b.close().await;
    });
}

/// The words the list and the review show while the team link is refused (the start of
/// the Chinese, and of the English).
const LINK_REFUSED: [&str; 2] = ["此团队链接已失效", "This team link no longer works"];

/// What says that the team link is refused (above the list, and above the review).
const LINK_REFUSED_BOX: &str = ".tianye > .link-refused";

/// Runs `tianye token ARGS --data DATA` for the site's data; its output.
fn token_command(site: &Site, args: &[&str]) -> String {
    let data = site.data.path().to_str().expect("utf-8 path");
    let mut all = vec!["token"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--data", data]);
    let (code, out, err) = tianye(&all);
    assert_eq!(code, 0, "tianye {all:?} failed: {out}{err}");
    out
}

/// The uploads the page made so far, after waiting `secs` seconds for more.
async fn uploads_after(b: &Browser, secs: u64) -> Vec<Value> {
    tokio::time::sleep(Duration::from_secs(secs)).await;
    uploads_seen(b).await
}

/// Opens the team link of `token` in the tab showing the app, as a tap on it does in
/// the browser the app is open in: the page stays (only its location hash changes),
/// checked by a mark the page keeps in memory. Waits until the app keeps the token and
/// the link is out of the address bar.
async fn open_link_in_same_page(b: &Browser, site: &Site, token: &str) {
    b.js("window.e2eSamePage = true;", vec![]).await;
    b.goto(&site.url(&format!("/#team={token}"))).await;
    b.wait(
        "the link's token kept, and the link out of the address bar",
        &format!(
            "const s = JSON.parse(localStorage.getItem('tianye.v1.settings') || '{{}}');
             return s.token === {} && location.hash === '#/';",
            js_str(token)
        ),
    )
    .await;
    let same = b.js("return window.e2eSamePage === true;", vec![]).await;
    assert_eq!(same, json!(true), "opening the link reloaded the page");
}

/// E18. The team's token is revoked (`tianye token revoke`) before a household is
/// uploaded: its upload is refused once, and then no more is sent with that token,
/// even after a reload; the household stays queued on the phone, and the list and the
/// review say, in both languages and on a 360 px screen, that the link no longer works
/// and to ask the team leader for a new one. A link with the admin token (refused too,
/// 403) is tried once. The new team link opened in the same page (the location hash
/// changes, no reload) resumes the queue at once: the household is stored once and the
/// words go.
#[test]
fn a_revoked_team_link_stops_the_queue_says_so_and_a_new_link_resumes_it() {
    browser::run(async {
        let site = Site::start();
        let (b, id) = household_on_team_link(&site).await;
        seed_valid_household(&b, &id).await;
        let out = token_command(&site, &["revoke", "--team", "石门一队"]);
        assert!(out.contains("revoked 1"), "{out}");

        // Completed: the upload is refused once; the review says why and what to do.
        open_review(&b).await;
        mark_complete(&b).await;
        for words in LINK_REFUSED {
            b.wait_text(LINK_REFUSED_BOX, words).await;
        }
        b.wait_visible(".review-screen .done").await;
        assert_eq!(uploads_seen(&b).await, vec![json!(401)]);
        b.click(".review-screen .done button.primary").await;
        wait_group(&b, &id, "complete").await;
        b.wait_visible(".home").await;
        let said = b.wait_text(LINK_REFUSED_BOX, LINK_REFUSED[1]).await;
        for words in ["1 份", "队长", "新的链接", "The 1 response(s)", "team leader", "new link"]
        {
            assert!(said.contains(words), "{words:?} not in {said:?}");
        }
        let role = b
            .js(
                "return document.querySelector(arguments[0]).getAttribute('role');",
                vec![json!(LINK_REFUSED_BOX)],
            )
            .await;
        assert_eq!(role, json!("alert"));
        // The household stays queued, and its line names no next try.
        let record = stored_record(&b, &id).await;
        assert_eq!(upload_state(&record).0, "queued", "{record}");
        assert_eq!(record["response"]["status"], json!("complete"));
        let line = b.wait_text(&format!("li.record[data-id='{id}'] .upload"), "失效").await;
        assert!(!line.contains("下次重试"), "{line}");

        // No more is sent with the dead token: not on a timer, nor when the network comes
        // back, nor after a reload.
        assert_eq!(uploads_after(&b, 6).await, vec![json!(401)], "sent again");
        b.set_offline(true).await;
        b.wait("the app offline", "return navigator.onLine === false;").await;
        b.set_offline(false).await;
        b.reload().await;
        b.wait_visible(".home").await;
        b.wait_text(LINK_REFUSED_BOX, LINK_REFUSED[0]).await;
        assert_eq!(uploads_after(&b, 4).await, vec![json!(401)], "sent again");
        assert!(site.stored().is_empty());
        // The words fit a 360 px phone.
        b.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 360, "height": 640, "deviceScaleFactor": 2, "mobile": true}),
        )
        .await;
        let mut found = Vec::new();
        audit_phone_page(&b, "home, link refused", &mut found).await;
        assert!(found.is_empty(), "on a 360 px phone:\n{}", found.join("\n"));

        // A link with the admin token: tried once, refused (403), said so again.
        let admin = token_command(&site, &["create", "--admin"]);
        let admin = admin.lines().last().expect("token line").trim().to_owned();
        open_link_in_same_page(&b, &site, &admin).await;
        b.wait(
            "the admin token refused",
            "return JSON.parse(sessionStorage.getItem('e2e.uploads') || '[]').length === 2;",
        )
        .await;
        b.wait_text(LINK_REFUSED_BOX, LINK_REFUSED[0]).await;
        assert_eq!(uploads_after(&b, 3).await, vec![json!(401), json!(403)]);

        // The new team link, opened in the same page: uploaded at once, stored once.
        let token = team_token(site.data.path(), "石门一队");
        open_link_in_same_page(&b, &site, &token).await;
        wait_group(&b, &id, "uploaded").await;
        b.wait_hidden(LINK_REFUSED_BOX).await;
        let stored = site.stored();
        assert_eq!(stored.len(), 1, "{stored:?}");
        assert_eq!(stored[0]["instance_id"], json!(id));
        assert_eq!(uploads_after(&b, 2).await, vec![json!(401), json!(403), json!(201)]);
        b.close().await;
    });
}

/// Records the policy violations a document reports, in `window.cspViolations`.
const RECORD_POLICY_VIOLATIONS: &str = "window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});";

#[test]
fn the_admin_page_and_the_app_run_under_their_security_policies() {
    browser::run(async {
        let site = Site::start();
        let admin = site.server.as_ref().and_then(|s| s.admin_token.clone()).expect("admin token");
        let b = site.browser().await;
        b.before_each_document(RECORD_POLICY_VIOLATIONS).await;
        b.goto(&site.url("/admin")).await;
        b.type_into("#token", &admin).await;
        b.click("#login button[type=submit]").await;
        b.wait_text("#total", "0").await;
        b.wait_visible("#chart svg").await;
        let violations = b.js("return window.cspViolations;", vec![]).await;
        assert_eq!(violations, json!([]), "the admin page");

        b.goto(&site.team_link()).await;
        b.wait_visible("button.start[data-form='lbc_household']").await;
        b.click("button.start[data-form='lbc_household']").await;
        b.wait_visible("#q-enumerator_name-input").await;
        let violations = b.js("return window.cspViolations;", vec![]).await;
        assert_eq!(violations, json!([]), "the app");
        b.close().await;
    });
}

/// The problems shown under question `name` (empty when none).
async fn problems_shown(b: &Browser, name: &str) -> String {
    let text = b
        .js(
            "const ul = document.querySelector('#q-' + arguments[0] + ' .q-problems');
             return ul ? ul.textContent : '';",
            vec![json!(name)],
        )
        .await;
    text.as_str().unwrap_or_default().to_owned()
}

#[test]
fn numbers_typed_in_full_width_digits_are_read_as_numbers() {
    browser::run(async {
        let site = Site::start();
        let b = site.browser().await;
        open_team_link(&b, &site).await;
        for (language, household, away, income) in
            [("中文", "３", "１", "３６０００"), ("English", "４", "２", "１２．５")]
        {
            if language == "English" {
                go_home(&b).await;
                b.click(".home .bar button.link").await;
                b.wait_text(".home", "Household").await;
            }
            let id = new_household(&b).await;
            fill_interview_page(&b).await;
            next_page(&b, "respondent").await;
            type_text(&b, "hh_size", household).await;
            type_text(&b, "n_away", away).await;
            type_text(&b, "hh_income", income).await;
            let record = stored_record(&b, &id).await;
            let answers = &record["response"]["answers"];
            let plain = |t: &str| -> Value {
                let ascii: String =
                    t.chars().map(|c| char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)).collect();
                serde_json::from_str(&ascii).expect("a number")
            };
            for (name, typed) in [("hh_size", household), ("n_away", away), ("hh_income", income)] {
                let stored = answers[name].as_f64();
                assert_eq!(stored, plain(typed).as_f64(), "{language}: {name} {typed}: {record}");
                // No "wrong kind of answer" (the away count may still be checked against
                // the roster, which is empty yet).
                let shown = problems_shown(&b, name).await;
                assert!(
                    !shown.contains("答案格式不对") && !shown.contains("Wrong kind of answer"),
                    "{language}: {name} typed {typed} shows {shown}"
                );
            }
            assert_eq!(problems_shown(&b, "hh_size").await, "", "{language}");
            assert_eq!(problems_shown(&b, "hh_income").await, "", "{language}");
        }
        b.close().await;
    });
}
