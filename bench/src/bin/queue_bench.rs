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

#[path = "../host.rs"]
#[allow(dead_code)]
mod host;
#[path = "../stats.rs"]
#[allow(dead_code)]
mod stats;

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

// ---------------------------------------------------------------------------------------------------------------
// Store level.

fn job_row(i: usize) -> JobRow {
    let now = now_ms();
    JobRow { id: format!("bench-{i:08}"), ..JobRow::queued("bench.noop", "bench-trigger", format!("{{\"seq\":{i}}}"), "bench", now) }
}

async fn store_bench(store: Store, engine: &str, n: usize, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    // The host's default capacity: the enqueue counts the live jobs against it in the same statement.
    let capacity = 10_000;

    let mut enqueue = Vec::with_capacity(n);
    let started = Instant::now();
    for i in 0..n {
        let row = job_row(i);
        let t = Instant::now();
        let done = store.enqueue_job(&row, capacity).await?;
        enqueue.push(nanos(t.elapsed()));
        ensure!(matches!(done, Enqueued::Created(_)), "enqueue {i}: {done:?}");
    }
    let enqueue_wall = started.elapsed();
    let tenth = (n / 10).max(1);
    let first = Summary::of(&mut enqueue[..tenth].to_vec());
    let last = Summary::of(&mut enqueue[n - tenth..].to_vec());
    rows.push(Row {
        measure: format!("store ({engine}): `enqueue_job`, one after the other, into an empty queue growing to {n}"),
        latency: Some(Summary::of(&mut enqueue)),
        rate: Some(per_second(n, enqueue_wall)),
        note: format!(
            "p50 of the first tenth {} vs the last tenth {} (the capacity check counts the live jobs)",
            fmt_ms(first.p50),
            fmt_ms(last.p50)
        ),
    });

    // The scheduler's path, one job at a time, the queue draining from n to 0: the claim (pick + lanes + take, one
    // transaction), then the finish.
    let lanes = vec![KindLane { kind: "bench.noop".into(), concurrency: 8, plugin_id: "bench-trigger".into() }];
    let owner = "host-bench/lease";
    let (mut claim_finish, mut claim, mut finish) = (Vec::new(), Vec::new(), Vec::new());
    let started = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        let claimed = match store.claim_next_job("bench-host", &lanes, 2, owner, now_ms() + 30_000, now_ms()).await? {
            JobClaim::Claimed(job) => job,
            other => bail!("no job claimed: {other:?}"),
        };
        let c = t.elapsed();
        let outcome = claimed.payload.clone();
        let f = Finish { to_state: codex_manager_host::store::JobState::Succeeded, result: Some(&outcome), error_kind: None, error: None, run_after: None, detail: None };
        ensure!(store.finish_job(&claimed.id, owner, &f).await?, "finish lost");
        let both = t.elapsed();
        claim.push(nanos(c));
        finish.push(nanos(both - c));
        claim_finish.push(nanos(both));
    }
    let path_wall = started.elapsed();
    ensure!(store.queue_counts().await?.queued == 0, "jobs left queued");
    let c = Summary::of(&mut claim);
    let f = Summary::of(&mut finish);
    rows.push(Row {
        measure: format!("store ({engine}): `claim_next_job` + `finish_job` (succeeded), one job at a time, queue {n} → 0"),
        latency: Some(Summary::of(&mut claim_finish)),
        rate: Some(per_second(n, path_wall)),
        note: format!("claim p50 {} / finish p50 {}: two commits; jobs/s, no plugin, no events", fmt_ms(c.p50), fmt_ms(f.p50)),
    });
    store.close().await;
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// On PostgreSQL: a schema per part, one host or two.

/// A schema of the run's own on the server, dropped at the end of its part.
struct PgSchema {
    server: String,
    name: String,
}

impl PgSchema {
    async fn create(server: &str) -> anyhow::Result<Self> {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let name = format!("queue_bench_{}_{}", std::process::id(), now_ms());
        let mut conn = sqlx::AnyConnection::connect(server).await.context("connecting to --database-url")?;
        sqlx::raw_sql(&format!("CREATE SCHEMA {name}")).execute(&mut conn).await.context("creating the run's schema")?;
        Ok(Self { server: server.to_string(), name })
    }

    /// The server's URL with this schema first on the search path (and the connections named after it).
    fn url(&self) -> String {
        let sep = if self.server.contains('?') { '&' } else { '?' };
        format!("{}{sep}options[search_path]={name}&application_name={name}", self.server, name = self.name)
    }

    async fn drop_now(self) -> anyhow::Result<()> {
        use sqlx::Connection;
        let mut conn = sqlx::AnyConnection::connect(&self.server).await?;
        sqlx::raw_sql(&format!("DROP SCHEMA {} CASCADE", self.name)).execute(&mut conn).await?;
        Ok(())
    }
}

/// How many jobs of `kind` each host claimed, from the history rows' lease tokens (`host-<start id>/<claim id>`).
async fn claims_per_host(schema: &PgSchema, kind: &str) -> anyhow::Result<Vec<usize>> {
    use sqlx::{Connection, Row as _};
    let mut conn = sqlx::AnyConnection::connect(&schema.url()).await?;
    let rows = sqlx::query(
        "SELECT h.detail FROM job_history h JOIN jobs j ON j.id = h.job_id WHERE h.to_state = 'running' AND j.kind = $1",
    )
    .bind(kind)
    .fetch_all(&mut conn)
    .await?;
    let mut per: HashMap<String, usize> = HashMap::new();
    for r in &rows {
        let detail: Option<String> = r.try_get(0)?;
        let owner = detail.as_deref().and_then(|d| d.split("lease ").nth(1)).and_then(|l| l.split('/').next()).unwrap_or("?");
        *per.entry(owner.to_string()).or_default() += 1;
    }
    let mut counts: Vec<usize> = per.into_values().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    Ok(counts)
}

/// Drains of a burst of `bench.noop` (kind lane 8: each host's 4 worker slots are the limit) and of `test.echo`
/// (kind lane 1, shared: more hosts cannot add to it) through `hosts` hosts on one schema, every job enqueued through
/// the first host and watched on its stream (which carries every host's events).
async fn hosts_bench(args: &Args, server: &str, hosts: usize, burst: usize, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(60)).build()?;
    let schema = PgSchema::create(server).await?;
    let opts = host::HostOptions { env: vec![("CODEX_MANAGER_DATABASE_URL".into(), schema.url())], ..Default::default() };
    let mut procs = Vec::new();
    for _ in 0..hosts {
        let p = HostProcess::spawn_opts(&args.bins, &opts).await?;
        p.wait_ready(&http).await?;
        procs.push(p);
    }
    for (i, p) in procs.iter().enumerate() {
        let api = Api { http: http.clone(), base: p.base_url(), token: p.token.clone() };
        // The first host installs (the shared `plugins` row); the others install their own copy of the component.
        let upgrade = i > 0;
        api.install_as(&args.dist.join("well-behaved"), &["log", "kv", "sessions-read", "jobs", "workers", "notes"], Some("[]"), upgrade).await?;
        api.install_as(&args.dist.join("bench-trigger"), &["log", "jobs"], None, upgrade).await?;
    }
    let first = &procs[0];
    let api = Api { http: http.clone(), base: first.base_url(), token: first.token.clone() };
    let (watch, reader) = watch_stream(first.addr, &first.token, "job.").await?;
    // Every job of a burst becomes due at one instant after the enqueue phase (`delayMs`), so the drain measures
    // the hosts' claims and runs, not the rate of POSTs, and every host's scheduler wakes for it at once.
    let delay = Duration::from_millis(5 * burst as u64 + 2_000);
    for (kind, lane) in [("bench.noop", "kind lane 8, 4 worker slots per host"), ("test.echo", "kind lane 1 across hosts")] {
        let started = Instant::now();
        futures_util::stream::iter(0..burst)
            .map(|i| {
                let api = api.clone();
                async move {
                    let (status, body) =
                        api.post("/api/jobs", &json!({"kind": kind, "payload": {"burst": i}, "delayMs": delay.as_millis() as u64})).await?;
                    ensure!(status == reqwest::StatusCode::CREATED, "POST /api/jobs answered {status}: {body}");
                    Ok::<_, anyhow::Error>(())
                }
            })
            .buffer_unordered(BURST_IN_FLIGHT)
            .try_collect::<Vec<_>>()
            .await?;
        let enqueued = started.elapsed();
        ensure!(enqueued < delay, "the enqueue phase ({enqueued:?}) outlasted the delay ({delay:?})");
        let due = started + delay;
        let last = watch
            .until(BURST_TIMEOUT, "burst drained", |s| {
                let e = s.ended.get(kind)?;
                if e.1 > 0 {
                    return Some(None);
                }
                (e.0 >= burst).then_some(e.2)
            })
            .await?
            .with_context(|| format!("some `{kind}` jobs failed"))?;
        let drain = last.saturating_duration_since(due);
        let split = claims_per_host(&schema, kind).await?;
        rows.push(Row {
            measure: format!("PostgreSQL, {hosts} host(s) on one schema: drain of {burst} `{kind}` jobs ({lane}) due at once → last `job.succeeded`"),
            latency: None,
            rate: Some(per_second(burst, drain)),
            note: format!("{:.2} s; claims per host {split:?}; enqueue phase {:.0} jobs/s (8 in flight)", drain.as_secs_f64(), per_second(burst, enqueued)),
        });
    }
    reader.abort();
    for p in procs {
        p.stop().await?;
    }
    schema.drop_now().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// Through a real host.

/// What the websocket showed of one job: frame receive times.
#[derive(Debug, Default, Clone)]
struct JobSeen {
    kind: String,
    session_id: Option<String>,
    payload: Value,
    queued: Option<Instant>,
    started: Option<Instant>,
    ended: Option<Instant>,
    state: Option<String>,
}

#[derive(Default)]
struct Seen {
    jobs: HashMap<String, JobSeen>,
    /// session id → (receive time, seq) of its `session.created`.
    sessions: HashMap<String, (Instant, i64)>,
    /// session id → the id of the job enqueued for it.
    job_of_session: HashMap<String, String>,
    /// kind → (succeeded, failed or canceled, last `job.succeeded` receive time).
    ended: HashMap<String, (usize, usize, Option<Instant>)>,
    resets: usize,
    frames: usize,
}

struct Watch {
    seen: Mutex<Seen>,
    changed: Notify,
}

impl Watch {
    /// Wait until `cond` holds on what was seen (checked after every frame), at most `timeout`.
    async fn until<T>(&self, timeout: Duration, what: &str, mut cond: impl FnMut(&Seen) -> Option<T>) -> anyhow::Result<T> {
        let wait = async {
            loop {
                let notified = self.changed.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if let Some(v) = cond(&self.seen.lock().expect("seen poisoned")) {
                    return v;
                }
                notified.await;
            }
        };
        match tokio::time::timeout(timeout, wait).await {
            Ok(v) => Ok(v),
            Err(_) => {
                let s = self.seen.lock().expect("seen poisoned");
                bail!("{what}: not seen within {timeout:?} ({} frames, {} resets, ended {:?})", s.frames, s.resets, s.ended)
            }
        }
    }
}

/// Open the event stream of the host at `addr` for `types` and read it in a task of its own into a [`Watch`], each
/// frame stamped when it arrived.
async fn watch_stream(addr: std::net::SocketAddr, token: &str, types: &str) -> anyhow::Result<(Arc<Watch>, tokio::task::JoinHandle<()>)> {
    let url = format!("ws://{addr}/api/stream?types={types}");
    let mut request = url.as_str().into_client_request()?;
    request.headers_mut().insert("Authorization", format!("Bearer {token}").parse()?);
    let (ws, _) = tokio_tungstenite::connect_async(request).await.context("opening the stream")?;
    let watch = Arc::new(Watch { seen: Mutex::new(Seen::default()), changed: Notify::new() });
    let reader = {
        let watch = watch.clone();
        tokio::spawn(async move {
            let (_tx, mut rx) = ws.split();
            while let Some(Ok(frame)) = rx.next().await {
                let at = Instant::now();
                if let Message::Text(text) = frame {
                    read_frame(&watch, text.as_str(), at);
                }
            }
        })
    };
    Ok((watch, reader))
}

fn read_frame(watch: &Watch, text: &str, at: Instant) {
    let Ok(v) = serde_json::from_str::<Value>(text) else { return };
    let kind = v["type"].as_str().unwrap_or_default();
    let mut s = watch.seen.lock().expect("seen poisoned");
    s.frames += 1;
    match kind {
        "reset" => s.resets += 1,
        "session.created" => {
            if let Some(id) = v["sessionId"].as_str() {
                let seq = v["seq"].as_i64().unwrap_or(-1);
                s.sessions.insert(id.to_string(), (at, seq));
            }
        }
        k if k.starts_with("job.") => {
            let data = &v["data"];
            let Some(id) = data["id"].as_str() else { return };
            let job_kind = data["kind"].as_str().unwrap_or_default().to_string();
            let session = data["sessionId"].as_str().map(str::to_owned);
            if let (Some(sid), "job.queued") = (&session, k) {
                s.job_of_session.entry(sid.clone()).or_insert_with(|| id.to_string());
            }
            let job = s.jobs.entry(id.to_string()).or_default();
            job.kind.clone_from(&job_kind);
            job.session_id = session;
            job.payload = data["payload"].clone();
            match k {
                "job.queued" => job.queued = job.queued.or(Some(at)),
                "job.started" => job.started = Some(at),
                "job.succeeded" | "job.failed" | "job.canceled" => {
                    job.ended = Some(at);
                    job.state = Some(k.trim_start_matches("job.").to_string());
                    let e = s.ended.entry(job_kind).or_default();
                    if k == "job.succeeded" {
                        e.0 += 1;
                        e.2 = Some(at);
                    } else {
                        e.1 += 1;
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
    drop(s);
    watch.changed.notify_waiters();
}

#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn post(&self, path: &str, body: &Value) -> anyhow::Result<(reqwest::StatusCode, Value)> {
        let resp = self.http.post(format!("{}{path}", self.base)).bearer_auth(&self.token).json(body).send().await?;
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or_default();
        Ok((status, body))
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        Ok(self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.token).send().await?.json().await?)
    }

    /// `POST /api/jobs` → the job id.
    async fn enqueue(&self, kind: &str, payload: Value) -> anyhow::Result<String> {
        let (status, body) = self.post("/api/jobs", &json!({"kind": kind, "payload": payload})).await?;
        ensure!(status == reqwest::StatusCode::CREATED, "POST /api/jobs answered {status}: {body}");
        body["id"].as_str().map(str::to_owned).context("POST /api/jobs returned no id")
    }

    /// Install `dist/<id>` granting `grant`; `events` replaces the manifest's subscriptions when given.
    async fn install(&self, package: &Path, grant: &[&str], events: Option<&str>) -> anyhow::Result<()> {
        self.install_as(package, grant, events, false).await
    }

    /// The same, as an upgrade when `upgrade` (a second host's copy of a plugin the shared store lists already).
    async fn install_as(&self, package: &Path, grant: &[&str], events: Option<&str>, upgrade: bool) -> anyhow::Result<()> {
        let mut manifest = std::fs::read_to_string(package.join("plugin.toml"))?;
        if let Some(events) = events {
            let line = manifest.lines().find(|l| l.trim_start().starts_with("events =")).context("no events line")?.to_string();
            manifest = manifest.replace(&line, &format!("events = {events}"));
        }
        let wasm = std::fs::read(package.join("plugin.wasm"))?;
        let body = json!({"manifest": manifest, "component": base64(&wasm), "grant": grant, "upgrade": upgrade});
        let (status, body) = self.post("/api/plugins", &body).await?;
        ensure!(status.is_success(), "installing {} answered {status}: {body}", package.display());
        Ok(())
    }
}

/// Standard base64 with padding (the plugin install body).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Phases of a series of jobs run one at a time.
#[derive(Default)]
struct Phases {
    total: Vec<i64>,
    to_queued: Vec<i64>,
    queued_to_started: Vec<i64>,
    started_to_ended: Vec<i64>,
}

impl Phases {
    fn add(&mut self, from: Instant, job: &JobSeen) -> anyhow::Result<()> {
        let (Some(q), Some(s), Some(e)) = (job.queued, job.started, job.ended) else {
            bail!("a job without its queued/started/ended frames: {job:?}")
        };
        ensure!(job.state.as_deref() == Some("succeeded"), "a job ended {:?}: {job:?}", job.state);
        self.total.push(nanos(e - from));
        self.to_queued.push(nanos(q.saturating_duration_since(from)));
        self.queued_to_started.push(nanos(s.saturating_duration_since(q)));
        self.started_to_ended.push(nanos(e.saturating_duration_since(s)));
        Ok(())
    }

    fn note(&mut self, first: &str) -> String {
        let a = Summary::of(&mut self.to_queued);
        let b = Summary::of(&mut self.queued_to_started);
        let c = Summary::of(&mut self.started_to_ended);
        format!(
            "p50/p99: {first} → `job.queued` {}/{}; → `job.started` {}/{}; → `job.succeeded` {}/{}",
            fmt_ms(a.p50),
            fmt_ms(a.p99),
            fmt_ms(b.p50),
            fmt_ms(b.p99),
            fmt_ms(c.p50),
            fmt_ms(c.p99)
        )
    }
}

async fn host_bench(args: &Args, counts: Counts, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .pool_idle_timeout(Duration::from_secs(300))
        .build()?;
    let host = HostProcess::spawn(&args.bins).await?;
    host.wait_ready(&http).await?;
    let api = Api { http: http.clone(), base: host.base_url(), token: host.token.clone() };

    api.install(
        &args.dist.join("well-behaved"),
        &["log", "kv", "sessions-read", "jobs", "workers", "notes"],
        Some("[]"),
    )
    .await?;
    api.install(&args.dist.join("bench-trigger"), &["log", "jobs"], None).await?;
    let kinds = api.get("/api/jobs/kinds").await?;
    eprintln!("queue-bench: job kinds {}", kinds["kinds"]);

    // One websocket sees everything: job events and session.created, from now on.
    let (watch, reader) = watch_stream(host.addr, &host.token, "job.,session.created").await?;

    // a. API enqueue → job.succeeded, one at a time.
    let mut phases = Phases::default();
    let mut post_rtt = Vec::new();
    for i in 0..WARM_UP + counts.latency {
        let t = Instant::now();
        let id = api.enqueue("test.echo", json!({"i": i})).await?;
        let rtt = t.elapsed();
        let job = watch.until(JOB_TIMEOUT, "test.echo job.succeeded", |s| s.jobs.get(&id).filter(|j| j.ended.is_some()).cloned()).await?;
        if i >= WARM_UP {
            post_rtt.push(nanos(rtt));
            phases.add(t, &job)?;
        }
    }
    let note = phases.note("POST sent");
    rows.push(Row {
        measure: "host: `POST /api/jobs` (`test.echo`) sent → `job.succeeded` frame, one job at a time".into(),
        latency: Some(Summary::of(&mut phases.total)),
        rate: None,
        note,
    });
    rows.push(Row {
        measure: "host: `POST /api/jobs` round trip (201 received)".into(),
        latency: Some(Summary::of(&mut post_rtt)),
        rate: None,
        note: String::new(),
    });

    // b. Drain of a burst.
    for (kind, lane) in [("test.echo", "kind lane 1"), ("bench.noop", "kind lane 8, global 4")] {
        let before = watch.seen.lock().expect("seen poisoned").ended.get(kind).map_or(0, |e| e.0);
        let cpu_before = host::cpu_time(host.pid)?;
        let threads_before = thread_cpu(host.pid);
        let started = Instant::now();
        futures_util::stream::iter(0..counts.burst)
            .map(|i| {
                let api = api.clone();
                async move { api.enqueue(kind, json!({"burst": i})).await }
            })
            .buffer_unordered(BURST_IN_FLIGHT)
            .try_collect::<Vec<_>>()
            .await?;
        let enqueued = started.elapsed();
        let target = before + counts.burst;
        let last = watch
            .until(BURST_TIMEOUT, "burst drained", |s| {
                let e = s.ended.get(kind)?;
                if e.1 > 0 {
                    return Some(None);
                }
                (e.0 >= target).then_some(e.2)
            })
            .await?
            .with_context(|| format!("some `{kind}` jobs failed"))?;
        let drain = last - started;
        let cpu = host::cpu_time(host.pid)?.saturating_sub(cpu_before);
        let by_thread = thread_cpu_delta(&threads_before, &thread_cpu(host.pid), counts.burst);
        rows.push(Row {
            measure: format!("host: drain of {} `{kind}` jobs ({lane}), first POST → last `job.succeeded`", counts.burst),
            latency: None,
            rate: Some(per_second(counts.burst, drain)),
            note: format!(
                "{:.2} s; enqueue phase {:.0} jobs/s (8 in flight); host CPU {:.0} µs/job ({} ms ticks), by thread: {by_thread}",
                drain.as_secs_f64(),
                per_second(counts.burst, enqueued),
                cpu.as_secs_f64() * 1e6 / counts.burst as f64,
                host::clock_tick().as_millis()
            ),
        });
    }

    // b'. A job of a free lane behind a backlog of a busy one: `backlog` test.echo (kind lane 1), then one
    // bench.noop (its lane empty). How long does it wait, and how many echo jobs end before it?
    let backlog = counts.burst / 4;
    let echo_start = watch.seen.lock().expect("seen poisoned").ended.get("test.echo").map_or(0, |e| e.0);
    futures_util::stream::iter(0..backlog)
        .map(|i| {
            let api = api.clone();
            async move { api.enqueue("test.echo", json!({"backlog": i})).await }
        })
        .buffer_unordered(BURST_IN_FLIGHT)
        .try_collect::<Vec<_>>()
        .await?;
    let echo_before = watch.seen.lock().expect("seen poisoned").ended.get("test.echo").map_or(0, |e| e.0);
    let t = Instant::now();
    let id = api.enqueue("bench.noop", json!({"behind": backlog})).await?;
    let (ended, echo_ended) = watch
        .until(BURST_TIMEOUT, "the job behind the backlog", |s| {
            let ended = s.jobs.get(&id)?.ended?;
            Some((ended, s.ended.get("test.echo").map_or(0, |e| e.0) - echo_before))
        })
        .await?;
    let waited = ended - t;
    watch
        .until(BURST_TIMEOUT, "backlog drained", |s| (s.ended.get("test.echo")?.0 >= echo_start + backlog).then_some(()))
        .await?;
    rows.push(Row {
        measure: format!("host: one `bench.noop` enqueued behind {backlog} queued `test.echo` (kind lane 1): POST → `job.succeeded`"),
        latency: Some(Summary::of(&mut [nanos(waited)])),
        rate: None,
        note: format!("{echo_ended} echo jobs ended between its POST and its `job.succeeded` (its own lane was empty throughout)"),
    });

    // c. Event-triggered: POST /api/sessions → session.created → bench-trigger enqueues → job.succeeded.
    let cwd = host.work_dir().to_path_buf();
    let mut from_post = Vec::new();
    let mut phases = Phases::default();
    for i in 0..WARM_UP + counts.sessions {
        let t = Instant::now();
        let (status, body) = api.post("/api/sessions", &json!({"cwd": cwd.display().to_string()})).await?;
        ensure!(status.is_success(), "POST /api/sessions answered {status}: {body}");
        let sid = body["id"].as_str().context("no session id")?.to_string();
        let (created, seq, job) = watch
            .until(JOB_TIMEOUT, "bench.noop job.succeeded of a session", |s| {
                let (created, seq) = *s.sessions.get(&sid)?;
                let job = s.jobs.get(s.job_of_session.get(&sid)?)?;
                job.ended.is_some().then(|| (created, seq, job.clone()))
            })
            .await?;
        ensure!(job.kind == "bench.noop", "the session's job is a {}", job.kind);
        ensure!(job.payload["seq"].as_i64() == Some(seq), "payload {} vs session.created seq {seq}", job.payload);
        if i >= WARM_UP {
            from_post.push(nanos(job.ended.unwrap_or(t) - t));
            phases.add(created, &job)?;
        }
    }
    let note = phases.note("`session.created`");
    rows.push(Row {
        measure: "host: event-triggered: `session.created` frame → its `bench.noop` `job.succeeded` frame".into(),
        latency: Some(Summary::of(&mut phases.total)),
        rate: None,
        note,
    });
    rows.push(Row {
        measure: "host: event-triggered: `POST /api/sessions` sent → `job.succeeded` frame".into(),
        latency: Some(Summary::of(&mut from_post)),
        rate: None,
        note: "includes `thread/start` on the fake app-server".into(),
    });

    let (frames, resets) = {
        let s = watch.seen.lock().expect("seen poisoned");
        (s.frames, s.resets)
    };
    ensure!(resets == 0, "the stream sent {resets} reset frames: some frames were not seen");
    eprintln!("queue-bench: {frames} frames, rss {} KiB", host::rss_kib(host.pid).unwrap_or(0));
    reader.abort();
    host.stop().await?;
    Ok(())
}

/// CPU time (user + system, clock ticks) of each thread of `pid`, summed by thread name.
fn thread_cpu(pid: u32) -> HashMap<String, u64> {
    let mut out = HashMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return out };
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        // Numbered threads (`tokio-runtime-w`, `sqlx-sqlite-worker-3`) pooled under one name.
        let name = stat[open + 1..close].trim_end_matches(|c: char| c.is_ascii_digit() || c == '-').to_string();
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        let ticks = fields.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
            + fields.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
        *out.entry(name).or_default() += ticks;
    }
    out
}

/// `name µs/job` for each thread name that used CPU between two readings, most first. Threads that exited in
/// between are not counted.
fn thread_cpu_delta(before: &HashMap<String, u64>, after: &HashMap<String, u64>, jobs: usize) -> String {
    let tick_us = host::clock_tick().as_secs_f64() * 1e6;
    let mut used: Vec<(String, u64)> = after
        .iter()
        .map(|(name, t)| (name.clone(), t.saturating_sub(before.get(name).copied().unwrap_or(0))))
        .filter(|(_, t)| *t > 0)
        .collect();
    used.sort_by(|a, b| b.1.cmp(&a.1));
    used.iter().map(|(name, t)| format!("`{name}` {:.0}", *t as f64 * tick_us / jobs as f64)).collect::<Vec<_>>().join(", ")
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

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
