//! `/api/config`: Codex's effective configuration; write one value or a batch (to the user's `config.toml` in
//! the host's CODEX_HOME); requirements. Writes are recorded as `config.updated` events.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::ApiJson;
use crate::api::ApiState;
use crate::services::CodexOp;

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum MergeStrategy {
    Replace,
    Upsert,
}

/// One config edit: `keyPath` like `model` or `model_providers.local.base_url`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigEdit {
    pub key_path: String,
    /// Any TOML value: string, number, boolean, array or table (no `null` inside; app-server refuses what
    /// config.toml cannot hold, a 422).
    pub value: Value,
    #[serde(default = "replace")]
    pub merge_strategy: MergeStrategy,
}

fn replace() -> MergeStrategy {
    MergeStrategy::Replace
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigBatch {
    pub edits: Vec<ConfigEdit>,
    /// Reload the user config in the running app-server (default true).
    #[serde(default = "yes")]
    pub reload_user_config: bool,
}

fn yes() -> bool {
    true
}

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(read)).routes(routes!(write_value)).routes(routes!(write_batch)).routes(routes!(requirements))
}

fn check_edit(edit: &ConfigEdit) -> Result<(), crate::services::ServiceError> {
    if edit.key_path.is_empty() || edit.key_path.len() > 300 {
        return Err(crate::services::ServiceError::invalid("`keyPath` must be 1-300 characters"));
    }
    Ok(())
}

/// The effective, merged config app-server runs with.
#[utoipa::path(get, path = "/api/config", tag = "config", responses((status = 200, body = Object), (status = 503, body = ErrorResponse)))]
async fn read(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex(CodexOp::ConfigRead, json!({}), None, None).await?))
}

/// Write one value.
#[utoipa::path(put, path = "/api/config/value", tag = "config", request_body = ConfigEdit, responses(
    (status = 200, body = Object),
    (status = 422, body = ErrorResponse, description = "`invalid_request`: a bad `keyPath`, or a value app-server refuses (`details.rpcCode`)"),
    (status = 502, body = ErrorResponse), (status = 503, body = ErrorResponse)))]
async fn write_value(State(s): State<ApiState>, ApiJson(edit): ApiJson<ConfigEdit>) -> ApiResult<Json<Value>> {
    check_edit(&edit)?;
    let event = json!({"keyPaths": [edit.key_path]});
    let params = serde_json::to_value(&edit).expect("edit serializes");
    Ok(Json(s.services.codex(CodexOp::ConfigValueWrite, params, Some(event), None).await?))
}

/// Write several values at once.
#[utoipa::path(post, path = "/api/config/batch", tag = "config", request_body = ConfigBatch, responses(
    (status = 200, body = Object),
    (status = 422, body = ErrorResponse, description = "`invalid_request`: no edits or too many, a bad `keyPath`, or a value app-server refuses (`details.rpcCode`)"),
    (status = 502, body = ErrorResponse), (status = 503, body = ErrorResponse)))]
async fn write_batch(State(s): State<ApiState>, ApiJson(batch): ApiJson<ConfigBatch>) -> ApiResult<Json<Value>> {
    if batch.edits.is_empty() || batch.edits.len() > 100 {
        return Err(crate::services::ServiceError::invalid("give 1-100 `edits`").into());
    }
    for e in &batch.edits {
        check_edit(e)?;
    }
    let event = json!({"keyPaths": batch.edits.iter().map(|e| e.key_path.clone()).collect::<Vec<_>>()});
    let params = serde_json::to_value(&batch).expect("batch serializes");
    Ok(Json(s.services.codex(CodexOp::ConfigBatchWrite, params, Some(event), None).await?))
}

/// Managed requirements (allow-lists and the like), or null.
#[utoipa::path(get, path = "/api/config/requirements", tag = "config", responses((status = 200, body = Object), (status = 503, body = ErrorResponse)))]
async fn requirements(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex(CodexOp::ConfigRequirements, json!({}), None, None).await?))
}
