//! The questionnaire format: the types that JSON questionnaires deserialize into.

mod choice;
mod item;
mod questionnaire;
mod text;

pub use choice::Choice;
pub use item::{Bound, Condition, Constraint, Item, ItemType, MatrixRow, MetaKind};
pub use questionnaire::Questionnaire;
pub use text::Text;

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

/// A value without whitespace (versions, choice names).
fn validate_no_whitespace(text: &str) -> Result<(), ValidationError> {
    if text.contains(char::is_whitespace) {
        Err(ValidationError::new("whitespace"))
    } else {
        Ok(())
    }
}
