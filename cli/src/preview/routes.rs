//! The preview server's routes:
//!
//! ```text
//! GET  /                          the page: the app at phone size, findings, verdict
//! GET  /preview.js, /preview.css  its script and style
//! GET  /preview/findings[?after=N]  the findings (JSON, with their inert HTML); with
//!                                 `after`, held until a read after N (long poll)
//! POST /preview/verdict           a response → its problems as if complete, and the
//!                                 calculated values
//! GET  /api/v1/questionnaires[/{id}]  the questionnaire, as the app asks for it
//! POST /api/v1/submissions        refused: the preview collects nothing
//! GET  /app/…                     the built form app (`dist/`)
//! ```
//!
//! Every request must name this server as its host (a page elsewhere that points a
//! name of its own at 127.0.0.1 reads nothing). Every text from the questionnaire is
//! escaped into the HTML, or set as text by the page's script.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HOST};
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tianye_core::{Options, Severity, Status};
use tianye_server::ingest::Rejection;
use tianye_server::{ApiCode, ApiError};
use tower_http::services::ServeDir;

use super::{PREVIEW_VERSION, Shared, Snapshot};
use crate::commands::validate::now_utc8;

/// The largest response the verdict takes (the server's upload limit).
pub(crate) const MAX_VERDICT_BODY: usize = tianye_server::MAX_BODY;

/// How long a long poll for findings is held before it is answered with no change.
const LONG_POLL: Duration = Duration::from_secs(20);

/// The most problems a verdict lists (the count says how many there are).
const MAX_LISTED: usize = 200;

const PAGE: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("page.js");
const STYLE: &str = include_str!("page.css");

/// The hosts a request may name: the address listened on, and `localhost` with its
/// port; `any` when listening beyond this machine (the operator's choice).
#[derive(Clone)]
struct Hosts {
    names: Arc<Vec<String>>,
    any: bool,
}

/// The router for `shared`'s questionnaire, listening on `addr`, with the app from
/// `web` (when built).
pub(crate) fn router(
    shared: Arc<Shared>,
    addr: std::net::SocketAddr,
    web: Option<PathBuf>,
) -> Router {
    let port = addr.port();
    let mut names = vec![addr.to_string(), format!("localhost:{port}")];
    if addr.ip().is_loopback() {
        names.extend([format!("127.0.0.1:{port}"), format!("[::1]:{port}")]);
    }
    let hosts = Hosts { names: Arc::new(names), any: !addr.ip().is_loopback() };
    let mut router = Router::new()
        .route("/", get(page))
        .route("/preview.js", get(|| async { text("text/javascript; charset=utf-8", SCRIPT) }))
        .route("/preview.css", get(|| async { text("text/css; charset=utf-8", STYLE) }))
        .route("/preview/findings", get(findings))
        .route("/preview/verdict", post(verdict).layer(DefaultBodyLimit::max(MAX_VERDICT_BODY)))
        // A response marked complete in the app is sent nowhere: the app shows why.
        .route("/api/v1/submissions", post(no_collection))
        .route("/api/v1/questionnaires", get(list))
        .route("/api/v1/questionnaires/{id}", get(one))
        // The bundled questionnaires are not offered: the preview shows one.
        .route(
            "/app/questionnaires/index.json",
            get(|| async { axum::Json(json!({"questionnaires": []})) }),
        )
        // No service worker: the preview keeps no offline copy of anything.
        .route("/app/sw.js", get(not_found));
    router = match web {
        Some(dir) => {
            router.nest_service("/app", ServeDir::new(dir).precompressed_br().precompressed_gzip())
        }
        None => router.route("/app/", get(no_app)),
    };
    router
        .fallback(not_found)
        .layer(axum::middleware::map_response(no_store))
        .layer(axum::middleware::from_fn_with_state(hosts, named_host))
        .with_state(shared)
}

fn text(kind: &'static str, body: &'static str) -> Response {
    ([(CONTENT_TYPE, kind)], body).into_response()
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::new(ApiCode::NotFound).with("path", uri.path())
}

async fn no_app() -> Html<&'static str> {
    Html(concat!(
        "<!doctype html><meta charset=utf-8><title>田野 Tianye</title>",
        "<p>网页应用尚未构建：请运行 <code>cargo xtask dist</code>，或用 <code>--web</code> 指定其目录。</p>",
        "<p>The form app is not built: run <code>cargo xtask dist</code>, or name its folder with <code>--web</code>.</p>"
    ))
}

/// Refuses a request whose `Host` is not this server's: a site that points a name of
/// its own at 127.0.0.1 (DNS rebinding) must not read the questionnaire or the page.
async fn named_host(State(hosts): State<Hosts>, req: Request, next: Next) -> Response {
    let host = req.headers().get(HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    if hosts.any || hosts.names.iter().any(|n| n.eq_ignore_ascii_case(host)) {
        return next.run(req).await;
    }
    (StatusCode::MISDIRECTED_REQUEST, "此地址不是本预览 / not this preview's address")
        .into_response()
}

/// Nothing the preview sends is kept by the browser's cache (the questionnaire changes
/// under the same address); nothing is sniffed, nothing sends a referrer, and the page
/// itself is framed by no one.
async fn no_store(mut res: Response) -> Response {
    let headers = res.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert("x-frame-options", HeaderValue::from_static("SAMEORIGIN"));
    res
}

/// The page, with the findings as they are now (the script keeps them current).
async fn page(State(shared): State<Arc<Shared>>) -> Response {
    let shot = shared.current();
    let file = shared.path.display().to_string();
    let html = PAGE
        .replace("{{file}}", &html_escape::encode_text(&file))
        .replace("{{summary}}", &html_escape::encode_text(&summary(&shot)))
        .replace("{{findings}}", &findings_html(&shot));
    (
        [(
            "content-security-policy",
            "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        )],
        Html(html),
    )
        .into_response()
}

/// One line on the questionnaire's state, Chinese first.
pub(crate) fn summary(shot: &Snapshot) -> String {
    let (errors, warnings) = shot.counts();
    match &shot.usable {
        Some(_) if warnings == 0 => {
            "✓ 问卷可以使用，没有发现问题 / The questionnaire loads; no findings".to_owned()
        }
        Some(_) => format!(
            "✓ 问卷可以使用，有 {warnings} 条警告 / The questionnaire loads, with {warnings} warning(s)"
        ),
        None => format!(
            "✗ 问卷无法加载：{errors} 个错误，表单仍显示上次能加载的版本 / The questionnaire does not load: {errors} error(s); the form shows the last version that loaded"
        ),
    }
}

/// The findings as inert HTML: each report, escaped, in a `<pre>` (the caret lines up).
pub(crate) fn findings_html(shot: &Snapshot) -> String {
    if shot.findings.is_empty() {
        return "<p class=\"clean\">没有发现问题 / No findings</p>".to_owned();
    }
    let mut out = String::from("<ol class=\"findings\">");
    for f in &shot.findings {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = write!(
            out,
            "<li class=\"finding {level}\" data-code=\"{}\"><pre>{}</pre></li>",
            html_escape::encode_double_quoted_attribute(f.code),
            html_escape::encode_text(&f.text)
        );
    }
    out.push_str("</ol>");
    out
}

/// `GET /preview/findings[?after=N]`.
async fn findings(
    State(shared): State<Arc<Shared>>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| {
        ApiError::new(ApiCode::BadQuery).with("name", "?").with("value", e.body_text())
    })?;
    let after = match query.get("after") {
        None => None,
        Some(v) => Some(v.parse::<u64>().map_err(|_| {
            ApiError::new(ApiCode::BadQuery).with("name", "after").with("value", v.as_str())
        })?),
    };
    let shot = match after {
        Some(n) => shared.after(n, LONG_POLL).await,
        None => shared.current(),
    };
    let (errors, warnings) = shot.counts();
    let questionnaire = shot.usable.as_ref().map(|u| {
        let q = u.form.questionnaire();
        json!({"id": q.id, "version": q.version, "served_as": PREVIEW_VERSION, "title": q.title})
    });
    let list: Vec<Value> = shot
        .findings
        .iter()
        .map(|f| json!({"code": f.code, "severity": f.severity, "text": f.text}))
        .collect();
    Ok(axum::Json(json!({
        "generation": shot.generation,
        "file": shared.path.display().to_string(),
        "lang": shared.lang,
        "loads": shot.usable.is_some(),
        "errors": errors,
        "warnings": warnings,
        "summary": summary(&shot),
        "questionnaire": questionnaire,
        "findings": list,
        "html": findings_html(&shot),
    }))
    .into_response())
}

/// A preview answer that is not an [`ApiError`]: a code and its message in both
/// languages.
fn refusal(status: StatusCode, code: &str, zh: &str, en: &str) -> Response {
    let body = json!({"code": code, "message": format!("{zh} / {en}"), "message_zh": zh, "message_en": en});
    (status, axum::Json(body)).into_response()
}

/// `POST /preview/verdict`: the response in the body checked as if complete, against
/// the questionnaire as it is now.
async fn verdict(
    State(shared): State<Arc<Shared>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(ApiCode::TooLarge).with("limit", MAX_VERDICT_BODY)
        } else {
            ApiError::new(ApiCode::BodyUnreadable).with("detail", e.body_text())
        }
    })?;
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::from(Rejection::NotUtf8))?;
    let mut response = tianye_core::Response::from_json(text)
        .map_err(|d| ApiError::from(Rejection::Malformed(d)))?;
    let shot = shared.current();
    let Some(usable) = shot.usable.as_ref() else {
        return Ok(refusal(
            StatusCode::CONFLICT,
            "preview.not_loaded",
            "问卷现在无法加载，无法判定答卷",
            "The questionnaire does not load now: no verdict",
        ));
    };
    let q = usable.form.questionnaire();
    if response.questionnaire.id != q.id {
        return Ok(refusal(
            StatusCode::CONFLICT,
            "preview.other_questionnaire",
            "这份答卷属于另一份问卷",
            "This response answers another questionnaire",
        ));
    }
    // Served under the preview's version, checked against the file's.
    response.questionnaire.version.clone_from(&q.version);
    response.status = Status::Complete;
    let generation = shot.generation;
    let reply = tokio::task::spawn_blocking(move || {
        let form = &shot.usable.as_ref().expect("checked above").form;
        let report =
            form.validate(&response, &Options { now: Some(now_utc8()), lang: String::new() });
        let mut problems = report.views(form, "zh/en");
        problems.truncate(MAX_LISTED);
        json!({
            "generation": generation,
            "valid": report.is_valid(),
            "count": report.problem_count,
            "problems": problems,
            "values": report.values,
            "cleared": report.cleared,
        })
    })
    .await
    .map_err(|e| ApiError::new(ApiCode::Internal).with("detail", e.to_string()))?;
    Ok(axum::Json(reply).into_response())
}

/// `POST /api/v1/submissions`: refused (409), so the app keeps the response and says
/// why, in both languages.
async fn no_collection() -> Response {
    refusal(
        StatusCode::CONFLICT,
        "preview.no_collection",
        "预览不收集答卷：这份答卷只留在本浏览器中",
        "The preview collects no responses: this one stays in this browser",
    )
}

/// `GET /api/v1/questionnaires`: the one questionnaire, when it loads.
async fn list(State(shared): State<Arc<Shared>>) -> axum::Json<Value> {
    let shot = shared.current();
    let list: Vec<Value> = shot
        .usable
        .iter()
        .map(|u| {
            let q = u.form.questionnaire();
            json!({
                "id": q.id, "version": PREVIEW_VERSION, "title": q.title,
                "languages": q.languages, "versions": [PREVIEW_VERSION], "media": [],
            })
        })
        .collect();
    axum::Json(json!({ "questionnaires": list }))
}

/// `GET /api/v1/questionnaires/{id}`: its JSON as it is now (any version asked for).
async fn one(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let shot = shared.current();
    match shot.usable.as_ref() {
        Some(u) if u.form.questionnaire().id == id => {
            Ok(([(CONTENT_TYPE, "application/json; charset=utf-8")], u.json.clone())
                .into_response())
        }
        _ => Err(ApiError::new(ApiCode::QuestionnaireNotFound).with("id", id)),
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use tower::ServiceExt as _;

    use super::*;

    fn preview(dir: &std::path::Path) -> Router {
        let path = dir.join("form.json");
        std::fs::write(
            &path,
            r#"{"id": "h", "version": "1", "title": "t",
                "items": [{"type": "text", "name": "a", "label": "甲"}]}"#,
        )
        .unwrap();
        let shared = Shared::new(path, "zh".into());
        router(shared, "127.0.0.1:4321".parse().unwrap(), None)
    }

    async fn status(app: &Router, host: Option<&str>, path: &str) -> StatusCode {
        let mut req = Request::get(path);
        if let Some(host) = host {
            req = req.header(HOST, host);
        }
        app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap().status()
    }

    /// Only this server's own names reach it: another name pointed at 127.0.0.1 (DNS
    /// rebinding), another port or no host at all is refused.
    #[tokio::test]
    async fn only_requests_naming_this_server_are_answered() {
        let dir = tempfile::tempdir().unwrap();
        let app = preview(dir.path());
        for (host, answered) in [
            (Some("127.0.0.1:4321"), true),
            (Some("localhost:4321"), true),
            (Some("LOCALHOST:4321"), true),
            (Some("[::1]:4321"), true),
            (Some("127.0.0.1:4322"), false),
            (Some("attacker.example"), false),
            (Some("attacker.example:4321"), false),
            (Some("127.0.0.1"), false),
            (None, false),
        ] {
            for path in ["/", "/preview/findings", "/api/v1/questionnaires/h"] {
                let got = status(&app, host, path).await;
                let expected =
                    if answered { StatusCode::OK } else { StatusCode::MISDIRECTED_REQUEST };
                assert_eq!(got, expected, "{host:?} {path}");
            }
        }
    }

    /// The page forbids framing it and scripts from elsewhere; nothing is cached.
    #[tokio::test]
    async fn the_page_is_framed_by_no_one_and_cached_nowhere() {
        let dir = tempfile::tempdir().unwrap();
        let app = preview(dir.path());
        let req = Request::get("/").header(HOST, "127.0.0.1:4321").body(Body::empty()).unwrap();
        let res = app.clone().oneshot(req).await.unwrap();
        let csp = res.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"));
        assert_eq!(res.headers()[CACHE_CONTROL], "no-store");
        assert_eq!(status(&app, Some("127.0.0.1:4321"), "/app/sw.js").await, StatusCode::NOT_FOUND);
        // Without a built app, a page that says how to build one.
        assert_eq!(status(&app, Some("127.0.0.1:4321"), "/app/").await, StatusCode::OK);
    }
}
