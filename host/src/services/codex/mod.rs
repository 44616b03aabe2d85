//! The rest of the Codex surface — account, models, config, MCP, skills, hooks, features, collaboration modes,
//! thread operations, one-off command execution, feedback — as one table of operations over app-server.
//!
//! Each [`CodexOp`] names the app-server method it calls, the capability group it belongs to (so clients can grey
//! out what the connected codex lacks), and, for operations that change state, the event that records the change.
//! Each request body is typed beside the service method that checks it and builds app-server's params from it
//! (`account`, `catalog`, `config`, `exec`, `feedback`, `thread_ops`); the routes only parse and call.

mod account;
mod capabilities;
mod catalog;
mod config;
mod exec;
mod feedback;
pub(super) mod mistakes;
mod thread_ops;
mod watch;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

pub use account::LoginRequest;
pub use capabilities::{Capabilities, CapabilityGroup, CapabilityReport};
pub use catalog::{FeatureEnablement, HookState, McpLogin, ModelQuery, SkillEnablement};
pub use config::{ConfigBatch, ConfigEdit, MergeStrategy};
pub use exec::ExecRequest;
pub use feedback::Feedback;
pub use thread_ops::{ReviewTarget, Revert, ShellCommand, StartReview, ThreadOps};

use super::core::Core;
use super::error::{ErrorCode, ErrorKind, ServiceError, ServiceResult};
use crate::appserver::drift::Call;
use crate::appserver::RpcError;
use crate::events::{EventType, NewEvent};

/// Defines [`CodexOp`] from one table, so the list of every operation ([`CodexOp::ALL`], which the capability
/// report reads) cannot drift from the operations themselves. A row: the app-server method, the capability group, the
/// event a success records, and every top-level param the operation's request builder may send (a debug build
/// checks each call against it, and the drift guard checks app-server requires no other).
macro_rules! codex_ops {
    ($($op:ident => ($method:literal, $group:ident, $event:expr, [$($param:literal),*]),)*) => {
        /// An operation on the Codex surface.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum CodexOp {
            $($op,)*
        }

        impl CodexOp {
            /// Every operation, in the table's order.
            pub const ALL: &'static [CodexOp] = &[$(Self::$op,)*];

            /// Every app-server method the operations call (what the drift guard checks exists).
            pub const METHODS: &'static [&'static str] = &[$($method,)*];

            /// Every app-server method the operations call with the top-level params each may send: the drift
            /// guard checks the method exists and that app-server requires nothing more of it.
            pub const CALLS: &'static [Call] = &[$(Call { method: $method, sends: &[$($param),*] },)*];

            /// The params this operation may send (top level).
            pub fn sends(self) -> &'static [&'static str] {
                Self::CALLS[self as usize].sends
            }

            /// The app-server method, the capability group, and the event a successful call records (writes only).
            pub const fn spec(self) -> (&'static str, CapabilityGroup, Option<EventType>) {
                match self {
                    $(Self::$op => ($method, CapabilityGroup::$group, $event),)*
                }
            }
        }
    };
}

codex_ops! {
    AccountRead => ("account/read", Account, None, []),
    AccountLoginStart => ("account/login/start", AccountLogin, Some(EventType::AccountLoginStarted), ["type", "apiKey"]),
    AccountLoginCancel => ("account/login/cancel", AccountLogin, Some(EventType::AccountLoginCanceled), ["loginId"]),
    AccountLogout => ("account/logout", Account, Some(EventType::AccountLoggedOut), []),
    AccountRateLimits => ("account/rateLimits/read", Account, None, []),
    AccountUsage => ("account/usage/read", Account, None, []),
    ModelList => ("model/list", Models, None, ["includeHidden", "modelProvider", "limit", "cursor"]),
    ModelProviderList => ("modelProvider/list", Models, None, []),
    ConfigRead => ("config/read", Config, None, []),
    ConfigValueWrite => ("config/value/write", Config, Some(EventType::ConfigUpdated), ["keyPath", "value", "mergeStrategy"]),
    ConfigBatchWrite => ("config/batchWrite", Config, Some(EventType::ConfigUpdated), ["edits", "reloadUserConfig"]),
    ConfigRequirements => ("configRequirements/read", Config, None, []),
    McpStatusList => ("mcpServerStatus/list", Mcp, None, []),
    McpReload => ("config/mcpServer/reload", Mcp, Some(EventType::McpReloaded), []),
    McpOauthLogin => ("mcpServer/oauth/login", Mcp, Some(EventType::McpLoginStarted), ["name", "scopes", "timeoutSecs"]),
    SkillsList => ("skills/list", Skills, None, []),
    SkillsConfigWrite => ("skills/config/write", Skills, Some(EventType::ConfigSkillChanged), ["path", "name", "enabled"]),
    HooksList => ("hooks/list", Hooks, None, []),
    FeaturesList => ("experimentalFeature/list", Features, None, []),
    FeatureEnablementSet => ("experimentalFeature/enablement/set", Features, Some(EventType::ConfigFeatureChanged), ["enablement"]),
    CollaborationModesList => ("collaborationMode/list", CollaborationModes, None, []),
    ReviewStart => ("review/start", Review, Some(EventType::SessionReviewStarted), ["threadId", "target", "delivery"]),
    CompactStart => ("thread/compact/start", Compact, Some(EventType::SessionCompactionStarted), ["threadId"]),
    Revert => ("thread/revert", Revert, Some(EventType::SessionReverted), ["threadId", "beforeTurnId"]),
    BackgroundTerminalsClean => ("thread/backgroundTerminals/clean", BackgroundTerminals, Some(EventType::SessionBackgroundTerminalsCleaned), ["threadId"]),
    ShellCommand => ("thread/shellCommand", ShellCommand, Some(EventType::SessionShellCommandStarted), ["threadId", "command", "timeoutMs"]),
    CommandExec => ("command/exec", Exec, Some(EventType::ExecFinished), ["command", "sandboxPolicy", "cwd", "timeoutMs", "processId", "streamStdoutStderr"]),
    FeedbackUpload => ("feedback/upload", Feedback, Some(EventType::FeedbackUploaded), ["classification", "reason", "includeLogs", "threadId"]),
}

/// JSON-RPC's "invalid request": app-server's answer to a call it refuses.
const INVALID_REQUEST: i64 = -32600;

/// What app-server refusing this operation means, when the refusal is about the caller and not a failure of
/// app-server. Reading rate limits or usage takes nothing from the caller, so a refusal is about the account (none
/// signed in, or not a ChatGPT one): a 409 fixed by logging in. Config and skill writes and review targets carry the
/// caller's key paths, values, paths and commits, which app-server validates (config.toml's syntax and types, a
/// review target's fields are its to know): its refusal is the caller's invalid input, a 422.
fn refusal(op: CodexOp, e: crate::appserver::RpcError) -> ServiceError {
    use crate::appserver::RpcError;
    match (op, &e) {
        (CodexOp::AccountRateLimits | CodexOp::AccountUsage, RpcError::Server { code: INVALID_REQUEST, message, .. }) => {
            ServiceError::conflict(
                ErrorCode::AccountRequired,
                format!("{message}: sign in with a ChatGPT account first (POST /api/account/logins)"),
            )
        }
        (
            CodexOp::ConfigValueWrite | CodexOp::ConfigBatchWrite | CodexOp::SkillsConfigWrite | CodexOp::ReviewStart,
            RpcError::Server { code: code @ INVALID_REQUEST, message, .. },
        ) => ServiceError::invalid(message.clone()).with_details(json!({"rpcCode": code})),
        _ => e.into(),
    }
}

/// The Codex surface: app-server's operations beyond sessions and turns, and what the host keeps beside them.
pub struct Codex {
    core: Arc<Core>,
    capabilities: Mutex<Option<Capabilities>>,
    /// Login attempts by id: `pending`, then what `account/login/completed` said.
    logins: Mutex<HashMap<String, Value>>,
    /// The last `account/read` answer, for readiness.
    account: Mutex<Option<Value>>,
    exec_enabled: bool,
}

impl Codex {
    pub(in crate::services) fn new(core: Arc<Core>, exec_enabled: bool) -> Self {
        Self { core, capabilities: Mutex::default(), logins: Mutex::default(), account: Mutex::default(), exec_enabled }
    }
}

impl Codex {
    /// Call an operation with params already in app-server's shape. `event_data` is what the recorded event says
    /// (never a secret); `session` tags the event.
    pub async fn call(&self, op: CodexOp, params: Value, event_data: Option<Value>, session: Option<&str>) -> ServiceResult<Value> {
        let (method, group, event) = op.spec();
        debug_assert!(
            params.as_object().is_some_and(|p| p.keys().all(|k| op.sends().contains(&k.as_str()))),
            "`{method}` is called with {params}, beyond the params its codex_ops! row lists: {:?} (the drift guard checks those)",
            op.sends()
        );
        if group == CapabilityGroup::Exec && !self.exec_enabled {
            return Err(ServiceError::new(
                ErrorKind::Forbidden,
                ErrorCode::ExecDisabled,
                "one-off command execution is off: start the host with --enable-exec to allow it",
            ));
        }
        // The drift guard first: a method it found renamed or broken is also missing from the capabilities, and the
        // client is owed the named facts (`codex_incompatible`), not a bare `not_supported`.
        let broken = self.core.app_server().protocol_gate().refused_call(method);
        if !broken.is_empty() {
            return Err(RpcError::Incompatible { method: method.to_string(), facts: broken.iter().map(ToString::to_string).collect() }.into());
        }
        if let Some(caps) = self.capabilities.lock().expect("capabilities poisoned").as_ref() {
            if !caps.supports(method) {
                return Err(ServiceError::new(
                    ErrorKind::NotSupported,
                    ErrorCode::NotSupported,
                    format!("the connected codex does not support `{method}` (see /api/capabilities)"),
                ));
            }
        }
        let conn = self.core.connection()?;
        let suspects = mistakes::suspects(op, &params);
        if let Some(mistake) = mistakes::check_before(&conn, &suspects).await {
            return Err(mistake);
        }
        let result = match conn.request(method, params).await {
            Ok(result) => result,
            // A session deleted while its operation ran: the thread's error says nothing the client can act on.
            Err(RpcError::Server { .. }) if self.session_gone(session).await => {
                return Err(ServiceError::not_found(ErrorCode::SessionNotFound, format!("no session `{}`", session.unwrap_or_default())));
            }
            Err(e @ RpcError::Server { .. }) if !suspects.is_empty() => return Err(mistakes::diagnose(&conn, &suspects, e).await),
            Err(e) => return Err(refusal(op, e)),
        };
        if let Some(kind) = event {
            let data = event_data.unwrap_or_else(|| json!({}));
            let row = match session {
                Some(s) => self.core.store().get_session(s).await.ok(),
                None => None,
            };
            let event = match &row {
                Some(r) => self.core.session_event(kind, r, data),
                None => NewEvent::new(kind, data),
            };
            self.core.events().publish_committed(event).await;
        }
        Ok(result)
    }

    /// Whether the session an operation was on has been deleted. A DELETE holds the session's lock from the thread's
    /// deletion until the row is gone, so the lock is taken before looking: an operation that failed because its
    /// thread was deleted under it finds the session gone, not still there for a moment (which was a 502).
    async fn session_gone(&self, session: Option<&str>) -> bool {
        let Some(id) = session else { return false };
        let lock = self.core.session_lock(id);
        let _settled = lock.lock().await;
        matches!(self.core.store().get_session(id).await, Err(crate::store::StoreError::NotFound))
    }

    pub fn capabilities(&self) -> Option<Capabilities> {
        self.capabilities.lock().expect("capabilities poisoned").clone()
    }

    /// Whether a turn can run: an account or a provider that needs none. `None` until app-server answered.
    pub fn account_status(&self) -> Option<Value> {
        self.account.lock().expect("account poisoned").clone()
    }

    /// Why a turn cannot run, in plain words, when no account is signed in and the provider needs one.
    pub fn account_notice(&self) -> Option<String> {
        let status = self.account_status()?;
        let needs_auth = status.get("requiresOpenaiAuth").and_then(Value::as_bool).unwrap_or(false);
        let signed_in = status.get("account").is_some_and(|a| !a.is_null());
        (needs_auth && !signed_in).then(|| {
            "No account is signed in and the configured model provider needs one: log in with an API key \
             (POST /api/account/logins, or `codex-manager account login --api-key ...`), or point codex at another \
             provider with -c (see docs/operations.md)"
                .to_string()
        })
    }

    pub fn exec_enabled(&self) -> bool {
        self.exec_enabled
    }
}
