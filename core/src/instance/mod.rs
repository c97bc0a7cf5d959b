//! The answers of one response as the engine holds them: a tree of rows, one per
//! scope instance, each with a cell per field and the field's effective relevance.

mod compute;
mod convert;

use crate::expr::{Date, DateTime, Time, Value};
use crate::form::{FieldId, Form, ScopeId};

pub(crate) use compute::{Clock, common_prefix, compute, fill_meta};
pub(crate) use convert::{from_answers, read_value, stored_to_json};

/// A stored answer or computed value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Stored {
    /// Text, a single choice, an acknowledgement (`OK`).
    Text(String),
    /// A number.
    Num(f64),
    /// A boolean (from a calculation).
    Bool(bool),
    /// Several choices, in answer order, and the same joined with spaces.
    Choices { items: Vec<String>, joined: String },
    /// A date.
    Date(Date),
    /// A time.
    Time(Time),
    /// A date and time.
    DateTime(DateTime),
    /// A location, and its XForms text `lat lon altitude accuracy`.
    Geo { lat: f64, lon: f64, altitude: Option<f64>, accuracy: Option<f64>, text: String },
    /// A file an attachment question names; expressions read its file name.
    File(Box<crate::response::attachment::Attachment>),
}

impl Stored {
    /// The value as expressions read it.
    pub(crate) fn value(&self) -> Value<'_> {
        use std::borrow::Cow::Borrowed;
        match self {
            Stored::Text(s) => Value::Str(Borrowed(s)),
            Stored::Num(n) => Value::Num(*n),
            Stored::Bool(b) => Value::Bool(*b),
            Stored::Choices { joined, .. } => Value::Str(Borrowed(joined)),
            Stored::Date(d) => Value::Date(*d),
            Stored::Time(t) => Value::Time(*t),
            Stored::DateTime(d) => Value::DateTime(*d),
            Stored::Geo { text, .. } => Value::Str(Borrowed(text)),
            Stored::File(a) => Value::Str(Borrowed(&a.file)),
        }
    }

    /// A computed value as stored: `None` for empty and NaN (JavaRosa and Enketo
    /// store nothing); infinities are kept, as ODK's engines all keep `Infinity`.
    pub(crate) fn from_value(value: Value<'_>) -> Option<Stored> {
        match value {
            Value::Str(s) if s.is_empty() => None,
            Value::Str(s) => Some(Stored::Text(s.into_owned())),
            Value::Num(n) if n.is_nan() => None,
            Value::Num(n) => Some(Stored::Num(n)),
            Value::Bool(b) => Some(Stored::Bool(b)),
            Value::Date(d) => Some(Stored::Date(d)),
            Value::DateTime(d) => Some(Stored::DateTime(d)),
            Value::Time(t) => Some(Stored::Time(t)),
        }
    }
}

/// One field's cell in a row.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) enum Cell {
    /// No value.
    #[default]
    Empty,
    /// A value.
    Val(Stored),
    /// An answer of the wrong JSON type or format, kept as given so nothing is lost.
    Bad(serde_json::Value),
    /// A repeat's rows.
    Rows(Vec<Row>),
}

impl Cell {
    /// The value as expressions read it (ignoring relevance).
    pub(crate) fn value(&self) -> Value<'_> {
        match self {
            Cell::Val(s) => s.value(),
            _ => crate::expr::EMPTY,
        }
    }

    /// Whether the cell holds an answer (bad answers included).
    pub(crate) fn is_answered(&self) -> bool {
        match self {
            Cell::Empty => false,
            Cell::Val(_) | Cell::Bad(_) => true,
            Cell::Rows(rows) => !rows.is_empty(),
        }
    }
}

/// The cells of one row of a scope (the root has one row).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    /// One cell per field of the scope, by slot.
    pub(crate) cells: Vec<Cell>,
    /// Effective relevance per slot (own condition and every enclosing one).
    pub(crate) relevant: Vec<bool>,
}

impl Row {
    /// An empty row for `scope`, with every repeat cell holding no rows.
    pub(crate) fn new(form: &Form, scope: ScopeId) -> Row {
        let fields = &form.scope(scope).fields;
        let cells = fields
            .iter()
            .map(|&f| {
                if form.field(f).row_scope.is_some() { Cell::Rows(Vec::new()) } else { Cell::Empty }
            })
            .collect();
        Row { cells, relevant: vec![true; fields.len()] }
    }

    /// The rows of the repeat in `slot`.
    pub(crate) fn rows(&self, slot: usize) -> &[Row] {
        match &self.cells[slot] {
            Cell::Rows(rows) => rows,
            _ => &[],
        }
    }

    /// The rows of the repeat in `slot`, to change.
    pub(crate) fn rows_mut(&mut self, slot: usize) -> &mut Vec<Row> {
        if !matches!(self.cells[slot], Cell::Rows(_)) {
            self.cells[slot] = Cell::Rows(Vec::new());
        }
        match &mut self.cells[slot] {
            Cell::Rows(rows) => rows,
            _ => unreachable!("just set to rows"),
        }
    }
}

/// All answers of a response, with computed values and relevance.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Instance {
    pub(crate) root: Row,
    /// The repeat instances read only in part ([`Reading::Bounded`]): the repeat, the
    /// row indices of the row holding it, and how many rows the response gave it.
    pub(crate) overflow: Vec<(FieldId, Vec<u32>, usize)>,
}

/// How many rows of each repeat [`from_answers`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// Every row: the form app's own response, where nothing typed is dropped.
    All,
    /// At most [`crate::form::Rules::rows_read`] rows of each repeat instance and
    /// [`crate::schema::MAX_ROWS_IN_RESPONSE`] in all: a response from elsewhere,
    /// which may hold a flood of rows.
    Bounded,
}

impl Instance {
    /// An instance with no answers.
    pub(crate) fn empty(form: &Form) -> Instance {
        Instance { root: Row::new(form, ScopeId::ROOT), overflow: Vec::new() }
    }

    /// How many rows the response gave the repeat `field` in the row at `path`, when
    /// more than were read.
    pub(crate) fn rows_given(&self, field: FieldId, path: &[u32]) -> Option<usize> {
        self.overflow.iter().find(|(f, p, _)| *f == field && p == path).map(|o| o.2)
    }

    /// The row of `scope` at `path` (one row index per enclosing repeat).
    pub(crate) fn row(&self, form: &Form, scope: ScopeId, path: &[u32]) -> Option<&Row> {
        let slots = &form.scope(scope).chain_slots;
        let mut row = &self.root;
        for (slot, &index) in slots.iter().zip(path) {
            row = row.rows(*slot).get(index as usize)?;
        }
        Some(row)
    }

    /// The row of `scope` at `path`, to change.
    pub(crate) fn row_mut(
        &mut self,
        form: &Form,
        scope: ScopeId,
        path: &[u32],
    ) -> Option<&mut Row> {
        let slots = &form.scope(scope).chain_slots;
        let mut row = &mut self.root;
        for (slot, &index) in slots.iter().zip(path) {
            row = row.rows_mut(*slot).get_mut(index as usize)?;
        }
        Some(row)
    }

    /// Calls `f(path, row)` for every row of `scope` whose path starts with `prefix`.
    pub(crate) fn for_each_row<'r>(
        &'r self,
        form: &Form,
        scope: ScopeId,
        prefix: &[u32],
        f: &mut dyn FnMut(&[u32], &'r Row),
    ) {
        let slots = &form.scope(scope).chain_slots;
        let prefix = &prefix[..prefix.len().min(slots.len())];
        let Some(start) = self.row(form, form.ancestor_at(scope, prefix.len()), prefix) else {
            return;
        };
        let mut path = prefix.to_vec();
        walk(start, &slots[prefix.len()..], &mut path, f);
    }

    /// The value of `field` in the row at `path` of its scope, as expressions read it
    /// (empty when not relevant).
    pub(crate) fn value(&self, form: &Form, field: FieldId, path: &[u32]) -> Value<'_> {
        let f = form.field(field);
        match self.row(form, f.scope, path) {
            Some(row) if row.relevant[f.slot] => row.cells[f.slot].value(),
            _ => crate::expr::EMPTY,
        }
    }
}

fn walk<'r>(
    row: &'r Row,
    slots: &[usize],
    path: &mut Vec<u32>,
    f: &mut dyn FnMut(&[u32], &'r Row),
) {
    match slots.split_first() {
        None => f(path, row),
        Some((&slot, rest)) => {
            for (i, child) in row.rows(slot).iter().enumerate() {
                path.push(i as u32);
                walk(child, rest, path, f);
                path.pop();
            }
        }
    }
}
