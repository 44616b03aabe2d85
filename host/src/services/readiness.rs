//! Readiness: whether the host can do work now, and if not, why (the rule `/api/ready` reports).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::QueueStats;
use super::codex::Codex;
use super::core::Core;
use super::queue::Queue;
use super::limits::{Limits, LimitsStatus};
use crate::appserver::drift::ProtocolReport;
use crate::appserver::version::CodexVersion;
use crate::appserver::{AppServerState, AppServerStatus};
use crate::store::Engine;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Readiness {
    /// True when app-server is initialized and answering, and the store and event log work.
    pub ready: bool,
    /// Why the host is not ready, in words (null when ready).
    pub reason: Option<String>,
    /// `starting`, `ready`, `unresponsive`, `restarting` or `stopped`, with the process generation, pid,
    /// restarts, last exit and last error.
    #[schema(value_type = Object)]
    pub runtime: serde_json::Value,
    pub store_ok: bool,
    pub events_ok: bool,
    pub last_seq: i64,
    /// The codex release running vs. the one this host was built against.
    pub codex: CodexVersion,
    /// The drift guard's verdict on the running codex: every fact the host relies on that its schema breaks, and
    /// what the host turned off for it (the rest works).
    pub protocol: ProtocolReport,
    /// Whether turns can run: `{account, requiresOpenaiAuth}` from app-server, and a plain-words `notice` when not.
    #[schema(value_type = Option<Object>)]
    pub account: Option<serde_json::Value>,
    /// Job queue depth (absent when the store cannot say).
    pub queue: Option<QueueStats>,
    /// What holds automated turns back now: Codex's usage limit, spent budgets (with when each lifts), and the
    /// latest rate-limit snapshot.
    pub limits: LimitsStatus,
    /// This host process: its version, when it started, its data dir and its store's engine.
    pub host: HostFacts,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HostFacts {
    /// This host's stable id (the owner of the sessions it creates; see `GET /api/hosts`).
    pub id: String,
    /// Its display name.
    pub name: String,
    /// The codex-manager release.
    pub version: String,
    /// When this process started (RFC 3339): a client that sees it change knows the host restarted.
    pub started_at: String,
    /// Where the host keeps its token, log and plugins, and its store when that is SQLite.
    pub data_dir: String,
    /// The database the store runs on.
    pub store: StoreEngine,
}

/// The database engine behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StoreEngine {
    /// A file in the data dir (the default).
    Sqlite,
    /// A PostgreSQL server (`serve --database-url`, preview).
    Postgres,
}

impl StoreEngine {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreEngine::Sqlite => "sqlite",
            StoreEngine::Postgres => "postgres",
        }
    }
}

impl From<Engine> for StoreEngine {
    fn from(engine: Engine) -> Self {
        match engine {
            Engine::Sqlite => StoreEngine::Sqlite,
            Engine::Postgres => StoreEngine::Postgres,
        }
    }
}

/// The first reason the host cannot do work, if any: app-server's state first, since it is what users wait on.
pub fn not_ready_reason(app_server: &AppServerState, store_ok: bool, events_ok: bool) -> Option<String> {
    let detail = |what: &str| match app_server.last_error.as_deref().or(app_server.last_exit.as_deref()) {
        Some(why) => format!("app-server is {what}: {why}"),
        None => format!("app-server is {what}"),
    };
    match app_server.status {
        AppServerStatus::Ready => None,
        AppServerStatus::Starting => Some(detail("starting")),
        AppServerStatus::Unresponsive => Some(detail("unresponsive")),
        AppServerStatus::Restarting => Some(detail("restarting")),
        AppServerStatus::Stopped => Some("app-server is stopped (the host is shutting down)".to_string()),
    }
    .or_else(|| (!store_ok).then(|| "the store does not answer".to_string()))
    .or_else(|| (!events_ok).then(|| "the event log stopped writing".to_string()))
}

/// Whether the host can serve: app-server, the store and the event log, with the account and queue beside them.
pub(super) async fn assess(core: &Core, codex: &Codex, queue: &Queue, limits: &Limits) -> Readiness {
    let app_server = core.app_server().state();
    let store_ok = core.store().ping().await;
    let events_ok = core.events().healthy();
    let reason = not_ready_reason(&app_server, store_ok, events_ok);
    Readiness {
        ready: reason.is_none(),
        reason,
        runtime: serde_json::to_value(&app_server).unwrap_or_default(),
        store_ok,
        events_ok,
        last_seq: core.events().last_seq(),
        codex: codex.codex_version(),
        protocol: core.app_server().protocol_gate().report(),
        account: codex.account_status().map(|mut a| {
            a["notice"] = serde_json::json!(codex.account_notice());
            a
        }),
        queue: queue.queue_stats().await.ok(),
        limits: limits.status().await,
        host: HostFacts {
            id: core.hosts().this().id.clone(),
            name: core.hosts().this().name.clone(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            started_at: core.started_at().to_string(),
            data_dir: core.store().data_dir().display().to_string(),
            store: core.store().engine().into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: AppServerStatus, last_error: Option<&str>) -> AppServerState {
        AppServerState {
            status,
            generation: 1,
            pid: Some(1),
            user_agent: None,
            restarts: 0,
            last_exit: None,
            last_error: last_error.map(str::to_owned),
            next_attempt_in_ms: None,
        }
    }

    #[test]
    fn ready_only_when_everything_works() {
        assert_eq!(not_ready_reason(&state(AppServerStatus::Ready, None), true, true), None);
        assert_eq!(not_ready_reason(&state(AppServerStatus::Ready, None), false, true).as_deref(), Some("the store does not answer"));
        assert_eq!(not_ready_reason(&state(AppServerStatus::Ready, None), true, false).as_deref(), Some("the event log stopped writing"));
    }

    #[test]
    fn an_unresponsive_app_server_is_named_with_its_reason() {
        let why = not_ready_reason(&state(AppServerStatus::Unresponsive, Some("no answer within 5s")), true, true).unwrap();
        assert_eq!(why, "app-server is unresponsive: no answer within 5s");
        let why = not_ready_reason(&state(AppServerStatus::Restarting, None), true, true).unwrap();
        assert_eq!(why, "app-server is restarting");
    }
}
