//! `/api/capabilities`: which parts of the Codex surface the connected codex supports, and `/api/feedback`.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::error::{ApiResult, ErrorResponse};
use crate::api::extract::ApiJson;
use crate::api::ApiState;
use crate::appserver::version::{self, CodexVersion};
use crate::services::{CapabilityGroup, CodexOp, ServiceError};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityReport {
    pub codex: CodexVersion,
    /// False until the installed codex's schema was read (shortly after app-server first starts).
    pub known: bool,
    /// Per group: whether its routes can work now (`exec` also needs `--enable-exec`).
    pub groups: BTreeMap<String, bool>,
    /// Every client method the installed codex serves.
    pub methods: Vec<String>,
}

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

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(capabilities)).routes(routes!(feedback))
}

/// What the connected codex supports, by route group, so clients can grey out what is missing.
#[utoipa::path(get, path = "/api/capabilities", tag = "capabilities", responses((status = 200, body = CapabilityReport)))]
async fn capabilities(State(s): State<ApiState>) -> Json<CapabilityReport> {
    let caps = s.services.capabilities();
    let mut groups = BTreeMap::new();
    for group in CapabilityGroup::ALL {
        let methods: Vec<&str> = all_ops().filter(|op| op.spec().1 == group).map(|op| op.spec().0).collect();
        let supported = caps.as_ref().is_some_and(|c| methods.iter().all(|m| c.supports(m)));
        let enabled = group != CapabilityGroup::Exec || s.services.exec_enabled();
        let name = serde_json::to_value(group).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        groups.insert(name, supported && enabled);
    }
    Json(CapabilityReport {
        codex: version::compare(s.services.runtime().state().user_agent.as_deref()),
        known: caps.is_some(),
        groups,
        methods: caps.map(|c| c.methods.into_iter().collect()).unwrap_or_default(),
    })
}

fn all_ops() -> impl Iterator<Item = CodexOp> {
    use CodexOp::*;
    [
        AccountRead, AccountLoginStart, AccountLoginCancel, AccountLogout, AccountRateLimits, AccountUsage, ModelList,
        ModelProviderList, ConfigRead, ConfigValueWrite, ConfigBatchWrite, ConfigRequirements, McpStatusList, McpReload,
        McpOauthLogin, SkillsList, SkillsConfigWrite, HooksList, FeaturesList, FeatureEnablementSet,
        CollaborationModesList, ReviewStart, CompactStart, Revert, BackgroundTerminalsClean, ShellCommand, CommandExec,
        FeedbackUpload,
    ]
    .into_iter()
}

/// Send feedback (with logs, and the session's thread if named) to OpenAI through codex.
#[utoipa::path(post, path = "/api/feedback", tag = "capabilities", request_body = Feedback, responses(
    (status = 200, body = Object), (status = 404, body = ErrorResponse), (status = 502, body = ErrorResponse, description = "no network or no account")))]
async fn feedback(State(s): State<ApiState>, ApiJson(req): ApiJson<Feedback>) -> ApiResult<Json<Value>> {
    if req.classification.trim().is_empty() || req.classification.len() > 100 {
        return Err(ServiceError::invalid("`classification` must be 1-100 characters").into());
    }
    let mut params = json!({"classification": req.classification, "reason": req.reason, "includeLogs": req.include_logs});
    if let Some(sid) = &req.session_id {
        params["threadId"] = json!(s.services.get_session(sid).await?.thread_id);
    }
    Ok(Json(s.services.codex(CodexOp::FeedbackUpload, params, Some(json!({"classification": req.classification})), req.session_id.as_deref()).await?))
}
