//! The questionnaire format: the types that JSON questionnaires deserialize into.

mod choice;
mod invalid;
mod item;
mod packed;
mod questionnaire;
mod text;
mod untagged;

pub use choice::Choice;
pub(crate) use invalid::Invalid;
pub use item::{
    Bound, Condition, Constraint, DEFAULT_MAX_ROWS, Item, ItemType, MAX_ROWS_IN_RESPONSE,
    MatrixRow, MetaKind,
};
pub use questionnaire::{Encryption, Questionnaire};
pub use text::{Text, Translations};

impl Questionnaire {
    /// Parses a questionnaire from JSON. Errors name the line, column and JSON path.
    /// This checks the shape only; [`crate::Form::compile`] checks the content.
    pub fn from_json(text: &str) -> Result<Questionnaire, Box<crate::Diagnostic>> {
        crate::json::parse(text)
    }
}

use validator::ValidationError;

/// An item or matrix-row name: a letter or `_`, then letters, digits, `_`, `-` or `.`.
fn validate_name(name: &str) -> Result<(), ValidationError> {
    if name.len() <= 128 && crate::expr::is_identifier(name) {
        Ok(())
    } else {
        Err(ValidationError::new("name"))
    }
}

/// A questionnaire id: ASCII letters, digits, `_` and `-`, starting with a letter.
fn validate_form_id(id: &str) -> Result<(), ValidationError> {
    let mut chars = id.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok { Ok(()) } else { Err(ValidationError::new("form_id")) }
}

/// An `accept` list: each entry a media type (`image/*`, `application/pdf`) or an
/// extension (`.pdf`), at most 100 characters, without spaces or commas.
pub(crate) fn accept_entry_fits(entry: &str) -> bool {
    let ok_chars = |s: &str| {
        !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-._*".contains(c))
    };
    entry.len() <= 100
        && match entry.strip_prefix('.') {
            Some(ext) => ok_chars(ext) && !ext.contains('*'),
            None => entry.split_once('/').is_some_and(|(a, b)| ok_chars(a) && ok_chars(b)),
        }
}

/// A value without whitespace (versions, choice names).
fn validate_no_whitespace(text: &str) -> Result<(), ValidationError> {
    if text.contains(char::is_whitespace) {
        Err(ValidationError::new("whitespace"))
    } else {
        Ok(())
    }
}

/// The JSON Schema of the questionnaire format, pretty-printed, generated from these
/// types. A copy is committed as `core/schema/questionnaire.schema.json`; a test fails
/// when it is stale (`cargo xtask codegen` rewrites it).
#[cfg(feature = "json-schema")]
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Questionnaire);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(all(test, feature = "json-schema"))]
mod schema_file_tests {
    #[test]
    fn committed_json_schema_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("schema/questionnaire.schema.json");
        let fresh = super::json_schema();
        if std::env::var_os("TIANYE_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &fresh).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{} is stale: run `cargo xtask codegen` and commit the result",
            path.display()
        );
    }
}
