//! Text-like inputs (text, numbers, phone, ID number, e-mail). Typing through a Chinese
//! input method is never interrupted: nothing is committed during composition, and the
//! input's value is only ever set from outside while it does not have focus.

use leptos::prelude::*;
use serde_json::Value as Json;
use tianye_core::Loc;
use tianye_core::schema::ItemType;
use wasm_bindgen::JsCast;

use super::input_id;
use crate::form_state::FormState;

/// The JSON answer for what was typed: numbers for numeric questions when the text is
/// a number (else the text itself, which the engine reports as a `type` problem, so
/// nothing typed is lost); `null` for an empty box.
pub(crate) fn typed_answer(kind: ItemType, text: &str) -> Json {
    let ascii;
    let text = if matches!(
        kind,
        ItemType::Integer
            | ItemType::Decimal
            | ItemType::Range
            | ItemType::Rating
            | ItemType::Phone
            | ItemType::IdNumber
            | ItemType::Email
    ) {
        ascii = halfwidth(text);
        ascii.as_str()
    } else {
        text
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Json::Null;
    }
    match kind {
        ItemType::Integer | ItemType::Decimal | ItemType::Range | ItemType::Rating => {
            let n = tianye_core::expr::str_to_num(trimmed);
            match serde_json::Number::from_f64(n) {
                Some(_) if kind == ItemType::Integer && n.fract() != 0.0 => {
                    Json::String(text.to_owned())
                }
                Some(_) if kind == ItemType::Integer => Json::from(n as i64),
                Some(num) => Json::Number(num),
                None => Json::String(text.to_owned()),
            }
        }
        _ => Json::String(text.to_owned()),
    }
}

/// `text` with full-width forms made plain (`６８` → `68`, `３．５` → `3.5`, `Ｘ` → `X`,
/// `＠` → `@`, the ideographic space → a space): what a Chinese input method types for
/// digits and letters, in the answers that are written in them (numbers, phone and ID
/// numbers, e-mail addresses). Other text is kept as typed.
pub(crate) fn halfwidth(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// The text an answer shows in a text box.
pub(crate) fn shown_text(v: &Json) -> String {
    match v {
        Json::Null => String::new(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether `el` has the keyboard focus.
pub(crate) fn focused(el: &wasm_bindgen::JsValue) -> bool {
    document().active_element().is_some_and(|a| AsRef::<wasm_bindgen::JsValue>::as_ref(&a) == el)
}

/// Makes the text box `el` read-only as the item at `loc` says, and puts its answer in
/// the box when it changes from outside (defaults, a removed row's successor), only while
/// the user is not in the box. The box is built showing the answer.
fn follow_answer(el: web_sys::Element, (st, loc, kind): (FormState, Loc, ItemType)) {
    let effect = RenderEffect::new(move |built: Option<()>| {
        st.track(&loc);
        st.track_rules(loc.field);
        let read_only = st.with_session(|s| s.is_read_only(&loc));
        if read_only || built.is_some() {
            if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
                input.set_read_only(read_only);
            } else if let Some(area) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
                area.set_read_only(read_only);
            }
        }
        if built.is_none() {
            return;
        }
        let want = st.with_session(|s| shown_text(&s.answer(&loc)));
        let shown = if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
            input.value()
        } else if let Some(area) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
            area.value()
        } else {
            return;
        };
        if !focused(el.as_ref()) && typed_answer(kind, &shown) != typed_answer(kind, &want) {
            if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
                input.set_value(&want);
            } else if let Some(area) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
                area.set_value(&want);
            }
        }
    });
    // Dropped with the view that holds the box.
    Owner::on_cleanup(move || drop(effect));
}

pub(crate) fn text_input(st: FormState, loc: Loc) -> impl IntoView {
    let form = st.form();
    let f = form.field(loc.field);
    let kind = f.kind;
    let multiline = f.appearance.as_deref().is_some_and(|a| a.contains("multiline"));
    let (input_type, inputmode) = match kind {
        ItemType::Integer => ("text", "numeric"),
        ItemType::Decimal => ("text", "decimal"),
        ItemType::Phone => ("tel", "tel"),
        ItemType::Email => ("email", "email"),
        ItemType::IdNumber => ("text", "text"),
        _ => ("text", "text"),
    };
    let id = input_id(st, &loc);
    let here = loc.clone();
    let composing = StoredValue::new(false);
    let initial = st.with_session(|s| shown_text(&s.answer(&loc)));
    let commit = {
        let loc = loc.clone();
        move |text: String| {
            let value = typed_answer(kind, &text);
            let current = st.with_session(|s| s.answer(&loc));
            if current != value {
                st.set(&loc, &value);
            }
        }
    };
    let follow = (st, loc, kind);
    let commit_input = commit.clone();
    let commit_end = commit.clone();
    // The same typing handlers on either box.
    let typing = view! { <{..}
        on:compositionstart=move |_| composing.set_value(true)
        on:compositionend=move |ev| { composing.set_value(false); commit_end(event_target_value(&ev)); }
        on:input=move |ev| if !composing.get_value() && !crate::browser::is_composing(&ev) { commit_input(event_target_value(&ev)); }
        on:blur=move |ev| { commit(event_target_value(&ev)); st.leave(&here); }
    /> };
    if multiline {
        view! { <textarea id=id use:follow_answer=follow rows="3" {..typing}>{initial}</textarea> }
            .into_any()
    } else {
        view! {
            <input id=id use:follow_answer=follow type=input_type inputmode=inputmode value=initial
                autocomplete="off" {..typing} />
        }
        .into_any()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tianye_core::schema::ItemType;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::typed_answer;

    /// Full-width digits and letters, as Chinese input methods type them, are read as
    /// the plain ones in numbers, phone and ID numbers and e-mail; other text is kept.
    #[wasm_bindgen_test(unsupported = test)]
    fn full_width_digits_and_letters_are_read_as_plain_ones() {
        for (kind, typed, answer) in [
            (ItemType::Integer, "６８", json!(68)),
            (ItemType::Integer, "　１２　", json!(12)),
            (ItemType::Decimal, "３．５", json!(3.5)),
            (ItemType::Decimal, "－２", json!(-2.0)),
            (ItemType::Phone, "１３８００１３８０００", json!("13800138000")),
            (
                ItemType::IdNumber,
                "４３０５２４２０１５０４０３１２３Ｘ",
                json!("43052420150403123X"),
            ),
            (ItemType::Email, "ｌｉ＠ｅｘａｍｐｌｅ．ｃｎ", json!("li@example.cn")),
            (ItemType::Integer, "６８岁", json!("68岁")),
            (ItemType::Text, "６８", json!("６８")),
            (ItemType::Text, "王　芳", json!("王　芳")),
        ] {
            assert_eq!(typed_answer(kind, typed), answer, "{kind:?} {typed}");
        }
    }
}
