//! `/api/projects`

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::{ApiJson, Path};
use crate::api::ApiState;
use crate::services::{CreateProject, MoveSessions, Project, UpdateProject};

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionIds {
    pub session_ids: Vec<String>,
}

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update, delete))
        .routes(routes!(move_sessions))
        .routes(routes!(delete_sessions))
}

/// All projects, by name.
#[utoipa::path(get, path = "/api/projects", tag = "projects", responses((status = 200, body = Vec<Project>)))]
async fn list(State(s): State<ApiState>) -> ApiResult<Json<Vec<Project>>> {
    Ok(Json(s.services.projects().list_projects().await?))
}

/// Create a project (unique name, existing absolute working directory).
#[utoipa::path(post, path = "/api/projects", tag = "projects", request_body = CreateProject, responses(
    (status = 201, body = Project), (status = 409, body = ErrorResponse, description = "`project_name_taken`"),
    (status = 422, body = ErrorResponse)))]
async fn create(State(s): State<ApiState>, ApiJson(req): ApiJson<CreateProject>) -> ApiResult<(StatusCode, Json<Project>)> {
    Ok((StatusCode::CREATED, Json(s.services.projects().create_project(req).await?)))
}

#[utoipa::path(get, path = "/api/projects/{id}", tag = "projects", params(("id" = String, Path)), responses(
    (status = 200, body = Project), (status = 404, body = ErrorResponse)))]
async fn get(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<Project>> {
    Ok(Json(s.services.projects().get_project(&id).await?))
}

/// Rename a project or change its working directory.
#[utoipa::path(patch, path = "/api/projects/{id}", tag = "projects", params(("id" = String, Path)), request_body = UpdateProject,
    responses((status = 200, body = Project), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
async fn update(State(s): State<ApiState>, Path(id): Path<String>, ApiJson(req): ApiJson<UpdateProject>) -> ApiResult<Json<Project>> {
    Ok(Json(s.services.projects().update_project(&id, req).await?))
}

/// Delete a project; refused with 409 `project_not_empty` while it has sessions.
#[utoipa::path(delete, path = "/api/projects/{id}", tag = "projects", params(("id" = String, Path)), responses(
    (status = 204), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
async fn delete(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.services.projects().delete_project(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Move all of a project's sessions to another project (or to none, with `toProjectId: null`).
#[utoipa::path(post, path = "/api/projects/{id}/move-sessions", tag = "projects", params(("id" = String, Path)),
    request_body = MoveSessions, responses((status = 200, body = SessionIds), (status = 404, body = ErrorResponse)))]
async fn move_sessions(State(s): State<ApiState>, Path(id): Path<String>, ApiJson(req): ApiJson<MoveSessions>) -> ApiResult<Json<SessionIds>> {
    Ok(Json(SessionIds { session_ids: s.services.sessions().move_project_sessions(&id, req).await? }))
}

/// Delete all of a project's sessions, with their Codex threads.
///
/// All or nothing: a session another host owns is deleted on that host (`DELETE /api/sessions/{id}` is forwarded), so here it refuses the whole batch.
#[utoipa::path(delete, path = "/api/projects/{id}/sessions", tag = "projects", params(("id" = String, Path)),
    responses((status = 200, body = SessionIds), (status = 404, body = ErrorResponse),
        (status = 409, description = "`owned_elsewhere`: a session of the project belongs to another host", body = ErrorResponse),
        (status = 503, description = "`owner_offline`: a session of the project belongs to a host that is offline", body = ErrorResponse)))]
async fn delete_sessions(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<SessionIds>> {
    Ok(Json(SessionIds { session_ids: s.services.sessions().delete_project_sessions(&id).await? }))
}
