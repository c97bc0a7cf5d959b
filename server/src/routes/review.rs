//! Review of submissions (admin token; no CORS): the paged listing, one submission with
//! its labels, problems and review history, and setting its review state.
//!
//! - `GET /api/v1/admin/submissions?form=&version=&team=&day=&state=&q=&fields=&limit=&before=`
//! - `GET /api/v1/admin/submissions/{instance_id}`
//! - `POST /api/v1/admin/submissions/{instance_id}/review` with `{"state": …, "comment": …}`

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::CONNECTION;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tianye_core::{Options, Response as CoreResponse};

use super::questionnaires::{bad_path, bad_query};
use super::submissions::{REFUSED_DRAIN_LIMIT, REFUSED_PACE, UPLOAD_PACE, read_body};
use crate::AppState;
use crate::auth;
use crate::error::{ApiCode, ApiError};
use crate::export::Layout;
use crate::forms::FormVersion;
use crate::store::review::MAX_REVIEW_COMMENT;
use crate::store::{ReviewState, StoreError, StoredSubmission, SubmissionQuery, TokenKind};
use crate::time::now_utc8;

/// The largest review body read: a comment of [`MAX_REVIEW_COMMENT`] characters, each
/// escaped as JSON at its longest, with room to spare.
const MAX_REVIEW_BODY: usize = 32 * 1024;

/// How much of an over-long review body is read and dropped before the 413.
const REVIEW_DRAIN: usize = 64 * 1024;

/// The language of the problems' `message` (each also comes in `message_zh` and
/// `message_en`).
const PROBLEM_LANG: &str = "zh/en";

/// The listing's parameters, as the query names them.
const LIST_PARAMS: [&str; 9] =
    ["form", "version", "team", "day", "state", "q", "fields", "limit", "before"];

fn blocking_error(e: tokio::task::JoinError) -> ApiError {
    ApiError::new(ApiCode::Internal).with("detail", e.to_string())
}

fn store_error(e: &StoreError) -> ApiError {
    match e {
        StoreError::NoSuchSubmission(id) => {
            ApiError::new(ApiCode::ReviewNotFound).with("instance_id", id.as_str())
        }
        StoreError::CommentTooLong { chars, max } => {
            ApiError::new(ApiCode::ReviewCommentTooLong).with("chars", *chars).with("max", *max)
        }
        other => ApiError::storage(other),
    }
}

fn bad(name: &str, value: &str) -> ApiError {
    ApiError::new(ApiCode::BadQuery).with("name", name).with("value", value)
}

/// The query string as a [`SubmissionQuery`]; an unknown or bad parameter is named.
fn parse_query(query: &HashMap<String, String>) -> Result<SubmissionQuery, ApiError> {
    if let Some(name) = query.keys().find(|k| !LIST_PARAMS.contains(&k.as_str())) {
        return Err(bad(name, query[name].as_str()));
    }
    let text = |name: &str| query.get(name).filter(|v| !v.is_empty()).cloned();
    let number = |name: &str| -> Result<Option<i64>, ApiError> {
        match text(name) {
            None => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| bad(name, &v)),
        }
    };
    let state = match text("state") {
        None => None,
        Some(v) => Some(ReviewState::parse(&v).ok_or_else(|| bad("state", &v))?),
    };
    let limit = match number("limit")? {
        None => 0,
        Some(n) => u32::try_from(n).map_err(|_| bad("limit", &n.to_string()))?,
    };
    let q = SubmissionQuery {
        form_id: text("form"),
        version: text("version"),
        team: text("team"),
        day: text("day"),
        state,
        search: text("q"),
        fields: text("fields")
            .map(|f| {
                f.split(',').map(str::trim).filter(|f| !f.is_empty()).map(String::from).collect()
            })
            .unwrap_or_default(),
        limit,
        before: number("before")?,
    };
    q.check().map_err(|p| bad(p.name, &p.value))?;
    Ok(q)
}

/// `GET /api/v1/admin/submissions`: one page of submissions, newest first, with the
/// total that match; `next` is the `before` of the next page.
pub(super) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    auth::authenticate(state.store.as_ref(), &headers, TokenKind::Admin)?;
    let Query(query) = query.map_err(|e| bad_query(&e))?;
    let query = parse_query(&query)?;
    let store = state.store.clone();
    let page = tokio::task::spawn_blocking(move || store.list_submissions(&query))
        .await
        .map_err(blocking_error)?
        .map_err(|e| store_error(&e))?;
    Ok(Json(serde_json::to_value(&page).unwrap_or_default()))
}

fn text_json(text: &tianye_core::Text, default_language: &str) -> Value {
    json!({"zh": text.get("zh", default_language), "en": text.get("en", default_language)})
}

/// What the admin page needs to show answers in the questionnaire's labels: the
/// title, the tables (the main one, then each repeat's) and every variable in
/// questionnaire order with its label and its choices' labels.
fn labels(fv: &Arc<FormVersion>) -> Value {
    let q = fv.form.questionnaire();
    let layout = Layout::new(fv.id(), std::slice::from_ref(fv));
    let variables: Vec<Value> = layout
        .variables
        .iter()
        .map(|v| {
            let choices: Vec<Value> = v
                .choices
                .iter()
                .map(|c| {
                    json!({
                        "name": c,
                        "zh": v.choice_label(c, "zh").unwrap_or(c),
                        "en": v.choice_label(c, "en").unwrap_or(c),
                    })
                })
                .collect();
            json!({
                "name": v.name,
                "table": v.table,
                "type": v.kind,
                "label": v.label.as_ref().map(|t| text_json(t, &v.default_language)),
                "choices": choices,
            })
        })
        .collect();
    json!({
        "title": text_json(&q.title, &q.default_language),
        "tables": layout.tables.iter().map(|t| json!({"name": t.name, "repeat_path": t.repeat_path})).collect::<Vec<_>>(),
        "variables": variables,
    })
}

/// The submission's answers validated again with its questionnaire version, as the
/// export of sealed submissions does: the problems it has by today's rules (none for
/// a sealed one, which the server cannot read).
fn problems(fv: &FormVersion, stored: &StoredSubmission) -> (Value, usize) {
    if stored.row.envelope.is_some() {
        return (json!([]), 0);
    }
    let Ok(value) = tianye_core::json::parse_value(&stored.raw) else { return (json!([]), 0) };
    let Ok(response) = CoreResponse::from_value(value) else { return (json!([]), 0) };
    let report =
        fv.form.validate(&response, &Options { now: Some(now_utc8()), lang: String::new() });
    (json!(report.views(&fv.form, PROBLEM_LANG)), report.problem_count)
}

/// `GET /api/v1/admin/submissions/{instance_id}`: the submission's answers and meta,
/// its files, its problems (validated again now), its review state and history, and
/// the labels of its questionnaire version.
pub(super) async fn one(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    auth::authenticate(state.store.as_ref(), &headers, TokenKind::Admin)?;
    let Path(id) = path.map_err(|e| bad_path(&e))?;
    let store = state.store.clone();
    let catalog = state.catalog.clone();
    tokio::task::spawn_blocking(move || {
        let stored = store.submission(&id).map_err(|e| store_error(&e))?.ok_or_else(|| {
            ApiError::new(ApiCode::ReviewNotFound).with("instance_id", id.as_str())
        })?;
        let history = store.review_history(&id).map_err(|e| store_error(&e))?;
        let fv = catalog.get(&stored.form_id, &stored.row.version);
        let (problems, problem_count) = match fv {
            Some(fv) => problems(fv, &stored),
            None => (json!([]), 0),
        };
        let row = &stored.row;
        let parse = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
        let missing: Vec<&str> = row
            .files
            .iter()
            .filter(|f| f.received_at.is_none())
            .map(|f| f.attachment.file.as_str())
            .collect();
        Ok(Json(json!({
            "instance_id": row.instance_id,
            "form_id": stored.form_id,
            "version": row.version,
            "team": row.team,
            "received_at": row.received_at,
            "sealed": row.envelope.is_some(),
            "meta": parse(&row.meta),
            "answers": parse(&row.answers),
            "attachments": {
                "expected": row.files.len(),
                "received": row.files.len() - missing.len(),
                "missing": missing,
            },
            "problems": problems,
            "problem_count": problem_count,
            "review_state": row.review_state,
            "review": history.last(),
            "history": history,
            "questionnaire": fv.map(labels),
        })))
    })
    .await
    .map_err(blocking_error)?
}

/// `error` as an answer that closes the connection.
fn closing(error: ApiError) -> Response {
    let mut res = error.into_response();
    res.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    res
}

/// The body of a review.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewBody {
    state: String,
    #[serde(default)]
    comment: String,
}

/// `POST /api/v1/admin/submissions/{instance_id}/review` with `{"state": …,
/// "comment": …}`: records the state, the comment, the admin token and the time;
/// answers 200 with the event.
pub(super) async fn set(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Body,
) -> Response {
    let token = match auth::authenticate(state.store.as_ref(), &headers, TokenKind::Admin) {
        Ok(token) => token,
        Err(refused) => {
            // As for uploads: what the client sent is read and dropped, briefly, so it
            // reads the refusal; then the connection is closed.
            let _ = read_body(&headers, body, 0, REFUSED_DRAIN_LIMIT, REFUSED_PACE).await;
            return closing(refused);
        }
    };
    let bytes = match read_body(&headers, body, MAX_REVIEW_BODY, REVIEW_DRAIN, UPLOAD_PACE).await {
        Ok(bytes) => bytes,
        // The rest of the body was not read: the connection cannot carry another request.
        Err(unread) => return closing(unread.into_error(MAX_REVIEW_BODY)),
    };
    let result = async {
        let Path(id) = path.map_err(|e| bad_path(&e))?;
        let review: ReviewBody = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::new(ApiCode::ReviewBadBody).with("detail", e.to_string()))?;
        let new_state = ReviewState::parse(&review.state).ok_or_else(|| {
            ApiError::new(ApiCode::ReviewBadState).with("value", review.state.as_str())
        })?;
        let chars = review.comment.chars().count();
        if chars > MAX_REVIEW_COMMENT {
            return Err(ApiError::new(ApiCode::ReviewCommentTooLong)
                .with("chars", chars)
                .with("max", MAX_REVIEW_COMMENT));
        }
        let store = state.store.clone();
        let event = tokio::task::spawn_blocking(move || {
            store.set_review(&id, new_state, &review.comment, Some(token.id))
        })
        .await
        .map_err(blocking_error)?
        .map_err(|e| store_error(&e))?;
        let (zh, en) = new_state.labels();
        Ok(ApiError::new(ApiCode::ReviewRecorded)
            .with("label_zh", zh)
            .with("label_en", en)
            .with("event", serde_json::to_value(&event).unwrap_or_default()))
    }
    .await;
    match result {
        Ok(reply) => reply.into_response(),
        Err(e) => e.into_response(),
    }
}
