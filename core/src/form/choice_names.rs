//! A choice list's index by name: the positions of its choices sorted by name, searched
//! by halves. Four bytes a choice, where a hash map with its own copy of every name took
//! about forty in the browser: a province's list of 50,000 villages is looked up in
//! 200 KB.
//!
//! What must stay true: the index holds the first choice of each name only (a name may
//! repeat, with other attributes, in a cascade), so a lookup gives the first.

use crate::schema::Choice;

/// The index of `choices` by name, and for each choice whether it repeats the name
/// *and* the attributes of an earlier one (a duplicate, which is an error).
pub(super) fn index(choices: &[Choice]) -> (Box<[u32]>, Vec<bool>) {
    let name = |i: u32| choices[i as usize].name.as_str();
    let mut order: Vec<u32> = (0..choices.len() as u32).collect();
    // The choices of one name in the list's order, the first first.
    order.sort_unstable_by(|&a, &b| name(a).cmp(name(b)).then(a.cmp(&b)));
    let mut repeated = vec![false; choices.len()];
    for group in order.chunk_by(|&a, &b| name(a) == name(b)) {
        for (j, &later) in group.iter().enumerate().skip(1) {
            let attributes = &choices[later as usize].attributes;
            repeated[later as usize] = group[..j]
                .iter()
                .any(|&earlier| choices[earlier as usize].attributes == *attributes);
        }
    }
    order.dedup_by(|later, first| name(*later) == name(*first));
    (order.into_boxed_slice(), repeated)
}

/// The first choice named `name`, found through `index` (made by [`index`] from
/// `choices`).
pub(super) fn find<'c>(choices: &'c [Choice], index: &[u32], name: &str) -> Option<&'c Choice> {
    let at = index.binary_search_by(|&i| choices[i as usize].name.as_str().cmp(name)).ok()?;
    Some(&choices[index[at] as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(name: &str, township: &str) -> Choice {
        let mut c = Choice::new(name, name);
        c.attributes.insert("township", township);
        c
    }

    #[test]
    fn finds_the_first_of_each_name_and_flags_only_true_duplicates() {
        let choices = [
            choice("b", "t1"),
            choice("a", "t1"),
            choice("b", "t2"),
            choice("c", "t1"),
            choice("b", "t1"),
            choice("b", "t2"),
        ];
        let (index, repeated) = index(&choices);
        assert_eq!(&*index, [1, 0, 3]);
        assert_eq!(repeated, [false, false, false, false, true, true]);
        let township =
            |n: &str| find(&choices, &index, n).map(|c| c.attributes.get("township").unwrap());
        assert_eq!(
            (township("a"), township("b"), township("c")),
            (Some("t1"), Some("t1"), Some("t1"))
        );
        assert_eq!(find(&choices, &index, "d").map(|c| &c.name), None);
        assert_eq!(find(&choices, &index, "").map(|c| &c.name), None);
        let (empty, none) = super::index(&[]);
        assert!(empty.is_empty() && none.is_empty());
        assert!(find(&[], &empty, "a").is_none());
    }
}
