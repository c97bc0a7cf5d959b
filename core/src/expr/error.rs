//! Errors in an expression: lexing, parsing and checking, each with a span.

use crate::Code;
use crate::i18n::{self, Lang, Params};

use super::Span;

/// One error in an expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// What is wrong (an `expr.*` code).
    pub code: Code,
    /// Where in the expression.
    pub span: Span,
    /// Values for the message (`found`, `expected`, `name`, …).
    pub params: Params,
}

impl Error {
    /// An error with `code` at `span`.
    pub fn new(code: Code, span: Span) -> Self {
        Error { code, span, params: Params::new() }
    }

    /// Adds a message param.
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.params.insert(key.to_owned(), value.into());
        self
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        i18n::message(self.code, &self.params, lang)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{}] {}..{}: {}",
            self.code,
            self.span.start,
            self.span.end,
            i18n::bilingual(self.code, &self.params)
        )
    }
}

impl std::error::Error for Error {}
