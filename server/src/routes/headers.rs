//! Security headers: what a browser may do with each of the server's answers.
//!
//! - Every answer: `X-Content-Type-Options: nosniff` (a JSON or CSV answer is never
//!   run as a script or page) and `Referrer-Policy: no-referrer` (a team link's token
//!   is in the page's address, never sent on).
//! - The app's files: a Content Security Policy with no inline script and nothing from
//!   other sites ([`app_policy`]); framing allowed to this site and to the origins the
//!   operator names with `--cors-origin` (or any site, with `--cors-origin '*'`).
//! - The admin page, where the admin token is typed: scripts and styles only from its
//!   own files, and no framing at all (`frame-ancestors 'none'`, `X-Frame-Options`).
//! - The API: nothing to run or frame (`default-src 'none'`).

use axum::extract::Request;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, USER_AGENT, VARY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::CorsOrigins;

/// The policy of API answers (JSON, CSV, XLSX): nothing in them runs or is framed.
pub(super) const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// The policy of the admin page: its own script and style, requests to this server
/// only, and never inside a frame.
pub(super) const ADMIN_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// Who may frame the app's pages.
#[derive(Debug, Clone)]
pub(super) struct Framing(String);

impl Framing {
    /// This site, and the origins that may call the API (any, when the operator said
    /// `--cors-origin '*'`; only this site when no origin was named).
    pub(super) fn for_origins(origins: &CorsOrigins, named_any: bool) -> Framing {
        match origins {
            CorsOrigins::Any if named_any => Framing("*".to_owned()),
            CorsOrigins::Any => Framing("'self'".to_owned()),
            CorsOrigins::List(list) => {
                let mut sources = vec!["'self'".to_owned()];
                sources.extend(
                    list.iter()
                        .map(|o| o.trim_end_matches('/'))
                        .filter(|o| is_origin(o))
                        .map(str::to_owned),
                );
                Framing(sources.join(" "))
            }
        }
    }
}

/// Whether `text` is an origin that can stand in a policy as it is (`https://host:port`,
/// nothing that would end the directive or add another).
fn is_origin(text: &str) -> bool {
    let Some((scheme, host)) = text.split_once("://") else { return false };
    matches!(scheme, "http" | "https")
        && !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

/// The app's policy. WebAssembly is compiled under `'wasm-unsafe-eval'`; a browser too
/// old to know that keyword (Chrome before 97, Firefox before 102, Safari before 16:
/// phones' built-in browsers and old in-app browsers among them) compiles it only under
/// `'unsafe-eval'`, which it is given instead, or the app would not start on it. Styles
/// may be inline: the app sets style attributes.
pub(super) fn app_policy(framing: &Framing, wasm_needs_unsafe_eval: bool) -> String {
    let eval = if wasm_needs_unsafe_eval { "'unsafe-eval'" } else { "'wasm-unsafe-eval'" };
    format!(
        "default-src 'self'; script-src 'self' {eval}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; \
         worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors {}",
        framing.0
    )
}

/// Whether the browser named by `user_agent` needs `'unsafe-eval'` to compile
/// WebAssembly under a policy: it reads as Chrome (or a browser built on it) before 97,
/// Firefox before 102, or Safari before 16. An agent that reads as none of them gets
/// the strict policy.
pub(super) fn wasm_needs_unsafe_eval(user_agent: &str) -> bool {
    fn major_after(ua: &str, marker: &str) -> Option<u32> {
        let rest = &ua[ua.find(marker)? + marker.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    }
    if let Some(chrome) = major_after(user_agent, "Chrome/") {
        return chrome < 97;
    }
    if let Some(firefox) = major_after(user_agent, "Firefox/") {
        return firefox < 102;
    }
    if user_agent.contains("Safari/")
        && let Some(safari) = major_after(user_agent, "Version/")
    {
        return safari < 16;
    }
    false
}

/// Adds the headers every answer carries, and `policy` where the answer has none yet.
fn secure(headers: &mut HeaderMap, policy: HeaderValue) {
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(CONTENT_SECURITY_POLICY, policy);
    }
}

/// Middleware for the API and every answer not otherwise placed.
pub(super) async fn api(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    secure(res.headers_mut(), HeaderValue::from_static(API_POLICY));
    res
}

/// Middleware for the admin page and its files.
pub(super) async fn admin(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    res.headers_mut().insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    secure(res.headers_mut(), HeaderValue::from_static(ADMIN_POLICY));
    res
}

/// Middleware for the app's files: the policy for the asking browser. A page's policy
/// depends on the browser, so pages vary by `User-Agent` for caches.
pub(super) async fn app(
    axum::extract::State(framing): axum::extract::State<Framing>,
    req: Request,
    next: Next,
) -> Response {
    let old = req
        .headers()
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(wasm_needs_unsafe_eval);
    let mut res = next.run(req).await;
    let policy = app_policy(&framing, old);
    let is_page = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if is_page {
        res.headers_mut().append(VARY, HeaderValue::from_static("user-agent"));
    }
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        secure(res.headers_mut(), policy);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_too_old_for_wasm_unsafe_eval_are_told_apart() {
        for (ua, old) in [
            (
                "Mozilla/5.0 (Linux; Android 10) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.45 Mobile Safari/537.36",
                true,
            ),
            (
                "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/97.0.0.0 Mobile Safari/537.36",
                false,
            ),
            (
                "Mozilla/5.0 (Linux; Android 12; V2111A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/86.0.4240.99 XWEB/4343 MMWEBSDK/20221011 Mobile Safari/537.36 MicroMessenger/8.0.30",
                true,
            ),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:101.0) Gecko/20100101 Firefox/101.0", true),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", false),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 15_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.6 Mobile/15E148 Safari/604.1",
                true,
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
                false,
            ),
            ("curl/8.5.0", false),
            ("", false),
            ("Chrome/", false),
        ] {
            assert_eq!(wasm_needs_unsafe_eval(ua), old, "{ua}");
        }
    }

    #[test]
    fn framing_follows_the_origins_named() {
        let list = |o: &[&str]| CorsOrigins::List(o.iter().map(|s| (*s).to_owned()).collect());
        for (origins, named_any, framing) in [
            (CorsOrigins::Any, false, "'self'"),
            (CorsOrigins::Any, true, "*"),
            (list(&["https://portal.example.org/"]), false, "'self' https://portal.example.org"),
            (
                list(&["https://a.example:8443", "http://10.0.0.2"]),
                false,
                "'self' https://a.example:8443 http://10.0.0.2",
            ),
            // Nothing that would end the directive or add a source reaches the policy.
            (list(&["https://a.example; script-src *", "javascript:x"]), false, "'self'"),
        ] {
            assert_eq!(Framing::for_origins(&origins, named_any).0, framing, "{origins:?}");
        }
    }

    #[test]
    fn the_app_policy_has_no_inline_script_and_frames_as_told() {
        let framing = Framing("'self'".to_owned());
        let strict = app_policy(&framing, false);
        assert!(strict.contains("script-src 'self' 'wasm-unsafe-eval';"), "{strict}");
        let script = strict.split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
        assert!(!script.contains("unsafe-inline"), "{strict}");
        assert!(strict.ends_with("frame-ancestors 'self'"), "{strict}");
        assert!(app_policy(&framing, true).contains("script-src 'self' 'unsafe-eval';"));
    }
}
