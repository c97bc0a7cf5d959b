//! What the form screen tells the volunteer about problems, and what it does with a
//! response the server has (issue 27, items 2, 3, 5 and 6), in headless Chromium against
//! `tianye serve` with the built app, at 360 px, in Chinese and in English:
//!
//! - F1 the name typed on the home screen fills the enumerator question (XLSForm's
//!   `username` meta and a `${username}` default, as in ODK Collect);
//! - F2 a field's problem stays shown wherever the field is shown: after "go to the
//!   first problem" (which puts the focus in its box), after going to another page and
//!   back; leaving a page with a problem says so and goes on; the button to the first
//!   problem shows only while there is one; the notices are in the view's language only;
//! - F3 "mark complete" with a problem says how many there are and goes to the first
//!   (its page, on screen, focused, shown as a problem);
//! - F4 once the server has the response, it opens read-only: its boxes disabled, no
//!   "review and submit" nor "mark complete", and the time the server received it, in
//!   Beijing time, labelled.

use serde_json::{Value, json};

use crate::phone_day::{Phone, SET_AND_LEAVE, five_members};

/// The page of `lbc_household` holding the father's questions, and its last page.
const CHILD_PAGE: usize = 4;
const LAST_PAGE: usize = 8;

/// The question's box: [shown as a problem, its messages, the focused element's id,
/// on screen].
const QUESTION: &str = "
const q = document.getElementById(arguments[0]);
if (!q) return null;
const r = q.getBoundingClientRect();
return [q.classList.contains('invalid'), q.querySelector('.q-problems').textContent,
        document.activeElement ? document.activeElement.id : '', r.bottom > 0 && r.top < innerHeight];";

/// Whether the text holds a Chinese character.
fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

impl Phone {
    /// The notice shown (empty when none).
    async fn notice(&self) -> String {
        let text = self
            .b
            .js("const n = document.querySelector('.notice[role=status] span'); return n ? n.textContent : '';", vec![])
            .await;
        text.as_str().unwrap_or_default().to_owned()
    }

    /// Waits for a notice holding `text`, and checks it is in the view's language only.
    async fn wait_notice(&self, text: &str) -> String {
        self.b.wait_text(".notice[role=status] span", text).await;
        let notice = self.notice().await;
        assert_eq!(has_chinese(&notice), self.lang == "zh", "one language only: {notice:?}");
        notice
    }

    /// Whether the pager shows the button to the first problem.
    async fn first_problem_button(&self) -> bool {
        let shown = self
            .b
            .js("const b = document.querySelector('.form-screen .pager button.secondary'); return !!b && b.checkVisibility();", vec![])
            .await;
        shown == json!(true)
    }

    /// The father's departure date's box, as [`QUESTION`] reads it.
    async fn departure(&self) -> Value {
        self.b.js(QUESTION, vec![json!("q-father_away_since")]).await
    }

    /// The id of the response shown.
    async fn response_id(&self) -> String {
        let hash = self.b.js("return location.hash;", vec![]).await;
        let hash = hash.as_str().unwrap_or_default();
        hash.trim_end_matches("/review").rsplit('/').next().unwrap_or_default().to_owned()
    }
}

#[test]
fn problems_stay_shown_until_fixed_and_mark_complete_goes_to_the_first() {
    for lang in ["zh", "en"] {
        tianye_tests::browser::run(async {
            let p = Phone::open(lang).await;
            let b = &p.b;
            // F1: the name given once on the home screen.
            b.type_into(".home input.enumerator", "王小明").await;
            b.blur().await;
            b.click("button.start[data-form='lbc_household']").await;
            b.wait_visible("#q-enumerator_name-input").await;
            let name = b
                .js("return document.getElementById('q-enumerator_name-input').value;", vec![])
                .await;
            assert_eq!(
                name,
                json!("王小明"),
                "the enumerator question takes the home screen's name"
            );

            let answers = five_members();
            p.reopen_on(&answers, CHILD_PAGE, "father_away_since").await;
            assert!(!p.first_problem_button().await, "no problem, no button to the first");

            // F2: a departure date in the future, left: the problem shows.
            b.js(SET_AND_LEAVE, vec![json!("q-father_away_since-input"), json!("2027-02-16")])
                .await;
            b.wait("the departure date's problem", "return document.getElementById('q-father_away_since').classList.contains('invalid');").await;
            let shown = p.departure().await;
            assert!(!shown[1].as_str().unwrap_or_default().is_empty(), "{shown}");
            assert!(p.first_problem_button().await, "a problem: the button to it shows");
            // From the top of the page, to the first problem: still shown, on screen, focused.
            b.js("window.scrollTo(0, 0);", vec![]).await;
            b.click(".form-screen .pager button.secondary").await;
            b.wait("the departure date focused", "return document.activeElement && document.activeElement.id === 'q-father_away_since-input';").await;
            let there = p.departure().await;
            assert_eq!(
                there,
                json!([true, shown[1], "q-father_away_since-input", true]),
                "after going to the first problem"
            );
            // To the next page: the notice says a problem was left, and the page changes.
            b.click(".form-screen .pager button.primary").await;
            let notice = p.wait_notice(p.says("还有 1 个问题", "left on the page before: 1")).await;
            eprintln!("leaving a page with a problem, {lang}: {notice}");
            b.wait_visible("#q-guardian").await;
            // And back: still shown.
            b.click(".form-screen .pager button:first-child").await;
            b.wait_visible("#q-father_away_since").await;
            let back = p.departure().await;
            assert_eq!(
                (&back[0], &back[1]),
                (&json!(true), &shown[1]),
                "after going away and back"
            );
            p.shot("problem-kept").await;

            // F3: mark complete from the review: how many, and to the first.
            let id = p.response_id().await;
            b.js(
                "location.hash = arguments[0];",
                vec![json!(format!("#/r/lbc_household/{id}/review"))],
            )
            .await;
            b.wait_visible(".review-screen .pager button.primary").await;
            b.click(".review-screen .pager button.primary").await;
            let notice = p.wait_notice(p.says("还有 1 个问题需要处理", "1 problems left")).await;
            eprintln!("mark complete with a problem, {lang}: {notice}");
            b.wait("the departure date focused after mark complete", "return document.activeElement && document.activeElement.id === 'q-father_away_since-input';").await;
            let there = p.departure().await;
            assert_eq!(
                there,
                json!([true, shown[1], "q-father_away_since-input", true]),
                "after mark complete"
            );

            // Fixed: the problem goes, and the button with it.
            b.js(SET_AND_LEAVE, vec![json!("q-father_away_since-input"), json!("2016-02-20")])
                .await;
            b.wait("the problem gone", "return !document.getElementById('q-father_away_since').classList.contains('invalid');").await;
            b.wait(
                "no button to a problem",
                "const b = document.querySelector('.form-screen .pager button.secondary'); return !b || !b.checkVisibility();",
            )
            .await;

            // F4: complete, sent, received; it opens read-only.
            b.js(
                "location.hash = arguments[0];",
                vec![json!(format!("#/r/lbc_household/{id}/review"))],
            )
            .await;
            b.wait_visible(".review-screen .pager button.primary").await;
            b.click(".review-screen .pager button.primary").await;
            b.wait_visible(".review-screen .done").await;
            b.js("location.hash = '#/';", vec![]).await;
            b.wait_text(
                &format!("li.record[data-id='{id}'] .upload"),
                p.says("已上传", "Uploaded"),
            )
            .await;
            let line = b.js(&format!("return document.querySelector(\"li.record[data-id='{id}'] .upload\").textContent;"), vec![]).await;
            assert_eq!(
                has_chinese(line.as_str().unwrap_or_default()),
                lang == "zh",
                "the list's status line in one language: {line}"
            );
            b.click(&format!("li.record[data-id='{id}'] button.open")).await;
            b.wait_visible(".form-screen .notice.received").await;
            let received = b
                .js(
                    "const at = JSON.parse(localStorage.getItem(arguments[0])).upload.uploaded.at;
                     const bj = new Date(new Date(at).getTime() + 8 * 3600 * 1000).toISOString().slice(0, 16).replace('T', ' ');
                     return [document.querySelector('.notice.received').textContent, document.querySelector('.notice.received strong').textContent, bj];",
                    vec![json!(format!("tianye.v1.r.lbc_household.{id}"))],
                )
                .await;
            eprintln!("a sent response, {lang}: {received}");
            assert_eq!(received[1], received[2], "received, in Beijing time: {received}");
            let label = p.says("收到时间（北京时间）", "Received (Beijing time)");
            assert!(received[0].as_str().unwrap_or_default().contains(label), "{received}");
            // Its boxes cannot be changed, and nothing offers to submit it again.
            let state = b
                .js(
                    "const boxes = [...document.querySelectorAll('.form-screen main input, .form-screen main select, .form-screen main textarea')];
                     return [boxes.length, boxes.every((e) => e.matches(':disabled'))];",
                    vec![],
                )
                .await;
            assert!(
                state[0].as_u64().unwrap_or(0) > 0 && state[1] == json!(true),
                "read-only: {state}"
            );
            let answers_sent = answers.clone();
            p.reopen_on(&answers_sent, LAST_PAGE, "help_needed").await;
            b.wait_visible(".form-screen .notice.received").await;
            let pager = b
                .js("return document.querySelector('.form-screen .pager').innerText;", vec![])
                .await;
            let review = p.says("检查并提交", "Review and submit");
            assert!(!pager.as_str().unwrap_or_default().contains(review), "{pager}");
            b.js(
                "location.hash = arguments[0];",
                vec![json!(format!("#/r/lbc_household/{id}/review"))],
            )
            .await;
            b.wait_visible(".review-screen").await;
            let buttons = b
                .js("return document.querySelector('.review-screen .pager').innerText;", vec![])
                .await;
            let mark = p.says("标记为完成", "Mark complete");
            assert!(!buttons.as_str().unwrap_or_default().contains(mark), "{buttons}");
            p.shot("sent-read-only").await;
        });
    }
}
