//! `/api/sessions`: the chats.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::{ApiJson, ApiQuery, Path};
use crate::api::ApiState;
use crate::services::{CreateSession, Session, SessionDetail, SessionPage, SessionQuery, Transcript, TranscriptQuery, UpdateSession};

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update, delete))
        .routes(routes!(transcript))
        .routes(routes!(archive))
        .routes(routes!(unarchive))
        .routes(routes!(fork))
        .routes(routes!(resume))
}

/// Sessions, most recently active first, paged.
#[utoipa::path(get, path = "/api/sessions", tag = "sessions", params(SessionQuery), responses(
    (status = 200, body = SessionPage), (status = 422, body = ErrorResponse)))]
async fn list(State(s): State<ApiState>, ApiQuery(q): ApiQuery<SessionQuery>) -> ApiResult<Json<SessionPage>> {
    Ok(Json(s.services.sessions().list_sessions(q).await?))
}

/// Start a new session (a new Codex thread) in a project or a working directory.
#[utoipa::path(post, path = "/api/sessions", tag = "sessions", request_body = CreateSession, responses(
    (status = 201, body = Session), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse),
    (status = 503, body = ErrorResponse, description = "`runtime_unavailable`")))]
async fn create(State(s): State<ApiState>, ApiJson(req): ApiJson<CreateSession>) -> ApiResult<(StatusCode, Json<Session>)> {
    Ok((StatusCode::CREATED, Json(s.services.sessions().create_session(req).await?)))
}

/// A session with the first page of its transcript (`limit`, `cursor`, `order` as for `/transcript`) and, while a
/// turn runs, that turn's record (`activeTurn`, with the seq of its start): one call opens a chat mid-turn.
#[utoipa::path(get, path = "/api/sessions/{id}", tag = "sessions", params(("id" = String, Path), TranscriptQuery), responses(
    (status = 200, body = SessionDetail), (status = 404, body = ErrorResponse),
    (status = 422, body = ErrorResponse, description = "`invalid_request`: `limit` or `order` out of range; `invalid_cursor`")))]
async fn get(State(s): State<ApiState>, Path(id): Path<String>, ApiQuery(q): ApiQuery<TranscriptQuery>) -> ApiResult<Json<SessionDetail>> {
    Ok(Json(s.services.sessions().session_detail(&id, q).await?))
}

/// The transcript, paged by turns, from Codex's own history.
#[utoipa::path(get, path = "/api/sessions/{id}/transcript", tag = "sessions", params(("id" = String, Path), TranscriptQuery),
    responses((status = 200, body = Transcript), (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse, description = "`invalid_request`: `limit` or `order` out of range; `invalid_cursor`"),
        (status = 503, body = ErrorResponse)))]
async fn transcript(State(s): State<ApiState>, Path(id): Path<String>, ApiQuery(q): ApiQuery<TranscriptQuery>) -> ApiResult<Json<Transcript>> {
    Ok(Json(s.services.sessions().transcript(&id, q).await?))
}

/// Rename, move to a project (`""` for none), archive or unarchive.
#[utoipa::path(patch, path = "/api/sessions/{id}", tag = "sessions", params(("id" = String, Path)), request_body = UpdateSession,
    responses((status = 200, body = Session), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
async fn update(State(s): State<ApiState>, Path(id): Path<String>, ApiJson(req): ApiJson<UpdateSession>) -> ApiResult<Json<Session>> {
    Ok(Json(s.services.sessions().update_session(&id, req).await?))
}

/// Delete the session and its Codex thread (a running turn is interrupted first).
#[utoipa::path(delete, path = "/api/sessions/{id}", tag = "sessions", params(("id" = String, Path)), responses(
    (status = 204), (status = 404, body = ErrorResponse)))]
async fn delete(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.services.sessions().delete_session(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/sessions/{id}/archive", tag = "sessions", params(("id" = String, Path)), responses(
    (status = 200, body = Session), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
async fn archive(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<Session>> {
    Ok(Json(s.services.sessions().update_session(&id, UpdateSession { archived: Some(true), ..Default::default() }).await?))
}

#[utoipa::path(post, path = "/api/sessions/{id}/unarchive", tag = "sessions", params(("id" = String, Path)), responses(
    (status = 200, body = Session), (status = 404, body = ErrorResponse)))]
async fn unarchive(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<Session>> {
    Ok(Json(s.services.sessions().update_session(&id, UpdateSession { archived: Some(false), ..Default::default() }).await?))
}

/// A new session with a copy of this one's history.
#[utoipa::path(post, path = "/api/sessions/{id}/fork", tag = "sessions", params(("id" = String, Path)), responses(
    (status = 201, body = Session), (status = 404, body = ErrorResponse), (status = 503, body = ErrorResponse)))]
async fn fork(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<(StatusCode, Json<Session>)> {
    Ok((StatusCode::CREATED, Json(s.services.sessions().fork_session(&id).await?)))
}

/// Load the session's thread into the running app-server now (sending a message does this by itself).
#[utoipa::path(post, path = "/api/sessions/{id}/resume", tag = "sessions", params(("id" = String, Path)), responses(
    (status = 200, body = Session), (status = 404, body = ErrorResponse), (status = 503, body = ErrorResponse)))]
async fn resume(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<Session>> {
    Ok(Json(s.services.sessions().resume_session(&id).await?))
}
