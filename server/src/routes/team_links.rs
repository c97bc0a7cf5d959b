//! `POST /api/v1/admin/team-links` with `{"team": …, "base": …}` (admin token): a new
//! team token, answered once with its form link and the link's QR code (SVG), for a team
//! leader to scan from the admin's screen. Tokens are kept only as hashes, so a link is
//! shown when it is made and never again; the team's earlier links keep working until
//! revoked (`tianye token revoke`).

use axum::body::Body;
use axum::extract::State;
use axum::http::header::CONNECTION;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::submissions::{REFUSED_DRAIN_LIMIT, REFUSED_PACE, UPLOAD_PACE, read_body};
use crate::AppState;
use crate::auth::{self, generate_token, hash_token, team_link};
use crate::error::{ApiCode, ApiError};
use crate::store::TokenKind;

/// The largest request read: a team name and an address, with room to spare.
const MAX_BODY: usize = 4 * 1024;

/// How much of an over-long request is read and dropped before the 413.
const DRAIN: usize = 16 * 1024;

/// The longest address the link may start with.
const MAX_BASE: usize = 300;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewLink {
    team: String,
    base: String,
}

fn closing(error: ApiError) -> Response {
    let mut res = error.into_response();
    res.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    res
}

fn bad(detail: &str) -> ApiError {
    ApiError::new(ApiCode::TeamLinkBadBody).with("detail", detail)
}

/// The team name and the address of a request, checked.
fn checked(body: &[u8]) -> Result<(String, String), ApiError> {
    let new: NewLink = serde_json::from_slice(body).map_err(|e| bad(&e.to_string()))?;
    let team = new.team.trim().to_owned();
    if team.is_empty() || team.chars().count() > 64 || team.chars().any(char::is_control) {
        return Err(bad(
            "调查队名称应为 1 到 64 个字符 / the team name must be 1 to 64 characters",
        ));
    }
    let base = new.base.trim().trim_end_matches('/').to_owned();
    let scheme_ok = base.starts_with("https://") || base.starts_with("http://");
    if !scheme_ok
        || base.len() > MAX_BASE
        || base.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '#' | '?' | '"' | '<' | '>')
        })
    {
        return Err(bad(
            "地址应为 http(s)://主机[:端口][/路径] / the address must be http(s)://host[:port][/path]",
        ));
    }
    Ok((team, base))
}

/// `POST /api/v1/admin/team-links`: answers 201 with `team`, `token_id`, `link` and
/// `qr_svg`.
pub(super) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Err(refused) = auth::authenticate(state.store.as_ref(), &headers, TokenKind::Admin) {
        let _ = read_body(&headers, body, 0, REFUSED_DRAIN_LIMIT, REFUSED_PACE).await;
        return closing(refused);
    }
    let bytes = match read_body(&headers, body, MAX_BODY, DRAIN, UPLOAD_PACE).await {
        Ok(bytes) => bytes,
        Err(unread) => return closing(unread.into_error(MAX_BODY)),
    };
    let result = async {
        let (team, base) = checked(&bytes)?;
        let token = generate_token()
            .map_err(|e| ApiError::new(ApiCode::Internal).with("detail", e.to_string()))?;
        let link = team_link(&base, &token);
        let qr = crate::qr::encode(&link).map_err(|e| bad(&e))?;
        let store = state.store.clone();
        let hash = hash_token(&token);
        let made_for = team.clone();
        let made = tokio::task::spawn_blocking(move || {
            store.create_token(TokenKind::Team, &made_for, &hash)
        })
        .await
        .map_err(|e| ApiError::new(ApiCode::Internal).with("detail", e.to_string()))?
        .map_err(|e| ApiError::storage(&e))?;
        Ok::<_, ApiError>(
            ApiError::new(ApiCode::TeamLinkCreated)
                .with("team", team)
                .with("token_id", made.id)
                .with("link", link)
                .with("qr_svg", crate::qr::svg(&qr)),
        )
    }
    .await;
    match result {
        Ok(reply) => reply.into_response(),
        Err(e) => e.into_response(),
    }
}
