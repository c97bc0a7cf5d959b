//! The per-answer rules: type, required, bounds, lengths, patterns, choices,
//! selections, identifiers, locations, repeat rows and constraints.

use std::collections::HashSet;

use super::{Problem, Report, RowPath};
use crate::Code;
use crate::expr::eval::{Ctx, Env, eval, render};
use crate::expr::{DateTime, num_to_string};
use crate::form::{Bound, Cond, Field, FieldId, Form, Loc, ScopeId};
use crate::instance::{Cell, Clock, Instance, Row, Stored};
use crate::response::{Status, preview, shorten};
use crate::schema::{Choice, ItemType};

pub(super) fn check_all(
    form: &Form,
    inst: &Instance,
    clock: &Clock,
    status: Status,
    report: &mut Report,
) {
    let env = Env { form, inst, now: clock.now, lang: &clock.lang };
    let mut path = RowPath::root();
    walk(&env, ScopeId::ROOT, &inst.root, &[], &mut path, status, report);
}

fn walk<'a>(
    env: &Env<'a>,
    scope: ScopeId,
    row: &'a Row,
    indices: &[u32],
    path: &mut RowPath,
    status: Status,
    report: &mut Report,
) {
    let form = env.form;
    let Some(ctx) = Ctx::new(env, scope, indices) else { return };
    for (slot, &id) in form.scope(scope).fields.iter().enumerate() {
        let f = form.field(id);
        let cell = &row.cells[slot];
        if form.is_computed(id) {
            let value =
                if row.relevant[slot] { cell.value().to_json() } else { serde_json::Value::Null };
            report.values.insert(path.display(form, &f.name), value);
            continue;
        }
        if !row.relevant[slot] {
            if cell.is_answered() {
                report.cleared.push(path.display(form, &f.name));
            }
            continue;
        }
        let first_new = report.problems.len();
        match f.kind {
            ItemType::Group | ItemType::Note | ItemType::Matrix => {}
            ItemType::Repeat => {
                check_rows(env, &ctx, id, f, cell, path, status, report);
                locate_new(report, first_new, id, path);
                let rows = row.rows(slot);
                let row_scope = f.row_scope.expect("repeats have a row scope");
                let mut child = indices.to_vec();
                for (i, r) in rows.iter().enumerate() {
                    path.push(id, i as u32);
                    child.push(i as u32);
                    walk(env, row_scope, r, &child, path, status, report);
                    child.pop();
                    path.pop();
                }
            }
            _ => {
                check_answer(env, &ctx.with_current(id), id, f, cell, path, status, report);
                locate_new(report, first_new, id, path);
            }
        }
    }
}

/// Gives the problems kept since `first_new` (all about field `id` in the row at `path`)
/// their location.
fn locate_new(report: &mut Report, first_new: usize, id: FieldId, path: &RowPath) {
    if let Some(new) = report.problems.get_mut(first_new..)
        && !new.is_empty()
    {
        let loc = Loc::new(id, path.indices());
        for p in new {
            p.loc = Some(loc.clone());
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn check_rows(
    env: &Env<'_>,
    ctx: &Ctx<'_>,
    id: FieldId,
    f: &Field,
    cell: &Cell,
    path: &RowPath,
    status: Status,
    report: &mut Report,
) {
    let here = path.display(env.form, &f.name);
    let count = match cell {
        Cell::Rows(rows) => rows.len() as u32,
        Cell::Bad(v) => {
            report.push(
                Problem::new(Code::Type, here)
                    .with("expected", expected(f.kind))
                    .with("value", preview(v, 100)),
            );
            return;
        }
        _ => 0,
    };
    // Rows past the ceiling were not read: one problem for them all.
    if !env.inst.overflow.is_empty()
        && let Some(given) = env.inst.rows_given(id, &path.indices())
    {
        report.push(
            Problem::new(Code::Count, here)
                .with("of", "rows")
                .with("max", f.rules.allowed_rows())
                .with("count", given),
        );
        return;
    }
    let complete = status == Status::Complete;
    if let Some(node) = &f.repeat_count {
        let n = eval(env, ctx, node).to_num();
        if n.is_finite() && n >= 0.0 {
            let n = n.trunc() as u32;
            if count > n || (complete && count < n) {
                report.push(
                    Problem::new(Code::Count, here)
                        .with("of", "rows")
                        .with("min", n)
                        .with("max", n),
                );
            }
            return;
        }
    }
    let r = &f.rules;
    let too_few = r.min_rows.is_some_and(|min| complete && count < min);
    let too_many = count > r.allowed_rows();
    if too_few || too_many {
        let mut p = Problem::new(Code::Count, here).with("of", "rows");
        if too_few {
            p = p.with("min", r.min_rows.unwrap_or(0));
        } else {
            p = p.with("max", r.allowed_rows()).with("count", count);
        }
        report.push(p);
    }
}

fn expected(kind: ItemType) -> &'static str {
    use ItemType as T;
    match kind {
        T::Integer => "integer",
        T::Decimal | T::Range | T::Rating => "number",
        T::SelectOne | T::Likert => "choice",
        T::SelectMultiple | T::Rank => "choices",
        T::Date => "date",
        T::Time => "time",
        T::Datetime => "datetime",
        T::Geopoint => "geopoint",
        T::Acknowledge => "acknowledge",
        T::Repeat => "rows",
        T::Image | T::Signature | T::Draw | T::File | T::Audio => "attachment",
        _ => "text",
    }
}

fn condition(env: &Env<'_>, ctx: &Ctx<'_>, cond: &Cond) -> bool {
    match cond {
        Cond::Never => false,
        Cond::Always => true,
        Cond::When(node) => eval(env, ctx, node).to_bool(),
    }
}

#[allow(clippy::too_many_arguments)]
fn check_answer(
    env: &Env<'_>,
    ctx: &Ctx<'_>,
    id: FieldId,
    f: &Field,
    cell: &Cell,
    path: &RowPath,
    status: Status,
    report: &mut Report,
) {
    let here = || path.display(env.form, &f.name);
    let stored = match cell {
        Cell::Bad(v) => {
            let shown = match v {
                serde_json::Value::String(s) => shorten(s, 100),
                other => preview(other, 100),
            };
            let problem = if f.kind.is_attachment() {
                Problem::new(Code::AttachmentFormat, here())
            } else {
                Problem::new(Code::Type, here()).with("expected", expected(f.kind))
            };
            report.push(problem.with("value", shown));
            return;
        }
        Cell::Val(s) => s,
        Cell::Empty | Cell::Rows(_) => {
            if status == Status::Complete && condition(env, ctx, &f.required) {
                let mut p = Problem::new(Code::Required, here());
                p.custom_message = f.required_message.as_ref().map(|t| render(env, ctx, t));
                report.push(p);
            }
            return;
        }
    };
    let mut push = |p: Problem| report.push(p);
    check_value(env, ctx, id, f, stored, &here, &mut push);
    for (i, (node, message)) in f.constraints.iter().enumerate() {
        if !eval(env, ctx, node).to_bool() {
            let mut p = Problem::new(Code::Constraint, here()).with("index", i);
            p.custom_message = message.as_ref().map(|t| render(env, ctx, t));
            report.push(p);
        }
    }
}

fn bound_text(b: Bound, env: &Env<'_>) -> String {
    b.display(env.now.date(), env.now)
}

fn range_problem(here: String, f: &Field, env: &Env<'_>) -> Problem {
    let mut p = Problem::new(Code::Range, here);
    if let Some(min) = f.rules.min {
        p = p.with("min", bound_text(min, env));
    }
    if let Some(max) = f.rules.max {
        p = p.with("max", bound_text(max, env));
    }
    p
}

/// Compares a value with a bound: `Some(Ordering)` of value vs bound.
fn compare(value: &Stored, bound: Bound, env: &Env<'_>) -> Option<std::cmp::Ordering> {
    let today = env.now.date();
    match (value, bound) {
        (Stored::Num(n), Bound::Number(b)) => n.partial_cmp(&b),
        (Stored::Date(d), b) => b.date(today).map(|bd| d.cmp(&bd)),
        (Stored::Time(t), Bound::Time(b)) => Some(t.millis.cmp(&b.millis)),
        (Stored::DateTime(dt), b) => {
            let bound_ms = match b {
                // A bound written without an offset is a time where the response was
                // made, as relative bounds are.
                Bound::DateTime(x) => {
                    DateTime { offset: x.offset.or(env.now.offset), ..x }.utc_millis()
                }
                Bound::Now => env.now.utc_millis(),
                other => DateTime {
                    local_millis: i64::from(other.date(today)?.0) * crate::expr::DAY_MS,
                    offset: env.now.offset,
                }
                .utc_millis(),
            };
            Some(dt.utc_millis().cmp(&bound_ms))
        }
        _ => None,
    }
}

/// Whether `name` may be chosen here; if not, the choice the filter left out, or
/// `None` for a name not in the list.
fn choice_allowed<'a>(
    env: &Env<'a>,
    ctx: &Ctx<'_>,
    f: &Field,
    name: &str,
) -> Result<(), Option<&'a Choice>> {
    let Some(list) = f.choices.map(|i| &env.form.choice_lists()[i]) else { return Ok(()) };
    let Some(choice) = list.get(name) else { return Err(None) };
    let Some(filter) = &f.choice_filter else { return Ok(()) };
    let offered = |choice: &Choice| {
        let mut c = *ctx;
        c.choice = Some(choice);
        eval(env, &c, filter).to_bool()
    };
    // A name a cascade repeats (one village name in two townships) is allowed when
    // any of its choices is offered.
    if offered(choice)
        || list.choices.iter().any(|c| c.name == name && !std::ptr::eq(c, choice) && offered(c))
    {
        return Ok(());
    }
    Err(Some(choice))
}

fn check_value(
    env: &Env<'_>,
    ctx: &Ctx<'_>,
    id: FieldId,
    f: &Field,
    stored: &Stored,
    here: &dyn Fn() -> String,
    push: &mut dyn FnMut(Problem),
) {
    use ItemType as T;
    let rules = &f.rules;
    match (f.kind, stored) {
        (T::Integer | T::Decimal | T::Range | T::Date | T::Time | T::Datetime, v) => {
            let low = rules.min.and_then(|b| compare(v, b, env)) == Some(std::cmp::Ordering::Less);
            let high =
                rules.max.and_then(|b| compare(v, b, env)) == Some(std::cmp::Ordering::Greater);
            if low || high {
                push(range_problem(here(), f, env));
            } else if let (T::Range, Stored::Num(n), Some(step)) = (f.kind, v, rules.step) {
                let base = match rules.min {
                    Some(Bound::Number(m)) => m,
                    _ => 0.0,
                };
                let k = (n - base) / step;
                if (k - k.round()).abs() > 1e-9 {
                    push(
                        Problem::new(Code::Range, here())
                            .with("min", num_to_string(base))
                            .with("step", num_to_string(step)),
                    );
                }
            }
        }
        (T::Rating, Stored::Num(n)) => {
            let scale = f64::from(rules.scale.unwrap_or(5));
            if n.fract() != 0.0 || *n < 1.0 || *n > scale {
                push(Problem::new(Code::Range, here()).with("min", 1).with("max", scale as u32));
            }
        }
        (T::Text, Stored::Text(s)) => {
            let len = s.chars().count() as u32;
            let short = rules.min_length.is_some_and(|m| len < m);
            let long = rules.max_length.is_some_and(|m| len > m);
            if short || long {
                let mut p = Problem::new(Code::Length, here()).with("length", len);
                if let Some(m) = rules.min_length {
                    p = p.with("min", m);
                }
                if let Some(m) = rules.max_length {
                    p = p.with("max", m);
                }
                push(p);
            }
            if let Some(re) = &rules.pattern
                && !re.is_match(s)
            {
                push(Problem::new(Code::Pattern, here()));
            }
        }
        (T::SelectOne | T::Likert, Stored::Text(s)) => {
            if let Err(filtered) = choice_allowed(env, ctx, f, s) {
                push(not_allowed(Problem::new(Code::Choice, here()), s, filtered));
            }
        }
        (T::SelectMultiple | T::Rank, Stored::Choices { items, .. }) => {
            let mut seen = HashSet::new();
            for name in items {
                if !seen.insert(name.as_str()) {
                    push(
                        Problem::new(Code::Choice, here())
                            .with("value", shorten(name, 100))
                            .with("reason", "duplicate"),
                    );
                } else if let Err(filtered) = choice_allowed(env, ctx, f, name) {
                    push(not_allowed(Problem::new(Code::Choice, here()), name, filtered));
                }
            }
            let list = env.form.choices_of(id);
            if f.kind == T::SelectMultiple {
                if items.len() > 1
                    && let Some(exclusive) = items
                        .iter()
                        .find_map(|n| list.and_then(|l| l.get(n)).filter(|c| c.exclusive))
                {
                    let problem = Problem::new(Code::Exclusive, here());
                    push(with_label(problem.with("choice", exclusive.name.as_str()), exclusive));
                }
                let n = items.len() as u32;
                let few = rules.min_selected.is_some_and(|m| n < m);
                let many = rules.max_selected.is_some_and(|m| n > m);
                if few || many {
                    let mut p = Problem::new(Code::Count, here()).with("of", "selections");
                    if let Some(m) = rules.min_selected {
                        p = p.with("min", m);
                    }
                    if let Some(m) = rules.max_selected {
                        p = p.with("max", m);
                    }
                    push(p);
                }
            } else if let Some(list) = list {
                let offered: Vec<&str> = list
                    .choices
                    .iter()
                    .filter(|c| choice_allowed(env, ctx, f, &c.name).is_ok())
                    .map(|c| c.name.as_str())
                    .collect();
                let complete =
                    offered.len() == items.len() && offered.iter().all(|o| seen.contains(o));
                if !complete {
                    push(Problem::new(Code::Rank, here()));
                }
            }
        }
        (T::Phone, Stored::Text(s)) if !super::check_phone(s) => {
            push(Problem::new(Code::Phone, here()).with("value", shorten(s, 100)));
        }
        (T::IdNumber, Stored::Text(s)) => {
            if let Err(reason) = super::check_id_number(s, env.now.date()) {
                push(Problem::new(Code::IdNumber, here()).with("reason", reason));
            }
        }
        (T::Email, Stored::Text(s)) if !super::is_email(s) => {
            push(Problem::new(Code::Email, here()).with("value", shorten(s, 100)));
        }
        (kind, Stored::File(a)) if kind.is_attachment() => {
            use crate::response::attachment::{MAX_SIZE, PICTURE_TYPES, media_type_fits};
            if a.size > MAX_SIZE {
                push(
                    Problem::new(Code::AttachmentTooLarge, here())
                        .with("file", a.file.as_str())
                        .with("size", a.size)
                        .with("max", MAX_SIZE),
                );
            }
            if !media_type_fits(kind, &rules.accept, &a.media_type, &a.file) {
                let accept = if kind.is_picture() {
                    PICTURE_TYPES.join(", ")
                } else {
                    rules.accept.join(", ")
                };
                push(
                    Problem::new(Code::AttachmentMediaType, here())
                        .with("file", a.file.as_str())
                        .with("media_type", a.media_type.as_str())
                        .with("accept", accept),
                );
            }
        }
        (T::Geopoint, Stored::Geo { lat, lon, accuracy, .. }) => {
            let accuracy_bad = accuracy.is_some_and(|a| a.is_nan() || a < 0.0);
            if !(-90.0..=90.0).contains(lat) || !(-180.0..=180.0).contains(lon) || accuracy_bad {
                push(Problem::new(Code::Geopoint, here()));
            } else if let (Some(max), Some(acc)) = (rules.max_accuracy, accuracy)
                && *acc > max
            {
                push(
                    Problem::new(Code::Geopoint, here())
                        .with("reason", "accuracy")
                        .with("accuracy", num_to_string(*acc))
                        .with("max_accuracy", num_to_string(max)),
                );
            }
        }
        _ => {}
    }
}

/// `problem` with the choice's label in Tianye's two message languages (`label_zh`,
/// `label_en`): a message shows the words the volunteer saw, not the choice's code.
fn with_label(problem: Problem, choice: &Choice) -> Problem {
    problem
        .with("label_zh", choice.label.get("zh", "en"))
        .with("label_en", choice.label.get("en", "zh"))
}

/// A `choice` problem for `name`: not in the list, or `filtered` out here (then also
/// named by its label).
fn not_allowed(problem: Problem, name: &str, filtered: Option<&Choice>) -> Problem {
    let problem = problem.with("value", shorten(name, 100));
    match filtered {
        Some(choice) => with_label(problem.with("reason", "filtered"), choice),
        None => problem.with("reason", "unknown"),
    }
}
