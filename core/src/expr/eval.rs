//! The evaluator: runs a compiled expression against an instance, in the context of
//! one row. It never fails and never panics: anything that cannot be computed is empty.

use std::borrow::Cow;

use super::ast::BinOp;
use super::datetime::{DAY_MS, Date, DateTime, Time, format};
use super::math;
use super::value::{EMPTY, Value, equals};
use crate::form::node::{Agg, Func, Node, Set};
use crate::form::{FieldId, Form, MAX_REPEAT_DEPTH, ScopeId, Segment, Template};
use crate::instance::{Instance, Row};
use crate::schema::Choice;
use crate::schema::Text;

/// What every evaluation of one response shares.
pub(crate) struct Env<'a> {
    /// The questionnaire.
    pub(crate) form: &'a Form,
    /// The answers.
    pub(crate) inst: &'a Instance,
    /// `now()`; `today()` is its date.
    pub(crate) now: DateTime,
    /// Language for `jr:choice-name`.
    pub(crate) lang: &'a str,
}

/// Where an expression is evaluated: a row of a scope, with the rows enclosing it.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    /// The scope of the row.
    pub(crate) scope: ScopeId,
    /// `rows[d]`: the row at depth `d` on the way from the root to this row.
    rows: [Option<&'a Row>; MAX_REPEAT_DEPTH + 1],
    /// `path[d]`: the index of the row at depth `d + 1` in its repeat.
    path: [u32; MAX_REPEAT_DEPTH],
    depth: usize,
    /// What `.` is.
    pub(crate) current: Option<FieldId>,
    /// The answer being checked and its row, for `current()`: kept when a predicate's
    /// candidate rows replace the context.
    origin: Option<(FieldId, &'a Row)>,
    /// The row the expression stands in, for `current()/../x` inside predicates.
    home: Option<&'a Row>,
    /// `position()` inside a predicate (1-based; 0 outside).
    position: u32,
    /// The choice a choice filter is deciding on.
    pub(crate) choice: Option<&'a Choice>,
}

impl<'a> Ctx<'a> {
    /// The context of the row of `scope` at `path`, or `None` if there is no such row.
    pub(crate) fn new(env: &Env<'a>, scope: ScopeId, path: &[u32]) -> Option<Ctx<'a>> {
        let s = env.form.scope(scope);
        let mut ctx = Ctx {
            scope,
            rows: [None; MAX_REPEAT_DEPTH + 1],
            path: [0; MAX_REPEAT_DEPTH],
            depth: s.depth,
            current: None,
            position: 0,
            choice: None,
            origin: None,
            home: None,
        };
        let mut row = &env.inst.root;
        ctx.rows[0] = Some(row);
        for (d, (&slot, &index)) in s.chain_slots.iter().zip(path).enumerate() {
            row = row.rows(slot).get(index as usize)?;
            ctx.rows[d + 1] = Some(row);
            ctx.path[d] = index;
        }
        ctx.home = ctx.rows[ctx.depth];
        (path.len() >= s.depth).then_some(ctx)
    }

    /// The same row with `.` meaning `field`.
    pub(crate) fn with_current(mut self, field: FieldId) -> Self {
        self.current = Some(field);
        if self.origin.is_none() {
            self.origin = self.rows[self.depth].map(|row| (field, row));
        }
        self
    }
}

fn read<'a>(env: &Env<'a>, ctx: &Ctx<'a>, field: FieldId) -> Value<'a> {
    let f = env.form.field(field);
    let depth = env.form.scope(f.scope).depth;
    match ctx.rows.get(depth).copied().flatten() {
        Some(row) if row.relevant[f.slot] => row.cells[f.slot].value(),
        _ => EMPTY,
    }
}

fn lit<'a>(value: &'a Value<'static>) -> Value<'a> {
    match value {
        Value::Str(s) => Value::Str(Cow::Borrowed(s)),
        other => other.clone(),
    }
}

/// Evaluates `node` in `ctx`.
pub(crate) fn eval<'a>(env: &Env<'a>, ctx: &Ctx<'a>, node: &'a Node) -> Value<'a> {
    match node {
        Node::Lit(v) => lit(v),
        Node::Field(f) | Node::Current(f) => read(env, ctx, *f),
        Node::Origin => match ctx.origin {
            Some((field, row)) => {
                let slot = env.form.field(field).slot;
                if row.relevant[slot] { row.cells[slot].value() } else { EMPTY }
            }
            None => EMPTY,
        },
        Node::HomeField(field) => match ctx.home {
            Some(row) => {
                let slot = env.form.field(*field).slot;
                if row.relevant.get(slot) == Some(&true) {
                    row.cells.get(slot).map_or(EMPTY, super::super::instance::Cell::value)
                } else {
                    EMPTY
                }
            }
            None => EMPTY,
        },
        Node::RowPosition(scope) => {
            let depth = env.form.scope(*scope).depth;
            if depth == 0 || depth > ctx.depth {
                EMPTY
            } else {
                Value::Num(f64::from(ctx.path[depth - 1]) + 1.0)
            }
        }
        Node::PredPosition => {
            if ctx.position == 0 {
                EMPTY
            } else {
                Value::Num(f64::from(ctx.position))
            }
        }
        Node::ChoiceName => ctx.choice.map_or(EMPTY, |c| Value::Str(Cow::Borrowed(&c.name))),
        Node::ChoiceAttr(key) => ctx
            .choice
            .and_then(|c| c.attributes.get(key))
            .map_or(EMPTY, |v| Value::Str(Cow::Borrowed(v))),
        Node::Neg(inner) => Value::Num(-eval(env, ctx, inner).to_num()),
        Node::Bin(op, lhs, rhs) => binary(env, ctx, *op, lhs, rhs),
        Node::Call(func, args) => call(env, ctx, *func, args),
        Node::Agg(agg, set, extra) => aggregate(env, ctx, *agg, set, extra),
        Node::Indexed(set, indices) => {
            let want: Vec<(usize, f64)> =
                indices.iter().map(|(d, n)| (*d, eval(env, ctx, n).to_num())).collect();
            let mut out = EMPTY;
            let mut found = false;
            visit(env, ctx, set, &mut |c| {
                if !found && want.iter().all(|&(d, i)| f64::from(c.path[d - 1]) + 1.0 == i) {
                    found = true;
                    out = set.value.map_or(EMPTY, |f| read(env, c, f));
                }
            });
            out
        }
        Node::Regex(subject, re) => Value::Bool(re.is_match(&eval(env, ctx, subject).to_str())),
        Node::ChoiceLabel(value, list) => {
            let v = eval(env, ctx, value);
            let v = v.to_str();
            match env.form.choice_lists()[*list].get(&v) {
                Some(choice) => Value::Str(Cow::Borrowed(
                    choice.label.get(env.lang, env.form.default_language()),
                )),
                None => EMPTY,
            }
        }
    }
}

fn binary<'a>(env: &Env<'a>, ctx: &Ctx<'a>, op: BinOp, lhs: &'a Node, rhs: &'a Node) -> Value<'a> {
    match op {
        BinOp::And => Value::Bool(eval(env, ctx, lhs).to_bool() && eval(env, ctx, rhs).to_bool()),
        BinOp::Or => Value::Bool(eval(env, ctx, lhs).to_bool() || eval(env, ctx, rhs).to_bool()),
        _ => {
            let (a, b) = (eval(env, ctx, lhs), eval(env, ctx, rhs));
            match op {
                BinOp::Eq => Value::Bool(equals(&a, &b)),
                BinOp::Ne => Value::Bool(!equals(&a, &b)),
                BinOp::Lt => Value::Bool(a.to_num() < b.to_num()),
                BinOp::Le => Value::Bool(a.to_num() <= b.to_num()),
                BinOp::Gt => Value::Bool(a.to_num() > b.to_num()),
                BinOp::Ge => Value::Bool(a.to_num() >= b.to_num()),
                BinOp::Add => Value::Num(a.to_num() + b.to_num()),
                BinOp::Sub => Value::Num(a.to_num() - b.to_num()),
                BinOp::Mul => Value::Num(a.to_num() * b.to_num()),
                BinOp::Div => Value::Num(a.to_num() / b.to_num()),
                BinOp::Mod => Value::Num(a.to_num() % b.to_num()),
                BinOp::And | BinOp::Or => unreachable!("handled above"),
            }
        }
    }
}

/// Calls `f` for every row of `set` under the context's row that passes the
/// predicates, with the row's context.
pub(crate) fn visit<'a>(env: &Env<'a>, ctx: &Ctx<'a>, set: &'a Set, f: &mut dyn FnMut(&Ctx<'a>)) {
    let Some(start) = ctx.rows.get(set.root_depth).copied().flatten() else { return };
    let scope = env.form.scope(set.scope);
    let mut base = *ctx;
    base.scope = set.scope;
    base.depth = scope.depth;
    base.current = set.value;
    base.position = 0;
    base.choice = None;
    base.rows[set.root_depth] = Some(start);
    if set.predicates.is_empty() {
        descend(env, &mut base, set, set.root_depth, start, f);
        return;
    }
    let mut candidates = Vec::new();
    descend(env, &mut base, set, set.root_depth, start, &mut |c| candidates.push(*c));
    for predicate in &set.predicates {
        let mut kept = Vec::with_capacity(candidates.len());
        for (i, c) in candidates.iter().enumerate() {
            let mut c = *c;
            c.position = i as u32 + 1;
            let keep = match eval(env, &c, predicate) {
                Value::Num(n) => (n - f64::from(c.position)).abs() < 1e-12,
                other => other.to_bool(),
            };
            if keep {
                kept.push(c);
            }
        }
        candidates = kept;
    }
    for (i, c) in candidates.iter_mut().enumerate() {
        c.position = i as u32 + 1;
        f(c);
    }
}

fn descend<'a>(
    env: &Env<'a>,
    ctx: &mut Ctx<'a>,
    set: &'a Set,
    depth: usize,
    row: &'a Row,
    f: &mut dyn FnMut(&Ctx<'a>),
) {
    let scope = env.form.scope(set.scope);
    if depth == scope.depth {
        f(ctx);
        return;
    }
    let slot = scope.chain_slots[depth];
    if !row.relevant[slot] {
        return;
    }
    for (i, child) in row.rows(slot).iter().enumerate() {
        ctx.rows[depth + 1] = Some(child);
        ctx.path[depth] = i as u32;
        descend(env, ctx, set, depth + 1, child, f);
    }
}

fn aggregate<'a>(
    env: &Env<'a>,
    ctx: &Ctx<'a>,
    agg: Agg,
    set: &'a Set,
    extra: &'a [Node],
) -> Value<'a> {
    let value_of = |c: &Ctx<'a>| set.value.map_or(EMPTY, |field| read(env, c, field));
    match agg {
        Agg::Count => {
            let mut n = 0u32;
            visit(env, ctx, set, &mut |_| n += 1);
            Value::Num(f64::from(n))
        }
        Agg::CountNonEmpty => {
            let mut n = 0u32;
            visit(env, ctx, set, &mut |c| n += u32::from(!value_of(c).to_str().is_empty()));
            Value::Num(f64::from(n))
        }
        Agg::Sum => {
            let mut sum = 0.0;
            visit(env, ctx, set, &mut |c| {
                let x = value_of(c).to_num();
                if !x.is_nan() {
                    sum += x;
                }
            });
            Value::Num(sum)
        }
        Agg::Min | Agg::Max => {
            let mut best = f64::NAN;
            visit(env, ctx, set, &mut |c| {
                let x = value_of(c).to_num();
                if !x.is_nan()
                    && (best.is_nan()
                        || (agg == Agg::Min && x < best)
                        || (agg == Agg::Max && x > best))
                {
                    best = x;
                }
            });
            Value::Num(best)
        }
        Agg::Join | Agg::Concat => {
            let sep = if agg == Agg::Join {
                extra.first().map(|n| eval(env, ctx, n).to_str().into_owned())
            } else {
                None
            };
            let sep = sep.unwrap_or_default();
            let mut out = String::new();
            let mut first = true;
            visit(env, ctx, set, &mut |c| {
                if !first {
                    out.push_str(&sep);
                }
                first = false;
                out.push_str(&value_of(c).to_str());
            });
            Value::Str(Cow::Owned(out))
        }
    }
}

fn num_arg<'a>(env: &Env<'a>, ctx: &Ctx<'a>, args: &'a [Node], i: usize) -> f64 {
    args.get(i).map_or(f64::NAN, |n| eval(env, ctx, n).to_num())
}

fn str_arg<'a>(env: &Env<'a>, ctx: &Ctx<'a>, args: &'a [Node], i: usize) -> Cow<'a, str> {
    match args.get(i).map(|n| eval(env, ctx, n)) {
        Some(Value::Str(s)) => s,
        Some(other) => Cow::Owned(other.to_str().into_owned()),
        None => Cow::Borrowed(""),
    }
}

fn own<'a>(s: String) -> Value<'a> {
    Value::Str(Cow::Owned(s))
}

fn call<'a>(env: &Env<'a>, ctx: &Ctx<'a>, func: Func, args: &'a [Node]) -> Value<'a> {
    let num = |i| num_arg(env, ctx, args, i);
    let string = |i| str_arg(env, ctx, args, i);
    let current_or_arg = |i: usize| {
        if args.is_empty() {
            ctx.current.map_or(Cow::Borrowed(""), |f| match read(env, ctx, f) {
                Value::Str(s) => s,
                other => Cow::Owned(other.to_str().into_owned()),
            })
        } else {
            string(i)
        }
    };
    match func {
        Func::If => {
            if eval(env, ctx, &args[0]).to_bool() {
                eval(env, ctx, &args[1])
            } else {
                eval(env, ctx, &args[2])
            }
        }
        Func::Coalesce => {
            let first = eval(env, ctx, &args[0]);
            if first.is_empty() { eval(env, ctx, &args[1]) } else { first }
        }
        Func::Not => Value::Bool(!eval(env, ctx, &args[0]).to_bool()),
        Func::True => Value::Bool(true),
        Func::False => Value::Bool(false),
        Func::Boolean => Value::Bool(eval(env, ctx, &args[0]).to_bool()),
        Func::BooleanFromString => {
            let s = string(0);
            Value::Bool(s.eq_ignore_ascii_case("true") || s == "1")
        }
        Func::Number => Value::Num(num(0)),
        Func::Round => Value::Num(round(num(0), if args.len() > 1 { num(1) } else { 0.0 })),
        Func::Pow => Value::Num(math::pow(num(0), num(1))),
        Func::Pi => Value::Num(std::f64::consts::PI),
        Func::Atan2 => Value::Num(math::atan2(num(0), num(1))),
        // Functions of one number share the argument's evaluation (smaller browser build).
        Func::Int
        | Func::Floor
        | Func::Ceiling
        | Func::Abs
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
        | Func::Atan => {
            let x = num(0);
            Value::Num(match func {
                Func::Int => x.trunc(),
                Func::Floor => x.floor(),
                Func::Ceiling => x.ceil(),
                Func::Abs => x.abs(),
                Func::Sqrt => x.sqrt(),
                Func::Exp => math::exp(x),
                Func::Exp10 => math::pow(10.0, x),
                Func::Log => math::log(x),
                Func::Log10 => math::log10(x),
                Func::Sin => math::sin(x),
                Func::Cos => math::cos(x),
                Func::Tan => math::tan(x),
                Func::Asin => math::asin(x),
                Func::Acos => math::acos(x),
                _ => math::atan(x),
            })
        }
        Func::String => Value::Str(string(0)),
        Func::Concat => {
            let mut out = String::new();
            for i in 0..args.len() {
                out.push_str(&string(i));
            }
            own(out)
        }
        Func::Join => {
            let sep = string(0);
            let parts: Vec<Cow<'_, str>> = (1..args.len()).map(string).collect();
            own(parts.join(&sep))
        }
        Func::StringLength => Value::Num(current_or_arg(0).chars().count() as f64),
        Func::NormalizeSpace => {
            own(current_or_arg(0).split_whitespace().collect::<Vec<_>>().join(" "))
        }
        Func::Contains => Value::Bool(string(0).contains(&*string(1))),
        Func::StartsWith => Value::Bool(string(0).starts_with(&*string(1))),
        Func::EndsWith => Value::Bool(string(0).ends_with(&*string(1))),
        Func::Substr => {
            let s = string(0);
            let chars: Vec<char> = s.chars().collect();
            let len = chars.len() as i64;
            let to_index =
                |x: f64| if x.is_nan() { 0 } else { x.trunc().clamp(-1e15, 1e15) as i64 };
            let mut start = to_index(num(1));
            let mut end = if args.len() > 2 { to_index(num(2)) } else { len };
            if start < 0 {
                start += len;
            }
            if end < 0 {
                end += len;
            }
            let (start, end) = (start.clamp(0, len) as usize, end.clamp(0, len) as usize);
            own(if start <= end { chars[start..end].iter().collect() } else { String::new() })
        }
        Func::SubstringBefore => {
            let (s, t) = (string(0), string(1));
            own(s.find(&*t).map_or(String::new(), |i| s[..i].to_owned()))
        }
        Func::SubstringAfter => {
            let (s, t) = (string(0), string(1));
            own(s.find(&*t).map_or(String::new(), |i| s[i + t.len()..].to_owned()))
        }
        Func::Translate => {
            let (s, from, to) = (string(0), string(1), string(2));
            let from: Vec<char> = from.chars().collect();
            let to: Vec<char> = to.chars().collect();
            own(s
                .chars()
                .filter_map(|c| match from.iter().position(|&f| f == c) {
                    None => Some(c),
                    Some(i) => to.get(i).copied(),
                })
                .collect())
        }
        Func::Regex => {
            let pattern = crate::form::anchored_pattern(&string(1));
            Value::Bool(regex_lite::Regex::new(&pattern).is_ok_and(|re| re.is_match(&string(0))))
        }
        Func::Selected | Func::IsSelected => {
            let (set, v) = (string(0), string(1));
            let v = v.trim();
            Value::Bool(!v.is_empty() && set.split(' ').any(|s| s == v))
        }
        Func::CountSelected => {
            Value::Num(string(0).split(' ').filter(|s| !s.is_empty()).count() as f64)
        }
        Func::SelectedAt => {
            let i = num(1);
            let s = string(0);
            let pick = if i.is_nan() || i < 0.0 {
                None
            } else {
                s.split(' ').filter(|s| !s.is_empty()).nth(i as usize)
            };
            own(pick.unwrap_or("").to_owned())
        }
        Func::Today => Value::Date(env.now.date()),
        Func::Now => Value::DateTime(env.now),
        Func::Date => to_date(eval(env, ctx, &args[0])).map_or(EMPTY, Value::Date),
        Func::DateTime => to_datetime(eval(env, ctx, &args[0])).map_or(EMPTY, Value::DateTime),
        Func::DecimalDateTime => match eval(env, ctx, &args[0]) {
            Value::Num(n) => Value::Num(n),
            other => to_datetime(other)
                .map_or(EMPTY, |d| Value::Num(d.utc_millis() as f64 / DAY_MS as f64)),
        },
        Func::DecimalTime => match eval(env, ctx, &args[0]) {
            Value::Num(n) => Value::Num(n - n.floor()),
            Value::Time(t) => Value::Num(t.fraction()),
            Value::Str(s) => match Time::parse(&s) {
                Some(t) => Value::Num(t.fraction()),
                None => DateTime::parse(&s)
                    .map_or(EMPTY, |d| Value::Num(f64::from(d.millis_of_day()) / DAY_MS as f64)),
            },
            other => to_datetime(other)
                .map_or(EMPTY, |d| Value::Num(f64::from(d.millis_of_day()) / DAY_MS as f64)),
        },
        Func::FormatDate | Func::FormatDateTime => {
            let pattern = string(1);
            match eval(env, ctx, &args[0]) {
                Value::Time(t) => own(format(i64::from(t.millis), &pattern)),
                other => {
                    to_datetime(other).map_or(EMPTY, |d| own(format(d.local_millis, &pattern)))
                }
            }
        }
        Func::IdBirthDate => id_birth_date(&string(0)).map_or(EMPTY, Value::Date),
        Func::IdSex => match id_digits(&string(0)) {
            Some(b) => own(if (b[16] - b'0') % 2 == 1 { "male" } else { "female" }.to_owned()),
            None => EMPTY,
        },
        // Scalar forms of the aggregates (several plain arguments).
        Func::Min | Func::Max => {
            let mut best = f64::NAN;
            for i in 0..args.len() {
                let x = num(i);
                if !x.is_nan()
                    && (best.is_nan()
                        || (func == Func::Min && x < best)
                        || (func == Func::Max && x > best))
                {
                    best = x;
                }
            }
            Value::Num(best)
        }
        // The checker compiles these to other nodes; reaching here means a bug, and the
        // engine's promise is an empty value rather than a panic.
        Func::Count
        | Func::CountNonEmpty
        | Func::Sum
        | Func::Position
        | Func::ChoiceName
        | Func::Current
        | Func::Pulldata
        | Func::IndexedRepeat => EMPTY,
    }
}

/// The first 17 characters of a resident ID number, when they are digits with a valid
/// date, and the whole is 18 characters (the check character is not verified here).
fn id_digits(id: &str) -> Option<&[u8]> {
    let b = id.as_bytes();
    (b.len() == 18 && b[..17].iter().all(u8::is_ascii_digit) && id_birth_date(id).is_some())
        .then_some(b)
}

/// The birth date encoded in characters 7–14 of a resident ID number.
pub(crate) fn id_birth_date(id: &str) -> Option<Date> {
    let b = id.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| id[r].parse::<u32>().ok();
    Date::from_ymd(i64::from(n(6..10)?), n(10..12)?, n(12..14)?)
}

fn to_date(v: Value<'_>) -> Option<Date> {
    match v {
        Value::Date(d) => Some(d),
        Value::DateTime(d) => Some(d.date()),
        Value::Num(n) if n.is_finite() && n.abs() < 1e8 => Some(Date(n.trunc() as i32)),
        Value::Str(s) => Date::parse(&s).or_else(|| DateTime::parse(&s).map(DateTime::date)),
        _ => None,
    }
}

fn to_datetime(v: Value<'_>) -> Option<DateTime> {
    match v {
        Value::DateTime(d) => Some(d),
        Value::Date(d) => Some(DateTime { local_millis: i64::from(d.0) * DAY_MS, offset: None }),
        Value::Num(n) if n.is_finite() && n.abs() < 1e8 => {
            Some(DateTime { local_millis: (n * DAY_MS as f64) as i64, offset: None })
        }
        Value::Str(s) => DateTime::parse(&s),
        _ => None,
    }
}

/// `round(x, places)` as JavaRosa computes it: on the shortest decimal form of `x`,
/// halves rounding towards positive infinity; NaN for more than 30 places either way.
pub(crate) fn round(x: f64, places: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    if places.is_nan() || !(-30.0..=30.0).contains(&places.trunc()) {
        return f64::NAN;
    }
    let places = places.trunc() as i32;
    if places < 0 {
        let scale = 10f64.powi(-places);
        return ((x / scale) + 0.5).trunc() * scale;
    }
    let (digits, exp10) = super::value::decimal(x);
    let exponent = exp10 - 1;
    // x = 0.d1d2d3… × 10^(exponent + 1); keep `keep` digits.
    let keep = exponent + 1 + places;
    if keep < 0 {
        return 0.0;
    }
    let keep = keep as usize;
    if keep >= digits.len() {
        return x;
    }
    let dropped = &digits[keep..];
    let half = dropped[0] == 5 && dropped[1..].iter().all(|&d| d == 0);
    let up = if x < 0.0 { dropped[0] > 5 || (dropped[0] == 5 && !half) } else { dropped[0] >= 5 };
    let mut kept: Vec<u8> = digits[..keep].to_vec();
    let mut magnitude_exp = exponent;
    if up {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, 1);
                magnitude_exp += 1;
                break;
            }
            i -= 1;
            if kept[i] == 9 {
                kept[i] = 0;
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    if kept.is_empty() {
        return 0.0;
    }
    let body: String = kept.iter().map(|d| char::from(b'0' + d)).collect();
    let value =
        super::math::decimal(&format!("0.{body}e{}", magnitude_exp + 1)).unwrap_or(f64::NAN);
    if x < 0.0 { -value } else { value }
}

/// A template's text in every language, with the values it shows from `ctx`.
pub(crate) fn render(env: &Env<'_>, ctx: &Ctx<'_>, template: &Template) -> Text {
    let mut out = crate::schema::Translations::default();
    for (lang, segments) in &template.languages {
        let mut text = String::new();
        for segment in segments {
            match segment {
                Segment::Lit(s) => text.push_str(s),
                Segment::Ref(field) => text.push_str(&read(env, ctx, *field).to_str()),
            }
        }
        out.insert(lang, &text);
    }
    match out.get("") {
        Some(plain) if out.iter().count() == 1 => Text::Plain(plain.to_owned()),
        _ => Text::PerLanguage(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_like_javarosa() {
        let cases = [
            (2.5, 0.0, 3.0),
            (-2.5, 0.0, -2.0),
            (2.675, 2.0, 2.68),
            (1.005, 2.0, 1.01),
            (-1.005, 2.0, -1.0),
            (-1.006, 2.0, -1.01),
            (9.995, 2.0, 10.0),
            (0.4, 0.0, 0.0),
            (0.5, 0.0, 1.0),
            (1234.5, -2.0, 1200.0),
            (1250.0, -2.0, 1300.0),
            (12.0, 5.0, 12.0),
            (0.000_123, 2.0, 0.0),
        ];
        for (x, p, want) in cases {
            assert_eq!(round(x, p), want, "round({x}, {p})");
        }
        assert!(round(1.0, 31.0).is_nan());
    }

    #[test]
    fn reads_birth_dates_from_id_numbers() {
        assert_eq!(id_birth_date("430124201503071234").unwrap().to_string(), "2015-03-07");
        assert!(id_birth_date("430124201502301234").is_none());
        assert!(id_birth_date("43012420150307123").is_none());
    }
}
