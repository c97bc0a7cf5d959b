//! "Upload now" (issue 27, item 8), in headless Chromium against `tianye serve`: after a
//! day of failures the queue waits minutes between attempts, and a volunteer whose
//! signal came back must not wait for them.
//!
//! - U1 a response queued while the server is stopped, its backoff grown: once the
//!   server is back, a tap on "现在上传" (in English, "Upload now") in the list sends it within
//!   seconds, and the server stores it once;
//! - U2 the same, with the phone's network gone and back: the browser's `online` event
//!   sends it at once, with no tap;
//! - U3 a response left open on its pages while its upload lands (item 5): it turns
//!   read-only there and then, with the time the server received it in Beijing time.

use std::time::Duration;

use serde_json::json;
use tianye_tests::browser::{self, Browser};

use crate::browser::{
    Site, answered_uploads, household_on_team_link, mark_complete, open_review,
    seed_valid_household, stored_record, upload_state, wait_group,
};

/// The wait before the ninth attempt (128 to 256 s): where a day of failures leaves the
/// queue, far longer than any wait below.
const GROWN_BACKOFF_MS: u64 = 200_000;

/// How soon "at once" must be: the page's own work, not a backoff.
const AT_ONCE: Duration = Duration::from_secs(10);

/// Completes household `id` while the server is stopped, lets the queue fail twice on
/// the network, then gives it the backoff a day of failures would have grown (stored,
/// and read back by a reload: the phone opened again later, when the server is back).
/// The server is back, and nothing is sent for a while: the backoff holds.
async fn queued_with_a_grown_backoff(b: &Browser, site: &mut Site, id: &str) {
    site.stop_server();
    open_review(b).await;
    mark_complete(b).await;
    b.click(".review-screen .done button.primary").await;
    wait_group(b, id, "complete").await;
    let key = format!("tianye.v1.r.lbc_household.{id}");
    b.wait(
        "two failed attempts",
        &format!(
            "const r = JSON.parse(localStorage.getItem({key:?}));
             return r.upload.queued && r.upload.queued.attempts >= 2;"
        ),
    )
    .await;
    b.js(
        "const r = JSON.parse(localStorage.getItem(arguments[0]));
         r.upload.queued.attempts = 8;
         r.upload.queued.next_at = Date.now() + arguments[1];
         localStorage.setItem(arguments[0], JSON.stringify(r));",
        vec![json!(key), json!(GROWN_BACKOFF_MS)],
    )
    .await;
    site.start_server();
    b.reload().await;
    wait_group(b, id, "complete").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(site.stored().is_empty(), "sent before its backoff was over");
    let record = stored_record(b, id).await;
    assert_eq!(upload_state(&record).0, "queued", "{record}");
    assert_eq!(upload_state(&record).1["attempts"], json!(8), "{record}");
}

/// Waits (at most [`AT_ONCE`]) for household `id` to be listed as uploaded, and checks
/// the server stored it once, from one answered upload.
async fn uploaded_at_once(b: &Browser, site: &Site, id: &str) {
    b.wait_for(
        &format!("response {id} uploaded at once"),
        &format!(
            "const li = document.querySelector(\"li.record[data-id='{id}']\");
             const h = li && li.closest('ul.records').previousElementSibling;
             return h && h.className === 'group-uploaded';"
        ),
        AT_ONCE,
    )
    .await;
    let stored = site.stored();
    assert_eq!(stored.len(), 1, "stored once: {stored:?}");
    assert_eq!(stored[0]["instance_id"], json!(id));
    assert_eq!(answered_uploads(b).await, vec![json!(201)], "one upload answered");
    let record = stored_record(b, id).await;
    assert_eq!(upload_state(&record).0, "uploaded", "{record}");
}

#[test]
fn upload_now_sends_a_queued_response_at_once_whatever_its_backoff() {
    browser::run(async {
        let mut site = Site::start();
        let (b, id) = household_on_team_link(&site).await;
        seed_valid_household(&b, &id).await;
        queued_with_a_grown_backoff(&b, &mut site, &id).await;

        let words = b.wait_text(".responses button.upload-now", "现在上传").await;
        assert_eq!(words, "现在上传");
        // In English too, in one language only.
        b.click(".home .bar button.link").await;
        let words = b.wait_text(".responses button.upload-now", "Upload now").await;
        assert_eq!(words, "Upload now");
        b.click(".responses button.upload-now").await;
        uploaded_at_once(&b, &site, &id).await;
        // Nothing is left waiting: the button goes with the group.
        b.wait_hidden(".responses button.upload-now").await;
        b.close().await;
    });
}

#[test]
fn coming_back_online_sends_a_queued_response_at_once() {
    browser::run(async {
        let mut site = Site::start();
        let (b, id) = household_on_team_link(&site).await;
        seed_valid_household(&b, &id).await;
        queued_with_a_grown_backoff(&b, &mut site, &id).await;

        b.set_offline(true).await;
        b.wait("the app offline", "return navigator.onLine === false;").await;
        b.set_offline(false).await;
        uploaded_at_once(&b, &site, &id).await;
        b.close().await;
    });
}

#[test]
fn a_response_open_while_its_upload_lands_turns_read_only_there_and_then() {
    browser::run(async {
        let mut site = Site::start();
        let (b, id) = household_on_team_link(&site).await;
        seed_valid_household(&b, &id).await;
        site.stop_server();
        open_review(&b).await;
        mark_complete(&b).await;
        // Back from the review to the response's pages, which stay open.
        b.click(".review-screen .bar button.link").await;
        b.wait_visible(".form-screen fieldset.locked").await;
        let before = b
            .js(
                "return [document.querySelector('.form-screen fieldset.locked').disabled,
                         !!document.querySelector('.form-screen .notice.received')];",
                vec![],
            )
            .await;
        assert_eq!(before, json!([false, false]), "editable while queued");

        site.start_server();
        b.set_offline(true).await;
        b.set_offline(false).await;
        b.wait_for(
            "the open response read-only",
            "return document.querySelector('.form-screen fieldset.locked').disabled
                 && !!document.querySelector('.form-screen .notice.received');",
            AT_ONCE,
        )
        .await;
        let received = b.wait_text(".form-screen .notice.received", "北京时间").await;
        // The time shown is the server's receipt in UTC+8, to the minute.
        let stored = site.stored();
        assert_eq!(stored.len(), 1, "stored once: {stored:?}");
        let record = stored_record(&b, &id).await;
        let (state, upload) = upload_state(&record);
        assert_eq!(state, "uploaded", "{record}");
        let at = upload["at"].as_str().expect("the receipt time");
        let shown = beijing(at);
        assert!(received.contains(&shown), "{received:?} shows {shown} ({at})");
        b.close().await;
    });
}

/// `at` (RFC 3339, any offset) in Beijing time to the minute, as `2026-07-08 14:03`:
/// worked out here by hand so that the test does not share the app's code.
fn beijing(at: &str) -> String {
    let (date, time) = at.split_once('T').expect("a date and a time");
    let (hh, rest) = time.split_once(':').expect("hours");
    let mm = &rest[..2];
    let offset_minutes: i64 = if at.ends_with('Z') {
        0
    } else {
        let sign = if at.contains('+') { 1 } else { -1 };
        let off = &at[at.len() - 6..];
        sign * (off[1..3].parse::<i64>().unwrap() * 60 + off[4..6].parse::<i64>().unwrap())
    };
    let mut parts = date.split('-').map(|p| p.parse::<i64>().unwrap());
    let (y, m, d) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    let minutes =
        hh.parse::<i64>().unwrap() * 60 + mm.parse::<i64>().unwrap() - offset_minutes + 8 * 60;
    let (day_shift, minutes) = (minutes.div_euclid(24 * 60), minutes.rem_euclid(24 * 60));
    let days_in = |m: i64| match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let (mut y, mut m, mut d) = (y, m, d + day_shift);
    if d > days_in(m) {
        d = 1;
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    } else if d < 1 {
        m -= 1;
        if m < 1 {
            m = 12;
            y -= 1;
        }
        d = days_in(m);
    }
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", minutes / 60, minutes % 60)
}
