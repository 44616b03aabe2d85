//! `/api/account`: read, log in (API key, ChatGPT, device code), follow and cancel a login, log out, rate limits
//! and usage.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::{ApiJson, Path};
use crate::api::ApiState;
use crate::services::CodexOp;

/// How to log in. `chatgpt` returns an `authUrl` to open; `chatgptDeviceCode` a code to enter elsewhere.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum LoginRequest {
    /// An OpenAI API key (never echoed or recorded).
    #[serde(rename_all = "camelCase")]
    ApiKey { api_key: String },
    Chatgpt,
    ChatgptDeviceCode,
}

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
    Ok(Json(s.services.codex(CodexOp::AccountRead, json!({}), None, None).await?))
}

/// Start a login. Follow it with `GET /api/account/logins/{loginId}` or the `app_server.account/login/completed` event.
#[utoipa::path(post, path = "/api/account/logins", tag = "account", request_body = LoginRequest, responses(
    (status = 201, body = Object, description = "`{type, loginId?, authUrl?, verificationUrl?, userCode?}`"),
    (status = 422, body = ErrorResponse), (status = 502, body = ErrorResponse, description = "app-server refused (e.g. no network for ChatGPT login)")))]
async fn login(State(s): State<ApiState>, ApiJson(req): ApiJson<LoginRequest>) -> ApiResult<(StatusCode, Json<Value>)> {
    let (params, kind) = match &req {
        LoginRequest::ApiKey { api_key } => {
            if api_key.trim().is_empty() || api_key.len() > 1024 {
                return Err(crate::services::ServiceError::invalid("`apiKey` must be 1-1024 characters").into());
            }
            (json!({"type": "apiKey", "apiKey": api_key}), "apiKey")
        }
        LoginRequest::Chatgpt => (json!({"type": "chatgpt"}), "chatgpt"),
        LoginRequest::ChatgptDeviceCode => (json!({"type": "chatgptDeviceCode"}), "chatgptDeviceCode"),
    };
    let result = s.services.codex(CodexOp::AccountLoginStart, params, Some(json!({"type": kind})), None).await?;
    if let Some(id) = result.get("loginId").and_then(Value::as_str) {
        s.services.note_login_started(id);
    }
    Ok((StatusCode::CREATED, Json(result)))
}

/// A login's state: `pending`, `succeeded` or `failed` (with app-server's error).
#[utoipa::path(get, path = "/api/account/logins/{loginId}", tag = "account", params(("loginId" = String, Path)), responses(
    (status = 200, body = Object), (status = 404, body = ErrorResponse, description = "`login_not_found`")))]
async fn login_state(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.login_state(&id)?))
}

#[utoipa::path(delete, path = "/api/account/logins/{loginId}", tag = "account", params(("loginId" = String, Path)), responses(
    (status = 200, body = Object), (status = 404, body = ErrorResponse), (status = 502, body = ErrorResponse)))]
async fn cancel_login(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    s.services.login_state(&id)?;
    Ok(Json(s.services.codex(CodexOp::AccountLoginCancel, json!({"loginId": id}), Some(json!({"loginId": id})), None).await?))
}

#[utoipa::path(post, path = "/api/account/logout", tag = "account", responses((status = 200, body = Object), (status = 502, body = ErrorResponse)))]
async fn logout(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex(CodexOp::AccountLogout, json!({}), None, None).await?))
}

#[utoipa::path(get, path = "/api/account/rate-limits", tag = "account", responses((status = 200, body = Object),
    (status = 409, body = ErrorResponse, description = "`account_required`: no ChatGPT account is signed in"),
    (status = 502, body = ErrorResponse), (status = 503, body = ErrorResponse)))]
async fn rate_limits(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex(CodexOp::AccountRateLimits, json!({}), None, None).await?))
}

#[utoipa::path(get, path = "/api/account/usage", tag = "account", responses((status = 200, body = Object),
    (status = 409, body = ErrorResponse, description = "`account_required`: no ChatGPT account is signed in"),
    (status = 502, body = ErrorResponse), (status = 503, body = ErrorResponse)))]
async fn usage(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex(CodexOp::AccountUsage, json!({}), None, None).await?))
}
