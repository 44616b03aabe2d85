//! Extensions as sandboxed WebAssembly components (WIT worlds `codex-manager:plugin@0.1.0` and `@0.2.0`, in `wit/`,
//! served side by side: see [`bindings`]).
//!
//! Owns the engine, the installed set, and every call into a plugin. A plugin can never do more than its
//! manifest requested AND the user granted (checked in [`capability`]), never crash the host (each call gets a
//! fresh instance under memory and time limits, see [`call`]), and never stall other work (each plugin has its
//! own queue and concurrency; a plugin that keeps failing is switched off by a circuit breaker). It reaches the
//! rest of the host only through [`api::PluginHostApi`]; it never imports the API layer or the services.

pub mod api;
mod artifacts;
mod bindings;
pub mod capability;
mod engine;
mod files;
mod registry;
mod imports;
pub mod manifest;
pub mod call;
mod code;
pub mod compiler;
mod output;
mod preflight;
mod state;
mod views;
#[cfg(test)]
mod tests;

pub use registry::PluginRegistry;
pub use code::{CodeState, IDLE_UNLOAD};
pub use engine::SPARE_WHEN_INSTANTIATION_OVER;
pub use views::{Inspection, PluginCall, PluginInfo};
pub use bindings::{Job as JobCall, JobOutcome, Retry};
pub use manifest::{WitVersion, WIT_VERSIONS};
pub use manifest::JobKind;
pub use compiler::Compiler;

/// Why a plugin operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PluginError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Incompatible(String),
    #[error("no plugin `{0}`")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// A job kind the package declares belongs to another installed plugin.
    #[error("{0}")]
    JobKindTaken(String),
    #[error("another install or reload is in progress; try again when it is done")]
    Busy,
    #[error("{0}")]
    Internal(String),
}
