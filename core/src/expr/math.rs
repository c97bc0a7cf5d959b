//! The math functions of the logic language (`pow`, `exp`, `log`, `sin`, …), in one
//! place, so that the server, the CLI and the browser compute the very same bits: a
//! check such as `log(${x}) < -4.6` must not give one verdict on the server and another
//! in the app.
//!
//! What must stay true: every target computes them with libm's algorithms. Natively
//! that is the `libm` crate, not the platform (glibc's results are one bit away from
//! libm's on some inputs of every one of these functions, `log(0.01)` among them). In
//! the wasm build it is Rust's own `f64` methods, which there are the standard library's
//! copy of libm (a second copy from the crate would only add size). Not JavaScript's
//! `Math`: Chromium's differs from libm as often, and differs between V8 versions.
//! `core/tests/functions.rs` checks the native side, `web/tests/math.rs` the browser's.
//!
//! [`decimal`] reads a numeral as Rust's `f64` parser does. Correct rounding has one
//! answer, so the browser build takes the value from JavaScript's `parseFloat` (V8
//! rounds correctly, as Rust's parser does) and leaves the standard library's parser
//! out, whose table of powers of five alone is 10 KiB of the app; `web/tests/decimal.rs`
//! compares the two in Chromium over a million numerals, short, long and halfway.

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use libm::{acos, asin, atan, atan2, cos, exp, log, log10, pow, sin, tan};

#[cfg(target_arch = "wasm32")]
pub(crate) use self::wasm::{acos, asin, atan, atan2, cos, exp, log, log10, pow, sin, tan};

/// What Rust's `f64` parser makes of `s`, on every target: the `f64` nearest to a
/// decimal numeral (`[+-]digits[.digits][e[+-]digits]`, a side of the `.` may be empty
/// but not both; ties to even), `inf`, `infinity` or `nan` in any case with a sign or
/// not, and `None` for anything else.
#[cfg(not(target_arch = "wasm32"))]
pub fn decimal(s: &str) -> Option<f64> {
    s.parse().ok()
}

/// [`decimal`] by JavaScript's `parseFloat` once the numeral is checked to be one
/// (`parseFloat` would also read a prefix, `Infinity`, …).
#[cfg(target_arch = "wasm32")]
pub fn decimal(s: &str) -> Option<f64> {
    if is_decimal(s.as_bytes()) { Some(js_sys::Number::parse_float(s)) } else { special(s) }
}

/// `inf`, `infinity` and `nan` as Rust's parser takes them.
#[cfg(any(target_arch = "wasm32", test))]
fn special(s: &str) -> Option<f64> {
    let (negative, word) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let value = if word.eq_ignore_ascii_case("inf") || word.eq_ignore_ascii_case("infinity") {
        f64::INFINITY
    } else if word.eq_ignore_ascii_case("nan") {
        f64::NAN
    } else {
        return None;
    };
    Some(if negative { -value } else { value })
}

/// Whether `s` is a decimal numeral as Rust's `f64` parser takes it (less the words).
#[cfg(any(target_arch = "wasm32", test))]
fn is_decimal(s: &[u8]) -> bool {
    let digits = |from: usize| s[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut i = usize::from(matches!(s.first(), Some(b'+' | b'-')));
    let int = digits(i);
    i += int;
    let mut frac = 0;
    if s.get(i) == Some(&b'.') {
        frac = digits(i + 1);
        i += 1 + frac;
    }
    if int + frac == 0 {
        return false;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1 + usize::from(matches!(s.get(i + 1), Some(b'+' | b'-')));
        let exp = digits(i);
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == s.len()
}

/// The standard library's libm, under libm's names.
#[cfg(target_arch = "wasm32")]
mod wasm {
    pub(crate) fn pow(x: f64, y: f64) -> f64 {
        x.powf(y)
    }
    pub(crate) fn atan2(y: f64, x: f64) -> f64 {
        y.atan2(x)
    }
    pub(crate) fn exp(x: f64) -> f64 {
        x.exp()
    }
    pub(crate) fn log(x: f64) -> f64 {
        x.ln()
    }
    pub(crate) fn log10(x: f64) -> f64 {
        x.log10()
    }
    pub(crate) fn sin(x: f64) -> f64 {
        x.sin()
    }
    pub(crate) fn cos(x: f64) -> f64 {
        x.cos()
    }
    pub(crate) fn tan(x: f64) -> f64 {
        x.tan()
    }
    pub(crate) fn asin(x: f64) -> f64 {
        x.asin()
    }
    pub(crate) fn acos(x: f64) -> f64 {
        x.acos()
    }
    pub(crate) fn atan(x: f64) -> f64 {
        x.atan()
    }
}

#[cfg(test)]
mod tests {
    /// The numeral grammar the browser build checks before `parseFloat`, and its words,
    /// agree with Rust's parser on every string of these bytes up to five long.
    #[test]
    fn the_numeral_grammar_is_rust_s() {
        fn each(s: &mut Vec<u8>, alphabet: &[u8], left: usize) {
            let text = std::str::from_utf8(s).unwrap();
            assert_eq!(super::is_decimal(s), text.parse::<f64>().is_ok(), "{text:?}");
            if left > 0 {
                for &b in alphabet {
                    s.push(b);
                    each(s, alphabet, left - 1);
                    s.pop();
                }
            }
        }
        each(&mut Vec::new(), b"0.-+e1E", 5);
        for word in ["inf", "-INF", "+Infinity", "iNfInItY", "nan", "-NaN", "infinit", "nana", ""] {
            let theirs = word.parse::<f64>().ok().map(f64::to_bits);
            assert_eq!(super::special(word).map(f64::to_bits), theirs, "{word:?}");
        }
    }
}
