//! Choice filters answered from an index.
//!
//! A cascade's filter asks for the choices whose column equals an answer:
//! `township = ${township}` over a list of 50,000 villages. Evaluated choice by choice,
//! that is 50,000 evaluations at every change of the form; with the list indexed by the
//! column, it is one evaluation of `${township}` and a lookup. The filter is still
//! evaluated whole on the choices the lookup gives, so an index only ever narrows which
//! choices are tried, never changes which pass.

use rustc_hash::FxHashMap as HashMap;

use super::Node;
use crate::expr::BinOp;
use crate::schema::Choice;

/// What a filter's equality compares the choices by.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Column {
    /// The choice's `name`.
    Name,
    /// One of the choice's extra columns (a choice without it counts as `''`).
    Attribute(String),
}

impl Column {
    fn of<'c>(&self, choice: &'c Choice) -> &'c str {
        match self {
            Column::Name => &choice.name,
            Column::Attribute(key) => choice.attributes.get(key).unwrap_or(""),
        }
    }
}

/// The choices of one list grouped by one column, and where in the filter the
/// expression whose value picks the group is.
#[derive(Debug, Clone)]
pub(crate) struct ChoiceIndex {
    /// The way from the filter to the key: at each step, the left (`false`) or right
    /// (`true`) operand of an `and`, and last of the equality.
    key_path: Vec<bool>,
    /// The group of each value of the column, in [`Self::groups`].
    group_of: HashMap<String, usize>,
    /// Positions in the list of the choices with one value of the column, in order.
    groups: Vec<Vec<u32>>,
}

impl ChoiceIndex {
    /// An index for `filter` over `choices`, when the filter is (or holds, joined by
    /// `and`) an equality between a column of the choice and an answer or a literal.
    pub(crate) fn plan(filter: &Node, choices: &[Choice]) -> Option<ChoiceIndex> {
        let mut key_path = Vec::new();
        let column = equality(filter, &mut key_path)?;
        let mut group_of: HashMap<String, usize> = HashMap::default();
        let mut groups: Vec<Vec<u32>> = Vec::new();
        for (i, choice) in choices.iter().enumerate() {
            let position = u32::try_from(i).ok()?;
            let value = column.of(choice);
            let group = if let Some(&g) = group_of.get(value) {
                g
            } else {
                group_of.insert(value.to_owned(), groups.len());
                groups.push(Vec::new());
                groups.len() - 1
            };
            groups[group].push(position);
        }
        Some(ChoiceIndex { key_path, group_of, groups })
    }

    /// The expression of `filter` (the one the index was planned for) whose value the
    /// column must equal: evaluated in the question's context, without a choice.
    pub(crate) fn key<'f>(&self, filter: &'f Node) -> &'f Node {
        let mut node = filter;
        for &right in &self.key_path {
            if let Node::Bin(_, lhs, rhs) = node {
                node = if right { rhs } else { lhs };
            }
        }
        node
    }

    /// Positions of the choices whose column equals `value` as a string (XPath's `=`
    /// between two strings), in list order.
    pub(crate) fn positions(&self, value: &str) -> &[u32] {
        self.group_of.get(value).map_or(&[], |&g| self.groups[g].as_slice())
    }
}

/// The column of the first equality the filter needs to hold, with the way to its
/// key pushed onto `path`.
fn equality(filter: &Node, path: &mut Vec<bool>) -> Option<Column> {
    let Node::Bin(op, lhs, rhs) = filter else { return None };
    match op {
        BinOp::And => {
            for (right, side) in [(false, lhs), (true, rhs)] {
                path.push(right);
                if let Some(column) = equality(side, path) {
                    return Some(column);
                }
                path.pop();
            }
            None
        }
        BinOp::Eq => {
            let column = |n: &Node| match n {
                Node::ChoiceName => Some(Column::Name),
                Node::ChoiceAttr(key) => Some(Column::Attribute(key.clone())),
                _ => None,
            };
            let (column, right) = match (column(lhs), column(rhs)) {
                (Some(c), None) if is_key(rhs) => (c, true),
                (None, Some(c)) if is_key(lhs) => (c, false),
                _ => return None,
            };
            path.push(right);
            Some(column)
        }
        _ => None,
    }
}

/// Whether `node` can be a key: a value of the form, or a literal (never the choice
/// being decided on). Cascades compare a column with one answer: `${township}`.
fn is_key(node: &Node) -> bool {
    matches!(node, Node::Field(_) | Node::Lit(_) | Node::HomeField(_) | Node::Origin)
}

#[cfg(test)]
mod tests {
    use super::Node;
    use crate::Form;

    /// Which filters get an index: an equality of a choice column with an expression of
    /// answers, alone or as a term of `and`; not `or`, not a comparison of two columns.
    #[test]
    fn cascades_are_indexed_and_other_filters_are_not() {
        let cases = [
            ("region = ${t}", Some("b")),
            ("${t} = region", Some("b")),
            ("name != 'x' and region = ${t}", Some("b")),
            ("name = ${t}", Some("b1")),
            ("region = ${t} or name = 'a1'", None),
            ("region = name", None),
            ("region != ${t}", None),
            ("starts-with(region, ${t})", None),
            ("region = concat(${t}, '')", None),
        ];
        for (filter, key) in cases {
            let q = serde_json::json!({
                "id": "f", "version": "1", "title": "t",
                "items": [
                    {"type": "text", "name": "t", "label": "t"},
                    {"type": "select_one", "name": "pick", "label": "p", "choices": "places",
                     "choice_filter": filter}
                ],
                "choice_lists": {"places": [
                    {"name": "a1", "label": "a1", "attributes": {"region": "a"}},
                    {"name": "b1", "label": "b1", "attributes": {"region": "b"}}
                ]}
            });
            let form = Form::from_json(&q.to_string()).unwrap();
            let index = form.field(form.lookup("pick").unwrap()).choice_index.as_deref();
            assert_eq!(index.is_some(), key.is_some(), "{filter}");
            if let (Some(index), Some(key)) = (index, key) {
                assert_eq!(index.positions(key), [1], "{filter}");
                let filter =
                    form.field(form.lookup("pick").unwrap()).choice_filter.as_ref().unwrap();
                assert!(matches!(index.key(filter), Node::Field(_)), "{filter:?}");
                assert!(index.positions("nowhere").is_empty());
            }
        }
    }
}
