//! One wasmtime engine per process: component model, epoch interruption for deadlines, the pooling allocator
//! where the machine allows it, and a linker per served WIT version with WASI (nothing granted) and that version's
//! host interfaces, built once.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::Component;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::bindings::{Linkers, PluginPre, WitVersion};
use super::compiler::Compiler;
use super::PluginError;

/// How often the epoch advances: the granularity of call deadlines.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);
// The pooling allocator's slots, host-wide. docs/extensions.md ("The pool") states each number; a test below keeps
// the two equal. Only `total_memories` costs much address space (a reservation plus a guard region each); the rest
// is metadata or small tables.

/// Plugin calls that can run at once, across all plugins: one component instance each.
pub(super) const POOLED_CALLS: u32 = 64;
/// Core instances a call may use on average. An interpreter built by componentize-py instantiates ~14 core
/// modules (the interpreter, libc, its shared libraries, adapters), a Rust plugin ~3.
pub(super) const CORE_INSTANCES_PER_CALL: u32 = 16;
/// Linear memories a call may use on average (interpreters and Rust plugins define one).
pub(super) const MEMORIES_PER_CALL: u32 = 2;
/// Tables a call may use on average (componentize-py defines two).
pub(super) const TABLES_PER_CALL: u32 = 4;
/// Elements one table may grow to: the pool's slot size and the limiter's cap are the same number. A
/// componentize-py interpreter starts with ~5,700 and grows as its libraries load.
pub(super) const MAX_TABLE_ELEMENTS: usize = 100_000;
/// Largest linear memory one pooled instance may grow to: the manifest's ceiling (a plugin's own limit is lower).
pub(super) const POOLED_MEMORY_BYTES: usize = super::manifest::MAX_MEMORY_MB as usize * 1024 * 1024;
/// Dirty linear memory a slot keeps resident between calls (reset by copy, not `madvise`). Covers a Rust plugin's
/// whole working set; an interpreter's is larger, and what is over it is given back as before. The worst case it
/// keeps is this times the memory slots ever used (at most 128 MiB).
pub(super) const LINEAR_MEMORY_KEEP_RESIDENT: usize = 1 << 20;
/// The same for tables (8 bytes an element).
pub(super) const TABLE_KEEP_RESIDENT: usize = 64 << 10;
/// Instances made ahead of a call (`code::Spare`) the pool holds at most, host-wide: the rest of its slots are
/// always left to calls.
pub(super) const MAX_SPARES: u32 = POOLED_CALLS / 8;
/// Code whose fastest instantiation seen is slower than this gets it moved off a call's path (`code::Spare`).
/// Measured (plugin-bench --languages, release, the project's VM): the Rust template ~12 µs, the QuickJS one
/// ~100 µs, the componentize-py one ~670 µs; below this a spare's task wake-up costs more than it saves.
pub const SPARE_WHEN_INSTANTIATION_OVER: Duration = Duration::from_micros(50);

pub struct PluginEngine {
    engine: Engine,
    linkers: Linkers,
    pooled: bool,
    compiler: Compiler,
    ticker: Arc<Ticker>,
    spares: Arc<Spares>,
}

/// How many spare instances exist or are being made, and the threshold that decides who gets one.
struct Spares {
    held: AtomicU32,
    over_micros: AtomicU64,
}

/// One of the [`MAX_SPARES`] places for a spare instance, given back when dropped.
pub struct SpareReservation(Arc<Spares>);

impl Drop for SpareReservation {
    fn drop(&mut self) {
        self.0.held.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The epoch's clock. It ticks only while a call is in flight: deadlines count the time of the calls they bound,
/// and an idle host (no call) is not woken every tick for nothing.
struct Ticker {
    in_flight: AtomicUsize,
    stop: AtomicBool,
    thread: std::sync::OnceLock<std::thread::Thread>,
}

/// Held for the length of a guest call: the epoch advances while any is held.
pub struct Ticking(Arc<Ticker>);

impl Drop for Ticking {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Release);
    }
}

impl PluginEngine {
    pub fn new(compiler: Compiler) -> anyhow::Result<Self> {
        let (engine, pooled) = match Engine::new(&config(true)) {
            Ok(engine) => (engine, true),
            Err(e) => {
                tracing::warn!(error = %e, "pooling allocator unavailable here; instantiating on demand");
                (Engine::new(&config(false))?, false)
            }
        };
        let linkers = Linkers::new(&engine)?;
        let ticker = Arc::new(Ticker { in_flight: AtomicUsize::new(0), stop: AtomicBool::new(false), thread: std::sync::OnceLock::new() });
        start_ticker(engine.clone(), ticker.clone());
        let spares = Arc::new(Spares { held: AtomicU32::new(0), over_micros: AtomicU64::new(SPARE_WHEN_INSTANTIATION_OVER.as_micros() as u64) });
        Ok(Self { engine, linkers, pooled, compiler, ticker, spares })
    }

    /// Whether an instantiation that took `took` is slow enough to be made ahead of the next call.
    pub fn wants_spare_after(&self, took: Duration) -> bool {
        took.as_micros() as u64 > self.spares.over_micros.load(Ordering::Relaxed)
    }

    /// Set the threshold of [`Self::wants_spare_after`] (`SPARE_WHEN_INSTANTIATION_OVER` by default;
    /// `Duration::MAX` turns spares off). Benchmarks compare the two; tests give every plugin a spare.
    pub fn set_spare_threshold(&self, over: Duration) {
        self.spares.over_micros.store(u64::try_from(over.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// A place for one more spare instance, unless [`MAX_SPARES`] are held.
    pub fn reserve_spare(&self) -> Option<SpareReservation> {
        self.spares
            .held
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < MAX_SPARES).then_some(n + 1))
            .ok()
            .map(|_| SpareReservation(self.spares.clone()))
    }

    /// Start the epoch's clock for a call (it stops when the last call in flight drops its guard).
    pub fn ticking(&self) -> Ticking {
        if self.ticker.in_flight.fetch_add(1, Ordering::AcqRel) == 0 {
            // An unpark that comes before the ticker parks makes that park return at once: no wake-up is lost.
            if let Some(thread) = self.ticker.thread.get() {
                thread.unpark();
            }
        }
        Ticking(self.ticker.clone())
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn pooled(&self) -> bool {
        self.pooled
    }

    /// Compile a component (checking it is one) into the serialized artifact [`Self::load_file`] maps, written
    /// into `out`. Nothing runnable is built here: the code is mapped from the file afterwards. Blocking.
    pub fn compile(&self, wasm: &[u8], out: std::fs::File) -> Result<(), PluginError> {
        self.compiler.compile(wasm, self.pooled, &self.artifact_key(), out)
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
        artifact_key(&self.engine)
    }

    /// Type-check a component against `version`'s world and pre-link it: imports resolved once, instances cheap.
    pub fn prelink(&self, component: &Component, version: WitVersion) -> Result<PluginPre, PluginError> {
        self.linkers.prelink(component, version)
    }
}

impl Drop for PluginEngine {
    fn drop(&mut self) {
        self.ticker.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.ticker.thread.get() {
            thread.unpark();
        }
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
        pool.total_component_instances(POOLED_CALLS)
            .total_core_instances(POOLED_CALLS * CORE_INSTANCES_PER_CALL)
            .total_memories(POOLED_CALLS * MEMORIES_PER_CALL)
            .total_tables(POOLED_CALLS * TABLES_PER_CALL)
            .table_elements(MAX_TABLE_ELEMENTS)
            .max_memory_size(POOLED_MEMORY_BYTES);
        // A finished call's memory is put back by copying its dirty pages (found with the PAGEMAP_SCAN ioctl,
        // Linux 6.7+) rather than by `madvise`: no page-table change, no TLB shootdown, and the next instance in
        // the slot takes no page faults. Bounded per slot, so a large guest (an interpreter) still hands the rest
        // back: see docs/benchmarks.md ("Plugins") for what each setting measured.
        pool.linear_memory_keep_resident(LINEAR_MEMORY_KEEP_RESIDENT)
            .table_keep_resident(TABLE_KEEP_RESIDENT)
            .pagemap_scan(wasmtime::Enabled::Auto);
        c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        c.memory_reservation(POOLED_MEMORY_BYTES as u64);
    }
    c
}

/// A key that changes whenever `engine`'s compiled artifacts stop being compatible with another's: its settings,
/// the wasmtime build and the CPU features it compiles for.
pub(super) fn artifact_key(engine: &Engine) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    format!("{:016x}", h.finish())
}

/// An engine that compiles what an engine of `config(pooled)` runs (in this process or a compiling child).
pub(super) fn compiling_engine(pooled: bool) -> wasmtime::Result<Engine> {
    Engine::new(&compile_config(pooled))
}

/// What `config` compiles with, without the pool's reservation (a compiling engine instantiates nothing). Code
/// depends on the settings hashed into `precompile_compatibility_hash`, which this leaves as they are.
fn compile_config(pooling: bool) -> Config {
    let mut c = config(pooling);
    c.allocation_strategy(InstanceAllocationStrategy::OnDemand);
    c
}

/// A plain thread, so deadlines advance even when every async worker is busy. Parked while no call is in flight.
fn start_ticker(engine: Engine, ticker: Arc<Ticker>) {
    std::thread::Builder::new()
        .name("plugin-epoch".into())
        .spawn(move || {
            // Known before the first look at `in_flight`: a call that starts after this unparks the thread, one
            // that started before is seen by the look.
            let _ = ticker.thread.set(std::thread::current());
            while !ticker.stop.load(Ordering::Relaxed) {
                if ticker.in_flight.load(Ordering::Acquire) == 0 {
                    std::thread::park();
                    continue;
                }
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })
        .expect("the epoch thread starts");
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::component::Linker;

    fn leb(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            out.push(if n == 0 { byte } else { byte | 0x80 });
            if n == 0 {
                break;
            }
        }
    }

    fn section(id: u8, body: &[u8], out: &mut Vec<u8>) {
        out.push(id);
        leb(body.len(), out);
        out.extend(body);
    }

    /// A core module defining a funcref table of `table` elements (if any) and a one-page memory (if `memory`).
    fn module(table: Option<usize>, memory: bool) -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        if let Some(n) = table {
            let mut body = vec![1, 0x70, 0];
            leb(n, &mut body);
            section(4, &body, &mut m);
        }
        if memory {
            section(5, &[1, 0, 1], &mut m);
        }
        m
    }

    /// A component shaped like a componentize-py interpreter as far as the pool is concerned: 16 core instances
    /// (one module with the memory and a table, one with another table, 14 with neither), one memory, two tables.
    fn interpreter_shaped(first_table: usize) -> Vec<u8> {
        let mut c = b"\0asm\x0d\0\x01\0".to_vec();
        for m in [module(Some(first_table), true), module(Some(105), false), module(None, false)] {
            section(1, &m, &mut c);
        }
        let mut instances = Vec::new();
        leb(16, &mut instances);
        for module_index in [0u8, 1].into_iter().chain(std::iter::repeat_n(2, 14)) {
            instances.extend([0x00, module_index, 0]); // instantiate module_index with no arguments
        }
        section(2, &instances, &mut c);
        c
    }

    #[tokio::test]
    async fn the_pool_fits_64_concurrent_interpreter_sized_calls() {
        let engine = Engine::new(&config(true)).expect("the pooling allocator can reserve its slots here");
        let linker: Linker<()> = Linker::new(&engine);
        let component = Component::new(&engine, interpreter_shaped(5_688)).unwrap();
        let mut live = Vec::new();
        for n in 0..POOLED_CALLS {
            let mut store = wasmtime::Store::new(&engine, ());
            let instance = linker.instantiate_async(&mut store, &component).await;
            assert!(instance.is_ok(), "call {n} did not fit: {:#}", instance.err().unwrap());
            live.push(store);
        }
        let mut store = wasmtime::Store::new(&engine, ());
        assert!(linker.instantiate_async(&mut store, &component).await.is_err(), "POOLED_CALLS is the bound");
        drop(live);

        // A table as large as the limiter allows fits a pool slot; one that starts larger is refused when compiled
        // (that is, at inspection and install).
        let big = Component::new(&engine, interpreter_shaped(MAX_TABLE_ELEMENTS)).unwrap();
        assert!(linker.instantiate_async(&mut wasmtime::Store::new(&engine, ()), &big).await.is_ok());
        let err = Component::new(&engine, interpreter_shaped(MAX_TABLE_ELEMENTS + 1)).err().expect("refused");
        assert!(format!("{err:#}").contains(&format!("exceeds the limit of {MAX_TABLE_ELEMENTS}")), "{err:#}");
    }

    #[test]
    fn what_the_compiling_engine_makes_loads_in_the_running_one() {
        for pooled in [true, false] {
            let running = Engine::new(&config(pooled)).unwrap();
            let compiling = compiling_engine(pooled).unwrap();
            assert_eq!(artifact_key(&running), artifact_key(&compiling), "pooled: {pooled}");
            let bytes = compiling.precompile_component(&interpreter_shaped(10)).unwrap();
            unsafe { Component::deserialize(&running, &bytes) }.expect("loads");
        }
    }

    /// docs/extensions.md's table of the pool says what this module configures.
    #[test]
    fn the_docs_state_the_pools_numbers() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/extensions.md")).unwrap();
        let thousands = |n: usize| {
            let digits = n.to_string();
            let mut out = String::new();
            for (i, ch) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(ch);
            }
            out
        };
        let rows = [
            ("plugin calls at once, all plugins together", thousands(POOLED_CALLS as usize)),
            ("core instances", thousands((POOLED_CALLS * CORE_INSTANCES_PER_CALL) as usize)),
            ("linear memories", thousands((POOLED_CALLS * MEMORIES_PER_CALL) as usize)),
            ("tables", thousands((POOLED_CALLS * TABLES_PER_CALL) as usize)),
            ("elements per table", thousands(MAX_TABLE_ELEMENTS)),
            ("linear memory per instance", format!("{} MiB", POOLED_MEMORY_BYTES >> 20)),
            ("stderr kept per failed call", format!("{} KiB", super::super::output::STDERR_TAIL_BYTES >> 10)),
            ("linear memory kept resident per slot between calls", format!("{} MiB", LINEAR_MEMORY_KEEP_RESIDENT >> 20)),
            ("table memory kept resident per slot between calls", format!("{} KiB", TABLE_KEEP_RESIDENT >> 10)),
            ("instances made ahead of a call, at most", MAX_SPARES.to_string()),
            ("instantiation made ahead of a call when slower than", format!("{} µs", SPARE_WHEN_INSTANTIATION_OVER.as_micros())),
        ];
        for (what, value) in rows {
            let row = format!("| {what} | {value} |");
            assert!(doc.contains(&row), "docs/extensions.md lacks the row `{row}`");
        }
    }
}
