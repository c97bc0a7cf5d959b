//! The indexes of a compiled form's fields and scopes, and the location of one value.

/// Index of a field in a [`Form`](crate::Form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub(crate) u32);

impl FieldId {
    /// The index, for tables keyed by field.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Index of a scope: 0 is the questionnaire's root, each repeat defines one more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeId(pub(crate) u32);

impl ScopeId {
    /// The root scope (answers outside every repeat).
    pub const ROOT: ScopeId = ScopeId(0);

    /// The index, for tables keyed by scope.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Where a value is: a field, and the row indices of the repeats around it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    /// The field.
    pub field: FieldId,
    /// One row index per enclosing repeat, outermost first.
    pub rows: Vec<u32>,
}

impl Loc {
    /// A field outside every repeat.
    pub fn top(field: FieldId) -> Loc {
        Loc { field, rows: Vec::new() }
    }

    /// A field in the row at `rows`.
    pub fn new(field: FieldId, rows: Vec<u32>) -> Loc {
        Loc { field, rows }
    }
}
