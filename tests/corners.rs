//! Corners of the form app no other browser test reaches (issue 29), in headless
//! Chromium at 360 px against `tianye serve` with the test questionnaire `term_checks`
//! (`tests/fixtures/questionnaires/`):
//!
//! - C1 a roster inside a roster (each child's check in each school term): the inner
//!   rows follow each child's own count, take their titles from their answers, keep
//!   their answers under both row numbers; lowering a count asks before removing a row
//!   with answers; "mark complete" goes to a problem two rows deep, its card opened;
//! - C2 the location button: a granted position is stored; a refused one is said in
//!   the view's language with a way out, and the answer kept.

use serde_json::{Value, json};
use tianye_tests::repo;

use crate::phone_day::{Phone, SET_AND_LEAVE};

const FORM: &str = "term_checks";

/// The titles of the row cards of the roster whose box has DOM id `arguments[0]`.
const CARD_TITLES: &str = "
const r = document.getElementById(arguments[0]);
return r ? [...r.querySelectorAll(':scope > details.row-card > summary h3')].map(h => h.textContent) : null;";

/// A phone on the test questionnaires, with a new `term_checks` response open.
async fn started(lang: &'static str) -> Phone {
    let p = Phone::open_with(lang, &repo().join("tests/fixtures/questionnaires"), FORM).await;
    p.b.click(&format!("button.start[data-form='{FORM}']")).await;
    p.b.wait_visible("#q-n_children-input").await;
    p
}

impl Phone {
    /// The response shown, as stored on the phone.
    async fn stored(&self) -> Value {
        let record = self
            .b
            .js(
                "const id = location.hash.split('/').pop();
                 return JSON.parse(localStorage.getItem('tianye.v1.r.term_checks.' + id));",
                vec![],
            )
            .await;
        record["response"]["answers"].clone()
    }

    async fn set(&self, id: &str, value: &str) {
        self.b.js(SET_AND_LEAVE, vec![json!(id), json!(value)]).await;
    }

    async fn titles(&self, roster: &str) -> Value {
        self.b.js(CARD_TITLES, vec![json!(roster)]).await
    }

    /// Waits until the roster `roster` shows the cards titled `want`.
    async fn wait_titles(&self, roster: &str, want: Value) {
        self.b
            .wait(
                &format!("the cards of {roster}: {want}"),
                &format!(
                    "const r = document.getElementById({roster:?});
                     const t = r ? [...r.querySelectorAll(':scope > details.row-card > summary h3')].map(h => h.textContent) : null;
                     return JSON.stringify(t) === {:?};",
                    want.to_string()
                ),
            )
            .await;
    }
}

#[test]
fn a_roster_inside_a_roster_follows_its_counts_titles_and_problems() {
    tianye_tests::browser::run(async {
        let p = started("zh").await;
        let b = &p.b;
        p.set("q-n_children-input", "2").await;
        b.click(".form-screen .pager button.primary").await;
        b.wait_visible("#q-c_name-1-input").await;
        assert_eq!(
            p.titles("q-child").await,
            json!(["第 1 行", "第 2 行"]),
            "two children, numbered"
        );

        // Each child's own count drives its own inner roster.
        p.set("q-c_name-0-input", "刘思雨").await;
        p.wait_titles("q-child", json!(["刘思雨", "第 2 行"])).await;
        p.set("q-c_terms-0-input", "2").await;
        p.set("q-c_terms-1-input", "1").await;
        b.wait_visible("#q-t_name-0-1-input").await;
        b.wait_visible("#q-t_name-1-0-input").await;
        assert_eq!(p.titles("q-term-1").await.as_array().map(Vec::len), Some(1));
        p.set("q-t_name-0-0-input", "2025 秋").await;
        p.set("q-t_name-0-1-input", "2026 春").await;
        p.set("q-t_name-1-0-input", "2026 春").await;
        p.wait_titles("q-term-0", json!(["2025 秋", "2026 春"])).await;
        p.wait_titles("q-term-1", json!(["2026 春"])).await;

        // A problem two rows deep is shown in that row only.
        p.set("q-t_weight-0-1-input", "150").await;
        b.wait(
            "the weight's problem",
            "return document.getElementById('q-t_weight-0-1').classList.contains('invalid');",
        )
        .await;
        let others = b
            .js(
                "return ['q-t_weight-0-0', 'q-t_weight-1-0'].map(id => document.getElementById(id).classList.contains('invalid'));",
                vec![],
            )
            .await;
        assert_eq!(others, json!([false, false]), "the other rows' weights");
        let stored = p.stored().await;
        assert_eq!(stored["child"][0]["term"][1], json!({"t_name": "2026 春", "t_weight": 150}));
        assert_eq!(stored["child"][1]["term"][0]["t_name"], json!("2026 春"));

        // Lowering the first child's count: asked, as its second check has answers. "No"
        // keeps the row; "yes" removes it, and the other child's checks stay.
        b.js(
            "window.asked = 0; window.confirm = () => { window.asked += 1; return false; };",
            vec![],
        )
        .await;
        p.set("q-c_terms-0-input", "1").await;
        b.wait("asked before removing", "return window.asked === 1;").await;
        assert_eq!(p.titles("q-term-0").await, json!(["2025 秋", "2026 春"]), "kept");
        b.js("window.confirm = () => { window.asked += 1; return true; };", vec![]).await;
        p.set("q-c_terms-0-input", "2").await;
        p.set("q-c_terms-0-input", "1").await;
        b.wait("asked again", "return window.asked === 2;").await;
        p.wait_titles("q-term-0", json!(["2025 秋"])).await;
        p.wait_titles("q-term-1", json!(["2026 春"])).await;
        let stored = p.stored().await;
        assert_eq!(stored["child"][0]["term"], json!([{"t_name": "2025 秋"}]));
        assert_eq!(stored["child"][1]["term"][0]["t_name"], json!("2026 春"));

        // "Mark complete" with one problem, two rows deep: its card opens, and the focus
        // goes to it.
        let case = repo()
            .join("tests/fixtures/questionnaires/term_checks/cases/01-valid-two-children-three-checks.json");
        let case: Value = serde_json::from_str(&std::fs::read_to_string(case).unwrap()).unwrap();
        let mut answers = case["response"]["answers"].clone();
        answers["child"][1]["term"][0]["t_weight"] = json!(150);
        p.reopen_on(&answers, 0, "n_children").await;
        let hash = b.js("return location.hash;", vec![]).await;
        b.js("location.hash = arguments[0] + '/review';", vec![hash]).await;
        b.wait_visible(".review-screen .pager button.primary").await;
        b.click(".review-screen .pager button.primary").await;
        b.wait_text(".notice[role=status] span", "还有 1 个问题需要处理").await;
        b.wait("the inner weight focused", "return document.activeElement && document.activeElement.id === 'q-t_weight-1-0-input';").await;
        let there = b
            .js(
                "const q = document.getElementById('q-t_weight-1-0'); const r = q.getBoundingClientRect();
                 return [q.classList.contains('invalid'), q.closest('details.row-card').open, r.bottom > 0 && r.top < innerHeight];",
                vec![],
            )
            .await;
        assert_eq!(
            there,
            json!([true, true, true]),
            "shown as a problem, its card open, on screen"
        );
        p.shot("nested-roster-problem").await;
    });
}

#[test]
fn the_location_button_stores_a_granted_position_and_says_a_refusal() {
    for lang in ["zh", "en"] {
        tianye_tests::browser::run(async {
            let p = started(lang).await;
            let b = &p.b;
            let origin = b.js("return location.origin;", vec![]).await;
            b.cdp(
                "Browser.grantPermissions",
                json!({"origin": origin, "permissions": ["geolocation"]}),
            )
            .await;
            b.cdp(
                "Emulation.setGeolocationOverride",
                json!({"latitude": 27.2861, "longitude": 110.7432, "accuracy": 12}),
            )
            .await;
            b.click("#q-home_gps button").await;
            b.wait(
                "the position stored",
                "const id = location.hash.split('/').pop();
                 const r = JSON.parse(localStorage.getItem('tianye.v1.r.term_checks.' + id));
                 return !!r.response.answers.home_gps;",
            )
            .await;
            assert_eq!(
                p.stored().await["home_gps"],
                json!({"lat": 27.2861, "lon": 110.7432, "accuracy": 12})
            );
            let shown = b
                .js(
                    "return [...document.querySelectorAll('#q-home_gps input')].map(i => i.value);",
                    vec![],
                )
                .await;
            assert_eq!(shown, json!(["27.2861", "110.7432", "12"]), "the boxes show it");

            // Refused: said in the view's language, with a way out; the position kept.
            b.cdp(
                "Browser.setPermission",
                json!({"origin": origin, "permission": {"name": "geolocation"}, "setting": "denied"}),
            )
            .await;
            b.click("#q-home_gps button").await;
            let said = b
                .wait_text("#q-home_gps .status", p.says("未获定位权限", "Location not allowed"))
                .await;
            assert!(said.contains(p.says("手动填写", "type it in")), "{said}");
            assert_eq!(said.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), lang == "zh");
            assert_eq!(p.stored().await["home_gps"]["lat"], json!(27.2861), "kept");
            p.shot("location-refused").await;
        });
    }
}
