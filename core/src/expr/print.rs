//! Printing a syntax tree back to text, with only the parentheses it needs.
//!
//! `parse(print(e))` gives `e` again (up to spans); a property test checks it.

use std::fmt::Write;

use super::ast::{Expr, ExprKind};

/// The expression as text.
pub fn print(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr);
    out
}

fn precedence(expr: &Expr) -> u8 {
    match &expr.kind {
        ExprKind::Binary { op, .. } => op.precedence(),
        // Unary minus binds tighter than any binary operator.
        ExprKind::Neg(_) => 7,
        _ => 8,
    }
}

fn write_expr(out: &mut String, expr: &Expr) {
    match &expr.kind {
        ExprKind::Number(n) => {
            let _ = write!(out, "{n}");
        }
        ExprKind::String(s) => {
            let quote = if s.contains('\'') { '"' } else { '\'' };
            out.push(quote);
            out.push_str(s);
            out.push(quote);
        }
        ExprKind::Ref(name) => {
            out.push_str("${");
            out.push_str(name);
            out.push('}');
        }
        ExprKind::Current => out.push('.'),
        ExprKind::Parent => out.push_str(".."),
        ExprKind::Name(name) => out.push_str(name),
        ExprKind::Call { name, args } => {
            out.push_str(name);
            out.push('(');
            for (i, arg) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, arg);
            }
            out.push(')');
        }
        ExprKind::Neg(inner) => {
            out.push('-');
            write_operand(out, inner, precedence(inner) < 7);
        }
        ExprKind::Binary { op, lhs, rhs } => {
            write_operand(out, lhs, precedence(lhs) < op.precedence());
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            write_operand(out, rhs, precedence(rhs) <= op.precedence());
        }
        ExprKind::Filter { base, predicate } => {
            write_operand(
                out,
                base,
                precedence(base) < 8 || matches!(base.kind, ExprKind::Number(_)),
            );
            out.push('[');
            write_expr(out, predicate);
            out.push(']');
        }
        ExprKind::Child { base, step } => {
            write_operand(
                out,
                base,
                precedence(base) < 8 || matches!(base.kind, ExprKind::Number(_)),
            );
            out.push('/');
            out.push_str(step);
        }
    }
}

fn write_operand(out: &mut String, expr: &Expr, parens: bool) {
    if parens {
        out.push('(');
        write_expr(out, expr);
        out.push(')');
    } else {
        write_expr(out, expr);
    }
}
