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
