//! Compiled expressions: references resolved to fields, functions to [`Func`],
//! repeat references to [`Set`]s. Produced by the checker, run by the evaluator.

use super::id::{FieldId, ScopeId};
use crate::expr::BinOp;
use crate::expr::Value;

/// A compiled expression.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// A literal.
    Lit(Value<'static>),
    /// A field's value in the row of the context (or an enclosing row).
    Field(FieldId),
    /// `.`: the value being checked (the field's own value).
    Current(FieldId),
    /// `current()`: the answer being checked, even inside a `[condition]` whose rows
    /// replace the context.
    Origin,
    /// `current()/../x` inside a `[condition]`: field `x` of the row the expression
    /// stands in, even while a candidate row of the same repeat is the context.
    HomeField(FieldId),
    /// `position(..)`: 1-based index of the context's row in this repeat scope.
    RowPosition(ScopeId),
    /// `position()` inside a predicate.
    PredPosition,
    /// In a choice filter: the choice's name.
    ChoiceName,
    /// In a choice filter: the choice's attribute.
    ChoiceAttr(String),
    /// Unary minus.
    Neg(Box<Node>),
    /// A binary operation (`and`/`or` short-circuit).
    Bin(BinOp, Box<Node>, Box<Node>),
    /// A function of plain values.
    Call(Func, Vec<Node>),
    /// An aggregate over the rows (or values) of a repeat, with extra leading args
    /// (`join`'s separator).
    Agg(Agg, Box<Set>, Vec<Node>),
    /// `indexed-repeat(${field}, ${repeat}, i, …)`: the value in the first row of the
    /// set whose index (1-based) in the repeat at each depth is the evaluated `i`.
    Indexed(Box<Set>, Vec<(usize, Node)>),
    /// `regex(s, 'literal')` with the pattern compiled once.
    Regex(Box<Node>, Box<regex_lite::Regex>),
    /// `jr:choice-name(value, '${q}')`: index of the question's choice list.
    ChoiceLabel(Box<Node>, usize),
}

/// The rows of a repeat scope (or a field's values in them) under one enclosing row
/// of the context, filtered by predicates.
#[derive(Debug, Clone)]
pub(crate) struct Set {
    /// The scope whose rows are visited.
    pub(crate) scope: ScopeId,
    /// How many of the context's row indices fix where the visit starts (the depth
    /// of the deepest scope enclosing both the context and the visited rows).
    pub(crate) root_depth: usize,
    /// The field read in each row; `None` when the rows themselves are counted.
    pub(crate) value: Option<FieldId>,
    /// Conditions each row must meet, in order; inside, the row is the context and `.`
    /// is `value`.
    pub(crate) predicates: Vec<Node>,
}

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Agg {
    /// `count(set)`
    Count,
    /// `count-non-empty(set)`
    CountNonEmpty,
    /// `sum(set)`
    Sum,
    /// `min(set)`
    Min,
    /// `max(set)`
    Max,
    /// `join(sep, set)`
    Join,
    /// `concat(set)`
    Concat,
}

macro_rules! funcs {
    ($($variant:ident = $name:literal ($min:expr, $max:expr),)*) => {
        /// A built-in function of plain values.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub(crate) enum Func {
            $($variant,)*
        }

        /// Every built-in function: name, and the fewest and most arguments (`usize::MAX`
        /// for any number).
        pub(crate) const FUNCS: &[(&str, Func, usize, usize)] = &[$(($name, Func::$variant, $min, $max),)*];
    };
}

const ANY: usize = usize::MAX;

funcs! {
    If = "if" (3, 3),
    Coalesce = "coalesce" (2, 2),
    Not = "not" (1, 1),
    True = "true" (0, 0),
    False = "false" (0, 0),
    Boolean = "boolean" (1, 1),
    BooleanFromString = "boolean-from-string" (1, 1),
    Number = "number" (1, 1),
    Int = "int" (1, 1),
    Round = "round" (1, 2),
    Floor = "floor" (1, 1),
    Ceiling = "ceiling" (1, 1),
    Abs = "abs" (1, 1),
    Pow = "pow" (2, 2),
    Sqrt = "sqrt" (1, 1),
    Exp = "exp" (1, 1),
    Exp10 = "exp10" (1, 1),
    Log = "log" (1, 1),
    Log10 = "log10" (1, 1),
    Pi = "pi" (0, 0),
    Sin = "sin" (1, 1),
    Cos = "cos" (1, 1),
    Tan = "tan" (1, 1),
    Asin = "asin" (1, 1),
    Acos = "acos" (1, 1),
    Atan = "atan" (1, 1),
    Atan2 = "atan2" (2, 2),
    String = "string" (1, 1),
    Concat = "concat" (0, ANY),
    Join = "join" (1, ANY),
    StringLength = "string-length" (0, 1),
    NormalizeSpace = "normalize-space" (0, 1),
    Contains = "contains" (2, 2),
    StartsWith = "starts-with" (2, 2),
    EndsWith = "ends-with" (2, 2),
    Substr = "substr" (2, 3),
    SubstringBefore = "substring-before" (2, 2),
    SubstringAfter = "substring-after" (2, 2),
    Translate = "translate" (3, 3),
    Regex = "regex" (2, 2),
    Selected = "selected" (2, 2),
    IsSelected = "is-selected" (2, 2),
    CountSelected = "count-selected" (1, 1),
    SelectedAt = "selected-at" (2, 2),
    ChoiceName = "jr:choice-name" (2, 2),
    Count = "count" (1, 1),
    CountNonEmpty = "count-non-empty" (1, 1),
    Sum = "sum" (1, 1),
    Min = "min" (1, ANY),
    Max = "max" (1, ANY),
    Position = "position" (0, 1),
    Today = "today" (0, 0),
    Now = "now" (0, 0),
    Date = "date" (1, 1),
    DateTime = "date-time" (1, 1),
    DecimalDateTime = "decimal-date-time" (1, 1),
    DecimalTime = "decimal-time" (1, 1),
    FormatDate = "format-date" (2, 2),
    FormatDateTime = "format-date-time" (2, 2),
    IdBirthDate = "id-birth-date" (1, 1),
    IdSex = "id-sex" (1, 1),
    Current = "current" (0, 0),
    Pulldata = "pulldata" (4, 4),
    IndexedRepeat = "indexed-repeat" (3, 7),
}

/// ODK functions Tianye does not support; the checker names them as unsupported
/// rather than unknown.
pub(crate) const UNSUPPORTED_FUNCS: &[&str] = &[
    "once",
    "uuid",
    "random",
    "randomize",
    "digest",
    "base64-decode",
    "area",
    "enclosed-area",
    "distance",
    "checklist",
    "weighted-checklist",
    "version",
    "property",
    "depend",
    "last",
    "local-name",
    "name",
    "namespace-uri",
    "lang",
    "id",
    "sum-of-products",
    "geofence",
    "jr:itext",
    "extract-signed",
];

/// Whether `name` is an ODK function Tianye knows of but does not evaluate.
pub fn is_unsupported_function(name: &str) -> bool {
    UNSUPPORTED_FUNCS.contains(&name)
}

/// The function named `name`, with its arity bounds.
pub(crate) fn lookup(name: &str) -> Option<(Func, usize, usize)> {
    FUNCS.iter().find(|(n, ..)| *n == name).map(|&(_, f, min, max)| (f, min, max))
}
