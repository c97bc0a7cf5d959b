//! The overview page (`/admin`) and its script and style, served as files of their own
//! so that the page runs under a policy that allows no inline script.

use axum::http::HeaderValue;
use axum::http::header::CONTENT_TYPE;
use axum::response::{Html, IntoResponse, Response};

/// The overview page: asks for the admin token, then shows the counts.
pub(super) async fn page() -> Html<&'static str> {
    Html(include_str!("../admin_page/admin.html"))
}

/// The page's script.
pub(super) async fn script() -> Response {
    with_type(include_str!("../admin_page/admin.js"), "text/javascript; charset=utf-8")
}

/// The page's style.
pub(super) async fn style() -> Response {
    with_type(include_str!("../admin_page/admin.css"), "text/css; charset=utf-8")
}

fn with_type(text: &'static str, content_type: &'static str) -> Response {
    ([(CONTENT_TYPE, HeaderValue::from_static(content_type))], text).into_response()
}
