//! Engine benchmarks (figures in README): validating a household response, loading a
//! 5,000-question questionnaire and re-evaluating after one answer changes. Memory is
//! measured by the `memory` bench.
//!
//! Run with `cargo bench -p tianye-core --bench engine` (or `cargo xtask bench`).

use std::sync::Arc;

use criterion::{Criterion, criterion_group};
use serde_json::json;
use tianye_core::case::Case;
use tianye_core::expr::DateTime;
use tianye_core::response::Meta;
use tianye_core::{Form, Loc, Options, Session, synthetic};

const QUESTIONS: usize = 5000;

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn household() -> (Form, Case) {
    let dir = root().join("questionnaires/lbc_household");
    let form = Form::from_json(&std::fs::read_to_string(dir.join("form.json")).unwrap()).unwrap();
    let case = Case::from_json(
        &std::fs::read_to_string(dir.join("cases/01-valid-both-parents-away.json")).unwrap(),
    )
    .unwrap();
    (form, case)
}

fn validate_household(c: &mut Criterion) {
    let (form, case) = household();
    assert!(form.validate(&case.response, &Options::default()).is_valid());
    c.bench_function("validate lbc_household complete response", |b| {
        b.iter(|| form.validate(std::hint::black_box(&case.response), &Options::default()));
    });
}

fn large_questionnaire(c: &mut Criterion) {
    let json = serde_json::to_string(&synthetic::questionnaire(QUESTIONS)).unwrap();
    let mut group = c.benchmark_group("5000-question questionnaire");
    group.sample_size(20);
    group.bench_function("load and check", |b| {
        b.iter(|| Form::from_json(std::hint::black_box(&json)).unwrap());
    });
    let form = Arc::new(Form::from_json(&json).unwrap());
    let now = DateTime::parse("2026-07-01T10:00:00+08:00").unwrap();
    let mut session = Session::start(Arc::clone(&form), Meta::default(), now);
    let leaf = Loc::top(form.lookup("q2501").unwrap());
    let mut n = 0;
    group.bench_function("re-evaluate after one answer (integer)", |b| {
        b.iter(|| {
            n = (n + 1) % 100;
            session.set_answer(&leaf, &json!(n)).unwrap()
        });
    });
    let gate = Loc::top(form.lookup("q0").unwrap());
    let mut flip = false;
    group.bench_function("re-evaluate after the first gate flips (hides or shows all)", |b| {
        b.iter(|| {
            flip = !flip;
            session.set_answer(&gate, &json!(if flip { "no" } else { "yes" })).unwrap()
        });
    });
    group.finish();
}

criterion_group!(benches, validate_household, large_questionnaire);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
