//! The app's parts in a real browser (wasm-bindgen-test in headless Chromium: `cargo
//! xtask test`, or `cargo test -p tianye-web --target wasm32-unknown-unknown` with the
//! pinned `wasm-bindgen-test-runner` on PATH).
//!
//! - the store on the browser's real localStorage: put, get, list, the index repaired
//!   after a lost line, two prefixes kept apart, a full storage reported as
//!   [`StoreError::Full`] with the previous copy kept;
//! - components mounted with `leptos::mount::mount_to` on the bundled `lbc_household`:
//!   every question labelled, relevance hiding a question, roster cards following the
//!   count answer (lowering it asks about rows holding answers only once the box is
//!   left), text committed on input but never during an input method's
//!   composition (in a text box and a text area), a problem placed in words (row
//!   title and label), the list's summary of the answers in words, long groups cut into chunks that
//!   hide with their questions, texts following the answers they show, and "go to the
//!   first problem" scrolling to a question far down a long page (with the app's styles).
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos::task::tick;
use serde_json::{Value, json};
use tianye_core::response::Status;
use tianye_core::schema::Text;
use tianye_core::{Form, Loc};
use tianye_web::app::{App, Config, Listing};
use tianye_web::components::field_view;
use tianye_web::form_state::FormState;
use tianye_web::pages::form::{FormPage, page_view};
use tianye_web::pages::home::{Home, backup_json};
use tianye_web::pages::review::ReviewPage;
use tianye_web::state::answers::problem_place;
use tianye_web::state::answers::summary;
use tianye_web::state::record::{Record, Upload};
use tianye_web::state::store::{Elsewhere, STORAGE_LIMIT_CHARS, Store, StoreError, site_chars};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const LBC: &str = include_str!("../../questionnaires/lbc_household/form.json");

fn record(id: &str, updated: &str, answers: Value) -> Record {
    serde_json::from_value(json!({
        "response": {
            "instance_id": id,
            "questionnaire": {"id": "lbc_household", "version": "2026.3"},
            "status": "draft",
            "answers": answers,
            "meta": {"started_at": updated, "updated_at": updated}
        },
        "title": {"zh": "入户调查", "en": "Household survey"}
    }))
    .expect("a record")
}

fn raw() -> web_sys::Storage {
    LocalStorage::raw()
}

/// Removes every key starting with `prefix` (tests share one page's storage).
fn clear(prefix: &str) {
    let s = raw();
    let keys: Vec<String> = (0..s.length().unwrap_or(0))
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(prefix))
        .collect();
    for k in keys {
        let _ = s.remove_item(&k);
    }
}

#[wasm_bindgen_test]
fn store_puts_gets_and_lists_records_newest_first() {
    clear("t-basic.");
    let store = Store::new("t-basic.");
    let a = record("a", "2026-07-01T09:00:00+08:00", json!({"enumerator_name": "周晓雯"}));
    let b = record("b", "2026-07-02T09:00:00+08:00", json!({"hh_code": "XS03-012"}));
    store.put(&a).unwrap();
    store.put(&b).unwrap();
    assert_eq!(store.get("lbc_household", "a"), Some(a.clone()));
    assert_eq!(store.get("lbc_household", "missing"), None);
    assert_eq!(store.records(), vec![b.clone(), a.clone()]);
    // The record is under its versioned key, readable by anything on the page.
    let text = raw().get_item("t-basic.tianye.v1.r.lbc_household.a").unwrap().unwrap();
    assert!(text.contains("周晓雯"), "{text}");
    // A second put replaces, never duplicates.
    let mut a2 = a.clone();
    a2.response.answers.insert("hh_size".into(), json!(3));
    store.put(&a2).unwrap();
    assert_eq!(store.records().len(), 2);
    assert_eq!(store.get("lbc_household", "a"), Some(a2.clone()));
    // A change to a stored record writes the record only, not the index.
    let index = "t-basic.tianye.v1.index";
    let before = raw().get_item(index).unwrap();
    raw().set_item(index, "[]").unwrap();
    store.put(&a2).unwrap();
    assert_eq!(raw().get_item(index).unwrap().as_deref(), Some("[]"));
    raw().set_item(index, &before.unwrap()).unwrap();
    store.delete("lbc_household", "b");
    assert_eq!(store.records().len(), 1);
    clear("t-basic.");
}

#[wasm_bindgen_test]
fn store_repairs_its_index_after_a_lost_line() {
    clear("t-index.");
    let store = Store::new("t-index.");
    let a = record("a", "2026-07-01T09:00:00+08:00", json!({}));
    let b = record("b", "2026-07-02T09:00:00+08:00", json!({}));
    store.put(&a).unwrap();
    store.put(&b).unwrap();
    // A crash between writing record b and its index line.
    let index = "t-index.tianye.v1.index";
    raw().set_item(index, r#"[{"form":"lbc_household","id":"a"}]"#).unwrap();
    assert_eq!(store.records(), vec![b.clone(), a.clone()], "b found by scanning");
    let repaired: Value = serde_json::from_str(&raw().get_item(index).unwrap().unwrap()).unwrap();
    assert_eq!(repaired.as_array().map(Vec::len), Some(2), "index rewritten: {repaired}");
    // An index line whose record is gone is dropped.
    let _ = raw().remove_item("t-index.tianye.v1.r.lbc_household.a");
    assert_eq!(store.records(), vec![b]);
    // A lost index altogether.
    let _ = raw().remove_item(index);
    assert_eq!(store.records().len(), 1);
    clear("t-index.");
}

#[wasm_bindgen_test]
fn two_prefixes_keep_two_stores_apart() {
    clear("portal-a.");
    clear("portal-b.");
    let a = Store::new("portal-a.");
    let b = Store::new("portal-b.");
    a.put(&record("x", "2026-07-01T09:00:00+08:00", json!({"hh_code": "A"}))).unwrap();
    b.put(&record("x", "2026-07-01T09:00:00+08:00", json!({"hh_code": "B"}))).unwrap();
    b.put(&record("y", "2026-07-01T09:00:00+08:00", json!({}))).unwrap();
    assert_eq!(a.records().len(), 1);
    assert_eq!(b.records().len(), 2);
    assert_eq!(a.get("lbc_household", "x").unwrap().response.answers["hh_code"], json!("A"));
    assert_eq!(b.get("lbc_household", "x").unwrap().response.answers["hh_code"], json!("B"));
    let mut settings = a.settings();
    settings.token = Some("team-a".into());
    a.put_settings(&settings).unwrap();
    assert_eq!(b.settings().token, None);
    a.put_questionnaire("lbc_household", "2026.3", "{}").unwrap();
    assert_eq!(a.cached_questionnaires().len(), 1);
    assert!(b.cached_questionnaires().is_empty());
    b.delete("lbc_household", "x");
    assert!(a.get("lbc_household", "x").is_some(), "deleting in b leaves a alone");
    clear("portal-a.");
    clear("portal-b.");
}

/// A `storage` event's key names what another tab changed in this store; keys of other
/// prefixes, the index and the questionnaire cache are none of the app's copies in
/// memory.
#[wasm_bindgen_test]
fn a_storage_key_changed_elsewhere_names_what_it_touched() {
    let store = Store::new("portal-a.");
    let record =
        |form: &str, id: &str| Some(Elsewhere::Record { form: form.to_owned(), id: id.to_owned() });
    let cases: [(Option<&str>, Option<Elsewhere>); 8] = [
        (Some("portal-a.tianye.v1.r.lbc_household.0f3a-77"), record("lbc_household", "0f3a-77")),
        (
            Some("portal-a.tianye.v1.r.lbc_household.uuid.with.dots"),
            record("lbc_household", "uuid.with.dots"),
        ),
        (Some("portal-a.tianye.v1.settings"), Some(Elsewhere::Settings)),
        (None, Some(Elsewhere::Everything)),
        (Some("portal-a.tianye.v1.index"), None),
        (Some("portal-a.tianye.v1.q.lbc_household@2026.3"), None),
        (Some("portal-b.tianye.v1.r.lbc_household.0f3a-77"), None),
        (Some("tianye.v1.settings"), None),
    ];
    for (key, expected) in cases {
        assert_eq!(store.elsewhere(key), expected, "{key:?}");
    }
    assert_eq!(Store::new("").elsewhere(Some("tianye.v1.settings")), Some(Elsewhere::Settings));
    assert_eq!(Store::new("").elsewhere(Some("portal-a.tianye.v1.settings")), None);
}

/// The storage a site uses is counted as browsers count their limit: in UTF-16 code
/// units of keys and values, whichever store or page wrote them.
#[wasm_bindgen_test]
fn the_site_storage_is_counted_in_utf16_units_of_every_key() {
    clear("t-chars.");
    let before = site_chars();
    raw().set_item("t-chars.田野", "周晓雯 XS03-012 𠀋").unwrap();
    // 10 + 15 units: "𠀋" is two.
    assert_eq!(site_chars() - before, 10 + 15);
    clear("t-chars.");
    assert_eq!(site_chars(), before);
}

/// A stored record this build cannot read is neither dropped nor written over: the list
/// names it with the reason, and the backup file carries its text.
#[wasm_bindgen_test]
async fn an_unreadable_record_is_named_kept_and_backed_up() {
    const PREFIX: &str = "t-bad.";
    clear(PREFIX);
    let store = Store::new(PREFIX);
    store.put(&record("good", "2026-07-01T09:00:00+08:00", json!({"hh_code": "A"}))).unwrap();
    let key = "t-bad.tianye.v1.r.lbc_household.cut";
    let cut = r#"{"response": {"instance_id": "cut", "answers": {"hh_code": "B"#;
    raw().set_item(key, cut).unwrap();
    let (records, unreadable) = store.records_and_unreadable();
    assert_eq!(records.len(), 1);
    assert_eq!(unreadable.len(), 1, "{unreadable:?}");
    assert_eq!(unreadable[0].key, key);
    assert_eq!(unreadable[0].text, cut);
    assert!(
        unreadable[0].error.starts_with("文本不完整 / the text is cut off")
            && unreadable[0].error.contains(&format!("line 1, column {}", cut.len())),
        "{}",
        unreadable[0].error
    );

    // The list says so and names it.
    let host = new_host();
    leptos::mount::mount_to(host.clone(), || {
        let app = App::new(Config { prefix: PREFIX.into(), ..Config::default() });
        view! { <Home app=app/> }
    })
    .forget();
    tick().await;
    let shown = query(&host, ".unreadable").text_content().unwrap_or_default();
    assert!(shown.contains("有 1 份答卷无法读取") && shown.contains(key), "{shown}");
    assert_eq!(count(&host, "li.record"), 1);

    // The backup carries its text; saving other responses leaves it as it was.
    let backup: Value = serde_json::from_str(&backup_json(&records, &unreadable, None)).unwrap();
    assert_eq!(backup["responses"].as_array().map(Vec::len), Some(1));
    assert_eq!(backup["unreadable"][0]["key"], json!(key));
    assert_eq!(backup["unreadable"][0]["text"], json!(cut));
    store.put(&record("next", "2026-07-02T09:00:00+08:00", json!({}))).unwrap();
    assert_eq!(raw().get_item(key).unwrap().as_deref(), Some(cut));
    host.remove();
    clear(PREFIX);
}

/// The backup holds a sealed response as its envelope, the JSON object the sealer made,
/// beside the plain ones; an uploaded one is left out.
#[wasm_bindgen_test]
fn the_backup_holds_sealed_responses_as_their_envelopes() {
    use tianye_web::state::record::{Envelope, Upload};
    let plain = record("plain", "2026-07-01T09:00:00+08:00", json!({"hh_code": "A"}));
    let envelope = r#"{"sealed":"tianye-sealed-1","instance_id":"s1","ciphertext":"AAEC"}"#;
    let mut sealed = record("s1", "2026-07-01T10:00:00+08:00", json!({"hh_code": "秘密"}));
    sealed.keep_sealed(Envelope(envelope.into()));
    let mut sent = record("s2", "2026-07-01T11:00:00+08:00", json!({}));
    sent.keep_sealed(Envelope(r#"{"instance_id":"s2"}"#.into()));
    sent.upload = Upload::Uploaded { at: "2026-07-01T12:00:00+08:00".into() };
    for (records, want) in [
        (vec![sealed.clone(), plain.clone(), sent.clone()], vec!["plain", "s1"]),
        (vec![sealed.clone()], vec!["s1"]),
        (vec![sent.clone(), plain.clone()], vec!["plain"]),
        (vec![], vec![]),
    ] {
        let text = backup_json(&records, &[], Some("tok".into()));
        let backup: Value = serde_json::from_str(&text).expect(&text);
        let ids: Vec<&str> = backup["responses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["instance_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, want, "{text}");
        assert_eq!(backup["team_token"], json!("tok"));
        assert!(!text.contains("秘密"), "{text}");
        if want.contains(&"s1") {
            let got =
                backup["responses"].as_array().unwrap().iter().find(|r| r["instance_id"] == "s1");
            assert_eq!(got, Some(&serde_json::from_str::<Value>(envelope).unwrap()));
        }
    }
}

/// The list says whether the app is ready to work offline: once the service worker
/// keeps its files and this device every questionnaire the server lists; until then,
/// to stay online; where no service worker can keep it, nothing.
#[wasm_bindgen_test]
async fn the_list_says_when_the_app_is_ready_to_work_offline() {
    const P: &str = "ready.";
    clear(P);
    let listing = |id: &str, from_server: bool| Listing {
        id: id.into(),
        version: "2026.3".into(),
        title: serde_json::from_value::<Text>(json!({"zh": "入户调查", "en": "Household"}))
            .unwrap(),
        url: format!("/api/v1/questionnaires/{id}?version=2026.3"),
        from_server,
    };
    let host = new_host();
    let app = App::new(Config { prefix: P.into(), ..Config::default() });
    leptos::mount::mount_to(host.clone(), move || view! { <Home app=app/> }).forget();
    app.catalogue.listings.set(vec![listing("lbc_household", true)]);
    tick().await;
    assert_eq!(count(&host, ".offline-ready"), 0, "embedded, or no secure context");
    let said = || query(&host, ".offline-ready").text_content().unwrap_or_default();
    // The service worker is still keeping the files; then the questionnaire is missing.
    app.shell_kept.set(Some(false));
    tick().await;
    assert!(said().starts_with("正在准备离线使用"), "{}", said());
    assert_eq!(count(&host, ".offline-ready.preparing"), 1);
    app.shell_kept.set(Some(true));
    app.catalogue.forms_pending.set(true);
    tick().await;
    assert!(said().starts_with("正在准备离线使用"), "{}", said());
    // The questionnaire fetched and kept: ready.
    app.store.with_value(|s| s.put_questionnaire("lbc_household", "2026.3", LBC)).unwrap();
    app.catalogue.forms_pending.set(false);
    tick().await;
    assert!(said().starts_with("已可离线使用"), "{}", said());
    assert_eq!(count(&host, ".offline-ready.ready"), 1);
    // A bundled questionnaire is among the service worker's files: nothing more to keep.
    app.catalogue.listings.update(|c| c.push(listing("lbc_record_card", false)));
    tick().await;
    assert!(said().starts_with("已可离线使用"), "{}", said());
    // A new one the server lists, not yet kept: not ready again.
    app.catalogue.listings.update(|c| c.push(listing("lbc_quarterly_screening", true)));
    tick().await;
    assert!(said().starts_with("正在准备离线使用"), "{}", said());
    host.remove();
    clear(P);
}

/// A questionnaire that cannot be downloaded (no network, a signal that gives out) is
/// said to be so, in both languages, rather than "not found"; nothing is started, and
/// its button is free to be tapped again.
#[wasm_bindgen_test]
async fn a_questionnaire_that_cannot_be_downloaded_says_so_and_starts_nothing() {
    const P: &str = "nodownload.";
    clear(P);
    let app = App::new(Config { prefix: P.into(), ..Config::default() });
    // Nothing listens there (and browsers refuse the port): the request fails at once.
    let listing = Listing {
        id: "lbc_household".into(),
        version: "2026.3".into(),
        title: serde_json::from_value::<Text>(json!({"zh": "入户调查"})).unwrap(),
        url: "http://127.0.0.1:9/api/v1/questionnaires/lbc_household?version=2026.3".into(),
        from_server: true,
    };
    app.catalogue.listings.set(vec![listing.clone()]);
    app.start(listing.clone()).await;
    let notice = app.notice.get_untracked().unwrap_or_default();
    assert!(notice.starts_with("问卷没有下载下来"), "{notice}");
    assert!(notice.contains("did not download"), "{notice}");
    assert_eq!(app.catalogue.opening.get_untracked(), None);
    assert!(app.responses.records.get_untracked().is_empty());
    // Kept on the device since (a later visit with signal), it starts at once.
    app.store.with_value(|s| s.put_questionnaire("lbc_household", "2026.3", LBC)).unwrap();
    app.start(listing).await;
    assert_eq!(app.responses.records.get_untracked().len(), 1);
    clear(P);
}

/// Fills localStorage to its quota with `filler.*` keys; removes them when dropped.
struct Filler;

impl Filler {
    fn fill() -> Filler {
        let s = raw();
        let mut size = 1usize << 20;
        let mut n = 0;
        while size >= 1 {
            if s.set_item(&format!("filler.{n}"), &"x".repeat(size)).is_ok() {
                n += 1;
            } else {
                size /= 2;
            }
        }
        assert!(n > 0);
        Filler
    }
}

impl Drop for Filler {
    fn drop(&mut self) {
        clear("filler.");
    }
}

#[wasm_bindgen_test]
fn a_full_storage_is_reported_and_keeps_the_previous_copy() {
    clear("t-full.");
    let store = Store::new("t-full.");
    let before = record("a", "2026-07-01T09:00:00+08:00", json!({"enumerator_name": "周晓雯"}));
    store.put(&before).unwrap();
    {
        let _filler = Filler::fill();
        // Full where the app puts the limit it shows (counted as the browser counts).
        let used = site_chars();
        assert!(
            (STORAGE_LIMIT_CHARS - 16..=STORAGE_LIMIT_CHARS).contains(&used),
            "full at {used} characters, not {STORAGE_LIMIT_CHARS}"
        );
        let mut after = before.clone();
        after.response.answers.insert("remarks".into(), json!("很长的备注".repeat(200)));
        assert_eq!(store.put(&after), Err(StoreError::Full));
        assert_eq!(store.get("lbc_household", "a"), Some(before.clone()), "old copy kept");
        let new = record("b", "2026-07-02T09:00:00+08:00", json!({"remarks": "x".repeat(5000)}));
        assert_eq!(store.put(&new), Err(StoreError::Full));
        assert_eq!(store.records(), vec![before.clone()]);
        let mut settings = store.settings();
        settings.enumerator = Some("李".repeat(5000));
        assert_eq!(store.put_settings(&settings), Err(StoreError::Full));
    }
    // Space again: saving works.
    let mut after = before.clone();
    after.upload = Upload::Queued { attempts: 0, next_at: 0.0, last_error: None };
    store.put(&after).unwrap();
    assert_eq!(store.get("lbc_household", "a"), Some(after));
    clear("t-full.");
}

// ---- components ------------------------------------------------------------------------

/// Opens `record` of `form` in an app with storage `prefix` and mounts in `host` what
/// `view` makes of the form's state; returns the state.
fn mount_form(
    host: &web_sys::HtmlElement,
    prefix: &str,
    form: Arc<Form>,
    record: Record,
    view: impl FnOnce(FormState) -> AnyView + 'static,
) -> FormState {
    let out = Rc::new(Cell::new(None));
    let slot = Rc::clone(&out);
    let prefix = prefix.to_owned();
    let handle = leptos::mount::mount_to(host.clone(), move || {
        let app = App::new(Config { prefix, ..Config::default() });
        let st = FormState::new(app, form, record);
        slot.set(Some(st));
        view(st)
    });
    handle.forget();
    out.take().expect("mounted")
}

/// An empty response `id` to the questionnaire `form_id`.
fn empty_record(form_id: &str, id: &str) -> Record {
    let mut r = record(id, "2026-07-01T09:00:00+08:00", json!({}));
    r.response.questionnaire.id = form_id.into();
    r
}

/// Mounts the items `names` of `lbc_household` (with `answers`) in a fresh element;
/// returns the element and the form's state.
fn mount(prefix: &str, answers: Value, names: &[&str]) -> (web_sys::HtmlElement, FormState) {
    let (host, form) = fresh(prefix, LBC);
    let ids: Vec<_> = names.iter().map(|n| form.lookup(n).expect("item")).collect();
    let record = record("m", "2026-07-01T09:00:00+08:00", answers);
    let st = mount_form(&host, prefix, form, record, move |st| {
        view! { <div class="page">{ids.into_iter().map(|id| field_view(st, id, Vec::new())).collect_view()}</div> }
            .into_any()
    });
    (host, st)
}

fn query(host: &web_sys::HtmlElement, css: &str) -> web_sys::Element {
    host.query_selector(css).unwrap().unwrap_or_else(|| panic!("no {css}"))
}

fn count(host: &web_sys::HtmlElement, css: &str) -> u32 {
    host.query_selector_all(css).unwrap().length()
}

fn hidden(host: &web_sys::HtmlElement, css: &str) -> bool {
    query(host, css).class_list().contains("hidden")
}

/// Types `text` into the input `css` as the browser reports typing: value, then `input`.
fn type_text(host: &web_sys::HtmlElement, css: &str, text: &str) {
    let input: web_sys::HtmlInputElement = query(host, css).dyn_into().unwrap();
    input.set_value(text);
    input.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
}

#[wasm_bindgen_test]
async fn every_question_has_its_label_and_required_mark() {
    let (host, _) = mount("t-labels.", json!({}), &["g_interview"]);
    tick().await;
    let label = query(&host, "label[for='q-enumerator_name-input']");
    assert!(label.text_content().unwrap().contains("调查员姓名"), "{:?}", label.text_content());
    assert!(label.query_selector(".req").unwrap().is_some(), "required mark");
    assert!(host.query_selector("#q-enumerator_name-input").unwrap().is_some());
    // Every question's label points at an input, radio group or select of the page.
    let labels = host.query_selector_all("label.q-label").unwrap();
    assert!(labels.length() >= 8, "{}", labels.length());
    for i in 0..labels.length() {
        let l: web_sys::Element = labels.item(i).unwrap().dyn_into().unwrap();
        let target = l.get_attribute("for").unwrap();
        assert!(host.query_selector(&format!("#{target}")).unwrap().is_some(), "{target}");
        assert!(!l.text_content().unwrap().trim().is_empty(), "{target} has no text");
    }
    // Choices are labelled in Chinese.
    assert!(query(&host, "#q-county-input").text_content().unwrap().contains("隆回县"));
    host.remove();
}

#[wasm_bindgen_test]
async fn a_problem_is_placed_by_its_row_title_and_label() {
    let answers = json!({"consent": "yes", "hh_size": 2, "member": [{"m_name": "王秀英"}, {}]});
    let (host, st) = mount("t-place.", answers, &["member"]);
    for (path, lang, want) in [
        ("hh_code", "zh", "户编号"),
        ("hh_code", "en", "Household code"),
        ("member[0].m_dob", "zh", "王秀英 · 出生日期"),
        ("member[1].m_dob", "zh", "第 2 行 · 出生日期"),
        ("member[1].m_dob", "en", "Row 2 · Date of birth"),
        ("member", "zh", "三、家庭成员"),
        ("member[1]", "zh", "三、家庭成员"),
        ("no_such[3].thing", "zh", "no_such[3].thing"),
        ("", "zh", ""),
    ] {
        let got = st.with_session(|s| problem_place(s, s.locate(path).as_ref(), path, lang));
        assert_eq!(got, want, "{path} in {lang}");
    }
    host.remove();
}

#[wasm_bindgen_test]
async fn the_summary_gives_the_answers_in_words_in_the_questionnaire_order() {
    let answers = json!({
        "interview_date": "2026-07-08", "enumerator_name": "周晓雯", "county": "longhui",
        "township": "xiaoshajiang", "village": "wangxi", "hh_code": "XS03-012",
        "consent": "yes", "hh_size": 2, "member": [{"m_name": "王秀英"}, {"m_name": "刘思雨"}],
    });
    let (host, st) = mount("t-summary.", answers, &[]);
    let lines = st.with_session(summary);
    let line = lines.get("zh", "zh");
    let at = |needle: &str| line.find(needle).unwrap_or_else(|| panic!("{needle} not in {line}"));
    // Choices by their labels, in the questionnaire's order.
    assert!(at("周晓雯") < at("隆回县") && at("隆回县") < at("旺溪村"), "{line}");
    assert!(at("旺溪村") < at("XS03-012") && at("XS03-012") < at("王秀英"), "{line}");
    assert!(at("王秀英") < at("刘思雨"), "{line}");
    // No choice names, dates or numbers.
    for absent in ["wangxi", "longhui", "2026-07-08", "2"] {
        assert!(!line.split(' ').any(|w| w == absent), "{absent} in {line}");
    }
    // The English line has the choices' English labels, and the same text answers.
    let en = lines.get("en", "zh");
    assert!(en.starts_with("周晓雯 Longhui County"), "{en}");
    assert!(en.contains("Wangxi Village XS03-012") && en.contains(" Yes "), "{en}");
    assert!(en.ends_with("王秀英 刘思雨") && !en.contains("旺溪村"), "{en}");
    // A line with no choice made is one plain text.
    let plain = summary_of(json!({"enumerator_name": "周晓雯", "hh_code": "XS03-012"}));
    assert_eq!(plain, Text::Plain("周晓雯 XS03-012".to_owned()));
    host.remove();
}

/// The list's line for a household response holding `answers`.
fn summary_of(answers: serde_json::Value) -> Text {
    let (host, st) = mount("t-summary-plain.", answers, &[]);
    let line = st.with_session(summary);
    host.remove();
    line
}

#[wasm_bindgen_test]
async fn relevance_hides_and_shows_a_question() {
    let (host, st) = mount("t-relevance.", json!({"consent": "yes"}), &["g_household"]);
    tick().await;
    // Asked only when someone works away.
    assert!(hidden(&host, "#q-away_provinces"));
    type_text(&host, "#q-n_away-input", "2");
    tick().await;
    assert!(!hidden(&host, "#q-away_provinces"), "n_away 2 shows the provinces");
    let n_away = Loc::top(st.form().lookup("n_away").unwrap());
    assert_eq!(st.with_session(|s| s.answer(&n_away)), json!(2));
    type_text(&host, "#q-n_away-input", "0");
    tick().await;
    assert!(hidden(&host, "#q-away_provinces"), "n_away 0 hides them again");
    // The whole group follows consent.
    let consent = Loc::top(st.form().lookup("consent").unwrap());
    st.set(&consent, &json!("no"));
    tick().await;
    assert!(hidden(&host, "#q-g_household"));
    host.remove();
}

/// The problems are validated once per change, however many views ask for them; a
/// change (an answer, a row, the language) validates again, and what it finds follows
/// the answers.
#[wasm_bindgen_test]
async fn the_problems_are_validated_once_per_change() {
    let (host, st) = mount("t-report.", json!({"consent": "yes"}), &["g_household"]);
    tick().await;
    let first = st.all_problems();
    assert!(Arc::ptr_eq(&first, &st.all_problems()), "asked again: the same report");
    let n_away = Loc::top(st.form().lookup("n_away").unwrap());
    st.set(&n_away, &json!(2));
    let after = st.all_problems();
    assert!(!Arc::ptr_eq(&first, &after), "an answer: validated again");
    assert!(Arc::ptr_eq(&after, &st.all_problems()));
    // Answering "no" to consent leaves nothing of the household to answer.
    let consent = Loc::top(st.form().lookup("consent").unwrap());
    st.set(&consent, &json!("no"));
    let fresh = st.with_session(|s| s.report(tianye_core::response::Status::Complete).problems);
    assert_eq!(st.all_problems().to_vec(), fresh, "the report follows the answers");
    host.remove();
}

/// The review has the language switch too: the titles, the problems and the answers'
/// labels follow it.
#[wasm_bindgen_test]
async fn the_review_switches_language() {
    let (host, form) = fresh("t-review-lang.", LBC);
    let r = record("m", "2026-07-01T09:00:00+08:00", json!({}));
    mount_form(&host, "t-review-lang.", form, r, |st| view! { <ReviewPage st=st/> }.into_any());
    tick().await;
    let text = |css: &str| query(&host, css).text_content().unwrap_or_default();
    assert_eq!(text(".bar h1"), "检查并提交");
    assert!(text(".review-problems").contains("此题必须回答"), "{}", text(".review-problems"));
    let switch: web_sys::HtmlElement =
        query(&host, ".bar button.link:last-child").dyn_into().unwrap();
    assert_eq!(switch.text_content().as_deref(), Some("English"));
    switch.click();
    tick().await;
    assert_eq!(text(".bar h1"), "Review and submit");
    assert_eq!(text(".bar button.link:last-child"), "中文");
    let problems = text(".review-problems");
    assert!(
        problems.contains("This question is required") && !problems.contains("此题"),
        "{problems}"
    );
    assert!(text(".review-answers").contains("Enumerator's name"), "{}", text(".review-answers"));
    host.remove();
    clear("t-review-lang.");
}

/// A star rating is a group of native radios: one name for the group, each star named
/// "n / scale" and checked when it is the answer; a tap chooses, and an answer set from
/// elsewhere (another tab, a default) checks its star. The arrow keys are the browser's
/// own for a group of radios (a synthetic key event has no default action to test).
#[wasm_bindgen_test]
async fn a_rating_is_a_group_of_radios_chosen_by_tap() {
    let (host, form) = fresh(
        "t-rating.",
        r#"{"id": "rating", "version": "1", "title": "rating",
                "items": [{"type": "rating", "name": "stars", "scale": 5,
                           "label": {"zh": "满意度", "en": "Satisfaction"}}]}"#,
    );
    let stars = form.lookup("stars").unwrap();
    let st = mount_form(&host, "t-rating.", form, empty_record("rating", "m"), move |st| {
        field_view(st, stars, Vec::new())
    });
    tick().await;
    let group = query(&host, "#q-stars-input");
    assert_eq!(group.get_attribute("role").as_deref(), Some("radiogroup"));
    assert_eq!(group.get_attribute("aria-labelledby").as_deref(), Some("q-stars-label"));
    let star = |n: u32| -> web_sys::HtmlInputElement {
        query(&host, &format!("#q-stars-input .star:nth-child({n}) input")).dyn_into().unwrap()
    };
    let checked = || -> Vec<u32> { (1..=5).filter(|&n| star(n).checked()).collect() };
    assert_eq!(star(3).type_(), "radio");
    assert_eq!(star(3).get_attribute("aria-label").as_deref(), Some("3 / 5"));
    let names: Vec<String> = (1..=5).map(|n| star(n).name()).collect();
    assert!(names.iter().all(|n| !n.is_empty() && *n == names[0]), "one group: {names:?}");
    assert_eq!(checked(), Vec::<u32>::new());
    let answer = || st.with_session(|s| s.answer(&Loc::top(stars)));
    star(3).click();
    tick().await;
    assert_eq!((answer(), checked()), (json!(3), vec![3]));
    star(5).click();
    tick().await;
    assert_eq!((answer(), checked()), (json!(5), vec![5]));
    st.set(&Loc::top(stars), &json!(2));
    tick().await;
    assert_eq!(
        (answer(), checked()),
        (json!(2), vec![2]),
        "an answer set elsewhere checks its star"
    );
    host.remove();
    clear("t-rating.");
}

/// A page whose group shows nothing (only calculations, and a note hidden until they
/// have something to say) is skipped, and comes back once something in it shows.
#[wasm_bindgen_test]
async fn a_page_with_nothing_to_show_is_skipped() {
    let (host, form) = fresh(
        "t-empty-page.",
        r#"{"id": "pages", "version": "1", "title": "pages", "items": [
                 {"type": "group", "name": "g_one", "label": "one",
                  "items": [{"type": "integer", "name": "age", "label": "age"}]},
                 {"type": "group", "name": "g_result", "label": "result", "items": [
                   {"type": "calculate", "name": "adult", "calculation": "if(${age} >= 18, 'yes', 'no')"},
                   {"type": "note", "name": "result_note", "label": "adult: ${adult}",
                    "relevant": "${age} != ''"}]},
                 {"type": "group", "name": "g_three", "label": "three",
                  "items": [{"type": "text", "name": "remarks", "label": "remarks"}]}]}"#,
    );
    let record = empty_record("pages", "p");
    let st = mount_form(&host, "t-empty-page.", Arc::clone(&form), record.clone(), |st| {
        view! { <main class="page">{page_view(st)}</main> }.into_any()
    });
    tick().await;
    assert_eq!(st.relevant_pages(), vec![0, 2], "the result page has nothing to show yet");
    type_text(&host, "#q-age-input", "30");
    tick().await;
    assert_eq!(st.relevant_pages(), vec![0, 1, 2], "the note shows: so does its page");
    // The review lists no heading for a group with no answers to list.
    let review = new_host();
    mount_form(&review, "t-empty-page.", form, record, |st| {
        view! { <ReviewPage st=st/> }.into_any()
    });
    tick().await;
    let answers = query(&review, ".review-answers").text_content().unwrap_or_default();
    assert!(answers.contains("one") && answers.contains("three"), "{answers}");
    assert!(!answers.contains("result"), "{answers}");
    review.remove();
    host.remove();
    clear("t-empty-page.");
}

/// A cascading choice offers nothing until the answer it follows is given (a village
/// before its township): it says so, then offers that answer's choices.
#[wasm_bindgen_test]
async fn a_cascading_choice_says_it_has_no_choices_until_the_one_before_is_answered() {
    let (host, st) = mount("t-cascade.", json!({"county": "longhui"}), &["township", "village"]);
    tick().await;
    let radios = |css: &str| count(&host, &format!("{css} input[type=radio]"));
    let note = |css: &str| host.query_selector(&format!("{css} .no-choices")).unwrap();
    assert!(radios("#q-township") > 0, "the county's townships are offered");
    assert!(note("#q-township").is_none());
    assert_eq!(radios("#q-village"), 0);
    let text = note("#q-village").expect("the village says why it is empty").text_content();
    assert_eq!(text.as_deref(), Some("暂无选项：请先回答上面的问题"));
    let township = Loc::top(st.form().lookup("township").unwrap());
    st.set(&township, &json!("taohong"));
    tick().await;
    assert!(note("#q-village").is_none(), "the note goes once a township is chosen");
    assert!(radios("#q-village") > 0);
    assert!(host.query_selector("#q-village input[value=shimen]").unwrap().is_some());
    host.remove();
}

#[wasm_bindgen_test]
async fn roster_cards_follow_the_household_size() {
    let (host, _) = mount("t-roster.", json!({"consent": "yes"}), &["hh_size", "member"]);
    tick().await;
    assert_eq!(count(&host, "#q-member .row-card"), 0);
    type_text(&host, "#q-hh_size-input", "3");
    tick().await;
    assert_eq!(count(&host, "#q-member .row-card"), 3);
    assert!(host.query_selector("#q-m_name-2-input").unwrap().is_some());
    // Cards are titled by the member's name once typed.
    type_text(&host, "#q-m_name-1-input", "刘建军");
    tick().await;
    let title = query(&host, "#q-member .row-card:nth-of-type(2) h3").text_content().unwrap();
    assert_eq!(title, "刘建军");
    type_text(&host, "#q-hh_size-input", "5");
    tick().await;
    assert_eq!(count(&host, "#q-member .row-card"), 5);
    // The name typed in row 2 is still there after the roster grew.
    let name: web_sys::HtmlInputElement = query(&host, "#q-m_name-1-input").dyn_into().unwrap();
    assert_eq!(name.value(), "刘建军");
    // A smaller count drops the empty rows at the end (rows holding answers are asked
    // about first).
    type_text(&host, "#q-hh_size-input", "2");
    tick().await;
    assert_eq!(count(&host, "#q-member .row-card"), 2);
    assert_eq!(name.value(), "刘建军");
    host.remove();
}

#[wasm_bindgen_test]
async fn text_is_committed_on_input_but_not_during_composition() {
    let (host, st) = mount("t-ime.", json!({}), &["enumerator_name"]);
    tick().await;
    let name = Loc::top(st.form().lookup("enumerator_name").unwrap());
    let input: web_sys::HtmlInputElement =
        query(&host, "#q-enumerator_name-input").dyn_into().unwrap();
    input.focus().unwrap();
    let composition = |kind: &str, data: &str| {
        let init = web_sys::CompositionEventInit::new();
        init.set_data(data);
        init.set_bubbles(true);
        web_sys::CompositionEvent::new_with_event_init_dict(kind, &init).unwrap()
    };
    input.dispatch_event(&composition("compositionstart", "")).unwrap();
    for pinyin in ["w", "wang", "wang xiao ming"] {
        input.set_value(pinyin);
        let init = web_sys::InputEventInit::new();
        init.set_is_composing(true);
        init.set_bubbles(true);
        let ev = web_sys::InputEvent::new_with_event_init_dict("input", &init).unwrap();
        input.dispatch_event(&ev).unwrap();
        tick().await;
        assert_eq!(st.with_session(|s| s.answer(&name)), Value::Null, "{pinyin} committed");
        assert_eq!(input.value(), pinyin, "the box was changed under the input method");
    }
    input.set_value("王小明");
    input.dispatch_event(&composition("compositionend", "王小明")).unwrap();
    tick().await;
    assert_eq!(st.with_session(|s| s.answer(&name)), json!("王小明"));
    // Plain typing commits at once, and is saved.
    type_text(&host, "#q-enumerator_name-input", "王小明丽");
    tick().await;
    assert_eq!(st.with_session(|s| s.answer(&name)), json!("王小明丽"));
    let saved = Store::new("t-ime.").get("lbc_household", "m").expect("saved on change");
    assert_eq!(saved.response.answers["enumerator_name"], json!("王小明丽"));
    host.remove();
}

#[wasm_bindgen_test]
async fn a_text_area_waits_for_the_input_method_too() {
    let (host, st) = mount("t-ime-area.", json!({"consent": "yes"}), &["remarks"]);
    tick().await;
    let remarks = Loc::top(st.form().lookup("remarks").unwrap());
    let area: web_sys::HtmlTextAreaElement =
        query(&host, "textarea#q-remarks-input").dyn_into().unwrap();
    area.focus().unwrap();
    let event = |kind: &str| {
        let init = web_sys::CompositionEventInit::new();
        init.set_bubbles(true);
        web_sys::CompositionEvent::new_with_event_init_dict(kind, &init).unwrap()
    };
    area.dispatch_event(&event("compositionstart")).unwrap();
    area.set_value("bu zai jia");
    let init = web_sys::InputEventInit::new();
    init.set_is_composing(true);
    init.set_bubbles(true);
    area.dispatch_event(&web_sys::InputEvent::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    tick().await;
    assert_eq!(st.with_session(|s| s.answer(&remarks)), Value::Null);
    area.set_value("父母都不在家");
    area.dispatch_event(&event("compositionend")).unwrap();
    tick().await;
    assert_eq!(st.with_session(|s| s.answer(&remarks)), json!("父母都不在家"));
    assert_eq!(area.value(), "父母都不在家");
    host.remove();
}

/// A `div.tianye` added to the page, to mount a view in.
fn new_host() -> web_sys::HtmlElement {
    let host: web_sys::HtmlElement =
        document().create_element("div").unwrap().dyn_into().expect("a div");
    host.set_class_name("tianye");
    document().body().unwrap().append_child(&host).unwrap();
    host
}

/// A fresh start for a test: its storage `prefix` cleared, a new element to mount in, and
/// `questionnaire` compiled.
fn fresh(prefix: &str, questionnaire: &str) -> (web_sys::HtmlElement, Arc<Form>) {
    clear(prefix);
    let form = Arc::new(Form::from_json(questionnaire).expect("the test's questionnaire compiles"));
    (new_host(), form)
}

/// Fires `blur` on `css` (the user leaves the box).
fn leave(host: &web_sys::HtmlElement, css: &str) {
    query(host, css).dispatch_event(&web_sys::Event::new("blur").unwrap()).unwrap();
}

#[wasm_bindgen_test]
async fn lowering_the_count_asks_once_the_box_is_left_not_while_typing() {
    let members: Vec<Value> = ["刘德贵", "王秀英", "刘建军", "陈小梅", "刘思雨"]
        .iter()
        .map(|n| json!({"m_name": n}))
        .collect();
    let answers = json!({"consent": "yes", "hh_size": 5, "member": members});
    let (host, st) = mount("t-excess.", answers, &["hh_size", "member"]);
    tick().await;
    // `confirm` counts its questions and answers as `window.__answer` says.
    let ask = js_sys::Function::new_no_args(
        "window.__asked = (window.__asked || 0) + 1; return window.__answer === true;",
    );
    js_sys::Reflect::set(&window(), &"confirm".into(), &ask).unwrap();
    let asked =
        || js_sys::Reflect::get(&window(), &"__asked".into()).unwrap().as_f64().unwrap_or(0.0);
    let answer = |yes: bool| {
        js_sys::Reflect::set(&window(), &"__answer".into(), &yes.into()).unwrap();
    };
    let rows = || count(&host, "#q-member .row-card");
    let name = |i: u32| {
        let loc = Loc::new(st.form().lookup("m_name").unwrap(), vec![i]);
        st.with_session(|s| s.answer(&loc))
    };

    // 5 → 12 passes through 1: nothing is asked, nothing removed, 7 rows added.
    type_text(&host, "#q-hh_size-input", "1");
    tick().await;
    assert_eq!((asked(), rows()), (0.0, 5), "typing 1 of 12");
    type_text(&host, "#q-hh_size-input", "12");
    tick().await;
    leave(&host, "#q-hh_size-input");
    tick().await;
    assert_eq!((asked(), rows()), (0.0, 12));

    // 12 → 3: the seven empty rows go at once; rows 4 and 5 hold answers, so leaving
    // the box asks. The user says no: they stay, and leaving again does not ask again.
    type_text(&host, "#q-hh_size-input", "3");
    tick().await;
    assert_eq!((asked(), rows()), (0.0, 5));
    answer(false);
    leave(&host, "#q-hh_size-input");
    tick().await;
    assert_eq!((asked(), rows()), (1.0, 5));
    leave(&host, "#q-hh_size-input");
    tick().await;
    assert_eq!(asked(), 1.0);

    // 2, and yes: the rows beyond the count go, the first two keep their answers.
    type_text(&host, "#q-hh_size-input", "2");
    tick().await;
    answer(true);
    leave(&host, "#q-hh_size-input");
    tick().await;
    assert_eq!((asked(), rows()), (2.0, 2));
    assert_eq!((name(0), name(1)), (json!("刘德贵"), json!("王秀英")));
    host.remove();
}

/// A roster without a count: rows are added and removed with buttons.
const OPEN_ROSTER: &str = r#"{
  "id": "open_roster", "version": "1", "title": "roster",
  "items": [{"type": "repeat", "name": "people", "label": {"zh": "家庭成员", "en": "Members"},
             "items": [{"type": "text", "name": "p_name", "label": {"zh": "姓名", "en": "Name"}},
                       {"type": "integer", "name": "p_age", "label": {"zh": "年龄", "en": "Age"}},
                       {"type": "text", "name": "p_school", "label": {"zh": "学校", "en": "School"},
                        "relevant": "${p_age} < 18"}]}]
}"#;

/// An empty response to [`OPEN_ROSTER`].
fn open_roster_record() -> Record {
    empty_record("open_roster", "m")
}

#[wasm_bindgen_test]
async fn removing_a_row_moves_the_later_rows_up() {
    let (host, form) = fresh("t-rows.", OPEN_ROSTER);
    let people = form.lookup("people").unwrap();
    let handle = leptos::mount::mount_to(host.clone(), move || {
        let app = App::new(Config { prefix: "t-rows.".into(), ..Config::default() });
        let st = FormState::new(app, form, open_roster_record());
        field_view(st, people, Vec::new())
    });
    handle.forget();
    tick().await;
    // The row holds answers, so the app asks first: the user says yes.
    let yes = js_sys::Function::new_no_args("return true");
    js_sys::Reflect::set(&window(), &"confirm".into(), &yes).unwrap();
    for (i, (name, age)) in
        [("刘德贵", "68"), ("王秀英", "12"), ("刘建军", "40")].iter().enumerate()
    {
        let add: web_sys::HtmlElement = query(&host, ".add-row").dyn_into().unwrap();
        add.click();
        tick().await;
        type_text(&host, &format!("#q-p_name-{i}-input"), name);
        type_text(&host, &format!("#q-p_age-{i}-input"), age);
        tick().await;
    }
    assert_eq!(count(&host, ".row-card"), 3);
    assert!(hidden(&host, "#q-p_school-0"), "68 is not school age");
    assert!(!hidden(&host, "#q-p_school-1"));
    assert!(hidden(&host, "#q-p_school-2"));
    // Remove the first row: the others move up, with their answers and relevance.
    let remove: web_sys::HtmlElement =
        query(&host, ".row-card:nth-of-type(1) header button").dyn_into().unwrap();
    remove.click();
    tick().await;
    assert_eq!(count(&host, ".row-card"), 2);
    let value = |css: &str| -> String {
        query(&host, css).dyn_into::<web_sys::HtmlInputElement>().unwrap().value()
    };
    assert_eq!(value("#q-p_name-0-input"), "王秀英");
    assert_eq!(value("#q-p_age-0-input"), "12");
    assert_eq!(value("#q-p_name-1-input"), "刘建军");
    assert_eq!(value("#q-p_age-1-input"), "40");
    assert_eq!(query(&host, ".row-card:nth-of-type(2) h3").text_content().unwrap(), "第 2 行");
    assert!(!hidden(&host, "#q-p_school-0"), "12 is school age");
    assert!(hidden(&host, "#q-p_school-1"), "40 is not");
    // Remove the last row: nothing moves, the first row keeps its answers and relevance.
    let remove: web_sys::HtmlElement =
        query(&host, ".row-card:nth-of-type(2) header button").dyn_into().unwrap();
    remove.click();
    tick().await;
    assert_eq!(count(&host, ".row-card"), 1);
    assert_eq!(value("#q-p_name-0-input"), "王秀英");
    assert!(!hidden(&host, "#q-p_school-0"));
    host.remove();
}

/// An added row holds no answer, so the app saves it once the browser is idle (the tap
/// is answered first); a form closed before then saves it on closing; a complete
/// response is saved (as a draft again) at once.
#[wasm_bindgen_test]
async fn an_added_row_is_saved_when_idle_or_when_the_form_closes() {
    let (host, form) = fresh("t-addsave.", OPEN_ROSTER);
    let people = form.lookup("people").unwrap();
    // The form shown while `open` (as the app shows it while its route is the form's).
    let open = RwSignal::new(true);
    let handle = leptos::mount::mount_to(host.clone(), move || {
        let app = App::new(Config { prefix: "t-addsave.".into(), ..Config::default() });
        move || {
            open.get().then(|| {
                let r = Store::new("t-addsave.")
                    .get("open_roster", "m")
                    .unwrap_or_else(open_roster_record);
                let st = FormState::new(app, Arc::clone(&form), r);
                field_view(st, people, Vec::new())
            })
        }
    });
    handle.forget();
    let rows_saved = || {
        Store::new("t-addsave.")
            .get("open_roster", "m")
            .and_then(|r| r.response.answers.get("people").and_then(Value::as_array).map(Vec::len))
            .unwrap_or(0)
    };
    let add = || {
        let add: web_sys::HtmlElement = query(&host, ".add-row").dyn_into().unwrap();
        add.click();
    };
    tick().await;
    add();
    add();
    tick().await;
    assert_eq!(count(&host, ".row-card"), 2);
    sleep(300).await;
    assert_eq!(rows_saved(), 2, "the rows are saved once the browser is idle");
    // Added, and the form closed at once: the row is saved on closing.
    add();
    open.set(false);
    tick().await;
    assert_eq!(count(&host, ".row-card"), 0);
    assert_eq!(rows_saved(), 3, "the row added just before closing is saved");
    // Reopened, the form shows the three rows; an answer typed is saved at once.
    open.set(true);
    tick().await;
    assert_eq!(count(&host, ".row-card"), 3);
    type_text(&host, "#q-p_name-2-input", "刘思雨");
    let saved = Store::new("t-addsave.").get("open_roster", "m").unwrap();
    assert_eq!(saved.response.answers["people"][2]["p_name"], json!("刘思雨"));
    open.set(false);
    tick().await;
    // A complete response waiting to upload: a row added to it makes it a draft again at
    // once, so the upload queue never sends what is being changed.
    let mut complete = saved;
    complete.response.status = Status::Complete;
    complete.upload = Upload::Queued { attempts: 0, next_at: 1e15, last_error: None };
    Store::new("t-addsave.").put(&complete).unwrap();
    open.set(true);
    tick().await;
    add();
    let saved = Store::new("t-addsave.").get("open_roster", "m").unwrap();
    assert_eq!(saved.response.status, Status::Draft, "a draft again at once");
    assert_eq!(saved.upload, Upload::Draft);
    assert_eq!(rows_saved(), 4);
    open.set(false);
    tick().await;
    host.remove();
    clear("t-addsave.");
}

/// The form follows its response's stored copy. While the upload queue sends it, it is
/// held as it is (the server gets the copy that went out, and a change made meanwhile
/// would be overwritten by the server's answer); refused by the server, it can be
/// corrected. A change another tab stored is shown at once, and what is typed next is
/// stored with it, not over it.
#[wasm_bindgen_test]
async fn the_form_follows_the_upload_queue_and_other_tabs() {
    const PREFIX: &str = "t-follow.";
    let host = {
        clear(PREFIX);
        new_host()
    };
    let store = Store::new(PREFIX);
    store.put_questionnaire("lbc_household", "2026.3", LBC).unwrap();
    let mut sent = record("f", "2026-07-01T09:00:00+08:00", json!({}));
    store.put(&sent).unwrap();
    let slot = Rc::new(Cell::new(None));
    let app_slot = Rc::clone(&slot);
    let handle = leptos::mount::mount_to(host.clone(), move || {
        let app = App::new(Config { prefix: PREFIX.into(), ..Config::default() });
        app_slot.set(Some(app));
        view! { <FormPage app=app form_id="lbc_household".to_owned() id="f".to_owned()/> }
    });
    handle.forget();
    let app = slot.take().expect("mounted");
    until(2000, || host.query_selector("#q-enumerator_name-input").unwrap()).await;
    let stored = || store.get("lbc_household", "f").expect("stored").response.answers;
    let notice = || app.notice.get_untracked().unwrap_or_default();
    let value = |css: &str| -> String {
        query(&host, css).dyn_into::<web_sys::HtmlInputElement>().unwrap().value()
    };

    // The queue marks it as being sent (as `upload_due` saves it): typing is refused,
    // the box shows the stored answer again, and the notice says why.
    sent.response.status = Status::Complete;
    sent.upload = Upload::Uploading;
    assert!(app.save(&sent));
    tick().await;
    type_text(&host, "#q-enumerator_name-input", "周晓雯");
    tick().await;
    assert_eq!(stored().get("enumerator_name"), None, "held while it is sent");
    assert_eq!(value("#q-enumerator_name-input"), "");
    assert!(notice().contains("正在上传"), "{}", notice());

    // The server refuses it: the form takes corrections again.
    sent.upload =
        Upload::Rejected { code: "validation".into(), message: "…".into(), problems: Vec::new() };
    assert!(app.save(&sent));
    tick().await;
    type_text(&host, "#q-enumerator_name-input", "周晓雯");
    assert_eq!(stored()["enumerator_name"], json!("周晓雯"));

    // Another tab, on another page, stores a household code (its `storage` event names
    // the record): the form shows it on the page it was on, says why, and the name typed
    // next is stored with it.
    let mut there = store.get("lbc_household", "f").unwrap();
    there.response.answers.insert("hh_code".into(), json!("XS03-012"));
    there.page = 2;
    store.put(&there).unwrap();
    app.note_change_elsewhere(Some("t-follow.tianye.v1.r.lbc_household.f"));
    until(1000, || {
        let shown = host.query_selector("#q-hh_code-input").unwrap().is_some();
        (shown && value("#q-hh_code-input") == "XS03-012").then_some(())
    })
    .await;
    assert_eq!(value("#q-hh_code-input"), "XS03-012");
    assert_eq!(value("#q-enumerator_name-input"), "周晓雯");
    assert!(notice().contains("另一个标签页"), "{}", notice());
    type_text(&host, "#q-enumerator_name-input", "周晓雯（二组）");
    let answers = stored();
    assert_eq!(answers["hh_code"], json!("XS03-012"), "{answers:?}");
    assert_eq!(answers["enumerator_name"], json!("周晓雯（二组）"));

    // Deleted there: the form says so rather than writing it back.
    store.delete("lbc_household", "f");
    app.note_change_elsewhere(Some("t-follow.tianye.v1.r.lbc_household.f"));
    until(1000, || host.text_content().filter(|text| text.contains("另一个标签页里删除"))).await;
    assert!(host.text_content().unwrap_or_default().contains("另一个标签页里删除"));
    assert!(store.get("lbc_household", "f").is_none());
    assert!(app.responses.records.get_untracked().is_empty(), "the list follows too");
    host.remove();
    clear(PREFIX);
}

/// The upload queue sends the stored copy, not its own: a response another tab reopened
/// and changed (a draft again there, the change not yet taken in here, as in a tab in
/// the background) is neither sent nor written back as it was.
#[wasm_bindgen_test]
async fn the_upload_queue_sends_only_what_is_stored_as_due() {
    const PREFIX: &str = "t-queue.";
    clear(PREFIX);
    let store = Store::new(PREFIX);
    let queued = put_complete(
        &store,
        "q",
        "XS03-012",
        Upload::Queued { attempts: 0, next_at: 0.0, last_error: None },
    );
    let (host, app) = app_without_server(PREFIX);
    assert!(app.responses.records.get_untracked()[0].due(f64::MAX), "this tab's copy is due");
    let mut changed = queued.clone();
    changed.response.status = Status::Draft;
    changed.upload = Upload::Draft;
    changed.response.answers.insert("hh_code".into(), json!("XS03-013"));
    store.put(&changed).unwrap();
    app.kick_uploads();
    sleep(300).await;
    assert_eq!(
        store.get("lbc_household", "q"),
        Some(changed.clone()),
        "left as the other tab stored it"
    );
    assert_eq!(
        app.responses.records.get_untracked(),
        vec![changed.clone()],
        "this tab's list takes the stored copy"
    );
    // Marked complete again, it is sent: here, to no server, so it is queued again with
    // the reason, the new answers kept.
    let mut complete = changed;
    complete.response.status = Status::Complete;
    complete.upload = Upload::Queued { attempts: 0, next_at: 0.0, last_error: None };
    assert!(app.save(&complete));
    app.kick_uploads();
    let tried = tried_once(&store, "q").await.expect("one failed attempt");
    assert_eq!(tried.response.answers["hh_code"], json!("XS03-013"));
    assert_eq!(tried.response.status, Status::Complete);
    host.remove();
    clear(PREFIX);
}

/// A response another tab is sending (marked "uploading", that tab holding the queue's
/// Web Lock) is neither put back in the queue nor sent here while that tab works; once
/// the lock is let go (as the browser does when that tab closes or crashes with its
/// request out), this tab's queue puts it back and sends it.
#[wasm_bindgen_test]
async fn the_upload_queue_waits_for_another_tab_and_resumes_a_send_cut_off() {
    const PREFIX: &str = "t-lock.";
    clear(PREFIX);
    let store = Store::new(PREFIX);
    let sending = put_complete(&store, "s", "XS03-020", Upload::Uploading);
    let release = hold_lock(&store.upload_lock()).await;
    let (host, app) = app_without_server(PREFIX);
    assert_eq!(app.responses.records.get_untracked(), vec![sending.clone()], "shown as being sent");
    app.kick_uploads();
    sleep(300).await;
    assert_eq!(store.get("lbc_household", "s"), Some(sending.clone()), "left to the other tab");
    assert_eq!(lock_queue(&store.upload_lock()).await, (1, 1), "the other tab's, and this one's");

    release.call0(&wasm_bindgen::JsValue::NULL).unwrap();
    // Put back and sent: here to no server, so queued again with the reason.
    let tried = tried_once(&store, "s").await.expect("sent once the lock was let go");
    assert_eq!(tried.response, sending.response, "the answers as they were");
    assert!(
        matches!(tried.upload, Upload::Queued { last_error: Some(_), .. }),
        "{:?}",
        tried.upload
    );
    assert_eq!(app.responses.records.get_untracked(), vec![tried], "the list follows");
    assert_eq!(lock_until(&store.upload_lock(), (0, 0)).await, (0, 0), "let go once done");
    host.remove();
    clear(PREFIX);
}

/// Without Web Locks (an older WebView), a response left "uploading" is taken for a send
/// cut off when the app starts, queued again and sent.
#[wasm_bindgen_test]
async fn without_web_locks_a_send_left_uploading_is_queued_again_at_start() {
    const PREFIX: &str = "t-nolock.";
    clear(PREFIX);
    let store = Store::new(PREFIX);
    let sending = put_complete(&store, "n", "XS03-022", Upload::Uploading);
    // Hidden for this test only: nothing below may fail before it is given back (a
    // failed test stops without unwinding), so the checks come after.
    js_sys::eval(
        "Object.defineProperty(navigator, 'locks', {value: undefined, configurable: true});",
    )
    .unwrap();
    let hidden = !tianye_web::browser::has_web_locks();
    let (host, app) = app_without_server(PREFIX);
    let at_start = store.get("lbc_household", "n").map(|r| r.upload);
    app.kick_uploads();
    let tried = tried_once(&store, "n").await;
    js_sys::eval("delete navigator.locks;").unwrap();
    assert!(hidden && tianye_web::browser::has_web_locks(), "hidden, then the browser's own again");
    assert!(matches!(at_start, Some(Upload::Queued { attempts: 0, .. })), "{at_start:?}");
    assert_eq!(tried.expect("sent, unguarded").response, sending.response);
    host.remove();
    clear(PREFIX);
}

/// An embedded form unmounted while its upload queue waits for the lock stops there:
/// when the lock comes, the queue finds the form's state gone and touches nothing
/// (before, the state of an unmounted form lived on, and its queue went on sending and
/// retrying for good). Mounted again, the form resumes the send.
#[wasm_bindgen_test]
async fn an_embedded_form_unmounted_while_its_queue_waits_sends_nothing() {
    const PREFIX: &str = "t-lockgone.";
    clear(PREFIX);
    let store = Store::new(PREFIX);
    let sending = put_complete(&store, "g", "XS03-021", Upload::Uploading);
    let release = hold_lock(&store.upload_lock()).await;
    let options = || embed_options(LBC, PREFIX, Some(NO_SERVER));
    let host = new_host();
    let mut form = tianye_web::embed::mount(host.clone(), options()).expect("mounts");
    assert_eq!(lock_until(&store.upload_lock(), (1, 1)).await, (1, 1), "its queue waits");
    form.unmount();
    release.call0(&wasm_bindgen::JsValue::NULL).unwrap();
    assert_eq!(lock_until(&store.upload_lock(), (0, 0)).await, (0, 0), "the queue let go");
    sleep(100).await;
    assert_eq!(store.get("lbc_household", "g"), Some(sending.clone()), "nothing touched");

    let mut again = tianye_web::embed::mount(host.clone(), options()).expect("mounts again");
    tried_once(&store, "g").await.expect("mounted again, it sends the response");
    again.unmount();
    host.remove();
    clear(PREFIX);
}

/// A form mounted and unmounted at once, as a portal's framework may do (React's strict
/// mode mounts, unmounts and mounts again): the tasks its mounting started (reading its
/// questionnaire, the upload queue) find its state gone and stop, nothing panics (a
/// panic would stop the whole wasm module, every form on the page with it), and the
/// form mounted again works.
#[wasm_bindgen_test]
async fn a_form_unmounted_at_once_leaves_the_page_working() {
    const PREFIX: &str = "t-strict.";
    clear(PREFIX);
    static PANICKED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let before = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICKED.store(true, std::sync::atomic::Ordering::SeqCst);
        before(info);
    }));
    let options = || embed_options(LBC, PREFIX, None);
    let host = new_host();
    let mut first = tianye_web::embed::mount(host.clone(), options()).expect("mounts");
    first.unmount();
    let mut again = tianye_web::embed::mount(host.clone(), options()).expect("mounts again");
    sleep(300).await;
    assert!(
        !PANICKED.load(std::sync::atomic::Ordering::SeqCst),
        "a task of the unmounted form panicked"
    );
    let start = until(2000, || host.query_selector("button.start").unwrap())
        .await
        .expect("the form mounted again lists its questionnaire");
    start.dyn_into::<web_sys::HtmlElement>().unwrap().click();
    until(2000, || host.query_selector("[id$='q-enumerator_name-input']").unwrap())
        .await
        .expect("and starts a household");
    again.unmount();
    host.remove();
    clear(PREFIX);
}

/// Two embedded forms on one page need their own storage prefixes: a second form with a
/// prefix in use (or one making the same element ids) is refused with a message that
/// names it, and the prefix is free again once its form is unmounted.
#[wasm_bindgen_test]
fn an_embedded_form_with_a_storage_prefix_in_use_is_refused() {
    clear("t-embed-a.");
    let options = |prefix: &str| embed_options(OPEN_ROSTER, prefix, None);
    let (a, b) = (new_host(), new_host());
    let mut first = tianye_web::embed::mount(a.clone(), options("t-embed-a.")).expect("mounts");
    let refused = |prefix: &str| match tianye_web::embed::mount(b.clone(), options(prefix)) {
        Ok(_) => panic!("{prefix} mounted twice"),
        Err(e) => e.as_string().unwrap_or_default(),
    };
    let same = refused("t-embed-a.");
    assert!(same.contains("已被本页另一个表单使用") && same.contains("\"t-embed-a.\""), "{same}");
    // Another prefix that makes the same ids (`.` becomes `-`).
    let ids = refused("t-embed-a-");
    assert!(ids.contains("相同的元素 id") && ids.contains("\"t-embed-a.\""), "{ids}");
    assert_eq!(b.child_element_count(), 0, "nothing mounted");
    assert!(a.child_element_count() > 0, "the first form stays");
    first.unmount();
    let mut again = tianye_web::embed::mount(b.clone(), options("t-embed-a.")).expect("free again");
    again.unmount();
    a.remove();
    b.remove();
    clear("t-embed-a.");
}

/// An embedded form removes its window listeners (network, other tabs' changes, the
/// page shown again) when it is unmounted: a portal that mounts and unmounts forms
/// often does not collect them.
#[wasm_bindgen_test]
fn an_unmounted_form_leaves_no_window_listener_behind() {
    // Counts the page's window listeners by type, as added and removed.
    js_sys::eval(
        "window.__realAdd = window.addEventListener; window.__realRemove = window.removeEventListener;
         window.__listening = {};
         window.addEventListener = function (t, f, o) {
           __listening[t] = (__listening[t] || 0) + 1; return __realAdd.call(this, t, f, o); };
         window.removeEventListener = function (t, f, o) {
           __listening[t] = (__listening[t] || 0) - 1; return __realRemove.call(this, t, f, o); };",
    )
    .unwrap();
    let listening = || {
        let counts = js_sys::eval("JSON.stringify(window.__listening)").unwrap();
        serde_json::from_str::<Value>(&counts.as_string().unwrap()).unwrap()
    };
    clear("t-listen.");
    let host = new_host();
    let options = embed_options(OPEN_ROSTER, "t-listen.", None);
    let mut form = tianye_web::embed::mount(host.clone(), options).expect("mounts");
    let mounted = listening();
    for kind in ["online", "offline", "storage", "pageshow", "visibilitychange"] {
        assert!(mounted[kind].as_i64() >= Some(1), "{kind}: {mounted}");
    }
    form.unmount();
    let left = listening();
    js_sys::eval(
        "window.addEventListener = window.__realAdd; window.removeEventListener = window.__realRemove;",
    )
    .unwrap();
    for kind in ["online", "offline", "storage", "pageshow", "visibilitychange"] {
        assert_eq!(left[kind].as_i64(), Some(0), "{kind} left listening: {left}");
    }
    host.remove();
    clear("t-listen.");
}

/// The pages of `lbc_household` one after the other, as the enumerator fills them: the
/// name typed on the first page must not show up in the next page's first text box (a
/// page built over the last one's boxes kept what was typed there, so typing the
/// household size gave "周晓雯3", and the roster no cards), and the household size typed
/// there makes the roster's cards on the page after.
#[wasm_bindgen_test]
async fn each_page_is_built_afresh_and_the_count_makes_the_cards() {
    let (host, form) = fresh("t-pages.", LBC);
    let r = record("m", "2026-07-01T09:00:00+08:00", json!({"consent": "yes"}));
    let st = mount_form(&host, "t-pages.", form, r, |st| {
        view! { <main class="page">{page_view(st)}</main> }.into_any()
    });
    tick().await;
    type_text(&host, "#q-enumerator_name-input", "周晓雯");
    tick().await;
    st.show_page(1);
    tick().await;
    let size: web_sys::HtmlInputElement = query(&host, "#q-hh_size-input").dyn_into().unwrap();
    assert_eq!(size.value(), "", "the household size shows what was typed on the page before");
    assert!(host.query_selector("#q-enumerator_name-input").unwrap().is_none());
    type_text(&host, "#q-hh_size-input", "3");
    tick().await;
    st.show_page(2);
    tick().await;
    assert_eq!(count(&host, "#q-member .row-card"), 3, "hh_size 3 gives three cards");
    assert!(host.query_selector("#q-m_name-1-input").unwrap().is_some());
    // Back on the first page, the name is still there.
    st.show_page(0);
    tick().await;
    let name: web_sys::HtmlInputElement =
        query(&host, "#q-enumerator_name-input").dyn_into().unwrap();
    assert_eq!(name.value(), "周晓雯");
    host.remove();
}

#[wasm_bindgen_test]
async fn a_long_group_comes_in_chunks_hidden_when_all_their_questions_are() {
    clear("t-chunks.");
    let host = new_host();
    // 60 questions: `switch`, then q1…q59, of which q1…q45 are asked unless switch = yes.
    let form = Arc::new(
        Form::compile(tianye_core::synthetic::switch_questionnaire(60, 45)).expect("compiles"),
    );
    let group = form.lookup("all").expect("the group");
    let r = record("c", "2026-07-01T09:00:00+08:00", json!({}));
    let st = mount_form(&host, "t-chunks.", form, r, move |st| {
        view! { <main class="page">{field_view(st, group, Vec::new())}</main> }.into_any()
    });
    tick().await;
    let chunks = host.query_selector_all("#q-all > .chunk").unwrap();
    assert_eq!(chunks.length(), 3, "60 questions in chunks of 20");
    let questions_in = |i: u32| {
        let chunk: web_sys::Element = chunks.item(i).unwrap().dyn_into().unwrap();
        (chunk.query_selector_all(".q").unwrap().length(), chunk.class_list().contains("hidden"))
    };
    assert_eq!([questions_in(0), questions_in(1), questions_in(2)], [(20, false); 3]);
    assert_eq!(query(&host, "#q-all > .chunk:nth-of-type(2) > .q").id(), "q-q20");
    // switch = yes hides q1…q45: all of the second chunk, so the chunk itself.
    let switch = Loc::top(st.form().lookup("switch").unwrap());
    st.set(&switch, &json!("yes"));
    tick().await;
    assert_eq!(count(&host, ".q.hidden"), 45);
    assert_eq!([questions_in(0).1, questions_in(1).1, questions_in(2).1], [false, true, false]);
    st.set(&switch, &json!("no"));
    tick().await;
    assert_eq!(count(&host, ".q.hidden") + count(&host, ".chunk.hidden"), 0);
    host.remove();
}

#[wasm_bindgen_test]
async fn a_note_and_the_card_titles_follow_the_answers_they_show() {
    let names = ["hh_size", "member", "g_roster_summary"];
    let (host, st) = mount("t-note.", json!({"consent": "yes"}), &names);
    tick().await;
    type_text(&host, "#q-hh_size-input", "2");
    tick().await;
    let note = || query(&host, "#q-roster_note").text_content().unwrap();
    assert!(note().contains("未满16周岁儿童 0 人，外出务工 0 人"), "{}", note());
    let at = |name: &str, row: u32| Loc::new(st.form().lookup(name).unwrap(), vec![row]);
    // A child in row 1 is counted by `n_u16`, a calculation over the roster.
    st.set(&at("m_dob", 0), &json!("2015-01-01"));
    tick().await;
    assert!(note().contains("儿童 1 人"), "{}", note());
    // A parent working away in row 2.
    st.set(&at("m_dob", 1), &json!("1990-01-01"));
    tick().await;
    st.set(&at("m_away", 1), &json!("yes"));
    tick().await;
    assert!(note().contains("外出务工 1 人"), "{}", note());
    // The card titles follow the names typed in their own rows.
    type_text(&host, "#q-m_name-1-input", "刘建军");
    tick().await;
    let titles = |i: u32| {
        query(&host, &format!("#q-member .row-card:nth-of-type({i}) h3")).text_content().unwrap()
    };
    assert_eq!([titles(1), titles(2)], ["第 1 行".to_owned(), "刘建军".to_owned()]);
    host.remove();
}

/// Where `el` starts, in px from the top of the window.
fn top_of(el: &web_sys::Element) -> f64 {
    let rect: js_sys::Function =
        js_sys::Reflect::get(el, &"getBoundingClientRect".into()).unwrap().into();
    let rect = rect.call0(el).unwrap();
    js_sys::Reflect::get(&rect, &"top".into()).unwrap().as_f64().unwrap()
}

/// Waits `ms` milliseconds of the browser's clock.
/// What `probe` gives once it gives something, trying every 20 ms for up to `limit_ms`.
async fn until<T>(limit_ms: i32, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    for _ in 0..=limit_ms / 20 {
        if let Some(found) = probe() {
            return Some(found);
        }
        sleep(20).await;
    }
    None
}

/// Nothing listens on port 9 (discard): a request there fails at once.
const NO_SERVER: &str = "http://127.0.0.1:9";

/// An app on storage prefix `prefix` whose server is [`NO_SERVER`], on a new host
/// element where an empty view is mounted: mounting starts Leptos's task executor,
/// which the upload queue runs on.
fn app_without_server(prefix: &str) -> (web_sys::HtmlElement, App) {
    let host = new_host();
    leptos::mount::mount_to(host.clone(), || ()).forget();
    let app =
        App::new(Config { prefix: prefix.into(), endpoint: NO_SERVER.into(), ..Config::default() });
    (host, app)
}

/// Options for `mount()`: the questionnaire's JSON text, the storage prefix, and the
/// server when one is given.
fn embed_options(
    questionnaire: &str,
    prefix: &str,
    endpoint: Option<&str>,
) -> wasm_bindgen::JsValue {
    let o = js_sys::Object::new();
    js_sys::Reflect::set(&o, &"questionnaire".into(), &questionnaire.into()).unwrap();
    js_sys::Reflect::set(&o, &"storagePrefix".into(), &prefix.into()).unwrap();
    if let Some(endpoint) = endpoint {
        js_sys::Reflect::set(&o, &"endpoint".into(), &endpoint.into()).unwrap();
    }
    o.into()
}

/// Stores a complete household `id` of `lbc_household` in `store`, in upload state
/// `upload`.
fn put_complete(store: &Store, id: &str, hh_code: &str, upload: Upload) -> Record {
    let mut r = record(id, "2026-07-01T09:00:00+08:00", json!({"hh_code": hh_code}));
    r.response.status = Status::Complete;
    r.upload = upload;
    store.put(&r).unwrap();
    r
}

/// Response `id` once the queue has tried to send it once (to no server, so it is
/// queued again), within 3 s.
async fn tried_once(store: &Store, id: &str) -> Option<Record> {
    until(3000, || {
        store
            .get("lbc_household", id)
            .filter(|r| matches!(r.upload, Upload::Queued { attempts: 1, .. }))
    })
    .await
}

/// Takes the Web Lock `name` as another tab would; calling the function returned lets
/// it go.
async fn hold_lock(name: &str) -> js_sys::Function {
    let held = js_sys::eval(&format!(
        "new Promise(held => navigator.locks.request({name:?}, () => new Promise(letGo => held(letGo))))"
    ))
    .unwrap();
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(held)).await.unwrap().into()
}

/// How many hold and how many wait for the Web Lock `name` (`navigator.locks.query()`).
async fn lock_queue(name: &str) -> (usize, usize) {
    let query = js_sys::eval(&format!(
        "navigator.locks.query().then(q => JSON.stringify([q.held.filter(l => l.name == {name:?}).length, q.pending.filter(l => l.name == {name:?}).length]))"
    ))
    .unwrap();
    let text = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(query)).await.unwrap();
    serde_json::from_str(&text.as_string().unwrap()).unwrap()
}

/// [`lock_queue`] once it is `want`, or after a second.
async fn lock_until(name: &str, want: (usize, usize)) -> (usize, usize) {
    for _ in 0..50 {
        let now = lock_queue(name).await;
        if now == want {
            return now;
        }
        sleep(20).await;
    }
    lock_queue(name).await
}

async fn sleep(ms: i32) {
    let wait = js_sys::Promise::new(&mut |done, _| {
        window().set_timeout_with_callback_and_timeout_and_arguments_0(&done, ms).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(wait).await.unwrap();
}

#[wasm_bindgen_test]
async fn go_to_the_first_problem_scrolls_to_it_far_down_a_long_page() {
    clear("t-first.");
    let host = new_host();
    // 80 questions on one page (four chunks); only the 70th is required.
    let items: Vec<Value> = (1..=80)
        .map(|i| json!({"type": "integer", "name": format!("q{i}"), "label": format!("第 {i} 题"), "required": i == 70}))
        .collect();
    let q = json!({"id": "long", "version": "1", "title": "long",
                   "items": [{"type": "group", "name": "all", "label": "all", "items": items}]});
    let form = Arc::new(Form::compile(serde_json::from_value(q).unwrap()).expect("compiles"));
    let st = mount_form(&host, "t-first.", form, empty_record("long", "f"), |st| {
        view! { <main class="page">{page_view(st)}</main> }.into_any()
    });
    // The app's own styles: chunks off screen are skipped (`content-visibility: auto`).
    let style = document().create_element("style").unwrap();
    style.set_text_content(Some(include_str!("../static/style.css")));
    host.append_child(&style).unwrap();
    tick().await;
    assert_eq!(count(&host, ".chunk"), 4);
    window().scroll_to_with_x_and_y(0.0, 0.0);
    let target = query(&host, "#q-q70");
    let below = top_of(&target);
    let height = window().inner_height().unwrap().as_f64().unwrap();
    assert!(below > height, "q70 starts off screen ({below} px, window {height} px)");
    st.goto_first_problem();
    sleep(200).await;
    let top = top_of(&target);
    // Clear of the app's sticky title bar, not under it.
    assert!((40.0..height).contains(&top), "q70 scrolled into view: at {top} px of {height}");
    assert!(target.class_list().contains("invalid"), "its problem is shown");
    assert_eq!(st.app.notice.get_untracked(), None);
    // Answered, there is no problem left: the user is told so, nothing moves.
    let q70 = Loc::top(st.form().lookup("q70").unwrap());
    st.set(&q70, &json!(7));
    st.goto_first_problem();
    let notice = st.app.notice.get_untracked().unwrap_or_default();
    assert!(notice.contains("没有问题"), "{notice}");
    host.remove();
}
