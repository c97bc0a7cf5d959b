//! Attachments: the files that answers to `image`, `signature`, `draw`, `file` and
//! `audio` questions name.
//!
//! An answer to such a question is an object, read strictly (any other field, or a
//! field of the wrong form, makes it an `attachment.format` problem):
//!
//! ```json
//! {"file": "photo-1.jpg", "sha256": "<64 lowercase hex digits>", "size": 48213,
//!  "media_type": "image/jpeg"}
//! ```
//!
//! The bytes travel apart from the response (the server's attachment upload, or a
//! backup file's `files` map) and are checked against `sha256` and `size`. In an
//! expression the answer is its file name, as in ODK (`${photo} != ''`).

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::form::{FieldId, Form, ScopeId};
use crate::schema::ItemType;

/// The largest file an answer may name: 10 MiB.
pub const MAX_SIZE: u64 = 10 * 1024 * 1024;

/// The most attachments one response may name.
pub const MAX_PER_RESPONSE: usize = 50;

/// The longest side of a picture when its question sets no `max_pixels` (ODK's
/// default for `max-pixels`).
pub const DEFAULT_MAX_PIXELS: u32 = 1600;

/// The media types a picture (`image`, `signature`, `draw`) may have.
pub const PICTURE_TYPES: [&str; 3] = ["image/jpeg", "image/png", "image/webp"];

/// The most characters a media type may have.
const MEDIA_TYPE_MAX: usize = 100;

/// One file an answer names: its name (unique in the response), content hash, size in
/// bytes and media type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// A safe file name: `[A-Za-z0-9][A-Za-z0-9._-]{0,99}`, without `..`.
    pub file: String,
    /// SHA-256 of the bytes, 64 lowercase hex digits.
    pub sha256: String,
    /// Length of the bytes (1 to [`MAX_SIZE`] for a valid answer).
    pub size: u64,
    /// The media type, `type/subtype` (`image/jpeg`).
    pub media_type: String,
}

impl Attachment {
    /// The attachment an answer holds, if it has exactly the four fields, each of
    /// the right form (the size is not checked against [`MAX_SIZE`] here: that is a
    /// problem of its own, `attachment.too_large`).
    pub fn from_json(value: &Json) -> Option<Attachment> {
        let Json::Object(map) = value else { return None };
        if map.len() != 4 {
            return None;
        }
        let file = map.get("file")?.as_str()?;
        let sha256 = map.get("sha256")?.as_str()?;
        let size = map.get("size")?.as_u64()?;
        let media_type = map.get("media_type")?.as_str()?;
        let fits = is_safe_file_name(file)
            && is_sha256_hex(sha256)
            && size >= 1
            && is_media_type(media_type);
        fits.then(|| Attachment {
            file: file.to_owned(),
            sha256: sha256.to_owned(),
            size,
            media_type: media_type.to_owned(),
        })
    }

    /// The answer as response JSON.
    pub fn to_json(&self) -> Json {
        serde_json::json!({
            "file": self.file,
            "sha256": self.sha256,
            "size": self.size,
            "media_type": self.media_type,
        })
    }
}

/// Whether `name` is a safe file name: an ASCII letter or digit, then at most 99
/// letters, digits, `.`, `_` or `-`, and no `..` (so never a path, never hidden).
pub fn is_safe_file_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.len() <= 100
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && !name.contains("..")
}

/// Whether `text` is a SHA-256 digest written as 64 lowercase hex digits.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Whether `text` looks like a media type, `type/subtype` (parameters are not allowed).
fn is_media_type(text: &str) -> bool {
    let part = |s: &str| {
        !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-._".contains(c))
    };
    text.len() <= MEDIA_TYPE_MAX && text.split_once('/').is_some_and(|(a, b)| part(a) && part(b))
}

/// Whether a file of `media_type` named `file` fits a question of `kind` accepting
/// `accept` (the compiled list: `audio/*` for audio without one; empty accepts any).
pub fn media_type_fits(kind: ItemType, accept: &[String], media_type: &str, file: &str) -> bool {
    if kind.is_picture() {
        return PICTURE_TYPES.iter().any(|t| t.eq_ignore_ascii_case(media_type));
    }
    accept.is_empty()
        || accept.iter().any(|entry| {
            if entry.starts_with('.') {
                // `.pdf`: the name ends so, in any case, and has more before it.
                file.len() > entry.len()
                    && file
                        .get(file.len() - entry.len()..)
                        .is_some_and(|end| end.eq_ignore_ascii_case(entry))
            } else if let Some(major) = entry.strip_suffix("/*") {
                media_type.split_once('/').is_some_and(|(m, _)| m.eq_ignore_ascii_case(major))
            } else {
                entry.eq_ignore_ascii_case(media_type)
            }
        })
}

/// One attachment a response names, with where its answer is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Named {
    /// Where, for people: `consent_sig`, `member[2].m_photo`.
    pub path: String,
    /// The question's name.
    pub field: String,
    /// The file.
    #[serde(flatten)]
    pub attachment: Attachment,
}

/// The attachments `answers` name, in answer order (a repeat's rows in order), each
/// answer of an attachment question that reads as one (a malformed answer names
/// none). Files named twice are listed twice; [`expected_files`] gives each once.
pub fn attachments(form: &Form, answers: &crate::Answers) -> Vec<Named> {
    let mut out = Vec::new();
    collect(form, ScopeId::ROOT, answers, "", &mut out);
    out
}

fn collect(
    form: &Form,
    scope: ScopeId,
    answers: &crate::Answers,
    prefix: &str,
    out: &mut Vec<Named>,
) {
    for (key, value) in answers {
        let Some(id): Option<FieldId> = form.lookup(key) else { continue };
        let f = form.field(id);
        if f.scope != scope {
            continue;
        }
        if let (Some(row_scope), Json::Array(rows)) = (f.row_scope, value) {
            for (i, row) in rows.iter().enumerate() {
                if let Json::Object(map) = row {
                    collect(form, row_scope, map, &format!("{prefix}{key}[{i}]."), out);
                }
            }
        } else if f.kind.is_attachment()
            && let Some(attachment) = Attachment::from_json(value)
        {
            out.push(Named { path: format!("{prefix}{key}"), field: key.clone(), attachment });
        }
    }
}

/// The files `answers` name, each name once (the first answer naming it), in answer
/// order: what a server expects to receive for the response.
pub fn expected_files(form: &Form, answers: &crate::Answers) -> Vec<Attachment> {
    let mut seen = std::collections::HashSet::new();
    attachments(form, answers)
        .into_iter()
        .filter(|n| seen.insert(n.attachment.file.clone()))
        .map(|n| n.attachment)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn answer(file: &str, sha: &str, size: Json, media: &str) -> Json {
        serde_json::json!({"file": file, "sha256": sha, "size": size, "media_type": media})
    }

    #[test]
    fn answers_read_strictly() {
        let ok = answer("a.jpg", HASH, 10.into(), "image/jpeg");
        assert_eq!(Attachment::from_json(&ok).unwrap().to_json(), ok);
        let upper = HASH.to_uppercase();
        let bad = [
            answer("../a.jpg", HASH, 10.into(), "image/jpeg"),
            answer("a/b.jpg", HASH, 10.into(), "image/jpeg"),
            answer(".hidden", HASH, 10.into(), "image/jpeg"),
            answer("a..jpg", HASH, 10.into(), "image/jpeg"),
            answer("", HASH, 10.into(), "image/jpeg"),
            answer(&"a".repeat(101), HASH, 10.into(), "image/jpeg"),
            answer("照片.jpg", HASH, 10.into(), "image/jpeg"),
            answer("a.jpg", &upper, 10.into(), "image/jpeg"),
            answer("a.jpg", &HASH[1..], 10.into(), "image/jpeg"),
            answer("a.jpg", HASH, 0.into(), "image/jpeg"),
            answer("a.jpg", HASH, (-1).into(), "image/jpeg"),
            answer("a.jpg", HASH, 1.5.into(), "image/jpeg"),
            answer("a.jpg", HASH, "10".into(), "image/jpeg"),
            answer("a.jpg", HASH, 10.into(), "jpeg"),
            answer("a.jpg", HASH, 10.into(), "image/jpeg; q=1"),
            serde_json::json!({"file": "a.jpg", "sha256": HASH, "size": 10}),
            serde_json::json!({"file": "a.jpg", "sha256": HASH, "size": 10,
                               "media_type": "image/jpeg", "extra": 1}),
            Json::String("a.jpg".into()),
        ];
        for value in bad {
            assert_eq!(Attachment::from_json(&value), None, "{value}");
        }
        assert!(is_safe_file_name(&"a".repeat(100)));
        assert!(is_safe_file_name("IMG_0001.v2-final.JPG"));
    }

    #[test]
    fn media_types_fit_their_question() {
        use ItemType as T;
        let pdf = vec!["application/pdf".to_owned(), ".docx".to_owned()];
        let audio = vec!["audio/*".to_owned()];
        let cases: [(T, &[String], &str, &str, bool); 10] = [
            (T::Image, &[], "image/jpeg", "a.jpg", true),
            (T::Signature, &[], "image/png", "a.png", true),
            (T::Draw, &[], "image/webp", "a.webp", true),
            (T::Image, &[], "image/gif", "a.gif", false),
            (T::File, &[], "application/zip", "a.zip", true),
            (T::File, &pdf, "application/pdf", "a.pdf", true),
            (T::File, &pdf, "application/octet-stream", "report.DOCX", true),
            (T::File, &pdf, "text/plain", "a.txt", false),
            (T::Audio, &audio, "audio/ogg", "a.ogg", true),
            (T::Audio, &audio, "video/mp4", "a.mp4", false),
        ];
        for (kind, accept, media, file, fits) in cases {
            assert_eq!(media_type_fits(kind, accept, media, file), fits, "{kind:?} {media} {file}");
        }
    }
}
