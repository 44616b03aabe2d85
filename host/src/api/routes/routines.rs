//! Routines: `/api/routines` (list, create), `/api/routines/{id}` (get, edit, remove), `.../run` ("run now"),
//! `.../runs`, `.../rotate-secret`, `/api/routines/schedule-preview`, and the signed webhook
//! `POST /api/routines/{id}/webhook`, the one route here that takes no token: its signature is its proof.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::auth::client_label;
use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::{ApiJson, ApiQuery, Path};
use crate::api::ApiState;
use crate::services::{
    CreateRoutine, PreviewQuery, Routine, RoutineCreated, RoutineList, RoutineRun, RoutineRunList, RoutineSecret, RunQuery, SchedulePreview,
    UpdateRoutine,
};

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(preview))
        .routes(routes!(get, update, remove))
        .routes(routes!(run))
        .routes(routes!(runs))
        .routes(routes!(rotate_secret))
        .routes(routes!(webhook))
}

/// Every routine, oldest first.
#[utoipa::path(get, path = "/api/routines", tag = "routines", responses((status = 200, body = RoutineList)))]
async fn list(State(s): State<ApiState>) -> ApiResult<Json<RoutineList>> {
    Ok(Json(s.services.routines().list().await?))
}

/// Create a routine. The answer carries its webhook secret: it is shown this once (rotate it to get a new one).
#[utoipa::path(post, path = "/api/routines", tag = "routines", request_body = CreateRoutine,
    params(("X-Codex-Manager-Client" = Option<String>, Header, description = "Who creates it: web, cli, sdk, ... (default api)")),
    responses((status = 201, body = RoutineCreated),
        (status = 404, body = ErrorResponse, description = "`session_not_found`, `project_not_found`"),
        (status = 422, body = ErrorResponse, description = "`invalid_request`, `invalid_schedule`, `unknown_job_kind`, `payload_too_large`, `message_too_large`")))]
async fn create(State(s): State<ApiState>, headers: HeaderMap, ApiJson(req): ApiJson<CreateRoutine>) -> ApiResult<(StatusCode, Json<RoutineCreated>)> {
    Ok((StatusCode::CREATED, Json(s.services.routines().create(req, &client_label(&headers)).await?)))
}

/// The next times a cron schedule names, in the host's time zone (what the schedule field shows while typing).
#[utoipa::path(get, path = "/api/routines/schedule-preview", tag = "routines", params(PreviewQuery),
    responses((status = 200, body = SchedulePreview), (status = 422, body = ErrorResponse, description = "`invalid_schedule`, `invalid_request` (count)")))]
async fn preview(State(s): State<ApiState>, ApiQuery(q): ApiQuery<PreviewQuery>) -> ApiResult<Json<SchedulePreview>> {
    Ok(Json(s.services.routines().preview(q)?))
}

#[utoipa::path(get, path = "/api/routines/{id}", tag = "routines", params(("id" = String, Path)),
    responses((status = 200, body = Routine), (status = 404, body = ErrorResponse, description = "`routine_not_found`")))]
async fn get(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<Routine>> {
    Ok(Json(s.services.routines().get(&id).await?))
}

/// Change a routine (enable or pause it with `state`). A new schedule, or a resume, counts from now.
#[utoipa::path(patch, path = "/api/routines/{id}", tag = "routines", params(("id" = String, Path)), request_body = UpdateRoutine,
    responses((status = 200, body = Routine),
        (status = 404, body = ErrorResponse, description = "`routine_not_found`, `session_not_found`, `project_not_found`"),
        (status = 422, body = ErrorResponse, description = "`invalid_request`, `invalid_schedule`, `unknown_job_kind`, `payload_too_large`")))]
async fn update(State(s): State<ApiState>, Path(id): Path<String>, ApiJson(req): ApiJson<UpdateRoutine>) -> ApiResult<Json<Routine>> {
    Ok(Json(s.services.routines().update(&id, req).await?))
}

/// Remove a routine and its run records (their jobs stay in the queue's history).
#[utoipa::path(delete, path = "/api/routines/{id}", tag = "routines", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorResponse, description = "`routine_not_found`")))]
async fn remove(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.services.routines().delete(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Run it now, whatever its state and schedule: a run queued as a job (202).
#[utoipa::path(post, path = "/api/routines/{id}/run", tag = "routines", params(("id" = String, Path),
        ("X-Codex-Manager-Client" = Option<String>, Header, description = "Who runs it: web, cli, sdk, ... (default api)")),
    responses((status = 202, body = RoutineRun), (status = 404, body = ErrorResponse, description = "`routine_not_found`"),
        (status = 429, body = ErrorResponse, description = "`queue_full`")))]
async fn run(State(s): State<ApiState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult<(StatusCode, Json<RoutineRun>)> {
    Ok((StatusCode::ACCEPTED, Json(s.services.routines().run_now(&id, &client_label(&headers)).await?)))
}

/// The routine's latest runs, newest first, each with its job, session, turn and status.
#[utoipa::path(get, path = "/api/routines/{id}/runs", tag = "routines", params(("id" = String, Path), RunQuery),
    responses((status = 200, body = RoutineRunList), (status = 404, body = ErrorResponse, description = "`routine_not_found`"),
        (status = 422, body = ErrorResponse, description = "`invalid_request` (limit)")))]
async fn runs(State(s): State<ApiState>, Path(id): Path<String>, ApiQuery(q): ApiQuery<RunQuery>) -> ApiResult<Json<RoutineRunList>> {
    Ok(Json(s.services.routines().runs(&id, q).await?))
}

/// A new webhook secret; the old one stops working at once. Shown this once.
#[utoipa::path(post, path = "/api/routines/{id}/rotate-secret", tag = "routines", params(("id" = String, Path)),
    responses((status = 200, body = RoutineSecret), (status = 404, body = ErrorResponse, description = "`routine_not_found`")))]
async fn rotate_secret(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<RoutineSecret>> {
    Ok(Json(s.services.routines().rotate_secret(&id).await?))
}

/// A signed webhook delivery: runs the routine once. No token: `X-Codex-Manager-Signature: sha256=<hex>` is the
/// HMAC-SHA256 of `<timestamp>.<raw body>` under the routine's secret, `X-Codex-Manager-Timestamp` the unix time in
/// seconds (within 5 minutes of the host's clock); each signature is accepted once. In a prompt, `{{body}}` is
/// replaced by the body (at most 64 KiB, any content type).
#[utoipa::path(post, path = "/api/routines/{id}/webhook", tag = "routines", security(()),
    params(("id" = String, Path),
        ("X-Codex-Manager-Signature" = String, Header, description = "`sha256=<hex HMAC-SHA256 of \"<timestamp>.<body>\">`"),
        ("X-Codex-Manager-Timestamp" = String, Header, description = "Unix time in seconds")),
    request_body(content = Object, description = "Any body; it is signed as sent", content_type = "application/json"),
    responses((status = 202, body = RoutineRun),
        (status = 401, body = ErrorResponse, description = "`webhook_signature_invalid` (also for an unknown routine), `webhook_timestamp_stale`"),
        (status = 409, body = ErrorResponse, description = "`webhook_replayed`: this signature was accepted already; `routine_paused`"),
        (status = 422, body = ErrorResponse, description = "`payload_too_large`"),
        (status = 429, body = ErrorResponse, description = "`queue_full`")))]
async fn webhook(State(s): State<ApiState>, Path(id): Path<String>, headers: HeaderMap, body: Bytes) -> ApiResult<(StatusCode, Json<RoutineRun>)> {
    use crate::services::routines_webhook::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (ts, sig) = (header(TIMESTAMP_HEADER), header(SIGNATURE_HEADER));
    Ok((StatusCode::ACCEPTED, Json(s.services.routines().webhook(&id, ts.as_deref(), sig.as_deref(), &body).await?)))
}

/// Whether a request is a webhook delivery (which the auth guard lets through without the token).
pub fn is_webhook(method: &axum::http::Method, path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    method == axum::http::Method::POST && parts.len() == 5 && parts[..3] == ["", "api", "routines"] && !parts[3].is_empty() && parts[4] == "webhook"
}
