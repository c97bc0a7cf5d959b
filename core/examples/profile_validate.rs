//! Validates the lbc_household case 01 many times, for profiling:
//! `cargo run --release -p tianye-core --example profile_validate`.
use tianye_core::case::Case;
use tianye_core::{Form, Options};
fn main() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../questionnaires/lbc_household");
    let form = Form::from_json(&std::fs::read_to_string(dir.join("form.json")).unwrap()).unwrap();
    let case = Case::from_json(
        &std::fs::read_to_string(dir.join("cases/01-valid-both-parents-away.json")).unwrap(),
    )
    .unwrap();
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20000);
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(form.validate(&case.response, &Options::default()));
    }
    println!("{:.1} µs per validation", t.elapsed().as_secs_f64() * 1e6 / n as f64);
}
