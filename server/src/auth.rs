//! Tokens: 32 random bytes in URL-safe base64 (no padding), stored only as their
//! SHA-256. Team tokens upload; the admin token exports and sees the overview.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::canonical::sha256;
use crate::error::{ApiCode, ApiError};
use crate::store::{Store, Token, TokenKind};

/// A new random token.
pub fn generate_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The SHA-256 of a token, as stored.
pub fn hash_token(token: &str) -> [u8; 32] {
    sha256(token.trim().as_bytes())
}

/// The form link a team opens: `BASE/#team=TOKEN` (the web app reads
/// `location.hash`).
pub fn team_link(base_url: &str, token: &str) -> String {
    format!("{}/#team={token}", base_url.trim_end_matches('/'))
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The active token of the request, which must be of `kind`.
pub fn authenticate(
    store: &dyn Store,
    headers: &HeaderMap,
    kind: TokenKind,
) -> Result<Token, ApiError> {
    let token = bearer(headers).ok_or_else(|| ApiError::new(ApiCode::MissingToken))?;
    let found = store
        .token_by_hash(&hash_token(token))
        .map_err(|e| ApiError::storage(&e))?
        .ok_or_else(|| ApiError::new(ApiCode::UnknownToken))?;
    if found.revoked_at.is_some() {
        return Err(ApiError::new(ApiCode::RevokedToken));
    }
    match (kind, found.kind) {
        (TokenKind::Admin, TokenKind::Team) => Err(ApiError::new(ApiCode::AdminRequired)),
        (TokenKind::Team, TokenKind::Admin) => Err(ApiError::new(ApiCode::TeamRequired)),
        _ => Ok(found),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_url_safe_characters_and_differ() {
        let a = generate_token().unwrap();
        let b = generate_token().unwrap();
        assert_eq!(a.len(), 43);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(a, b);
        assert_eq!(team_link("http://h:8080/", &a), format!("http://h:8080/#team={a}"));
    }

    #[test]
    fn bearer_header_is_parsed_leniently() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(AUTHORIZATION, "Bearer  abc ".parse().unwrap());
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&h), None);
        h.insert(AUTHORIZATION, "Bearer".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }
}
