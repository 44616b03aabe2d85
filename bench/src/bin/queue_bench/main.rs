//! `queue-bench`: the durable job queue's throughput and latency.
//!
//! ```text
//! queue-bench [--host-bin PATH] [--fake-bin PATH] [--dist DIR] [--quick] [--store-only] [--json FILE]
//!             [--database-url postgres://…]
//! ```
//!
//! 1. **Store**, in process on a fresh SQLite store in a temp dir: `Store::enqueue_job` one after the other
//!    (jobs/s, per-call p50/p99, first vs last tenth of the queue), then the scheduler's path per job:
//!    `claim_next_job` (the pick, the lanes and the claim in one transaction) + `finish_job`.
//! 2. **Host**: a real `codex-manager serve` (the fake app-server as its codex, no bundled plugins) with the test
//!    plugins `well-behaved` (installed with no event subscriptions, so the queue's own events cost no plugin
//!    calls) and `bench-trigger`, watched over one websocket (`/api/stream?types=job.,session.created`):
//!    - `POST /api/jobs` (`test.echo`) → `job.succeeded` frame, one job at a time, with the phases between;
//!    - drain of a burst: N jobs enqueued through the API (8 requests in flight), from the first POST to the last
//!      `job.succeeded` frame, for `test.echo` (kind lane 1) and `bench.noop` (kind lane 8, global lane 4);
//!    - event-triggered: `POST /api/sessions` → `session.created` → bench-trigger's on-event enqueues `bench.noop`
//!      (payload `{"seq": <event seq>}`) → `job.succeeded`, one session at a time.
//!
//! With `--database-url` (PostgreSQL, a role that may create schemas), each part runs on a schema of its own on that
//! server instead (created and dropped by the run): the store part as above, then the drains of a burst of
//! `bench.noop` and of `test.echo` through **one host and then two hosts** sharing one schema (all jobs enqueued
//! through the first with one `delayMs`, so they fall due at one instant after the enqueue phase; timed from that
//! instant; both hosts claim). The other host measures are SQLite's.
//!
//! Defaults: `codex-manager` and `fake-app-server` next to this binary, plugins from `plugins/dist`
//! (`plugins/build.sh`). Prints a markdown table; `--json FILE` also writes every number as JSON. See the Queue
//! section of `docs/benchmarks.md`.

mod api;
#[path = "../../host.rs"]
#[allow(dead_code)]
mod host;
mod postgres;
#[path = "../../stats.rs"]
#[allow(dead_code)]
mod stats;
mod store_level;
mod through_host;
mod watch;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{json, Value};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use codex_manager_host::store::{now_ms, Enqueued, Finish, JobClaim, JobRow, KindLane, Store};
use host::{Binaries, HostProcess, Scratch};
use postgres::{hosts_bench, PgSchema};
use store_level::store_bench;
use through_host::host_bench;
use stats::Summary;

const USAGE: &str = "usage: queue-bench [--host-bin PATH] [--fake-bin PATH] [--dist DIR] [--quick] [--store-only] [--json FILE] \
     [--database-url postgres://…]";
/// Longest wait for one job (or one burst) to be seen succeeding.
const JOB_TIMEOUT: Duration = Duration::from_secs(30);
const BURST_TIMEOUT: Duration = Duration::from_secs(600);
/// Requests in flight while a burst is enqueued.
const BURST_IN_FLIGHT: usize = 8;
/// Jobs run before each latency series, not counted (first instances, connection set-up).
const WARM_UP: usize = 10;

struct Args {
    bins: Binaries,
    dist: PathBuf,
    quick: bool,
    store_only: bool,
    json: Option<PathBuf>,
    /// A PostgreSQL server to run on instead of SQLite.
    database_url: Option<String>,
}

#[derive(Debug, Clone, Copy)]
struct Counts {
    store: usize,
    latency: usize,
    burst: usize,
    sessions: usize,
}

impl Counts {
    fn full() -> Self {
        Self { store: 5_000, latency: 200, burst: 2_000, sessions: 200 }
    }
    fn quick() -> Self {
        Self { store: 1_000, latency: 50, burst: 500, sessions: 50 }
    }
}

fn parse_args() -> anyhow::Result<Args> {
    let here = std::env::current_exe()?.parent().map(PathBuf::from).unwrap_or_default();
    let mut bins = Binaries { host: here.join("codex-manager"), fake: here.join("fake-app-server") };
    let mut dist = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../plugins/dist");
    let (mut quick, mut store_only, mut json, mut database_url) = (false, false, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--host-bin" => bins.host = PathBuf::from(value()?),
            "--fake-bin" => bins.fake = PathBuf::from(value()?),
            "--dist" => dist = PathBuf::from(value()?),
            "--json" => json = Some(PathBuf::from(value()?)),
            "--database-url" => database_url = Some(value()?),
            "--quick" => quick = true,
            "--store-only" => store_only = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    if !store_only {
        for (what, path) in [("--host-bin", &bins.host), ("--fake-bin", &bins.fake)] {
            ensure!(
                path.is_file(),
                "{what} {} does not exist; build first: cargo build --release -p codex-manager -p codex-manager-fakes",
                path.display()
            );
        }
        for id in ["well-behaved", "bench-trigger"] {
            ensure!(dist.join(id).join("plugin.wasm").is_file(), "no {id} in {}: run plugins/build.sh", dist.display());
        }
        bins.host = std::fs::canonicalize(&bins.host)?;
        bins.fake = std::fs::canonicalize(&bins.fake)?;
    }
    Ok(Args { bins, dist, quick, store_only, json, database_url })
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    // The host under test installs no shipped plugins: only the two test plugins run, so every plugin call is
    // the queue's. Set before any thread exists; the host inherits it.
    std::env::set_var("CODEX_MANAGER_BUNDLED_PLUGINS", "none");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(run(args))
}

/// One row of the report.
struct Row {
    measure: String,
    latency: Option<Summary>,
    rate: Option<f64>,
    note: String,
}

impl Row {
    fn json(&self) -> Value {
        json!({
            "measure": self.measure,
            "n": self.latency.map(|s| s.n),
            "p50_ms": self.latency.map(|s| s.p50 as f64 / 1e6),
            "p99_ms": self.latency.map(|s| s.p99 as f64 / 1e6),
            "max_ms": self.latency.map(|s| s.max as f64 / 1e6),
            "per_s": self.rate,
            "note": self.note,
        })
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let counts = if args.quick { Counts::quick() } else { Counts::full() };
    let mut rows = Vec::new();

    eprintln!("queue-bench: store, {} jobs…", counts.store);
    if let Some(server) = &args.database_url {
        let schema = PgSchema::create(server).await?;
        let scratch = Scratch::new("store")?;
        let store = Store::connect(&schema.url(), &scratch.path).await?;
        store_bench(store, "PostgreSQL", counts.store, &mut rows).await.context("store runs")?;
        schema.drop_now().await?;
        if !args.store_only {
            for hosts in [1, 2] {
                eprintln!("queue-bench: {hosts} host(s) on one PostgreSQL schema, bursts of {}…", counts.burst);
                hosts_bench(&args, server, hosts, counts.burst, &mut rows).await.with_context(|| format!("{hosts} host(s) on PostgreSQL"))?;
            }
        }
    } else {
        let scratch = Scratch::new("store")?;
        let store = Store::open(&scratch.path).await?;
        store_bench(store, "SQLite", counts.store, &mut rows).await.context("store runs")?;
    }

    if !args.store_only && args.database_url.is_none() {
        eprintln!(
            "queue-bench: host: {} echo jobs one at a time, bursts of {}, {} sessions…",
            counts.latency, counts.burst, counts.sessions
        );
        host_bench(&args, counts, &mut rows).await.context("host runs")?;
    }

    let mut out = String::new();
    let _ = writeln!(out, "| measure | n | p50 | p99 | max | rate | note |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for r in &rows {
        let (n, p50, p99, max) = match r.latency {
            Some(s) => (s.n.to_string(), fmt_ms(s.p50), fmt_ms(s.p99), fmt_ms(s.max)),
            None => ("—".into(), "—".into(), "—".into(), "—".into()),
        };
        let rate = r.rate.map_or("—".into(), |r| format!("{r:.0}/s"));
        let _ = writeln!(out, "| {} | {n} | {p50} | {p99} | {max} | {rate} | {} |", r.measure, r.note);
    }
    let _ = writeln!(out, "\nmachine: {}", machine());
    println!("{out}");
    if let Some(path) = &args.json {
        let doc = json!({
            "quick": args.quick,
            "counts": {"store": counts.store, "latency": counts.latency, "burst": counts.burst, "sessions": counts.sessions},
            "machine": machine(),
            "rows": rows.iter().map(Row::json).collect::<Vec<_>>(),
        });
        std::fs::write(path, serde_json::to_string_pretty(&doc)?).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("queue-bench: wrote {}", path.display());
    }
    Ok(())
}

fn fmt_ms(ns: i64) -> String {
    let ms = ns as f64 / 1e6;
    if ms < 10.0 {
        format!("{ms:.3} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

fn nanos(d: Duration) -> i64 {
    d.as_nanos() as i64
}

fn per_second(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

/// `N CPUs (model), M GiB RAM, Linux K`.
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| c.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split_once(':')).map(|(_, v)| v.trim().to_string()))
        .unwrap_or_else(|| "unknown CPU".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").map(|k| k.trim().to_string()).unwrap_or_default();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<u64>().ok()))
        .map(|kib| format!("{:.0} GiB RAM", kib as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!("{cpus} CPUs ({model}), {mem}, Linux {kernel}")
}
