//! Responses: one household's (or one child's) answers to one questionnaire version.
//!
//! ```json
//! {"instance_id": "5f0c…", "questionnaire": {"id": "lbc_household", "version": "2026.1"},
//!  "status": "complete",
//!  "answers": {"village": "v03", "member": [{"m_name": "王芳", "m_age": 9}]},
//!  "meta": {"started_at": "2026-07-01T09:30:00+08:00", "enumerator": "李明"}}
//! ```

use serde::{Deserialize, Serialize};

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

impl Response {
    /// Parses a response from JSON, with line, column and path on error.
    pub fn from_json(text: &str) -> Result<Response, Box<crate::Diagnostic>> {
        crate::json::parse_document(text, "response")
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
    use super::*;

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
    fn status_names_read_are_the_names_written() {
        for status in [Status::Draft, Status::Complete] {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(serde_json::from_str::<Status>(&json).unwrap(), status);
        }
    }
}
