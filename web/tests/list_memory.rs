//! A province's list in the browser's memory (issue 22: at most 20 MB for a list of
//! 50,000 villages). In Chromium, the generated questionnaire
//! (`tianye_core::synthetic::village_questionnaire(50_000)`, the browser bench's big list)
//! is read from its bytes and compiled the way the app does it, under an allocator that
//! counts: the most bytes held at once, and what stays held by the compiled form.
//!
//! Run with `cargo test -p tianye-web --target wasm32-unknown-unknown --test list_memory`
//! (`cargo xtask test` does).

#![cfg(target_arch = "wasm32")]

use peakmem_alloc::{INSTRUMENTED_SYSTEM, PeakMemAlloc, PeakMemAllocTrait};
use std::alloc::System;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// The system allocator, counting the most bytes held at once since a reset.
#[global_allocator]
static ALLOC: &PeakMemAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The most the list may take at once, text included: the app's own memory before a
/// questionnaire is opened (about 1 MiB) must still fit under the 20 MB
/// (19.07 MiB) with it.
const LIMIT: usize = 14 << 20;

fn mib(bytes: usize) -> f64 {
    bytes as f64 / 1_048_576.0
}

#[wasm_bindgen_test]
fn fifty_thousand_villages_fit_in_twenty_megabytes() {
    let (mut q, csv) = tianye_core::synthetic::village_questionnaire(50_000);
    assert!(q.load_choice_files(|_| Ok(csv.clone().into_bytes())).is_empty());
    let bytes = serde_json::to_string(&q).unwrap().into_bytes();
    drop((q, csv));
    let len = bytes.len();
    ALLOC.reset_peak_memory();
    // As the app opens a questionnaire (web/src/app/catalogue.rs): its bytes made text,
    // parsed, the text let go, then compiled with the lists moved, and a response started.
    let text = String::from_utf8(bytes).unwrap();
    let q = tianye_core::Questionnaire::from_json(&text).unwrap();
    let parsed = ALLOC.get_peak_memory();
    drop(text);
    let form = std::sync::Arc::new(tianye_core::Form::compile_without_list_copy(q).unwrap());
    let now = tianye_core::expr::DateTime::parse("2026-07-01T10:00:00+08:00").unwrap();
    let session = tianye_core::Session::start(
        std::sync::Arc::clone(&form),
        tianye_core::response::Meta::default(),
        now,
    );
    let peak = ALLOC.get_peak_memory() + len;
    // The list is all there: a township's villages are offered through its index.
    let village = tianye_core::Loc::top(form.lookup("village").unwrap());
    let mut session = session;
    for (q, v) in [("city", "c0001"), ("county", "k0012"), ("township", "t0307")] {
        session.set_answer(&tianye_core::Loc::top(form.lookup(q).unwrap()), &v.into()).unwrap();
    }
    assert_eq!(session.choices(&village).len(), 50);
    assert_eq!(form.choice_lists().iter().map(|l| l.choices.len()).max(), Some(50_000));
    drop(session);
    let report = format!(
        "{:.1} MiB of text; {:.1} MiB at most while parsing it, {:.1} MiB with the form compiled",
        mib(len),
        mib(parsed + len),
        mib(peak)
    );
    wasm_bindgen_test::console_log!("{report}");
    assert!(peak <= LIMIT, "{report}: more than {:.1} MiB", mib(LIMIT));
}
