//! One wasmtime engine per process: component model, epoch interruption for deadlines, the pooling allocator
//! where the machine allows it, and a linker per served WIT version with WASI (nothing granted) and that version's
//! host interfaces, built once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::Component;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::bindings::{Linkers, PluginPre, WitVersion};
use super::PluginError;

/// How often the epoch advances: the granularity of call deadlines.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);
/// Instances the pooling allocator keeps slots for.
const POOLED_INSTANCES: u32 = 64;
/// Largest linear memory one pooled instance may grow to (a plugin's own limit is lower).
const POOLED_MEMORY_BYTES: usize = 256 * 1024 * 1024;

pub struct PluginEngine {
    engine: Engine,
    linkers: Linkers,
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
        let linkers = Linkers::new(&engine)?;
        let stop_ticker = Arc::new(AtomicBool::new(false));
        start_ticker(engine.clone(), stop_ticker.clone());
        Ok(Self { engine, linkers, pooled, stop_ticker })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn pooled(&self) -> bool {
        self.pooled
    }

    /// Compile a component (checking it is one).
    pub fn compile(&self, wasm: &[u8]) -> Result<Component, PluginError> {
        Component::new(&self.engine, wasm).map_err(|e| PluginError::Invalid(format!("not a valid WebAssembly component: {e:#}")))
    }

    /// Load a component this engine compiled and serialized earlier.
    pub fn load_precompiled(&self, bytes: &[u8]) -> Option<Component> {
        // SAFETY: the bytes are an artifact this host wrote with `Component::serialize` into its own data dir, keyed
        // by the engine's compatibility hash; wasmtime also checks the header and rejects foreign artifacts.
        unsafe { Component::deserialize(&self.engine, bytes) }.ok()
    }

    /// A key that changes whenever compiled artifacts stop being compatible with this engine.
    pub fn artifact_key(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.engine.precompile_compatibility_hash().hash(&mut h);
        format!("{:016x}", h.finish())
    }

    /// Type-check a component against `version`'s world and pre-link it: imports resolved once, instances cheap.
    pub fn prelink(&self, component: &Component, version: WitVersion) -> Result<PluginPre, PluginError> {
        self.linkers.prelink(component, version)
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
