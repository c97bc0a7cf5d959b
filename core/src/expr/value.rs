//! Run-time values of the logic language and JavaRosa's conversions between them.

use std::borrow::Cow;

use super::datetime::{Date, DateTime, Time};

/// A value an expression produces or reads. Strings borrow from the answers where
/// they can.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// A string; `''` is the empty value.
    Str(Cow<'a, str>),
    /// A number (XPath makes no integer/decimal distinction); NaN is empty.
    Num(f64),
    /// A boolean.
    Bool(bool),
    /// A calendar date.
    Date(Date),
    /// A date and time.
    DateTime(DateTime),
    /// A time of day.
    Time(Time),
}

/// The empty value `''`.
pub const EMPTY: Value<'static> = Value::Str(Cow::Borrowed(""));

impl Value<'_> {
    /// Whether the value counts as empty: `''` or NaN (JavaRosa's `isNull`).
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Str(s) => s.is_empty(),
            Value::Num(n) => n.is_nan(),
            _ => false,
        }
    }

    /// XPath `number()`, with JavaRosa's reading of strings and dates.
    pub fn to_num(&self) -> f64 {
        match self {
            Value::Num(n) => *n,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Str(s) => str_to_num(s),
            Value::Date(d) => f64::from(d.0),
            Value::DateTime(dt) => f64::from(dt.date().0),
            Value::Time(t) => t.fraction(),
        }
    }

    /// XPath `boolean()`.
    pub fn to_bool(&self) -> bool {
        match self {
            Value::Bool(b) => *b,
            Value::Num(n) => n.abs() > 1e-12 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            Value::Date(_) | Value::DateTime(_) | Value::Time(_) => true,
        }
    }

    /// XPath `string()`.
    pub fn to_str(&self) -> Cow<'_, str> {
        match self {
            Value::Str(s) => Cow::Borrowed(s),
            Value::Num(n) => Cow::Owned(num_to_string(*n)),
            Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Value::Date(d) => Cow::Owned(d.to_string()),
            Value::DateTime(dt) => Cow::Owned(dt.to_string()),
            Value::Time(t) => Cow::Owned(t.to_string()),
        }
    }

    /// The same value, owning its string.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::Num(n) => Value::Num(n),
            Value::Bool(b) => Value::Bool(b),
            Value::Date(d) => Value::Date(d),
            Value::DateTime(d) => Value::DateTime(d),
            Value::Time(t) => Value::Time(t),
        }
    }

    /// The value as JSON, the way calculated values appear in reports: numbers as
    /// numbers (infinities as the strings `"Infinity"` and `"-Infinity"`, as ODK
    /// stores them), dates as `YYYY-MM-DD`, empty and NaN as `null`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            v if v.is_empty() => serde_json::Value::Null,
            Value::Num(n) => num_to_json(*n),
            Value::Bool(b) => serde_json::Value::Bool(*b),
            other => serde_json::Value::String(other.to_str().into_owned()),
        }
    }
}

/// A number as JSON: whole numbers as integers, others as floats; JSON has no
/// infinities, so they are the strings ODK writes (`"Infinity"`, `"-Infinity"`), and
/// NaN is `null`.
pub fn num_to_json(n: f64) -> serde_json::Value {
    if n.is_infinite() {
        serde_json::Value::String(num_to_string(n))
    } else if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

/// XPath `number()` of a string, as JavaRosa does it: `,` is read as `.`, surrounding
/// whitespace is ignored, and anything but digits, `-` and `.` gives NaN.
pub fn str_to_num(s: &str) -> f64 {
    let t = s.trim_matches(|c: char| c <= ' ');
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'.' || b == b',')
    {
        return f64::NAN;
    }
    let t: Cow<'_, str> =
        if t.contains(',') { Cow::Owned(t.replace(',', ".")) } else { Cow::Borrowed(t) };
    super::math::decimal(&t).unwrap_or(f64::NAN)
}

/// The shortest decimal digits of a finite, non-zero `x` (no leading or trailing
/// zeros) and the exponent `e` with `|x| = 0.DIGITS × 10^e`.
///
/// Uses zmij, the shortest round-trip formatter serde_json already links, rather than
/// `core::fmt`'s float printing: one float formatter in the browser build, not two.
pub(crate) fn decimal(x: f64) -> (Vec<u8>, i32) {
    let mut buffer = zmij::Buffer::new();
    let text = buffer.format_finite(x.abs());
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.trim_start_matches('+').parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let point = mantissa.find('.').unwrap_or(mantissa.len()) as i32;
    let mut digits: Vec<u8> =
        mantissa.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
    let mut exp = point + exponent;
    while digits.first() == Some(&0) {
        digits.remove(0);
        exp -= 1;
    }
    while digits.last() == Some(&0) {
        digits.pop();
    }
    (digits, exp)
}

fn push_digits(out: &mut String, digits: &[u8]) {
    out.extend(digits.iter().map(|d| char::from(b'0' + d)));
}

/// XPath `string()` of a number, as JavaRosa prints it: whole numbers (within 32-bit
/// range) without a fraction, `NaN`, `Infinity`, and otherwise Java's `Double.toString`
/// (`0.1`, `1.5E7`, `1.0E-4`).
pub fn num_to_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".to_owned();
    }
    if n.abs() < 1e-12 {
        return "0".to_owned();
    }
    if n.is_infinite() {
        return if n < 0.0 { "-Infinity" } else { "Infinity" }.to_owned();
    }
    // Java's `(int) d` saturates at the 32-bit bounds.
    let truncated = n.clamp(f64::from(i32::MIN), f64::from(i32::MAX)).trunc();
    if (n - truncated).abs() < 1e-12 {
        return (truncated as i64).to_string();
    }
    let (digits, exp) = decimal(n);
    let mut out = String::with_capacity(digits.len() + 8);
    if n < 0.0 {
        out.push('-');
    }
    if (1e-3..1e7).contains(&n.abs()) {
        if exp <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp) as usize));
            push_digits(&mut out, &digits);
        } else {
            let whole = exp as usize;
            push_digits(&mut out, &digits[..whole.min(digits.len())]);
            out.extend(std::iter::repeat_n('0', whole.saturating_sub(digits.len())));
            out.push('.');
            if digits.len() > whole {
                push_digits(&mut out, &digits[whole..]);
            } else {
                out.push('0');
            }
        }
    } else {
        push_digits(&mut out, &digits[..1]);
        out.push('.');
        if digits.len() > 1 {
            push_digits(&mut out, &digits[1..]);
        } else {
            out.push('0');
        }
        out.push('E');
        out.push_str(&(exp - 1).to_string());
    }
    out
}

/// XPath `=` with JavaRosa's rules: booleans if either side is boolean, else numbers if
/// either is a number, else strings.
pub fn equals(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Bool(_), _) | (_, Value::Bool(_)) => a.to_bool() == b.to_bool(),
        (Value::Num(_), _) | (_, Value::Num(_)) => (a.to_num() - b.to_num()).abs() < 1e-12,
        _ => a.to_str() == b.to_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value<'_> {
        Value::Str(Cow::Borrowed(text))
    }

    #[test]
    fn strings_to_numbers_like_javarosa() {
        assert_eq!(str_to_num(" 12 "), 12.0);
        assert_eq!(str_to_num("3,5"), 3.5);
        assert_eq!(str_to_num("-.5"), -0.5);
        for nan in ["", "1e3", "abc", "2020-01-01", "--1", ".", "+1", "Infinity"] {
            assert!(str_to_num(nan).is_nan(), "{nan}");
        }
    }

    #[test]
    fn numbers_to_strings_like_java() {
        let cases = [
            (3.0, "3"),
            (-0.0, "0"),
            (0.1, "0.1"),
            (2.5, "2.5"),
            (1.0e-4, "1.0E-4"),
            (12_345_678.9, "1.23456789E7"),
            (3.0e9, "3.0E9"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (3.000_000_000_000_1, "3"),
            (-0.25, "-0.25"),
            (0.001, "0.001"),
            (123.456, "123.456"),
            (9_999_999.5, "9999999.5"),
            (1.5e300, "1.5E300"),
            (-2.5e-7, "-2.5E-7"),
        ];
        for (n, want) in cases {
            assert_eq!(num_to_string(n), want, "{n}");
        }
    }

    #[test]
    fn equality_follows_javarosa() {
        assert!(equals(&s(""), &s("")));
        assert!(!equals(&Value::Num(f64::NAN), &s("")));
        assert!(equals(&Value::Num(5.0), &s("5")));
        assert!(equals(&Value::Bool(true), &s("no")), "non-empty string is true");
        assert!(!equals(&Value::Bool(false), &s("0")));
        let d = Value::Date(Date::parse("2020-01-01").unwrap());
        assert!(equals(&d, &s("2020-01-01")));
        assert!(!equals(&Value::Num(f64::NAN), &Value::Num(f64::NAN)));
    }

    #[test]
    fn conversions() {
        assert!(!s("").to_bool());
        assert!(Value::Num(-2.0).to_bool());
        assert!(!Value::Num(f64::NAN).to_bool());
        assert_eq!(Value::Date(Date::parse("1970-01-11").unwrap()).to_num(), 10.0);
        assert_eq!(Value::Num(7.0).to_json(), serde_json::json!(7));
        assert_eq!(Value::Num(f64::INFINITY).to_json(), serde_json::json!("Infinity"));
        assert_eq!(Value::Num(f64::NEG_INFINITY).to_json(), serde_json::json!("-Infinity"));
        assert_eq!(Value::Num(f64::NAN).to_json(), serde_json::Value::Null);
    }
}
