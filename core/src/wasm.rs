//! The engine's JavaScript API (feature `wasm`), for pages that load a questionnaire
//! and validate answers in the browser with exactly the code the server runs.
//!
//! ```js
//! import init, { Engine } from './tianye_core.js';
//! await init();
//! const engine = new Engine(questionnaireJsonText);   // throws the checker's errors
//! const report = engine.validate(response, 'zh');     // {valid, problems, cleared, values, answers}
//! const state = engine.evaluate(response);            // {relevant: {path: bool}, values: {path: value}}
//! ```
//!
//! With the `xlsform` feature as well (the npm package's `tianye-core/xlsform` entry, a
//! second, larger module), `Engine.fromXlsform(bytes)` loads an XLSForm workbook
//! (`wasm/xlsform.rs`).

use std::sync::Arc;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::expr::DateTime;
use crate::{Diagnostic, Form, Lang, Options, Response};

#[cfg(feature = "xlsform")]
mod xlsform;

/// A compiled questionnaire.
#[wasm_bindgen]
pub struct Engine {
    form: Arc<Form>,
    /// The XLSForm import's warnings, each at its sheet, row and cell (none from JSON).
    #[cfg(feature = "xlsform")]
    import_warnings: Vec<crate::xlsform::Finding>,
}

#[derive(Serialize)]
struct DiagnosticView<'a> {
    code: &'a str,
    severity: &'a str,
    item: &'a str,
    property: Option<&'a str>,
    /// The expression text `span` points into.
    source: Option<&'a str>,
    span: Option<crate::expr::Span>,
    /// 1-based, in the JSON text, for JSON errors.
    line: Option<usize>,
    column: Option<usize>,
    params: &'a crate::i18n::Params,
    message_zh: String,
    message_en: String,
    rendered: String,
}

fn diagnostics(list: &[Diagnostic]) -> JsValue {
    let views: Vec<DiagnosticView<'_>> = list
        .iter()
        .map(|d| DiagnosticView {
            code: d.code.as_str(),
            severity: if d.severity == crate::Severity::Error { "error" } else { "warning" },
            item: &d.item,
            property: d.property.as_deref(),
            source: d.source.as_deref(),
            span: d.span,
            line: d.position.map(|(line, _)| line),
            column: d.position.map(|(_, column)| column),
            params: &d.params,
            message_zh: d.message(Lang::Zh),
            message_en: d.message(Lang::En),
            rendered: d.render("questionnaire"),
        })
        .collect();
    to_js(&views)
}

fn to_js<T: Serialize>(value: &T) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value.serialize(&serializer).unwrap_or(JsValue::NULL)
}

fn response_from(value: JsValue) -> Result<Response, JsValue> {
    let response: Result<Response, _> = if let Some(text) = value.as_string() {
        Response::from_json(&text).map_err(|d| diagnostics(&[*d]))
    } else {
        // The same finding as for JSON text that does not fit, so callers see one shape.
        serde_wasm_bindgen::from_value(value).map_err(|e| {
            let finding = Diagnostic::error(crate::Code::JsonFormat, "")
                .with("detail", e.to_string())
                .with("document", "response");
            diagnostics(&[finding])
        })
    };
    response
}

fn options(lang: &str, now: Option<String>) -> Result<Options, JsValue> {
    let now = match now {
        Some(text) => Some(
            DateTime::parse(&text)
                .ok_or_else(|| JsValue::from_str(&format!("invalid time: {text}")))?,
        ),
        None => None,
    };
    Ok(Options { now, lang: lang.to_owned() })
}

impl Engine {
    fn of(form: Form) -> Engine {
        Engine {
            form: Arc::new(form),
            #[cfg(feature = "xlsform")]
            import_warnings: Vec::new(),
        }
    }
}

#[wasm_bindgen]
impl Engine {
    /// Loads and checks a questionnaire from its JSON text; throws an array of
    /// diagnostics (`{code, severity, item, property, source, span, line, column, params,
    /// message_zh, message_en, rendered}`; absent parts are `null`).
    #[wasm_bindgen(constructor)]
    pub fn new(questionnaire: &str) -> Result<Engine, JsValue> {
        Form::from_json(questionnaire).map(Engine::of).map_err(|e| diagnostics(&e.diagnostics))
    }

    /// The questionnaire's warnings.
    pub fn warnings(&self) -> JsValue {
        diagnostics(self.form.warnings())
    }

    /// Validates a response (an object or JSON text). `lang` is `zh` or `en`; `now`
    /// (ISO date-time) judges `today()` when the response records no time. Throws an
    /// array of diagnostics when the response is not a response (`json.syntax`,
    /// `json.format`), a string when `now` is no time. Returns
    /// `{valid, problems: [{path, code, message, params}], cleared, values, answers}`.
    pub fn validate(
        &self,
        response: JsValue,
        lang: &str,
        now: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let response = response_from(response)?;
        let report = self.form.validate(&response, &options(lang, now)?);
        #[derive(Serialize)]
        struct View<'a> {
            valid: bool,
            problems: Vec<crate::validate::ProblemView>,
            cleared: &'a [String],
            values: &'a std::collections::BTreeMap<String, serde_json::Value>,
            answers: &'a crate::Answers,
        }
        Ok(to_js(&View {
            valid: report.is_valid(),
            problems: report.views(&self.form, lang),
            cleared: &report.cleared,
            values: &report.values,
            answers: &report.answers,
        }))
    }

    /// Relevance of every item and every calculated value for a response:
    /// `{relevant: {path: bool}, values: {path: value}}`.
    pub fn evaluate(&self, response: JsValue, now: Option<String>) -> Result<JsValue, JsValue> {
        let response = response_from(response)?;
        let evaluation = self.form.evaluate(&response, &options("", now)?);
        Ok(to_js(&evaluation))
    }
}
