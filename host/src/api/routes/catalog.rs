//! What codex offers: models and providers, MCP servers, skills, hooks, experimental features, collaboration modes.

use axum::extract::State;
use axum::Json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::{ApiJson, ApiQuery, Path};
use crate::api::ApiState;
use crate::services::{CodexOp, FeatureEnablement, HookState, McpLogin, ModelQuery, SkillEnablement};

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(models))
        .routes(routes!(providers))
        .routes(routes!(mcp_servers))
        .routes(routes!(mcp_reload))
        .routes(routes!(mcp_login))
        .routes(routes!(skills))
        .routes(routes!(skill_enable))
        .routes(routes!(hooks))
        .routes(routes!(hook_state))
        .routes(routes!(features))
        .routes(routes!(feature_enable))
        .routes(routes!(collaboration_modes))
}

/// Models, with their provider, reasoning efforts and defaults.
#[utoipa::path(get, path = "/api/models", tag = "catalog", params(ModelQuery), responses((status = 200, body = Object),
    (status = 404, body = ErrorResponse, description = "`model_provider_not_found`"), (status = 422, body = ErrorResponse, description = "`invalid_cursor`"),
    (status = 503, body = ErrorResponse)))]
async fn models(State(s): State<ApiState>, ApiQuery(q): ApiQuery<ModelQuery>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().models(&q).await?))
}

#[utoipa::path(get, path = "/api/model-providers", tag = "catalog", responses((status = 200, body = Object), (status = 503, body = ErrorResponse)))]
async fn providers(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().codex_list(CodexOp::ModelProviderList).await?))
}

/// MCP servers with their status and tools.
#[utoipa::path(get, path = "/api/mcp/servers", tag = "catalog", responses((status = 200, body = Object), (status = 503, body = ErrorResponse)))]
async fn mcp_servers(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().codex_list(CodexOp::McpStatusList).await?))
}

/// Reload MCP server configuration.
#[utoipa::path(post, path = "/api/mcp/reload", tag = "catalog", responses((status = 200, body = Object), (status = 503, body = ErrorResponse)))]
async fn mcp_reload(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().mcp_reload().await?))
}

/// Start an MCP server's OAuth login; the answer carries the URL to open.
#[utoipa::path(post, path = "/api/mcp/servers/{name}/login", tag = "catalog", params(("name" = String, Path)), request_body = McpLogin,
    responses((status = 200, body = Object), (status = 404, body = ErrorResponse, description = "`mcp_server_not_found`"),
        (status = 409, body = ErrorResponse, description = "`mcp_login_unsupported`"),
        (status = 422, body = ErrorResponse, description = "`invalid_request`: `timeoutSecs` out of range"),
        (status = 502, body = ErrorResponse), (status = 503, body = ErrorResponse)))]
async fn mcp_login(State(s): State<ApiState>, Path(name): Path<String>, ApiJson(req): ApiJson<McpLogin>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().mcp_login(&name, &req).await?))
}

#[utoipa::path(get, path = "/api/skills", tag = "catalog", responses((status = 200, body = Object), (status = 503, body = ErrorResponse)))]
async fn skills(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().codex_list(CodexOp::SkillsList).await?))
}

/// Enable or disable a skill.
#[utoipa::path(put, path = "/api/skills/{name}/enabled", tag = "catalog", params(("name" = String, Path)), request_body = SkillEnablement,
    responses((status = 200, body = Object), (status = 422, body = ErrorResponse, description = "`invalid_request`: `path` is not absolute, or app-server refuses it (`details.rpcCode`)"),
        (status = 502, body = ErrorResponse), (status = 503, body = ErrorResponse)))]
async fn skill_enable(State(s): State<ApiState>, Path(name): Path<String>, ApiJson(req): ApiJson<SkillEnablement>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().set_skill_enabled(&name, &req).await?))
}

#[utoipa::path(get, path = "/api/hooks", tag = "catalog", responses((status = 200, body = Object), (status = 503, body = ErrorResponse)))]
async fn hooks(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().codex_list(CodexOp::HooksList).await?))
}

/// Enable or disable a hook. app-server 0.169 has no method for it; Codex keeps the state in its user config under
/// `hooks.state."<key>".enabled`, which is written here.
#[utoipa::path(put, path = "/api/hooks/state", tag = "catalog", request_body = HookState, responses(
    (status = 200, body = Object), (status = 422, body = ErrorResponse), (status = 502, body = ErrorResponse)))]
async fn hook_state(State(s): State<ApiState>, ApiJson(req): ApiJson<HookState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().set_hook_state(&req).await?))
}

/// Experimental features and whether each is on.
#[utoipa::path(get, path = "/api/features", tag = "catalog", responses((status = 200, body = Object), (status = 503, body = ErrorResponse)))]
async fn features(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().codex_list(CodexOp::FeaturesList).await?))
}

/// Turn an experimental feature on or off.
#[utoipa::path(put, path = "/api/features/{name}", tag = "catalog", params(("name" = String, Path)), request_body = FeatureEnablement,
    responses((status = 200, body = Object), (status = 502, body = ErrorResponse)))]
async fn feature_enable(State(s): State<ApiState>, Path(name): Path<String>, ApiJson(req): ApiJson<FeatureEnablement>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().set_feature_enabled(&name, &req).await?))
}

/// Collaboration modes (for `mode` on a message).
#[utoipa::path(get, path = "/api/collaboration-modes", tag = "catalog", responses((status = 200, body = Object), (status = 503, body = ErrorResponse)))]
async fn collaboration_modes(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().codex_list(CodexOp::CollaborationModesList).await?))
}
