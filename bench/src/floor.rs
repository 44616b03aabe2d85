//! The floor of the delta path: what relaying app-server's paced stream to websocket clients costs with nothing but
//! the relaying, on the machine the host is measured on.
//!
//! The relay is this binary run as `cm-bench --floor-relay <fake-app-server> <clients> <runtime>`, a process of its
//! own so that its CPU is counted like the host's, on one of two runtimes ([`RelayRuntime`]). It starts the same fake peer, initializes it and starts a thread, accepts
//! `clients` websocket connections, then runs one task, woken once per line from the fake's pipe: it reads the line,
//! parses it as far as telling its method and slicing out its params (borrowed, no copy), and writes one frame of
//! `{"type":…,"data":<params>}` to each client. No store, no sequence numbers, no replay, no task per client, no
//! authentication: the least any relay that forwards each delta as it arrives must do. Turns are asked for on its
//! stdin, one text a line; it exits at the end of its stdin.
//!
//! cm-bench runs the paced reply of the host's rows through it, to one client and to
//! [`Counts::cpu_clients`](crate::scenarios::Counts) clients, and reports its CPU per delta and its latency beside
//! the host's: how much of the host's figure the machine's wake-ups and socket writes take before any of the host's
//! own work (docs/benchmarks.md, "The floor").

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use futures_util::SinkExt;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{ChildStdin, ChildStdout, Command};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use crate::client::{read_turn, Ws};
use crate::host;
use crate::report::{micros_per, ns_ms, plural, thousands, Metric, Report, Unit};
use crate::scenarios::{fanout_of, Counts, Fanout};

/// The flag that makes this binary the floor's relay.
pub const RELAY_FLAG: &str = "--floor-relay";

/// One line of app-server's output, as far as the relay looks into it.
#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    method: Option<&'a str>,
    #[serde(borrow)]
    params: Option<&'a RawValue>,
    id: Option<Value>,
    result: Option<Value>,
}

/// The runtime the relay's one task runs on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RelayRuntime {
    /// Tokio's current-thread runtime: the task, the pipe's and the sockets' readiness on one thread. The least a
    /// relay can spend per delta.
    OneThread,
    /// Tokio's multi-thread runtime with two workers, as the host runs on this machine: a wake-up can move the task
    /// to the other worker, or wake that worker for nothing.
    TwoWorkers,
}

impl RelayRuntime {
    fn arg(self) -> &'static str {
        match self {
            RelayRuntime::OneThread => "one-thread",
            RelayRuntime::TwoWorkers => "two-workers",
        }
    }

    fn label(self) -> &'static str {
        match self {
            RelayRuntime::OneThread => "one thread",
            RelayRuntime::TwoWorkers => "two workers, as the host",
        }
    }
}

/// The relay process: `args` are what follows [`RELAY_FLAG`] (the fake's path, the number of clients, the runtime).
pub fn relay_main(args: &[String]) -> anyhow::Result<()> {
    let usage = || format!("usage: cm-bench {RELAY_FLAG} <fake-app-server> <clients> one-thread|two-workers");
    let [fake, clients, runtime] = args else { bail!(usage()) };
    let clients: usize = clients.parse().context("the number of clients")?;
    let runtime = match runtime.as_str() {
        "one-thread" => tokio::runtime::Builder::new_current_thread().enable_all().build()?,
        "two-workers" => tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?,
        _ => bail!(usage()),
    };
    runtime.block_on(relay(Path::new(fake), clients))
}

async fn relay(fake: &Path, clients: usize) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let mut stdout = tokio::io::stdout();
    stdout.write_all(format!("{}\n", listener.local_addr()?.port()).as_bytes()).await?;
    stdout.flush().await?;

    let mut child = Command::new(fake).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).kill_on_drop(true).spawn()?;
    let mut to_fake = child.stdin.take().context("the fake's stdin")?;
    let mut from_fake = BufReader::new(child.stdout.take().context("the fake's stdout")?).lines();
    let init = json!({"clientInfo": {"name": "cm-bench-floor", "title": null, "version": "0"}});
    let _ = request(&mut to_fake, &mut from_fake, 1, "initialize", init).await?;
    send(&mut to_fake, &json!({"method": "initialized"})).await?;
    let started = request(&mut to_fake, &mut from_fake, 2, "thread/start", json!({})).await?;
    let thread = started.pointer("/thread/id").and_then(Value::as_str).context("thread/start without a thread id")?.to_owned();

    let mut sockets = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (tcp, _) = listener.accept().await?;
        // As the host's sockets: a frame is not held back for the client's ACK of the one before.
        tcp.set_nodelay(true)?;
        sockets.push(tokio_tungstenite::accept_async(tcp).await?);
    }

    let mut asks = BufReader::new(tokio::io::stdin()).lines();
    let mut next_id = 3;
    loop {
        tokio::select! {
            ask = asks.next_line() => {
                let Some(text) = ask? else { return Ok(()) };
                let params = json!({"threadId": thread, "input": [{"type": "text", "text": text}]});
                send(&mut to_fake, &json!({"id": next_id, "method": "turn/start", "params": params})).await?;
                next_id += 1;
            }
            line = from_fake.next_line() => {
                let line = line?.context("the fake app-server exited")?;
                let Some(frame) = frame_of(&line) else { continue };
                for ws in &mut sockets {
                    ws.send(Message::Text(frame.clone())).await?;
                }
            }
        }
    }
}

/// The frame a notification line becomes (None for anything else): its method as the host's event type for the
/// three the benchmark's client reads, its params as they came.
fn frame_of(line: &str) -> Option<Utf8Bytes> {
    let parsed: Line<'_> = serde_json::from_str(line).ok()?;
    let kind = match parsed.method? {
        "item/agentMessage/delta" => "item.delta",
        "turn/started" => "turn.started",
        "turn/completed" => "turn.completed",
        other => other,
    };
    let data = parsed.params.map_or("null", RawValue::get);
    Some(format!("{{\"type\":\"{kind}\",\"data\":{data}}}").into())
}

async fn send(to: &mut ChildStdin, message: &Value) -> anyhow::Result<()> {
    to.write_all(format!("{message}\n").as_bytes()).await?;
    Ok(())
}

/// Send request `id` and read until its result, skipping the notifications before it.
async fn request(to: &mut ChildStdin, from: &mut Lines<BufReader<ChildStdout>>, id: u64, method: &str, params: Value) -> anyhow::Result<Value> {
    send(to, &json!({"id": id, "method": method, "params": params})).await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let line = tokio::time::timeout_at(deadline, from.next_line()).await.with_context(|| format!("no answer to {method}"))??;
        let line = line.with_context(|| format!("the fake app-server exited before answering {method}"))?;
        let parsed: Line<'_> = serde_json::from_str(&line).with_context(|| format!("a line that is not JSON: {line}"))?;
        if parsed.method.is_none() && parsed.id.as_ref().and_then(Value::as_u64) == Some(id) {
            return parsed.result.with_context(|| format!("{method} failed: {line}"));
        }
    }
}

/// The paced reply of the host's rows ([`Counts::paced`] deltas at [`Counts::rate`]) through the floor's relay to
/// `clients` clients, after a warm-up turn: the relay's CPU over the reply ([`Fanout::host_cpu`]) and the clients'
/// latencies.
pub async fn paced(fake: &Path, counts: &Counts, clients: usize, runtime: RelayRuntime) -> anyhow::Result<Fanout> {
    let mut relay = Command::new(std::env::current_exe()?)
        .arg(RELAY_FLAG)
        .arg(fake)
        .arg(clients.to_string())
        .arg(runtime.arg())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting the floor's relay")?;
    let pid = relay.id().context("the relay's pid")?;
    let mut asks = relay.stdin.take().context("the relay's stdin")?;
    let mut out = BufReader::new(relay.stdout.take().context("the relay's stdout")?).lines();
    let port = tokio::time::timeout(Duration::from_secs(10), out.next_line()).await.context("the relay did not start")??.context("the relay exited")?;
    let url = format!("ws://127.0.0.1:{}/", port.trim());
    let mut sockets: Vec<Ws> = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (ws, _) = tokio::time::timeout(Duration::from_secs(10), tokio_tungstenite::connect_async(url.as_str())).await.context("connecting to the relay")??;
        sockets.push(ws);
    }
    let timeout = Duration::from_secs(counts.paced / counts.rate.max(1) + 60);

    asks.write_all(b"warm-up bench:deltas=200\n").await?;
    for ws in &mut sockets {
        read_turn(ws, timeout).await.context("the floor's warm-up turn")?;
    }

    let readers: Vec<_> = sockets.into_iter().map(|mut ws| tokio::spawn(async move { read_turn(&mut ws, timeout).await })).collect();
    let cpu_before = host::cpu_time(pid)?;
    asks.write_all(format!("bench:deltas={},rate={}\n", counts.paced, counts.rate).as_bytes()).await?;
    let mut logs = Vec::with_capacity(readers.len());
    for r in readers {
        logs.push(r.await.context("a websocket reader panicked")??);
    }
    let cpu = host::cpu_time(pid)? - cpu_before;
    drop(asks);
    let _ = tokio::time::timeout(Duration::from_secs(10), relay.wait()).await;
    let mut fan = fanout_of(clients, counts, &mut logs);
    fan.host_cpu = cpu;
    Ok(fan)
}

/// The floor's rows: its CPU per paced delta and its latency, to one client and to [`Counts::cpu_clients`], on
/// either runtime.
pub async fn run(fake: &Path, counts: &Counts) -> anyhow::Result<Report> {
    let mut report = Report::default();
    for runtime in [RelayRuntime::OneThread, RelayRuntime::TwoWorkers] {
        for clients in [1, counts.cpu_clients] {
            let f = paced(fake, counts, clients, runtime).await.with_context(|| format!("the floor's relay ({}) to {clients} clients", runtime.label()))?;
            let what = format!(
                "the floor: a bare relay ({}; no store), {} at {}/s to {clients} client{}",
                runtime.label(),
                thousands(f.deltas),
                thousands(f.rate),
                plural(clients)
            );
            report.metrics.push(Metric::info(format!("4. {what}: CPU per delta"), micros_per(f.host_cpu, f.deltas), Unit::Us));
            report.metrics.push(Metric::info(format!("3. {what}: latency p50"), ns_ms(f.latency.p50), Unit::Ms));
            report.metrics.push(Metric::info(format!("3. {what}: latency p99"), ns_ms(f.latency.p99), Unit::Ms));
            report.details.push(format!(
                "the floor's relay ({}), {clients} client{}: {} samples, p50 / p99 / max {}; fewest deltas a client got {}; relay CPU {} ms",
                runtime.label(),
                plural(clients),
                thousands(f.latency.n as u64),
                f.latency.ms(),
                thousands(f.received_min),
                f.host_cpu.as_millis()
            ));
            if f.received_min != f.deltas {
                report.failures.push(format!(
                    "the floor's relay ({}) to {clients} client{}: a client got only {} of {} deltas",
                    runtime.label(),
                    plural(clients),
                    f.received_min,
                    f.deltas
                ));
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_becomes_a_frame_with_its_params_as_they_came() {
        let line = r#"{"method":"item/agentMessage/delta","params":{"threadId":"x","delta":"t=12;"},"emittedAtMs":1}"#;
        assert_eq!(frame_of(line).unwrap().as_str(), r#"{"type":"item.delta","data":{"threadId":"x","delta":"t=12;"}}"#);
        assert_eq!(frame_of(r#"{"method":"thread/started","params":{}}"#).unwrap().as_str(), r#"{"type":"thread/started","data":{}}"#);
        assert!(frame_of(r#"{"id":3,"result":{}}"#).is_none(), "an answer is not relayed");
        assert!(frame_of("not json").is_none());
    }
}
