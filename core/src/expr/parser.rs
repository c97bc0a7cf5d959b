//! The parser: tokens → syntax tree, following XPath 1.0's grammar for the parts
//! XLSForm uses.
//!
//! ```text
//! expr     := operand (binop operand)*          precedence climbing, see prec.rs
//! operand  := '-' operand | postfix
//! postfix  := primary ('[' expr ']' | '/' step)*
//! step     := name | '.' | '..' | axis '::' name ['()']
//! primary  := number | string | ${name} | '.' | '..' | '(' expr ')'
//!           | name '(' (expr (',' expr)*)? ')' | axis '::' name ['()'] | name
//! binop    := or | and | = | != | < | <= | > | >= | + | - | * | div | mod
//! ```

use crate::Code;

use super::ast::{BinOp, Expr, ExprKind};
use super::lexer::lex;
use super::prec;
use super::token::{Tok, Token};
use super::{Error, Span};

/// Deepest nesting of parentheses, calls, predicates and unary minus accepted; deeper
/// input is refused rather than risking the stack.
pub const MAX_DEPTH: usize = 128;

/// Parses an expression. Lexical errors are all reported; parsing stops at the first
/// syntax error.
///
/// ```
/// use tianye_core::expr::parse;
/// let e = parse("count(${member}[${m_age} < 16]) > 0").unwrap();
/// assert_eq!(e.references(), ["member", "m_age"]);
/// ```
pub fn parse(src: &str) -> Result<Expr, Vec<Error>> {
    let tokens = lex(src)?;
    let mut parser = Parser { tokens: &tokens, pos: 0, end: src.len(), depth: 0 };
    let expr = parser.expr().map_err(|e| vec![*e])?;
    if let Some(token) = parser.peek() {
        let err = match token.tok {
            Tok::Slash | Tok::DoubleSlash => unsupported(token.span, "// (descendant paths)"),
            Tok::Pipe => unsupported(token.span, "| (node-set union)"),
            _ => Error::new(Code::UnexpectedToken, token.span)
                .with("found", token.tok.describe())
                .with("expected", "operator_or_end"),
        };
        return Err(vec![err]);
    }
    Ok(expr)
}

fn unsupported(span: Span, construct: &str) -> Error {
    Error::new(Code::Unsupported, span).with("construct", construct)
}

type PResult<T> = Result<T, Box<Error>>;

struct Parser<'t, 'a> {
    tokens: &'t [Token<'a>],
    pos: usize,
    end: usize,
    depth: usize,
}

impl<'a> Parser<'_, 'a> {
    fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<Token<'a>> {
        let t = self.peek();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    fn end_span(&self) -> Span {
        Span::new(self.end, self.end)
    }

    fn expect(&mut self, want: Tok<'static>, expected: &str) -> PResult<Span> {
        match self.next() {
            Some(t) if t.tok == want => Ok(t.span),
            Some(t) => Err(Box::new(
                Error::new(Code::UnexpectedToken, t.span)
                    .with("found", t.tok.describe())
                    .with("expected", expected),
            )),
            None => Err(Box::new(
                Error::new(Code::UnexpectedEnd, self.end_span()).with("expected", expected),
            )),
        }
    }

    fn enter(&mut self, span: Span) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Box::new(unsupported(span, "nesting deeper than 128 levels")));
        }
        Ok(())
    }

    fn binop(&self) -> Option<BinOp> {
        Some(match self.peek()?.tok {
            Tok::Eq => BinOp::Eq,
            Tok::Ne => BinOp::Ne,
            Tok::Lt => BinOp::Lt,
            Tok::Le => BinOp::Le,
            Tok::Gt => BinOp::Gt,
            Tok::Ge => BinOp::Ge,
            Tok::Plus => BinOp::Add,
            Tok::Minus => BinOp::Sub,
            Tok::Star => BinOp::Mul,
            Tok::Name("or") => BinOp::Or,
            Tok::Name("and") => BinOp::And,
            Tok::Name("div") => BinOp::Div,
            Tok::Name("mod") => BinOp::Mod,
            _ => return None,
        })
    }

    fn expr(&mut self) -> PResult<Expr> {
        let head = self.operand()?;
        let mut tail = Vec::new();
        while let Some(op) = self.binop() {
            self.pos += 1;
            tail.push((op, self.operand()?));
        }
        Ok(prec::climb(head, tail, &mut |lhs: Expr, op, rhs: Expr| {
            let span = lhs.span.to(rhs.span);
            Expr::new(ExprKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) }, span)
        }))
    }

    fn operand(&mut self) -> PResult<Expr> {
        if let Some(t) = self.peek()
            && t.tok == Tok::Minus
        {
            self.pos += 1;
            self.enter(t.span)?;
            let inner = self.operand()?;
            self.depth -= 1;
            let span = t.span.to(inner.span);
            return Ok(Expr::new(ExprKind::Neg(Box::new(inner)), span));
        }
        let mut expr = self.primary()?;
        while let Some(t) = self.peek() {
            if t.tok == Tok::Slash {
                self.pos += 1;
                let (step, span) = self.step()?;
                let span = expr.span.to(span);
                expr = Expr::new(ExprKind::Child { base: Box::new(expr), step }, span);
                continue;
            }
            if t.tok != Tok::LBracket {
                break;
            }
            self.pos += 1;
            self.enter(t.span)?;
            let predicate = self.expr()?;
            let close = self.expect(Tok::RBracket, "close_bracket")?;
            self.depth -= 1;
            let span = expr.span.to(close);
            expr = Expr::new(
                ExprKind::Filter { base: Box::new(expr), predicate: Box::new(predicate) },
                span,
            );
        }
        Ok(expr)
    }

    /// One location step after `/`: a name, `.`, `..` or `axis::name`.
    fn step(&mut self) -> PResult<(String, Span)> {
        let expected = "step";
        let Some(t) = self.next() else {
            return Err(Box::new(
                Error::new(Code::UnexpectedEnd, self.end_span()).with("expected", expected),
            ));
        };
        match t.tok {
            Tok::Dot => Ok((".".to_owned(), t.span)),
            Tok::DotDot => Ok(("..".to_owned(), t.span)),
            Tok::Name(name) if name.contains("::") => Ok(self.axis_step(name, t.span)),
            Tok::Name(name) if !self.peek().is_some_and(|n| n.tok == Tok::LParen) => {
                Ok((name.to_owned(), t.span))
            }
            _ => Err(Box::new(
                Error::new(Code::UnexpectedToken, t.span)
                    .with("found", t.tok.describe())
                    .with("expected", expected),
            )),
        }
    }

    /// An axis step lexed as one name (`parent::node`), with `()` after it if there
    /// (`parent::node()`).
    fn axis_step(&mut self, name: &str, span: Span) -> (String, Span) {
        match (self.peek(), self.tokens.get(self.pos + 1)) {
            (Some(open), Some(close)) if open.tok == Tok::LParen && close.tok == Tok::RParen => {
                self.pos += 2;
                (format!("{name}()"), span.to(close.span))
            }
            _ => (name.to_owned(), span),
        }
    }

    fn primary(&mut self) -> PResult<Expr> {
        let Some(t) = self.next() else {
            return Err(Box::new(
                Error::new(Code::UnexpectedEnd, self.end_span()).with("expected", "operand"),
            ));
        };
        let kind = match t.tok {
            Tok::Number(n) => ExprKind::Number(n),
            Tok::String(s) => ExprKind::String(s.to_owned()),
            Tok::Ref(name) => ExprKind::Ref(name.to_owned()),
            Tok::Dot => ExprKind::Current,
            Tok::DotDot => ExprKind::Parent,
            Tok::LParen => {
                self.enter(t.span)?;
                let inner = self.expr()?;
                let close = self.expect(Tok::RParen, "close_paren")?;
                self.depth -= 1;
                // Parentheses only group; the node keeps its own kind but covers them.
                return Ok(Expr::new(inner.kind, t.span.to(close)));
            }
            Tok::Name(name) if name.contains("::") => {
                let (step, span) = self.axis_step(name, t.span);
                let here = Expr::new(ExprKind::Current, t.span);
                return Ok(Expr::new(ExprKind::Child { base: Box::new(here), step }, span));
            }
            Tok::Name(name) if self.peek().is_some_and(|n| n.tok == Tok::LParen) => {
                self.pos += 1;
                self.enter(t.span)?;
                let mut args = Vec::new();
                let close = if let Some(close) = self.peek().filter(|n| n.tok == Tok::RParen) {
                    self.pos += 1;
                    close.span
                } else {
                    loop {
                        args.push(self.expr()?);
                        match self.next() {
                            Some(n) if n.tok == Tok::Comma => {}
                            Some(n) if n.tok == Tok::RParen => break n.span,
                            Some(n) => {
                                return Err(Box::new(
                                    Error::new(Code::UnexpectedToken, n.span)
                                        .with("found", n.tok.describe())
                                        .with("expected", "comma_or_paren"),
                                ));
                            }
                            None => {
                                return Err(Box::new(
                                    Error::new(Code::UnexpectedEnd, self.end_span())
                                        .with("expected", "comma_or_paren"),
                                ));
                            }
                        }
                    }
                };
                self.depth -= 1;
                return Ok(Expr::new(
                    ExprKind::Call { name: name.to_owned(), args },
                    t.span.to(close),
                ));
            }
            Tok::Name(name) => ExprKind::Name(name.to_owned()),
            Tok::Slash | Tok::DoubleSlash => {
                return Err(Box::new(unsupported(t.span, "XPath paths (write ${name})")));
            }
            Tok::At => return Err(Box::new(unsupported(t.span, "@ (XML attributes)"))),
            Tok::Variable(_) => {
                return Err(Box::new(unsupported(t.span, "XPath variables (write ${name})")));
            }
            Tok::Pipe => return Err(Box::new(unsupported(t.span, "| (node-set union)"))),
            other => {
                return Err(Box::new(
                    Error::new(Code::UnexpectedToken, t.span)
                        .with("found", other.describe())
                        .with("expected", "operand"),
                ));
            }
        };
        Ok(Expr::new(kind, t.span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(src: &str) -> String {
        super::super::print(&parse(src).unwrap_or_else(|e| panic!("{src}: {e:?}")))
    }

    fn err(src: &str) -> (Code, u32, u32) {
        let e = &parse(src).unwrap_err()[0];
        (e.code, e.span.start, e.span.end)
    }

    #[test]
    fn precedence_follows_xpath() {
        assert_eq!(
            shape("1 + 2 * 3 = 7 and not(${a}) or ${b}"),
            "1 + 2 * 3 = 7 and not(${a}) or ${b}"
        );
        assert_eq!(shape("(1 + 2) * 3"), "(1 + 2) * 3");
        assert_eq!(shape("1 - (2 - 3)"), "1 - (2 - 3)");
        assert_eq!(shape("(1 - 2) - 3"), "1 - 2 - 3");
        assert_eq!(shape("-${a} * 2"), "-${a} * 2");
        assert_eq!(shape("-(${a} * 2)"), "-(${a} * 2)");
        assert_eq!(shape("${a} < 1 = true()"), "${a} < 1 = true()");
        assert_eq!(
            shape("int((today() - ${dob}) div 365.25)"),
            "int((today() - ${dob}) div 365.25)"
        );
        assert_eq!(
            shape("count(${m}[${age} < 16][position() = 1])"),
            "count(${m}[${age} < 16][position() = 1])"
        );
        assert_eq!(shape("sum(${m}[m_sex = 'f']/m_income)"), "sum(${m}[m_sex = 'f']/m_income)");
        assert_eq!(shape("count(${m}[./m_age < 16])"), "count(${m}[./m_age < 16])");
        assert_eq!(shape("current()/../x = ../y"), "current()/../x = ../y");
        assert_eq!(shape("parent::node()/x"), "./parent::node()/x");
        assert_eq!(shape("../preceding-sibling::a"), "../preceding-sibling::a");
        assert_eq!(shape("${m}/g/m_age"), "${m}/g/m_age");
    }

    #[test]
    fn spans_cover_their_source() {
        let src = "sum(${income}) div ${hh_size}";
        let e = parse(src).unwrap();
        assert_eq!(e.span, Span::new(0, src.len()));
        let ExprKind::Binary { lhs, rhs, .. } = &e.kind else { panic!() };
        assert_eq!(&src[lhs.span.range()], "sum(${income})");
        assert_eq!(&src[rhs.span.range()], "${hh_size}");
    }

    #[test]
    fn errors_point_at_the_problem() {
        assert_eq!(err("${a} +"), (Code::UnexpectedEnd, 6, 6));
        assert_eq!(err("(${a} + 1"), (Code::UnexpectedEnd, 9, 9));
        assert_eq!(err("${a} ${b}"), (Code::UnexpectedToken, 5, 9));
        assert_eq!(err("concat('a' 'b')"), (Code::UnexpectedToken, 11, 14));
        assert_eq!(err("/data/age > 3"), (Code::Unsupported, 0, 1));
        assert_eq!(err("${a}/"), (Code::UnexpectedEnd, 5, 5));
        assert_eq!(err("${a}/count(1)"), (Code::UnexpectedToken, 5, 10));
        assert_eq!(err("${a}//b"), (Code::Unsupported, 4, 6));
        assert_eq!(err("${a} | ${b}"), (Code::Unsupported, 5, 6));
        assert_eq!(err("= 3"), (Code::UnexpectedToken, 0, 1));
        let deep = format!("{}1{}", "(".repeat(500), ")".repeat(500));
        assert_eq!(parse(&deep).unwrap_err()[0].code, Code::Unsupported);
    }
}
