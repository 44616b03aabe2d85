//! Feedback to OpenAI through codex (`feedback/upload`), with logs and a session's thread when asked.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::CodexOp;
use crate::services::error::{ServiceError, ServiceResult};
use super::Codex;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Feedback {
    /// `bug`, `good_result`, `bad_result`, ...
    pub classification: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Attach the session's thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(default)]
    pub include_logs: bool,
}

impl Codex {
    pub async fn send_feedback(&self, req: &Feedback) -> ServiceResult<Value> {
        if req.classification.trim().is_empty() || req.classification.len() > 100 {
            return Err(ServiceError::invalid("`classification` must be 1-100 characters"));
        }
        let mut params = json!({"classification": req.classification, "reason": req.reason, "includeLogs": req.include_logs});
        if let Some(sid) = &req.session_id {
            params["threadId"] = json!(self.core.session_row(sid).await?.thread_id);
        }
        let event = json!({"classification": req.classification});
        self.call(CodexOp::FeedbackUpload, params, Some(event), req.session_id.as_deref()).await
    }
}
