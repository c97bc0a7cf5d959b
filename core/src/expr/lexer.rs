//! The lexer: expression text → tokens, collecting every error.

use crate::Code;

use super::token::{Tok, Token};
use super::{Error, Span};

/// Splits `src` into tokens. All lexical errors are collected; on error no tokens are
/// returned.
///
/// ```
/// use tianye_core::expr::{lex, Tok};
/// let toks = lex("${age} >= 16").unwrap();
/// assert_eq!(toks[0].tok, Tok::Ref("age"));
/// assert_eq!(toks[1].tok, Tok::Ge);
/// ```
pub fn lex(src: &str) -> Result<Vec<Token<'_>>, Vec<Error>> {
    let mut lexer = Lexer { src, pos: 0, tokens: Vec::new(), errors: Vec::new() };
    lexer.run();
    if lexer.errors.is_empty() { Ok(lexer.tokens) } else { Err(lexer.errors) }
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    tokens: Vec<Token<'a>>,
    errors: Vec<Error>,
}

/// Whether `c` may start a name (XML NCName start, simplified to Unicode letters).
pub(crate) fn is_name_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

/// Whether `c` may continue a name.
pub(crate) fn is_name_char(c: char) -> bool {
    c == '_' || c == '-' || c == '.' || c.is_alphanumeric()
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek2(&self) -> Option<char> {
        let mut it = self.src[self.pos..].chars();
        it.next();
        it.next()
    }

    fn push(&mut self, tok: Tok<'a>, start: usize) {
        self.tokens.push(Token { tok, span: Span::new(start, self.pos) });
    }

    fn run(&mut self) {
        while let Some(c) = self.peek() {
            let start = self.pos;
            if c.is_whitespace() {
                self.pos += c.len_utf8();
                continue;
            }
            let single = match c {
                '(' => Some(Tok::LParen),
                ')' => Some(Tok::RParen),
                '[' => Some(Tok::LBracket),
                ']' => Some(Tok::RBracket),
                ',' => Some(Tok::Comma),
                '|' => Some(Tok::Pipe),
                '@' => Some(Tok::At),
                '=' => Some(Tok::Eq),
                '+' => Some(Tok::Plus),
                '-' => Some(Tok::Minus),
                '*' => Some(Tok::Star),
                _ => None,
            };
            if let Some(tok) = single {
                self.pos += 1;
                self.push(tok, start);
                continue;
            }
            match c {
                '!' if self.peek2() == Some('=') => {
                    self.pos += 2;
                    self.push(Tok::Ne, start);
                }
                '<' | '>' => {
                    self.pos += 1;
                    let eq = self.peek() == Some('=');
                    if eq {
                        self.pos += 1;
                    }
                    let tok = match (c, eq) {
                        ('<', false) => Tok::Lt,
                        ('<', true) => Tok::Le,
                        ('>', false) => Tok::Gt,
                        _ => Tok::Ge,
                    };
                    self.push(tok, start);
                }
                '/' => {
                    self.pos += 1;
                    if self.peek() == Some('/') {
                        self.pos += 1;
                        self.push(Tok::DoubleSlash, start);
                    } else {
                        self.push(Tok::Slash, start);
                    }
                }
                '\'' | '"' => self.string(c),
                '$' => self.reference(),
                '.' => match self.peek2() {
                    Some('.') => {
                        self.pos += 2;
                        self.push(Tok::DotDot, start);
                    }
                    Some(d) if d.is_ascii_digit() => self.number(),
                    _ => {
                        self.pos += 1;
                        self.push(Tok::Dot, start);
                    }
                },
                d if d.is_ascii_digit() => self.number(),
                n if is_name_start(n) => {
                    let name = self.name();
                    self.push(Tok::Name(name), start);
                }
                other => {
                    self.pos += other.len_utf8();
                    self.errors.push(
                        Error::new(Code::UnexpectedChar, Span::new(start, self.pos))
                            .with("found", other.to_string()),
                    );
                }
            }
        }
    }

    /// A name, with at most one `prefix:` part (`jr:choice-name`), or an axis step
    /// written as one name (`parent::node`, `preceding-sibling::x`).
    fn name(&mut self) -> &'a str {
        let start = self.pos;
        self.eat_name_chars();
        if self.peek() == Some(':') && self.peek2().is_some_and(is_name_start) {
            self.pos += 1;
            self.eat_name_chars();
        } else if self.src[self.pos..].starts_with("::") {
            self.pos += 2;
            self.eat_name_chars();
        }
        &self.src[start..self.pos]
    }

    fn eat_name_chars(&mut self) {
        while let Some(c) = self.peek() {
            if is_name_char(c) {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn number(&mut self) {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        while self.pos < bytes.len() && bytes[self.pos].is_ascii_digit() {
            self.pos += 1;
        }
        if self.pos < bytes.len()
            && bytes[self.pos] == b'.'
            && !(self.pos + 1 < bytes.len() && bytes[self.pos + 1] == b'.')
        {
            self.pos += 1;
            while self.pos < bytes.len() && bytes[self.pos].is_ascii_digit() {
                self.pos += 1;
            }
        }
        let text = &self.src[start..self.pos];
        // Digits with at most one '.' always parse; an over-long literal becomes infinity.
        let value = super::math::decimal(text).unwrap_or(f64::NAN);
        self.push(Tok::Number(value), start);
    }

    fn string(&mut self, quote: char) {
        let start = self.pos;
        self.pos += 1;
        match self.src[self.pos..].find(quote) {
            Some(len) => {
                let content = &self.src[self.pos..self.pos + len];
                self.pos += len + 1;
                self.push(Tok::String(content), start);
            }
            None => {
                self.pos = self.src.len();
                self.errors.push(Error::new(Code::UnterminatedString, Span::new(start, self.pos)));
            }
        }
    }

    fn reference(&mut self) {
        let start = self.pos;
        self.pos += 1;
        if self.peek() != Some('{') {
            if self.peek().is_some_and(is_name_start) {
                let name = self.name();
                self.push(Tok::Variable(name), start);
            } else {
                self.errors.push(Error::new(Code::BadReference, Span::new(start, self.pos)));
            }
            return;
        }
        self.pos += 1;
        let name_start = self.pos;
        let rest = &self.src[self.pos..];
        let end =
            rest.find(|c: char| c == '}' || c.is_whitespace() || "()[]'\",=<>+*|$".contains(c));
        match end {
            Some(len) if rest[len..].starts_with('}') && is_identifier(&rest[..len]) => {
                let name = &self.src[name_start..name_start + len];
                self.pos += len + 1;
                self.push(Tok::Ref(name), start);
            }
            _ => {
                // Skip to the closing brace if there is one on this stretch, so one bad
                // reference gives one error.
                let skip = rest.find('}').map_or(0, |i| i + 1);
                self.pos += skip;
                self.errors.push(Error::new(
                    Code::BadReference,
                    Span::new(start, self.pos.max(start + 2)),
                ));
            }
        }
    }
}

/// Whether `name` is a valid item or choice name: a letter or `_`, then letters,
/// digits, `_`, `-` or `.`.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok<'_>> {
        lex(src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    fn codes(src: &str) -> Vec<(Code, u32, u32)> {
        lex(src).unwrap_err().into_iter().map(|e| (e.code, e.span.start, e.span.end)).collect()
    }

    #[test]
    fn lexes_xlsform_expressions() {
        assert_eq!(
            toks("count(${member}[${m_age} < 16]) div 2"),
            vec![
                Tok::Name("count"),
                Tok::LParen,
                Tok::Ref("member"),
                Tok::LBracket,
                Tok::Ref("m_age"),
                Tok::Lt,
                Tok::Number(16.0),
                Tok::RBracket,
                Tok::RParen,
                Tok::Name("div"),
                Tok::Number(2.0),
            ]
        );
        assert_eq!(
            toks(". >= .5 and position(..)"),
            vec![
                Tok::Dot,
                Tok::Ge,
                Tok::Number(0.5),
                Tok::Name("and"),
                Tok::Name("position"),
                Tok::LParen,
                Tok::DotDot,
                Tok::RParen
            ]
        );
        assert_eq!(
            toks("jr:choice-name('a', '${x}')"),
            vec![
                Tok::Name("jr:choice-name"),
                Tok::LParen,
                Tok::String("a"),
                Tok::Comma,
                Tok::String("${x}"),
                Tok::RParen
            ]
        );
        assert_eq!(
            toks("${户主姓名} != \"王'五\""),
            vec![Tok::Ref("户主姓名"), Tok::Ne, Tok::String("王'五")]
        );
        assert_eq!(toks("3-1"), vec![Tok::Number(3.0), Tok::Minus, Tok::Number(1.0)]);
    }

    #[test]
    fn collects_every_error_with_its_span() {
        assert_eq!(codes("'abc"), vec![(Code::UnterminatedString, 0, 4)]);
        assert_eq!(
            codes("${a b} + ${} + #"),
            vec![
                (Code::BadReference, 0, 6),
                (Code::BadReference, 9, 12),
                (Code::UnexpectedChar, 15, 16)
            ]
        );
        assert_eq!(codes("${age"), vec![(Code::BadReference, 0, 2)]);
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("m_age"));
        assert!(is_identifier("姓名"));
        assert!(is_identifier("_x.y-2"));
        assert!(!is_identifier("2x"));
        assert!(!is_identifier(""));
        assert!(!is_identifier("a b"));
    }
}
