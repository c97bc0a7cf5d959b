//! `GET /api/v1/questionnaires` (each current questionnaire with its media files and
//! their SHA-256), `GET /api/v1/questionnaires/{id}[?version=V]` and
//! `GET /api/v1/questionnaires/{id}/media/{file}[?sha256=H]`, and the questionnaire on
//! paper at `GET /print/{id}[?version=V][&lang=L]`.

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiCode, ApiError};
use crate::forms::compare_versions;

/// The current questionnaires: id, version, title and every known version.
pub(super) async fn list(State(state): State<AppState>) -> Json<Value> {
    let catalog = &state.catalog;
    let list: Vec<Value> = catalog
        .current_ids()
        .filter_map(|id| catalog.current(id))
        .map(|fv| {
            let q = fv.form.questionnaire();
            let mut versions: Vec<&str> =
                catalog.versions(fv.id()).iter().map(|v| v.version()).collect();
            versions.sort_by(|a, b| compare_versions(a, b));
            json!({
                "id": q.id,
                "version": q.version,
                "title": q.title,
                "languages": q.languages,
                "versions": versions,
                "media": fv.media.iter().map(|m| json!({
                    "file": m.name,
                    "sha256": m.sha256,
                    "size": m.bytes.len(),
                    "url": format!("/api/v1/questionnaires/{}/media/{}?sha256={}", q.id, m.name, m.sha256),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(json!({ "questionnaires": list }))
}

pub(super) fn bad_query(e: &QueryRejection) -> ApiError {
    ApiError::new(ApiCode::BadQuery).with("name", "?").with("value", e.body_text())
}

pub(super) fn bad_path(e: &PathRejection) -> ApiError {
    ApiError::new(ApiCode::NotFound).with("path", e.body_text())
}

/// A questionnaire's JSON as stored: the current version, or `?version=V`.
pub(super) async fn one(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = path.map_err(|e| bad_path(&e))?;
    let Query(query) = query.map_err(|e| bad_query(&e))?;
    let found = version_asked(&state, &id, &query)?;
    Ok(([(CONTENT_TYPE, "application/json; charset=utf-8")], found.json.clone()).into_response())
}

/// The policy of the printed page: its styles are inline, and it has nothing else.
const PRINT_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; \
                            form-action 'none'; frame-ancestors 'none'";

/// A questionnaire on paper (`tianye print`'s A4 page, to print from the browser): the
/// current version or `?version=V`, in `?lang=` (default `zh`). The page has no script;
/// every text of the questionnaire in it is escaped.
pub(super) async fn print(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    use tianye_core::paper;
    let Path(id) = path.map_err(|e| bad_path(&e))?;
    let Query(query) = query.map_err(|e| bad_query(&e))?;
    let lang = query.get("lang").map_or("zh", String::as_str);
    if lang.is_empty()
        || lang.len() > 16
        || !lang.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-')
    {
        return Err(ApiError::new(ApiCode::BadQuery).with("name", "lang").with("value", lang));
    }
    let found = version_asked(&state, &id, &query)?;
    let options = paper::Options { lang: lang.to_owned(), roster_rows: paper::DEFAULT_ROSTER_ROWS };
    let html = paper::render(&found.form, &options);
    let head = [
        (CONTENT_TYPE, "text/html; charset=utf-8"),
        (axum::http::header::CONTENT_SECURITY_POLICY, PRINT_POLICY),
        (CACHE_CONTROL, "no-cache"),
    ];
    Ok((head, html).into_response())
}

/// The version of questionnaire `id` a request asks for: `?version=V`, else the current
/// one, else the newest known.
fn version_asked<'a>(
    state: &'a AppState,
    id: &str,
    query: &HashMap<String, String>,
) -> Result<&'a std::sync::Arc<crate::forms::FormVersion>, ApiError> {
    let catalog = &state.catalog;
    let id = id.to_owned();
    if !catalog.knows(&id) {
        return Err(ApiError::new(ApiCode::QuestionnaireNotFound).with("id", id));
    }
    let found = match query.get("version") {
        Some(v) => catalog.get(&id, v).ok_or_else(|| {
            ApiError::new(ApiCode::VersionNotFound)
                .with("id", id.as_str())
                .with("version", v.as_str())
        })?,
        None => match catalog.current(&id) {
            Some(fv) => fv,
            None => catalog
                .versions(&id)
                .iter()
                .max_by(|a, b| compare_versions(a.version(), b.version()))
                .ok_or_else(|| {
                    ApiError::new(ApiCode::QuestionnaireNotFound).with("id", id.as_str())
                })?,
        },
    };
    Ok(found)
}

/// A media file of the current version of a questionnaire (its choice files), as read
/// when the server started: ETag the SHA-256. Asked for with `?sha256=` equal to that
/// hash (the URL the list gives), the answer never changes and is cached for a year;
/// otherwise it is revalidated (`no-cache`, 304 on a matching `If-None-Match`). Text is
/// gzipped by the API's compression when the client takes it.
pub(super) async fn media(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path((id, name)) = path.map_err(|e| bad_path(&e))?;
    let Query(query) = query.map_err(|e| bad_query(&e))?;
    let Some(fv) = state.catalog.current(&id) else {
        return Err(ApiError::new(ApiCode::QuestionnaireNotFound).with("id", id));
    };
    let Some(file) = fv.media.iter().find(|m| m.name == name) else {
        return Err(ApiError::new(ApiCode::NotFound)
            .with("path", format!("/api/v1/questionnaires/{id}/media/{name}")));
    };
    let etag = format!("\"{}\"", file.sha256);
    let cache = if query.get("sha256") == Some(&file.sha256) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let matches = headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().trim_start_matches("W/") == etag);
    let head = [(ETAG, etag.clone()), (CACHE_CONTROL, cache.to_owned())];
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, head).into_response());
    }
    let kind = if name.to_ascii_lowercase().ends_with(".csv") {
        "text/csv; charset=utf-8"
    } else {
        "application/octet-stream"
    };
    Ok((head, [(CONTENT_TYPE, kind)], file.bytes.clone()).into_response())
}
