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
            Column::Attribute(key) => choice.attributes.get(key).map_or("", String::as_str),
        }
    }
}

/// The choices of one list grouped by one column, and the expression whose value picks
/// the group.
#[derive(Debug, Clone)]
pub(crate) struct ChoiceIndex {
    /// Evaluated in the question's context, without a choice: the column's value wanted.
    pub(crate) key: Node,
    /// Positions in the list of the choices with each value of the column.
    by_value: HashMap<String, Vec<u32>>,
}

impl ChoiceIndex {
    /// An index for `filter` over `choices`, when the filter is (or starts with, joined
    /// by `and`) an equality between a column of the choice and an expression that does
    /// not read the choice.
    pub(crate) fn plan(filter: &Node, choices: &[Choice]) -> Option<ChoiceIndex> {
        let (column, key) = equality(filter)?;
        let mut by_value: HashMap<String, Vec<u32>> = HashMap::default();
        for (i, choice) in choices.iter().enumerate() {
            let position = u32::try_from(i).ok()?;
            by_value.entry(column.of(choice).to_owned()).or_default().push(position);
        }
        Some(ChoiceIndex { key: key.clone(), by_value })
    }

    /// Positions of the choices whose column equals `value` as a string (XPath's `=`
    /// between two strings), in list order.
    pub(crate) fn positions(&self, value: &str) -> &[u32] {
        self.by_value.get(value).map_or(&[], Vec::as_slice)
    }
}

/// The column and the key of the first equality the filter needs to hold.
fn equality(filter: &Node) -> Option<(Column, &Node)> {
    let Node::Bin(op, lhs, rhs) = filter else { return None };
    match op {
        BinOp::And => equality(lhs).or_else(|| equality(rhs)),
        BinOp::Eq => {
            let column = |n: &Node| match n {
                Node::ChoiceName => Some(Column::Name),
                Node::ChoiceAttr(key) => Some(Column::Attribute(key.clone())),
                _ => None,
            };
            match (column(lhs), column(rhs)) {
                (Some(c), None) if !reads_choice(rhs) => Some((c, rhs)),
                (None, Some(c)) if !reads_choice(lhs) => Some((c, lhs)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether `node` reads the choice being decided on anywhere (counting, to be safe,
/// readings inside the predicates of sets, where no choice is in context).
fn reads_choice(node: &Node) -> bool {
    let set_reads = |set: &super::node::Set| set.predicates.iter().any(reads_choice);
    match node {
        Node::ChoiceName | Node::ChoiceAttr(_) => true,
        Node::Lit(_)
        | Node::Field(_)
        | Node::Current(_)
        | Node::Origin
        | Node::HomeField(_)
        | Node::RowPosition(_)
        | Node::PredPosition => false,
        Node::Neg(inner) | Node::Regex(inner, _) | Node::ChoiceLabel(inner, _) => {
            reads_choice(inner)
        }
        Node::Bin(_, lhs, rhs) => reads_choice(lhs) || reads_choice(rhs),
        Node::Call(_, args) => args.iter().any(reads_choice),
        Node::Agg(_, set, extra) => set_reads(set) || extra.iter().any(reads_choice),
        Node::Indexed(set, indices) => set_reads(set) || indices.iter().any(|(_, n)| reads_choice(n)),
    }
}

#[cfg(test)]
mod tests {
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
                assert!(index.positions("nowhere").is_empty());
            }
        }
    }
}
