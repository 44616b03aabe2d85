//! Liveness of a running app-server: a process can be alive and still never answer (stopped, deadlocked,
//! swapped out). While it runs, a cheap request goes out every [`ProbeConfig::interval`]; no answer within
//! [`ProbeConfig::deadline`] marks it unresponsive (readiness says so, new requests fail at once with
//! `runtime_unresponsive`), and the first answer after that marks it ready again. The process is left alone:
//! a stopped process continued (or a long pause ended) picks up where it was.

use std::time::Duration;

use super::rpc::{RpcError, SharedConnection};

/// The probe request. app-server answers it from memory (its own process figures); an app-server that does not
/// know it answers with an error, which proves just as well that it reads and answers.
pub const PROBE_METHOD: &str = "server/diagnostics";

/// How often and how patiently app-server's liveness is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeConfig {
    /// Pause between probes.
    pub interval: Duration,
    /// How long a probe waits for its answer before app-server counts as unresponsive.
    pub deadline: Duration,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        Self { interval: Duration::from_secs(5), deadline: Duration::from_secs(5) }
    }
}

/// What the probe learned, when it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Liveness {
    Answering,
    /// With the reason, in words.
    Unresponsive(String),
}

/// Probe `conn` until it disconnects (the supervisor notices the exit itself); `changed` hears each transition.
pub(super) async fn watch(conn: SharedConnection, config: ProbeConfig, changed: impl Fn(Liveness)) {
    loop {
        tokio::time::sleep(config.interval).await;
        match conn.probe(PROBE_METHOD, config.deadline).await {
            Ok(()) => {
                if conn.set_unresponsive(None) {
                    tracing::info!(generation = conn.generation(), "app-server answers again");
                    changed(Liveness::Answering);
                }
            }
            Err(RpcError::Timeout { timeout, .. }) => {
                let reason = format!("app-server did not answer a liveness probe ({PROBE_METHOD}) within {timeout:?}");
                if conn.set_unresponsive(Some(reason.clone())) {
                    tracing::warn!(generation = conn.generation(), %reason, "app-server is unresponsive");
                    changed(Liveness::Unresponsive(reason));
                }
            }
            Err(_) => return,
        }
    }
}
