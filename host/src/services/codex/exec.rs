//! One command outside any thread (`command/exec`), with a sandbox policy, cwd and timeout. Off unless the host
//! was started with `--enable-exec` (checked in [`Codex::call`]).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::CodexOp;
use crate::services::SandboxMode;
use crate::services::error::{ServiceError, ServiceResult};
use super::Codex;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExecRequest {
    /// argv, e.g. `["ls", "-la"]`.
    pub command: Vec<String>,
    /// Absolute working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Default `read-only`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<SandboxMode>,
    /// Network for a sandboxed command (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_access: Option<bool>,
    /// Default app-server's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// Stream output as `app_server.command/exec/outputDelta` events (base64 chunks) tagged with the answer's
    /// `processId`, instead of collecting it in the answer.
    #[serde(default)]
    pub stream: bool,
}

impl ExecRequest {
    /// `command/exec`'s params; `process_id` names the output events when the output streams.
    fn params(&self, process_id: Option<&str>) -> ServiceResult<Value> {
        if self.command.is_empty() || self.command[0].is_empty() {
            return Err(ServiceError::invalid("`command` must name a program"));
        }
        if self.cwd.as_deref().is_some_and(|cwd| !std::path::Path::new(cwd).is_absolute()) {
            return Err(ServiceError::invalid("`cwd` must be an absolute path"));
        }
        let policy = self.sandbox.unwrap_or(SandboxMode::ReadOnly).policy(self.network_access.unwrap_or(false));
        let mut params = json!({"command": self.command, "sandboxPolicy": policy});
        if let Some(cwd) = &self.cwd {
            params["cwd"] = json!(cwd);
        }
        if let Some(t) = self.timeout_ms {
            params["timeoutMs"] = json!(t);
        }
        if let Some(id) = process_id {
            params["processId"] = json!(id);
            params["streamStdoutStderr"] = json!(true);
        }
        Ok(params)
    }
}

impl Codex {
    /// Run one command and wait for it: `{exitCode, stdout, stderr}` as app-server reports it, with the
    /// `processId` its output events carry when it streams.
    pub async fn exec(&self, req: &ExecRequest) -> ServiceResult<Value> {
        let process_id = req.stream.then(|| format!("exec-{}", uuid::Uuid::now_v7()));
        let params = req.params(process_id.as_deref())?;
        let event = json!({"command": req.command, "processId": process_id});
        let mut result = self.call(CodexOp::CommandExec, params, Some(event), None).await?;
        if let Some(id) = process_id {
            result["processId"] = json!(id);
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ErrorCode;

    fn request(body: Value) -> ExecRequest {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn a_command_runs_read_only_unless_asked_and_streams_under_its_process_id() {
        let p = request(json!({"command": ["ls", "-la"]})).params(None).unwrap();
        assert_eq!(p, json!({"command": ["ls", "-la"], "sandboxPolicy": {"type": "readOnly", "networkAccess": false}}));
        let p = request(json!({"command": ["ls"], "cwd": "/w", "sandbox": "workspace-write", "networkAccess": true, "timeoutMs": 5}))
            .params(Some("exec-1"))
            .unwrap();
        assert_eq!(
            p,
            json!({"command": ["ls"], "cwd": "/w", "timeoutMs": 5, "processId": "exec-1", "streamStdoutStderr": true,
                "sandboxPolicy": {"type": "workspaceWrite", "networkAccess": true}})
        );
    }

    #[test]
    fn no_program_or_a_relative_cwd_is_refused_before_app_server_sees_it() {
        assert_eq!(request(json!({"command": []})).params(None).unwrap_err().code, ErrorCode::InvalidRequest);
        assert_eq!(request(json!({"command": [""]})).params(None).unwrap_err().code, ErrorCode::InvalidRequest);
        assert_eq!(request(json!({"command": ["ls"], "cwd": "w"})).params(None).unwrap_err().code, ErrorCode::InvalidRequest);
    }
}
