//! The upload rules: what each server answer means for a response, and when to try
//! again (exponential backoff with jitter, from 1 s up to 5 min).

use super::record::ServerProblem;
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
    /// Keep it queued and try later (network failure, 5xx, 401/403 until the token is fixed).
    Retry {
        /// Why, for the list.
        reason: String,
    },
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
        401 | 403 => Outcome::Retry {
            reason: format!("上传口令无效 / upload token refused ({status}) {message}"),
        },
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
    // wasm32-unknown-unknown`); a plain `#[test]` is not run by that runner.
    wasm_bindgen_test_configure!(run_in_browser);

    fn answer(status: u16, body: &str) -> Answer {
        Answer { status, body: body.to_owned(), timed_out: false }
    }

    #[wasm_bindgen_test]
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

    #[wasm_bindgen_test]
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
        assert!(matches!(classify(&answer(401, "{}")), Outcome::Retry { .. }));
        let timed_out = Answer { timed_out: true, ..answer(0, "AbortError") };
        assert_eq!(classify(&timed_out), Outcome::Retry { reason: TIMED_OUT.to_owned() });
    }
}
