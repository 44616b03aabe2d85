//! Operations on a session's thread: review, compact, revert, clean background terminals, run a user shell
//! command. Each loads the thread first if needed and is recorded as a `session.*` event.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::{ApiJson, Path};
use crate::api::ApiState;
use crate::services::{CodexOp, ServiceError};

/// What to review.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum ReviewTarget {
    /// Staged, unstaged and untracked changes.
    UncommittedChanges,
    /// The current branch against a base branch.
    BaseBranch { branch: String },
    /// One commit.
    Commit { sha: String },
    /// Free-form instructions.
    Custom { instructions: String },
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartReview {
    pub target: ReviewTarget,
    /// `inline` (in this session, the default) or `detached` (a separate review thread).
    #[serde(default)]
    pub delivery: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Revert {
    /// History is cut back to before this turn (files are not reverted).
    pub before_turn_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShellCommand {
    /// Runs unsandboxed, as the user would type `!command`.
    pub command: String,
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

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
    let delivery = match req.delivery.as_deref() {
        None | Some("inline") => "inline",
        Some("detached") => "detached",
        Some(other) => return Err(ServiceError::invalid(format!("`delivery` must be inline or detached, not `{other}`")).into()),
    };
    let thread = s.services.loaded_thread(&id).await?;
    let params = json!({"threadId": thread, "target": req.target, "delivery": delivery});
    Ok(Json(s.services.codex(CodexOp::ReviewStart, params, Some(json!({"target": req.target, "delivery": delivery})), Some(&id)).await?))
}

/// Compact the thread's history now (progress arrives as turn and item events).
#[utoipa::path(post, path = "/api/sessions/{id}/compact", tag = "thread operations", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorResponse), (status = 503, body = ErrorResponse)))]
async fn compact(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let thread = s.services.loaded_thread(&id).await?;
    Ok(Json(s.services.codex(CodexOp::CompactStart, json!({"threadId": thread}), None, Some(&id)).await?))
}

/// Cut the thread's history back to before a turn.
#[utoipa::path(post, path = "/api/sessions/{id}/revert", tag = "thread operations", params(("id" = String, Path)), request_body = Revert,
    responses((status = 200, body = Object), (status = 404, body = ErrorResponse, description = "`session_not_found`, `turn_not_found`"),
        (status = 502, body = ErrorResponse)))]
async fn revert(State(s): State<ApiState>, Path(id): Path<String>, ApiJson(req): ApiJson<Revert>) -> ApiResult<Json<Value>> {
    let thread = s.services.loaded_thread(&id).await?;
    let params = json!({"threadId": thread, "beforeTurnId": req.before_turn_id});
    Ok(Json(s.services.codex(CodexOp::Revert, params, Some(json!({"beforeTurnId": req.before_turn_id})), Some(&id)).await?))
}

/// Stop commands that outlived their turn (an interrupt does not stop a running command).
#[utoipa::path(post, path = "/api/sessions/{id}/background-terminals/clean", tag = "thread operations", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorResponse), (status = 501, body = ErrorResponse)))]
async fn clean_background_terminals(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let thread = s.services.loaded_thread(&id).await?;
    Ok(Json(s.services.codex(CodexOp::BackgroundTerminalsClean, json!({"threadId": thread}), None, Some(&id)).await?))
}

/// Run a user shell command in the session (unsandboxed; streams as a `commandExecution` item).
#[utoipa::path(post, path = "/api/sessions/{id}/shell", tag = "thread operations", params(("id" = String, Path)), request_body = ShellCommand,
    responses((status = 200, body = Object), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
async fn shell(State(s): State<ApiState>, Path(id): Path<String>, ApiJson(req): ApiJson<ShellCommand>) -> ApiResult<Json<Value>> {
    if req.command.trim().is_empty() || req.command.len() > 64 * 1024 {
        return Err(ServiceError::invalid("`command` must be 1 to 65536 bytes").into());
    }
    let thread = s.services.loaded_thread(&id).await?;
    let mut params = json!({"threadId": thread, "command": req.command});
    if let Some(t) = req.timeout_ms {
        params["timeoutMs"] = json!(t);
    }
    Ok(Json(s.services.codex(CodexOp::ShellCommand, params, Some(json!({"command": req.command})), Some(&id)).await?))
}
