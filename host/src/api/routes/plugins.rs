//! `/api/plugins`: the inventory, inspection before install, install and upgrade, enable, disable, remove, and
//! the record of calls.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::Json;
use base64::Engine as _;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::services::ErrorCode;
use crate::api::error::{ApiError, ApiResult, ErrorResponse};
use crate::api::extract::{ApiJson, ApiQuery, Path};
use crate::api::ApiState;
use crate::plugins::capability::Capability;
use crate::plugins::{Inspection, PluginCall, PluginInfo};
use crate::services::PluginSettings;

/// Largest plugin package accepted (base64 of the component plus the manifest).
pub const MAX_PACKAGE_BYTES: usize = 64 * 1024 * 1024;

/// A plugin package: its manifest and its component.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PluginPackage {
    /// The `plugin.toml` text.
    pub manifest: String,
    /// The `.wasm` component, base64.
    pub component: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstallPlugin {
    pub manifest: String,
    pub component: String,
    /// The capabilities the user grants (a subset of what the manifest requests; others are ignored).
    #[serde(default)]
    pub grant: Vec<Capability>,
    /// Replace the installed version of the same id.
    #[serde(default)]
    pub upgrade: bool,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallsQuery {
    /// 1–1000, default 100.
    pub limit: Option<i64>,
}

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list, install))
        .routes(routes!(inspect))
        .layer(DefaultBodyLimit::max(MAX_PACKAGE_BYTES))
        .routes(routes!(get, remove))
        .routes(routes!(enable))
        .routes(routes!(disable))
        .routes(routes!(calls))
        .routes(routes!(get_settings, put_settings))
}

fn decode(component: &str) -> Result<Vec<u8>, ApiError> {
    base64::engine::general_purpose::STANDARD
        .decode(component.trim())
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidPlugin, format!("`component` is not base64: {e}")))
}

/// Installed plugins: version, WIT version, capabilities requested and granted, state, failures.
#[utoipa::path(get, path = "/api/plugins", tag = "plugins", responses((status = 200, body = Vec<PluginInfo>)))]
async fn list(State(s): State<ApiState>) -> ApiResult<Json<Vec<PluginInfo>>> {
    Ok(Json(s.services.plugins().list().await?))
}

/// Validate a package without installing it: what it is and which capabilities it asks for.
#[utoipa::path(post, path = "/api/plugins/inspect", tag = "plugins", request_body = PluginPackage, responses(
    (status = 200, body = Inspection), (status = 422, body = ErrorResponse, description = "`invalid_plugin`, `incompatible_plugin`")))]
async fn inspect(State(s): State<ApiState>, ApiJson(p): ApiJson<PluginPackage>) -> ApiResult<Json<Inspection>> {
    let wasm = decode(&p.component)?;
    Ok(Json(s.services.plugins().inspect(&p.manifest, &wasm).await?))
}

/// Install (or with `upgrade`, replace) a plugin with the capabilities granted. Checked in full before it goes
/// live; a failure leaves the running set as it was. A second install while one runs gets 409.
#[utoipa::path(post, path = "/api/plugins", tag = "plugins", request_body = InstallPlugin, responses(
    (status = 201, body = PluginInfo), (status = 409, body = ErrorResponse, description = "`plugin_exists`, `plugin_reload_in_progress`"),
    (status = 413, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
async fn install(State(s): State<ApiState>, ApiJson(req): ApiJson<InstallPlugin>) -> ApiResult<(StatusCode, Json<PluginInfo>)> {
    let wasm = decode(&req.component)?;
    let info = s.services.plugins().install(&req.manifest, &wasm, &req.grant, req.upgrade).await?;
    Ok((StatusCode::CREATED, Json(info)))
}

#[utoipa::path(get, path = "/api/plugins/{id}", tag = "plugins", params(("id" = String, Path)), responses(
    (status = 200, body = PluginInfo), (status = 404, body = ErrorResponse)))]
async fn get(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<PluginInfo>> {
    Ok(Json(s.services.plugins().info(&id).await?))
}

#[utoipa::path(delete, path = "/api/plugins/{id}", tag = "plugins", params(("id" = String, Path)), responses(
    (status = 204), (status = 404, body = ErrorResponse)))]
async fn remove(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.services.plugins().remove(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Switch a plugin on (also after the circuit breaker switched it off).
#[utoipa::path(post, path = "/api/plugins/{id}/enable", tag = "plugins", params(("id" = String, Path)), responses(
    (status = 200, body = PluginInfo), (status = 404, body = ErrorResponse)))]
async fn enable(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<PluginInfo>> {
    Ok(Json(s.services.plugins().set_enabled(&id, true).await?))
}

#[utoipa::path(post, path = "/api/plugins/{id}/disable", tag = "plugins", params(("id" = String, Path)), responses(
    (status = 200, body = PluginInfo), (status = 404, body = ErrorResponse)))]
async fn disable(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<PluginInfo>> {
    Ok(Json(s.services.plugins().set_enabled(&id, false).await?))
}

/// Recent calls, newest first: trigger, duration, outcome (`ok`, `error`, `trap`, `timeout`, `memory`,
/// `bad_output`), error and denied capability uses.
#[utoipa::path(get, path = "/api/plugins/{id}/calls", tag = "plugins", params(("id" = String, Path), CallsQuery), responses(
    (status = 200, body = Vec<PluginCall>), (status = 404, body = ErrorResponse),
    (status = 422, body = ErrorResponse, description = "`invalid_request`: `limit` out of range")))]
async fn calls(State(s): State<ApiState>, Path(id): Path<String>, ApiQuery(q): ApiQuery<CallsQuery>) -> ApiResult<Json<Vec<PluginCall>>> {
    Ok(Json(s.services.plugins().calls(&id, q.limit.unwrap_or(100)).await?))
}

/// A plugin's settings: the values in force (the user's over the manifest's `[settings]` defaults), the defaults,
/// and what the user set.
#[utoipa::path(get, path = "/api/plugins/{id}/settings", tag = "plugins", params(("id" = String, Path)), responses(
    (status = 200, body = PluginSettings), (status = 404, body = ErrorResponse)))]
async fn get_settings(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<PluginSettings>> {
    Ok(Json(s.services.plugins().settings(&id).await?))
}

/// Change a plugin's settings: an object of keys to JSON values, each of its default's type; `null` goes back to
/// the default. All or nothing. The plugin reads the new values on its next call (`settings` in WIT 0.2.0).
#[utoipa::path(put, path = "/api/plugins/{id}/settings", tag = "plugins", params(("id" = String, Path)),
    request_body(content = Object, description = "keys to JSON values; `null` resets a key to its default"), responses(
    (status = 200, body = PluginSettings), (status = 404, body = ErrorResponse),
    (status = 422, body = ErrorResponse, description = "`unknown_plugin_setting`, `wrong_setting_type`, `setting_too_large`")))]
async fn put_settings(
    State(s): State<ApiState>,
    Path(id): Path<String>,
    ApiJson(changes): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<Json<PluginSettings>> {
    Ok(Json(s.services.plugins().put_settings(&id, changes).await?))
}
