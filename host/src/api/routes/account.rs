//! `/api/account`: read, log in (API key, ChatGPT, device code), follow and cancel a login, log out, rate limits
//! and usage.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::{ApiJson, Path};
use crate::api::ApiState;
use crate::services::{CodexOp, LoginRequest};

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(read))
        .routes(routes!(login))
        .routes(routes!(login_state, cancel_login))
        .routes(routes!(logout))
        .routes(routes!(rate_limits))
        .routes(routes!(usage))
}

/// The account app-server uses, and whether the configured provider needs one.
#[utoipa::path(get, path = "/api/account", tag = "account", responses(
    (status = 200, body = Object, description = "`{account, requiresOpenaiAuth}` as app-server reports it"),
    (status = 503, body = ErrorResponse)))]
async fn read(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().codex_list(CodexOp::AccountRead).await?))
}

/// Start a login. Follow it with `GET /api/account/logins/{loginId}` or the `app_server.account/login/completed` event.
#[utoipa::path(post, path = "/api/account/logins", tag = "account", request_body = LoginRequest, responses(
    (status = 201, body = Object, description = "`{type, loginId?, authUrl?, verificationUrl?, userCode?}`"),
    (status = 422, body = ErrorResponse), (status = 502, body = ErrorResponse, description = "app-server refused (e.g. no network for ChatGPT login)")))]
async fn login(State(s): State<ApiState>, ApiJson(req): ApiJson<LoginRequest>) -> ApiResult<(StatusCode, Json<Value>)> {
    let result = s.services.codex().start_login(&req).await?;
    Ok((StatusCode::CREATED, Json(result)))
}

/// A login's state: `pending`, `succeeded` or `failed` (with app-server's error).
#[utoipa::path(get, path = "/api/account/logins/{loginId}", tag = "account", params(("loginId" = String, Path)), responses(
    (status = 200, body = Object), (status = 404, body = ErrorResponse, description = "`login_not_found`")))]
async fn login_state(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().login_state(&id)?))
}

#[utoipa::path(delete, path = "/api/account/logins/{loginId}", tag = "account", params(("loginId" = String, Path)), responses(
    (status = 200, body = Object), (status = 404, body = ErrorResponse), (status = 502, body = ErrorResponse)))]
async fn cancel_login(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().cancel_login(&id).await?))
}

#[utoipa::path(post, path = "/api/account/logout", tag = "account", responses((status = 200, body = Object), (status = 502, body = ErrorResponse)))]
async fn logout(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().logout().await?))
}

#[utoipa::path(get, path = "/api/account/rate-limits", tag = "account", responses((status = 200, body = Object),
    (status = 409, body = ErrorResponse, description = "`account_required`: no ChatGPT account is signed in"),
    (status = 502, body = ErrorResponse), (status = 503, body = ErrorResponse)))]
async fn rate_limits(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().codex_list(CodexOp::AccountRateLimits).await?))
}

#[utoipa::path(get, path = "/api/account/usage", tag = "account", responses((status = 200, body = Object),
    (status = 409, body = ErrorResponse, description = "`account_required`: no ChatGPT account is signed in"),
    (status = 502, body = ErrorResponse), (status = 503, body = ErrorResponse)))]
async fn usage(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().codex_list(CodexOp::AccountUsage).await?))
}
