//! Tokens of the logic language.

use super::Span;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tok<'a> {
    /// A number literal: `12`, `3.5`, `.5`.
    Number(f64),
    /// A string literal's contents, without its quotes: `'yes'`, `"他说'好'"`.
    String(&'a str),
    /// `${name}`: the name.
    Ref(&'a str),
    /// A name: a function name, an operator word (`and`, `or`, `div`, `mod`), a bare
    /// choice column in a choice filter, or an axis step (`parent::node`). May contain
    /// `-`, `.` and one `:` (`jr:choice-name`) or `::`.
    Name(&'a str),
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `,`
    Comma,
    /// `.`: the current answer.
    Dot,
    /// `..`: the parent, as in `position(..)`.
    DotDot,
    /// `/` (only in unsupported XPath paths).
    Slash,
    /// `//` (unsupported).
    DoubleSlash,
    /// `|` (unsupported union).
    Pipe,
    /// `@` (unsupported attribute axis).
    At,
    /// `$name` (unsupported XPath variable).
    Variable(&'a str),
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
}

impl Tok<'_> {
    /// How the token is written, for messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Number(n) => super::value::num_to_string(*n),
            Tok::String(s) => format!("'{s}'"),
            Tok::Ref(name) => format!("${{{name}}}"),
            Tok::Name(name) => (*name).to_owned(),
            Tok::Variable(name) => format!("${name}"),
            other => other.symbol().to_owned(),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Comma => ",",
            Tok::Dot => ".",
            Tok::DotDot => "..",
            Tok::Slash => "/",
            Tok::DoubleSlash => "//",
            Tok::Pipe => "|",
            Tok::At => "@",
            Tok::Eq => "=",
            Tok::Ne => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Number(_) | Tok::String(_) | Tok::Ref(_) | Tok::Name(_) | Tok::Variable(_) => "",
        }
    }
}

/// A token and where it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Token<'a> {
    /// What it is.
    pub tok: Tok<'a>,
    /// Where it is in the expression.
    pub span: Span,
}
