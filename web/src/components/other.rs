//! Dates and times, ranges, locations and acknowledgements.

use leptos::prelude::*;
use serde_json::{Value as Json, json};
use tianye_core::Loc;
use tianye_core::form::Bound;
use tianye_core::schema::ItemType;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use super::text::shown_text;
use super::{current, input_id};
use crate::form_state::FormState;
use crate::i18n::{Key, t};

/// Date, time and date-time pickers (the browser's own).
pub(crate) fn temporal(st: FormState, loc: Loc) -> impl IntoView {
    let kind = st.form().field(loc.field).kind;
    let input_type = match kind {
        ItemType::Time => "time",
        ItemType::Datetime => "datetime-local",
        _ => "date",
    };
    let value = current(st, &loc);
    let id = input_id(st, &loc);
    let here = loc.clone();
    let shown = move || {
        let v = shown_text(&value.get());
        // datetime-local shows no offset or seconds' fraction.
        if kind == ItemType::Datetime { v.chars().take(16).collect() } else { v }
    };
    view! {
        <input type=input_type id=id prop:value=shown
            on:change=move |ev| {
                let v = event_target_value(&ev);
                st.set(&loc, &if v.is_empty() { Json::Null } else { json!(v) });
            }
            on:blur=move |_| st.leave(&here)
        />
    }
}

/// A slider from `min` to `max` in steps of `step`.
pub(crate) fn range(st: FormState, loc: Loc) -> impl IntoView {
    let rules = st.form().field(loc.field).rules.clone();
    let num = |b: Option<Bound>, d: f64| match b {
        Some(Bound::Number(n)) => n,
        _ => d,
    };
    let text = tianye_core::expr::num_to_string;
    let (min, max, step) =
        (text(num(rules.min, 1.0)), text(num(rules.max, 10.0)), text(rules.step.unwrap_or(1.0)));
    let value = current(st, &loc);
    let id = input_id(st, &loc);
    let here = loc.clone();
    let set_loc = loc.clone();
    view! {
        <div class="range">
            <input type="range" id=id min=min max=max step=step
                prop:value=move || value.get().as_f64().map_or(String::new(), tianye_core::expr::num_to_string)
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    st.set(&set_loc, &super::text::typed_answer(ItemType::Range, &v));
                }
                on:blur=move |_| st.leave(&here)
            />
            <output>{move || shown_text(&value.get())}</output>
        </div>
    }
}

/// How long the location button waits for a position (a cold GPS takes tens of seconds).
const GEO_TIMEOUT_MS: u32 = 60_000;

/// A location from the device (`navigator.geolocation`), or typed in.
pub(crate) fn geopoint(st: FormState, loc: Loc) -> impl IntoView {
    let value = current(st, &loc);
    let id = input_id(st, &loc);
    let here = loc.clone();
    let lang = move || st.app.lang();
    let status = RwSignal::new(String::new());
    let field = move |key: &'static str| {
        move || value.with(|v| v.get(key).map(ToString::to_string).unwrap_or_default())
    };
    let set_part = {
        let loc = loc.clone();
        move |key: &'static str, text: String| {
            let mut map =
                st.with_session(|s| s.answer(&loc)).as_object().cloned().unwrap_or_default();
            match super::text::typed_answer(ItemType::Decimal, &text) {
                Json::Null => {
                    map.remove(key);
                }
                v => {
                    map.insert(key.to_owned(), v);
                }
            }
            st.set(&loc, &if map.is_empty() { Json::Null } else { Json::Object(map) });
        }
    };
    let locate = {
        let loc = loc.clone();
        move |_| {
            let say = move |key: Key| status.set(t(key, &st.app.lang_untracked()).to_owned());
            let Some(geo) = window().navigator().geolocation().ok() else {
                say(Key::GeoUnavailable);
                return;
            };
            say(Key::Loading);
            let loc = loc.clone();
            let ok = Closure::once_into_js(move |p: web_sys::Position| {
                let c = p.coords();
                st.set(
                    &loc,
                    &json!({"lat": c.latitude(), "lon": c.longitude(), "accuracy": c.accuracy()}),
                );
                status.set(String::new());
            });
            // The browser's own message is in its language and names no way out.
            let err = Closure::once_into_js(move |e: web_sys::PositionError| {
                say(if e.code() == web_sys::PositionError::PERMISSION_DENIED {
                    Key::GeoDenied
                } else {
                    Key::GeoUnavailable
                });
            });
            // The GPS, not the network's guess (a fresh fix: maximumAge is 0 unless set);
            // a limit, or a phone without a fix would say "locating" for ever.
            let options = web_sys::PositionOptions::new();
            options.set_enable_high_accuracy(true);
            options.set_timeout(GEO_TIMEOUT_MS);
            let _ = geo.get_current_position_with_error_callback_and_options(
                ok.unchecked_ref(),
                Some(err.unchecked_ref()),
                &options,
            );
        }
    };
    let (lat_set, lon_set, acc_set) = (set_part.clone(), set_part.clone(), set_part);
    view! {
        <div class="geo" id=id>
            <button type="button" on:click=locate>{move || t(Key::LocateMe, &lang())}</button>
            <span class="status" role="status">{move || status.get()}</span>
            <label>{move || t(Key::Latitude, &lang())}<input inputmode="decimal" prop:value=field("lat") on:change=move |ev| lat_set("lat", event_target_value(&ev)) on:blur={let here = here.clone(); move |_| st.leave(&here)}/></label>
            <label>{move || t(Key::Longitude, &lang())}<input inputmode="decimal" prop:value=field("lon") on:change=move |ev| lon_set("lon", event_target_value(&ev))/></label>
            <label>{move || t(Key::Accuracy, &lang())}<input inputmode="decimal" prop:value=field("accuracy") on:change=move |ev| acc_set("accuracy", event_target_value(&ev))/></label>
        </div>
    }
}

/// A single box to tick.
pub(crate) fn acknowledge(st: FormState, loc: Loc) -> impl IntoView {
    let value = current(st, &loc);
    let id = input_id(st, &loc);
    let here = loc.clone();
    let lang = move || st.app.lang();
    view! {
        <label class="choice">
            <input type="checkbox" id=id prop:checked=move || value.with(|v| v.as_str() == Some("OK"))
                on:change=move |ev| st.set(&loc, &if event_target_checked(&ev) { json!("OK") } else { Json::Null })
                on:blur=move |_| st.leave(&here)
            />
            <span>{move || t(Key::Ok, &lang())}</span>
        </label>
    }
}
