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

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use libm::{acos, asin, atan, atan2, cos, exp, log, log10, pow, sin, tan};

#[cfg(target_arch = "wasm32")]
pub(crate) use self::wasm::{acos, asin, atan, atan2, cos, exp, log, log10, pow, sin, tan};

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
