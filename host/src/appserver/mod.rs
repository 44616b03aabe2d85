//! The connection to `codex app-server`: process supervision, the JSON-RPC client and the wire framing.
//!
//! Owns the child process (or, in unit tests, whatever [`Launch`] starts in its place) and nothing else. It never interprets threads or turns: everything app-server says
//! is handed upward as [`Inbound`] messages tagged with the generation of the process that said it, so a late
//! line from a dead process can never be mistaken for the live one. It never imports the API or services.

pub mod drift;
pub mod lenient;
mod probe;
mod process;
pub mod reliance;
mod rpc;
mod supervisor;
mod timeouts;
mod transport;
pub mod version;

pub use lenient::Lenient;
pub use probe::{ProbeConfig, PROBE_METHOD};
pub use rpc::{Connection, RequestId, RpcError};
pub use supervisor::{Inbound, AppServer, AppServerConfig, AppServerState, AppServerStatus, MAX_BACKOFF, MIN_BACKOFF};
pub use timeouts::timeout_for;
pub use transport::{AppServerProcess, ChildLauncher, ChildProcess, Launch, Launched};
