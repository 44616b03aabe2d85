//! What codex offers: models and providers, MCP servers, skills, hooks, experimental features, collaboration modes.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::{ApiJson, ApiQuery, Path};
use crate::api::ApiState;
use crate::services::CodexOp;

#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ModelQuery {
    /// Include hidden models.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_hidden: Option<bool>,
    /// Only this provider's models.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_provider: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SkillEnablement {
    pub enabled: bool,
    /// The skill's path (as `GET /api/skills` lists it), when the name is ambiguous.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeatureEnablement {
    pub enabled: bool,
}

/// A hook's state, by the `key` `GET /api/hooks` lists.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HookState {
    pub key: String,
    pub enabled: bool,
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct McpLogin {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// How long app-server waits for the login to complete: 1-86,400 seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
}

/// Longest MCP OAuth login wait a caller may ask for (a day).
const MAX_MCP_LOGIN_SECS: u64 = 86_400;

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

fn params<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or_else(|_| json!({}))
}

/// Models, with their provider, reasoning efforts and defaults.
#[utoipa::path(get, path = "/api/models", tag = "catalog", params(ModelQuery), responses((status = 200, body = Object),
    (status = 404, body = ErrorResponse, description = "`model_provider_not_found`"), (status = 422, body = ErrorResponse, description = "`invalid_cursor`"),
    (status = 503, body = ErrorResponse)))]
async fn models(State(s): State<ApiState>, ApiQuery(q): ApiQuery<ModelQuery>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex(CodexOp::ModelList, params(&q), None, None).await?))
}

#[utoipa::path(get, path = "/api/model-providers", tag = "catalog", responses((status = 200, body = Object), (status = 503, body = ErrorResponse)))]
async fn providers(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex(CodexOp::ModelProviderList, json!({}), None, None).await?))
}

/// MCP servers with their status and tools.
#[utoipa::path(get, path = "/api/mcp/servers", tag = "catalog", responses((status = 200, body = Object), (status = 503, body = ErrorResponse)))]
async fn mcp_servers(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex(CodexOp::McpStatusList, json!({}), None, None).await?))
}

/// Reload MCP server configuration.
#[utoipa::path(post, path = "/api/mcp/reload", tag = "catalog", responses((status = 200, body = Object), (status = 503, body = ErrorResponse)))]
async fn mcp_reload(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex(CodexOp::McpReload, json!({}), None, None).await?))
}

/// Start an MCP server's OAuth login; the answer carries the URL to open.
#[utoipa::path(post, path = "/api/mcp/servers/{name}/login", tag = "catalog", params(("name" = String, Path)), request_body = McpLogin,
    responses((status = 200, body = Object), (status = 404, body = ErrorResponse, description = "`mcp_server_not_found`"),
        (status = 409, body = ErrorResponse, description = "`mcp_login_unsupported`"),
        (status = 422, body = ErrorResponse, description = "`invalid_request`: `timeoutSecs` out of range"),
        (status = 502, body = ErrorResponse), (status = 503, body = ErrorResponse)))]
async fn mcp_login(State(s): State<ApiState>, Path(name): Path<String>, ApiJson(req): ApiJson<McpLogin>) -> ApiResult<Json<Value>> {
    if req.timeout_secs.is_some_and(|t| !(1..=MAX_MCP_LOGIN_SECS).contains(&t)) {
        return Err(crate::services::ServiceError::invalid(format!("`timeoutSecs` must be 1-{MAX_MCP_LOGIN_SECS}")).into());
    }
    let mut p = params(&req);
    p["name"] = json!(name);
    Ok(Json(s.services.codex(CodexOp::McpOauthLogin, p, Some(json!({"name": name})), None).await?))
}

#[utoipa::path(get, path = "/api/skills", tag = "catalog", responses((status = 200, body = Object), (status = 503, body = ErrorResponse)))]
async fn skills(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex(CodexOp::SkillsList, json!({}), None, None).await?))
}

/// Enable or disable a skill.
#[utoipa::path(put, path = "/api/skills/{name}/enabled", tag = "catalog", params(("name" = String, Path)), request_body = SkillEnablement,
    responses((status = 200, body = Object), (status = 422, body = ErrorResponse, description = "`invalid_request`: `path` is not absolute, or app-server refuses it (`details.rpcCode`)"),
        (status = 502, body = ErrorResponse), (status = 503, body = ErrorResponse)))]
async fn skill_enable(State(s): State<ApiState>, Path(name): Path<String>, ApiJson(req): ApiJson<SkillEnablement>) -> ApiResult<Json<Value>> {
    if req.path.as_deref().is_some_and(|p| !std::path::Path::new(p).is_absolute()) {
        return Err(crate::services::ServiceError::invalid("`path` must be the skill's absolute path, as GET /api/skills lists it").into());
    }
    // app-server takes exactly one of the two: the path when given (it is unambiguous), else the name.
    let p = match &req.path {
        Some(path) => json!({"path": path, "enabled": req.enabled}),
        None => json!({"name": name, "enabled": req.enabled}),
    };
    let event = json!({"name": name, "enabled": req.enabled});
    Ok(Json(s.services.codex(CodexOp::SkillsConfigWrite, p, Some(event), None).await?))
}

#[utoipa::path(get, path = "/api/hooks", tag = "catalog", responses((status = 200, body = Object), (status = 503, body = ErrorResponse)))]
async fn hooks(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex(CodexOp::HooksList, json!({}), None, None).await?))
}

/// Enable or disable a hook. app-server 0.169 has no method for it; Codex keeps the state in its user config under
/// `hooks.state."<key>".enabled`, which is written here.
#[utoipa::path(put, path = "/api/hooks/state", tag = "catalog", request_body = HookState, responses(
    (status = 200, body = Object), (status = 422, body = ErrorResponse), (status = 502, body = ErrorResponse)))]
async fn hook_state(State(s): State<ApiState>, ApiJson(req): ApiJson<HookState>) -> ApiResult<Json<Value>> {
    if req.key.is_empty() || req.key.len() > 2048 || req.key.chars().any(char::is_control) {
        return Err(crate::services::ServiceError::invalid("`key` must be a hook key as GET /api/hooks lists it").into());
    }
    // The key holds dots, slashes and colons: it goes in as one quoted TOML key.
    let quoted = format!("\"{}\"", req.key.replace('\\', "\\\\").replace('"', "\\\""));
    let params = json!({"keyPath": format!("hooks.state.{quoted}.enabled"), "value": req.enabled, "mergeStrategy": "upsert"});
    let event = json!({"keyPaths": [format!("hooks.state.{quoted}.enabled")], "hook": req.key, "enabled": req.enabled});
    Ok(Json(s.services.codex(CodexOp::ConfigValueWrite, params, Some(event), None).await?))
}

/// Experimental features and whether each is on.
#[utoipa::path(get, path = "/api/features", tag = "catalog", responses((status = 200, body = Object), (status = 503, body = ErrorResponse)))]
async fn features(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex(CodexOp::FeaturesList, json!({}), None, None).await?))
}

/// Turn an experimental feature on or off.
#[utoipa::path(put, path = "/api/features/{name}", tag = "catalog", params(("name" = String, Path)), request_body = FeatureEnablement,
    responses((status = 200, body = Object), (status = 502, body = ErrorResponse)))]
async fn feature_enable(State(s): State<ApiState>, Path(name): Path<String>, ApiJson(req): ApiJson<FeatureEnablement>) -> ApiResult<Json<Value>> {
    let p = json!({"enablement": {name.clone(): req.enabled}});
    Ok(Json(s.services.codex(CodexOp::FeatureEnablementSet, p, Some(json!({"name": name, "enabled": req.enabled})), None).await?))
}

/// Collaboration modes (for `mode` on a message).
#[utoipa::path(get, path = "/api/collaboration-modes", tag = "catalog", responses((status = 200, body = Object), (status = 503, body = ErrorResponse)))]
async fn collaboration_modes(State(s): State<ApiState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex(CodexOp::CollaborationModesList, json!({}), None, None).await?))
}
