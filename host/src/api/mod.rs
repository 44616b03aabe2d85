//! The HTTP API: REST routes, the websocket stream, auth, and the OpenAPI document generated from the routes.
//!
//! Handlers are thin: they extract, call a service, and map [`ServiceError`](crate::services::ServiceError) once
//! (in [`error`]). Routes live one file per resource under [`routes`]; each handler carries its OpenAPI
//! description, so the document served at `/api/openapi.json` cannot drift from what is served.

pub mod auth;
pub mod error;
pub mod extract;
pub mod forward;
mod openapi;
pub mod routes;
mod signin;
pub mod websocket;
pub mod web;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;

use crate::services::ErrorCode;
use crate::security::LoginCodes;
use crate::services::Services;
use auth::AuthConfig;
use error::ApiError;

/// Largest request body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct ApiState {
    pub services: Arc<Services>,
    pub auth: Arc<AuthConfig>,
    pub login: Arc<LoginCodes>,
    /// The web UI build served at `/` (see [`web`]).
    pub web: Arc<web::WebUi>,
}

/// All routes with their OpenAPI descriptions, before state and middleware.
fn documented_routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::with_openapi(openapi::base())
        .merge(routes::health::router())
        .merge(routes::hosts::router())
        .merge(routes::login::router())
        .merge(routes::projects::router())
        .merge(routes::sessions::router())
        .merge(routes::turns::router())
        .merge(routes::followups::router())
        .merge(routes::requests::router())
        .merge(routes::thread_ops::router())
        .merge(routes::account::router())
        .merge(routes::catalog::router())
        .merge(routes::config::router())
        .merge(routes::exec::router())
        .merge(routes::capabilities::router())
        .merge(routes::plugins::router())
        .merge(routes::jobs::router())
        .merge(routes::routines::router())
        .merge(routes::notes::router())
        .merge(routes::limits::router())
        .merge(routes::controls::router())
        .merge(routes::settings::router())
        .merge(routes::events::router())
        .merge(routes::stream::router())
}

/// The routes and their finished OpenAPI document: each route's own description plus the error responses every
/// route gives (see [`openapi::add_common_responses`]).
fn documented_parts() -> (Router<ApiState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = documented_routes().split_for_parts();
    openapi::add_common_responses(&mut doc);
    (router, doc)
}

/// The OpenAPI document, as served at `/api/openapi.json`.
pub fn openapi_json() -> String {
    let (_, doc) = documented_parts();
    doc.to_pretty_json().expect("the OpenAPI document serializes")
}

/// `/api/openapi.json`, built for each request rather than kept: its 474 KB would stay resident for the host's life
/// for a route that tools read now and then; a build takes 10-14 ms (docs/benchmarks.md, "Compiling in a child").
async fn openapi_route() -> axum::response::Response {
    match tokio::task::spawn_blocking(openapi_json).await {
        Ok(doc) => ([(header::CONTENT_TYPE, "application/json")], doc).into_response(),
        Err(e) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::InternalError, format!("building the OpenAPI document: {e}"))
            .into_response(),
    }
}

/// The full application: routes, the OpenAPI route, body limit, auth.
pub fn app(state: ApiState) -> Router {
    let (router, _built_with_the_routes) = documented_parts();
    let auth = state.auth.clone();
    let forwarding = state.clone();
    router
        .route("/api/openapi.json", axum::routing::get(openapi_route))
        .route("/", axum::routing::get(web::root))
        .fallback(web::fallback)
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed, "this route does not take that method").into_response()
        })
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Inside the auth guard: only an authenticated request is forwarded.
        .layer(axum::middleware::from_fn_with_state(forwarding, forward::guard))
        .layer(axum::middleware::from_fn_with_state(auth, auth::guard))
}
