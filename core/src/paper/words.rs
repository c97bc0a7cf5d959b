//! Skip instructions in words: a relevance expression as an enumerator reads it on
//! paper ("仅当第 5 题选“是”时回答 / Answer only if Q5 is “Yes”").
//!
//! The common shapes are said in words: `${q} = 'v'`, `!=`, `selected(${q}, 'v')`,
//! comparisons with a number or a text, `${q} != ''` (answered), and `and`, `or` and
//! `not(…)` of those. Anything else is printed as written, with every `${name}` of a
//! numbered question replaced by its number, so no condition is ever dropped.

use crate::expr::{BinOp, Expr, ExprKind, num_to_string, parse};

use super::index::Index;
use super::phrases::{Phrases, Scope, quote};

/// The skip instruction for `relevant`, in the language of `ph`.
pub(crate) fn instruction(relevant: &str, index: &Index, ph: &Phrases, scope: Scope) -> String {
    match parse(relevant).ok().and_then(|e| condition(&e, false, index, ph)) {
        Some(c) => ph.only_if(&c.render(ph, true), scope),
        None => ph.only_if_expr(&readable(relevant, index), scope),
    }
}

/// A condition in words: one statement, or statements that must all (or any) hold.
enum Cond {
    Atom(String),
    All(Vec<Cond>),
    Any(Vec<Cond>),
}

impl Cond {
    fn render(&self, ph: &Phrases, top: bool) -> String {
        let (parts, joiner) = match self {
            Cond::Atom(s) => return s.clone(),
            Cond::All(parts) => (parts, ph.and),
            Cond::Any(parts) => (parts, ph.or),
        };
        let inner: Vec<String> = parts.iter().map(|p| p.render(ph, false)).collect();
        let joined = inner.join(joiner);
        if top { joined } else { format!("{}{joined}{}", ph.open, ph.close) }
    }

    /// Flattens `a and (b and c)` into one list of three.
    fn all(a: Cond, b: Cond) -> Cond {
        let mut parts = Vec::new();
        for c in [a, b] {
            match c {
                Cond::All(inner) => parts.extend(inner),
                other => parts.push(other),
            }
        }
        Cond::All(parts)
    }

    fn any(a: Cond, b: Cond) -> Cond {
        let mut parts = Vec::new();
        for c in [a, b] {
            match c {
                Cond::Any(inner) => parts.extend(inner),
                other => parts.push(other),
            }
        }
        Cond::Any(parts)
    }
}

/// `e` in words (negated when `neg`), or `None` when it has a shape not said in words.
fn condition(e: &Expr, neg: bool, index: &Index, ph: &Phrases) -> Option<Cond> {
    match &e.kind {
        ExprKind::Binary { op: op @ (BinOp::And | BinOp::Or), lhs, rhs } => {
            let l = condition(lhs, neg, index, ph)?;
            let r = condition(rhs, neg, index, ph)?;
            // De Morgan: not(a and b) is (not a) or (not b).
            Some(if (*op == BinOp::And) != neg { Cond::all(l, r) } else { Cond::any(l, r) })
        }
        ExprKind::Call { name, args } if name == "not" && args.len() == 1 => {
            condition(&args[0], !neg, index, ph)
        }
        ExprKind::Call { name, args } if name == "selected" && args.len() == 2 => {
            let (ExprKind::Ref(q), ExprKind::String(v)) = (&args[0].kind, &args[1].kind) else {
                return None;
            };
            let subject = index.get(q)?;
            let label = index.choice_label(q, v).unwrap_or(v);
            Some(Cond::Atom(ph.selected(&subject.reference, label, neg)))
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let (q, op, value) = match (&lhs.kind, &rhs.kind) {
                (ExprKind::Ref(q), v) => (q, *op, v),
                (v, ExprKind::Ref(q)) => (q, flip(*op)?, v),
                _ => return None,
            };
            let op = if neg { negate(op)? } else { op };
            let subject = index.get(q)?;
            let s = &subject.reference;
            let atom = match value {
                ExprKind::String(v) if v.is_empty() => match op {
                    BinOp::Eq => ph.unanswered(s),
                    BinOp::Ne => ph.answered(s),
                    _ => return None,
                },
                ExprKind::String(v) if subject.choices.is_some() => {
                    let label = index.choice_label(q, v).unwrap_or(v);
                    match op {
                        BinOp::Eq => ph.is_choice(s, label),
                        BinOp::Ne => ph.is_not_choice(s, label),
                        _ => return None,
                    }
                }
                ExprKind::String(v) => ph.compare(s, op, &quote(v))?,
                ExprKind::Number(n) => ph.compare(s, op, &num_to_string(*n))?,
                ExprKind::Neg(inner) => match inner.kind {
                    ExprKind::Number(n) => ph.compare(s, op, &num_to_string(-n))?,
                    _ => return None,
                },
                _ => return None,
            };
            Some(Cond::Atom(atom))
        }
        _ => None,
    }
}

/// The operator with its operands swapped: `1 < x` is `x > 1`.
fn flip(op: BinOp) -> Option<BinOp> {
    Some(match op {
        BinOp::Eq | BinOp::Ne => op,
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        _ => return None,
    })
}

/// The comparison that holds exactly when `op` does not.
fn negate(op: BinOp) -> Option<BinOp> {
    Some(match op {
        BinOp::Eq => BinOp::Ne,
        BinOp::Ne => BinOp::Eq,
        BinOp::Lt => BinOp::Ge,
        BinOp::Le => BinOp::Gt,
        BinOp::Gt => BinOp::Le,
        BinOp::Ge => BinOp::Lt,
        _ => return None,
    })
}

/// `expr` as written, with each `${name}` replaced by how the paper names that item
/// ("第 5 题" / "Q5"); a name the index does not know is kept as written.
pub(crate) fn readable(expr: &str, index: &Index) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut from = 0;
    for (name, span) in crate::form::find_refs(expr) {
        let range = span.range();
        out.push_str(&expr[from..range.start]);
        match index.get(name) {
            Some(subject) => out.push_str(&subject.reference),
            None => out.push_str(&expr[range.clone()]),
        }
        from = range.end;
    }
    out.push_str(&expr[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Form;

    /// Q1 consent (yes/no), Q2 age, Q3 hardship (select_multiple), Q4 name; `n_away` is
    /// computed without a label.
    const FORM: &str = r#"{
      "id": "t", "version": "1", "title": "t",
      "items": [
        {"type": "select_one", "name": "consent", "label": {"zh": "同意吗", "en": "Consent?"}, "choices": "yesno"},
        {"type": "integer", "name": "age", "label": {"zh": "年龄", "en": "Age"}},
        {"type": "select_multiple", "name": "hardship", "label": {"zh": "困难", "en": "Hardship"}, "choices": "hard"},
        {"type": "text", "name": "name", "label": {"zh": "姓名", "en": "Name"}},
        {"type": "calculate", "name": "n_away", "calculation": "1"},
        {"type": "note", "name": "end", "label": "end"}
      ],
      "choice_lists": {
        "yesno": [{"name": "yes", "label": {"zh": "是", "en": "Yes"}}, {"name": "no", "label": {"zh": "否", "en": "No"}}],
        "hard": [{"name": "ill", "label": {"zh": "患病", "en": "Illness"}}, {"name": "poor", "label": {"zh": "贫困", "en": "Poverty"}}]
      }
    }"#;

    fn say(relevant: &str, lang: &str) -> String {
        let form = Form::from_json(FORM).expect("test form loads");
        let ph = Phrases::for_lang(lang);
        let index = Index::new(form.questionnaire(), lang, ph);
        instruction(relevant, &index, ph, Scope::Question)
    }

    #[test]
    fn relevance_in_words() {
        let table: &[(&str, &str, &str)] = &[
            ("${consent} = 'yes'", "仅当第 1 题选“是”时回答", "Answer only if Q1 is “Yes”"),
            ("'yes' = ${consent}", "仅当第 1 题选“是”时回答", "Answer only if Q1 is “Yes”"),
            ("${consent} != 'no'", "仅当第 1 题未选“否”时回答", "Answer only if Q1 is not “No”"),
            (
                "selected(${hardship}, 'ill')",
                "仅当第 3 题选“患病”时回答",
                "Answer only if Q3 includes “Illness”",
            ),
            (
                "not(selected(${hardship}, 'poor'))",
                "仅当第 3 题未选“贫困”时回答",
                "Answer only if Q3 does not include “Poverty”",
            ),
            ("${age} >= 8", "仅当第 2 题不小于 8 时回答", "Answer only if Q2 is at least 8"),
            ("16 > ${age}", "仅当第 2 题小于 16 时回答", "Answer only if Q2 is less than 16"),
            ("${age} > -1", "仅当第 2 题大于 -1 时回答", "Answer only if Q2 is more than -1"),
            ("not(${age} < 16)", "仅当第 2 题不小于 16 时回答", "Answer only if Q2 is at least 16"),
            ("${name} != ''", "仅当第 4 题已填时回答", "Answer only if Q4 is answered"),
            ("${name} = ''", "仅当第 4 题未填时回答", "Answer only if Q4 is not answered"),
            ("${name} = 'Li'", "仅当第 4 题为“Li”时回答", "Answer only if Q4 is “Li”"),
            (
                "${consent} = 'yes' and ${age} >= 8",
                "仅当第 1 题选“是”，且第 2 题不小于 8 时回答",
                "Answer only if Q1 is “Yes” and Q2 is at least 8",
            ),
            (
                "${consent} = 'yes' or selected(${hardship}, 'ill') or ${age} = 3",
                "仅当第 1 题选“是”，或第 3 题选“患病”，或第 2 题等于 3 时回答",
                "Answer only if Q1 is “Yes” or Q3 includes “Illness” or Q2 is 3",
            ),
            (
                "${consent} = 'yes' and (${age} < 6 or ${age} > 60)",
                "仅当第 1 题选“是”，且（第 2 题小于 6，或第 2 题大于 60）时回答",
                "Answer only if Q1 is “Yes” and (Q2 is less than 6 or Q2 is more than 60)",
            ),
            (
                "not(${consent} = 'yes' and ${age} > 3)",
                "仅当第 1 题未选“是”，或第 2 题不大于 3 时回答",
                "Answer only if Q1 is not “Yes” or Q2 is at most 3",
            ),
            // A computed value without a label is named by its name.
            ("${n_away} > 0", "仅当 n_away 大于 0 时回答", "Answer only if n_away is more than 0"),
            ("${n_away} != ''", "仅当 n_away 已填时回答", "Answer only if n_away is answered"),
            // Too complex for words: printed as written, numbers for names.
            (
                "count-selected(${hardship}) > 1 and ${age} + 1 > 2",
                "仅当以下条件成立时回答：count-selected(第 3 题) > 1 and 第 2 题 + 1 > 2",
                "Answer only if: count-selected(Q3) > 1 and Q2 + 1 > 2",
            ),
            (
                "${consent} = ${name}",
                "仅当以下条件成立时回答：第 1 题 = 第 4 题",
                "Answer only if: Q1 = Q4",
            ),
        ];
        for (relevant, zh, en) in table {
            assert_eq!(say(relevant, "zh"), *zh, "{relevant}");
            assert_eq!(say(relevant, "en"), *en, "{relevant}");
        }
    }

    #[test]
    fn unknown_choice_names_keep_the_value() {
        assert_eq!(say("${consent} = 'maybe'", "en"), "Answer only if Q1 is “maybe”");
    }
}
