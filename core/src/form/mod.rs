//! A compiled questionnaire: the items flattened into fields with their scopes
//! (root and repeats), every expression checked and compiled, and the dependency
//! graph in evaluation order.
//!
//! [`Form::compile`] runs every static check at once and returns all errors together.

mod choice_index;
mod choice_names;
mod compile;
mod graph;
mod id;
pub(crate) mod node;
mod template;
pub(crate) mod typecheck;

use rustc_hash::FxHashMap as HashMap;

use crate::Diagnostic;
use crate::expr::{Date, DateTime, Time};
use crate::schema::{Choice, ItemType, MetaKind, Questionnaire};

pub(crate) use graph::{Graph, NodeKind, node as graph_node, split as graph_split};
pub use id::{FieldId, Loc, ScopeId};
pub(crate) use node::Node;
pub use node::is_unsupported_function;
#[cfg(feature = "paper")]
pub(crate) use template::find_refs;
pub use template::{Segment, Template};

/// Deepest nesting of repeats inside repeats.
pub const MAX_REPEAT_DEPTH: usize = 8;

/// Where answers live: the root, or the rows of one repeat.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The repeat whose rows this scope describes; `None` for the root.
    pub repeat: Option<FieldId>,
    /// The enclosing scope; `None` for the root.
    pub parent: Option<ScopeId>,
    /// Number of repeats around a row of this scope (root 0).
    pub depth: usize,
    /// The fields whose values are kept in a row of this scope, in questionnaire order;
    /// a field's `slot` indexes this list.
    pub fields: Vec<FieldId>,
    /// The scopes from the outermost repeat down to this one (empty for the root).
    pub chain: Vec<ScopeId>,
    /// For each scope in `chain`, the slot of its repeat in the enclosing row.
    pub chain_slots: Vec<usize>,
}

/// A resolved `min`/`max` bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// A number.
    Number(f64),
    /// A fixed date.
    Date(Date),
    /// Today moved by whole years, months and days (`today-16y`).
    Today {
        /// Years to add.
        years: i32,
        /// Months to add.
        months: i32,
        /// Days to add.
        days: i32,
    },
    /// A time of day.
    Time(Time),
    /// A fixed date and time.
    DateTime(DateTime),
    /// The current date and time.
    Now,
}

impl Bound {
    /// The bound as a date, given today's date.
    pub fn date(self, today: Date) -> Option<Date> {
        match self {
            Bound::Date(d) => Some(d),
            Bound::Today { years, months, days } => today
                .add_months(i64::from(years) * 12 + i64::from(months))
                .map(|d| Date(d.0 + days)),
            Bound::DateTime(dt) => Some(dt.date()),
            Bound::Now => Some(today),
            Bound::Number(_) | Bound::Time(_) => None,
        }
    }

    /// How the bound is shown in messages.
    pub fn display(self, today: Date, now: DateTime) -> String {
        match self {
            Bound::Number(n) => crate::expr::num_to_string(n),
            Bound::Time(t) => human_time(&t.to_string()),
            Bound::DateTime(dt) => human_time(&dt.to_string()),
            Bound::Now => human_time(&now.to_string()),
            other => other.date(today).map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

/// An ISO time or date-time as a message shows it to a volunteer: `2026-03-01 08:00`,
/// seconds only when there are some, the offset only when it is not Beijing time's.
fn human_time(iso: &str) -> String {
    let (date, rest) = match iso.split_once('T') {
        Some((date, rest)) => (Some(date), rest),
        None => (None, iso),
    };
    let split = rest.find(['+', '-', 'Z']).unwrap_or(rest.len());
    let (clock, offset) = rest.split_at(split);
    let clock = clock.strip_suffix(".000").unwrap_or(clock);
    let clock = clock.strip_suffix(":00").filter(|c| c.len() == 5).unwrap_or(clock);
    let offset = match offset {
        "" | "+08:00" => String::new(),
        "Z" => " UTC".to_owned(),
        other => format!(" UTC{other}"),
    };
    match date {
        Some(date) => format!("{date} {clock}{offset}"),
        None => format!("{clock}{offset}"),
    }
}

/// A regular expression as Tianye compiles it: Java-style `\uXXXX` escapes (common in
/// XLSForms, e.g. `[\u4e00-\u9fa5]` for Chinese characters) become `\x{XXXX}`, and the
/// pattern is anchored at both ends, since ODK Collect matches the whole string.
pub(crate) fn anchored_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    out.push_str("^(?:");
    let mut chars = pattern.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            let hex = pattern.get(i + 2..i + 6);
            if pattern[i + 1..].starts_with('u')
                && hex.is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
            {
                out.push_str("\\x{");
                out.push_str(hex.unwrap_or_default());
                out.push('}');
                for _ in 0..5 {
                    chars.next();
                }
                continue;
            }
            out.push(c);
            if let Some((_, next)) = chars.next() {
                out.push(next);
            }
            continue;
        }
        out.push(c);
    }
    out.push_str(")$");
    out
}

/// An item of the questionnaire (or a matrix row) with its expressions compiled.
#[derive(Debug, Clone)]
pub struct Field {
    /// The item's name.
    pub name: String,
    /// The item's type (`select_one` for matrix rows).
    pub kind: ItemType,
    /// The names of the enclosing groups and the item, joined by `/`.
    pub path: String,
    /// The enclosing group, repeat or matrix.
    pub parent: Option<FieldId>,
    /// The items directly inside (groups, repeats, matrices).
    pub children: Vec<FieldId>,
    /// The scope whose rows hold this field's value.
    pub scope: ScopeId,
    /// Index of the value in a row of `scope`.
    pub slot: usize,
    /// For a repeat: the scope of its rows.
    pub row_scope: Option<ScopeId>,
    /// Whether this is a row of a matrix.
    pub matrix_row: bool,
    /// Label, with `${name}` interpolations resolved.
    pub label: Option<Template>,
    /// Hint, likewise.
    pub hint: Option<Template>,
    /// Repeat row title, likewise.
    pub row_label: Option<Template>,
    /// Display hint for the form app.
    pub appearance: Option<String>,
    /// Index into [`Form::choice_lists`].
    pub choices: Option<usize>,
    /// Skip logic.
    pub(crate) relevant: Option<Node>,
    pub(crate) required: Cond,
    pub(crate) required_message: Option<Template>,
    pub(crate) read_only: Cond,
    pub(crate) constraints: Vec<(Node, Option<Template>)>,
    pub(crate) calculation: Option<Node>,
    pub(crate) default: Option<Node>,
    pub(crate) choice_filter: Option<Node>,
    /// The choice filter's cascade equality indexed, when it has one.
    pub(crate) choice_index: Option<Box<choice_index::ChoiceIndex>>,
    pub(crate) repeat_count: Option<Node>,
    pub(crate) meta: Option<MetaKind>,
    /// Type-specific rules.
    pub rules: Rules,
}

impl Field {
    /// Whether the offered choices depend on other answers (a choice filter).
    pub fn has_choice_filter(&self) -> bool {
        self.choice_filter.is_some()
    }

    /// Whether a repeat's rows follow a count expression.
    pub fn has_repeat_count(&self) -> bool {
        self.repeat_count.is_some()
    }

    /// Whether `required` or `read_only` is computed from answers (else it never
    /// changes).
    pub fn has_conditional_rules(&self) -> bool {
        matches!(self.required, Cond::When(_)) || matches!(self.read_only, Cond::When(_))
    }
}

/// A boolean property that may be fixed or computed.
#[derive(Debug, Clone, Default)]
pub(crate) enum Cond {
    /// Never.
    #[default]
    Never,
    /// Always.
    Always,
    /// When the expression is true.
    When(Node),
}

/// The checks a field's answer gets besides required and constraints.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// Smallest value.
    pub min: Option<Bound>,
    /// Largest value.
    pub max: Option<Bound>,
    /// Range step.
    pub step: Option<f64>,
    /// Text length bounds, in characters.
    pub min_length: Option<u32>,
    /// Text length bounds, in characters.
    pub max_length: Option<u32>,
    /// Text pattern, anchored at both ends.
    pub pattern: Option<regex_lite::Regex>,
    /// Selection count bounds.
    pub min_selected: Option<u32>,
    /// Selection count bounds.
    pub max_selected: Option<u32>,
    /// Repeat row bounds.
    pub min_rows: Option<u32>,
    /// Repeat row bounds.
    pub max_rows: Option<u32>,
    /// Rating scale.
    pub scale: Option<u32>,
    /// Largest geopoint accuracy radius.
    pub max_accuracy: Option<f64>,
    /// Pictures: the longest side in pixels (default 1,600).
    pub max_pixels: Option<u32>,
    /// Files: the media types or extensions accepted (`audio/*` for audio by default).
    pub accept: Vec<String>,
}

impl Rules {
    /// The most rows an instance of this repeat may have: `max_rows`, else
    /// [`DEFAULT_MAX_ROWS`](crate::schema::DEFAULT_MAX_ROWS).
    pub fn allowed_rows(&self) -> u32 {
        self.max_rows.unwrap_or(crate::schema::DEFAULT_MAX_ROWS)
    }

    /// The most rows of an instance of this repeat that validation reads: the larger of
    /// [`Rules::allowed_rows`] and the default, so that a response with a few rows too
    /// many is still checked row by row while a flood of rows is not.
    pub fn rows_read(&self) -> u32 {
        self.allowed_rows().max(crate::schema::DEFAULT_MAX_ROWS)
    }
}

/// A choice list with an index by name.
#[derive(Debug, Clone)]
pub struct ChoiceList {
    /// The list's name.
    pub name: String,
    /// The choices, in order.
    pub choices: Vec<Choice>,
    /// The position of the first choice of each name, sorted by name
    /// ([`choice_names::index`]).
    pub(crate) by_name: Box<[u32]>,
}

impl ChoiceList {
    /// The choice named `name` (the first, if the name is repeated).
    pub fn get(&self, name: &str) -> Option<&Choice> {
        choice_names::find(&self.choices, &self.by_name, name)
    }
}

/// A questionnaire ready to validate responses: see the module docs.
#[derive(Debug, Clone)]
pub struct Form {
    pub(crate) questionnaire: Questionnaire,
    pub(crate) fields: Vec<Field>,
    pub(crate) scopes: Vec<Scope>,
    pub(crate) lists: Vec<ChoiceList>,
    pub(crate) by_name: HashMap<String, FieldId>,
    pub(crate) top: Vec<FieldId>,
    pub(crate) graph: Graph,
    pub(crate) warnings: Vec<Diagnostic>,
}

impl Form {
    /// The questionnaire this form was compiled from.
    pub fn questionnaire(&self) -> &Questionnaire {
        &self.questionnaire
    }

    /// Warnings found while compiling.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// The field with id `id`.
    pub fn field(&self, id: FieldId) -> &Field {
        &self.fields[id.index()]
    }

    /// Every field, in questionnaire order (depth first).
    pub fn fields(&self) -> impl ExactSizeIterator<Item = (FieldId, &Field)> {
        self.fields.iter().enumerate().map(|(i, f)| (FieldId(i as u32), f))
    }

    /// The fields at the top level, in order.
    pub fn top_level(&self) -> &[FieldId] {
        &self.top
    }

    /// The field named `name`.
    pub fn lookup(&self, name: &str) -> Option<FieldId> {
        self.by_name.get(name).copied()
    }

    /// The scope with id `id`.
    pub fn scope(&self, id: ScopeId) -> &Scope {
        &self.scopes[id.index()]
    }

    /// The choice lists, in the order fields refer to them.
    pub fn choice_lists(&self) -> &[ChoiceList] {
        &self.lists
    }

    /// The choice list of field `id`, if it has one.
    pub fn choices_of(&self, id: FieldId) -> Option<&ChoiceList> {
        self.field(id).choices.map(|i| &self.lists[i])
    }

    /// Whether field `id`'s value is computed (a calculation, or a meta item) rather
    /// than answered.
    pub fn is_computed(&self, id: FieldId) -> bool {
        let f = self.field(id);
        f.calculation.is_some() || f.meta.is_some()
    }

    /// The questionnaire's default language.
    pub fn default_language(&self) -> &str {
        &self.questionnaire.default_language
    }

    /// The scope enclosing `scope` at `depth` (itself when `depth` is its own depth).
    pub(crate) fn ancestor_at(&self, scope: ScopeId, depth: usize) -> ScopeId {
        let s = &self.scopes[scope.index()];
        if depth >= s.depth {
            scope
        } else if depth == 0 {
            ScopeId::ROOT
        } else {
            s.chain[depth - 1]
        }
    }

    /// Whether `ancestor` is `scope` or encloses it.
    pub(crate) fn scope_contains(&self, ancestor: ScopeId, mut scope: ScopeId) -> bool {
        loop {
            if scope == ancestor {
                return true;
            }
            match self.scopes[scope.index()].parent {
                Some(p) => scope = p,
                None => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_anchored_and_accept_java_unicode_escapes() {
        assert_eq!(anchored_pattern("[\\u4e00-\\u9fa5]{2,4}"), "^(?:[\\x{4e00}-\\x{9fa5}]{2,4})$");
        let re = regex_lite::Regex::new(&anchored_pattern("[\\u4e00-\\u9fa5]{2,4}")).unwrap();
        assert!(re.is_match("王小明"));
        assert!(!re.is_match("王"));
        assert!(!re.is_match("Wang"));
        assert_eq!(anchored_pattern("a\\.b"), "^(?:a\\.b)$");
    }
}
