//! The router: public API (with CORS), admin API and page (no CORS), the web app.

mod admin;
mod admin_page;
mod attachments;
mod headers;
mod questionnaires;
mod review;
mod submissions;
mod team_links;
mod web;

use std::time::Duration;

use axum::Router;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get, post};
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::error::{ApiCode, ApiError};
use crate::{AppState, CorsOrigins};

fn cors_layer(origins: &CorsOrigins) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([AUTHORIZATION, CONTENT_TYPE])
        .max_age(Duration::from_hours(1));
    match origins {
        CorsOrigins::Any => layer.allow_origin(tower_http::cors::Any),
        CorsOrigins::List(list) => layer.allow_origin(AllowOrigin::list(
            list.iter().filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok()),
        )),
    }
}

pub(crate) fn router(state: AppState) -> Router {
    let public = Router::new()
        .route("/api/v1/questionnaires", get(questionnaires::list).options(preflight))
        .route("/api/v1/questionnaires/{id}", get(questionnaires::one).options(preflight))
        .route(
            "/api/v1/questionnaires/{id}/media/{file}",
            get(questionnaires::media).options(preflight),
        )
        .route("/print/{id}", get(questionnaires::print))
        .route("/api/v1/submissions", post(submissions::create).options(preflight))
        .route(
            "/api/v1/submissions/{instance_id}/attachments",
            get(attachments::summary).options(preflight),
        )
        .route(
            "/api/v1/submissions/{instance_id}/attachments/{file}",
            post(attachments::upload).options(preflight),
        )
        .layer(cors_layer(&state.config.cors));
    let admin = Router::new()
        .route("/api/v1/questionnaires/{id}/{file}", get(admin::export))
        .route("/api/v1/admin/overview", get(admin::overview))
        .route("/api/v1/admin/team-links", post(team_links::create))
        .route("/api/v1/admin/submissions", get(review::list))
        .route("/api/v1/admin/submissions/{instance_id}", get(review::one))
        .route("/api/v1/admin/submissions/{instance_id}/review", post(review::set));
    let admin_page = Router::new()
        .route("/admin", get(admin_page::page))
        .route("/admin.js", get(admin_page::script))
        .route("/admin.css", get(admin_page::style))
        .layer(axum::middleware::from_fn(headers::admin));
    let router = Router::new()
        .merge(public)
        .merge(admin)
        .route("/api", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(api_compression())
        .layer(RequestBodyTimeoutLayer::new(BODY_STALL_LIMIT))
        .layer(axum::middleware::from_fn(headers::api))
        .merge(admin_page);
    let router = match &state.config.web_dir {
        // A portal on another site loads the embedding script, the JS glue and the
        // wasm from here as modules and fetches: the same CORS rules as the API.
        Some(dir) => {
            let framing =
                headers::Framing::for_origins(&state.config.cors, state.config.frame_anywhere);
            router.fallback_service(
                web::web_app(dir)
                    .layer(cors_layer(&state.config.cors))
                    .layer(axum::middleware::from_fn_with_state(framing, headers::app)),
            )
        }
        None => router.fallback(no_web_app).layer(axum::middleware::from_fn(headers::api)),
    };
    router.with_state(state)
}

/// How long an upload's body may stall (no bytes at all) before it is given up: a phone
/// whose signal went while sending would otherwise hold its request open for good, and
/// with it the server's shutdown. The phone sends the response again.
pub(crate) const BODY_STALL_LIMIT: Duration = Duration::from_secs(30);

/// gzip for API answers when the client takes it: questionnaires, problems, and the
/// exports (CSV and JSON Lines shrink several times; XLSX is zipped already).
fn api_compression() -> CompressionLayer<impl Predicate> {
    let predicate =
        DefaultPredicate::new().and(NotForContentType::const_new("application/vnd.openxmlformats"));
    CompressionLayer::new().compress_when(predicate)
}

/// CORS preflight requests are answered by the CORS layer; this only gives `OPTIONS`
/// a route so the method router lets them through.
async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn api_not_found(uri: Uri) -> ApiError {
    ApiError::new(ApiCode::NotFound).with("path", uri.path())
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(ApiCode::MethodNotAllowed)
}

/// Without a built web app: a short page at `/`, JSON 404 elsewhere.
async fn no_web_app(uri: Uri) -> Response {
    if uri.path() == "/" {
        Html(concat!(
            "<!doctype html><meta charset=utf-8><title>田野 Tianye</title>",
            "<h1>田野 Tianye</h1><p>采集服务器正在运行，网页应用尚未构建。",
            "管理页面：<a href=/admin>/admin</a></p>",
            "<p>The collection server is running; the web app is not built. ",
            "Overview: <a href=/admin>/admin</a></p>"
        ))
        .into_response()
    } else {
        api_not_found(uri).await.into_response()
    }
}

#[cfg(test)]
mod tests;
