//! The static checker: resolves references against the questionnaire, checks
//! functions, arity and types, and compiles the syntax tree into a [`Node`].
//!
//! It also records what each expression depends on, for the dependency graph.

use std::borrow::Cow;

use super::node::{self as compiled, Agg, Func, Node, Set};
use super::{FieldId, Form, ScopeId};
use crate::Code;
use crate::expr::{BinOp, Expr, ExprKind};
use crate::expr::{EMPTY, Value, str_to_num};
use crate::expr::{Error, Span};
use crate::schema::{ItemType, MetaKind};

/// What an expression is for; decides what `.` and bare names mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// `relevant`, `calculation`, `default`, `repeat_count`, label interpolation.
    Plain,
    /// `constraints`, `required`, `read_only`: `.` is the answer.
    Answer,
    /// `choice_filter` over the given choice list.
    ChoiceFilter(usize),
}

/// Where an expression sits and what it may refer to.
#[derive(Debug, Clone, Copy)]
#[allow(clippy::struct_field_names)]
pub(crate) struct Scope {
    /// The scope of the row it is evaluated in.
    pub(crate) scope: ScopeId,
    /// The item it belongs to (what `.` means for answers).
    pub(crate) item: Option<FieldId>,
    /// Its purpose.
    pub(crate) purpose: Purpose,
}

/// Something an expression reads: a field's value (or, for a repeat, its rows), with
/// how many of the reader's row indices identify the rows it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Dep {
    /// The field read.
    pub(crate) field: FieldId,
    /// Row indices of the changed value to keep when scheduling the reader.
    pub(crate) keep: usize,
}

/// A checked expression: the compiled node, what it reads, and warnings.
pub(crate) struct Checked {
    pub(crate) node: Node,
    pub(crate) deps: Vec<Dep>,
    pub(crate) warnings: Vec<Error>,
}

/// The static type of an expression, as far as the checker can tell.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ty {
    Any,
    Str,
    Num,
    Bool,
    Date,
    DateTime,
    Time,
    Geo,
    /// A single-choice answer from the list.
    Choice(usize),
    /// A multiple-choice answer from the list.
    Choices(usize),
}

/// Checks and compiles `expr` for `at`.
pub(crate) fn check(form: &Form, at: Scope, expr: &Expr) -> Result<Checked, Vec<Error>> {
    let owner = at.item.filter(|&id| {
        let kind = form.field(id).kind;
        !kind.is_container() && kind != ItemType::Note && at.purpose == Purpose::Answer
    });
    let mut checker = Checker::new(form, owner, at);
    let (node, _) = checker.scalar(at, expr);
    if checker.errors.is_empty() {
        // Few per expression: keep the first of each, in reading order (no sort: the
        // browser build is smaller without another sort instantiation).
        let mut deps: Vec<Dep> = Vec::with_capacity(checker.deps.len());
        for d in checker.deps {
            if !deps.contains(&d) {
                deps.push(d);
            }
        }
        Ok(Checked { node, deps, warnings: checker.warnings })
    } else {
        Err(checker.errors)
    }
}

/// Resolves a `${name}` in a label or hint as a single value readable in `at`.
pub(crate) fn resolve_text_ref(
    form: &Form,
    at: Scope,
    name: &str,
    span: Span,
) -> Result<(FieldId, Dep), Error> {
    let mut checker = Checker::new(form, None, at);
    let expr = Expr::new(ExprKind::Ref(name.to_owned()), span);
    let (node, _) = checker.scalar(at, &expr);
    match (node, checker.errors.pop()) {
        (_, Some(e)) => Err(e),
        (Node::Field(id), None) => Ok((id, checker.deps[0])),
        _ => Err(Error::new(Code::ExprType, span)
            .with("detail", format!("${{{name}}} cannot be shown in a text"))),
    }
}

struct Checker<'f> {
    form: &'f Form,
    /// The item whose answer the expression checks (for `current()`).
    owner: Option<FieldId>,
    deps: Vec<Dep>,
    errors: Vec<Error>,
    warnings: Vec<Error>,
    /// Where the whole expression stands: `current()` and the rows it reads.
    home: Scope,
    /// The `[condition]`s being checked, innermost last.
    frames: Vec<Frame>,
}

/// A `[condition]` being checked.
#[derive(Debug, Clone, Copy)]
struct Frame {
    /// The candidate's node, what relative paths start from: the repeat (for its rows)
    /// or the field whose values are filtered.
    node: FieldId,
    /// The visit's `root_depth`: rows at this depth and above are still the
    /// expression's own while the candidates are visited.
    root_depth: usize,
}

/// Where a location path stands: the root (`None`) or an item.
type Place = Option<FieldId>;

/// Where a location path leads.
enum Walk {
    /// To this place.
    To(Place),
    /// Nowhere: an error was recorded.
    Failed,
    /// To an axis Tianye cannot follow: a warning was recorded, the path reads empty.
    Unsupported,
}

fn unsupported(span: Span, construct: &str) -> Error {
    Error::new(Code::Unsupported, span).with("construct", construct)
}

fn type_error(span: Span, detail: impl Into<String>) -> Error {
    Error::new(Code::ExprType, span).with("detail", detail.into())
}

fn is_set_syntax(expr: &Expr) -> bool {
    matches!(
        expr.kind,
        ExprKind::Ref(_) | ExprKind::Filter { .. } | ExprKind::Child { .. } | ExprKind::Name(_)
    )
}

/// Whether a path has a `[condition]` before its last steps (`${member}[…]/m_income`).
fn has_filter(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Filter { .. } => true,
        ExprKind::Child { base, .. } => has_filter(base),
        _ => false,
    }
}

impl<'f> Checker<'f> {
    fn new(form: &'f Form, owner: Option<FieldId>, home: Scope) -> Self {
        Checker {
            form,
            owner,
            deps: Vec::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
            home,
            frames: Vec::new(),
        }
    }

    fn depth(&self, scope: ScopeId) -> usize {
        self.form.scope(scope).depth
    }

    /// The deepest scope enclosing both.
    fn common(&self, a: ScopeId, b: ScopeId) -> ScopeId {
        let mut a = a;
        while !self.form.scope_contains(a, b) {
            a = self.form.scope(a).parent.unwrap_or(ScopeId::ROOT);
        }
        a
    }

    fn field_type(&self, id: FieldId) -> Ty {
        let f = self.form.field(id);
        match f.kind {
            ItemType::Integer | ItemType::Decimal | ItemType::Range | ItemType::Rating => Ty::Num,
            ItemType::SelectOne | ItemType::Likert => f.choices.map_or(Ty::Str, Ty::Choice),
            ItemType::SelectMultiple | ItemType::Rank => f.choices.map_or(Ty::Str, Ty::Choices),
            ItemType::Date => Ty::Date,
            ItemType::Time => Ty::Time,
            ItemType::Datetime => Ty::DateTime,
            ItemType::Geopoint => Ty::Geo,
            ItemType::Calculate | ItemType::Hidden => Ty::Any,
            ItemType::Meta => match f.meta {
                Some(MetaKind::Start | MetaKind::End) => Ty::DateTime,
                Some(MetaKind::Today) => Ty::Date,
                _ => Ty::Str,
            },
            _ => Ty::Str,
        }
    }

    /// Looks up `${name}`, reporting unknown names.
    fn resolve(&mut self, name: &str, span: Span) -> Option<FieldId> {
        let id = self.form.lookup(name);
        if id.is_none() {
            self.errors.push(Error::new(Code::UnknownRef, span).with("name", name));
        }
        id
    }

    /// Whether item `id` holds no value (a group or a matrix), reporting it. A note
    /// reads as its value, which is empty unless it has a default, as in ODK.
    fn has_no_value(&mut self, id: FieldId, span: Span) -> bool {
        let f = self.form.field(id);
        let none = matches!(f.kind, ItemType::Group | ItemType::Matrix);
        if none {
            self.errors.push(type_error(
                span,
                format!("{} is a {} and has no value", f.name, f.kind.as_str()),
            ));
        }
        none
    }

    /// A path into a secondary instance (`instance('list')/root/item[name = ${x}]/label`,
    /// ODK's lookup in a choice list or an attached file): the form loads, the path
    /// reads empty, and the warning names it. Whether `expr` is one.
    fn secondary_instance(&mut self, expr: &Expr) -> bool {
        let mut root = expr;
        loop {
            match &root.kind {
                ExprKind::Child { base, .. } | ExprKind::Filter { base, .. } => root = base,
                ExprKind::Call { name, .. } if name == "instance" => break,
                _ => return false,
            }
        }
        self.warnings.push(unsupported(
            root.span,
            "instance() (a lookup in a secondary instance: its value is empty)",
        ));
        true
    }

    /// An expression that must give one value.
    fn scalar(&mut self, at: Scope, expr: &Expr) -> (Node, Ty) {
        let span = expr.span;
        let fail = (Node::Lit(Value::Num(f64::NAN)), Ty::Any);
        if self.secondary_instance(expr) {
            return (Node::Lit(EMPTY), Ty::Any);
        }
        match &expr.kind {
            ExprKind::Number(n) => (Node::Lit(Value::Num(*n)), Ty::Num),
            ExprKind::String(s) => (Node::Lit(Value::Str(Cow::Owned(s.clone()))), Ty::Str),
            ExprKind::Ref(name) => {
                let Some(id) = self.resolve(name, span) else { return fail };
                self.field_value(at, id, span, false)
            }
            ExprKind::Current => match (at.purpose, at.item) {
                (_, Some(id))
                    if !self.form.field(id).kind.is_container()
                        && self.form.field(id).kind != ItemType::Note =>
                {
                    if at.purpose != Purpose::Answer {
                        self.deps
                            .push(Dep { field: id, keep: self.depth(self.form.field(id).scope) });
                    }
                    (Node::Current(id), self.field_type(id))
                }
                _ => {
                    self.errors.push(Error::new(Code::NoContext, span).with("what", "answer (.)"));
                    fail
                }
            },
            ExprKind::Parent => {
                self.errors.push(
                    Error::new(Code::Unsupported, span)
                        .with("construct", ".. outside position(..)"),
                );
                fail
            }
            ExprKind::Name(_) | ExprKind::Child { .. } if !self.frames.is_empty() => {
                self.path_value(at, expr)
            }
            ExprKind::Child { .. } => self.path_value(at, expr),
            ExprKind::Name(name) => match at.purpose {
                Purpose::ChoiceFilter(list) => {
                    if name == "name" {
                        (Node::ChoiceName, Ty::Str)
                    } else if self.form.choice_lists()[list]
                        .choices
                        .iter()
                        .any(|c| c.attributes.contains_key(name))
                    {
                        (Node::ChoiceAttr(name.clone()), Ty::Str)
                    } else {
                        // ODK reads a child the choice does not have as empty: the
                        // form loads, and the author is told.
                        self.warnings
                            .push(Error::new(Code::BareName, span).with("name", name.as_str()));
                        (Node::Lit(EMPTY), Ty::Str)
                    }
                }
                _ => {
                    // XPath reads a bare name as a child of the expression's own node,
                    // which has none (`${sex} = female` for `'female'`): ODK loads the
                    // form and the name reads empty; the author is told.
                    self.warnings.push(
                        Error::new(Code::BareName, span)
                            .with("name", name.as_str())
                            .with("empty", "yes"),
                    );
                    (Node::Lit(EMPTY), Ty::Str)
                }
            },
            ExprKind::Neg(inner) => {
                let (node, ty) = self.scalar(at, inner);
                self.numeric_operand(inner, ty, &node);
                (Node::Neg(Box::new(node)), Ty::Num)
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(at, *op, lhs, rhs),
            ExprKind::Filter { .. } => {
                self.errors.push(type_error(
                    span,
                    "a filtered repeat gives several rows: wrap it in count(), sum(), min(), max() or join()",
                ));
                fail
            }
            ExprKind::Call { name, args } => self.call(at, name, args, span),
        }
    }

    fn outermost_repeat_outside(&self, field_scope: ScopeId, at: ScopeId) -> FieldId {
        let mut s = field_scope;
        loop {
            let scope = self.form.scope(s);
            match scope.parent {
                Some(p) if !self.form.scope_contains(p, at) => s = p,
                _ => return scope.repeat.expect("a scope not enclosing another is a repeat"),
            }
        }
    }

    fn numeric_operand(&mut self, expr: &Expr, ty: Ty, node: &Node) {
        match (ty, node) {
            (_, Node::Lit(Value::Str(s))) if str_to_num(s).is_nan() => {
                self.errors.push(type_error(expr.span, format!("'{s}' is not a number")));
            }
            (Ty::Choices(_), _) => self.errors.push(type_error(
                expr.span,
                "a multiple-choice answer is not a number: use count-selected() or selected()",
            )),
            (Ty::Geo, _) => self.errors.push(type_error(expr.span, "a location is not a number")),
            _ => {}
        }
    }

    fn check_choice_literal(&mut self, ty: Ty, other: &Expr, holder: &Expr) {
        let (Ty::Choice(list) | Ty::Choices(list)) = ty else { return };
        let ExprKind::String(value) = &other.kind else { return };
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let list = &self.form.choice_lists()[list];
        if list.get(value).is_none() {
            let name = match &holder.kind {
                ExprKind::Ref(n) => n.clone(),
                _ => ".".to_owned(),
            };
            // A warning, not an error: pyxform accepts the form and ODK's engines
            // evaluate the test to false, which is what the evaluator does too.
            self.warnings.push(
                Error::new(Code::UnknownChoice, other.span)
                    .with("value", value)
                    .with("name", name)
                    .with("list", list.name.as_str()),
            );
        }
    }

    fn binary(&mut self, at: Scope, op: BinOp, lhs: &Expr, rhs: &Expr) -> (Node, Ty) {
        let (l, lt) = self.scalar(at, lhs);
        let (r, rt) = self.scalar(at, rhs);
        let ty = match op {
            BinOp::Or | BinOp::And => Ty::Bool,
            BinOp::Eq | BinOp::Ne => {
                if matches!(lt, Ty::Choice(_)) {
                    self.check_choice_literal(lt, rhs, lhs);
                }
                if matches!(rt, Ty::Choice(_)) {
                    self.check_choice_literal(rt, lhs, rhs);
                }
                Ty::Bool
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                for (side, ty, node, other_ty, other_node) in
                    [(lhs, lt, &l, rt, &r), (rhs, rt, &r, lt, &l)]
                {
                    if matches!(ty, Ty::Choices(_) | Ty::Geo) {
                        self.numeric_operand(side, ty, node);
                    }
                    if matches!(other_ty, Ty::Date | Ty::DateTime)
                        && let Node::Lit(Value::Str(s)) = node
                        && crate::expr::Date::parse(s.get(..10).unwrap_or("")).is_some()
                    {
                        let _ = other_node;
                        self.warnings.push(type_error(
                            side.span,
                            format!("comparing a date with the text '{s}' is always false in ODK: write date('{s}')"),
                        ));
                    }
                }
                Ty::Bool
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
                self.numeric_operand(lhs, lt, &l);
                self.numeric_operand(rhs, rt, &r);
                Ty::Num
            }
        };
        (Node::Bin(op, Box::new(l), Box::new(r)), ty)
    }

    /// An expression giving the rows of a repeat, or a field's values across rows.
    fn set(&mut self, at: Scope, expr: &Expr) -> Option<Set> {
        if self.secondary_instance(expr) {
            return None;
        }
        match &expr.kind {
            ExprKind::Ref(name) => {
                let id = self.resolve(name, expr.span)?;
                self.field_set(at, id, expr.span, usize::MAX)
            }
            ExprKind::Child { base, step } if has_filter(base) => {
                let mut set = self.set(at, base)?;
                let node = set.value.or(self.form.scope(set.scope).repeat)?;
                let child = match self.step(Some(node), step, expr.span) {
                    Walk::To(Some(child)) => child,
                    Walk::To(None) | Walk::Failed | Walk::Unsupported => return None,
                };
                if child == node {
                    return Some(set);
                }
                let c = self.form.field(child);
                if c.scope != set.scope || c.row_scope.is_some() {
                    self.errors.push(unsupported(
                        expr.span,
                        "a step after [condition] out of the row or into a nested repeat",
                    ));
                    return None;
                }
                self.deps.push(Dep { field: child, keep: set.root_depth });
                set.value = Some(child);
                Some(set)
            }
            ExprKind::Name(_) | ExprKind::Child { .. } => match self.place(at, expr) {
                (Walk::To(Some(id)), _) => self.field_set(at, id, expr.span, usize::MAX),
                (Walk::To(None), _) => {
                    self.errors.push(type_error(expr.span, "the root has no value"));
                    None
                }
                (Walk::Failed | Walk::Unsupported, _) => None,
            },
            ExprKind::Filter { base, predicate } => {
                let mut set = self.set(at, base)?;
                let inner = Scope { scope: set.scope, item: set.value, purpose: Purpose::Plain };
                let node = set.value.or(self.form.scope(set.scope).repeat)?;
                let start = self.deps.len();
                self.frames.push(Frame { node, root_depth: set.root_depth });
                let (node, _) = self.scalar(inner, predicate);
                self.frames.pop();
                for dep in &mut self.deps[start..] {
                    dep.keep = dep.keep.min(set.root_depth);
                }
                set.predicates.push(node);
                Some(set)
            }
            _ => {
                self.errors
                    .push(type_error(expr.span, "expected a repeat, or a field inside a repeat"));
                None
            }
        }
    }

    /// The rows of repeat `id`, or field `id`'s values across the rows holding it,
    /// visited from the row at depth `limit` or the deepest row enclosing both.
    fn field_set(&mut self, at: Scope, id: FieldId, span: Span, limit: usize) -> Option<Set> {
        if self.has_no_value(id, span) {
            return None;
        }
        let f = self.form.field(id);
        let (scope, value, anchor) = match f.row_scope {
            Some(rows) => (rows, None, f.scope),
            None => (f.scope, Some(id), f.scope),
        };
        let root = self.common(at.scope, anchor);
        let root_depth = self.depth(root).min(limit);
        self.deps.push(Dep { field: id, keep: root_depth });
        // The rows of every repeat between the common scope and the visited one.
        let mut s = scope;
        while self.depth(s) > root_depth {
            let repeat = self.form.scope(s).repeat.expect("non-root scope has a repeat");
            self.deps.push(Dep { field: repeat, keep: root_depth });
            s = self.form.scope(s).parent.expect("non-root scope has a parent");
        }
        Some(Set { scope, root_depth, value, predicates: Vec::new() })
    }

    /// The value of field `id`, read where `at` stands (or, for a path from
    /// `current()`, where the whole expression stands).
    fn field_value(
        &mut self,
        at: Scope,
        id: FieldId,
        span: Span,
        from_current: bool,
    ) -> (Node, Ty) {
        let fail = (Node::Lit(Value::Num(f64::NAN)), Ty::Any);
        if self.has_no_value(id, span) {
            return fail;
        }
        let f = self.form.field(id);
        let name = f.name.as_str();
        if f.row_scope.is_some() {
            self.errors.push(type_error(
                span,
                format!("${{{name}}} is a repeat: use count(${{{name}}}) or a field inside it"),
            ));
            return fail;
        }
        let from = if from_current { self.home.scope } else { at.scope };
        if !self.form.scope_contains(f.scope, from) {
            let outer = self.outermost_repeat_outside(f.scope, from);
            self.errors.push(
                Error::new(Code::RepeatOutside, span)
                    .with("name", name)
                    .with("repeat", self.form.field(outer).name.as_str()),
            );
            return fail;
        }
        let depth = self.depth(f.scope);
        self.deps.push(Dep { field: id, keep: depth });
        let kept = self.frames.iter().map(|f| f.root_depth).min().unwrap_or(usize::MAX);
        let node = if !from_current || depth <= kept {
            Node::Field(id)
        } else if f.scope == self.home.scope {
            Node::HomeField(id)
        } else {
            self.errors.push(unsupported(
                span,
                "current()/.. reaching a row between the expression's row and the [condition]'s",
            ));
            return fail;
        };
        (node, self.field_type(id))
    }

    /// The value at the end of a location path (`m_age` or `./m_age` in a
    /// `[condition]`, `../x`, `current()/../x`).
    fn path_value(&mut self, at: Scope, expr: &Expr) -> (Node, Ty) {
        match self.place(at, expr) {
            (Walk::To(Some(id)), from_current) => self.field_value(at, id, expr.span, from_current),
            (Walk::To(None), _) => {
                self.errors.push(type_error(expr.span, "the root has no value"));
                (Node::Lit(Value::Num(f64::NAN)), Ty::Any)
            }
            (Walk::Failed, _) => (Node::Lit(Value::Num(f64::NAN)), Ty::Any),
            (Walk::Unsupported, _) => (Node::Lit(EMPTY), Ty::Any),
        }
    }

    /// The node relative paths start from: the candidate of the innermost
    /// `[condition]`, else the expression's own item (none in a choice filter, whose
    /// bare names are choice columns).
    fn context_node(&self, at: Scope) -> Option<FieldId> {
        match self.frames.last() {
            Some(frame) => Some(frame.node),
            None if matches!(at.purpose, Purpose::ChoiceFilter(_)) => None,
            None => at.item,
        }
    }

    /// Follows a location path to the item it names, and whether it starts at
    /// `current()`.
    fn place(&mut self, at: Scope, expr: &Expr) -> (Walk, bool) {
        let span = expr.span;
        match &expr.kind {
            ExprKind::Ref(name) => match self.form.lookup(name) {
                Some(id) => (Walk::To(Some(id)), false),
                None => {
                    self.errors
                        .push(Error::new(Code::UnknownRef, span).with("name", name.as_str()));
                    (Walk::Failed, false)
                }
            },
            ExprKind::Call { name, args } if name == "current" && args.is_empty() => {
                match self.home.item {
                    Some(id) => (Walk::To(Some(id)), true),
                    None => {
                        self.errors
                            .push(Error::new(Code::NoContext, span).with("what", "current()"));
                        (Walk::Failed, true)
                    }
                }
            }
            ExprKind::Current | ExprKind::Parent | ExprKind::Name(_) => {
                let Some(node) = self.context_node(at) else {
                    self.errors.push(
                        Error::new(Code::NoContext, span).with("what", "node for a relative path"),
                    );
                    return (Walk::Failed, false);
                };
                let step = match &expr.kind {
                    ExprKind::Current => ".",
                    ExprKind::Parent => "..",
                    ExprKind::Name(name) => name.as_str(),
                    _ => unreachable!("matched above"),
                };
                (self.step(Some(node), step, span), false)
            }
            ExprKind::Child { step, .. }
                if step
                    .split_once("::")
                    .is_some_and(|(axis, _)| !matches!(axis, "child" | "self" | "parent")) =>
            {
                self.warnings.push(unsupported(span, &format!("{step} (XPath axis)")));
                (Walk::Unsupported, false)
            }
            ExprKind::Child { base, step } => match self.place(at, base) {
                (Walk::To(from), from_current) => (self.step(from, step, span), from_current),
                other => other,
            },
            _ => {
                self.errors.push(type_error(span, "expected a path to an item"));
                (Walk::Failed, false)
            }
        }
    }

    /// One location step from `from`: `.`, `..`, a child's name, or `axis::test`.
    fn step(&mut self, from: Place, step: &str, span: Span) -> Walk {
        let (axis, test) = step.split_once("::").unwrap_or(("child", step));
        let name_of = |p: Place| p.map_or("/", |id| self.form.field(id).name.as_str());
        let matches = |p: Place| test == "node()" || test == "*" || name_of(p) == test;
        let target = match (axis, test) {
            (_, ".") | ("self", _) => Some(from),
            (_, "..") | ("parent", _) => match from {
                Some(id) => Some(self.form.field(id).parent),
                None => None,
            },
            ("child", name) => {
                let children = match from {
                    Some(id) => self.form.field(id).children.as_slice(),
                    None => self.form.top_level(),
                };
                match children.iter().find(|&&c| self.form.field(c).name == name) {
                    Some(&c) => return Walk::To(Some(c)),
                    None => {
                        self.errors.push(
                            Error::new(Code::UnknownChild, span)
                                .with("name", name)
                                .with("parent", name_of(from)),
                        );
                        return Walk::Failed;
                    }
                }
            }
            _ => {
                self.warnings.push(unsupported(span, &format!("{step} (XPath axis)")));
                return Walk::Unsupported;
            }
        };
        match target {
            Some(p) if test == "." || test == ".." || matches(p) => Walk::To(p),
            Some(p) => {
                self.errors.push(
                    Error::new(Code::UnknownChild, span)
                        .with("name", test)
                        .with("parent", name_of(p)),
                );
                Walk::Failed
            }
            None => {
                self.errors
                    .push(Error::new(Code::NoContext, span).with("what", "parent of the root"));
                Walk::Failed
            }
        }
    }

    fn call(&mut self, at: Scope, name: &str, args: &[Expr], span: Span) -> (Node, Ty) {
        let fail = (Node::Lit(Value::Num(f64::NAN)), Ty::Any);
        let name_span = Span::new(span.start as usize, span.start as usize + name.len());
        let Some((func, min, max)) = compiled::lookup(name) else {
            let code = if compiled::UNSUPPORTED_FUNCS.contains(&name) {
                Code::Unsupported
            } else {
                Code::UnknownFunction
            };
            let error = Error::new(code, name_span)
                .with("name", name)
                .with("construct", format!("function {name}()"));
            self.errors.push(error);
            for arg in args {
                if !is_set_syntax(arg) {
                    self.scalar(at, arg);
                }
            }
            return fail;
        };
        if args.len() < min || args.len() > max {
            let expected = match (min, max) {
                (a, b) if a == b => a.to_string(),
                (a, usize::MAX) => format!("≥{a}"),
                (a, b) => format!("{a}–{b}"),
            };
            self.errors.push(
                Error::new(Code::Arity, name_span)
                    .with("name", name)
                    .with("expected", expected)
                    .with("found", args.len()),
            );
            return fail;
        }
        let agg = match func {
            Func::Count => Some(Agg::Count),
            Func::CountNonEmpty => Some(Agg::CountNonEmpty),
            Func::Sum => Some(Agg::Sum),
            Func::Min if args.len() == 1 && is_set_syntax(&args[0]) => Some(Agg::Min),
            Func::Max if args.len() == 1 && is_set_syntax(&args[0]) => Some(Agg::Max),
            Func::Join if args.len() == 2 && is_set_syntax(&args[1]) => Some(Agg::Join),
            Func::Concat if args.len() == 1 && is_set_syntax(&args[0]) => Some(Agg::Concat),
            _ => None,
        };
        if let Some(agg) = agg {
            let (extra, set_arg) =
                if agg == Agg::Join { (&args[..1], &args[1]) } else { (&args[..0], &args[0]) };
            let extra: Vec<Node> = extra.iter().map(|a| self.scalar(at, a).0).collect();
            let Some(set) = self.set(at, set_arg) else { return fail };
            let ty = match agg {
                Agg::Join | Agg::Concat => Ty::Str,
                _ => Ty::Num,
            };
            return (Node::Agg(agg, Box::new(set), extra), ty);
        }
        match func {
            Func::Current => {
                return match self.owner {
                    Some(field) => (Node::Origin, self.field_type(field)),
                    None => {
                        self.errors.push(Error::new(Code::NoContext, span).with(
                            "what",
                            "answer for current() (only in constraints, required and read_only)",
                        ));
                        (Node::Lit(Value::Num(f64::NAN)), Ty::Any)
                    }
                };
            }
            Func::Position => return self.position(at, args, span),
            Func::IndexedRepeat => return self.indexed_repeat(at, args, name_span),
            Func::Pulldata => {
                // The form loads and the value is empty until choice files bring the
                // CSV it reads; the warning names the call.
                for arg in args {
                    self.scalar(at, arg);
                }
                self.warnings.push(unsupported(
                    name_span,
                    "pulldata() (its value is empty: the CSV lookup is not loaded)",
                ));
                return (Node::Lit(EMPTY), Ty::Any);
            }
            Func::ChoiceName => return self.choice_name(at, args, span),
            Func::Regex => {
                let (subject, _) = self.scalar(at, &args[0]);
                if let ExprKind::String(pattern) = &args[1].kind {
                    return match regex_lite::Regex::new(&super::anchored_pattern(pattern)) {
                        Ok(re) => (Node::Regex(Box::new(subject), Box::new(re)), Ty::Bool),
                        Err(e) => {
                            self.errors.push(
                                Error::new(Code::InvalidPattern, args[1].span)
                                    .with("detail", e.to_string()),
                            );
                            fail
                        }
                    };
                }
                let (pattern, _) = self.scalar(at, &args[1]);
                return (Node::Call(Func::Regex, vec![subject, pattern]), Ty::Bool);
            }
            _ => {}
        }
        let mut nodes = Vec::with_capacity(args.len());
        let mut types = Vec::with_capacity(args.len());
        for arg in args {
            let (node, ty) = self.scalar(at, arg);
            nodes.push(node);
            types.push(ty);
        }
        match func {
            Func::Selected | Func::IsSelected | Func::CountSelected | Func::SelectedAt => {
                if matches!(
                    types[0],
                    Ty::Num | Ty::Bool | Ty::Date | Ty::DateTime | Ty::Time | Ty::Geo
                ) {
                    self.errors.push(type_error(
                        args[0].span,
                        format!("{name}() needs a choice question"),
                    ));
                }
                if matches!(func, Func::Selected | Func::IsSelected) {
                    self.check_choice_literal(types[0], &args[1], &args[0]);
                }
            }
            Func::Int
            | Func::Round
            | Func::Floor
            | Func::Ceiling
            | Func::Abs
            | Func::Pow
            | Func::Sqrt
            | Func::Exp
            | Func::Exp10
            | Func::Log
            | Func::Log10
            | Func::Sin
            | Func::Cos
            | Func::Tan
            | Func::Asin
            | Func::Acos
            | Func::Atan
            | Func::Atan2 => {
                for ((arg, ty), node) in args.iter().zip(&types).zip(&nodes) {
                    self.numeric_operand(arg, *ty, node);
                }
            }
            _ => {}
        }
        let ty = match func {
            Func::Not
            | Func::True
            | Func::False
            | Func::Boolean
            | Func::BooleanFromString
            | Func::Contains
            | Func::StartsWith
            | Func::EndsWith
            | Func::Selected
            | Func::IsSelected
            | Func::Regex => Ty::Bool,
            Func::String
            | Func::Concat
            | Func::Join
            | Func::NormalizeSpace
            | Func::Substr
            | Func::SubstringBefore
            | Func::SubstringAfter
            | Func::Translate
            | Func::SelectedAt
            | Func::FormatDate
            | Func::FormatDateTime
            | Func::IdSex => Ty::Str,
            Func::Today | Func::Date | Func::IdBirthDate => Ty::Date,
            Func::Now | Func::DateTime => Ty::DateTime,
            Func::If => match (types[1], types[2]) {
                (a, b) if a == b => a,
                _ => Ty::Any,
            },
            Func::Coalesce => Ty::Any,
            _ => Ty::Num,
        };
        (Node::Call(func, nodes), ty)
    }

    /// `indexed-repeat(${field}, ${repeat1}, i1[, ${repeat2}, i2[, ${repeat3}, i3]])`:
    /// `field` in row `i1` of `repeat1` (and row `i2` of `repeat2` in it, …), whatever
    /// row the expression stands in.
    fn indexed_repeat(&mut self, at: Scope, args: &[Expr], span: Span) -> (Node, Ty) {
        let fail = (Node::Lit(Value::Num(f64::NAN)), Ty::Any);
        if args.len().is_multiple_of(2) {
            self.errors.push(
                Error::new(Code::Arity, span)
                    .with("name", "indexed-repeat")
                    .with("expected", "3, 5, 7")
                    .with("found", args.len()),
            );
            return fail;
        }
        let mut refs = Vec::with_capacity(args.len());
        for arg in std::iter::once(&args[0]).chain(args.iter().skip(1).step_by(2)) {
            let ExprKind::Ref(name) = &arg.kind else {
                self.errors.push(type_error(arg.span, "indexed-repeat() takes ${names} here"));
                return fail;
            };
            let Some(id) = self.resolve(name, arg.span) else { return fail };
            refs.push(id);
        }
        let field = refs[0];
        let mut indices = Vec::with_capacity(refs.len() - 1);
        let mut outer = usize::MAX;
        for (i, &repeat) in refs.iter().enumerate().skip(1) {
            let rows = self.form.field(repeat).row_scope;
            let Some(rows) =
                rows.filter(|&r| self.form.scope_contains(r, self.form.field(field).scope))
            else {
                self.errors.push(type_error(
                    args[2 * i - 1].span,
                    "indexed-repeat(): a repeat holding the field",
                ));
                return fail;
            };
            let depth = self.depth(rows);
            outer = outer.min(depth - 1);
            indices.push((depth, self.scalar(at, &args[2 * i]).0));
        }
        if self.form.field(field).row_scope.is_some() {
            self.errors
                .push(type_error(args[0].span, "indexed-repeat() reads a field, not a repeat"));
            return fail;
        }
        let Some(set) = self.field_set(at, field, args[0].span, outer) else { return fail };
        (Node::Indexed(Box::new(set), indices), self.field_type(field))
    }

    fn position(&mut self, at: Scope, args: &[Expr], span: Span) -> (Node, Ty) {
        match args {
            [] if !self.frames.is_empty() => (Node::PredPosition, Ty::Num),
            [] => {
                self.errors.push(
                    Error::new(Code::NoContext, span)
                        .with("what", "position() outside a [condition]"),
                );
                (Node::Lit(Value::Num(f64::NAN)), Ty::Any)
            }
            [arg] if arg.kind == ExprKind::Parent => {
                if at.scope == ScopeId::ROOT {
                    self.errors.push(
                        Error::new(Code::NoContext, span)
                            .with("what", "repeat row for position(..)"),
                    );
                    return (Node::Lit(Value::Num(f64::NAN)), Ty::Any);
                }
                (Node::RowPosition(at.scope), Ty::Num)
            }
            [arg] => {
                self.errors.push(
                    Error::new(Code::Unsupported, arg.span)
                        .with("construct", "position() of anything but .."),
                );
                (Node::Lit(Value::Num(f64::NAN)), Ty::Any)
            }
            _ => unreachable!("arity checked"),
        }
    }

    fn choice_name(&mut self, at: Scope, args: &[Expr], span: Span) -> (Node, Ty) {
        let (value, _) = self.scalar(at, &args[0]);
        let target = match &args[1].kind {
            ExprKind::String(s) => {
                s.trim().strip_prefix("${").and_then(|r| r.strip_suffix('}')).map(str::to_owned)
            }
            ExprKind::Ref(name) => Some(name.clone()),
            _ => None,
        };
        let list = target
            .as_deref()
            .and_then(|n| self.form.lookup(n))
            .and_then(|id| self.form.field(id).choices);
        match list {
            Some(list) => (Node::ChoiceLabel(Box::new(value), list), Ty::Str),
            None => {
                self.errors.push(type_error(
                    if target.is_some() { args[1].span } else { span },
                    "jr:choice-name() needs '${question}' naming a choice question as its second argument",
                ));
                (Node::Lit(Value::Num(f64::NAN)), Ty::Any)
            }
        }
    }
}
