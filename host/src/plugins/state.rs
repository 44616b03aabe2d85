//! Per-call store data: the WASI context (nothing granted: no files but a `data-dir` plugin's own `/data`, no
//! environment, no sockets; stderr kept, its tail only), the memory limiter, the plugin's grants, and the record
//! of denied calls.

use std::path::Path;
use std::sync::Arc;

use wasmtime::ResourceLimiter;
use wasmtime_wasi::{FsPerms, ResourceTable, WasiCtx, WasiCtxView, WasiView};

use super::api::PluginHostApi;
use super::capability::{Capability, Grants};
use super::engine::MAX_TABLE_ELEMENTS;
use super::output::{TailPipe, STDERR_TAIL_BYTES};

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
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

pub struct PluginState {
    pub plugin_id: Arc<str>,
    pub grants: Arc<Grants>,
    pub api: Arc<dyn PluginHostApi>,
    pub limiter: MemoryLimiter,
    /// Capability uses refused during this call (`kv.set`, `http.fetch example.com`, ...).
    pub denials: Vec<String>,
    /// The job this call runs, when it is a `run-job` call (worker turns belong to it).
    pub job_id: Option<String>,
    /// The guest's stderr (its tail), for the record of a call that fails.
    pub stderr: TailPipe,
    wasi: WasiCtx,
    table: ResourceTable,
}

impl PluginState {
    pub fn new(
        plugin_id: Arc<str>,
        grants: Arc<Grants>,
        api: Arc<dyn PluginHostApi>,
        max_memory: usize,
        job_id: Option<String>,
        data_dir: Option<&Path>,
    ) -> Self {
        let clock = grants.allows(Capability::Clock);
        let stderr = TailPipe::new(STDERR_TAIL_BYTES);
        Self {
            plugin_id,
            grants,
            api,
            limiter: MemoryLimiter { max_bytes: max_memory, hit: false },
            denials: Vec::new(),
            job_id,
            wasi: wasi_context(clock, data_dir, stderr.clone()),
            stderr,
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

/// Deny by default: no environment, no arguments, no sockets; one preopened directory, `/data`, only with the
/// `data-dir` capability (`data_dir` is then the plugin's own); clocks only with the `clock` capability (frozen at
/// the epoch otherwise); stderr into `stderr`, stdout nowhere.
fn wasi_context(clock: bool, data_dir: Option<&Path>, stderr: TailPipe) -> WasiCtx {
    let mut builder = WasiCtx::builder();
    builder.stderr(stderr);
    if !clock {
        builder.wall_clock(FrozenClock).monotonic_clock(FrozenClock);
    }
    if let Some(dir) = data_dir {
        if let Err(e) = builder.preopened_dir(dir, "/data", FsPerms::ReadWrite) {
            // The call goes on without files: the plugin sees no `/data` and gets an error it can report.
            tracing::warn!(dir = %dir.display(), error = %e, "could not open a plugin's data dir");
        }
    }
    builder.build()
}

/// A clock that never moves.
struct FrozenClock;

impl wasmtime_wasi::HostWallClock for FrozenClock {
    fn resolution(&self) -> std::time::Duration {
        std::time::Duration::from_secs(1)
    }
    fn now(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}

impl wasmtime_wasi::HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}
