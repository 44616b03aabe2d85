//! Per-session settings: `/api/sessions/{id}/settings[/{key}]`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::{AnyJson, Path};
use crate::api::ApiState;
use crate::services::Setting;

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(get, put, delete))
}

#[utoipa::path(get, path = "/api/sessions/{id}/settings", tag = "settings", params(("id" = String, Path)), responses(
    (status = 200, body = Vec<Setting>), (status = 404, body = ErrorResponse)))]
async fn list(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<Vec<Setting>>> {
    Ok(Json(s.services.settings().list_settings(&id).await?))
}

#[utoipa::path(get, path = "/api/sessions/{id}/settings/{key}", tag = "settings",
    params(("id" = String, Path), ("key" = String, Path)), responses((status = 200, body = Setting), (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse, description = "`invalid_setting_key`")))]
async fn get(State(s): State<ApiState>, Path((id, key)): Path<(String, String)>) -> ApiResult<Json<Setting>> {
    Ok(Json(s.services.settings().get_setting(&id, &key).await?))
}

/// Set a key to any JSON value (at most 64 KiB; a session holds at most 100 keys and 1 MiB of values).
#[utoipa::path(put, path = "/api/sessions/{id}/settings/{key}", tag = "settings",
    params(("id" = String, Path), ("key" = String, Path)), request_body(content = Value, description = "Any JSON value"),
    responses((status = 200, body = Setting), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse, description = "`settings_full`"),
        (status = 422, body = ErrorResponse, description = "`invalid_setting_key`, `setting_too_large`")))]
async fn put(State(s): State<ApiState>, Path((id, key)): Path<(String, String)>, AnyJson(value): AnyJson<Value>) -> ApiResult<Json<Setting>> {
    Ok(Json(s.services.settings().put_setting(&id, &key, value).await?))
}

#[utoipa::path(delete, path = "/api/sessions/{id}/settings/{key}", tag = "settings",
    params(("id" = String, Path), ("key" = String, Path)), responses((status = 204), (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse, description = "`invalid_setting_key`")))]
async fn delete(State(s): State<ApiState>, Path((id, key)): Path<(String, String)>) -> ApiResult<StatusCode> {
    s.services.settings().delete_setting(&id, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}
