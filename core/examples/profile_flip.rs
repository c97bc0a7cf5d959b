//! Flips the first gate of a generated 5,000-question questionnaire many times, for
//! profiling: `cargo run --release -p tianye-core --example profile_flip`.
use serde_json::json;
use std::sync::Arc;
use tianye_core::expr::DateTime;
use tianye_core::response::Meta;
use tianye_core::{Form, Loc, Session, synthetic};
fn main() {
    let form = Arc::new(Form::compile(synthetic::questionnaire(5000)).unwrap());
    let now = DateTime::parse("2026-07-01T10:00:00+08:00").unwrap();
    let mut s = Session::start(Arc::clone(&form), Meta::default(), now);
    let gate = Loc::top(form.lookup("q0").unwrap());
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(400);
    let t = std::time::Instant::now();
    for i in 0..n {
        std::hint::black_box(
            s.set_answer(&gate, &json!(if i % 2 == 0 { "no" } else { "yes" })).unwrap(),
        );
    }
    println!("{:.1} µs per flip", t.elapsed().as_secs_f64() * 1e6 / n as f64);
}
