//! Every case of the bundled and the test questionnaires, validated by the engine compiled to WebAssembly and run in
//! Chromium: the browser gives exactly the verdict the server and the CLI give (the
//! native harness is `core/tests/cases.rs`).
//!
//! Run with `cargo test -p tianye-web --target wasm32-unknown-unknown --test cases`
//! (`cargo xtask test` does).

#![cfg(target_arch = "wasm32")]

use tianye_core::Form;
use tianye_core::case::Case;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

include!(concat!(env!("OUT_DIR"), "/bundled_cases.rs"));

#[wasm_bindgen_test]
fn every_bundled_case_gives_its_expected_verdict_in_the_browser() {
    assert!(BUNDLED.len() >= 4, "the three bundled questionnaires and the test ones");
    let mut failures = Vec::new();
    let mut ran = 0;
    for (name, form, cases, files) in BUNDLED {
        // A questionnaire's choice files, read as the server reads them from its folder.
        let read = |file: &str| {
            files
                .iter()
                .find(|(n, _)| *n == file)
                .map(|(_, text)| text.as_bytes().to_vec())
                .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, file.to_owned()))
        };
        let form = Form::from_json_with_files(form, read).unwrap_or_else(|e| panic!("{name}: {e}"));
        for (file, text) in *cases {
            let case = Case::from_json(text).unwrap_or_else(|e| panic!("{name}/{file}: {e}"));
            ran += 1;
            failures.extend(case.check(&form).into_iter().map(|m| format!("{name}/{file}: {m}")));
        }
    }
    assert!(ran >= 33, "{ran} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
