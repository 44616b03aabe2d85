//! Keeps the Codex surface's derived state current by watching the event log: capabilities and account status
//! when app-server (re)starts, login results when app-server reports them.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};

use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use super::capabilities::Capabilities;
use crate::appserver::version::{version_from_user_agent, CodexSupport};
use crate::events::{EventKind, EventType};
use super::Codex;

impl Codex {
    /// Start watching. `codex_bin`/`codex_home` are used to read the installed codex's schema once.
    pub(in crate::services) fn watch(self: &Arc<Self>, codex_bin: PathBuf, codex_home: PathBuf) {
        let me: Weak<Codex> = Arc::downgrade(self);
        let mut settled = self.core.events().subscribe_settled();
        tokio::spawn(async move {
            loop {
                let event = match settled.recv().await {
                    Ok(settled) => settled.event,
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                };
                // Another host's app-server (a shared store): its start, account and logins are its own.
                if event.from_another_host {
                    continue;
                }
                let Some(services) = me.upgrade() else { return };
                let kind = EventKind::parse(&event.kind);
                match (&kind, kind.app_server_method()) {
                    (EventKind::Known(EventType::RuntimeReady), _) => {
                        services.inspect_running_codex(&codex_bin, &codex_home).await;
                        services.refresh_account().await;
                    }
                    (_, Some("account/updated")) => services.refresh_account().await,
                    (_, Some("account/login/completed")) => {
                        let data = event.data();
                        if let Some(id) = data.get("loginId").and_then(|v| v.as_str()) {
                            let success = data.get("success").and_then(|v| v.as_bool()).unwrap_or(false);
                            let state = json!({
                                "loginId": id,
                                "status": if success { "succeeded" } else { "failed" },
                                "error": data.get("error"),
                            });
                            services.logins.lock().expect("logins poisoned").insert(id.to_string(), state);
                        }
                        services.refresh_account().await;
                    }
                    _ => {}
                }
            }
        });
    }

    /// Read the running codex's schema once per release (again when a restart brought another one): what it serves,
    /// and the drift guard's verdict, which the app-server's gate enforces from then on.
    async fn inspect_running_codex(&self, codex_bin: &Path, codex_home: &Path) {
        let user_agent = self.core.app_server().state().user_agent;
        let release = user_agent.as_deref().and_then(version_from_user_agent).map(str::to_owned);
        if self.capabilities().is_some_and(|c| c.release == release) {
            return;
        }
        match Capabilities::detect(codex_bin, codex_home, release).await {
            Ok((caps, violations)) => {
                for v in &violations {
                    tracing::error!(method = %v.method, effect = %v.effect, "codex protocol drift: {v}");
                }
                self.core.app_server().protocol_gate().set(violations);
                *self.capabilities.lock().expect("capabilities poisoned") = Some(caps);
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not read the installed codex's schema: its capabilities are unknown and the drift guard did not run");
                // What was read of an earlier release says nothing about this one: unknown, not the old verdict.
                self.core.app_server().protocol_gate().reset();
                *self.capabilities.lock().expect("capabilities poisoned") = None;
            }
        }
        self.say_how_codex_is_supported();
    }

    /// Once per release, with the schema read: a word in the log when the codex that runs is neither tested nor
    /// speaking a tested release's protocol (a patch release with a tested release's schema: no false alarm).
    fn say_how_codex_is_supported(&self) {
        let v = self.codex_version();
        let running = v.running.as_deref().unwrap_or("?");
        match (v.support, v.same_schema_as.as_deref()) {
            (CodexSupport::Tested, _) => tracing::info!(codex = running, "codex is a tested release"),
            (CodexSupport::Compatible, Some(same)) => {
                tracing::info!(codex = running, same_schema_as = same, "codex is compatible: its protocol is the tested {same}'s")
            }
            (CodexSupport::Compatible, None) => tracing::warn!(codex = running, "{}", v.advice.unwrap_or_default()),
            (CodexSupport::Incompatible, _) => tracing::error!(codex = running, "{}", v.advice.unwrap_or_default()),
            (CodexSupport::Unknown, _) => {}
        }
    }

    async fn refresh_account(&self) {
        if let Some(conn) = self.core.app_server().connection() {
            match conn.request("account/read", json!({})).await {
                Ok(account) => *self.account.lock().expect("account poisoned") = Some(account),
                Err(e) => tracing::debug!(error = %e, "account/read failed"),
            }
        }
    }
}
