//! `plugin-bench`: the plugin runtime's costs, in process, on the real engine and store.
//!
//!     cargo run --release -p codex-manager-bench --bin plugin-bench [-- --quick]
//!
//! Needs the built plugins (plugins/build.sh). Measures:
//! 1. cold install: compile + validate + store a component (word-tools);
//! 2. warm restart: a new plugin host on the same data dir, loading the cached compiled artifact;
//! 3. one call into a plugin with a fresh instance (a tool call to word-tools' `count_words`), p50/p99;
//! 4. one event dispatched to one plugin through its queue (word-tools subscribed to `bench.`, default handler),
//!    from publish to the call being recorded, p50/p99 of the call itself as recorded;
//! 5. the same with two host imports per event (well-behaved: `kv.get` + `kv.set`, each a store round trip).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use codex_manager_conformance::plugin_harness::Harness;
use codex_manager_host::plugins::manifest::Manifest;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn summary(mut v: Vec<f64>) -> String {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    format!("p50 {:.1} µs / p99 {:.1} µs (n={})", percentile(&v, 0.5), percentile(&v, 0.99), v.len())
}

async fn install_with_events(h: &Harness, package: &Path, events: &str) -> anyhow::Result<String> {
    let manifest = std::fs::read_to_string(package.join("plugin.toml"))?;
    let manifest = manifest.replace("events = []", &format!("events = [\"{events}\"]"));
    let wasm = std::fs::read(package.join("plugin.wasm"))?;
    let parsed = Manifest::parse(&manifest)?;
    let grant: Vec<_> = parsed.requested().into_iter().collect();
    h.plugins.install(&manifest, &wasm, &grant, false).await?;
    Ok(parsed.id)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let n = if quick { 300 } else { 2000 };
    let dist = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../plugins/dist");
    anyhow::ensure!(dist.join("word-tools/plugin.wasm").exists(), "build the plugins first: plugins/build.sh");
    let dir = std::env::temp_dir().join(format!("plugin-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let h = Harness::start(&dir).await?;
    let started = Instant::now();
    let id = install_with_events(&h, &dist.join("word-tools"), "bench.").await?;
    let cold_install = started.elapsed();

    let mut tool = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let r = h.plugins.call_tool("count_words", r#"{"text":"one two three four"}"#, None, None).await;
        tool.push(t.elapsed().as_secs_f64() * 1e6);
        anyhow::ensure!(matches!(r, Some(Ok(ref s)) if s == "4"), "unexpected tool answer {r:?}");
    }

    // Tool calls are recorded in the background: let them land before counting event calls.
    h.wait_calls(&id, n, Duration::from_secs(120)).await;
    // In bursts below the per-plugin queue (1024), so nothing is dropped.
    let t = Instant::now();
    let per_burst = 500.min(n);
    for burst in 0..(n / per_burst) {
        for i in 0..per_burst {
            h.publish("bench.tick", None, serde_json::json!({"i": burst * per_burst + i})).await;
        }
        h.wait_calls(&id, n + (burst + 1) * per_burst, Duration::from_secs(120)).await;
    }
    let calls = h.wait_calls(&id, 2 * n, Duration::from_secs(120)).await;
    let dispatch_wall = t.elapsed();
    let event_calls: Vec<f64> = calls.iter().filter(|c| c.trigger.starts_with("event:bench.")).map(|c| c.duration_us as f64).collect();

    let good = h.install(&dist.join("well-behaved")).await?;
    for i in 0..(n / 4).min(500) {
        h.publish("bench.kv", None, serde_json::json!({"i": i})).await;
    }
    let kv_calls: Vec<f64> = h
        .wait_calls(&good.id, (n / 4).min(500), Duration::from_secs(120))
        .await
        .iter()
        .filter(|c| c.trigger.starts_with("event:bench.kv"))
        .map(|c| c.duration_us as f64)
        .collect();
    drop(h);

    let started = Instant::now();
    let warm = Harness::start(&dir).await?;
    let warm_restart = started.elapsed();
    let listed = warm.plugins.list().await?;
    for p in &listed {
        anyhow::ensure!(p.enabled, "{} came back disabled: {:?}", p.id, p.disabled_reason);
    }

    println!("| measure | measured | target (DESIGN.md) |");
    println!("|---|---|---|");
    println!("| cold install of word-tools (compile + validate + store) | {:.1} ms | — |", cold_install.as_secs_f64() * 1e3);
    println!("| warm restart: plugin host start with 2 cached plugins | {:.1} ms | — |", warm_restart.as_secs_f64() * 1e3);
    println!("| one tool call, fresh instance included | {} | ≤ 30 µs p50 |", summary(tool));
    println!("| one event to one plugin, fresh instance included (call as recorded) | {} | ≤ 30 µs p50 |", summary(event_calls));
    println!("| {n} events dispatched, publish → all recorded | {:.1} ms ({:.1} µs/event) | — |", dispatch_wall.as_secs_f64() * 1e3, dispatch_wall.as_secs_f64() * 1e6 / n as f64);
    println!("| one event with two kv imports (each a store write/read) | {} | — |", summary(kv_calls));
    println!("\npooling allocator: {}", if warm.plugins.pooled_allocator() { "yes" } else { "no (on-demand instances)" });
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
