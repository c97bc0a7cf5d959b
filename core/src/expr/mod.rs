//! The logic language: XLSForm's expressions (a subset of XPath 1.0 with ODK's
//! functions), in stages that each own one module:
//!
//! text → [`lex`] → tokens → [`parse`] → [`Expr`] (with byte spans) → `check`
//! (references, types, arity, repeats) → compiled expression → `eval`.

mod ast;
pub(crate) mod check;
mod compiled;
mod datetime;
mod error;
pub(crate) mod eval;
mod lexer;
mod parser;
mod prec;
mod print;
mod span;
mod token;
mod value;

pub use ast::{BinOp, Expr, ExprKind};
pub(crate) use compiled::Node;
pub use compiled::is_unsupported_function;
pub use datetime::{DAY_MS, Date, DateTime, Time};
pub use error::Error;
pub use lexer::{is_identifier, lex};
pub use parser::{MAX_DEPTH, parse};
pub use print::print;
pub use span::Span;
pub use token::{Tok, Token};
pub use value::{EMPTY, Value, equals, num_to_json, num_to_string, str_to_num};
