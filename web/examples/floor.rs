//! The size floor of the form app: the least a Leptos app on the engine can be. It keeps
//! what every form app needs (a questionnaire read and checked, a session that takes an
//! answer and re-evaluates, the problems reported in a message, the answers saved to
//! localStorage as JSON, one reactive view) and none of the app's screens.
//!
//! `cargo xtask size --engine` builds it the way `dist` builds the app and reports its
//! size next to the app's (README, "Size"). It is not shipped.

use std::sync::Arc;

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use tianye_core::expr::DateTime;
use tianye_core::{Form, Loc, Meta, Session, Status};
use wasm_bindgen::prelude::*;

/// Opens the questionnaire stored under `floor.q`, and shows the number of problems
/// of a response whose first question takes what is typed.
#[wasm_bindgen(start)]
pub fn start() {
    let text: String = LocalStorage::get("floor.q").unwrap_or_default();
    let form = match Form::from_json(&text) {
        Ok(form) => Arc::new(form),
        Err(e) => {
            mount_to_body(move || view! { <pre>{e.to_string()}</pre> });
            return;
        }
    };
    let now = DateTime::from_utc_millis(js_sys::Date::now() as i64, 480);
    let session = StoredValue::new(Session::start(Arc::clone(&form), Meta::default(), now));
    let first = form.fields().next().map(|(id, _)| Loc::top(id));
    let problems = RwSignal::new(0usize);
    let first_problem = RwSignal::new(String::new());
    let on_input = move |ev: leptos::ev::Event| {
        let Some(loc) = &first else { return };
        let value = serde_json::Value::String(event_target_value(&ev));
        session.update_value(|s| {
            let _ = s.set_answer(loc, &value);
        });
        let report = session.with_value(|s| s.report(Status::Complete));
        let _ = LocalStorage::set("floor.a", session.with_value(Session::answers));
        problems.set(report.problems.len());
        first_problem.set(report.problems.first().map(|p| p.message("zh")).unwrap_or_default());
    };
    mount_to_body(move || {
        view! {
            <label>"答案 / Answer" <input on:input=on_input /></label>
            <p>{move || problems.get()} " " {move || first_problem.get()}</p>
        }
    });
}
