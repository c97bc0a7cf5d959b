//! A list of 50,000 villages in the form app (issue 22), in headless Chromium at 360 px
//! against `tianye serve`, with the generated questionnaire
//! `tianye_core::synthetic::village_questionnaire` and its choice file beside it:
//!
//! - L1 a searchable question over all the villages shows a search box and the first
//!   20 (50 once something is typed), says how many more there are, narrows as a Chinese word is typed (nothing is
//!   searched while the input method composes its pinyin), keeps the choice on top
//!   once made, and holds it across a reload;
//! - L2 the city → county → township → village cascade offers each level's own
//!   choices (the township list, 1,000 long, as a search of its county's 25), and
//!   nothing in the page is wider than the phone;
//! - L3 the questionnaire, 4 million characters, is kept on the phone (in IndexedDB:
//!   localStorage stays for the answers), so the response reopens and a new one starts
//!   with no network.

use serde_json::{Value, json};
use tianye_tests::server::temp_dir;

use crate::phone_day::Phone;

/// The labels of the choices shown by the question `arguments[0]` (its DOM id), and
/// the line under them ("n match…"), if not empty.
const SHOWN: &str = "
const q = document.getElementById(arguments[0]);
const more = q.querySelector('.more');
return [[...q.querySelectorAll('.choice')].map(c => [c.textContent, c.querySelector('input').checked]),
        more && more.textContent ? more.textContent : null];";

async fn shown(p: &Phone, id: &str) -> (Vec<(String, bool)>, Option<String>) {
    let v = p.b.js(SHOWN, vec![json!(id)]).await;
    let list = v[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c[0].as_str().unwrap().to_owned(), c[1].as_bool().unwrap()))
        .collect();
    (list, v[1].as_str().map(str::to_owned))
}

/// Types `text` into the search box of `id` as a Chinese input method does: the
/// composition's pinyin first (input events marked as composing), then the word.
async fn compose(p: &Phone, id: &str, pinyin: &str, text: &str) {
    p.b.js(
        "const i = document.querySelector('#' + arguments[0] + ' .find'); i.focus();
         i.dispatchEvent(new CompositionEvent('compositionstart', {bubbles: true}));
         i.value = arguments[1];
         i.dispatchEvent(new InputEvent('input', {bubbles: true, isComposing: true, data: arguments[1]}));",
        vec![json!(id), json!(pinyin)],
    )
    .await;
    p.b.js(
        "const i = document.querySelector('#' + arguments[0] + ' .find'); i.value = arguments[1];
         i.dispatchEvent(new CompositionEvent('compositionend', {bubbles: true, data: arguments[1]}));",
        vec![json!(id), json!(text)],
    )
    .await;
}

/// A phone with a new `villages` response open on its second page.
async fn villages_page() -> (Phone, tempfile::TempDir) {
    let forms = temp_dir("tianye-big-lists");
    let (q, csv) = tianye_core::synthetic::village_questionnaire(50_000);
    let dir = forms.path().join("villages");
    std::fs::create_dir_all(dir.join("media")).unwrap();
    std::fs::write(dir.join("form.json"), serde_json::to_string(&q).unwrap()).unwrap();
    std::fs::write(dir.join("media/villages.csv"), csv).unwrap();
    let p = Phone::open_with("zh", forms.path(), "villages").await;
    p.b.click("button.start[data-form='villages']").await;
    p.b.wait_visible("#q-hh_code-input").await;
    p.b.click(".form-screen .pager button.primary").await;
    p.b.wait_visible("#q-any_village .find").await;
    (p, forms)
}

#[test]
fn fifty_thousand_villages_are_searched_in_chinese() {
    tianye_tests::browser::run(async {
        let (p, _forms) = villages_page().await;
        let b = &p.b;
        let id = "q-any_village";
        let (list, note) = shown(&p, id).await;
        assert_eq!(list.len(), 20, "nothing typed: the first 20");
        assert_eq!(list[0], ("王家村0".to_owned(), false));
        assert_eq!(note.as_deref(), Some("共 50000 项符合，只列出前 20 项：请再输入几个字"));

        // Pinyin on the way is not searched; the word chosen is.
        compose(&p, id, "wangjiacun1", "王家村1").await;
        b.wait(
            "11 villages",
            "return document.querySelectorAll('#q-any_village .choice').length === 11;",
        )
        .await;
        let (list, note) = shown(&p, id).await;
        assert_eq!(list[0].0, "王家村1000");
        assert_eq!(list[1].0, "王家村10000");
        assert_eq!(note, None, "all 11 are listed");
        compose(&p, id, "xxx", "无此村").await;
        b.wait_text(&format!("#{id}"), "没有符合的选项").await;

        compose(&p, id, "", "王家村19").await;
        b.wait(
            "one village",
            "return document.querySelectorAll('#q-any_village .choice').length === 1;",
        )
        .await;
        b.click(&format!("#{id} input[value='v019000']")).await;
        compose(&p, id, "", "").await;
        b.wait(
            "the choice on top",
            "return document.querySelector('#q-any_village .choice input').checked;",
        )
        .await;
        let (list, _) = shown(&p, id).await;
        assert_eq!(list[0], ("王家村19000".to_owned(), true), "the choice stays on top");
        assert_eq!(list.len(), 20, "the chosen one and the first 19 others");

        b.reload().await;
        p.narrow().await;
        b.wait_visible(&format!("#{id} .find")).await;
        let (list, _) = shown(&p, id).await;
        assert_eq!(list[0], ("王家村19000".to_owned(), true), "kept across a reload");
        b.click(&format!("#{id} .clear")).await;
        b.wait(
            "no choice",
            "return !document.querySelector('#q-any_village .choice input:checked');",
        )
        .await;
    });
}

#[test]
fn the_cascade_offers_each_level_s_own_choices() {
    tianye_tests::browser::run(async {
        let (p, _forms) = villages_page().await;
        let b = &p.b;
        assert_eq!(
            b.js("return document.querySelector('#q-village .no-choices').textContent;", vec![])
                .await,
            json!("暂无选项：请先回答上面的问题")
        );
        b.click("#q-city-input input[value='c0001']").await;
        b.wait_visible("#q-county-input input[value='k0019']").await;
        b.click("#q-county-input input[value='k0012']").await;
        b.wait_visible("#q-township-input input[value='t0324']").await;
        let (townships, note) = shown(&p, "q-township").await;
        assert_eq!(townships.len(), 25, "{townships:?}");
        assert_eq!(note, None);
        b.click("#q-township-input input[value='t0307']").await;
        b.wait_visible("#q-village-input input[value='v049307']").await;
        let (villages, _) = shown(&p, "q-village").await;
        assert_eq!(villages.len(), 50);
        assert_eq!(villages[0].0, "赵坳组307");
        // A change up the cascade empties what no longer fits: the villages follow.
        b.click("#q-township-input input[value='t0308']").await;
        b.wait_visible("#q-village-input input[value='v000308']").await;
        let wide: Value = b
            .js(
                "return [...document.querySelectorAll('.page *')].filter(e => e.getBoundingClientRect().right > innerWidth + 0.5).map(e => e.className);",
                vec![],
            )
            .await;
        assert_eq!(wide, json!([]), "nothing wider than 360 px");
    });
}

#[test]
fn the_long_list_is_kept_on_the_phone_for_use_offline() {
    tianye_tests::browser::run(async {
        let (p, _forms) = villages_page().await;
        let b = &p.b;
        b.wait(
            "the questionnaire kept",
            "return Object.keys(localStorage).some(k => k.includes('q.villages@'));",
        )
        .await;
        let stored = b.local_storage().await;
        let (_, marker) =
            stored.iter().find(|(k, _)| k.contains("q.villages@")).expect("a cache entry");
        assert_eq!(marker, &json!("\u{1}indexeddb"), "the text is in IndexedDB");
        let longest = stored.values().filter_map(Value::as_str).map(str::len).max().unwrap_or(0);
        assert!(longest < 100_000, "no long text in localStorage: {longest}");
        b.click("#q-any_village input[value='v000007']").await;

        b.set_offline(true).await;
        b.reload().await;
        p.narrow().await;
        b.wait_visible("#q-any_village .find").await;
        let (list, _) = shown(&p, "q-any_village").await;
        assert_eq!(list[0], ("赵家村7".to_owned(), true), "reopened offline, answer kept");
        assert_eq!(list.len(), 20);
    });
}
