//! Recomputing graph nodes (relevance and calculated values) for the rows of one
//! scope under a row-path prefix.

use super::{Cell, Instance, Stored};
use crate::expr::DateTime;
use crate::expr::eval::{Ctx, Env, eval};
use crate::form::{FieldId, Form, NodeKind, ScopeId};
use crate::response::Meta;

/// What relevance and calculations need besides the answers.
#[derive(Debug, Clone)]
pub(crate) struct Clock {
    /// `now()`; `today()` is its date.
    pub(crate) now: DateTime,
    /// Language for `jr:choice-name()`.
    pub(crate) lang: String,
}

/// The longest common prefix of two row paths.
pub(crate) fn common_prefix(a: &[u32], b: &[u32]) -> Vec<u32> {
    a.iter().zip(b).take_while(|(x, y)| x == y).map(|(x, _)| *x).collect()
}

/// Recomputes `kind` of `field` for every row of its scope under `prefix`. Returns the
/// common prefix of the rows whose result changed, or `None` if none did.
///
/// `shown` says the field's relevance changed in those rows: then a value node changed
/// for its readers wherever it holds a value, even if the value itself is the same
/// (what they read went from the value to empty, or back).
pub(crate) fn compute(
    form: &Form,
    inst: &mut Instance,
    clock: &Clock,
    field: FieldId,
    kind: NodeKind,
    prefix: &[u32],
    shown: bool,
) -> Option<Vec<u32>> {
    let f = form.field(field);
    if f.scope == ScopeId::ROOT {
        return compute_root(form, inst, clock, field, kind, shown);
    }
    match kind {
        NodeKind::Rel => {
            let updates = {
                let env = Env { form, inst, now: clock.now, lang: &clock.lang };
                let mut updates: Vec<(Vec<u32>, bool)> = Vec::new();
                inst.for_each_row(form, f.scope, prefix, &mut |path, row| {
                    let Some(ctx) = Ctx::new(&env, f.scope, path) else { return };
                    let parent_relevant = match f.parent {
                        None => true,
                        Some(p) => {
                            let pf = form.field(p);
                            if pf.scope == f.scope {
                                row.relevant[pf.slot]
                            } else {
                                // `p` is the repeat this row belongs to: its relevance lives in
                                // the enclosing row.
                                inst.row(form, pf.scope, &path[..path.len() - 1])
                                    .is_some_and(|r| r.relevant[pf.slot])
                            }
                        }
                    };
                    let relevant = parent_relevant
                        && f.relevant.as_ref().is_none_or(|n| eval(&env, &ctx, n).to_bool());
                    if relevant != row.relevant[f.slot] {
                        updates.push((path.to_vec(), relevant));
                    }
                });
                updates
            };
            apply(form, inst, field, updates, |row, slot, v| row.relevant[slot] = v)
        }
        NodeKind::Val => {
            if let Some(calculation) = &f.calculation {
                let updates = {
                    let env = Env { form, inst, now: clock.now, lang: &clock.lang };
                    let mut updates: Vec<(Vec<u32>, Cell)> = Vec::new();
                    inst.for_each_row(form, f.scope, prefix, &mut |path, row| {
                        let Some(ctx) = Ctx::new(&env, f.scope, path) else { return };
                        let ctx = ctx.with_current(field);
                        let cell = Stored::from_value(eval(&env, &ctx, calculation))
                            .map_or(Cell::Empty, Cell::Val);
                        if cell != row.cells[f.slot] {
                            updates.push((path.to_vec(), cell));
                        }
                    });
                    updates
                };
                let changed = apply(form, inst, field, updates, |row, slot, v| row.cells[slot] = v);
                if changed.is_none() && shown {
                    let mut answered = false;
                    inst.for_each_row(form, f.scope, prefix, &mut |_, row| {
                        answered |= row.cells[f.slot].is_answered();
                    });
                    return answered.then(|| prefix.to_vec());
                }
                changed
            } else if f.row_scope.is_some() || f.meta.is_some() {
                // Rows and meta values are set from outside; the node is scheduled when
                // they (or the relevance they show through) changed.
                Some(prefix.to_vec())
            } else {
                // An answer shows through its relevance: readers see a change only where
                // there is an answer (an empty one reads as empty either way).
                let mut answered = false;
                inst.for_each_row(form, f.scope, prefix, &mut |_, row| {
                    answered |= row.cells[f.slot].is_answered();
                });
                answered.then(|| prefix.to_vec())
            }
        }
        NodeKind::Def | NodeKind::Cnt => None,
    }
}

/// `compute` for a field outside every repeat: one row, no paths to collect.
fn compute_root(
    form: &Form,
    inst: &mut Instance,
    clock: &Clock,
    field: FieldId,
    kind: NodeKind,
    shown: bool,
) -> Option<Vec<u32>> {
    let f = form.field(field);
    match kind {
        NodeKind::Rel => {
            let relevant = {
                let env = Env { form, inst, now: clock.now, lang: &clock.lang };
                let parent_relevant =
                    f.parent.is_none_or(|p| inst.root.relevant[form.field(p).slot]);
                parent_relevant
                    && f.relevant.as_ref().is_none_or(|n| {
                        Ctx::new(&env, ScopeId::ROOT, &[])
                            .is_some_and(|ctx| eval(&env, &ctx, n).to_bool())
                    })
            };
            let slot = &mut inst.root.relevant[f.slot];
            (*slot != relevant).then(|| {
                *slot = relevant;
                Vec::new()
            })
        }
        NodeKind::Val => {
            let Some(calculation) = &f.calculation else {
                // An answer shows through its relevance: what readers see changed only if
                // there is an answer (an empty one reads as empty either way). A repeat's
                // rows always count.
                let shows = f.row_scope.is_some()
                    || f.meta.is_some()
                    || inst.root.cells[f.slot].is_answered();
                return shows.then(Vec::new);
            };
            let cell = {
                let env = Env { form, inst, now: clock.now, lang: &clock.lang };
                let ctx = Ctx::new(&env, ScopeId::ROOT, &[])?.with_current(field);
                Stored::from_value(eval(&env, &ctx, calculation)).map_or(Cell::Empty, Cell::Val)
            };
            let slot = &mut inst.root.cells[f.slot];
            let changed = *slot != cell;
            *slot = cell;
            (changed || (shown && slot.is_answered())).then(Vec::new)
        }
        NodeKind::Def | NodeKind::Cnt => None,
    }
}

fn apply<T>(
    form: &Form,
    inst: &mut Instance,
    field: FieldId,
    updates: Vec<(Vec<u32>, T)>,
    set: impl Fn(&mut super::Row, usize, T),
) -> Option<Vec<u32>> {
    let f = form.field(field);
    let mut changed: Option<Vec<u32>> = None;
    for (path, value) in updates {
        if let Some(row) = inst.row_mut(form, f.scope, &path) {
            set(row, f.slot, value);
        }
        changed = Some(match changed {
            None => path,
            Some(c) => common_prefix(&c, &path),
        });
    }
    changed
}

/// Sets every `meta` item's value from the response's metadata.
pub(crate) fn fill_meta(form: &Form, inst: &mut Instance, meta: &Meta, clock: &Clock) {
    use crate::schema::MetaKind;
    let end = meta
        .submitted_at
        .as_deref()
        .or(meta.updated_at.as_deref())
        .and_then(DateTime::parse)
        .unwrap_or(clock.now);
    for (id, f) in form.fields() {
        let Some(kind) = f.meta else { continue };
        let value = match kind {
            MetaKind::Start => {
                meta.started_at.as_deref().and_then(DateTime::parse).map(Stored::DateTime)
            }
            MetaKind::End => Some(Stored::DateTime(end)),
            MetaKind::Today => Some(Stored::Date(end.date())),
            MetaKind::Deviceid => meta.device_id.clone().map(Stored::Text),
            MetaKind::Username => meta.enumerator.clone().map(Stored::Text),
            MetaKind::Phonenumber => None,
        };
        let cell = value.map_or(Cell::Empty, Cell::Val);
        let mut paths = Vec::new();
        inst.for_each_row(form, f.scope, &[], &mut |p, _| paths.push(p.to_vec()));
        for p in paths {
            if let Some(row) = inst.row_mut(form, f.scope, &p) {
                row.cells[f.slot] = cell.clone();
            }
        }
        let _ = id;
    }
}
