//! The job queue: `/api/jobs` (list, enqueue), `/api/jobs/kinds`, `/api/jobs/stats`, `/api/jobs/{id}` (get,
//! cancel, retry).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::auth::client_label;
use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::{ApiJson, ApiQuery, Path};
use crate::api::ApiState;
use crate::services::{EnqueueJob, Job, JobKinds, JobPage, JobQuery, QueueStats, WaitQuery};

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list, enqueue))
        .routes(routes!(kinds))
        .routes(routes!(stats))
        .routes(routes!(get))
        .routes(routes!(cancel))
        .routes(routes!(retry))
}

/// Jobs, newest first, filtered by state, kind, session or project.
#[utoipa::path(get, path = "/api/jobs", tag = "jobs", params(JobQuery), responses(
    (status = 200, body = JobPage), (status = 400, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
async fn list(State(s): State<ApiState>, ApiQuery(q): ApiQuery<JobQuery>) -> ApiResult<Json<JobPage>> {
    Ok(Json(s.services.queue().list_jobs(q).await?))
}

/// Enqueue a job of a kind an enabled plugin declares. 201 with the new job; 200 with the existing one when a job
/// of the same kind and `dedupeKey` is queued or running.
#[utoipa::path(post, path = "/api/jobs", tag = "jobs",
    params(("X-Codex-Manager-Client" = Option<String>, Header, description = "Who enqueues: web, cli, sdk, ... (default api)")),
    request_body = EnqueueJob,
    responses(
        (status = 201, body = Job, description = "Queued"),
        (status = 200, body = Job, description = "A duplicate: the live job with the same kind and dedupe key"),
        (status = 404, body = ErrorResponse, description = "`session_not_found`, `project_not_found`"),
        (status = 422, body = ErrorResponse, description = "`unknown_job_kind`, `payload_too_large`, `invalid_request`"),
        (status = 429, body = ErrorResponse, description = "`queue_full`: nothing was added; jobs already queued are kept")))]
async fn enqueue(State(s): State<ApiState>, headers: HeaderMap, ApiJson(body): ApiJson<EnqueueJob>) -> ApiResult<(StatusCode, Json<Job>)> {
    let done = s.services.queue().enqueue_job(body, &client_label(&headers)).await?;
    let status = if done.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(done.job)))
}

/// The job kinds enabled plugins run, with their limits.
#[utoipa::path(get, path = "/api/jobs/kinds", tag = "jobs", responses((status = 200, body = JobKinds)))]
async fn kinds(State(s): State<ApiState>) -> Json<JobKinds> {
    Json(s.services.queue().job_kinds())
}

/// Queue depth: queued and running jobs, the oldest queued job's age, the capacity.
#[utoipa::path(get, path = "/api/jobs/stats", tag = "jobs", responses((status = 200, body = QueueStats)))]
async fn stats(State(s): State<ApiState>) -> ApiResult<Json<QueueStats>> {
    Ok(Json(s.services.queue().queue_stats().await?))
}

/// A job with its history of transitions; with `?wait=`, once it finished (or the wait ran out).
#[utoipa::path(get, path = "/api/jobs/{id}", tag = "jobs", params(("id" = String, Path), WaitQuery), responses(
    (status = 200, body = Job, description = "The job: finished (`succeeded`, `failed`, `canceled`), or as it is when the wait ran out"),
    (status = 404, body = ErrorResponse, description = "`job_not_found`"),
    (status = 422, body = ErrorResponse, description = "`invalid_request`: `wait` is not a duration")))]
async fn get(State(s): State<ApiState>, Path(id): Path<String>, ApiQuery(q): ApiQuery<WaitQuery>) -> ApiResult<Json<Job>> {
    Ok(Json(s.services.queue().get_job(&id, q.limit()?).await?))
}

/// Cancel a job. Answers with its final state once it has stopped: a running job's plugin call is dropped and
/// any worker turn it started is interrupted first.
#[utoipa::path(post, path = "/api/jobs/{id}/cancel", tag = "jobs",
    params(("id" = String, Path), ("X-Codex-Manager-Client" = Option<String>, Header, description = "Who cancels")),
    responses(
        (status = 200, body = Job, description = "Canceled (or it finished some other way while stopping: see `state`)"),
        (status = 404, body = ErrorResponse, description = "`job_not_found`"),
        (status = 409, body = ErrorResponse, description = "`job_finished`: it had already ended"),
        (status = 503, body = ErrorResponse, description = "`job_cancel_pending`: another host runs it and has not stopped it yet")))]
async fn cancel(State(s): State<ApiState>, Path(id): Path<String>, headers: HeaderMap) -> ApiResult<Json<Job>> {
    Ok(Json(s.services.queue().cancel_job(&id, &client_label(&headers)).await?))
}

/// Queue a failed or canceled job again, from its first attempt.
#[utoipa::path(post, path = "/api/jobs/{id}/retry", tag = "jobs",
    params(("id" = String, Path), ("X-Codex-Manager-Client" = Option<String>, Header, description = "Who retries")),
    responses(
        (status = 200, body = Job),
        (status = 404, body = ErrorResponse, description = "`job_not_found`"),
        (status = 409, body = ErrorResponse, description = "`job_not_retryable` (not failed or canceled), `duplicate_job`, `unknown_job_kind`")))]
async fn retry(State(s): State<ApiState>, Path(id): Path<String>, headers: HeaderMap) -> ApiResult<Json<Job>> {
    Ok(Json(s.services.queue().retry_job(&id, &client_label(&headers)).await?))
}
