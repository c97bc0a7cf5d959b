//! Heap used by a generated 5,000-question questionnaire: compiled, with a response
//! open on it (figures in README). Counts every allocation with dhat.
//!
//! Run with `cargo bench -p tianye-core --bench memory`.

use std::sync::Arc;

use tianye_core::expr::DateTime;
use tianye_core::response::Meta;
use tianye_core::{Form, Session, synthetic};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn mib(bytes: usize) -> f64 {
    bytes as f64 / 1_048_576.0
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` (criterion convention): nothing to list here.
    }
    let json = serde_json::to_string(&synthetic::questionnaire(5000)).expect("serialize");
    let _profiler = dhat::Profiler::builder().testing().build();
    let before = dhat::HeapStats::get();
    let form = Arc::new(Form::from_json(&json).expect("compiles"));
    let now = DateTime::parse("2026-07-01T10:00:00+08:00").expect("time");
    let session = Session::start(Arc::clone(&form), Meta::default(), now);
    let after = dhat::HeapStats::get();
    println!(
        "memory: 5000-question questionnaire ({} fields) compiled with an open response: peak {:.1} MiB, retained {:.1} MiB",
        form.fields().len(),
        mib(after.max_bytes.saturating_sub(before.curr_bytes)),
        mib(after.curr_bytes.saturating_sub(before.curr_bytes)),
    );
    drop(session);
}
