//! One wasmtime engine per process: component model, epoch interruption for deadlines, the pooling allocator
//! where the machine allows it, and a linker with WASI (nothing granted) and the host interfaces, built once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::bindings::{Plugin, PluginPre};
use super::state::PluginState;
use super::PluginError;

/// How often the epoch advances: the granularity of call deadlines.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);
/// Instances the pooling allocator keeps slots for.
const POOLED_INSTANCES: u32 = 64;
/// Largest linear memory one pooled instance may grow to (a plugin's own limit is lower).
const POOLED_MEMORY_BYTES: usize = 256 * 1024 * 1024;

pub struct PluginEngine {
    engine: Engine,
    linker: Linker<PluginState>,
    pooled: bool,
    stop_ticker: Arc<AtomicBool>,
}

impl PluginEngine {
    pub fn new() -> anyhow::Result<Self> {
        let (engine, pooled) = match Engine::new(&config(true)) {
            Ok(engine) => (engine, true),
            Err(e) => {
                tracing::warn!(error = %e, "pooling allocator unavailable here; instantiating on demand");
                (Engine::new(&config(false))?, false)
            }
        };
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        Plugin::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |s| s)?;
        let stop_ticker = Arc::new(AtomicBool::new(false));
        start_ticker(engine.clone(), stop_ticker.clone());
        Ok(Self { engine, linker, pooled, stop_ticker })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn pooled(&self) -> bool {
        self.pooled
    }

    /// Compile a component (checking it is one) into the serialized artifact [`Self::load_file`] maps. Nothing
    /// runnable is built here: the caller writes the bytes out and drops them, so the compiler's memory can be
    /// given back before the code is mapped from the file.
    pub fn precompile(&self, wasm: &[u8]) -> Result<Vec<u8>, PluginError> {
        self.engine
            .precompile_component(wasm)
            .map_err(|e| PluginError::Invalid(format!("not a valid WebAssembly component: {e:#}")))
    }

    /// Map a component this engine compiled earlier from its file: the code stays file-backed (shared, reclaimable
    /// page cache) instead of a private copy on the heap.
    pub fn load_file(&self, path: &std::path::Path) -> wasmtime::Result<Component> {
        // SAFETY: the file is an artifact this host wrote with `precompile` into its own data dir, under a name that
        // includes the engine's compatibility key; it is written to a temporary name and renamed into place, never
        // changed after, so the mapping cannot change underneath. wasmtime also checks the header and refuses
        // foreign artifacts.
        unsafe { Component::deserialize_file(&self.engine, path) }
    }

    /// A key that changes whenever compiled artifacts stop being compatible with this engine.
    pub fn artifact_key(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.engine.precompile_compatibility_hash().hash(&mut h);
        format!("{:016x}", h.finish())
    }

    /// Type-check a component against the world and pre-link it: imports resolved once, instances cheap.
    pub fn prelink(&self, component: &Component) -> Result<PluginPre<PluginState>, PluginError> {
        let pre = self
            .linker
            .instantiate_pre(component)
            .map_err(|e| PluginError::Incompatible(format!("the component does not fit the world codex-manager:plugin@0.1.0: {e:#}")))?;
        PluginPre::new(pre).map_err(|e| PluginError::Incompatible(format!("the component does not export `handler` as the world says: {e:#}")))
    }
}

impl Drop for PluginEngine {
    fn drop(&mut self) {
        self.stop_ticker.store(true, Ordering::Relaxed);
    }
}

fn config(pooling: bool) -> Config {
    let mut c = Config::new();
    c.wasm_component_model(true);
    c.epoch_interruption(true);
    // Component-model async is not used: plain calls are ~3x cheaper without its bookkeeping.
    c.concurrency_support(false);
    if pooling {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(POOLED_INSTANCES)
            .total_core_instances(POOLED_INSTANCES * 4)
            .total_memories(POOLED_INSTANCES * 2)
            .total_tables(POOLED_INSTANCES * 4)
            .max_memory_size(POOLED_MEMORY_BYTES);
        c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        c.memory_reservation(POOLED_MEMORY_BYTES as u64);
    }
    c
}

/// A plain thread, so deadlines advance even when every async worker is busy.
fn start_ticker(engine: Engine, stop: Arc<AtomicBool>) {
    std::thread::Builder::new()
        .name("plugin-epoch".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })
        .expect("the epoch thread starts");
}
