//! A session's follow-up queue: `/api/sessions/{id}/followups` (list, edit, remove, reorder, pause, resume). Messages
//! join it through `POST /api/sessions/{id}/messages` with `ifBusy: queue`.

use axum::extract::State;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::{ApiJson, ApiQuery, Path};
use crate::api::ApiState;
use crate::services::{EditFollowup, Followup, FollowupList, FollowupQuery, FollowupQueue, ReorderFollowups};

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(edit, remove))
        .routes(routes!(reorder))
        .routes(routes!(pause))
        .routes(routes!(resume))
}

/// The session's follow-up queue: its state, and the follow-ups waiting, in the order they will start (with
/// `history`, the latest finished ones before them).
#[utoipa::path(get, path = "/api/sessions/{id}/followups", tag = "followups", params(("id" = String, Path), FollowupQuery),
    responses((status = 200, body = FollowupList), (status = 404, body = ErrorResponse, description = "`session_not_found`"),
        (status = 422, body = ErrorResponse, description = "`invalid_request` (history)")))]
async fn list(State(s): State<ApiState>, Path(id): Path<String>, ApiQuery(q): ApiQuery<FollowupQuery>) -> ApiResult<Json<FollowupList>> {
    Ok(Json(s.services.followups().list(&id, q).await?))
}

/// Change a queued follow-up's text or mode (only while it is `queued`).
#[utoipa::path(patch, path = "/api/sessions/{id}/followups/{followupId}", tag = "followups", request_body = EditFollowup,
    params(("id" = String, Path), ("followupId" = String, Path)),
    responses((status = 200, body = Followup),
        (status = 404, body = ErrorResponse, description = "`session_not_found`, `followup_not_found`"),
        (status = 409, body = ErrorResponse, description = "`followup_not_queued`: it started, failed or was removed"),
        (status = 422, body = ErrorResponse, description = "`invalid_request`, `message_too_large`")))]
async fn edit(
    State(s): State<ApiState>,
    Path((id, followup_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<EditFollowup>,
) -> ApiResult<Json<Followup>> {
    Ok(Json(s.services.followups().edit(&id, &followup_id, req).await?))
}

/// Take a queued follow-up out of the queue (it is kept as `removed`).
#[utoipa::path(delete, path = "/api/sessions/{id}/followups/{followupId}", tag = "followups",
    params(("id" = String, Path), ("followupId" = String, Path)),
    responses((status = 200, body = Followup),
        (status = 404, body = ErrorResponse, description = "`session_not_found`, `followup_not_found`"),
        (status = 409, body = ErrorResponse, description = "`followup_not_queued`")))]
async fn remove(State(s): State<ApiState>, Path((id, followup_id)): Path<(String, String)>) -> ApiResult<Json<Followup>> {
    Ok(Json(s.services.followups().remove(&id, &followup_id).await?))
}

/// Set the queue's order: `ids` names every queued follow-up exactly once, first to start first.
#[utoipa::path(put, path = "/api/sessions/{id}/followups/order", tag = "followups", request_body = ReorderFollowups,
    params(("id" = String, Path)),
    responses((status = 200, body = FollowupList), (status = 404, body = ErrorResponse, description = "`session_not_found`"),
        (status = 422, body = ErrorResponse, description = "`followup_order_mismatch` (details.queued: the queued ids now)")))]
async fn reorder(State(s): State<ApiState>, Path(id): Path<String>, ApiJson(req): ApiJson<ReorderFollowups>) -> ApiResult<Json<FollowupList>> {
    Ok(Json(s.services.followups().reorder(&id, req).await?))
}

/// Pause the queue (reason `user`): nothing starts until it is resumed.
#[utoipa::path(post, path = "/api/sessions/{id}/followups/pause", tag = "followups", params(("id" = String, Path)),
    responses((status = 200, body = FollowupQueue), (status = 404, body = ErrorResponse, description = "`session_not_found`"),
        (status = 409, body = ErrorResponse, description = "`followups_paused` (details.reason)")))]
async fn pause(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<FollowupQueue>> {
    Ok(Json(s.services.followups().pause(&id).await?))
}

/// Resume a paused queue, whatever paused it: its next follow-up starts as soon as the session is idle.
#[utoipa::path(post, path = "/api/sessions/{id}/followups/resume", tag = "followups", params(("id" = String, Path)),
    responses((status = 200, body = FollowupQueue), (status = 404, body = ErrorResponse, description = "`session_not_found`"),
        (status = 409, body = ErrorResponse, description = "`followups_not_paused`")))]
async fn resume(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<FollowupQueue>> {
    Ok(Json(s.services.followups().resume(&id).await?))
}
