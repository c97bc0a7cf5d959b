//! The upload rules: what each server answer means for a response, when to try
//! again (exponential backoff with jitter, from 1 s up to 5 min), and when to stop
//! trying: the server refused the team link this device holds.

use super::record::{ServerProblem, Upload};
use crate::api::Answer;

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

/// What a queued response becomes after an attempt that ended in `outcome`: its
/// `attempts` failures before, `now` in ms since 1970, `random` in `0..1` for the
/// jitter, `at` the time now (ISO) for a stored one. A refused link does not count as
/// an attempt and waits for no backoff: the queue stops, and the response is due again
/// as soon as a new link is opened.
pub fn after_attempt(outcome: Outcome, attempts: u32, now: f64, random: f64, at: String) -> Upload {
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

/// Classifies the answer to an upload (status 0 for a network failure or a timeout).
pub fn classify(answer: &Answer) -> Outcome {
    if answer.timed_out {
        return Outcome::Retry { reason: TIMED_OUT.to_owned() };
    }
    let status = answer.status;
    let parsed: ErrorBody = serde_json::from_str(&answer.body).unwrap_or_default();
    let message = message_text(&parsed.message);
    match status {
        200 | 201 => Outcome::Stored,
        400 | 404 | 409 | 413 | 422 => Outcome::Rejected {
            code: if parsed.code.is_empty() { status.to_string() } else { parsed.code },
            message,
            problems: parsed.problems,
        },
        0 => Outcome::Retry { reason: "网络不可用 / network unavailable".to_owned() },
        // Every 401; a 403 only as the server's own refusal of the token: another 403 (a
        // proxy's page, say) is retried as a server error, since a new link would not help.
        401 | 403 if status == 401 || parsed.code.starts_with("auth.") => {
            let code = if parsed.code.is_empty() { status.to_string() } else { parsed.code };
            Outcome::LinkRefused { reason: format!("{LINK_REFUSED} ({code})") }
        }
        _ => {
            Outcome::Retry { reason: format!("服务器错误 / server error {status} {message}") }
        }
    }
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

    fn answer(status: u16, body: &str) -> Answer {
        Answer { status, body: body.to_owned(), timed_out: false }
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
        let timed_out = Answer { timed_out: true, ..answer(0, "AbortError") };
        assert_eq!(classify(&timed_out), Outcome::Retry { reason: TIMED_OUT.to_owned() });
    }

    fn refused_with(answer: &Answer) -> String {
        match classify(answer) {
            Outcome::LinkRefused { reason } => reason,
            other => panic!("{} {}: {other:?}", answer.status, answer.body),
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
            after_attempt(refused, 3, now, 0.5, "t".into()),
            Upload::Queued { attempts: 3, next_at: now, last_error: Some("r".into()) }
        );
        // Other failures count and wait.
        let retry = Outcome::Retry { reason: "n".into() };
        assert_eq!(
            after_attempt(retry, 3, now, 1.0, "t".into()),
            Upload::Queued { attempts: 4, next_at: now + 8_000.0, last_error: Some("n".into()) }
        );
        assert_eq!(
            after_attempt(Outcome::Stored, 3, now, 0.5, "t".into()),
            Upload::Uploaded { at: "t".into() }
        );
        let rejected =
            Outcome::Rejected { code: "validation".into(), message: "m".into(), problems: vec![] };
        assert_eq!(
            after_attempt(rejected, 0, now, 0.5, "t".into()),
            Upload::Rejected { code: "validation".into(), message: "m".into(), problems: vec![] }
        );
    }
}
