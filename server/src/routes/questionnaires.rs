//! `GET /api/v1/questionnaires` and `GET /api/v1/questionnaires/{id}[?version=V]`.

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
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
    let catalog = &state.catalog;
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
    Ok(([(CONTENT_TYPE, "application/json; charset=utf-8")], found.json.clone()).into_response())
}
