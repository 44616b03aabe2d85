//! Requests app-server makes of the user — approvals, tool input, dynamic tool calls, elicitations — as durable
//! records with a host-stable id: `pending → resolved | expired`. The first decision wins (one conditional
//! UPDATE), app-server gets exactly one answer, and what can no longer be answered is expired with a reason.

mod assessment;
mod expiry;
mod intake;
mod kind;
mod registry;
mod responses;
mod worker_policy;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

pub use assessment::{Assessment, NewAssessment, Risk};
pub use kind::{RequestFamily, RequestKind};
pub use worker_policy::WorkerPolicy;
pub use responses::RespondToRequest;

use registry::Registry;
use super::core::Core;
use super::error::{ErrorCode, ErrorKind, ServiceError, ServiceResult};
use super::live::LiveThreads;
use super::plugins::Plugins;
use super::sessions::Sessions;
use crate::events::{envelope_ts, EventFilter, NewEvent};
use crate::store::{RequestFilter, RequestRow, RequestStatus, StoreError};

/// Largest page of requests.
pub const MAX_REQUESTS_PAGE: i64 = 500;

/// A request as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PendingRequest {
    /// Host-stable id (not app-server's JSON-RPC id).
    pub id: String,
    pub session_id: Option<String>,
    pub project_id: Option<String>,
    pub thread_id: Option<String>,
    pub turn_id: Option<String>,
    pub item_id: Option<String>,
    pub kind: RequestKind,
    /// The event family.
    pub family: RequestFamily,
    /// The app-server method that asked.
    pub method: String,
    pub status: RequestStatus,
    /// What app-server sent (command, cwd, reason, availableDecisions, questions, tool and arguments, ...).
    #[schema(value_type = Object)]
    pub params: Value,
    /// The item the request is about, as last seen (for file changes: the diff in `changes`).
    #[schema(value_type = Option<Object>)]
    pub item: Option<Value>,
    /// The decision as recorded (secret answers masked).
    #[schema(schema_with = responses::recorded_decision_schema)]
    pub decision: Option<Value>,
    /// Who decided: the client label (`web`, `cli`, `sdk`, `api`), `plugin:<id>`, or `host` for expiries.
    pub decided_by: Option<String>,
    /// The decision's reason, or why the request expired.
    pub reason: Option<String>,
    pub created_at: String,
    pub resolved_at: Option<String>,
    /// The last judgement a plugin attached while the request was pending (approvals only), shown beside it.
    pub assessment: Option<Assessment>,
}

impl From<RequestRow> for PendingRequest {
    fn from(r: RequestRow) -> Self {
        let kind = RequestKind::parse(&r.kind).unwrap_or(RequestKind::CommandApproval);
        Self {
            id: r.id,
            session_id: r.session_id,
            project_id: r.project_id,
            thread_id: r.thread_id,
            turn_id: r.turn_id,
            item_id: r.item_id,
            kind,
            family: kind.family(),
            method: r.method,
            status: r.status,
            params: serde_json::from_str(&r.params).unwrap_or(Value::Null),
            item: r.context.and_then(|c| serde_json::from_str(&c).ok()),
            decision: r.decision.and_then(|d| serde_json::from_str(&d).ok()),
            decided_by: r.decided_by,
            reason: r.reason,
            created_at: envelope_ts(r.created_at),
            resolved_at: r.resolved_at.map(envelope_ts),
            assessment: r.assessment.and_then(|a| serde_json::from_str(&a).ok()),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    /// Only requests in this status.
    #[param(value_type = Option<RequestStatus>)]
    pub status: Option<String>,
    /// Only requests of this kind.
    #[param(value_type = Option<RequestKind>)]
    pub kind: Option<String>,
    /// Only this session (on `/api/requests`).
    pub session_id: Option<String>,
    /// 1–500, default 100.
    pub limit: Option<i64>,
}

fn request_not_found(id: &str) -> ServiceError {
    ServiceError::not_found(ErrorCode::RequestNotFound, format!("no request `{id}` in this session"))
}

/// The answer for a request that already left `pending`: 409 with the winner, or 410 with the reason.
fn already_settled(row: RequestRow) -> ServiceError {
    let view = PendingRequest::from(row);
    if view.status == RequestStatus::Expired {
        let reason = view.reason.clone().unwrap_or_default();
        ServiceError::new(ErrorKind::Gone, ErrorCode::RequestExpired, format!("the request expired: {reason}"))
            .with_details(json!({"reason": reason}))
    } else {
        ServiceError::conflict(ErrorCode::RequestAlreadyResolved, "another decision was made first")
            .with_details(json!({"decision": view.decision, "decidedBy": view.decided_by, "resolvedAt": view.resolved_at}))
    }
}

/// The pending-request registry and its rules: intake, answers, expiry, and the worker sessions' policies.
pub struct Requests {
    core: Arc<Core>,
    sessions: Arc<Sessions>,
    plugins: Arc<Plugins>,
    /// Read for the item a request is about.
    live: Arc<LiveThreads>,
    /// The connection and JSON-RPC id that answer each request of the running app-server.
    registry: Registry,
    /// Worker session id → how its requests are answered (nobody watches a worker session).
    worker_policies: Mutex<HashMap<String, WorkerPolicy>>,
    /// A handle on itself, for tasks that outlive a call (tool-call deadlines, worker answers).
    me: Weak<Requests>,
}

impl Requests {
    pub(super) fn new(core: Arc<Core>, sessions: Arc<Sessions>, plugins: Arc<Plugins>, live: Arc<LiveThreads>) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            core,
            sessions,
            plugins,
            live,
            registry: Registry::default(),
            worker_policies: Mutex::new(HashMap::new()),
            me: me.clone(),
        })
    }

    /// The kinds of the requests waiting in a thread (what its session's row shows).
    pub(crate) fn waiting_kinds(&self, thread_id: &str) -> Vec<RequestKind> {
        self.registry.kinds_for_thread(thread_id)
    }

    pub async fn list_requests(&self, session_id: Option<&str>, q: RequestQuery) -> ServiceResult<Vec<PendingRequest>> {
        if let Some(s) = session_id {
            self.core.session_row(s).await?;
        }
        let limit = q.limit.unwrap_or(100);
        if !(1..=MAX_REQUESTS_PAGE).contains(&limit) {
            return Err(ServiceError::invalid(format!("`limit` must be between 1 and {MAX_REQUESTS_PAGE}")));
        }
        let status = match q.status.as_deref() {
            Some(s) => Some(RequestStatus::parse(s).ok_or_else(|| ServiceError::invalid("`status` must be pending, resolved or expired"))?),
            None => None,
        };
        if let Some(k) = q.kind.as_deref() {
            RequestKind::parse(k).ok_or_else(|| ServiceError::invalid(format!("unknown request kind `{k}`")))?;
        }
        let filter = RequestFilter {
            session_id: session_id.map(str::to_owned).or(q.session_id),
            status,
            kind: q.kind,
            limit,
        };
        Ok(self.core.store().list_requests(&filter).await?.into_iter().map(PendingRequest::from).collect())
    }

    pub async fn get_request(&self, session_id: &str, request_id: &str) -> ServiceResult<PendingRequest> {
        self.core.session_row(session_id).await?;
        Ok(self.request_in_session(session_id, request_id).await?.into())
    }

    async fn request_in_session(&self, session_id: &str, request_id: &str) -> ServiceResult<RequestRow> {
        match self.core.store().get_request(request_id).await {
            Ok(row) if row.session_id.as_deref() == Some(session_id) => Ok(row),
            Ok(_) | Err(StoreError::NotFound) => Err(request_not_found(request_id)),
            Err(e) => Err(e.into()),
        }
    }

    /// Answer a pending request. Exactly one answer wins; later ones get 409 with the winner, answers to an
    /// expired request 410 with the reason.
    pub async fn respond_to_request(
        &self,
        session_id: &str,
        request_id: &str,
        body: RespondToRequest,
        decided_by: &str,
    ) -> ServiceResult<PendingRequest> {
        let session = self.core.session_row(session_id).await?;
        let row = self.request_in_session(session_id, request_id).await?;
        if row.status == RequestStatus::Pending {
            // Only the owner's app-server is waiting for the answer (and only its registry can tell the request is
            // still askable: here it would look gone, and be expired).
            self.core.hosts().ensure_here(session.owner_host.as_deref()).await?;
        }
        if row.status != RequestStatus::Pending {
            return Err(already_settled(row));
        }
        let kind = RequestKind::parse(&row.kind).ok_or_else(|| ServiceError::invalid("unknown request kind"))?;
        let params: Value = serde_json::from_str(&row.params).unwrap_or(Value::Null);
        let prepared = responses::prepare(kind, &params, &body)?;
        let Some(live) = self.registry.get(request_id) else {
            // Pending in the store but not askable any more (its process is gone): settle it now.
            self.expire_request(request_id, "app-server that asked is no longer running").await;
            return Err(already_settled(self.core.store().get_request(request_id).await?));
        };
        let recorded = prepared.recorded.to_string();
        let won = self.core.store()
            .settle_request(request_id, RequestStatus::Resolved, Some(&recorded), decided_by, body.reason.as_deref())
            .await?;
        if !won {
            return Err(already_settled(self.core.store().get_request(request_id).await?));
        }
        self.registry.remove(request_id);
        // Record the decision before app-server hears it, so the log shows it before what app-server does next.
        let settled = self.core.store().get_request(request_id).await?;
        self.publish_request_event(kind, &settled).await;
        if let Err(e) = live.connection.respond(&live.rpc_id, &prepared.result).await {
            let reason = format!("app-server did not receive the decision ({e})");
            self.core.store().downgrade_to_expired(request_id, &reason).await?;
            self.publish_request_event(kind, &self.core.store().get_request(request_id).await?).await;
            return Err(already_settled(self.core.store().get_request(request_id).await?));
        }
        Ok(settled.into())
    }

    /// Pending requests matching a stream filter, for announcing to a client that just connected.
    pub async fn pending_snapshot(&self, filter: &EventFilter) -> ServiceResult<Vec<PendingRequest>> {
        let rows = self.core.store()
            .list_requests(&RequestFilter { status: Some(RequestStatus::Pending), limit: MAX_REQUESTS_PAGE, ..Default::default() })
            .await?;
        Ok(rows
            .into_iter()
            .filter(|r| filter.sessions.is_empty() || r.session_id.as_ref().is_some_and(|s| filter.sessions.contains(s)))
            .filter(|r| filter.projects.is_empty() || r.project_id.as_ref().is_some_and(|p| filter.projects.contains(p)))
            .map(PendingRequest::from)
            .collect())
    }

    /// `approval.requested`, `tool_input.resolved`, ... (the row's status says which) with the request as data.
    async fn publish_request_event(&self, kind: RequestKind, row: &RequestRow) {
        let view = PendingRequest::from(row.clone());
        let event = NewEvent::new(kind.family().event(row.status), &view)
            .session(row.session_id.as_deref().map(Into::into), row.project_id.as_deref().map(Into::into))
            .turn(row.turn_id.clone());
        self.core.events().publish_committed(event).await;
        // A pending request changes the session's row (its count, its waiting status).
        if let Some(session_id) = &row.session_id {
            self.sessions.publish_session_updated(session_id).await;
        }
    }
}
