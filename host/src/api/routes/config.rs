//! `/api/config`: Codex's effective configuration; write one value or a batch (to the user's `config.toml` in
//! the host's CODEX_HOME); requirements. Writes are recorded as `config.updated` events.

use axum::extract::State;
use axum::Json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::ApiJson;
use crate::api::ApiState;
use crate::services::{CodexOp, ConfigBatch, ConfigEdit};

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(read)).routes(routes!(write_value)).routes(routes!(write_batch)).routes(routes!(requirements))
}

/// The effective, merged config app-server runs with.
#[utoipa::path(get, path = "/api/config", tag = "config", responses((status = 200, body = Object), (status = 503, body = ErrorResponse)))]
async fn read(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().codex_list(CodexOp::ConfigRead).await?))
}

/// Write one value.
#[utoipa::path(put, path = "/api/config/value", tag = "config", request_body = ConfigEdit, responses(
    (status = 200, body = Object),
    (status = 422, body = ErrorResponse, description = "`invalid_request`: a bad `keyPath`, or a value app-server refuses (`details.rpcCode`)"),
    (status = 502, body = ErrorResponse), (status = 503, body = ErrorResponse)))]
async fn write_value(State(s): State<ApiState>, ApiJson(edit): ApiJson<ConfigEdit>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().write_config_value(&edit).await?))
}

/// Write several values at once.
#[utoipa::path(post, path = "/api/config/batch", tag = "config", request_body = ConfigBatch, responses(
    (status = 200, body = Object),
    (status = 422, body = ErrorResponse, description = "`invalid_request`: no edits or too many, a bad `keyPath`, or a value app-server refuses (`details.rpcCode`)"),
    (status = 502, body = ErrorResponse), (status = 503, body = ErrorResponse)))]
async fn write_batch(State(s): State<ApiState>, ApiJson(batch): ApiJson<ConfigBatch>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().write_config_batch(&batch).await?))
}

/// Managed requirements (allow-lists and the like), or null.
#[utoipa::path(get, path = "/api/config/requirements", tag = "config", responses((status = 200, body = Object), (status = 503, body = ErrorResponse)))]
async fn requirements(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().codex_list(CodexOp::ConfigRequirements).await?))
}
