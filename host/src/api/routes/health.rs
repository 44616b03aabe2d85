//! Liveness and readiness.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::ApiState;
use crate::services::Readiness;

#[derive(Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the host answers.
    pub status: String,
    pub version: String,
}

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(health)).routes(routes!(ready))
}

/// The host is alive (it answers). Says nothing about app-server: see `/api/ready`.
#[utoipa::path(get, path = "/api/health", tag = "health", responses((status = 200, body = Health)))]
async fn health() -> Json<Health> {
    Json(Health { status: "ok".to_string(), version: env!("CARGO_PKG_VERSION").to_string() })
}

/// Whether the host can do work now: 200 when ready, 503 with the same body and a `reason` when not (for
/// instance while app-server restarts, or when it stopped answering its liveness probe).
#[utoipa::path(get, path = "/api/ready", tag = "health", responses(
    (status = 200, body = Readiness), (status = 503, body = Readiness)))]
async fn ready(State(state): State<ApiState>) -> (StatusCode, Json<Readiness>) {
    let body = state.services.readiness().await;
    (if body.ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, Json(body))
}
