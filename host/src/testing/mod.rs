//! Test support: the host without codex.
//!
//! [`peer`] is an in-memory app-server the supervisor launches through the [`crate::appserver::Launch`] seam;
//! [`host`] starts the real services over a temp SQLite store with it. A unit test then reads as a promise:
//!
//! ```ignore
//! let host = TestHost::start().await;
//! let session = host.session().await;
//! let turn = host.send(&session, "hi").await.turn_id;
//! host.peer.turn_started(&session.thread_id, &turn).await;
//! host.peer.exit(1).await;
//! let end = host.turn_event("turn.completed", &turn).await;
//! assert_eq!(end.data()["turn"]["status"], "interrupted");
//! ```
//!
//! See docs/architecture.md, "Testing the host without codex".

pub mod host;
pub mod peer;

pub use host::{TempDir, TestHost};
pub use peer::{agent_message, command, ScriptedAppServer, Step, WAIT};

/// `wire` (a reply as the API sends it) read as `T` and written back unchanged: the reply type's `Deserialize` and
/// `Serialize` agree on every field's name and shape, which is what lets clients (the CLI) read replies through it.
/// A fixture must carry every field (a `null` for an absent one), so a renamed field fails here.
#[track_caller]
pub fn round_trips<T: serde::Serialize + serde::de::DeserializeOwned>(wire: serde_json::Value) {
    let name = std::any::type_name::<T>();
    let typed: T = serde_json::from_value(wire.clone()).unwrap_or_else(|e| panic!("{name} does not read {wire}: {e}"));
    assert_eq!(serde_json::to_value(&typed).expect("serializes"), wire, "{name} does not write back what it read");
}
