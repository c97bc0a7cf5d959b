//! The upload queue's rules, as plain functions over plain data: which response goes
//! next ([`next_due`]), what a server answer means ([`outcome`]) and what it makes of
//! the response ([`after`]), when to wake up again ([`next_wake`]), what "upload now"
//! does, and when to stop trying: the server refused the team link this
//! device holds ([`stopped`]). A response is marked sent only when the server
//! acknowledged it. The browser part (`crate::app::uploads`) only performs what these decide.

use tianye_core::response::Status;

use super::record::{Record, ServerProblem, Upload};

/// Longest wait between attempts, ms.
pub const MAX_DELAY_MS: f64 = 300_000.0;
/// First wait, ms.
pub const FIRST_DELAY_MS: f64 = 1_000.0;

/// The wait before attempt `attempts + 1`, given a random number in `0..1`: doubling
/// from 1 s, capped at 5 min, with between half and all of it kept (jitter spreads many
/// devices reconnecting at once). In whole ms: the time of the next attempt is stored
/// with the response, and a fraction of 17 digits does not always read back as the
/// same number (`serde_json` without `float_roundtrip`), so the copies two tabs hold
/// would differ.
pub fn backoff_ms(attempts: u32, random: f64) -> f64 {
    let base = (FIRST_DELAY_MS * 2f64.powi(attempts.min(20) as i32)).min(MAX_DELAY_MS);
    (base * (0.5 + 0.5 * random.clamp(0.0, 1.0))).round()
}

/// What a server answer means.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// 201 (stored) or 200 (already stored, identical): done.
    Stored,
    /// Refused for good until the response changes (422, 409, 400, 404, 413).
    Rejected {
        /// Server code.
        code: String,
        /// Server message.
        message: String,
        /// The problems it found.
        problems: Vec<ServerProblem>,
    },
    /// Keep it queued and try later (network failure, timeout, 5xx, anything else).
    Retry {
        /// Why, for the list.
        reason: String,
    },
    /// The server refused the team link's token (401, or 403 with an `auth.` code: the
    /// admin token used to upload): keep it queued, and send nothing more with that
    /// token (see [`stopped`]).
    LinkRefused {
        /// Why (with the server's code), for the list.
        reason: String,
    },
}

/// How a refused token is kept (with the settings, so that a reload sends nothing with
/// it either): the token itself, and `""` for uploads that went without one.
pub fn refused_token(token: Option<&str>) -> String {
    token.unwrap_or_default().to_owned()
}

/// Whether the upload queue is stopped: the device holds (`token`) the very link the
/// server refused (`refused`, as [`refused_token`] keeps it): retrying cannot succeed,
/// and only a new link helps. Opening a link (a new one, or the same again) clears the
/// refusal and the queue tries once more; a refusal of a token the device no longer
/// holds (it came while a new link was being opened) stops nothing.
pub fn stopped(token: Option<&str>, refused: Option<&str>) -> bool {
    refused.is_some_and(|r| r == token.unwrap_or_default())
}

/// The response to send next at `now` (ms since 1970), by its ids: the first complete
/// one queued whose backoff is over, or, in a `hurry` ("upload now", and the browser
/// coming back online), the first complete one queued, whatever its backoff.
pub fn next_due(records: &[Record], now: f64, hurry: bool) -> Option<(String, String)> {
    let now = if hurry { f64::INFINITY } else { now };
    records.iter().find(|r| r.due(now)).map(Record::ids)
}

/// Marks `record` as being sent (so that other tabs leave it alone, and a tab that dies
/// mid-send leaves it to be queued again); returns its failed attempts so far, for
/// [`after`].
pub fn begin(record: &mut Record) -> u32 {
    let attempts = match record.upload {
        Upload::Queued { attempts, .. } => attempts,
        _ => 0,
    };
    record.upload = Upload::Uploading;
    attempts
}

/// What a queued response becomes after an attempt that ended in `outcome`: its
/// `attempts` failures before, `now` in ms since 1970, `random` in `0..1` for the
/// jitter, `at` the time now (ISO) for a stored one. A refused link does not count as
/// an attempt and waits for no backoff: the queue stops, and the response is due again
/// as soon as a new link is opened.
pub fn after(outcome: Outcome, attempts: u32, now: f64, random: f64, at: String) -> Upload {
    match outcome {
        Outcome::Stored => Upload::Uploaded { at },
        Outcome::Rejected { code, message, problems } => {
            Upload::Rejected { code, message, problems }
        }
        Outcome::Retry { reason } => Upload::Queued {
            attempts: attempts + 1,
            next_at: now + backoff_ms(attempts, random),
            last_error: Some(reason),
        },
        Outcome::LinkRefused { reason } => {
            Upload::Queued { attempts, next_at: now, last_error: Some(reason) }
        }
    }
}

#[derive(serde::Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: serde_json::Value,
    #[serde(default)]
    problems: Vec<ServerProblem>,
}

fn message_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(map) => {
            let zh = map.get("zh").and_then(|v| v.as_str()).unwrap_or_default();
            let en = map.get("en").and_then(|v| v.as_str()).unwrap_or_default();
            if en.is_empty() { zh.to_owned() } else { format!("{zh} / {en}") }
        }
        _ => String::new(),
    }
}

/// Why an upload is queued again when the server gave no answer in time.
const TIMED_OUT: &str =
    "请求超时：网络太慢或中断 / the request timed out: the network is slow or cut";

/// Why a response waits while the team link is refused.
const LINK_REFUSED: &str =
    "团队链接已失效，等待新的链接 / the team link no longer works: waiting for a new link";

/// What the server's answer to an upload means: its `status` (0 for a network failure
/// or a timeout), its `body`, and whether no answer came in time (`timed_out`).
pub fn outcome(status: u16, body: &str, timed_out: bool) -> Outcome {
    if timed_out {
        return Outcome::Retry { reason: TIMED_OUT.to_owned() };
    }
    let ErrorBody { code, message, problems } = serde_json::from_str(body).unwrap_or_default();
    let message = message_text(&message);
    // Every 401; a 403 only as the server's own refusal of the token: another 403 (a
    // proxy's page, say) is retried as a server error, since a new link would not help.
    let refused = status == 401 || (status == 403 && code.starts_with("auth."));
    let code = if code.is_empty() { status.to_string() } else { code };
    match status {
        200 | 201 => Outcome::Stored,
        400 | 404 | 409 | 413 | 422 => Outcome::Rejected { code, message, problems },
        0 => Outcome::Retry { reason: "网络不可用 / network unavailable".to_owned() },
        _ if refused => Outcome::LinkRefused { reason: format!("{LINK_REFUSED} ({code})") },
        _ => {
            Outcome::Retry { reason: format!("服务器错误 / server error {status} {message}") }
        }
    }
}

/// How long to wait (ms) before the queue wakes up for the next response due after
/// `now`; `None` when none is queued. At least 0.2 s (no busy loop on a clock a little
/// off), at most 5 min (a clock set back would otherwise stall the queue).
pub fn next_wake(records: &[Record], now: f64) -> Option<f64> {
    let next = records
        .iter()
        .filter(|r| r.response.status == Status::Complete)
        .filter_map(|r| match r.upload {
            Upload::Queued { next_at, .. } => Some(next_at),
            _ => None,
        })
        .fold(f64::INFINITY, f64::min);
    next.is_finite().then(|| (next - now).clamp(200.0, MAX_DELAY_MS))
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    use super::*;

    // Run with the other browser tests (`cargo test -p tianye-web --target
    // wasm32-unknown-unknown`; a plain `#[test]` is not run by that runner), and natively
    // too, as plain tests (`unsupported = test`): `cargo test -p tianye-web --lib
    // state::upload`. These rules take no browser type.
    wasm_bindgen_test_configure!(run_in_browser);

    /// A server answer: status, body, and whether it timed out.
    type Answer = (u16, String, bool);

    fn answer(status: u16, body: &str) -> Answer {
        (status, body.to_owned(), false)
    }

    fn classify(answer: &Answer) -> Outcome {
        outcome(answer.0, &answer.1, answer.2)
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn backoff_doubles_from_one_second_to_five_minutes_with_jitter() {
        assert_eq!(backoff_ms(0, 1.0), 1_000.0);
        assert_eq!(backoff_ms(0, 0.0), 500.0);
        assert_eq!(backoff_ms(3, 1.0), 8_000.0);
        assert_eq!(backoff_ms(12, 1.0), MAX_DELAY_MS);
        assert_eq!(backoff_ms(1000, 0.0), MAX_DELAY_MS / 2.0);
        // Whole ms, so the stored time reads back as the same number.
        assert_eq!(backoff_ms(5, 0.123_456_789_012_345_6), 17_975.0);
        assert_eq!(backoff_ms(1, 0.522_474_101_234_567), 1_522.0);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn server_answers() {
        assert_eq!(classify(&answer(201, "")), Outcome::Stored);
        assert_eq!(classify(&answer(200, "{}")), Outcome::Stored);
        let body = r#"{"code": "validation", "message": {"zh": "答卷有问题", "en": "Invalid"}, "problems": [{"path": "age", "code": "range", "message": "x"}]}"#;
        match classify(&answer(422, body)) {
            Outcome::Rejected { code, message, problems } => {
                assert_eq!(code, "validation");
                assert_eq!(message, "答卷有问题 / Invalid");
                assert_eq!(problems[0].path, "age");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(classify(&answer(409, "{}")), Outcome::Rejected { .. }));
        assert!(matches!(classify(&answer(503, "oops")), Outcome::Retry { .. }));
        assert!(matches!(classify(&answer(0, "")), Outcome::Retry { .. }));
        assert!(matches!(classify(&answer(401, "{}")), Outcome::LinkRefused { .. }));
        let timed_out = (0, "AbortError".to_owned(), true);
        assert_eq!(classify(&timed_out), Outcome::Retry { reason: TIMED_OUT.to_owned() });
    }

    fn refused_with(answer: &Answer) -> String {
        match classify(answer) {
            Outcome::LinkRefused { reason } => reason,
            other => panic!("{} {}: {other:?}", answer.0, answer.1),
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_server_refusing_the_token_is_a_refused_link_not_a_retry() {
        for code in ["auth.revoked_token", "auth.unknown_token", "auth.missing_token"] {
            let body =
                format!(r#"{{"code": "{code}", "message": {{"zh": "令牌无效", "en": "x"}}}}"#);
            assert_eq!(refused_with(&answer(401, &body)), format!("{LINK_REFUSED} ({code})"));
        }
        // The admin token used to upload.
        let admin = r#"{"code": "auth.team_required", "message": "x"}"#;
        assert_eq!(
            refused_with(&answer(403, admin)),
            format!("{LINK_REFUSED} (auth.team_required)")
        );
        // A 401 with no code of ours (a proxy's page) is a refused token all the same.
        assert_eq!(refused_with(&answer(401, "<html>401</html>")), format!("{LINK_REFUSED} (401)"));
        // A 403 that is not the server refusing the token: a new link would not help.
        assert!(matches!(classify(&answer(403, "<html>Forbidden</html>")), Outcome::Retry { .. }));
        assert!(matches!(
            classify(&answer(403, r#"{"code": "api.forbidden"}"#)),
            Outcome::Retry { .. }
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_queue_is_stopped_while_the_device_holds_the_refused_link() {
        let dead = refused_token(Some("dead"));
        // Nothing refused: the queue runs.
        assert!(!stopped(Some("dead"), None));
        assert!(!stopped(None, None));
        // The link refused is the one held: stopped.
        assert!(stopped(Some("dead"), Some(&dead)));
        // A new link opened: it runs again with the new token.
        assert!(!stopped(Some("new"), Some(&dead)));
        // Uploads without a token were refused (missing token): stopped until a link is
        // opened.
        let none = refused_token(None);
        assert_eq!(none, "");
        assert!(stopped(None, Some(&none)));
        assert!(!stopped(Some("new"), Some(&none)));
        // A link was refused, and the device has none now: nothing to stop.
        assert!(!stopped(None, Some(&dead)));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_refused_link_keeps_the_response_queued_and_due_with_no_backoff() {
        let now = 1_700_000_000_000.0;
        let refused = Outcome::LinkRefused { reason: "r".into() };
        assert_eq!(
            after(refused, 3, now, 0.5, "t".into()),
            Upload::Queued { attempts: 3, next_at: now, last_error: Some("r".into()) }
        );
        // Other failures count and wait.
        let retry = Outcome::Retry { reason: "n".into() };
        assert_eq!(
            after(retry, 3, now, 1.0, "t".into()),
            Upload::Queued { attempts: 4, next_at: now + 8_000.0, last_error: Some("n".into()) }
        );
        assert_eq!(
            after(Outcome::Stored, 3, now, 0.5, "t".into()),
            Upload::Uploaded { at: "t".into() }
        );
        let rejected =
            Outcome::Rejected { code: "validation".into(), message: "m".into(), problems: vec![] };
        assert_eq!(
            after(rejected, 0, now, 0.5, "t".into()),
            Upload::Rejected { code: "validation".into(), message: "m".into(), problems: vec![] }
        );
    }

    fn queued(id: &str, status: &str, attempts: u32, next_at: f64) -> Record {
        record(id, status, Upload::Queued { attempts, next_at, last_error: None })
    }

    fn record(id: &str, status: &str, upload: Upload) -> Record {
        let response = serde_json::json!({
            "instance_id": id,
            "questionnaire": {"id": "lbc_household", "version": "1"},
            "status": status,
            "answers": {},
        });
        Record {
            response: serde_json::from_value(response).expect("a response"),
            title: tianye_core::schema::Text::default(),
            upload,
            summary: tianye_core::schema::Text::default(),
            page: 0,
            sealed: None,
            files_sent: Vec::new(),
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_files_to_send_are_those_the_answers_name_each_once_less_those_sent() {
        let file = |name: &str| serde_json::json!({"file": name, "sha256": "ab".repeat(32), "size": 10, "media_type": "image/png"});
        let mut r = record("r", "complete", Upload::Draft);
        r.response.answers = serde_json::from_value(serde_json::json!({
            "sig": file("sig-1.png"),
            "name": "王芳",
            "member": [{"m_photo": file("m_photo-1.png")}, {"m_photo": file("sig-1.png")}, {"m_note": "x"}],
            // Not an attachment: a fifth field.
            "odd": {"file": "x.png", "sha256": "ab".repeat(32), "size": 1, "media_type": "image/png", "more": 1},
        }))
        .unwrap();
        let names = |list: Vec<tianye_core::response::attachment::Attachment>| {
            let mut n: Vec<String> = list.into_iter().map(|a| a.file).collect();
            n.sort();
            n
        };
        assert_eq!(names(r.files()), ["m_photo-1.png", "sig-1.png"]);
        r.files_sent.push("sig-1.png".into());
        let (unsent, all) = r.files_to_send();
        assert_eq!((names(unsent), all), (vec!["m_photo-1.png".to_owned()], 2));

        // Sealed: the sealed files its envelope lists, the plain answers gone.
        let sealed = serde_json::json!({"sealed": "tianye-sealed-1", "files": [
            {"file": "sig-1.png.sealed", "sha256": "cd".repeat(32), "size": 38},
            {"file": "m_photo-1.png.sealed", "sha256": "ef".repeat(32), "size": 40},
        ]});
        r.keep_sealed(crate::state::record::Envelope(sealed.to_string()));
        let files = r.files();
        assert_eq!(names(files.clone()), ["m_photo-1.png.sealed", "sig-1.png.sealed"]);
        assert!(files.iter().all(|a| a.media_type == "application/octet-stream"));
        assert_eq!((files[0].sha256.as_str(), files[0].size), ("cd".repeat(32).as_str(), 38));
        let (unsent, all) = r.files_to_send();
        assert_eq!((unsent.len(), all), (2, 2));
        // An envelope that lists none, or that cannot be read, names none.
        for text in [r#"{"sealed":"tianye-sealed-1"}"#, "not json"] {
            r.sealed = Some(crate::state::record::Envelope(text.into()));
            assert!(r.files().is_empty(), "{text}");
        }
    }

    fn ids(id: &str) -> (String, String) {
        ("lbc_household".to_owned(), id.to_owned())
    }

    const NOW: f64 = 1_700_000_000_000.0;

    #[wasm_bindgen_test(unsupported = test)]
    fn the_next_due_is_the_first_complete_response_whose_backoff_is_over() {
        let records = vec![
            record("draft", "draft", Upload::Draft),
            queued("waiting", "complete", 2, NOW + 1.0),
            record("sending", "complete", Upload::Uploading),
            record("sent", "complete", Upload::Uploaded { at: "t".into() }),
            queued("due", "complete", 1, NOW),
            queued("due-later-in-list", "complete", 0, 0.0),
        ];
        assert_eq!(next_due(&records, NOW, false), Some(ids("due")));
        assert_eq!(next_due(&records, NOW + 1.0, false), Some(ids("waiting")));
        assert_eq!(next_due(&records[..4], NOW, false), None);
        // A draft queued by an older build (reopened) is not sent.
        assert_eq!(next_due(&[queued("d", "draft", 0, 0.0)], NOW, false), None);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_send_marks_the_response_uploading_and_keeps_its_attempts() {
        let mut r = queued("a", "complete", 4, NOW);
        assert_eq!(begin(&mut r), 4);
        assert_eq!(r.upload, Upload::Uploading);
        assert_eq!(next_due(std::slice::from_ref(&r), NOW + 1e9, false), None);
    }

    /// Every answer the server (or the network) can give, and what the response becomes:
    /// sent only when acknowledged; rejected with the server's problems (it can be mended
    /// and completed again); queued with a growing wait on a failure that may pass; queued
    /// and due at once (the queue then stops) when the link is refused.
    #[wasm_bindgen_test(unsupported = test)]
    fn only_an_acknowledged_response_is_marked_sent() {
        let problems = r#"{"code": "validation", "message": {"zh": "答卷有问题", "en": "Invalid"},
            "problems": [{"path": "member[2].m_age", "code": "range", "message": "x"}]}"#;
        let cases: &[(u16, &str, bool, &str)] = &[
            (201, r#"{"id": "a"}"#, false, "uploaded"),
            (200, "{}", false, "uploaded"),
            (422, problems, false, "rejected validation 1"),
            (409, r#"{"code": "conflict"}"#, false, "rejected conflict 0"),
            (413, "", false, "rejected 413 0"),
            (400, "{}", false, "rejected 400 0"),
            (404, "<html>", false, "rejected 404 0"),
            (500, "{}", false, "retry 4"),
            (502, "<html>Bad gateway</html>", false, "retry 4"),
            (503, "", false, "retry 4"),
            (0, "", false, "retry 4"),
            (0, "AbortError", true, "retry 4"),
            (429, "", false, "retry 4"),
            (403, "<html>Forbidden</html>", false, "retry 4"),
            (401, r#"{"code": "auth.revoked_token"}"#, false, "refused"),
            (401, "", false, "refused"),
            (403, r#"{"code": "auth.team_required"}"#, false, "refused"),
        ];
        for &(status, body, timed_out, expected) in cases {
            let upload = after(outcome(status, body, timed_out), 3, NOW, 1.0, "t".into());
            let got = match &upload {
                Upload::Uploaded { at } => {
                    assert_eq!(at, "t");
                    "uploaded".to_owned()
                }
                Upload::Rejected { code, problems, .. } => {
                    format!("rejected {code} {}", problems.len())
                }
                Upload::Queued { attempts, next_at, last_error } => {
                    assert!(last_error.as_ref().is_some_and(|e| !e.is_empty()), "{status}");
                    if *next_at == NOW {
                        assert_eq!(*attempts, 3, "{status}: a refusal is no attempt");
                        "refused".to_owned()
                    } else {
                        assert_eq!(*next_at, NOW + backoff_ms(3, 1.0), "{status}");
                        format!("retry {attempts}")
                    }
                }
                other => format!("{other:?}"),
            };
            assert_eq!(got, expected, "{status} {body}");
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn failures_in_a_row_wait_longer_each_time_up_to_five_minutes() {
        let mut r = queued("a", "complete", 0, NOW);
        let mut now = NOW;
        let mut waits = Vec::new();
        for _ in 0..12 {
            assert_eq!(next_due(std::slice::from_ref(&r), now, false), Some(ids("a")));
            let attempts = begin(&mut r);
            r.upload = after(outcome(0, "", false), attempts, now, 1.0, "t".into());
            let Upload::Queued { next_at, .. } = r.upload else { panic!("{:?}", r.upload) };
            // Not due before its time.
            assert_eq!(next_due(std::slice::from_ref(&r), next_at - 1.0, false), None);
            waits.push(next_at - now);
            now = next_at;
        }
        assert_eq!(waits[..4], [1_000.0, 2_000.0, 4_000.0, 8_000.0]);
        assert_eq!(waits[11], MAX_DELAY_MS);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_send_cut_off_by_a_tab_that_died_is_due_again() {
        let mut r = queued("a", "complete", 2, NOW);
        begin(&mut r);
        // The tab died here: no answer was noted, and the response stays "uploading".
        let mut records = vec![r];
        assert_eq!(next_due(&records, NOW + 1e9, false), None);
        assert!(records[0].requeue_interrupted_upload());
        assert_eq!(next_due(&records, NOW, false), Some(ids("a")));
        // Only a send cut off is queued again.
        assert!(!records[0].requeue_interrupted_upload());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_queue_wakes_for_the_soonest_response_waiting() {
        let records = vec![
            record("sent", "complete", Upload::Uploaded { at: "t".into() }),
            queued("draft", "draft", 0, NOW + 10.0),
            queued("later", "complete", 5, NOW + 60_000.0),
            queued("sooner", "complete", 4, NOW + 30_000.0),
        ];
        assert_eq!(next_wake(&records, NOW), Some(30_000.0));
        // Overdue: soon, not at once.
        assert_eq!(next_wake(&records, NOW + 1e6), Some(200.0));
        // A clock set back: no more than 5 min.
        assert_eq!(next_wake(&records, 0.0), Some(MAX_DELAY_MS));
        assert_eq!(next_wake(&records[..2], NOW), None);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn upload_now_sends_every_waiting_response_whatever_its_backoff() {
        let mut records = vec![
            record("sending", "complete", Upload::Uploading),
            queued("draft", "draft", 0, NOW + 10.0),
            record(
                "rejected",
                "complete",
                Upload::Rejected {
                    code: "validation".into(),
                    message: "m".into(),
                    problems: vec![],
                },
            ),
            record("sent", "complete", Upload::Uploaded { at: "t".into() }),
            queued("a", "complete", 7, NOW + 111_000.0),
            queued("b", "complete", 3, NOW + 8_000.0),
        ];
        assert_eq!(next_due(&records, NOW, false), None);
        assert_eq!(next_due(&records, NOW, true), Some(ids("a")));
        // Sent, the next one goes in the same hurry.
        records[4].upload = after(outcome(201, "", false), 7, NOW, 0.5, "t".into());
        assert_eq!(next_due(&records, NOW, true), Some(ids("b")));
        records[5].upload = after(outcome(201, "", false), 3, NOW, 0.5, "t".into());
        assert_eq!(next_due(&records, NOW, true), None);
        // A failure in a hurry keeps its attempts: a server still down is not tried at
        // a faster pace afterwards.
        let upload = after(outcome(503, "", false), 7, NOW, 1.0, "t".into());
        assert_eq!(
            upload,
            Upload::Queued {
                attempts: 8,
                next_at: NOW + backoff_ms(7, 1.0),
                last_error: Some("服务器错误 / server error 503 ".into()),
            }
        );
    }
}
