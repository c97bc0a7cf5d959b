//! The response's `meta`, typed and bounded: each time an RFC 3339 date and time, the
//! enumerator and device id short text without control characters.

use crate::Code;
use crate::response::{META_TEXT_MAX, Meta, is_rfc3339, shorten};
use crate::validate::Problem;

/// What is wrong with these values, each a problem at `meta.<field>`: a time that is
/// not RFC 3339 ([`Code::MetaTimestamp`]), a text over [`META_TEXT_MAX`] characters
/// ([`Code::MetaTooLong`]) or holding a control character
/// ([`Code::MetaControlChar`]). Values are quoted in problems cut to 40 characters.
pub(crate) fn meta_problems(meta: &Meta) -> Vec<Problem> {
    let mut out = Vec::new();
    let times = [
        ("started_at", &meta.started_at),
        ("updated_at", &meta.updated_at),
        ("submitted_at", &meta.submitted_at),
    ];
    for (name, value) in times {
        if let Some(v) = value
            && !is_rfc3339(v)
        {
            out.push(
                Problem::new(Code::MetaTimestamp, format!("meta.{name}"))
                    .with("value", shorten(v, 40)),
            );
        }
    }
    for (name, value) in [("enumerator", &meta.enumerator), ("device_id", &meta.device_id)] {
        let Some(v) = value else { continue };
        let length = v.chars().count();
        let path = format!("meta.{name}");
        if length > META_TEXT_MAX {
            out.push(
                Problem::new(Code::MetaTooLong, path)
                    .with("max", META_TEXT_MAX)
                    .with("length", length),
            );
        } else if v.chars().any(char::is_control) {
            out.push(Problem::new(Code::MetaControlChar, path));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::Code;
    use crate::response::{META_TEXT_MAX, Meta};

    #[test]
    fn meta_problems_name_the_field() {
        let meta = Meta {
            started_at: Some("=1+1<script>".into()),
            updated_at: Some("2026-07-01T09:30:00+08:00".into()),
            submitted_at: Some("x".repeat(500)),
            enumerator: Some("李".repeat(META_TEXT_MAX + 1)),
            device_id: Some("tianye:\nabc".into()),
        };
        let found: Vec<_> =
            super::meta_problems(&meta).into_iter().map(|p| (p.path, p.code, p.params)).collect();
        assert_eq!(found[0].0, "meta.started_at");
        assert_eq!(found[0].1, Code::MetaTimestamp);
        assert_eq!(found[0].2["value"], "=1+1<script>");
        assert_eq!((found[1].0.as_str(), found[1].1), ("meta.submitted_at", Code::MetaTimestamp));
        assert_eq!(found[1].2["value"].as_str().map(|v| v.chars().count()), Some(41));
        assert_eq!((found[2].0.as_str(), found[2].1), ("meta.enumerator", Code::MetaTooLong));
        assert_eq!(
            (found[2].2["max"].as_u64(), found[2].2["length"].as_u64()),
            (Some(100), Some(101))
        );
        assert_eq!((found[3].0.as_str(), found[3].1), ("meta.device_id", Code::MetaControlChar));
        assert_eq!(found.len(), 4);
        let fine = Meta {
            enumerator: Some("李".repeat(META_TEXT_MAX)),
            device_id: Some("tianye:5f0c2a4e-8d1b-4c3e-9f6a-1b2c3d4e5f60".into()),
            ..Meta::default()
        };
        assert_eq!(super::meta_problems(&fine), vec![]);
    }
}
