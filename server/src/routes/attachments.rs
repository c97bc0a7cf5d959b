//! A response's files, uploaded after the response (ODK Central's model):
//!
//! - `POST /api/v1/submissions/{instance_id}/attachments/{file}` with the file's bytes
//!   as the body: 201 stored now, 200 the same bytes were stored before (a retry), 409
//!   other bytes are stored under that name, 422 the bytes are not those the answer
//!   names (length or SHA-256), 404 no such response of this team or no such file in
//!   its answers, 413 over 10 MiB (refused from `Content-Length`, or after reading no
//!   more than the limit; a sealed file, named `….sealed`, may have the 28 bytes sealing
//!   adds).
//! - A sealed response's files (`core/ENCRYPTION.md`) are uploaded sealed, by the names,
//!   hashes and sizes its envelope lists: the server checks and stores them as any
//!   other, and cannot read them.
//! - `GET /api/v1/submissions/{instance_id}/attachments`: which files arrived, to
//!   resume.
//!
//! Both take the team token that uploaded the response; every answer carries the
//! summary `"attachments": {"expected", "received", "missing"}`.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header::CONNECTION;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tianye_core::response::attachment::{MAX_SIZE, is_safe_file_name};

use super::submissions::{REFUSED_DRAIN_LIMIT, REFUSED_PACE, UPLOAD_PACE, read_body};
use crate::AppState;
use crate::auth;
use crate::error::{ApiCode, ApiError};
use crate::store::files::sha256_hex;
use crate::store::{SubmissionFiles, TokenKind};

/// The submission `instance_id` if the team `team` uploaded it, else `Err` with the
/// answer (404 for another team's too: whose responses exist is not told).
fn team_files(
    state: &AppState,
    instance_id: &str,
    team: &str,
) -> Result<SubmissionFiles, ApiError> {
    let not_found =
        || ApiError::new(ApiCode::SubmissionNotFound).with("instance_id", quoted(instance_id));
    match state.store.submission_files(instance_id) {
        Ok(Some(files)) if files.team == team => Ok(files),
        Ok(_) => Err(not_found()),
        Err(e) => Err(ApiError::storage(&e)),
    }
}

/// A value from the request path as an answer quotes it: at most 100 characters.
fn quoted(text: &str) -> String {
    match text.char_indices().nth(100) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Closes the connection after `res`: the body was not read whole.
fn closing(mut res: Response) -> Response {
    res.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    res
}

/// `POST /api/v1/submissions/{instance_id}/attachments/{file}`.
pub(super) async fn upload(
    State(state): State<AppState>,
    Path((instance_id, file)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let checked =
        auth::authenticate(state.store.as_ref(), &headers, TokenKind::Team).and_then(|token| {
            let files = team_files(&state, &instance_id, &token.team)?;
            let named = is_safe_file_name(&file).then(|| files.get(&file).cloned()).flatten();
            let stored = named.ok_or_else(|| {
                ApiError::new(ApiCode::AttachmentNotNamed)
                    .with("instance_id", quoted(&instance_id))
                    .with("file", quoted(&file))
            })?;
            Ok((token, files, stored))
        });
    let (token, files, stored) = match checked {
        Ok(found) => found,
        Err(refused) => {
            // What the client already sent is read and dropped, briefly, so that it
            // reads the refusal rather than a connection reset; then the connection is
            // closed.
            let _ = read_body(&headers, body, 0, REFUSED_DRAIN_LIMIT, REFUSED_PACE).await;
            return closing(refused.into_response());
        }
    };
    // No more than the limit is read: a larger body is refused from its declared
    // length, or once the limit is passed.
    // A sealed file (its name ends in `.sealed`) is its plain file and 28 bytes.
    let sealed = tianye_core::seal::plain_name(&file).is_some();
    let limit = (MAX_SIZE + if sealed { tianye_core::seal::FILE_OVERHEAD } else { 0 }) as usize;
    let bytes = match read_body(&headers, body, limit, REFUSED_DRAIN_LIMIT, UPLOAD_PACE).await {
        Ok(bytes) => bytes,
        Err(unread) => return closing(unread.into_error(limit).into_response()),
    };
    let sha256 = sha256_hex(&bytes);
    let expected = &stored.attachment;
    let reply = |code: ApiCode| ApiError::new(code).with("instance_id", instance_id.as_str());
    if stored.received_at.is_some() {
        let code = if sha256 == expected.sha256 {
            ApiCode::AttachmentDuplicate
        } else {
            ApiCode::AttachmentConflict
        };
        return with_summary(reply(code).with("file", file.as_str()), files).into_response();
    }
    if bytes.len() as u64 != expected.size || sha256 != expected.sha256 {
        let e = reply(ApiCode::AttachmentMismatch)
            .with("file", file.as_str())
            .with("expected_size", expected.size)
            .with("expected_sha256", expected.sha256.as_str())
            .with("size", bytes.len())
            .with("sha256", sha256);
        return with_summary(e, files).into_response();
    }
    let store = state.store.clone();
    let (id, name) = (instance_id.clone(), file.clone());
    let written =
        tokio::task::spawn_blocking(move || store.store_attachment(&id, &name, &sha256, &bytes))
            .await;
    let code = match written {
        Ok(Ok(true)) => ApiCode::AttachmentCreated,
        Ok(Ok(false)) => ApiCode::AttachmentDuplicate,
        Ok(Err(e)) => return ApiError::storage(&e).into_response(),
        Err(e) => {
            return ApiError::new(ApiCode::Internal).with("detail", e.to_string()).into_response();
        }
    };
    let summary = match team_files(&state, &instance_id, &token.team) {
        Ok(files) => files,
        Err(e) => return e.into_response(),
    };
    with_summary(reply(code).with("file", file.as_str()), summary).into_response()
}

/// `GET /api/v1/submissions/{instance_id}/attachments`.
pub(super) async fn summary(
    State(state): State<AppState>,
    Path(instance_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let token = match auth::authenticate(state.store.as_ref(), &headers, TokenKind::Team) {
        Ok(token) => token,
        Err(refused) => return refused.into_response(),
    };
    match team_files(&state, &instance_id, &token.team) {
        Ok(files) => with_summary(
            ApiError::new(ApiCode::AttachmentSummary).with("instance_id", instance_id.as_str()),
            files,
        )
        .into_response(),
        Err(e) => e.into_response(),
    }
}

fn with_summary(reply: ApiError, files: SubmissionFiles) -> ApiError {
    reply.with("attachments", json!(files.summary()))
}
