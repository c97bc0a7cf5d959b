//! The logic language: XLSForm's expressions (a subset of XPath 1.0 with ODK's
//! functions), in stages that each own one module:
//!
//! text → [`lex`] → tokens → [`parse`] → [`Expr`] (with byte spans); the form's
//! `typecheck` (references, types, arity, repeats) turns an `Expr` into a compiled
//! `form::Node`, which `eval` evaluates.

mod ast;
mod datetime;
mod error;
pub(crate) mod eval;
mod lexer;
mod math;
pub use math::decimal;
mod parser;
mod prec;
mod print;
mod span;
mod token;
mod value;

pub use ast::{BinOp, Expr, ExprKind};
pub use datetime::{DAY_MS, Date, DateTime, Time};
pub use error::Error;
pub use lexer::{is_identifier, lex};
pub use parser::{MAX_DEPTH, parse};
pub use print::print;
pub use span::Span;
pub use token::{Tok, Token};
pub use value::{EMPTY, Value, equals, num_to_json, num_to_string, str_to_num};
