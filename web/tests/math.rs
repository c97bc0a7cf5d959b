//! The engine's math functions (`pow`, `exp`, `log`, `sin`, …) give the browser the
//! bits they give the server and the CLI, the `libm` crate's (`core/src/expr/math.rs`;
//! the native side is `core/tests/functions.rs`). In Chromium, each is computed through
//! the engine and compared bit for bit with the crate, and the standard library's copy
//! of libm, which the browser build calls, is compared with the crate over a million
//! inputs per function (it would part from it if a toolchain brought another version).
//!
//! What must stay true: the engine does not take these functions from JavaScript's
//! `Math`. Chromium's `Math` differs from libm on 1–17% of inputs of every one of them
//! (and Node's V8 from Chromium's on some), so a verdict such as `log(${x}) < -4.6`
//! would then depend on the browser.
//!
//! Run with `cargo test -p tianye-web --target wasm32-unknown-unknown --test math`
//! (`cargo xtask test` does).

#![cfg(target_arch = "wasm32")]

use serde_json::json;
use tianye_core::{Form, Options, Response};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Pseudo-random inputs through the engine (fixed seed: a failure is reproducible).
const RANDOM: usize = 50_000;

/// Pseudo-random inputs per function for the standard library's copy of libm, which
/// the engine calls in the browser build.
const RANDOM_DIRECT: usize = 1_000_000;

/// A function of one or two numbers (the second ignored by functions of one).
type Fn2 = fn(f64, f64) -> f64;

/// Each function as a calculation over the answers `x` and `y`, with its `libm` twin.
const FUNCTIONS: &[(&str, &str, Fn2)] = &[
    ("sin", "sin(${x})", |x, _| libm::sin(x)),
    ("cos", "cos(${x})", |x, _| libm::cos(x)),
    ("tan", "tan(${x})", |x, _| libm::tan(x)),
    ("asin", "asin(${x})", |x, _| libm::asin(x)),
    ("acos", "acos(${x})", |x, _| libm::acos(x)),
    ("atan", "atan(${x})", |x, _| libm::atan(x)),
    ("exp", "exp(${x})", |x, _| libm::exp(x)),
    ("log", "log(${x})", |x, _| libm::log(x)),
    ("log10", "log10(${x})", |x, _| libm::log10(x)),
    ("exp10", "exp10(${x})", |x, _| libm::pow(10.0, x)),
    ("pow", "pow(${x}, ${y})", libm::pow),
    ("atan2", "atan2(${x}, ${y})", libm::atan2),
];

/// Finite values where implementations part first: zeros, subnormals, ±1, multiples of
/// π, the ends of each function's domain, huge arguments, and the inputs where glibc's
/// results are one bit away from libm's.
fn special() -> Vec<f64> {
    use std::f64::consts::{E, FRAC_PI_4, LN_2, PI};
    let mut v = vec![
        0.0,
        f64::MIN_POSITIVE,
        f64::from_bits(1),
        f64::MAX,
        1.0,
        0.5,
        2.0,
        E,
        LN_2,
        1e6 * PI,
        1e22,
        1e300,
        709.8,
        -745.2,
        308.3,
        0.117,
        0.24,
        0.00571,
        0.01,
        0.057,
    ];
    v.extend((1..=16).map(|k| f64::from(k) * FRAC_PI_4));
    v.extend((-8..=8).map(|k| 10f64.powi(k * 5)));
    let negated: Vec<f64> = v.iter().map(|x| -x).collect();
    v.extend(negated);
    v
}

/// xorshift64: finite inputs over several magnitudes (|x| < 1, 10, 700, 1e6, and any
/// finite bit pattern).
struct Inputs(u64);

impl Inputs {
    fn bits(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn next(&mut self) -> f64 {
        let r = self.bits();
        let unit = (r >> 11) as f64 / (1u64 << 53) as f64;
        let sign = if r & 1 == 1 { -1.0 } else { 1.0 };
        match (r >> 1) % 5 {
            0 => sign * unit,
            1 => sign * unit * 10.0,
            2 => sign * unit * 700.0,
            3 => sign * unit * 1e6,
            _ => Some(f64::from_bits(self.bits())).filter(|x| x.is_finite()).unwrap_or(unit),
        }
    }
}

#[wasm_bindgen_test]
fn math_functions_in_the_browser_give_the_bits_of_libm() {
    let mut items = vec![
        json!({"type": "decimal", "name": "x", "label": "x"}),
        json!({"type": "decimal", "name": "y", "label": "y"}),
    ];
    items.extend(FUNCTIONS.iter().map(|(name, calculation, _)| {
        json!({"type": "calculate", "name": name, "calculation": calculation})
    }));
    let form = json!({"id": "math", "version": "1", "title": "math", "items": items});
    let form = Form::from_json(&form.to_string()).expect("the math questionnaire");
    let special = special();
    let mut pairs: Vec<(f64, f64)> =
        special.iter().flat_map(|&x| special.iter().map(move |&y| (x, y))).collect();
    let mut inputs = Inputs(0x9E37_79B9_7F4A_7C15);
    for _ in 0..RANDOM {
        pairs.push((inputs.next(), inputs.next()));
    }
    let mut failures = Vec::new();
    let mut compared = 0;
    for (x, y) in pairs {
        let response: Response = serde_json::from_value(json!({
            "instance_id": "5f0c2a4e-8d1b-4c3e-9f6a-1b2c3d4e5f60",
            "questionnaire": {"id": "math", "version": "1"},
            "status": "draft",
            "answers": {"x": x, "y": y},
        }))
        .expect("a response");
        let values = form.validate(&response, &Options::default()).values;
        for (name, _, libm) in FUNCTIONS {
            let want = libm(x, y);
            // NaN and the infinities are not JSON numbers: the engine gives them as
            // empty and as text, and one NaN is as good as another. −0 is given as the
            // integer 0, as every whole number is.
            let got = values.get(*name).and_then(serde_json::Value::as_f64);
            compared += 1;
            let same = match got {
                Some(got) => got.to_bits() == want.to_bits() || (got == 0.0 && want == 0.0),
                None => !want.is_finite(),
            };
            if !same && failures.len() < 20 {
                failures.push(format!("{name}({x:e}, {y:e}) = {got:?}, libm {want:e}"));
            }
        }
    }
    assert!(compared > 12 * RANDOM, "{compared}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The functions as the browser build of the engine computes them (`f64`'s methods,
/// the standard library's copy of libm), with the `libm` crate's twin.
const DIRECT: &[(&str, Fn2, Fn2)] = &[
    ("sin", |x, _| x.sin(), |x, _| libm::sin(x)),
    ("cos", |x, _| x.cos(), |x, _| libm::cos(x)),
    ("tan", |x, _| x.tan(), |x, _| libm::tan(x)),
    ("asin", |x, _| x.asin(), |x, _| libm::asin(x)),
    ("acos", |x, _| x.acos(), |x, _| libm::acos(x)),
    ("atan", |x, _| x.atan(), |x, _| libm::atan(x)),
    ("exp", |x, _| x.exp(), |x, _| libm::exp(x)),
    ("log", |x, _| x.ln(), |x, _| libm::log(x)),
    ("log10", |x, _| x.log10(), |x, _| libm::log10(x)),
    ("exp10", |x, _| 10f64.powf(x), |x, _| libm::pow(10.0, x)),
    ("pow", f64::powf, libm::pow),
    ("atan2", f64::atan2, libm::atan2),
];

#[wasm_bindgen_test]
fn the_standard_librarys_math_in_wasm_gives_the_bits_of_libm() {
    let mut special = special();
    special.extend([f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0]);
    let mut failures = Vec::new();
    for &(name, std, libm) in DIRECT {
        let mut inputs = Inputs(0x2545_F491_4F6C_DD1D);
        let mut pairs: Vec<(f64, f64)> =
            special.iter().flat_map(|&x| special.iter().map(move |&y| (x, y))).collect();
        pairs.extend((0..RANDOM_DIRECT).map(|_| {
            let x = inputs.next();
            (x, inputs.next())
        }));
        let differ = pairs
            .iter()
            .filter(|&&(x, y)| {
                let (a, b) = (std(x, y), libm(x, y));
                a.to_bits() != b.to_bits() && !(a.is_nan() && b.is_nan())
            })
            .count();
        if differ > 0 {
            failures.push(format!("{name}: {differ} of {} inputs differ", pairs.len()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
