//! Precedence climbing: turns `operand (op operand)*` into a tree.

/// An operator that can be climbed over.
pub(crate) trait Op: Copy {
    /// Higher binds tighter.
    fn precedence(self) -> u8;
}

impl Op for super::BinOp {
    fn precedence(self) -> u8 {
        super::BinOp::precedence(self)
    }
}

/// Builds the left-associative tree for `head (op operand)*`, calling `combine(lhs,
/// op, rhs)` for each node.
pub(crate) fn climb<E, O: Op>(
    head: E,
    tail: Vec<(O, E)>,
    combine: &mut impl FnMut(E, O, E) -> E,
) -> E {
    let mut tail = tail.into_iter().peekable();
    climb_from(head, &mut tail, 0, combine)
}

fn climb_from<E, O: Op, I: Iterator<Item = (O, E)>>(
    mut lhs: E,
    tail: &mut std::iter::Peekable<I>,
    min: u8,
    combine: &mut impl FnMut(E, O, E) -> E,
) -> E {
    while let Some(&(op, _)) = tail.peek() {
        if op.precedence() < min {
            break;
        }
        let (op, mut rhs) = tail.next().expect("peeked");
        while let Some(&(next, _)) = tail.peek() {
            if next.precedence() <= op.precedence() {
                break;
            }
            rhs = climb_from(rhs, tail, next.precedence(), combine);
        }
        lhs = combine(lhs, op, rhs);
    }
    lhs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy)]
    struct O(char);
    impl Op for O {
        fn precedence(self) -> u8 {
            if self.0 == '*' { 2 } else { 1 }
        }
    }

    #[test]
    fn multiplication_binds_tighter_and_all_is_left_associative() {
        let tail = vec![
            (O('+'), "b".to_owned()),
            (O('*'), "c".into()),
            (O('-'), "d".into()),
            (O('*'), "e".into()),
        ];
        let tree = climb("a".to_owned(), tail, &mut |l, o, r| format!("({l}{}{r})", o.0));
        assert_eq!(tree, "((a+(b*c))-(d*e))");
    }
}
