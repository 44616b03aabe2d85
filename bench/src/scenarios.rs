//! The measurements, each against a real host process.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::client::{read_turn, Api, TurnLog};
use crate::host::{self, Binaries, HostProcess};
use crate::stats::Summary;

/// How much work each measurement does.
#[derive(Debug, Clone)]
pub struct Counts {
    /// Fresh starts for the ready time.
    pub starts: usize,
    /// Deltas of the flat-out reply (CPU, throughput, RSS).
    pub big: u64,
    /// Deltas of the paced reply (latency) and their rate per second.
    pub paced: u64,
    pub rate: u64,
    /// Clients of the fan-out latency run.
    pub many: usize,
    /// Clients of the paced CPU-per-delta run (the "20 clients").
    pub cpu_clients: usize,
    /// Turns for the turn start/end overhead. 200 in the full run: a nearest-rank p99 of 50 samples is their
    /// maximum (one stall of the machine), of 200 the third worst.
    pub turns: usize,
    /// Pause before the "idle" memory readings.
    pub settle: Duration,
    /// Real codex: fresh starts, short turns, approval rounds.
    pub codex_starts: usize,
    pub codex_turns: usize,
    pub codex_approvals: usize,
    /// Big-data reads: sessions listed, turns of the chat opened mid-turn, items of the transcript read, and how
    /// many times each read is timed.
    pub sessions: usize,
    pub chat_turns: usize,
    pub transcript_items: usize,
    pub reads: usize,
    /// Events the log holds (a flat-out reply streams them) before a client joins a paced reply.
    pub log_before_join: u64,
    /// Deltas the running turn streamed before the chat is opened mid-turn.
    pub streamed_before_open: usize,
}

impl Counts {
    pub fn full() -> Self {
        Self { starts: 5, big: 20_000, paced: 10_000, rate: 2_000, many: 50, cpu_clients: 20, turns: 200, settle: Duration::from_secs(3), codex_starts: 3, codex_turns: 20, codex_approvals: 5, sessions: 10_000, chat_turns: 500, transcript_items: 5_000, reads: 20, streamed_before_open: 500, log_before_join: 300_000 }
    }

    pub fn quick() -> Self {
        Self { starts: 3, big: 5_000, paced: 2_000, rate: 2_000, many: 50, cpu_clients: 20, turns: 20, settle: Duration::from_secs(1), codex_starts: 2, codex_turns: 5, codex_approvals: 2, sessions: 1_000, chat_turns: 100, transcript_items: 1_000, reads: 5, streamed_before_open: 100, log_before_join: 20_000 }
    }
}

/// Fresh starts: spawn → `/api/ready` 200, and SIGTERM → exit.
#[derive(Debug, Default)]
pub struct Startup {
    pub listening: Vec<Duration>,
    pub ready: Vec<Duration>,
    pub stop: Vec<Duration>,
}

pub async fn startup(bins: &Binaries, http: &reqwest::Client, runs: usize) -> anyhow::Result<Startup> {
    let mut out = Startup::default();
    for _ in 0..runs {
        let host = HostProcess::spawn(bins).await?;
        let (ready, _) = host.wait_ready(http).await?;
        out.listening.push(host.listening_after);
        out.ready.push(ready);
        out.stop.push(host.stop().await?);
    }
    Ok(out)
}

/// Everything measured on one long-running host.
#[derive(Debug, Default)]
pub struct Steady {
    /// Idle after the data dir's first start, once the shipped plugins are installed (each compiled).
    pub first_idle_rss_kib: u64,
    pub first_idle_anon_kib: u64,
    /// Idle after a restart on that data dir: what every later start settles at. The replies below run on it.
    pub idle_rss_kib: u64,
    /// `RssAnon` at the same moments: the host's own memory, without its executable's clean file pages.
    pub idle_anon_kib: u64,
    pub settled_anon_kib: u64,
    pub after_big_rss_kib: u64,
    pub settled_rss_kib: u64,
    pub end_rss_kib: u64,
    pub peak_rss_kib: u64,
    pub big: Option<Flat>,
    pub paced_one: Option<Fanout>,
    pub paced_many: Option<Fanout>,
    /// The paced reply to [`Counts::cpu_clients`] clients, for the host's CPU per delta.
    pub paced_cpu: Option<Fanout>,
    pub joined: Option<Joined>,
    pub turns: Option<TurnOverhead>,
    pub stop: Option<Duration>,
}

/// The flat-out reply with one client.
#[derive(Debug, Default)]
pub struct Flat {
    pub deltas: u64,
    pub received: u64,
    pub host_cpu: Duration,
    pub fake_cpu: Option<Duration>,
    /// Deltas per second between the first and the last delta frame, as the client saw them.
    pub client_rate: f64,
    /// Deltas per second between the first and last `t=` stamps: how fast the fake got to write.
    pub fake_rate: f64,
    /// POST → `turn.completed` frame.
    pub wall: Duration,
    pub resets: u64,
}

/// A client that joins a paced reply a quarter into it, asking for everything since the reply began (a UI opening a
/// chat whose turn is running), beside a client that was there from the start.
#[derive(Debug, Default)]
pub struct Joined {
    /// Events the log held before the reply (at least).
    pub log_events: u64,
    pub deltas: u64,
    pub rate: u64,
    /// Deltas the joining client got (all of them, replayed or live).
    pub received: u64,
    /// Its latency over the reply's second half, long after it caught up: as live as the first client's.
    pub late_half: Summary,
    pub host_cpu: Duration,
}

/// A paced reply to one or more clients.
#[derive(Debug, Default)]
pub struct Fanout {
    pub clients: usize,
    pub deltas: u64,
    pub rate: u64,
    pub latency: Summary,
    /// The worst client's p99.
    pub worst_client_p99: i64,
    pub received_min: u64,
    pub resets: u64,
    pub host_cpu: Duration,
    /// CPU the benchmark process itself (the clients) used meanwhile: it shares the machine with the host.
    pub client_cpu: Duration,
    /// The host's `RssAnon` [`Counts::settle`] after the reply, every client still connected: what an open
    /// connection keeps of a reply it was sent (the reply's last `item.completed` carries its whole text).
    pub open_anon_kib: u64,
}

/// Many short turns, one after another.
#[derive(Debug, Default)]
pub struct TurnOverhead {
    pub turns: usize,
    /// `fakeReceivedAtNs` − the time right before the POST was sent.
    pub start: Summary,
    /// `turn.completed` frame − `fakeEmittedAtNs`.
    pub end: Summary,
    /// POST round trip (202 received).
    pub post_rtt: Summary,
}

pub async fn steady(bins: &Binaries, http: &reqwest::Client, counts: &Counts) -> anyhow::Result<Steady> {
    let mut out = Steady::default();
    let first = HostProcess::spawn(bins).await?;
    first.wait_ready(http).await?;
    // A first start installs the shipped plugins beside ready (compiling each): idle is once that work is done.
    wait_plugins_settled(&Api::new(http.clone(), &first)).await?;
    tokio::time::sleep(counts.settle).await;
    out.first_idle_rss_kib = host::rss_kib(first.pid)?;
    out.first_idle_anon_kib = host::anon_rss_kib(first.pid)?;

    let host = first.restart(bins).await?;
    let (_, ready) = host.wait_ready(http).await?;
    let fake_pid = ready.pointer("/runtime/pid").and_then(serde_json::Value::as_u64).map(|p| p as u32);
    let pid = host.pid;
    let api = Api::new(http.clone(), &host);
    tokio::time::sleep(counts.settle).await;
    out.idle_rss_kib = host::rss_kib(pid)?;
    out.idle_anon_kib = host::anon_rss_kib(pid)?;

    let session = api.create_session(host.work_dir()).await?;

    // Warm up: one small turn through every layer, on the connection the later runs use.
    let mut ws = api.open_stream(api.last_seq().await?, &session).await?;
    run_one(&api, &session, &mut ws, "warm-up bench:deltas=200", Duration::from_secs(30)).await?;

    // 4 and 2: flat out, one client; CPU per delta, throughput, memory after.
    let cpu_before = host::cpu_time(pid)?;
    let fake_before = fake_pid.and_then(|p| host::cpu_time(p).ok());
    let started = Instant::now();
    let text = format!("bench:deltas={},rate=0", counts.big);
    let (_, log) = run_one(&api, &session, &mut ws, &text, Duration::from_secs(120)).await?;
    let wall = started.elapsed();
    let host_cpu = host::cpu_time(pid)? - cpu_before;
    let fake_cpu = match (fake_pid, fake_before) {
        (Some(p), Some(before)) => host::cpu_time(p).ok().map(|after| after - before),
        _ => None,
    };
    out.after_big_rss_kib = host::rss_kib(pid)?;
    out.big = Some(Flat {
        deltas: counts.big,
        received: log.deltas,
        host_cpu,
        fake_cpu,
        client_rate: rate(log.deltas, log.last_delta_recv_ns - log.first_delta_recv_ns),
        fake_rate: rate(log.deltas, log.last_delta_sent_ns - log.first_delta_sent_ns),
        wall,
        resets: log.resets,
    });
    tokio::time::sleep(counts.settle).await;
    out.settled_rss_kib = host::rss_kib(pid)?;
    out.settled_anon_kib = host::anon_rss_kib(pid)?;

    // 3: paced, one client.
    let text = format!("bench:deltas={},rate={}", counts.paced, counts.rate);
    let paced_timeout = Duration::from_secs(counts.paced / counts.rate.max(1) + 60);
    let cpu_before = host::cpu_time(pid)?;
    let self_before = host::cpu_time(std::process::id())?;
    let threads_before = thread_breakdown().then(|| host::threads_by_name(pid)).transpose()?;
    let (_, mut log) = run_one(&api, &session, &mut ws, &text, paced_timeout).await?;
    if let Some(before) = threads_before {
        print_threads("paced, 1 client", &before, &host::threads_by_name(pid)?, counts.paced);
    }
    if let Some(path) = std::env::var_os("CM_BENCH_LATENCY_DUMP") {
        // For finding where a tail comes from: this run's deltas in arrival order, one a line: the latency and the
        // gap since the delta before it was written, ns (the summary below sorts the latencies).
        let lines = log.delta_latency_ns.iter().zip(&log.delta_gap_ns).map(|(latency, gap)| format!("{latency} {gap}\n"));
        std::fs::write(&path, lines.collect::<String>())?;
    }
    let mut one = fanout_of(1, counts, std::slice::from_mut(&mut log));
    one.host_cpu = host::cpu_time(pid)? - cpu_before;
    one.client_cpu = host::cpu_time(std::process::id())? - self_before;
    out.paced_one = Some(one);

    // 3: paced, many clients (latency); 4: paced, 20 clients (CPU per delta).
    drop(ws);
    out.paced_many = Some(paced_fanout(&api, &session, counts, counts.many, &text, paced_timeout, pid).await?);
    out.paced_cpu = Some(paced_fanout(&api, &session, counts, counts.cpu_clients, &text, paced_timeout, pid).await?);

    // 5: turn start and end overhead.
    let mut ws = api.open_stream(api.last_seq().await?, &session).await?;
    let mut start = Vec::with_capacity(counts.turns);
    let mut end = Vec::with_capacity(counts.turns);
    let mut rtt = Vec::with_capacity(counts.turns);
    for i in 0..counts.turns {
        let (posted, log) =
            run_one(&api, &session, &mut ws, &format!("turn {i} bench:deltas=1"), Duration::from_secs(30)).await?;
        let received = log.fake_received_at_ns.context("turn.started without fakeReceivedAtNs")?;
        start.push((received - posted.sent_at_ns) as i64);
        end.push(log.completed_latency_ns.context("turn.completed without fakeEmittedAtNs")?);
        rtt.push(posted.round_trip.as_nanos() as i64);
    }
    out.turns = Some(TurnOverhead {
        turns: counts.turns,
        start: Summary::of(&mut start),
        end: Summary::of(&mut end),
        post_rtt: Summary::of(&mut rtt),
    });

    // 3: a client joining the paced reply a quarter in, from its start, on a log grown to the size of weeks of use
    // (its bounds are read at every page a reader replays).
    let grow = format!("bench:deltas={},rate=0", counts.log_before_join);
    run_one(&api, &session, &mut ws, &grow, Duration::from_secs(300)).await?;
    let since = api.last_seq().await?;
    let cpu_before = host::cpu_time(pid)?;
    let joining = async {
        tokio::time::sleep(Duration::from_secs_f64(counts.paced as f64 / counts.rate.max(1) as f64 / 4.0)).await;
        let mut late = api.open_stream(since, &session).await?;
        read_turn(&mut late, paced_timeout).await
    };
    let (first, late) = tokio::join!(run_one(&api, &session, &mut ws, &text, paced_timeout), joining);
    first?;
    let late = late?;
    let host_cpu = host::cpu_time(pid)? - cpu_before;
    let mut late_half = late.delta_latency_ns[late.delta_latency_ns.len() / 2..].to_vec();
    out.joined = Some(Joined {
        log_events: counts.log_before_join,
        deltas: counts.paced,
        rate: counts.rate,
        received: late.deltas,
        late_half: Summary::of(&mut late_half),
        host_cpu,
    });
    drop(ws);

    out.end_rss_kib = host::rss_kib(pid)?;
    out.peak_rss_kib = host::peak_rss_kib(pid)?;
    out.stop = Some(host.stop().await?);
    Ok(out)
}

/// The paced reply to `clients` websocket clients opened before the message is sent; every client reads the turn
/// to its end.
async fn paced_fanout(
    api: &Api,
    session: &str,
    counts: &Counts,
    clients: usize,
    text: &str,
    timeout: Duration,
    pid: u32,
) -> anyhow::Result<Fanout> {
    let since = api.last_seq().await?;
    let mut sockets = Vec::with_capacity(clients);
    for _ in 0..clients {
        sockets.push(api.open_stream(since, session).await?);
    }
    // Each reader hands its socket back, so the clients stay connected until the memory reading below.
    let readers: Vec<_> = sockets
        .into_iter()
        .map(|mut ws| tokio::spawn(async move { read_turn(&mut ws, timeout).await.map(|log| (log, ws)) }))
        .collect();
    let cpu_before = host::cpu_time(pid)?;
    let self_before = host::cpu_time(std::process::id())?;
    let threads_before = thread_breakdown().then(|| host::threads_by_name(pid)).transpose()?;
    api.send_message(session, text).await?;
    let mut logs = Vec::with_capacity(readers.len());
    let mut open = Vec::with_capacity(readers.len());
    for r in readers {
        let (log, ws) = r.await.context("a websocket reader panicked")??;
        logs.push(log);
        open.push(ws);
    }
    if let Some(before) = threads_before {
        print_threads(&format!("paced, {clients} clients"), &before, &host::threads_by_name(pid)?, counts.paced);
    }
    let mut fan = fanout_of(clients, counts, &mut logs);
    fan.host_cpu = host::cpu_time(pid)? - cpu_before;
    fan.client_cpu = host::cpu_time(std::process::id())? - self_before;
    tokio::time::sleep(counts.settle).await;
    fan.open_anon_kib = host::anon_rss_kib(pid)?;
    drop(open);
    Ok(fan)
}

/// Send one message and read its turn to the end on `ws`, reading while the POST is in flight.
async fn run_one(
    api: &Api,
    session: &str,
    ws: &mut crate::client::Ws,
    text: &str,
    timeout: Duration,
) -> anyhow::Result<(crate::client::Posted, TurnLog)> {
    let (posted, log) = tokio::join!(api.send_message(session, text), read_turn(ws, timeout));
    let (posted, log) = (posted?, log?);
    if log.status.as_deref() != Some("completed") {
        bail!("turn `{text}` ended {:?}", log.status);
    }
    Ok((posted, log))
}

pub fn fanout_of(clients: usize, counts: &Counts, logs: &mut [TurnLog]) -> Fanout {
    let mut worst = 0;
    let mut all = Vec::with_capacity(logs.iter().map(|l| l.delta_latency_ns.len()).sum());
    for log in logs.iter_mut() {
        worst = worst.max(Summary::of(&mut log.delta_latency_ns).p99);
        all.extend_from_slice(&log.delta_latency_ns);
    }
    Fanout {
        clients,
        deltas: counts.paced,
        rate: counts.rate,
        latency: Summary::of(&mut all),
        worst_client_p99: worst,
        received_min: logs.iter().map(|l| l.deltas).min().unwrap_or(0),
        resets: logs.iter().map(|l| l.resets).sum(),
        host_cpu: Duration::ZERO,
        client_cpu: Duration::ZERO,
        open_anon_kib: 0,
    }
}

/// `CM_BENCH_THREADS=1`: print each host thread's CPU and context switches per delta of the paced runs (stderr).
fn thread_breakdown() -> bool {
    std::env::var_os("CM_BENCH_THREADS").is_some()
}

fn print_threads(
    run: &str,
    before: &std::collections::BTreeMap<String, host::ThreadUse>,
    after: &std::collections::BTreeMap<String, host::ThreadUse>,
    deltas: u64,
) {
    eprintln!("host threads per delta, {run}:");
    for line in host::threads_used_per(before, after, deltas) {
        eprintln!("  {line}");
    }
}

fn rate(n: u64, span_ns: i128) -> f64 {
    if n < 2 || span_ns <= 0 {
        return 0.0;
    }
    (n - 1) as f64 / (span_ns as f64 / 1e9)
}

/// Wait (bounded) until the installed plugins stopped changing for two seconds: a first start installs the shipped
/// ones in the background after ready.
async fn wait_plugins_settled(api: &Api) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut last = None;
    let mut stable_since = Instant::now();
    while Instant::now() < deadline {
        let (_, body) = api.timed_get("/api/plugins").await?;
        let count = body.as_array().map(Vec::len);
        if count != last {
            last = count;
            stable_since = Instant::now();
        } else if stable_since.elapsed() >= Duration::from_secs(2) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    anyhow::bail!("the shipped plugins were still being installed after 180 s")
}
