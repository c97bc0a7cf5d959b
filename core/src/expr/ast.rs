//! The syntax tree of an expression, every node with its byte span.

use super::Span;

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `or`
    Or,
    /// `and`
    And,
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
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `div`
    Div,
    /// `mod`
    Mod,
}

impl BinOp {
    /// How the operator is written.
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "div",
            BinOp::Mod => "mod",
        }
    }

    /// Binding strength, XPath 1.0 order: `or` 1 < `and` 2 < equality 3 < relational 4
    /// < additive 5 < multiplicative 6. All are left-associative.
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq | BinOp::Ne => 3,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 4,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::Div | BinOp::Mod => 6,
        }
    }
}

/// An expression node.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// Where it is in the source.
    pub span: Span,
}

/// The kinds of expression node.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A number literal.
    Number(f64),
    /// A string literal.
    String(String),
    /// `${name}`: an item's value (or, for a repeat, its rows).
    Ref(String),
    /// `.`: the answer being checked.
    Current,
    /// `..`: the parent node: `position(..)`, or the start of a path (`../x`).
    Parent,
    /// A bare name: a choice's column in a choice filter.
    Name(String),
    /// A function call.
    Call {
        /// The function's name.
        name: String,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// Unary minus.
    Neg(Box<Expr>),
    /// A binary operation.
    Binary {
        /// The operator.
        op: BinOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `base/step`: a location step after `base`. `step` is a child's name, `.` or
    /// `..`, or an axis step written out (`parent::x`): `${member}/m_income`,
    /// `./m_age`, `../x`, `current()/../x`.
    Child {
        /// What the step starts from.
        base: Box<Expr>,
        /// The step as written.
        step: String,
    },
    /// `base[predicate]`: the rows (or values) of `base` for which `predicate` holds.
    Filter {
        /// What is filtered.
        base: Box<Expr>,
        /// The condition, evaluated for each row.
        predicate: Box<Expr>,
    },
}

impl Expr {
    /// A node of `kind` at `span`.
    pub fn new(kind: ExprKind, span: Span) -> Self {
        Expr { kind, span }
    }

    /// The direct children of this node.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Call { args, .. } => args.iter().collect(),
            ExprKind::Neg(e) => vec![e],
            ExprKind::Binary { lhs, rhs, .. } => vec![lhs, rhs],
            ExprKind::Filter { base, predicate } => vec![base, predicate],
            ExprKind::Child { base, .. } => vec![base],
            _ => Vec::new(),
        }
    }

    /// Calls `f` on this node and every node below it, parents first.
    pub fn walk<'e>(&'e self, f: &mut impl FnMut(&'e Expr)) {
        f(self);
        for child in self.children() {
            child.walk(f);
        }
    }

    /// The names of every `${name}` in the expression, in order.
    pub fn references(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let ExprKind::Ref(name) = &e.kind {
                out.push(name.as_str());
            }
        });
        out
    }

    /// A copy with every span set to `0..0`, for comparing shapes.
    pub fn without_spans(&self) -> Expr {
        let kind = match &self.kind {
            ExprKind::Call { name, args } => ExprKind::Call {
                name: name.clone(),
                args: args.iter().map(Expr::without_spans).collect(),
            },
            ExprKind::Neg(e) => ExprKind::Neg(Box::new(e.without_spans())),
            ExprKind::Binary { op, lhs, rhs } => ExprKind::Binary {
                op: *op,
                lhs: Box::new(lhs.without_spans()),
                rhs: Box::new(rhs.without_spans()),
            },
            ExprKind::Filter { base, predicate } => ExprKind::Filter {
                base: Box::new(base.without_spans()),
                predicate: Box::new(predicate.without_spans()),
            },
            ExprKind::Child { base, step } => {
                ExprKind::Child { base: Box::new(base.without_spans()), step: step.clone() }
            }
            other => other.clone(),
        };
        Expr { kind, span: Span::default() }
    }
}
