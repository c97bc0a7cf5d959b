//! A form's pages: each top-level group or repeat is a page; top-level items between
//! them share a page.

use tianye_core::schema::ItemType;
use tianye_core::{FieldId, Form};

/// One page of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The items shown, in order: one group or repeat, or the loose items between them.
    pub items: Vec<FieldId>,
}

/// The pages of `form`.
pub fn pages(form: &Form) -> Vec<Page> {
    let mut out = Vec::new();
    let mut loose = Vec::new();
    for &id in form.top_level() {
        let f = form.field(id);
        if matches!(f.kind, ItemType::Group | ItemType::Repeat) {
            if !loose.is_empty() {
                out.push(Page { items: std::mem::take(&mut loose) });
            }
            out.push(Page { items: vec![id] });
        } else if !matches!(f.kind, ItemType::Calculate | ItemType::Hidden | ItemType::Meta) {
            loose.push(id);
        }
    }
    if !loose.is_empty() {
        out.push(Page { items: loose });
    }
    out
}

/// The page showing `field` (or the item holding it).
pub fn page_of(form: &Form, pages: &[Page], field: FieldId) -> Option<usize> {
    let mut top = field;
    while let Some(p) = form.field(top).parent {
        top = p;
    }
    pages.iter().position(|p| p.items.contains(&top))
}
