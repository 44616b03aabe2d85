//! A server request arrives: record it, announce it, and (for dynamic tool calls) start its answer deadline.
//! Requests that are not the user's to answer are declined at once, so app-server never waits on them.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::Requests;
use super::kind::{RequestFamily, RequestKind};
use super::registry::LiveRequest;
use super::responses;
use crate::appserver::{lenient, Connection, RequestId};
use crate::events::{EventType, NewEvent};
use crate::store::{now_ms, RequestRow, RequestStatus};

/// JSON-RPC error code used when the host declines a server request it does not serve.
pub const DECLINED_REQUEST_CODE: i64 = -32000;
/// How long a dynamic tool call waits for its API client when the session set no timeout.
pub const DEFAULT_TOOL_CALL_TIMEOUT: Duration = Duration::from_secs(300);

/// Each id on its own (`lenient::string_or_none`): one of another type is `None`, and the others still place the
/// request in its session and turn.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RequestIds {
    #[serde(default, deserialize_with = "lenient::string_or_none")]
    thread_id: Option<String>,
    /// Legacy v1 requests name the thread `conversationId`.
    #[serde(default, deserialize_with = "lenient::string_or_none")]
    conversation_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_or_none")]
    turn_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_or_none")]
    item_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_or_none")]
    call_id: Option<String>,
}

impl Requests {
    pub(crate) async fn on_server_request(
        &self,
        connection: Arc<Connection>,
        rpc_id: RequestId,
        method: &str,
        params: Option<Box<RawValue>>,
    ) {
        let params: Value = params.as_deref().and_then(|p| serde_json::from_str(p.get()).ok()).unwrap_or(Value::Null);
        let Some(kind) = RequestKind::classify(method, &params) else {
            let reason = format!("Codex Manager does not serve `{method}` requests; the request was declined");
            self.decline(&connection, rpc_id, method, params, reason).await;
            return;
        };
        let broken = self.core.app_server().protocol_gate().declined_request(method);
        if !broken.is_empty() {
            let facts: Vec<String> = broken.iter().map(ToString::to_string).collect();
            let reason = format!(
                "the running codex changed `{method}` requests in a way Codex Manager does not support ({}); the request was declined",
                facts.join("; ")
            );
            self.decline(&connection, rpc_id, method, params, reason).await;
            return;
        }
        let ids: RequestIds = serde_json::from_value(params.clone()).unwrap_or_default();
        if kind == RequestKind::ToolCall && self.serve_plugin_tool(&connection, &rpc_id, &params, &ids).await {
            return;
        }
        let thread_id = ids.thread_id.or(ids.conversation_id);
        let item_id = ids.item_id.or(ids.call_id);
        let session = thread_id.as_deref().and_then(|t| self.sessions.session_of_thread(t));
        let item = match (&thread_id, &item_id) {
            (Some(t), Some(i)) => self.live.open_item(t, i),
            _ => None,
        };
        let id = uuid::Uuid::now_v7().to_string();
        let row = RequestRow {
            id: id.clone(),
            session_id: session.as_ref().map(|s| s.session_id.to_string()),
            project_id: session.as_ref().and_then(|s| s.project_id.as_deref().map(str::to_owned)),
            thread_id: thread_id.clone(),
            turn_id: ids.turn_id.clone(),
            item_id,
            kind: kind.as_str().to_string(),
            method: method.to_string(),
            generation: connection.generation() as i64,
            rpc_id: serde_json::to_string(&rpc_id).unwrap_or_default(),
            params: params.to_string(),
            context: item,
            status: RequestStatus::Pending,
            decision: None,
            decided_by: None,
            reason: None,
            created_at: now_ms(),
            resolved_at: None,
            assessment: None,
        };
        if let Err(e) = self.core.store().insert_request(&row).await {
            // Without a record nobody could answer it: decline now rather than leave app-server waiting.
            tracing::error!(error = %e, method, "could not record a server request; declining it");
            let reason = "Codex Manager could not record the request (its store failed), so nobody could answer it; the request was declined".to_string();
            self.decline(&connection, rpc_id, method, params, reason).await;
            return;
        }
        self.registry.insert(
            id.clone(),
            LiveRequest {
                connection,
                rpc_id,
                kind,
                session_id: session.as_ref().map(|s| s.session_id.clone()),
                thread_id,
                turn_id: ids.turn_id,
            },
        );
        self.publish_request_event(kind, &row).await;
        // An approval means the user is needed: the session's follow-ups wait until they resume the queue.
        if let (RequestFamily::Approval, Some(session_id)) = (kind.family(), row.session_id.as_deref()) {
            self.sessions.followup_board().approval(session_id, &id, row.turn_id.as_deref());
        }
        if let (Some(session_id), Some(me)) = (row.session_id.clone(), self.me.upgrade()) {
            // Worker sessions have nobody watching: their plugin's policy answers (beside the reader, not in its way).
            if let Some(policy) = self.worker_policy(&session_id) {
                let request_id = id.clone();
                tokio::spawn(async move {
                    me.answer_for_worker(&session_id, &request_id, kind, policy).await;
                });
                return;
            }
        }
        if kind == RequestKind::ToolCall {
            self.start_tool_call_deadline(id, row.session_id.as_deref()).await;
        }
    }

    /// A call to a tool a plugin offers is answered by the plugin, not by an API client. Returns false when no
    /// enabled plugin offers the tool (the call then waits for a client like any other).
    async fn serve_plugin_tool(&self, connection: &Arc<Connection>, rpc_id: &RequestId, params: &Value, ids: &RequestIds) -> bool {
        let Some(tool) = params.get("tool").and_then(Value::as_str) else { return false };
        let session = ids.thread_id.as_deref().and_then(|t| self.sessions.session_of_thread(t));
        // A session's own tool wins a name clash (as when the thread's tools were registered).
        if let Some(s) = &session {
            let own = self.core.store().get_session(&s.session_id).await.ok().and_then(|r| r.dynamic_tools).unwrap_or_default();
            let own: Vec<Value> = serde_json::from_str(&own).unwrap_or_default();
            if own.iter().any(|t| t.get("name").and_then(Value::as_str) == Some(tool)) {
                return false;
            }
        }
        let arguments = params.get("arguments").map(Value::to_string).unwrap_or_else(|| "{}".into());
        let plugins = self.plugins.clone();
        let connection = connection.clone();
        let rpc_id = rpc_id.clone();
        let tool = tool.to_string();
        let session_id = session.as_ref().map(|s| s.session_id.to_string());
        if !plugins.tools().iter().any(|t| t.name == tool) {
            return false;
        }
        // A worker turn's tool call belongs to the job that runs the turn: its plugin is told which.
        let worker_job = session_id.as_deref().and_then(|s| self.worker_policy(s)).map(|p| (p.plugin_id, p.job_id));
        // The plugin runs beside the relay, so a slow tool never holds up the event stream.
        tokio::spawn(async move {
            let result = match plugins.call_tool(&tool, &arguments, session_id.as_deref(), worker_job.as_ref().map(|(p, j)| (p.as_str(), j.as_str()))).await {
                Some(Ok(output)) => json!({"contentItems": [{"type": "inputText", "text": output}], "success": true}),
                Some(Err(e)) => json!({"contentItems": [{"type": "inputText", "text": e}], "success": false}),
                None => json!({"contentItems": [{"type": "inputText", "text": "the plugin that offered this tool is gone"}], "success": false}),
            };
            if let Err(e) = connection.respond(&rpc_id, &result).await {
                tracing::warn!(error = %e, tool, "could not answer a plugin tool call");
            }
        });
        true
    }

    /// A dynamic tool call fails cleanly back to Codex when its client does not answer within the session's
    /// timeout.
    async fn start_tool_call_deadline(&self, id: String, session_id: Option<&str>) {
        let timeout = match session_id {
            Some(s) => self.core.store().get_session(s).await.ok().and_then(|r| r.tool_call_timeout_ms),
            None => None,
        }
        .map(|ms| Duration::from_millis(ms as u64))
        .unwrap_or(DEFAULT_TOOL_CALL_TIMEOUT);
        let Some(services) = self.me.upgrade() else { return };
        tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            let live = services.registry.get(&id);
            let reason = format!("no answer within {} ms", timeout.as_millis());
            if services.expire_request(&id, &reason).await {
                if let Some(live) = live {
                    let result = responses::tool_call_timeout(timeout.as_millis() as u64);
                    if let Err(e) = live.connection.respond(&live.rpc_id, &result).await {
                        tracing::warn!(error = %e, "could not fail a timed-out tool call back to app-server");
                    }
                }
            }
        });
    }

    async fn decline(&self, connection: &Connection, rpc_id: RequestId, method: &str, params: Value, reason: String) {
        if let Err(e) = connection.respond_error(&rpc_id, DECLINED_REQUEST_CODE, reason.clone()).await {
            tracing::warn!(error = %e, method, "could not answer a server request");
        }
        let ids: RequestIds = serde_json::from_value(params.clone()).unwrap_or_default();
        let session = ids.thread_id.as_deref().and_then(|t| self.sessions.session_of_thread(t));
        let data = json!({"method": method, "requestId": rpc_id, "params": params, "reason": reason});
        let event = NewEvent::new(EventType::AppServerRequestDeclined, data)
            .session(session.as_ref().map(|s| s.session_id.clone()), session.and_then(|s| s.project_id))
            .turn(ids.turn_id);
        self.core.events().publish_committed(event).await;
    }
}
