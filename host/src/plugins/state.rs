//! Per-call store data: the WASI context (nothing granted: no files, no environment, no sockets), the memory
//! limiter, the plugin's grants, and the record of denied calls.

use std::sync::Arc;

use wasmtime::ResourceLimiter;
use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxView, WasiView};

use super::api::PluginHostApi;
use super::capability::{Capability, Grants};

/// Caps memory (and tables) for one instance, and remembers whether the cap was hit, so a failed call can be
/// reported as "memory" rather than as a bare trap.
pub struct MemoryLimiter {
    pub max_bytes: usize,
    pub hit: bool,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let ok = desired <= self.max_bytes;
        self.hit |= !ok;
        Ok(ok)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

pub struct PluginState {
    pub plugin_id: Arc<str>,
    pub grants: Arc<Grants>,
    pub api: Arc<dyn PluginHostApi>,
    pub limiter: MemoryLimiter,
    /// Capability uses refused during this call (`kv.set`, `http.fetch example.com`, ...).
    pub denials: Vec<String>,
    wasi: WasiCtx,
    table: ResourceTable,
}

impl PluginState {
    pub fn new(plugin_id: Arc<str>, grants: Arc<Grants>, api: Arc<dyn PluginHostApi>, max_memory: usize) -> Self {
        Self {
            plugin_id,
            grants,
            api,
            limiter: MemoryLimiter { max_bytes: max_memory, hit: false },
            denials: Vec::new(),
            // Deny by default: no preopened directories, no environment, no arguments, no network.
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
        }
    }

    /// Whether the plugin may use `cap`; records the denial when not.
    pub fn check(&mut self, cap: Capability, what: &str) -> bool {
        let ok = self.grants.allows(cap);
        if !ok {
            self.denials.push(format!("{}: {what}", cap.as_str()));
        }
        ok
    }
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}
