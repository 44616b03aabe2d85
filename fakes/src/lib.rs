//! Test doubles owned by Codex Manager.
//!
//! [`model`] is a scripted, stateless fake of the OpenAI Responses API (`POST /v1/responses`
//! streaming SSE) that the real `codex app-server` (@openai/codex 0.169.0) is pointed at in tests,
//! so every turn, tool call, approval and failure is deterministic and offline.
//!
//! [`appserver`] is a scripted fake of `codex app-server` itself (stdio JSON-RPC), run as the
//! `fake-app-server` binary: for benchmarks of the host alone and for fault cases (a crash mid-turn, a
//! malformed line, a turn that never ends) the real one cannot produce.

pub mod appserver;
pub mod model;
