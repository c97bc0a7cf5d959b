//! Decimal numerals give the browser the number they give the server and the CLI
//! (`tianye_core::expr::decimal`, `core/src/expr/math.rs`): in the browser build the
//! engine reads them with JavaScript's `parseFloat` instead of Rust's parser, which
//! leaves the parser's tables out of the app. Correct rounding has one answer, so the
//! two must agree on every numeral; here, in Chromium, they are compared bit for bit
//! (Rust's parser is in this test's build as the reference) on:
//!
//! - numerals at the edges: zeros, the largest and smallest numbers, subnormals, the
//!   values that round to infinity or to zero, 2^53 + 1, numerals of 800 digits;
//! - the hardest ones: the exact midpoint between two neighbouring numbers (which must
//!   round to the even one), and a hair above and below it, for random numbers of every
//!   magnitude, subnormals included, written out in full (up to 770 digits);
//! - the shortest numeral of random numbers (`{}` and `{:e}`), read back;
//! - a million random numerals: 1–25 digits, sometimes up to 800, any exponent, with
//!   and without a sign or a point;
//! - and what is not a numeral (`parseFloat` would read a prefix of it).
//!
//! Run with `cargo test -p tianye-web --target wasm32-unknown-unknown --test decimal`
//! (`cargo xtask test` does).

#![cfg(target_arch = "wasm32")]

use tianye_core::expr::decimal;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Random numerals compared.
const RANDOM: usize = 1_000_000;

/// Random numbers whose midpoints (and the numerals around them) are compared.
const MIDPOINTS: usize = 20_000;

/// xorshift64 (fixed seed: a failure is reproducible).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Compares the engine's reading of `s` with Rust's parser's; a difference is recorded.
fn compare(s: &str, failures: &mut Vec<String>) {
    let ours = decimal(s).map(f64::to_bits);
    let rust = s.parse::<f64>().ok().map(f64::to_bits);
    if ours != rust && failures.len() < 20 {
        failures.push(format!("{s:.120}: engine {ours:?}, Rust {rust:?}"));
    }
}

/// The exact value of a finite `x > 0` as (digits, exponent): x = digits × 10^exponent.
fn exact(x: f64) -> (Vec<u8>, i32) {
    let text = format!("{x:.800e}");
    let (mantissa, exp) = text.split_once('e').unwrap();
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
    (digits, exp.parse::<i32>().unwrap() - 800)
}

/// `a + b` of two digit strings (most significant first).
fn add(a: &[u8], b: &[u8]) -> Vec<u8> {
    let (mut out, mut carry) = (Vec::new(), 0);
    for i in 0..a.len().max(b.len()) {
        let da = if i < a.len() { a[a.len() - 1 - i] } else { 0 };
        let db = if i < b.len() { b[b.len() - 1 - i] } else { 0 };
        let sum = da + db + carry;
        out.push(sum % 10);
        carry = sum / 10;
    }
    if carry > 0 {
        out.push(carry);
    }
    out.reverse();
    out
}

/// `a × 5` of a digit string.
fn times_five(a: &[u8]) -> Vec<u8> {
    let (mut out, mut carry) = (Vec::new(), 0);
    for &d in a.iter().rev() {
        let p = d * 5 + carry;
        out.push(p % 10);
        carry = p / 10;
    }
    if carry > 0 {
        out.push(carry);
    }
    out.reverse();
    out
}

/// `a − 1` of a digit string that is not zero.
fn minus_one(a: &[u8]) -> Vec<u8> {
    let mut out = a.to_vec();
    for d in out.iter_mut().rev() {
        if *d > 0 {
            *d -= 1;
            break;
        }
        *d = 9;
    }
    out
}

fn numeral(digits: &[u8], exp: i32) -> String {
    let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    format!("{}e{exp}", text.trim_start_matches('0'))
}

/// The exact midpoint between `x > 0` and the next number up, and numerals a hair
/// below and above it.
fn around_midpoint(x: f64) -> [String; 3] {
    let next = f64::from_bits(x.to_bits() + 1);
    let (mut a, ea) = exact(x);
    let (mut b, eb) = exact(next);
    let e = ea.min(eb);
    a.extend(std::iter::repeat_n(0, (ea - e) as usize));
    b.extend(std::iter::repeat_n(0, (eb - e) as usize));
    // (x + next) / 2 = (a + b) × 5 × 10^(e − 1)
    let mid = times_five(&add(&a, &b));
    let mut above = mid.clone();
    above.push(1);
    let mut ten_times = mid.clone();
    ten_times.push(0);
    let below = minus_one(&ten_times);
    [numeral(&mid, e - 1), numeral(&below, e - 2), numeral(&above, e - 2)]
}

#[wasm_bindgen_test]
fn numerals_at_the_edges_read_as_rust_reads_them() {
    let mut failures = Vec::new();
    let long_one = format!("1{}e-799", "0".repeat(799));
    let long_tail = format!("9007199254740993{}1", "0".repeat(780));
    let edges = [
        "0",
        "-0",
        "+0.0",
        "0e999999",
        "1",
        "-1",
        "0.1",
        ".5",
        "5.",
        "007",
        "1e308",
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "1e309",
        "-1e309",
        "2.2250738585072014e-308",
        "2.2250738585072011e-308",
        "4.9406564584124654e-324",
        "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "1e-400",
        "9007199254740992",
        "9007199254740993",
        "9007199254740995",
        "123456789012345678901234567890",
        "0.30000000000000004",
        "1e99999999999999999999",
        "1e-99999999999999999999",
        &long_one,
        &long_tail,
        "inf",
        "-Infinity",
        "NaN",
        // Not numerals: `parseFloat` would read a prefix or a word of its own.
        "",
        "-",
        ".",
        "e5",
        "5e",
        "5e+",
        "1.2.3",
        "--5",
        "0x10",
        "Infinity5",
        "1_000",
        " 5",
        "5 ",
        "1,5",
    ];
    for s in edges {
        compare(s, &mut failures);
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[wasm_bindgen_test]
fn midpoints_round_to_even_as_rust_rounds_them() {
    let mut failures = Vec::new();
    let mut random = Random(0x2545_F491_4F6C_DD1D);
    let mut checked = 0;
    // The smallest subnormals and the largest finite numbers, then random ones.
    let mut xs: Vec<f64> = (1..40).map(f64::from_bits).collect();
    xs.extend((1..40).map(|k| f64::from_bits(f64::MAX.to_bits() - k)));
    for _ in 0..MIDPOINTS {
        let x = f64::from_bits(random.next() & 0x7FEF_FFFF_FFFF_FFFF);
        if x > 0.0 && x < f64::MAX {
            xs.push(x);
        }
    }
    for x in xs {
        for s in around_midpoint(x) {
            compare(&s, &mut failures);
            compare(&format!("-{s}"), &mut failures);
            checked += 2;
        }
    }
    assert!(checked > 100_000, "{checked}");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[wasm_bindgen_test]
fn random_numerals_read_as_rust_reads_them() {
    let mut failures = Vec::new();
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    for _ in 0..RANDOM {
        let kind = random.below(4);
        let s = if kind == 0 {
            // The shortest numeral of a random number.
            let x = f64::from_bits(random.next());
            if random.below(2) == 0 { format!("{x}") } else { format!("{x:e}") }
        } else {
            let len =
                if random.below(20) == 0 { 1 + random.below(800) } else { 1 + random.below(25) };
            let mut digits: String =
                (0..len).map(|_| char::from(b'0' + random.below(10) as u8)).collect();
            if kind == 2 {
                let at = random.below(len + 1) as usize;
                digits.insert(at, '.');
            }
            let sign = ["", "-", "+"][random.below(3) as usize];
            let exp = random.below(700) as i64 - 350;
            match random.below(3) {
                0 => format!("{sign}{digits}"),
                1 => format!("{sign}{digits}e{exp}"),
                _ => format!("{sign}{digits}E{exp:+}"),
            }
        };
        compare(&s, &mut failures);
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
