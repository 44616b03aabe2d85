//! `/api/exec`: one command outside any thread, with a sandbox policy, cwd and timeout. Off unless the host was
//! started with `--enable-exec`. Output streams as `app_server.command/exec/outputDelta` events; the answer has
//! the exit code and the captured output.

use axum::extract::State;
use axum::Json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::ApiJson;
use crate::api::ApiState;
use crate::services::ExecRequest;

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(exec))
}

/// Run one command and wait for it.
#[utoipa::path(post, path = "/api/exec", tag = "exec", request_body = ExecRequest, responses(
    (status = 200, body = Object, description = "`{exitCode, stdout, stderr}` as app-server reports it"),
    (status = 403, body = ErrorResponse, description = "`exec_disabled`"), (status = 422, body = ErrorResponse)))]
async fn exec(State(s): State<ApiState>, ApiJson(req): ApiJson<ExecRequest>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().exec(&req).await?))
}
