//! The logic language: XLSForm's expressions (a subset of XPath 1.0 with ODK's
//! functions), in stages that each own one module:
//!
//! text → [`lex`] → tokens → [`parse`] → [`Expr`] (with byte spans) → `check`
//! (references, types, arity, repeats) → compiled expression → `eval`.

mod ast;
mod error;
mod lexer;
mod parser;
mod prec;
mod print;
mod span;
mod token;

pub use ast::{BinOp, Expr, ExprKind};
pub use error::Error;
pub use lexer::{is_identifier, lex};
pub use parser::{MAX_DEPTH, parse};
pub use print::print;
pub use span::Span;
pub use token::{Tok, Token};
