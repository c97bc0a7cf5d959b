//! `POST /api/v1/submissions`: a team uploads one response.

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_LENGTH;
use futures_util::StreamExt;

use crate::AppState;
use crate::auth;
use crate::error::{ApiCode, ApiError, ApiReply};
use crate::ingest::{self, Uploader};
use crate::store::TokenKind;

/// How much of an over-long body is read and dropped so the client gets to read the
/// 413 answer; beyond this the connection is simply closed.
const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

/// Reads the body, refusing more than `limit` bytes.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Vec<u8>, ApiError> {
    let too_large = || ApiError::new(ApiCode::TooLarge).with("limit", limit);
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > (limit + DRAIN_LIMIT) as u64) {
        return Err(too_large());
    }
    let mut stream = body.into_data_stream();
    let mut buf = Vec::with_capacity(declared.map_or(8192, |n| n.min(limit as u64) as usize));
    let mut over = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::new(ApiCode::BodyUnreadable).with("detail", e.to_string()))?;
        if over > 0 || buf.len() + chunk.len() > limit {
            over += chunk.len();
            if over > DRAIN_LIMIT {
                break;
            }
            continue;
        }
        buf.extend_from_slice(&chunk);
    }
    if over > 0 { Err(too_large()) } else { Ok(buf) }
}

/// 201 stored, 200 same content again, 409 same id with other content, 422 problems,
/// 400 malformed, 401 token, 404 questionnaire, 413 too large, 503 storage.
pub(super) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<ApiReply, ApiError> {
    let token = match auth::authenticate(state.store.as_ref(), &headers, TokenKind::Team) {
        Ok(token) => token,
        Err(e) => {
            // Read (and drop) the body before refusing: answering with it unread makes the
            // connection close under the client, which then sees a network error instead
            // of the 401 (a phone would keep the response queued as "offline").
            let _ = read_body(&headers, body, state.config.max_body).await;
            return Err(e);
        }
    };
    let bytes = read_body(&headers, body, state.config.max_body).await?;
    let raw = std::str::from_utf8(&bytes).map_err(|_| ApiError::new(ApiCode::NotUtf8))?;
    let who = Uploader { team: token.team, token_id: Some(token.id) };
    ingest::ingest(state.store.as_ref(), &state.catalog, raw, &who).await
}
