//! `/api/exec`: one command outside any thread, with a sandbox policy, cwd and timeout. Off unless the host was
//! started with `--enable-exec`. Output streams as `app_server.command/exec/outputDelta` events; the answer has
//! the exit code and the captured output.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::ApiJson;
use crate::api::ApiState;
use crate::services::{CodexOp, SandboxMode, ServiceError};

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExecRequest {
    /// argv, e.g. `["ls", "-la"]`.
    pub command: Vec<String>,
    /// Absolute working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Default `read-only`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<SandboxMode>,
    /// Network for a sandboxed command (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_access: Option<bool>,
    /// Default app-server's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// Stream output as `app_server.command/exec/outputDelta` events (base64 chunks) tagged with the answer's
    /// `processId`, instead of collecting it in the answer.
    #[serde(default)]
    pub stream: bool,
}

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(exec))
}

/// Run one command and wait for it.
#[utoipa::path(post, path = "/api/exec", tag = "exec", request_body = ExecRequest, responses(
    (status = 200, body = Object, description = "`{exitCode, stdout, stderr}` as app-server reports it"),
    (status = 403, body = ErrorResponse, description = "`exec_disabled`"), (status = 422, body = ErrorResponse)))]
async fn exec(State(s): State<ApiState>, ApiJson(req): ApiJson<ExecRequest>) -> ApiResult<Json<Value>> {
    if req.command.is_empty() || req.command[0].is_empty() {
        return Err(ServiceError::invalid("`command` must name a program").into());
    }
    if let Some(cwd) = &req.cwd {
        if !std::path::Path::new(cwd).is_absolute() {
            return Err(ServiceError::invalid("`cwd` must be an absolute path").into());
        }
    }
    let policy = req.sandbox.unwrap_or(SandboxMode::ReadOnly).policy(req.network_access.unwrap_or(false));
    let mut params = json!({"command": req.command, "sandboxPolicy": policy});
    if let Some(cwd) = &req.cwd {
        params["cwd"] = json!(cwd);
    }
    if let Some(t) = req.timeout_ms {
        params["timeoutMs"] = json!(t);
    }
    let process_id = req.stream.then(|| format!("exec-{}", uuid::Uuid::now_v7()));
    if let Some(id) = &process_id {
        params["processId"] = json!(id);
        params["streamStdoutStderr"] = json!(true);
    }
    let event = json!({"command": req.command, "processId": process_id});
    let mut result = s.services.codex(CodexOp::CommandExec, params, Some(event), None).await?;
    if let Some(id) = process_id {
        result["processId"] = json!(id);
    }
    Ok(Json(result))
}
