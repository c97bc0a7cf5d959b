//! `POST /api/v1/submissions`: a team uploads one response.
//!
//! The token is checked from the headers before the body is read: a client without a
//! valid one gets its 401 or 403 after at most a short, bounded read of what it already
//! sent, and its connection is closed. A body is read only while it keeps up a least
//! average rate ([`Pace`]), so a client that trickles bytes cannot hold a connection for
//! long, with a token or without.

use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{CONNECTION, CONTENT_LENGTH};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use tokio::time::Instant;

use crate::AppState;
use crate::auth;
use crate::error::{ApiCode, ApiError};
use crate::ingest::{self, Uploader};
use crate::store::TokenKind;

/// How much of an over-long body is read and dropped so the client gets to read the
/// 413 answer; beyond this the connection is simply closed.
const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

/// How much of a refused client's body is read and dropped before its 401 or 403, so
/// that a phone whose link was revoked reads the answer rather than a reset connection
/// (a response is a few kilobytes, sent with its head).
pub(super) const REFUSED_DRAIN_LIMIT: usize = 64 * 1024;

/// The pace an upload's body must keep: after 10 s, at least 1 KiB a second on average
/// (a phone on a weak 2G signal sends several times that).
pub(crate) const UPLOAD_PACE: Pace =
    Pace { grace: Duration::from_secs(10), bytes_per_second: 1024 };

/// The pace of a refused client's body: after 2 s, at least 8 KiB a second; so it is
/// held at most about 10 s.
pub(crate) const REFUSED_PACE: Pace =
    Pace { grace: Duration::from_secs(2), bytes_per_second: 8 * 1024 };

/// A least average rate for a body: `bytes_per_second`, counted from `grace` after the
/// body began.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pace {
    pub(crate) grace: Duration,
    pub(crate) bytes_per_second: u64,
}

impl Pace {
    /// When the body falls behind this pace, if no more of it has come after
    /// `received` bytes: the next bytes must come before then.
    fn deadline(self, began: Instant, received: usize) -> Instant {
        let earned = Duration::from_secs_f64(received as f64 / self.bytes_per_second as f64);
        began + self.grace + earned
    }
}

/// Why a body was not read whole.
pub(super) enum Unread {
    /// It is over the limit (the rest was dropped, up to [`DRAIN_LIMIT`]).
    TooLarge,
    /// It fell behind the pace.
    TooSlow(Pace),
    /// The connection failed.
    Failed(String),
}

/// Reads the body, refusing more than `limit` bytes and dropping at most `drain` bytes
/// past it, while it keeps `pace`.
pub(super) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    drain: usize,
    pace: Pace,
) -> Result<Vec<u8>, Unread> {
    let began = Instant::now();
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > (limit + drain) as u64) {
        return Err(Unread::TooLarge);
    }
    let mut stream = body.into_data_stream();
    let mut buf = Vec::with_capacity(declared.map_or(8192, |n| n.min(limit as u64) as usize));
    let mut over = 0usize;
    loop {
        let deadline = pace.deadline(began, buf.len() + over);
        let chunk = match tokio::time::timeout_at(deadline, stream.next()).await {
            Err(_) => return Err(Unread::TooSlow(pace)),
            Ok(None) => break,
            Ok(Some(chunk)) => chunk.map_err(|e| Unread::Failed(e.to_string()))?,
        };
        if over > 0 || buf.len() + chunk.len() > limit {
            over += chunk.len();
            if over > drain {
                break;
            }
            continue;
        }
        buf.extend_from_slice(&chunk);
    }
    if over > 0 { Err(Unread::TooLarge) } else { Ok(buf) }
}

impl Unread {
    pub(super) fn into_error(self, limit: usize) -> ApiError {
        match self {
            Unread::TooLarge => ApiError::new(ApiCode::TooLarge).with("limit", limit),
            Unread::TooSlow(pace) => {
                ApiError::new(ApiCode::TooSlow).with("min_bytes_per_second", pace.bytes_per_second)
            }
            Unread::Failed(detail) => ApiError::new(ApiCode::BodyUnreadable).with("detail", detail),
        }
    }
}

/// 201 stored, 200 same content again, 409 same id with other content, 422 problems,
/// 400 malformed, 401 token, 404 questionnaire, 408 too slow, 413 too large, 503 storage.
pub(super) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let token = match auth::authenticate(state.store.as_ref(), &headers, TokenKind::Team) {
        Ok(token) => token,
        Err(refused) => {
            // What the client already sent is read and dropped, briefly, so that it
            // reads the refusal rather than a connection reset under it; then the
            // connection is closed, not kept for another try.
            let _ = read_body(&headers, body, 0, REFUSED_DRAIN_LIMIT, REFUSED_PACE).await;
            let mut res = refused.into_response();
            res.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
            return res;
        }
    };
    let limit = state.config.max_body;
    let bytes = match read_body(&headers, body, limit, DRAIN_LIMIT, UPLOAD_PACE).await {
        Ok(bytes) => bytes,
        Err(unread) => {
            // The rest of the body was not read: the connection cannot carry another
            // request, and is closed.
            let mut res = unread.into_error(limit).into_response();
            res.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
            return res;
        }
    };
    let Ok(raw) = std::str::from_utf8(&bytes) else {
        return ApiError::new(ApiCode::NotUtf8).into_response();
    };
    let who = Uploader { team: token.team, token_id: Some(token.id) };
    match ingest::ingest(state.store.as_ref(), &state.catalog, raw, &who).await {
        Ok(reply) => reply.into_response(),
        Err(e) => e.into_response(),
    }
}
