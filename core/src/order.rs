//! Ordering short or nearly ordered lists.

/// Sorts `items` by `key`, keeping equal keys in their order (an insertion sort: quick
/// for the short or nearly sorted lists it is used on, and one small function instead
/// of a `sort_by_key` instantiation per call site, kilobytes each in the browser build).
pub(crate) fn sort_nearly_sorted_by_key<T, K: PartialOrd>(items: &mut [T], key: impl Fn(&T) -> K) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && key(&items[j - 1]) > key(&items[j]) {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_and_keeps_equal_keys_in_order() {
        let mut items = [(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e')];
        sort_nearly_sorted_by_key(&mut items, |&(k, _)| k);
        assert_eq!(items, [(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')]);
        let mut empty: [u8; 0] = [];
        sort_nearly_sorted_by_key(&mut empty, |&k| k);
    }
}
