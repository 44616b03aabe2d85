//! Test doubles owned by Codex Manager.
//!
//! [`model`] is a scripted, stateless fake of the OpenAI Responses API (`POST /v1/responses`
//! streaming SSE) that the real `codex app-server` (@openai/codex 0.169.0) is pointed at in tests,
//! so every turn, tool call, approval and failure is deterministic and offline.

pub mod model;
