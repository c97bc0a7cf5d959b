//! The indexes of a compiled form's fields and scopes.

/// Index of a field in a [`Form`].
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
