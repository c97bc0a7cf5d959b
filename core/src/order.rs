//! Ordering short or nearly ordered lists.

/// Sorts `items` so that `a` comes before `b` whenever `before(a, b)`, keeping the
/// others in their order (an insertion sort: quick for the short or nearly sorted lists
/// it is used on, and one small function instead of a `sort_by` instantiation per call
/// site, kilobytes each in the browser build).
pub fn sort_nearly_sorted_by<T>(items: &mut [T], before: impl Fn(&T, &T) -> bool) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && before(&items[j], &items[j - 1]) {
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
        sort_nearly_sorted_by(&mut items, |a, b| a.0 < b.0);
        assert_eq!(items, [(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')]);
        sort_nearly_sorted_by(&mut items, |a, b| a.0 > b.0);
        assert_eq!(items, [(3, 'a'), (3, 'c'), (2, 'd'), (1, 'b'), (1, 'e')]);
        let mut empty: [u8; 0] = [];
        sort_nearly_sorted_by(&mut empty, |a, b| a < b);
    }
}
