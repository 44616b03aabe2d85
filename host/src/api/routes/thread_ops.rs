//! Operations on a session's thread: review, compact, revert, clean background terminals, run a user shell
//! command. Each loads the thread first if needed and is recorded as a `session.*` event.

use axum::extract::State;
use axum::Json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::{ApiJson, Path};
use crate::api::ApiState;
use crate::services::{Revert, ShellCommand, StartReview};

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(review))
        .routes(routes!(compact))
        .routes(routes!(revert))
        .routes(routes!(clean_background_terminals))
        .routes(routes!(shell))
}

/// Start a code review turn (the built-in reviewer).
#[utoipa::path(post, path = "/api/sessions/{id}/review", tag = "thread operations", params(("id" = String, Path)), request_body = StartReview,
    responses((status = 200, body = Object), (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse, description = "`invalid_request`: a bad `delivery`, or a target app-server refuses (`details.rpcCode`)"),
        (status = 502, body = ErrorResponse), (status = 503, body = ErrorResponse)))]
async fn review(State(s): State<ApiState>, Path(id): Path<String>, ApiJson(req): ApiJson<StartReview>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.thread_ops().start_review(&id, &req).await?))
}

/// Compact the thread's history now (progress arrives as turn and item events).
#[utoipa::path(post, path = "/api/sessions/{id}/compact", tag = "thread operations", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorResponse), (status = 503, body = ErrorResponse)))]
async fn compact(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.thread_ops().compact(&id).await?))
}

/// Cut the thread's history back to before a turn.
#[utoipa::path(post, path = "/api/sessions/{id}/revert", tag = "thread operations", params(("id" = String, Path)), request_body = Revert,
    responses((status = 200, body = Object), (status = 404, body = ErrorResponse, description = "`session_not_found`, `turn_not_found`"),
        (status = 502, body = ErrorResponse)))]
async fn revert(State(s): State<ApiState>, Path(id): Path<String>, ApiJson(req): ApiJson<Revert>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.thread_ops().revert(&id, &req).await?))
}

/// Stop commands that outlived their turn (an interrupt does not stop a running command).
#[utoipa::path(post, path = "/api/sessions/{id}/background-terminals/clean", tag = "thread operations", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorResponse), (status = 501, body = ErrorResponse)))]
async fn clean_background_terminals(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.thread_ops().clean_background_terminals(&id).await?))
}

/// Run a user shell command in the session (unsandboxed; streams as a `commandExecution` item).
#[utoipa::path(post, path = "/api/sessions/{id}/shell", tag = "thread operations", params(("id" = String, Path)), request_body = ShellCommand,
    responses((status = 200, body = Object), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
async fn shell(State(s): State<ApiState>, Path(id): Path<String>, ApiJson(req): ApiJson<ShellCommand>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.thread_ops().shell_command(&id, &req).await?))
}
