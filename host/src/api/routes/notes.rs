//! Notes plugins leave on a session: `/api/sessions/{id}/notes`.

use axum::extract::State;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::{ApiQuery, Path};
use crate::api::ApiState;
use crate::services::{NotePage, NoteQuery};

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(list))
}

/// A session's notes (turn reviews, suggested next requests, ...), oldest first. New ones arrive as
/// `session.note_added` events.
#[utoipa::path(get, path = "/api/sessions/{id}/notes", tag = "notes", params(("id" = String, Path), NoteQuery), responses(
    (status = 200, body = NotePage), (status = 404, body = ErrorResponse, description = "`session_not_found`"),
    (status = 422, body = ErrorResponse)))]
async fn list(State(s): State<ApiState>, Path(id): Path<String>, ApiQuery(q): ApiQuery<NoteQuery>) -> ApiResult<Json<NotePage>> {
    Ok(Json(s.services.notes().list_notes(&id, q).await?))
}
