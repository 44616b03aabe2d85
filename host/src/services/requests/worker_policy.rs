//! Worker sessions have nobody watching them: what their turns ask is answered at once by the plugin's policy
//! (decline unless it said accept), never left pending.

use serde_json::{json, Value};

use super::kind::{RequestFamily, RequestKind};
use super::{Requests, RespondToRequest};
use crate::services::error::ErrorKind;

/// How the host answers what a worker turn asks.
#[derive(Debug, Clone)]
pub struct WorkerPolicy {
    pub plugin_id: String,
    /// The job whose turn runs on the session now (one turn at a time per worker session).
    pub job_id: String,
    pub accept: bool,
    /// Why the answer is not the plugin's own policy (a routine's session asks for approvals), for the decision's
    /// reason.
    pub overridden: Option<String>,
}

impl Requests {
    /// From now on, `session_id`'s requests are answered by `policy`.
    pub(crate) fn answer_as_worker(&self, session_id: &str, policy: WorkerPolicy) {
        self.worker_policies.lock().expect("worker policies poisoned").insert(session_id.to_string(), policy);
    }

    /// How a worker session's requests are answered, when it is a worker session this host ran turns on.
    pub(super) fn worker_policy(&self, session_id: &str) -> Option<WorkerPolicy> {
        self.worker_policies.lock().expect("worker policies poisoned").get(session_id).cloned()
    }

    /// A request from a worker session is answered at once by its plugin's policy (decline unless it said
    /// accept). Worker sessions have no one watching them.
    pub(super) async fn answer_for_worker(&self, session_id: &str, request_id: &str, kind: RequestKind, policy: WorkerPolicy) {
        let reason = match &policy.overridden {
            Some(why) => format!("worker session of plugin `{}`: declined, {why}", policy.plugin_id),
            None => format!("worker session of plugin `{}`: its policy is to {}", policy.plugin_id, if policy.accept { "accept" } else { "decline" }),
        };
        let body = match kind.family() {
            RequestFamily::Approval => json!({"decision": if policy.accept { "accept" } else { "decline" }, "reason": reason}),
            RequestFamily::ToolCall => json!({"text": "worker sessions serve no tools", "success": false, "reason": reason}),
            _ if kind == RequestKind::Elicitation => json!({"action": "decline", "reason": reason}),
            _ => {
                let Ok(row) = self.core.store().get_request(request_id).await else { return };
                let params: Value = serde_json::from_str(&row.params).unwrap_or(Value::Null);
                let answers: serde_json::Map<String, Value> = params
                    .get("questions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|q| q.get("id").and_then(Value::as_str))
                    .map(|id| (id.to_string(), json!("No one can answer: this is a background worker turn. Decide without asking.")))
                    .collect();
                json!({"answers": answers, "reason": reason})
            }
        };
        let by = format!("worker-policy:{}", policy.plugin_id);
        let body: RespondToRequest = match serde_json::from_value(body) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "could not build a worker policy answer");
                return;
            }
        };
        if let Err(e) = self.respond_to_request(session_id, request_id, body, &by).await {
            if e.kind != ErrorKind::Conflict && e.kind != ErrorKind::Gone {
                tracing::warn!(session = session_id, request = request_id, error = %e, "worker policy could not answer a request");
            }
        }
    }
}
