//! Usage limits, budgets and token usage: `/api/limits`, `/api/budgets`, `/api/usage`.

use axum::extract::State;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::ApiState;
use crate::services::{Budgets, LimitsStatus, UsageQuery, UsageReport};

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(status)).routes(routes!(get_budgets, set_budgets)).routes(routes!(usage))
}

/// What holds automated turns (follow-ups, worker turns, jobs, routines) back now: Codex's usage limit and spent
/// budgets, each with when it lifts, and the latest rate-limit snapshot. The same block as `/api/ready`'s `limits`;
/// changes arrive as `limits.updated` events.
#[utoipa::path(get, path = "/api/limits", tag = "limits", responses((status = 200, body = LimitsStatus)))]
async fn status(State(s): State<ApiState>) -> Json<LimitsStatus> {
    Json(s.services.limits().status().await)
}

/// Every daily token budget (host-wide and per project), with what today spent of each.
#[utoipa::path(get, path = "/api/budgets", tag = "limits", responses((status = 200, body = Budgets)))]
async fn get_budgets(State(s): State<ApiState>) -> ApiResult<Json<Budgets>> {
    Ok(Json(s.services.limits().budgets().await?))
}

/// Replace every budget. Once a day's turns (UTC) used a budget's tokens, automated turns it covers wait for the next
/// day (a user's own message still goes through, with a `warning`); raising or removing it lets them go on at once.
#[utoipa::path(put, path = "/api/budgets", tag = "limits", request_body = Budgets, responses(
    (status = 200, body = Budgets), (status = 422, body = ErrorResponse, description = "a negative budget, two for one scope, an unknown project")))]
async fn set_budgets(State(s): State<ApiState>, ApiJson(req): ApiJson<Budgets>) -> ApiResult<Json<Budgets>> {
    Ok(Json(s.services.limits().set_budgets(req).await?))
}

/// Tokens used per UTC day and in all, by the turns of a session, a project, or the whole host.
#[utoipa::path(get, path = "/api/usage", tag = "limits", params(UsageQuery), responses(
    (status = 200, body = UsageReport), (status = 404, body = ErrorResponse, description = "`session_not_found`"),
    (status = 422, body = ErrorResponse)))]
async fn usage(State(s): State<ApiState>, ApiQuery(q): ApiQuery<UsageQuery>) -> ApiResult<Json<UsageReport>> {
    Ok(Json(s.services.limits().usage(q).await?))
}
