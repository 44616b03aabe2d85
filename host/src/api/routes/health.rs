//! Liveness and readiness.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::ApiState;
use crate::appserver::version::{self, CodexVersion};
use crate::appserver::RuntimeStatus;
use crate::services::QueueStats;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the host answers.
    pub status: &'static str,
    pub version: &'static str,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Readiness {
    /// True when app-server is initialized and the store and event log work.
    pub ready: bool,
    /// `starting`, `ready`, `restarting` or `stopped`, with the process generation, pid, restarts and last exit.
    #[schema(value_type = Object)]
    pub runtime: serde_json::Value,
    pub store_ok: bool,
    pub events_ok: bool,
    pub last_seq: i64,
    /// The codex release running vs. the one this host was built against.
    pub codex: CodexVersion,
    /// Whether turns can run: `{account, requiresOpenaiAuth}` from app-server, and a plain-words `notice` when not.
    #[schema(value_type = Option<Object>)]
    pub account: Option<serde_json::Value>,
    /// Job queue depth (absent when the store cannot say).
    pub queue: Option<QueueStats>,
}

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(health)).routes(routes!(ready))
}

/// The host is alive (it answers). Says nothing about app-server: see `/api/ready`.
#[utoipa::path(get, path = "/api/health", tag = "health", responses((status = 200, body = Health)))]
async fn health() -> Json<Health> {
    Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION") })
}

/// Whether the host can do work now: 200 when ready, 503 with the same body when not (for instance while
/// app-server restarts).
#[utoipa::path(get, path = "/api/ready", tag = "health", responses(
    (status = 200, body = Readiness), (status = 503, body = Readiness)))]
async fn ready(State(state): State<ApiState>) -> (StatusCode, Json<Readiness>) {
    let runtime = state.services.runtime().state();
    let store_ok = state.services.store().ping().await;
    let events_ok = state.services.events().healthy();
    let ready = runtime.status == RuntimeStatus::Ready && store_ok && events_ok;
    let body = Readiness {
        ready,
        runtime: serde_json::to_value(&runtime).unwrap_or_default(),
        store_ok,
        events_ok,
        last_seq: state.services.events().last_seq(),
        codex: version::compare(runtime.user_agent.as_deref()),
        account: state.services.account_status().map(|mut a| {
            a["notice"] = serde_json::json!(state.services.account_notice());
            a
        }),
        queue: state.services.queue_stats().await.ok(),
    };
    (if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, Json(body))
}
