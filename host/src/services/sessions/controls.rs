//! Session controls: model, reasoning effort, approval policy, sandbox, network. A session's own controls
//! overlay the host-wide defaults; the effective set goes with every `turn/start`, so a change takes effect on
//! the next turn.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use super::Sessions;
use crate::events::{EventType, NewEvent};
use crate::services::error::{ServiceError, ServiceResult};

/// Host setting key under which the default controls are stored.
const DEFAULTS_KEY: &str = "session_controls_defaults";

/// The host-wide default controls, read from the store once and then kept: every send reads them (twice when it
/// resumes the thread first), and [`Sessions::set_default_controls`](super::Sessions::set_default_controls) is the only writer, which updates both.
#[derive(Default)]
pub(super) struct DefaultControls {
    /// None until first read. Held across the store read and write, so a read never caches a value a concurrent
    /// write has replaced.
    cached: tokio::sync::Mutex<Option<SessionControls>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ApprovalPolicy {
    Untrusted,
    OnRequest,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SandboxMode {
    ReadOnly,
    WorkspaceWrite,
    DangerFullAccess,
}

impl SandboxMode {
    /// The `sandboxPolicy` object app-server takes for this mode (`turn/start`, `command/exec`).
    pub fn policy(self, network_access: bool) -> Value {
        match self {
            SandboxMode::ReadOnly => json!({"type": "readOnly", "networkAccess": network_access}),
            SandboxMode::WorkspaceWrite => json!({"type": "workspaceWrite", "networkAccess": network_access}),
            SandboxMode::DangerFullAccess => json!({"type": "dangerFullAccess"}),
        }
    }
}

/// Per-session (or default) controls. An absent field inherits: session → defaults → app-server's config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionControls {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// A reasoning effort the model advertises (`low`, `medium`, `high`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_policy: Option<ApprovalPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<SandboxMode>,
    /// Network access for sandboxed commands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_access: Option<bool>,
}

/// A session's controls: its own, the defaults, and what the next turn will use.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ControlsView {
    pub own: SessionControls,
    pub defaults: SessionControls,
    pub effective: SessionControls,
}

impl SessionControls {
    pub fn validate(&self) -> ServiceResult<()> {
        let bad = |field: &str| ServiceError::invalid(format!("`{field}` must be a non-empty string of at most 200 characters"));
        let too_long = |v: &str| v.trim().is_empty() || v.chars().count() > 200;
        if self.model.as_deref().is_some_and(too_long) {
            return Err(bad("model"));
        }
        if self.reasoning_effort.as_deref().is_some_and(too_long) {
            return Err(bad("reasoningEffort"));
        }
        Ok(())
    }

    /// `self` with unset fields taken from `base`.
    pub fn overlay(&self, base: &SessionControls) -> SessionControls {
        SessionControls {
            model: self.model.clone().or_else(|| base.model.clone()),
            reasoning_effort: self.reasoning_effort.clone().or_else(|| base.reasoning_effort.clone()),
            approval_policy: self.approval_policy.or(base.approval_policy),
            sandbox: self.sandbox.or(base.sandbox),
            network_access: self.network_access.or(base.network_access),
        }
    }

    pub fn from_json(text: &str) -> SessionControls {
        serde_json::from_str(text).unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("controls serialize")
    }

    /// Params for `thread/start` / `thread/resume` / `thread/fork`.
    pub fn thread_params(&self, params: &mut Map<String, Value>) {
        if let Some(m) = &self.model {
            params.insert("model".into(), json!(m));
        }
        if let Some(a) = self.approval_policy {
            params.insert("approvalPolicy".into(), json!(a));
        }
        if let Some(s) = self.sandbox {
            params.insert("sandbox".into(), json!(s));
        }
    }

    /// Params for `turn/start`: the thread-level spelling of the sandbox becomes a `sandboxPolicy` object.
    /// `current` is the policy app-server reported for the thread, used when only `networkAccess` is set.
    pub fn turn_params(&self, params: &mut Map<String, Value>, current: Option<&Value>) {
        if let Some(m) = &self.model {
            params.insert("model".into(), json!(m));
        }
        if let Some(e) = &self.reasoning_effort {
            params.insert("effort".into(), json!(e));
        }
        if let Some(a) = self.approval_policy {
            params.insert("approvalPolicy".into(), json!(a));
        }
        let network = self.network_access.unwrap_or(false);
        let policy = match self.sandbox {
            Some(mode) => Some(mode.policy(network)),
            // Only the network switch is set: apply it to the thread's own policy where that has one.
            None => match (self.network_access, current) {
                (Some(on), Some(policy)) if matches!(policy.get("type").and_then(Value::as_str), Some("readOnly" | "workspaceWrite")) => {
                    let mut p = policy.clone();
                    p["networkAccess"] = json!(on);
                    Some(p)
                }
                _ => None,
            },
        };
        if let Some(p) = policy {
            params.insert("sandboxPolicy".into(), p);
        }
    }
}

impl Sessions {
    pub async fn default_controls(&self) -> ServiceResult<SessionControls> {
        let mut cached = self.default_controls.cached.lock().await;
        if let Some(controls) = cached.as_ref() {
            return Ok(controls.clone());
        }
        let controls = self.core.store().get_host_setting(DEFAULTS_KEY).await?.map(|t| SessionControls::from_json(&t)).unwrap_or_default();
        *cached = Some(controls.clone());
        Ok(controls)
    }

    pub async fn set_default_controls(&self, controls: SessionControls) -> ServiceResult<SessionControls> {
        controls.validate()?;
        {
            let mut cached = self.default_controls.cached.lock().await;
            self.core.store().put_host_setting(DEFAULTS_KEY, &controls.to_json()).await?;
            *cached = Some(controls.clone());
        }
        self.core.events().publish_committed(NewEvent::new(EventType::ControlsDefaultsUpdated, &controls)).await;
        Ok(controls)
    }

    pub async fn session_controls(&self, session_id: &str) -> ServiceResult<ControlsView> {
        let row = self.core.session_row(session_id).await?;
        let own = SessionControls::from_json(&row.controls);
        let defaults = self.default_controls().await?;
        let effective = own.overlay(&defaults);
        Ok(ControlsView { own, defaults, effective })
    }

    pub async fn set_session_controls(&self, session_id: &str, controls: SessionControls) -> ServiceResult<ControlsView> {
        controls.validate()?;
        let row = self.core.session_row(session_id).await?;
        let patch = crate::store::SessionPatch { controls: Some(controls.to_json()), ..Default::default() };
        self.core.store().update_session(&row.id, &patch).await?;
        let view = self.session_controls(session_id).await?;
        self.core.events()
            .publish_committed(NewEvent::new(EventType::SessionControlsUpdated, &view).session(Some(row.id.as_str().into()), row.project_id.as_deref().map(Into::into)))
            .await;
        self.publish_session_updated(&row.id).await;
        Ok(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_prefers_the_session_and_sandbox_becomes_a_policy() {
        let own = SessionControls { sandbox: Some(SandboxMode::WorkspaceWrite), network_access: Some(true), ..Default::default() };
        let defaults = SessionControls { model: Some("m".into()), sandbox: Some(SandboxMode::ReadOnly), ..Default::default() };
        let eff = own.overlay(&defaults);
        assert_eq!(eff.model.as_deref(), Some("m"));
        assert_eq!(eff.sandbox, Some(SandboxMode::WorkspaceWrite));
        let mut p = Map::new();
        eff.turn_params(&mut p, None);
        assert_eq!(p["sandboxPolicy"], json!({"type": "workspaceWrite", "networkAccess": true}));
        let network_only = SessionControls { network_access: Some(true), ..Default::default() };
        let mut p = Map::new();
        network_only.turn_params(&mut p, Some(&json!({"type": "workspaceWrite", "writableRoots": ["/w"], "networkAccess": false})));
        assert_eq!(p["sandboxPolicy"], json!({"type": "workspaceWrite", "writableRoots": ["/w"], "networkAccess": true}));
        let mut t = Map::new();
        eff.thread_params(&mut t);
        assert_eq!(t["sandbox"], json!("workspace-write"));
    }

    #[test]
    fn unknown_fields_and_values_are_refused() {
        assert!(serde_json::from_str::<SessionControls>(r#"{"sandbox":"workspaceWrite"}"#).is_err());
        assert!(serde_json::from_str::<SessionControls>(r#"{"colour":"red"}"#).is_err());
        assert!(serde_json::from_str::<SessionControls>(r#"{"approvalPolicy":"on-failure"}"#).is_err());
    }
}
