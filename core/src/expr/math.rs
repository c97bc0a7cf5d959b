//! The math functions of the logic language (`pow`, `exp`, `log`, `sin`, …), in one
//! place, so that the server, the CLI and the browser compute the very same bits: a
//! check such as `log(${x}) < -4.6` must not give one verdict on the server and another
//! in the app.
//!
//! What must stay true: every target takes them from the `libm` crate. Not from the
//! platform (glibc's results are one bit away from libm's on some inputs of every one of
//! these functions, `log(0.01)` among them), and not from JavaScript's `Math` in the
//! browser (Chromium's differ from libm's as often, and differ between V8 versions).
//! `core/tests/functions.rs` checks the native side, `web/tests/math.rs` the browser's.

pub(crate) use libm::{acos, asin, atan, atan2, cos, exp, log, log10, pow, sin, tan};
