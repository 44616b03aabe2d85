//! The hosts on the store: `/api/hosts`.

use axum::extract::State;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::ApiResult;
use crate::api::ApiState;
use crate::services::HostList;

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(list))
}

/// Every host that runs on this store (several share a PostgreSQL database; SQLite has one), with whether each is
/// online (its heartbeat is recent), and which one answered. A session's `owner` names one of them.
#[utoipa::path(get, path = "/api/hosts", tag = "hosts", responses((status = 200, body = HostList)))]
async fn list(State(s): State<ApiState>) -> ApiResult<Json<HostList>> {
    Ok(Json(s.services.hosts().list().await?))
}
