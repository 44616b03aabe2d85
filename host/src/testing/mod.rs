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
