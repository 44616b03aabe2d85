//! The browser's way in: a one-time code from the start-up link becomes an HttpOnly, SameSite=Strict cookie.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::Json;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::auth::COOKIE_NAME;
use crate::api::error::ApiError;
use crate::api::extract::ApiQuery;
use crate::api::ApiState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoginQuery {
    /// The one-time code printed by `codex-manager serve`.
    code: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct LoginLink {
    /// Open in a browser on this machine; it works once.
    pub url: String,
}

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(login)).routes(routes!(new_link))
}

/// Issue a new one-time login link for the web UI (for `codex-manager login-link`).
#[utoipa::path(post, path = "/api/login-links", tag = "auth", responses((status = 201, body = LoginLink)))]
async fn new_link(State(state): State<ApiState>, headers: HeaderMap) -> (StatusCode, Json<LoginLink>) {
    // The Host header already passed the allow-list, so it names this host as the caller reaches it.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let url = format!("http://{host}/login?code={}", state.login.issue());
    (StatusCode::CREATED, Json(LoginLink { url }))
}

/// Exchange a one-time login code for the session cookie, then go to the web UI.
#[utoipa::path(get, path = "/login", tag = "auth", params(LoginQuery), security(()), responses(
    (status = 303, description = "Cookie set; redirect to `/`"),
    (status = 401, body = crate::api::error::ErrorResponse, description = "Unknown or used code (a browser asking for HTML gets the sign-in page instead)")))]
async fn login(State(state): State<ApiState>, headers: HeaderMap, ApiQuery(q): ApiQuery<LoginQuery>) -> Response {
    if !state.login.redeem(&q.code) {
        if crate::api::signin::wants_page(&Method::GET, "/login", &headers) {
            return crate::api::signin::page(crate::api::signin::SignInReason::LinkSpent);
        }
        return ApiError::unauthorized("this login link is unknown or was already used; run `codex-manager login-link` for a new one")
            .into_response();
    }
    let cookie = format!("{COOKIE_NAME}={}; HttpOnly; SameSite=Strict; Path=/", state.auth.token);
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, HeaderValue::from_static("/"));
    headers.insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).expect("token is header-safe"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
