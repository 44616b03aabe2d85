//! Pending requests: `/api/requests` across sessions, `/api/sessions/{id}/requests[/{requestId}[/response]]`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::auth::client_label;
use crate::api::extract::{ApiJson, ApiQuery, Path};
use crate::api::ApiState;
use crate::services::{PendingRequest, RequestQuery, RespondToRequest};

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list_all))
        .routes(routes!(list_session))
        .routes(routes!(get))
        .routes(routes!(respond))
}

/// Requests across all sessions, newest first (`status=pending` for everything waiting on someone).
#[utoipa::path(get, path = "/api/requests", tag = "requests", params(RequestQuery), responses(
    (status = 200, body = Vec<PendingRequest>), (status = 422, body = ErrorResponse)))]
async fn list_all(State(s): State<ApiState>, ApiQuery(q): ApiQuery<RequestQuery>) -> ApiResult<Json<Vec<PendingRequest>>> {
    Ok(Json(s.services.requests().list_requests(None, q).await?))
}

/// A session's requests, newest first.
#[utoipa::path(get, path = "/api/sessions/{id}/requests", tag = "requests", params(("id" = String, Path), RequestQuery),
    responses((status = 200, body = Vec<PendingRequest>), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
async fn list_session(State(s): State<ApiState>, Path(id): Path<String>, ApiQuery(q): ApiQuery<RequestQuery>) -> ApiResult<Json<Vec<PendingRequest>>> {
    Ok(Json(s.services.requests().list_requests(Some(&id), q).await?))
}

#[utoipa::path(get, path = "/api/sessions/{id}/requests/{requestId}", tag = "requests",
    params(("id" = String, Path), ("requestId" = String, Path)),
    responses((status = 200, body = PendingRequest), (status = 404, body = ErrorResponse, description = "`session_not_found`, `request_not_found`")))]
async fn get(State(s): State<ApiState>, Path((id, request_id)): Path<(String, String)>) -> ApiResult<Json<PendingRequest>> {
    Ok(Json(s.services.requests().get_request(&id, &request_id).await?))
}

/// Answer a request: `decision` for approvals, `answers` for tool input, `text`/`contentItems` (+ `success`) for
/// tool calls, `action` (+ `content`) for elicitations. The first answer wins.
#[utoipa::path(post, path = "/api/sessions/{id}/requests/{requestId}/response", tag = "requests",
    params(("id" = String, Path), ("requestId" = String, Path),
        ("X-Codex-Manager-Client" = Option<String>, Header, description = "Who is answering: web, cli, sdk, ... (default api)")),
    request_body = RespondToRequest,
    responses(
        (status = 200, body = PendingRequest, description = "Resolved; app-server has the answer"),
        (status = 404, body = ErrorResponse, description = "`session_not_found`, `request_not_found` (also for another session's request)"),
        (status = 409, body = ErrorResponse, description = "`request_already_resolved`, with the winning decision in `details`"),
        (status = 410, body = ErrorResponse, description = "`request_expired`, with the reason in `details`"),
        (status = 422, body = ErrorResponse, description = "`wrong_answer_kind`, `invalid_decision`, `invalid_answer`")))]
async fn respond(
    State(s): State<ApiState>,
    Path((id, request_id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RespondToRequest>,
) -> ApiResult<Json<PendingRequest>> {
    Ok(Json(s.services.requests().respond_to_request(&id, &request_id, body, &client_label(&headers)).await?))
}
