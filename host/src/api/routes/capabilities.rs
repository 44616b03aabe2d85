//! `/api/capabilities`: which parts of the Codex surface the connected codex supports, and `/api/feedback`.

use axum::extract::State;
use axum::Json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::ApiJson;
use crate::api::ApiState;
use crate::services::{CapabilityReport, Feedback};

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(capabilities)).routes(routes!(feedback))
}

/// What the connected codex supports, by route group, so clients can grey out what is missing.
#[utoipa::path(get, path = "/api/capabilities", tag = "capabilities", responses((status = 200, body = CapabilityReport)))]
async fn capabilities(State(s): State<ApiState>) -> Json<CapabilityReport> {
    Json(s.services.codex().capability_report())
}

/// Send feedback (with logs, and the session's thread if named) to OpenAI through codex.
#[utoipa::path(post, path = "/api/feedback", tag = "capabilities", request_body = Feedback, responses(
    (status = 200, body = Object), (status = 404, body = ErrorResponse), (status = 502, body = ErrorResponse, description = "no network or no account")))]
async fn feedback(State(s): State<ApiState>, ApiJson(req): ApiJson<Feedback>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.codex().send_feedback(&req).await?))
}
