//! Responses: one household's (or one child's) answers to one questionnaire version.
//!
//! ```json
//! {"instance_id": "5f0c…", "questionnaire": {"id": "lbc_household", "version": "2026.1"},
//!  "status": "complete",
//!  "answers": {"village": "v03", "member": [{"m_name": "王芳", "m_age": 9}]},
//!  "meta": {"started_at": "2026-07-01T09:30:00+08:00", "enumerator": "李明"}}
//! ```

use serde::{Deserialize, Serialize};

pub mod attachment;

/// The answers of a response: question name → value; a repeat's name → an array of
/// rows, each an object of the same shape.
pub type Answers = serde_json::Map<String, serde_json::Value>;

/// Whether a response is still being filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Being filled in: missing required answers are not problems yet.
    #[default]
    Draft,
    /// Finished: must have no problems at all.
    Complete,
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::json::unit_variant(deserializer, "Status", &["draft", "complete"])
            .map(|i| [Status::Draft, Status::Complete][i])
    }
}

/// Which questionnaire version a response answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FormRef {
    /// The questionnaire's `id`.
    pub id: String,
    /// The questionnaire's `version`.
    pub version: String,
}

/// Who filled in a response and when. Times are RFC 3339 strings as the device
/// recorded them.
///
/// The fields are typed and bounded (checked by
/// [`crate::Form::validate`], so by the server, `tianye validate` and `tianye
/// import-responses` alike): each time is an RFC 3339 date and time with seconds and
/// an offset (`2026-07-01T09:30:00+08:00`, `2026-07-01T01:30:00.000Z`); `enumerator`
/// and `device_id` are at most [`META_TEXT_MAX`] characters without control characters.
/// Any other field is refused when the response is read (`json.format` naming it, such
/// as `meta.phone`), like any unknown field of a response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// When the response was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// When an answer last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// When it was marked complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<String>,
    /// The enumerator (volunteer, official) who filled it in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enumerator: Option<String>,
    /// An identifier of the device, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

/// A response to a questionnaire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// A UUID naming this response; uploads of the same response carry the same id.
    pub instance_id: String,
    /// The questionnaire version answered.
    pub questionnaire: FormRef,
    /// Draft or complete.
    #[serde(default)]
    pub status: Status,
    /// The answers.
    #[serde(default)]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "std::collections::BTreeMap<String, serde_json::Value>")
    )]
    pub answers: Answers,
    /// Who and when.
    #[serde(default)]
    pub meta: Meta,
}

/// The most characters `meta.enumerator` and `meta.device_id` may have.
pub const META_TEXT_MAX: usize = 100;

/// `text` cut to its first `max` characters, with `…` when cut: for quoting a value
/// from a response in a problem without copying all of it.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// `value`'s JSON text cut to its first `max` characters, with `…` when cut; only
/// about that much of it is ever copied or written out, however large the value.
pub(crate) fn preview(value: &serde_json::Value, max: usize) -> String {
    let head = head_of(value, &mut (max + 1));
    shorten(&serde_json::to_string(&head).unwrap_or_default(), max)
}

/// The start of `value`: a copy that stops once about `room` characters of its JSON text
/// are taken. Each part is charged no more than the characters its text has, so a copy
/// cut short writes more than `room` characters, and [`shorten`] marks it cut. (Written
/// through the serializer the app has already, rather than a bounded writer of its own,
/// which would add one to the browser build.)
fn head_of(value: &serde_json::Value, room: &mut usize) -> serde_json::Value {
    use serde_json::Value;
    fn take(text: &str, around: usize, room: &mut usize) -> String {
        let kept: String = text.chars().take(*room).collect();
        *room = room.saturating_sub(kept.chars().count() + around);
        kept
    }
    match value {
        Value::String(text) => Value::String(take(text, 2, room)),
        Value::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                if *room == 0 {
                    break;
                }
                *room -= 1;
                out.push(head_of(item, room));
            }
            Value::Array(out)
        }
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (key, item) in map {
                if *room == 0 {
                    break;
                }
                let key = take(key, 4, room);
                let item = head_of(item, room);
                out.insert(key, item);
            }
            Value::Object(out)
        }
        scalar => {
            *room = room.saturating_sub(1);
            scalar.clone()
        }
    }
}

/// Whether `text` is an RFC 3339 `date-time` (`2026-07-01T09:30:00+08:00`, with `T` or
/// `t`, seconds, an optional fraction of up to nine digits, and `Z`, `z` or `±HH:MM`)
/// that the engine reads as a time too (a real date, no leap second, an offset within
/// ±14:00).
pub fn is_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let shape = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b'T' | b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !shape {
        return false;
    }
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if !(1..=9).contains(&n) {
            return false;
        }
        rest = &fraction[n..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    };
    offset && crate::expr::DateTime::parse(text).is_some()
}

impl Response {
    /// Parses a response from JSON, with line, column and path on error.
    pub fn from_json(text: &str) -> Result<Response, Box<crate::Diagnostic>> {
        crate::json::parse_document(text, "response")
    }

    /// The response in `value` (read by [`crate::json::parse_value`]), taking its
    /// answers over as they are rather than copying them. Errors are as
    /// `Response::deserialize` gives them, without line and column: read the text with
    /// [`Response::from_json`] for those.
    pub fn from_value(value: serde_json::Value) -> Result<Response, serde_json::Error> {
        use serde_json::Value;
        let Value::Object(mut top) = value else { return Response::deserialize(value) };
        let answers = match top.remove("answers") {
            Some(Value::Object(answers)) => Some(answers),
            Some(other) => {
                top.insert("answers".to_owned(), other);
                None
            }
            None => None,
        };
        let mut response = Response::deserialize(Value::Object(top))?;
        if let Some(answers) = answers {
            response.answers = answers;
        }
        Ok(response)
    }
}

/// Whether `text` is a UUID in its hyphenated form (any version).
pub fn is_uuid(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_preview_is_the_start_of_the_value_s_text_marked_when_cut() {
        use serde_json::json;
        for (value, max, shown) in [
            (json!("短"), 10, "\"短\"".to_owned()),
            (json!([1, 2, 3]), 10, "[1,2,3]".to_owned()),
            (json!({"a": "x"}), 10, "{\"a\":\"x\"}".to_owned()),
            (json!("留守儿童留守儿童"), 5, "\"留守儿童…".to_owned()),
            (json!([[1, 2], [3, 4], [5, 6]]), 8, "[[1,2],[…".to_owned()),
            (json!({"m_name": "张三", "m_age": 12}), 12, "{\"m_age\":12,…".to_owned()),
        ] {
            assert_eq!(super::preview(&value, max), shown, "{value}");
        }
        // However large the value, the preview is short, and marked cut.
        let rows = json!(vec![json!({"m_name": "张三"}); 100_000]);
        let shown = super::preview(&rows, 100);
        assert_eq!(shown.chars().count(), 101);
        assert!(shown.ends_with('…'));
    }

    use super::*;
    use crate::Code;

    #[test]
    fn parses_the_documented_shape() {
        let r = Response::from_json(
            r#"{"instance_id": "5f0c2a4e-8d1b-4c3e-9f6a-1b2c3d4e5f60",
                "questionnaire": {"id": "lbc_household", "version": "1"},
                "status": "complete", "answers": {"a": 1, "member": [{"m": "x"}]},
                "meta": {"enumerator": "李明"}}"#,
        )
        .unwrap();
        assert_eq!(r.status, Status::Complete);
        assert!(is_uuid(&r.instance_id));
        assert!(!is_uuid("5f0c2a4e-8d1b-4c3e-9f6a-1b2c3d4e5f6"));
    }

    #[test]
    fn times_are_rfc_3339_with_seconds_and_an_offset() {
        // What the form app writes (`DateTime`'s text), and the bundled cases' style.
        let app = crate::expr::DateTime::from_utc_millis(1_782_869_400_123, 480).to_string();
        for ok in [
            app.as_str(),
            "2026-07-01T09:30:00+08:00",
            "2026-07-01T01:30:00Z",
            "2026-07-01t01:30:00.123456789z",
            "2024-02-29T23:59:59-05:30",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "=1+1<script>",
            "",
            "2026-07-01",
            "2026-07-01T09:30+08:00",
            "2026-07-01 09:30:00+08:00",
            "2026-07-01T09:30:00",
            "2026-07-01T09:30:00+0800",
            "2026-02-30T09:30:00Z",
            "2026-07-01T24:00:00Z",
            "2026-07-01T09:30:60Z",
            "2026-07-01T09:30:00.Z",
            "2026-07-01T09:30:00.1234567890Z",
            "2026-07-01T09:30:00+15:00",
            "2026-07-01T09:30:00Z ",
            "０２０２6-07-01T09:30:00Z",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }

    #[test]
    fn an_unknown_meta_field_is_refused_naming_it() {
        let d = Response::from_json(
            r#"{"instance_id": "i", "questionnaire": {"id": "x", "version": "1"}, "meta": {"phone": "1"}}"#,
        )
        .unwrap_err();
        assert_eq!((d.code, d.item.as_str()), (Code::JsonFormat, "meta.phone"));
    }

    /// Reading from a tree gives what reading the text gives, and fails where it fails.
    #[test]
    fn from_value_reads_as_from_json() {
        for text in [
            r#"{"instance_id": "i", "questionnaire": {"id": "x", "version": "1"}}"#,
            r#"{"instance_id": "i", "questionnaire": {"id": "x", "version": "1"}, "status": "complete",
                "answers": {"a": [1, {"b": "王"}]}, "meta": {"enumerator": "李明", "device_id": null}}"#,
            r#"{"instance_id": "i", "questionnaire": {"id": "x", "version": "1"}, "answers": null}"#,
            r#"{"instance_id": "i", "questionnaire": {"id": "x", "version": "1"}, "answers": []}"#,
            r#"{"instance_id": "i", "questionnaire": {"id": "x", "version": "1"}, "extra": 1}"#,
            r#"{"instance_id": 5, "questionnaire": {"id": "x", "version": "1"}}"#,
            r#"{"questionnaire": {"id": "x", "version": "1"}}"#,
            r#"{"instance_id": "i", "questionnaire": {"id": "x", "version": "1"}, "status": {"complete": null}}"#,
            "[1]",
            "\"x\"",
        ] {
            let value = crate::json::parse_value(text).unwrap();
            let from_text = Response::from_json(text);
            match Response::from_value(value) {
                Ok(r) => assert_eq!(Some(r), from_text.ok(), "{text}"),
                Err(_) => assert!(from_text.is_err(), "{text}"),
            }
        }
    }

    #[test]
    fn status_names_read_are_the_names_written() {
        for status in [Status::Draft, Status::Complete] {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(serde_json::from_str::<Status>(&json).unwrap(), status);
        }
    }
}
