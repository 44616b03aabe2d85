//! Operations on a session's thread: review, compact, revert, clean background terminals, run a user shell
//! command. Each checks what the host can check, loads the thread if needed ([`Sessions::loaded_thread`]), and is
//! recorded as a `session.*` event tagged with the session.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::Codex;
use super::CodexOp;
use crate::services::error::{ServiceError, ServiceResult};
use crate::services::sessions::Sessions;

/// Longest user shell command accepted, in bytes.
const MAX_SHELL_COMMAND_LEN: usize = 64 * 1024;

/// What to review.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum ReviewTarget {
    /// Staged, unstaged and untracked changes.
    UncommittedChanges,
    /// The current branch against a base branch.
    BaseBranch { branch: String },
    /// One commit.
    Commit { sha: String },
    /// Free-form instructions.
    Custom { instructions: String },
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartReview {
    pub target: ReviewTarget,
    /// `inline` (in this session, the default) or `detached` (a separate review thread).
    #[serde(default)]
    pub delivery: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Revert {
    /// History is cut back to before this turn (files are not reverted).
    pub before_turn_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShellCommand {
    /// Runs unsandboxed, as the user would type `!command`.
    pub command: String,
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

impl StartReview {
    /// The delivery app-server is asked for: `inline` unless the caller chose `detached`.
    fn delivery(&self) -> ServiceResult<&'static str> {
        match self.delivery.as_deref() {
            None | Some("inline") => Ok("inline"),
            Some("detached") => Ok("detached"),
            Some(other) => Err(ServiceError::invalid(format!("`delivery` must be inline or detached, not `{other}`"))),
        }
    }
}

impl ShellCommand {
    fn check(&self) -> ServiceResult<()> {
        if self.command.trim().is_empty() || self.command.len() > MAX_SHELL_COMMAND_LEN {
            return Err(ServiceError::invalid("`command` must be 1 to 65536 bytes"));
        }
        Ok(())
    }

    /// `thread/shellCommand`'s params on `thread`.
    fn params(&self, thread: &str) -> Value {
        let mut params = json!({"threadId": thread, "command": self.command});
        if let Some(t) = self.timeout_ms {
            params["timeoutMs"] = json!(t);
        }
        params
    }
}

/// Codex's operations on a session's thread (review, compact, revert, background terminals, shell command): the
/// session's thread is loaded first (under the session's lock), then the operation runs on the Codex surface.
pub struct ThreadOps {
    sessions: Arc<Sessions>,
    codex: Arc<Codex>,
}

impl ThreadOps {
    pub(in crate::services) fn new(sessions: Arc<Sessions>, codex: Arc<Codex>) -> Self {
        Self { sessions, codex }
    }

    /// Start a code review turn (the built-in reviewer). A bad `delivery` is refused before the thread loads.
    pub async fn start_review(&self, session_id: &str, req: &StartReview) -> ServiceResult<Value> {
        let delivery = req.delivery()?;
        let thread = self.sessions.loaded_thread(session_id).await?;
        let params = json!({"threadId": thread, "target": req.target, "delivery": delivery});
        let event = json!({"target": req.target, "delivery": delivery});
        self.codex.call(CodexOp::ReviewStart, params, Some(event), Some(session_id)).await
    }

    pub async fn compact(&self, session_id: &str) -> ServiceResult<Value> {
        let thread = self.sessions.loaded_thread(session_id).await?;
        self.codex.call(CodexOp::CompactStart, json!({"threadId": thread}), None, Some(session_id)).await
    }

    pub async fn revert(&self, session_id: &str, req: &Revert) -> ServiceResult<Value> {
        let thread = self.sessions.loaded_thread(session_id).await?;
        let params = json!({"threadId": thread, "beforeTurnId": req.before_turn_id});
        self.codex.call(CodexOp::Revert, params, Some(json!({"beforeTurnId": req.before_turn_id})), Some(session_id)).await
    }

    pub async fn clean_background_terminals(&self, session_id: &str) -> ServiceResult<Value> {
        let thread = self.sessions.loaded_thread(session_id).await?;
        self.codex.call(CodexOp::BackgroundTerminalsClean, json!({"threadId": thread}), None, Some(session_id)).await
    }

    /// Run a user shell command in the session. An empty or oversized command is refused before the thread loads.
    pub async fn shell_command(&self, session_id: &str, req: &ShellCommand) -> ServiceResult<Value> {
        req.check()?;
        let thread = self.sessions.loaded_thread(session_id).await?;
        self.codex.call(CodexOp::ShellCommand, req.params(&thread), Some(json!({"command": req.command})), Some(session_id)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ErrorCode;

    fn review(body: Value) -> StartReview {
        serde_json::from_value(body).unwrap()
    }

    fn shell(body: Value) -> ShellCommand {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn a_review_is_delivered_inline_unless_detached_is_asked() {
        let target = json!({"type": "uncommittedChanges"});
        assert_eq!(review(json!({"target": target})).delivery().unwrap(), "inline");
        assert_eq!(review(json!({"target": target, "delivery": "inline"})).delivery().unwrap(), "inline");
        assert_eq!(review(json!({"target": target, "delivery": "detached"})).delivery().unwrap(), "detached");
        let err = review(json!({"target": target, "delivery": "elsewhere"})).delivery().unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidRequest);
        assert!(err.message.contains("`elsewhere`"), "{}", err.message);
    }

    #[test]
    fn a_review_target_is_spelled_as_app_server_takes_it() {
        let req = review(json!({"target": {"type": "baseBranch", "branch": "main"}}));
        assert_eq!(json!(req.target), json!({"type": "baseBranch", "branch": "main"}));
    }

    #[test]
    fn a_shell_command_carries_its_timeout_only_when_given() {
        assert_eq!(shell(json!({"command": "ls"})).params("t1"), json!({"threadId": "t1", "command": "ls"}));
        assert_eq!(
            shell(json!({"command": "ls", "timeoutMs": 5})).params("t1"),
            json!({"threadId": "t1", "command": "ls", "timeoutMs": 5})
        );
    }

    #[test]
    fn a_blank_or_oversized_shell_command_is_refused() {
        for command in [String::new(), " \n".into(), "x".repeat(MAX_SHELL_COMMAND_LEN + 1)] {
            assert_eq!(shell(json!({"command": command})).check().unwrap_err().code, ErrorCode::InvalidRequest);
        }
        assert!(shell(json!({"command": "x".repeat(MAX_SHELL_COMMAND_LEN)})).check().is_ok());
    }
}
