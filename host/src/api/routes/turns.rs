//! Turns: `/api/sessions/{id}/messages`, `/steer`, `/interrupt`, and the host's turn records (`/turns`).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiError, ApiResult, ErrorResponse};
use crate::api::extract::{ApiJson, ApiQuery, Path};
use crate::api::ApiState;
use crate::services::{ErrorCode, InterruptResult, SendMessage, SendOutcome, SteerMessage, TurnAccepted, TurnRecord, TurnRecordPage, TurnRecordQuery, WaitQuery};

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(send))
        .routes(routes!(steer))
        .routes(routes!(interrupt))
        .routes(routes!(list_turns))
        .routes(routes!(get_turn))
}

/// Send a message: starts a turn (resuming the thread first if needed). While the session is busy (a turn runs, or
/// follow-ups wait), `ifBusy: queue` queues it as a follow-up instead of answering 409 (the answer then carries
/// `followup`, not `turnId`). With an `Idempotency-Key` header, a retry of the same request starts or queues nothing
/// new and gets the first answer (with `replayed: true`).
#[utoipa::path(post, path = "/api/sessions/{id}/messages", tag = "turns", request_body = SendMessage,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "1-200 visible ASCII characters")),
    responses(
        (status = 202, body = SendOutcome, description = "The turn started (`TurnAccepted`; follow it on the event stream), or the message was queued (`FollowupQueued`)"),
        (status = 200, body = SendOutcome, description = "A replay of an earlier request with the same key"),
        (status = 429, body = ErrorResponse, description = "`queue_full`: the session's follow-up queue is full"),
        (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse, description = "`turn_in_progress`, `session_archived`, `idempotency_in_progress`"),
        (status = 422, body = ErrorResponse, description = "`invalid_request`, `idempotency_key_reused`"),
        (status = 503, body = ErrorResponse, description = "`runtime_unavailable`, `storage_unavailable`")))]
async fn send(
    State(s): State<ApiState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SendMessage>,
) -> ApiResult<(StatusCode, Json<SendOutcome>)> {
    let key = match headers.get("idempotency-key") {
        Some(v) => Some(v.to_str().map_err(|_| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidIdempotencyKey, "`Idempotency-Key` must be 1-200 visible ASCII characters")
        })?),
        None => None,
    };
    let accepted = s.services.turns().send(&id, req, key).await?;
    let status = if accepted.replayed() { StatusCode::OK } else { StatusCode::ACCEPTED };
    Ok((status, Json(accepted)))
}

/// Add input to the running turn.
#[utoipa::path(post, path = "/api/sessions/{id}/steer", tag = "turns", request_body = SteerMessage, params(("id" = String, Path)),
    responses((status = 200, body = TurnAccepted), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse, description = "`no_active_turn`")))]
async fn steer(State(s): State<ApiState>, Path(id): Path<String>, ApiJson(req): ApiJson<SteerMessage>) -> ApiResult<Json<TurnAccepted>> {
    Ok(Json(s.services.turns().steer(&id, req).await?))
}

/// Interrupt the running turn; answers once app-server confirms it ended (or `interrupting` after 10 s).
#[utoipa::path(post, path = "/api/sessions/{id}/interrupt", tag = "turns", params(("id" = String, Path)), responses(
    (status = 200, body = InterruptResult), (status = 404, body = ErrorResponse),
    (status = 409, body = ErrorResponse, description = "`no_active_turn`")))]
async fn interrupt(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<InterruptResult>> {
    Ok(Json(s.services.turns().interrupt(&id).await?))
}

/// The session's turns as the host recorded them, newest first: status (a final one once the turn ended, also after
/// a crash), the seqs of its start and end events, times, final text and error.
#[utoipa::path(get, path = "/api/sessions/{id}/turns", tag = "turns", params(("id" = String, Path), TurnRecordQuery),
    responses((status = 200, body = TurnRecordPage), (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse, description = "`invalid_request` (limit), `invalid_cursor`")))]
async fn list_turns(State(s): State<ApiState>, Path(id): Path<String>, ApiQuery(q): ApiQuery<TurnRecordQuery>) -> ApiResult<Json<TurnRecordPage>> {
    Ok(Json(s.services.turns().list_turn_records(&id, q).await?))
}

/// One turn of the session as the host recorded it. With `wait`, the answer waits (at most 60 s) for the turn to
/// end and is the record then: a final state, or `inProgress` when the wait ran out (ask again to wait longer).
#[utoipa::path(get, path = "/api/sessions/{id}/turns/{turnId}", tag = "turns",
    params(("id" = String, Path), ("turnId" = String, Path), WaitQuery),
    responses((status = 200, body = TurnRecord), (status = 404, body = ErrorResponse, description = "`session_not_found`, `turn_not_found`"),
        (status = 422, body = ErrorResponse, description = "`invalid_request`: `wait` is not a duration")))]
async fn get_turn(
    State(s): State<ApiState>,
    Path((id, turn_id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<WaitQuery>,
) -> ApiResult<Json<TurnRecord>> {
    let limit = q.limit()?;
    Ok(Json(s.services.turns().get_turn_record(&id, &turn_id, limit).await?))
}
