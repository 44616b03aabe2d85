//! `/api/events`: the event log over REST, with the same filters and replay rules as the stream.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::ApiQuery;
use crate::api::ApiState;
use crate::events::{EventFilter, Page};

/// Filters shared by `/api/events` and `/api/stream`. Lists are comma-separated.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Only events after this seq (the last one you saw). `/api/stream` without it starts with new events.
    pub since: Option<i64>,
    /// Session ids.
    pub sessions: Option<String>,
    /// Project ids.
    pub projects: Option<String>,
    /// Type prefixes to include, e.g. `turn.,item.completed`.
    pub types: Option<String>,
    /// Type prefixes to leave out, e.g. `item.delta,item.reasoning`.
    pub exclude: Option<String>,
    /// Page size for `/api/events`, 1–5000 (default 500).
    pub limit: Option<i64>,
}

impl EventQuery {
    pub fn filter(&self) -> EventFilter {
        let list = |v: &Option<String>| -> Vec<String> {
            v.as_deref().unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
        };
        EventFilter {
            sessions: list(&self.sessions).into_iter().collect(),
            projects: list(&self.projects).into_iter().collect(),
            types: list(&self.types),
            exclude_types: list(&self.exclude),
        }
    }
}

/// The event envelope (documentation of what `/api/events` and `/api/stream` carry).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventEnvelope {
    /// Strictly increasing across the host.
    pub seq: i64,
    /// RFC 3339 UTC with milliseconds.
    pub ts: String,
    /// `session.*`, `turn.*`, `item.*`, `runtime.*`, `project.*`, ..., or `app_server.<method>`; `reset` on the stream.
    #[serde(rename = "type")]
    pub kind: String,
    pub session_id: Option<String>,
    pub turn_id: Option<String>,
    pub project_id: Option<String>,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// A page of events.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventPage {
    pub events: Vec<EventEnvelope>,
    /// Pass as `since` for the next page (it moves past filtered-out events too).
    pub next_since: i64,
    pub latest_seq: i64,
    /// True when events after `since` were pruned: re-read state over REST, then continue from `nextSince`.
    pub reset: bool,
}

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(list))
}

/// Events after `since`, oldest first, filtered.
#[utoipa::path(get, path = "/api/events", tag = "events", params(EventQuery), responses(
    (status = 200, body = EventPage), (status = 400, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
async fn list(State(s): State<ApiState>, ApiQuery(q): ApiQuery<EventQuery>) -> ApiResult<Response> {
    Ok(page_response(&s.services.events().event_page(q.since, q.limit, &q.filter()).await?))
}

/// Envelopes are already JSON: splice them in rather than parse and re-serialize each.
fn page_response(page: &Page) -> Response {
    let Page { events, next_since, latest_seq, reset } = page;
    let mut body = String::with_capacity(64 + events.iter().map(|e| e.json.len() + 1).sum::<usize>());
    body.push_str("{\"events\":[");
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(e.json_str());
    }
    body.push_str(&format!("],\"nextSince\":{next_since},\"latestSeq\":{latest_seq},\"reset\":{reset}}}"));
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}
