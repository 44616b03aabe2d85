//! Session controls: `/api/sessions/{id}/controls` and the defaults at `/api/controls/defaults`.

use axum::extract::State;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::{ApiJson, Path};
use crate::api::ApiState;
use crate::services::{ControlsView, SessionControls};

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(get_session, put_session)).routes(routes!(get_defaults, put_defaults))
}

/// The session's own controls, the defaults, and what its next turn will use.
#[utoipa::path(get, path = "/api/sessions/{id}/controls", tag = "controls", params(("id" = String, Path)), responses(
    (status = 200, body = ControlsView), (status = 404, body = ErrorResponse)))]
async fn get_session(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<ControlsView>> {
    Ok(Json(s.services.sessions().session_controls(&id).await?))
}

/// Replace the session's own controls; they apply from the next turn. Absent fields inherit the defaults.
#[utoipa::path(put, path = "/api/sessions/{id}/controls", tag = "controls", params(("id" = String, Path)),
    request_body = SessionControls, responses((status = 200, body = ControlsView), (status = 404, body = ErrorResponse),
    (status = 422, body = ErrorResponse)))]
async fn put_session(State(s): State<ApiState>, Path(id): Path<String>, ApiJson(c): ApiJson<SessionControls>) -> ApiResult<Json<ControlsView>> {
    Ok(Json(s.services.sessions().set_session_controls(&id, c).await?))
}

/// Defaults for every session's unset controls.
#[utoipa::path(get, path = "/api/controls/defaults", tag = "controls", responses((status = 200, body = SessionControls)))]
async fn get_defaults(State(s): State<ApiState>) -> ApiResult<Json<SessionControls>> {
    Ok(Json(s.services.sessions().default_controls().await?))
}

#[utoipa::path(put, path = "/api/controls/defaults", tag = "controls", request_body = SessionControls, responses(
    (status = 200, body = SessionControls), (status = 422, body = ErrorResponse)))]
async fn put_defaults(State(s): State<ApiState>, ApiJson(c): ApiJson<SessionControls>) -> ApiResult<Json<SessionControls>> {
    Ok(Json(s.services.sessions().set_default_controls(c).await?))
}
