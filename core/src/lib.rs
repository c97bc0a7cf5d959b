//! Tianye's engine: the questionnaire format, the XLSForm-compatible logic language
//! and the validation engine. The same code runs natively (server, CLI) and in the
//! browser (WebAssembly), so every place gives the same verdict on the same answers.

pub mod case;
#[cfg(feature = "choice-files")]
pub mod choice_file;
mod code;
pub mod diagnostic;
pub mod expr;
pub mod form;
pub mod i18n;
mod instance;
pub mod json;
pub mod order;
pub mod response;
pub mod schema;
#[cfg(feature = "seal")]
pub mod seal;
pub mod session;
pub mod synthetic;
pub mod validate;
#[cfg(feature = "wasm")]
pub mod wasm;
#[cfg(feature = "xlsform")]
pub mod xlsform;

pub use code::Code;
pub use diagnostic::{Diagnostic, LoadError, Severity};
pub use form::{FieldId, Form};
pub use i18n::Lang;
pub use response::{Answers, FormRef, Meta, Response, Status};
pub use schema::{Choice, Item, ItemType, Questionnaire, Text};
pub use session::{Change, ChangeKind, Changes, EditError, Loc, Session};
pub use validate::{Options, Problem, Report};
