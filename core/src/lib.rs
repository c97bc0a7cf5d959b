//! Tianye's engine: the questionnaire format, the XLSForm-compatible logic language
//! and the validation engine. The same code runs natively (server, CLI) and in the
//! browser (WebAssembly), so every place gives the same verdict on the same answers.
//!
//! Load a questionnaire ([`Form::from_json`], which checks every name, rule and
//! expression), then judge a response against it ([`Form::validate`]): every problem at
//! once, each with a stable [`Code`], where it is (a path for people, a [`Loc`] for
//! programs) and its message in Chinese or English.
//!
//! ```
//! use tianye_core::{Form, Options, Response};
//!
//! let form = Form::from_json(r#"{
//!   "id": "visit", "version": "1", "title": {"zh": "入户", "en": "Visit"},
//!   "items": [
//!     {"type": "text", "name": "child_name", "label": "儿童姓名", "required": true},
//!     {"type": "integer", "name": "age", "label": "年龄", "min": 0, "max": 15},
//!     {"type": "calculate", "name": "is_child", "calculation": "if(${age} < 16, 1, 0)"}
//!   ]
//! }"#).expect("the questionnaire loads");
//!
//! let response = Response::from_json(r#"{
//!   "instance_id": "0b9d6a3e-3f1c-4d2a-9a57-5b8e1f0c2d41", "questionnaire": {"id": "visit", "version": "1"},
//!   "status": "complete", "answers": {"age": 17}
//! }"#).expect("the response reads");
//!
//! let report = form.validate(&response, &Options::default());
//! let codes: Vec<&str> = report.problems.iter().map(|p| p.code.as_str()).collect();
//! assert_eq!(codes, ["required", "range"]);
//! assert_eq!(report.problems[1].path, "age");
//! assert_eq!(report.problems[0].message("en"), "This question is required");
//! assert_eq!(report.values["is_child"], 0);
//! ```

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
#[cfg(feature = "paper")]
pub mod paper;
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
