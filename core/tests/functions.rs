//! The logic language's functions and conversions at their edges, one expression a row:
//! each limit exactly at and just past it, empty strings, NaN and infinities, zero and
//! negative indices and counts. The expected values are XPath 1.0's and ODK Collect's
//! (JavaRosa's `XPathFuncExpr`: `toBoolean`, `toString`, `substring`, `round`,
//! `selectedAt`, …), worked out by hand from them, not read back from Tianye.

use serde_json::{Value, json};
use tianye_core::{Form, Options, Response};

/// Evaluates `expr` as a calculation, as of 2026-07-01 10:30 (+08:00), over answers with
/// a few whitespace-padded texts, a three-row roster, and a roster that is not relevant
/// but was answered; returns the calculated value as JSON.
fn eval(expr: &str) -> Value {
    let q = json!({
        "id": "f", "version": "1", "title": "f",
        "items": [
            {"type": "integer", "name": "n", "label": "n"},
            {"type": "text", "name": "padded", "label": "p"},
            {"type": "repeat", "name": "m", "label": "m", "items": [
                {"type": "integer", "name": "m_age", "label": "a"},
                {"type": "text", "name": "m_name", "label": "n"}
            ]},
            {"type": "repeat", "name": "gone", "label": "g", "relevant": "false()", "items": [
                {"type": "integer", "name": "g_x", "label": "x"}
            ]},
            {"type": "calculate", "name": "c", "calculation": expr}
        ]
    });
    let form = Form::from_json(&q.to_string()).unwrap_or_else(|e| panic!("{expr}: {e}"));
    let response: Response = serde_json::from_value(json!({
        "instance_id": "5f0c2a4e-8d1b-4c3e-9f6a-1b2c3d4e5f60",
        "questionnaire": {"id": "f", "version": "1"},
        "status": "draft",
        "answers": {
            "n": 4,
            "padded": "\t12\n",
            "m": [
                {"m_age": 40, "m_name": "王大"},
                {"m_age": 9, "m_name": "王小"},
                {"m_age": 15, "m_name": "李芳"}
            ],
            "gone": [{"g_x": 5}, {"g_x": 7}]
        },
        "meta": {"submitted_at": "2026-07-01T10:30:00+08:00"}
    }))
    .unwrap();
    form.validate(&response, &Options::default()).values["c"].clone()
}

/// Runs `table` and lists the rows whose value is not the one expected (numbers equal
/// within 1e-12, anything else exactly).
fn wrong(table: &[(&str, Value)]) -> Vec<String> {
    let mut out = Vec::new();
    for (expr, want) in table {
        let got = eval(expr);
        let same = match (got.as_f64(), want.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() < 1e-12,
            _ => &got == want,
        };
        if !same {
            out.push(format!("{expr}: expected {want}, got {got}"));
        }
    }
    out
}

/// XPath's conversions as JavaRosa makes them: a number is true when its magnitude is
/// above 1e-12; it prints as `0` below 1e-12 and in Java's `Double.toString` form from
/// there; `=` with a number on either side compares numbers (within 1e-12), two strings
/// compare as strings; NaN is empty for `coalesce`; a string's surrounding whitespace
/// (any control character as well as spaces) is ignored by `number()`.
#[test]
fn conversions_at_their_limits() {
    let table = [
        ("boolean(0.000000000001)", json!(false)),
        ("boolean(0.000000000002)", json!(true)),
        ("boolean(-0.5)", json!(true)),
        ("boolean(0 div 0)", json!(false)),
        ("boolean('')", json!(false)),
        ("boolean('0')", json!(true)),
        ("boolean(today())", json!(true)),
        ("string(0.0000000000009)", json!("0")),
        ("string(0.000000000001)", json!("1.0E-12")),
        ("string(-0.000000000001)", json!("-1.0E-12")),
        ("string(0.5)", json!("0.5")),
        ("string(-1 div 0)", json!("-Infinity")),
        ("string(true())", json!("true")),
        ("0 = 0.0000000000009", json!(true)),
        ("0 = 0.000000000001", json!(false)),
        ("'1.50' = 1.5", json!(true)),
        ("1.5 = '1.50'", json!(true)),
        ("'1.50' = '1.5'", json!(false)),
        ("'1.50' != 1.5", json!(false)),
        ("coalesce(0 div 0, 'x')", json!("x")),
        ("coalesce('', 'y')", json!("y")),
        ("coalesce('a', 'y')", json!("a")),
        ("number(${padded})", json!(12)),
        ("number(' 1,5 ')", json!(1.5)),
        ("number('-')", json!(null)),
        ("number(true())", json!(1)),
    ];
    let wrong = wrong(&table);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A calculated whole number is written as a JSON integer while every integer up to it
/// is exact in a double (JavaScript's safe integers, below 2^53); from 2^53 on it is a
/// float, so a reader in the browser never gets an integer it cannot hold.
#[test]
fn whole_numbers_are_json_integers_up_to_the_safe_limit() {
    let below = eval("9007199254740991");
    assert!(below.is_i64(), "2^53 - 1 is an integer: {below}");
    assert_eq!(below.as_i64(), Some(9_007_199_254_740_991));
    let negative = eval("-9007199254740991");
    assert_eq!(negative.as_i64(), Some(-9_007_199_254_740_991), "{negative}");
    let at = eval("9007199254740992");
    assert!(at.is_f64(), "2^53 is a float: {at}");
    assert_eq!(at.as_f64(), Some(9_007_199_254_740_992.0));
    assert!(eval("7 div 2").is_f64());
    assert!(eval("6 div 2").is_i64());
}

/// Every comparison and arithmetic operator, with the comparisons at equality, and the
/// boolean operators over each pair.
#[test]
fn operators_at_equality() {
    let table = [
        ("2 < 2", json!(false)),
        ("1 < 2", json!(true)),
        ("2 <= 2", json!(true)),
        ("3 <= 2", json!(false)),
        ("2 > 2", json!(false)),
        ("3 > 2", json!(true)),
        ("2 >= 2", json!(true)),
        ("1 >= 2", json!(false)),
        ("2 = 2", json!(true)),
        ("2 != 2", json!(false)),
        ("2 != 3", json!(true)),
        ("5 - 3", json!(2)),
        ("2 * 3", json!(6)),
        ("2 + 3", json!(5)),
        ("-${n}", json!(-4)),
        ("5.5 mod 2", json!(1.5)),
        ("true() and true()", json!(true)),
        ("true() and false()", json!(false)),
        ("false() or false()", json!(false)),
        ("false() or true()", json!(true)),
        ("not('')", json!(true)),
        ("not(1)", json!(false)),
    ];
    let wrong = wrong(&table);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The numeric functions, each at a point where it differs from the others, and `round`
/// as JavaRosa does it: halves up for positive numbers and towards zero for negative
/// ones, places up to 30 either way (NaN beyond), a number with no more digits than asked
/// for unchanged.
#[test]
fn numeric_functions() {
    let pi = std::f64::consts::PI;
    let table = [
        ("int(2.7)", json!(2)),
        ("int(-2.7)", json!(-2)),
        ("floor(-2.5)", json!(-3)),
        ("ceiling(-2.5)", json!(-2)),
        ("ceiling(2.1)", json!(3)),
        ("abs(-3)", json!(3)),
        ("sqrt(16)", json!(4)),
        ("exp(0)", json!(1)),
        ("exp(1)", json!(std::f64::consts::E)),
        ("exp10(2)", json!(100)),
        ("log(1)", json!(0)),
        ("log10(1000)", json!(3)),
        ("sin(pi() div 2)", json!(1)),
        ("cos(0)", json!(1)),
        ("tan(pi() div 4)", json!(1)),
        ("asin(1)", json!(pi / 2.0)),
        ("acos(1)", json!(0)),
        ("atan(1)", json!(pi / 4.0)),
        ("atan2(1, 1)", json!(pi / 4.0)),
        ("pow(2, 10)", json!(1024)),
        ("pi()", json!(pi)),
        ("round(-2.7)", json!(-3)),
        ("round(2.5, 1)", json!(2.5)),
        ("round(-1.0051, 2)", json!(-1.01)),
        ("round(1.5, 30)", json!(1.5)),
        ("round(1.5, 31)", json!(null)),
        ("round(1.5, -31)", json!(null)),
        ("round(15, -1)", json!(20)),
        ("round(0 div 0)", json!(null)),
        ("round(1 div 0)", json!("Infinity")),
        ("min(3, 1, 2)", json!(1)),
        ("min('x', 4, 2)", json!(2)),
        ("max(2, 9, 4)", json!(9)),
    ];
    let wrong = wrong(&table);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// String functions at their edges: `substr` with zero, negative (counted from the end)
/// and fractional (truncated) indices and an end before its start; a text not found;
/// characters translated to nothing; a pattern that is not a regular expression.
/// The math functions give the `libm` crate's bits, not the platform's: the browser's
/// `Math` gives libm's bits (`web/tests/math.rs`), so a check such as
/// `log(${x}) < -4.605170185988091` has one verdict on the server, in the CLI and in the
/// app. Each input is one where glibc's result is one bit away from libm's.
#[test]
fn math_functions_give_the_bits_of_libm() {
    let table: [(&str, f64); 12] = [
        ("sin(0.117)", libm::sin(0.117)),
        ("cos(0.24)", libm::cos(0.24)),
        ("tan(0.082)", libm::tan(0.082)),
        ("asin(0.00571)", libm::asin(0.00571)),
        ("acos(0.00511)", libm::acos(0.00511)),
        ("atan(0.044)", libm::atan(0.044)),
        ("exp(0.019)", libm::exp(0.019)),
        ("log(0.01)", libm::log(0.01)),
        ("log10(0.054)", libm::log10(0.054)),
        ("exp10(0.057)", libm::pow(10.0, 0.057)),
        ("pow(0.03, 1.3)", libm::pow(0.03, 1.3)),
        ("atan2(0.01, 2.9)", libm::atan2(0.01, 2.9)),
    ];
    let mut wrong = Vec::new();
    for (expr, want) in table {
        let got = eval(expr);
        if got.as_f64().map(f64::to_bits) != Some(want.to_bits()) {
            wrong.push(format!("{expr} = {got}, want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn string_functions_at_their_edges() {
    let table = [
        ("substr('abcdef', 2)", json!("cdef")),
        ("substr('abcdef', 0, 2)", json!("ab")),
        ("substr('abcdef', 1, -1)", json!("bcde")),
        ("substr('abcdef', 2, 0)", json!(null)),
        ("substr('abcdef', 4, 2)", json!(null)),
        ("substr('abcdef', 3, 3)", json!(null)),
        ("substr('abcdef', 1.7, 3.9)", json!("bc")),
        ("substr('abcdef', -10)", json!("abcdef")),
        ("substr('abcdef', 2, 100)", json!("cdef")),
        ("substring-before('abc', 'x')", json!(null)),
        ("substring-after('abc', 'x')", json!(null)),
        ("substring-after('aXYb', 'XY')", json!("b")),
        ("translate('a-b', '-', '')", json!("ab")),
        ("concat('a', 1, true())", json!("a1true")),
        ("join('-', 'a', 'b', 'c')", json!("a-b-c")),
        ("ends-with('abc', 'bc')", json!(true)),
        ("ends-with('abc', 'ab')", json!(false)),
        ("starts-with('abc', 'bc')", json!(false)),
        ("contains('abc', 'd')", json!(false)),
        ("regex('abc', concat('[', ''))", json!(false)),
        ("string-length('')", json!(0)),
        ("normalize-space('  a \t b  ')", json!("a b")),
        ("boolean-from-string('TRUE')", json!(true)),
        ("boolean-from-string('1')", json!(true)),
        ("boolean-from-string('0')", json!(false)),
        ("boolean-from-string('yes')", json!(false)),
    ];
    let wrong = wrong(&table);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Selections as space-separated names: a name trimmed before it is looked for, an empty
/// name never selected, runs of spaces no extra names; `selected-at` counts from 0 and is
/// empty outside the list.
#[test]
fn selections_at_their_edges() {
    let table = [
        ("selected('a b', ' b ')", json!(true)),
        ("selected('a b', '')", json!(false)),
        ("selected('ab', 'a')", json!(false)),
        ("count-selected('a  c')", json!(2)),
        ("count-selected('')", json!(0)),
        ("selected-at('a c', 0)", json!("a")),
        ("selected-at('a c', -1)", json!(null)),
        ("selected-at('a  c', 1)", json!("c")),
        ("selected-at('a c', 2)", json!(null)),
    ];
    let wrong = wrong(&table);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Dates and times from numbers (days since 1970-01-01, the fraction the time of day),
/// strings and `now()`; a day number beyond ±10^8 (some 270,000 years) or infinite is no
/// date.
#[test]
fn dates_and_times_from_numbers_and_strings() {
    let table = [
        ("date(31)", json!("1970-02-01")),
        ("date(today())", json!("2026-07-01")),
        ("date(now())", json!("2026-07-01")),
        ("date('2026-07-01T23:00:00+08:00')", json!("2026-07-01")),
        ("date(31.9)", json!("1970-02-01")),
        ("date(-1)", json!("1969-12-31")),
        ("date(1 div 0)", json!(null)),
        ("date(100000000)", json!(null)),
        ("format-date-time(1.5, '%Y-%m-%d %H:%M')", json!("1970-01-02 12:00")),
        ("format-date-time(100000000, '%Y')", json!(null)),
        ("decimal-date-time(2.5)", json!(2.5)),
        ("decimal-date-time(date('1970-01-03'))", json!(2)),
        ("decimal-time(1.25)", json!(0.25)),
        ("decimal-time('2026-07-01T18:00:00+08:00')", json!(0.75)),
        ("decimal-time(now())", json!(0.4375)),
        ("id-sex('430124201503071234')", json!("male")),
        ("id-sex('430124201502301234')", json!(null)),
        ("id-birth-date('43012420150307123X')", json!("2015-03-07")),
    ];
    let wrong = wrong(&table);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Aggregates over a roster: `concat` of a set joins its values with nothing between;
/// a roster that is not relevant has no rows to count or sum (its answers are cleared).
#[test]
fn aggregates_over_rows() {
    let table = [
        ("concat(${m_name})", json!("王大王小李芳")),
        ("count(${m})", json!(3)),
        ("min(${m_age})", json!(9)),
        ("max(${m_age}[position() > 1])", json!(15)),
        ("count(${gone})", json!(0)),
        ("sum(${g_x})", json!(0)),
        ("count(${m}[position() = 3])", json!(1)),
        ("sum(${m_age}[3])", json!(15)),
    ];
    let wrong = wrong(&table);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
