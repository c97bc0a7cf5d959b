//! A response being filled in: answers change one at a time, and only what depends on
//! the change is recomputed (the form app calls this on every keystroke).
//!
//! Changes flow through the dependency graph in evaluation order. Each scheduled node
//! carries a row-path prefix: the rows of its scope under that prefix are recomputed,
//! and a node whose values did not change schedules nothing further. A property test
//! checks that the result always equals recomputing everything.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use serde_json::Value as Json;

use crate::expr::eval::{Ctx, Env, eval, render};
use crate::expr::{DateTime, Value};
pub use crate::form::Loc;
use crate::form::{Cond, FieldId, Form, NodeKind, ScopeId, Segment, graph_node, graph_split};
use crate::instance::{self, Cell, Clock, Instance, Reading, Row, common_prefix, compute};
use crate::response::{Answers, Meta, Status};
use crate::schema::{Choice, ItemType, Text};
use crate::validate::{Problem, Report};

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChangeKind {
    /// Whether the field is shown.
    Relevance,
    /// The field's value (an answer, a calculation, or the value it shows).
    Value,
    /// A repeat's rows were added or removed.
    Rows,
}

/// One change: `kind` of `field` in the rows under `rows` (a prefix: every row of the
/// field's scope whose path starts with it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Change {
    /// The field.
    pub field: FieldId,
    /// Row-path prefix of the rows affected.
    pub rows: Vec<u32>,
    /// What changed.
    pub kind: ChangeKind,
}

/// Rows a repeat count wants gone that still hold answers: the form app asks before
/// removing them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcessRows {
    /// The repeat, with the row path of the row holding it.
    pub repeat: Loc,
    /// How many rows the count asks for.
    pub wanted: u32,
    /// How many rows there are.
    pub present: u32,
}

/// The result of one edit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Everything recomputed that changed, in evaluation order.
    pub changes: Vec<Change>,
    /// Repeats with more rows holding answers than their count asks for.
    pub excess_rows: Vec<ExcessRows>,
}

/// Why an edit was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// There is no such row.
    #[error("no row {} for {field}", .rows.iter().map(u32::to_string).collect::<Vec<_>>().join("/"))]
    NoSuchRow {
        /// The field's name.
        field: String,
        /// The row path given.
        rows: Vec<u32>,
    },
    /// The field's value is computed, or it is a group, note or repeat.
    #[error("{0} takes no answer")]
    NotAnswerable(String),
    /// `add_row`/`remove_row` on something that is not a repeat.
    #[error("{0} is not a repeat")]
    NotARepeat(String),
    /// The repeat already has `max_rows` rows.
    #[error("{0} already has its most rows")]
    TooManyRows(String),
}

/// A response being filled in. See the module docs.
#[derive(Debug, Clone)]
pub struct Session {
    form: Arc<Form>,
    inst: Instance,
    clock: Clock,
    meta: Meta,
}

impl Session {
    /// Opens an existing response's answers (defaults are not applied: the answers are
    /// what they are). A form app keeps one session per open response: each answer set
    /// recomputes only what depends on it and says what changed.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use tianye_core::expr::DateTime;
    /// use tianye_core::{Answers, Form, Loc, Meta, Session};
    ///
    /// let form = Arc::new(Form::from_json(r#"{
    ///   "id": "visit", "version": "1", "title": "入户",
    ///   "items": [
    ///     {"type": "integer", "name": "age", "label": "年龄"},
    ///     {"type": "text", "name": "school", "label": "学校", "relevant": "${age} >= 6"}
    ///   ]
    /// }"#).unwrap());
    /// let now = DateTime::parse("2026-12-05T10:00:00+08:00").unwrap();
    /// let mut session = Session::open(Arc::clone(&form), &Answers::new(), Meta::default(), now);
    /// let (age, school) = (session.locate("age").unwrap(), session.locate("school").unwrap());
    /// assert!(!session.is_relevant(&school));
    /// session.set_answer(&age, &serde_json::json!(9)).unwrap();
    /// assert!(session.is_relevant(&school));
    /// assert_eq!(session.answer(&age), serde_json::json!(9));
    /// ```
    pub fn open(form: Arc<Form>, answers: &Answers, meta: Meta, now: DateTime) -> Session {
        let inst = instance::from_answers(&form, answers, Reading::All, &mut drop);
        let lang = form.default_language().to_owned();
        let mut session = Session { form, inst, clock: Clock { now, lang }, meta };
        session.recompute();
        session
    }

    /// Starts a new response: defaults applied, repeats given their counted or
    /// smallest number of rows.
    pub fn start(form: Arc<Form>, meta: Meta, now: DateTime) -> Session {
        let lang = form.default_language().to_owned();
        let inst = Instance::empty(&form);
        let mut session = Session { form, inst, clock: Clock { now, lang }, meta };
        // Meta first: a default may read it (`${username}` fills the enumerator's name,
        // as in ODK Collect).
        instance::fill_meta(&session.form, &mut session.inst, &session.meta, &session.clock);
        session.apply_defaults(ScopeId::ROOT, &[]);
        session.recompute();
        session.fill_rows(ScopeId::ROOT, &[]);
        session
    }

    fn recompute(&mut self) {
        instance::fill_meta(&self.form, &mut self.inst, &self.meta, &self.clock);
        self.form.compute_all(&mut self.inst, &self.clock);
    }

    /// The questionnaire.
    pub fn form(&self) -> &Arc<Form> {
        &self.form
    }

    /// Sets the language `jr:choice-name()` uses, recomputing what depends on it.
    pub fn set_language(&mut self, lang: &str) {
        if self.clock.lang != lang {
            lang.clone_into(&mut self.clock.lang);
            self.recompute();
        }
    }

    /// Moves the clock (`today()`, `now()`), recomputing everything.
    pub fn set_now(&mut self, now: DateTime) {
        if self.clock.now != now {
            self.clock.now = now;
            self.recompute();
        }
    }

    /// The response's metadata.
    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    fn row(&self, scope: ScopeId, rows: &[u32]) -> Option<&Row> {
        self.inst.row(&self.form, scope, rows)
    }

    fn check_loc(&self, loc: &Loc) -> Result<(), EditError> {
        let f = self.form.field(loc.field);
        if loc.rows.len() != self.form.scope(f.scope).depth
            || self.row(f.scope, &loc.rows).is_none()
        {
            return Err(EditError::NoSuchRow { field: f.name.clone(), rows: loc.rows.clone() });
        }
        Ok(())
    }

    /// Whether the item at `loc` is shown (it and every group around it are relevant).
    pub fn is_relevant(&self, loc: &Loc) -> bool {
        let f = self.form.field(loc.field);
        self.row(f.scope, &loc.rows).is_some_and(|r| r.relevant[f.slot])
    }

    /// The stored answer at `loc` as JSON (`null` when unanswered), whether or not it is
    /// relevant; for computed fields, the computed value.
    pub fn answer(&self, loc: &Loc) -> Json {
        let f = self.form.field(loc.field);
        match self.row(f.scope, &loc.rows).map(|r| &r.cells[f.slot]) {
            Some(Cell::Val(v)) => instance::stored_to_json(v),
            Some(Cell::Bad(v)) => v.clone(),
            _ => Json::Null,
        }
    }

    /// The value at `loc` as text, as labels show it (empty when not relevant).
    pub fn text(&self, loc: &Loc) -> String {
        self.inst.value(&self.form, loc.field, &loc.rows).to_str().into_owned()
    }

    /// The number of rows of the repeat at `loc` (`loc.rows` is the row holding it).
    pub fn row_count(&self, loc: &Loc) -> u32 {
        let f = self.form.field(loc.field);
        self.row(f.scope, &loc.rows).map_or(0, |r| r.rows(f.slot).len() as u32)
    }

    fn env(&self) -> Env<'_> {
        Env { form: &self.form, inst: &self.inst, now: self.clock.now, lang: &self.clock.lang }
    }

    fn with_ctx<T>(
        &self,
        scope: ScopeId,
        rows: &[u32],
        f: impl FnOnce(&Env<'_>, &Ctx<'_>) -> T,
    ) -> Option<T> {
        let env = self.env();
        let ctx = Ctx::new(&env, scope, rows)?;
        Some(f(&env, &ctx))
    }

    /// How many rows the repeat count of the repeat at `loc` asks for, if it has one
    /// and it gives a number.
    pub fn wanted_rows(&self, loc: &Loc) -> Option<u32> {
        let f = self.form.field(loc.field);
        let node = f.repeat_count.as_ref()?;
        let n = self.with_ctx(f.scope, &loc.rows, |env, ctx| eval(env, ctx, node).to_num())?;
        (n.is_finite() && n >= 0.0).then(|| n.min(10_000.0) as u32)
    }

    /// A text of the field at `loc` in `lang`, with its `${…}` values filled in.
    fn template_text(
        &self,
        loc: &Loc,
        lang: &str,
        pick: impl Fn(&crate::form::Field) -> Option<&crate::form::Template>,
        scope: ScopeId,
    ) -> Option<String> {
        let f = self.form.field(loc.field);
        let t = pick(f)?;
        let fallback = self.form.default_language();
        self.with_ctx(scope, &loc.rows, |env, ctx| {
            let mut out = String::new();
            for segment in t.get(lang, fallback) {
                match segment {
                    Segment::Lit(s) => out.push_str(s),
                    Segment::Ref(id) => {
                        out.push_str(&eval(env, ctx, &crate::form::Node::Field(*id)).to_str());
                    }
                }
            }
            out
        })
    }

    /// The label of the item at `loc` in `lang`, interpolated.
    pub fn label(&self, loc: &Loc, lang: &str) -> String {
        let scope = self.form.field(loc.field).scope;
        self.template_text(loc, lang, |f| f.label.as_ref(), scope).unwrap_or_default()
    }

    /// The hint of the item at `loc` in `lang`, interpolated.
    pub fn hint(&self, loc: &Loc, lang: &str) -> String {
        let scope = self.form.field(loc.field).scope;
        self.template_text(loc, lang, |f| f.hint.as_ref(), scope).unwrap_or_default()
    }

    /// The title of row `loc.rows` of the repeat `loc.field` (`loc.rows` includes the
    /// row's own index), interpolated; `None` if the repeat has no `row_label`.
    pub fn row_label(&self, loc: &Loc, lang: &str) -> Option<String> {
        let scope = self.form.field(loc.field).row_scope?;
        self.template_text(loc, lang, |f| f.row_label.as_ref(), scope)
    }

    /// The choices offered at `loc`: the field's list, filtered by its choice filter.
    pub fn choices(&self, loc: &Loc) -> Vec<&Choice> {
        let f = self.form.field(loc.field);
        let Some(list) = self.form.choices_of(loc.field) else { return Vec::new() };
        let Some(filter) = &f.choice_filter else { return list.choices.iter().collect() };
        self.with_ctx(f.scope, &loc.rows, |env, ctx| {
            let ctx = ctx.with_current(loc.field);
            let offered = |c: &&Choice| {
                let mut ctx = ctx;
                ctx.choice = Some(c);
                eval(env, &ctx, filter).to_bool()
            };
            // A cascade (`township = ${township}`) tries only the choices of the
            // township chosen; a key that is not a string (a number, compared as
            // numbers) tries them all.
            if let Some(index) = &f.choice_index
                && let Value::Str(key) = eval(env, &ctx, index.key(filter))
            {
                return index
                    .positions(&key)
                    .iter()
                    .map(|&i| &list.choices[i as usize])
                    .filter(offered)
                    .collect();
            }
            list.choices.iter().filter(offered).collect()
        })
        .unwrap_or_default()
    }

    fn cond(&self, loc: &Loc, cond: &Cond) -> bool {
        match cond {
            Cond::Never => false,
            Cond::Always => true,
            Cond::When(node) => {
                let scope = self.form.field(loc.field).scope;
                self.with_ctx(scope, &loc.rows, |env, ctx| {
                    eval(env, &ctx.with_current(loc.field), node).to_bool()
                })
                .unwrap_or(false)
            }
        }
    }

    /// Whether an answer at `loc` is required now.
    pub fn is_required(&self, loc: &Loc) -> bool {
        self.cond(loc, &self.form.field(loc.field).required)
    }

    /// Whether the answer at `loc` cannot be changed now (read-only, or computed).
    pub fn is_read_only(&self, loc: &Loc) -> bool {
        self.form.is_computed(loc.field) || self.cond(loc, &self.form.field(loc.field).read_only)
    }

    /// The path problems use for `loc`: `member[2].m_dob`.
    pub fn path(&self, loc: &Loc) -> String {
        let f = self.form.field(loc.field);
        let mut path = crate::validate::RowPath::root();
        let mut scope = f.scope;
        let mut repeats = Vec::new();
        while let Some(r) = self.form.scope(scope).repeat {
            repeats.push(r);
            scope = self.form.scope(scope).parent.unwrap_or(ScopeId::ROOT);
        }
        for (repeat, index) in repeats.into_iter().rev().zip(&loc.rows) {
            path.push(repeat, *index);
        }
        path.display(&self.form, &f.name)
    }

    /// The place a problem path names (`member[2].m_dob`), if it exists.
    pub fn locate(&self, path: &str) -> Option<Loc> {
        let mut parts: Vec<&str> = path.split("].").collect();
        let leaf = parts.pop()?;
        let mut rows = Vec::new();
        for part in parts {
            let (_, index) = part.rsplit_once('[')?;
            rows.push(index.parse().ok()?);
        }
        let (name, own_row) = match leaf.strip_suffix(']').and_then(|l| l.rsplit_once('[')) {
            // A path ending in a row (`member[2]`): the repeat, in that row's holder.
            Some((name, index)) => (name, Some(index.parse::<u32>().ok()?)),
            None => (leaf, None),
        };
        let field = self.form.lookup(name)?;
        let _ = own_row;
        let loc = Loc::new(field, rows);
        self.check_loc(&loc).ok().map(|()| loc)
    }

    /// The problems of the answer at `loc` (what the form app shows next to it).
    pub fn problems_at(&self, loc: &Loc, status: Status) -> Vec<Problem> {
        let mut report = self.report(status);
        report.problems.retain(|p| p.loc.as_ref() == Some(loc));
        report.problems
    }

    /// The full verdict on the response as it stands.
    pub fn report(&self, status: Status) -> Report {
        let mut report = Report::new(usize::MAX);
        crate::validate::check_instance(&self.form, &self.inst, &self.clock, status, &mut report);
        report.answers = self.form.clean_answers(&self.inst);
        report
    }

    /// Every stored answer, relevant or not (nothing typed is ever dropped), without
    /// computed values: what the form app saves.
    pub fn answers(&self) -> Answers {
        self.row_json(&self.inst.root, ScopeId::ROOT)
    }

    fn row_json(&self, row: &Row, scope: ScopeId) -> Answers {
        let mut out = Answers::new();
        for (slot, &id) in self.form.scope(scope).fields.iter().enumerate() {
            let f = self.form.field(id);
            if self.form.is_computed(id) {
                continue;
            }
            match (&row.cells[slot], f.row_scope) {
                (Cell::Val(v), _) => {
                    out.insert(f.name.clone(), instance::stored_to_json(v));
                }
                (Cell::Bad(v), _) => {
                    out.insert(f.name.clone(), v.clone());
                }
                (Cell::Rows(rows), Some(rs)) if !rows.is_empty() => {
                    let rows = rows.iter().map(|r| Json::Object(self.row_json(r, rs))).collect();
                    out.insert(f.name.clone(), Json::Array(rows));
                }
                _ => {}
            }
        }
        out
    }

    /// Sets the answer at `loc` (`null` clears it). A badly typed value is kept as given
    /// and reported as a `type` problem.
    pub fn set_answer(&mut self, loc: &Loc, value: &Json) -> Result<Changes, EditError> {
        self.check_loc(loc)?;
        let f = self.form.field(loc.field);
        if !f.kind.is_question() && f.kind != ItemType::Hidden
            || self.form.is_computed(loc.field)
            || f.row_scope.is_some()
        {
            return Err(EditError::NotAnswerable(f.name.clone()));
        }
        let cell = instance::read_value(&self.form, loc.field, value);
        let (scope, slot) = (f.scope, f.slot);
        let row = self.inst.row_mut(&self.form, scope, &loc.rows).expect("checked");
        if row.cells[slot] == cell {
            return Ok(Changes::default());
        }
        row.cells[slot] = cell;
        let mut changes = Changes::default();
        changes.changes.push(Change {
            field: loc.field,
            rows: loc.rows.clone(),
            kind: ChangeKind::Value,
        });
        let node = graph_node(loc.field, NodeKind::Val);
        self.propagate(vec![(node, loc.rows.clone())], true, &mut changes);
        Ok(changes)
    }

    /// Adds a row at the end of the repeat at `loc` (`loc.rows` is the row holding the
    /// repeat); returns the new row's index with the changes.
    pub fn add_row(&mut self, loc: &Loc) -> Result<(u32, Changes), EditError> {
        self.check_loc(loc)?;
        let f = self.form.field(loc.field);
        let Some(row_scope) = f.row_scope else {
            return Err(EditError::NotARepeat(f.name.clone()));
        };
        let count = self.row_count(loc);
        if count >= f.rules.allowed_rows() {
            return Err(EditError::TooManyRows(f.name.clone()));
        }
        let mut changes = Changes::default();
        let index = self.insert_row(loc, row_scope, &mut changes);
        self.settle_counts(&mut changes);
        Ok((index, changes))
    }

    fn insert_row(&mut self, loc: &Loc, row_scope: ScopeId, changes: &mut Changes) -> u32 {
        let f = self.form.field(loc.field);
        let (scope, slot) = (f.scope, f.slot);
        let new_row = Row::new(&self.form, row_scope);
        let rows = self.inst.row_mut(&self.form, scope, &loc.rows).expect("checked").rows_mut(slot);
        rows.push(new_row);
        let index = rows.len() as u32 - 1;
        let mut path = loc.rows.clone();
        path.push(index);
        self.apply_defaults(row_scope, &path);
        changes.changes.push(Change {
            field: loc.field,
            rows: loc.rows.clone(),
            kind: ChangeKind::Rows,
        });
        let mut seeds = self.scope_nodes(row_scope, &path);
        seeds.push((graph_node(loc.field, NodeKind::Val), loc.rows.clone()));
        self.propagate(seeds, false, changes);
        self.fill_rows(row_scope, &path);
        index
    }

    /// Removes row `index` of the repeat at `loc`.
    pub fn remove_row(&mut self, loc: &Loc, index: u32) -> Result<Changes, EditError> {
        self.check_loc(loc)?;
        let f = self.form.field(loc.field);
        let Some(row_scope) = f.row_scope else {
            return Err(EditError::NotARepeat(f.name.clone()));
        };
        let (scope, slot) = (f.scope, f.slot);
        let rows = self.inst.row_mut(&self.form, scope, &loc.rows).expect("checked").rows_mut(slot);
        if index as usize >= rows.len() {
            let mut r = loc.rows.clone();
            r.push(index);
            return Err(EditError::NoSuchRow { field: f.name.clone(), rows: r });
        }
        rows.remove(index as usize);
        let mut changes = Changes::default();
        changes.changes.push(Change {
            field: loc.field,
            rows: loc.rows.clone(),
            kind: ChangeKind::Rows,
        });
        // Later rows moved up: recompute the whole repeat under its row.
        let mut seeds = self.scope_nodes(row_scope, &loc.rows);
        seeds.push((graph_node(loc.field, NodeKind::Val), loc.rows.clone()));
        self.propagate(seeds, false, &mut changes);
        self.settle_counts(&mut changes);
        Ok(changes)
    }

    /// The relevance, value and count nodes of every field of `scope` and the scopes
    /// inside it, each for the rows under `prefix`.
    fn scope_nodes(&self, scope: ScopeId, prefix: &[u32]) -> Vec<(usize, Vec<u32>)> {
        let mut out = Vec::new();
        for (id, f) in self.form.fields() {
            if self.form.scope_contains(scope, f.scope) {
                for kind in [NodeKind::Rel, NodeKind::Val, NodeKind::Cnt] {
                    out.push((graph_node(id, kind), prefix.to_vec()));
                }
            }
        }
        out
    }

    /// Applies the defaults of the fields of `scope` (not inside nested repeats) in the
    /// row at `rows`, in dependency order.
    fn apply_defaults(&mut self, scope: ScopeId, rows: &[u32]) {
        let form = Arc::clone(&self.form);
        let mut with_default: Vec<FieldId> = form
            .scope(scope)
            .fields
            .iter()
            .copied()
            .filter(|&id| form.field(id).default.is_some())
            .collect();
        // Into evaluation order (fields come nearly in rank order already).
        let rank = |id: FieldId| form.graph.rank[graph_node(id, NodeKind::Def)];
        crate::order::sort_nearly_sorted_by(&mut with_default, |&a, &b| rank(a) < rank(b));
        for id in with_default {
            let f = form.field(id);
            let value = self.with_ctx(scope, rows, |env, ctx| {
                let v = eval(env, &ctx.with_current(id), f.default.as_ref().expect("filtered"));
                default_cell(&form, id, v)
            });
            if let Some(cell) = value.flatten()
                && let Some(row) = self.inst.row_mut(&form, scope, rows)
                && row.cells[f.slot] == Cell::Empty
            {
                row.cells[f.slot] = cell;
            }
        }
    }

    /// Gives every repeat of `scope` in the row at `rows` its counted number of rows, or
    /// its `min_rows`.
    fn fill_rows(&mut self, scope: ScopeId, rows: &[u32]) {
        let form = Arc::clone(&self.form);
        for &id in &form.scope(scope).fields {
            let f = form.field(id);
            let Some(row_scope) = f.row_scope else { continue };
            let loc = Loc::new(id, rows.to_vec());
            let want = self
                .wanted_rows(&loc)
                .or(f.rules.min_rows)
                .unwrap_or(0)
                .min(f.rules.allowed_rows());
            let mut changes = Changes::default();
            while self.row_count(&loc) < want {
                self.insert_row(&loc, row_scope, &mut changes);
            }
        }
    }

    /// Brings every counted repeat to its count: adds rows, removes trailing empty rows,
    /// and reports rows holding answers beyond the count.
    fn settle_counts(&mut self, changes: &mut Changes) {
        let form = Arc::clone(&self.form);
        for (id, f) in form.fields() {
            let (Some(row_scope), Some(_)) = (f.row_scope, &f.repeat_count) else { continue };
            let mut holders = Vec::new();
            self.inst.for_each_row(&form, f.scope, &[], &mut |p, _| holders.push(p.to_vec()));
            for holder in holders {
                let loc = Loc::new(id, holder);
                if !self.is_relevant(&loc) {
                    continue;
                }
                let Some(want) = self.wanted_rows(&loc) else { continue };
                let want = want.min(f.rules.allowed_rows());
                while self.row_count(&loc) < want {
                    self.insert_row(&loc, row_scope, changes);
                }
                while self.row_count(&loc) > want {
                    let last = self.row_count(&loc) - 1;
                    let slot = f.slot;
                    let empty = self
                        .row(f.scope, &loc.rows)
                        .and_then(|r| r.rows(slot).get(last as usize))
                        .is_some_and(|r| row_is_empty(&form, row_scope, r));
                    if !empty {
                        changes.excess_rows.push(ExcessRows {
                            repeat: loc.clone(),
                            wanted: want,
                            present: self.row_count(&loc),
                        });
                        break;
                    }
                    let more = self.remove_row(&loc, last).unwrap_or_default();
                    changes.changes.extend(more.changes);
                }
            }
        }
    }

    /// Recomputes the readers of `seeds` (and, if `readers_only` is false, the seeds
    /// themselves), in evaluation order, stopping where nothing changed.
    fn propagate(
        &mut self,
        seeds: Vec<(usize, Vec<u32>)>,
        readers_only: bool,
        changes: &mut Changes,
    ) {
        let form = Arc::clone(&self.form);
        let graph = &form.graph;
        let mut heap: BinaryHeap<Reverse<u32>> = BinaryHeap::new();
        let mut pending: HashMap<usize, (Vec<u32>, bool)> = HashMap::default();
        // node → (row prefix to recompute, whether the node's relevance changed).
        let schedule = |heap: &mut BinaryHeap<Reverse<u32>>,
                        pending: &mut HashMap<usize, (Vec<u32>, bool)>,
                        node: usize,
                        prefix: Vec<u32>,
                        shown: bool| match pending.get_mut(&node) {
            Some((existing, was_shown)) => {
                *existing = common_prefix(existing, &prefix);
                *was_shown |= shown;
            }
            None => {
                pending.insert(node, (prefix, shown));
                heap.push(Reverse(graph.rank[node]));
            }
        };
        for (node, prefix) in seeds {
            if readers_only {
                for e in graph.readers(node) {
                    if e.propagate {
                        schedule(
                            &mut heap,
                            &mut pending,
                            e.to as usize,
                            prefix[..prefix.len().min(e.keep as usize)].to_vec(),
                            false,
                        );
                    }
                }
            } else {
                // New or moved rows: everything there counts as newly shown.
                schedule(&mut heap, &mut pending, node, prefix, true);
            }
        }
        let mut count_changed = false;
        while let Some(Reverse(rank)) = heap.pop() {
            let node = graph.order[rank as usize] as usize;
            let Some((prefix, shown)) = pending.remove(&node) else { continue };
            let (field, kind) = graph_split(node);
            let changed = match kind {
                NodeKind::Rel | NodeKind::Val => {
                    compute(&form, &mut self.inst, &self.clock, field, kind, &prefix, shown)
                }
                NodeKind::Cnt => {
                    count_changed = true;
                    None
                }
                NodeKind::Def => None,
            };
            let Some(rows) = changed else { continue };
            let kind_out =
                if kind == NodeKind::Rel { ChangeKind::Relevance } else { ChangeKind::Value };
            changes.changes.push(Change { field, rows: rows.clone(), kind: kind_out });
            let own_value = graph_node(field, NodeKind::Val);
            for e in graph.readers(node) {
                if e.propagate {
                    let shown = kind == NodeKind::Rel && e.to as usize == own_value;
                    schedule(
                        &mut heap,
                        &mut pending,
                        e.to as usize,
                        rows[..rows.len().min(e.keep as usize)].to_vec(),
                        shown,
                    );
                }
            }
        }
        if count_changed {
            self.settle_counts(changes);
        }
    }

    /// A problem's message rendered with the session's values (for custom messages).
    pub fn render_message(&self, loc: &Loc, text: &crate::form::Template) -> Text {
        let scope = self.form.field(loc.field).scope;
        self.with_ctx(scope, &loc.rows, |env, ctx| render(env, ctx, text))
            .unwrap_or(Text::Plain(String::new()))
    }
}

fn default_cell(form: &Form, id: FieldId, v: Value<'_>) -> Option<Cell> {
    if v.is_empty() {
        return None;
    }
    let json = match (form.field(id).kind, &v) {
        (ItemType::SelectMultiple | ItemType::Rank, _) => {
            Json::Array(v.to_str().split_whitespace().map(|s| Json::String(s.to_owned())).collect())
        }
        (ItemType::Integer | ItemType::Decimal | ItemType::Range | ItemType::Rating, _) => {
            // An infinite default is no answer to a number question.
            let n = v.to_num();
            if !n.is_finite() {
                return None;
            }
            crate::expr::num_to_json(n)
        }
        (ItemType::Hidden, Value::Num(n)) => crate::expr::num_to_json(*n),
        _ => Json::String(v.to_str().into_owned()),
    };
    Some(instance::read_value(form, id, &json))
}

fn row_is_empty(form: &Form, scope: ScopeId, row: &Row) -> bool {
    form.scope(scope).fields.iter().enumerate().all(|(slot, &id)| {
        form.is_computed(id) || form.field(id).default.is_some() || !row.cells[slot].is_answered()
    })
}
