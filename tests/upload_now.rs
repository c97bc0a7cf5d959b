//! "Upload now" (issue 27, item 8), in headless Chromium against `tianye serve`: after a
//! day of failures the queue waits minutes between attempts, and a volunteer whose
//! signal came back must not wait for them.
//!
//! - U1 a response queued while the server is stopped, its backoff grown: once the
//!   server is back, a tap on "现在上传" (in English, "Upload now") in the list sends it within
//!   seconds, and the server stores it once;
//! - U2 the same, with the phone's network gone and back: the browser's `online` event
//!   sends it at once, with no tap.

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
