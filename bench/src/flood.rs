//! Connection flood: many clients that connect, send half a request head and wait, as the hardening issue's
//! attacker did. Measured twice on fresh hosts:
//!
//! - **capped**: the default limits. How many connections the host keeps, how many it refuses, whether
//!   `/api/health` still answers (a fresh loopback connection) and what the host's RSS does.
//! - **held**: the cap raised above the flood and the header deadline out of the way, so every connection stays
//!   open: the memory one connection costs, and what is left after they close: right after (the allocator still
//!   holds the freed heap), once the host has trimmed it (3 s) and once what lingers has gone too (10 s). `RssAnon`
//!   beside `VmRSS` tells the host's own memory from the executable's pages the flood touched.

use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::host::{self, Binaries, HostProcess};

/// Connections opened at once while flooding.
const CONNECT_CONCURRENCY: usize = 256;

#[derive(Debug, Default)]
pub struct FloodRun {
    pub label: &'static str,
    pub attempted: usize,
    /// Connections still open once the flood is in.
    pub held: usize,
    /// Connections the host closed (evicted for a newcomer, or refused) or that could not connect.
    pub closed: usize,
    pub before_rss_kib: u64,
    pub before_anon_kib: u64,
    pub peak_rss_kib: u64,
    pub hwm_rss_kib: u64,
    /// 200 ms after every client closed: before the host's trim runs.
    pub closed_rss_kib: u64,
    /// 3 s after: once the host gave free memory back.
    pub settled_rss_kib: u64,
    pub settled_anon_kib: u64,
    /// 10 s after.
    pub later_rss_kib: u64,
    pub later_anon_kib: u64,
    /// A fresh `/api/health` at the peak: status and time.
    pub health: Option<(u16, Duration)>,
}

/// Both runs; the second needs the connection flags, so against a host from before them (a baseline) only the
/// first is measured and the report says why the second is missing.
pub async fn flood(bins: &Binaries, connections: usize) -> anyhow::Result<(Vec<FloodRun>, Option<String>)> {
    let capped = run(bins, "capped (defaults)", connections, &[]).await.context("capped flood")?;
    let held_flags = vec![
        "--max-connections".to_string(),
        (connections + 512).to_string(),
        "--header-read-timeout-ms".to_string(),
        "600000".to_string(),
    ];
    match run(bins, "held (cap above the flood)", connections, &held_flags).await {
        Ok(held) => Ok((vec![capped, held], None)),
        Err(e) => Ok((vec![capped], Some(format!("held run not measured: {e:#}")))),
    }
}

async fn run(bins: &Binaries, label: &'static str, connections: usize, flags: &[String]) -> anyhow::Result<FloodRun> {
    let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).pool_max_idle_per_host(0).build()?;
    let host = HostProcess::spawn_with(bins, flags).await?;
    host.wait_ready(&http).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = host.pid;
    let mut out = FloodRun {
        label,
        attempted: connections,
        before_rss_kib: host::rss_kib(pid)?,
        before_anon_kib: host::anon_rss_kib(pid)?,
        ..Default::default()
    };

    let head = format!("GET /api/health HTTP/1.1\r\nHost: {}\r\n", host.addr);
    let addr = host.addr;
    let streams: Vec<TcpStream> = futures_util::stream::iter(0..connections)
        .map(|_| {
            let head = head.clone();
            async move {
                let mut s = TcpStream::connect(addr).await.ok()?;
                // Half a head: the host reads it into a buffer and waits for the rest.
                let _ = s.write_all(head.as_bytes()).await;
                Some(s)
            }
        })
        .buffer_unordered(CONNECT_CONCURRENCY)
        .filter_map(|s| async move { s })
        .collect()
        .await;
    // Let the host read every half head; a refused connection has its 503 and its close by then.
    tokio::time::sleep(Duration::from_secs(1)).await;
    for s in &streams {
        let mut probe = [0u8; 1];
        match s.try_read(&mut probe) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => out.held += 1,
            _ => out.closed += 1,
        }
    }
    out.closed += connections - streams.len();
    out.peak_rss_kib = host::rss_kib(pid)?;
    let started = Instant::now();
    out.health = match http.get(format!("{}/api/health", host.base_url())).bearer_auth(&host.token).send().await {
        Ok(r) => Some((r.status().as_u16(), started.elapsed())),
        Err(_) => None,
    };
    out.hwm_rss_kib = host::peak_rss_kib(pid)?;

    drop(streams);
    tokio::time::sleep(Duration::from_millis(200)).await;
    out.closed_rss_kib = host::rss_kib(pid)?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    (out.settled_rss_kib, out.settled_anon_kib) = (host::rss_kib(pid)?, host::anon_rss_kib(pid)?);
    tokio::time::sleep(Duration::from_secs(7)).await;
    (out.later_rss_kib, out.later_anon_kib) = (host::rss_kib(pid)?, host::anon_rss_kib(pid)?);
    host.stop().await?;
    Ok(out)
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

pub fn render(runs: &[FloodRun], note: Option<&str>) -> String {
    let mut t = String::from("## Connection flood\n\n");
    t.push_str("| run | connections | held | closed by the host | RSS before (anon) | RSS at peak (VmHWM) | `/api/health` at peak | RSS 200 ms after close | RSS 3 s after close (anon) | 10 s after (anon) |\n");
    t.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    for r in runs {
        let health = match r.health {
            Some((status, took)) => format!("{status} in {:.1} ms", took.as_secs_f64() * 1e3),
            None => "no answer".to_string(),
        };
        t.push_str(&format!(
            "| {} | {} | {} | {} | {} ({}) | {} ({}) | {} | {} | {} ({}) | {} ({}) |\n",
            r.label,
            r.attempted,
            r.held,
            r.closed,
            mib(r.before_rss_kib),
            mib(r.before_anon_kib),
            mib(r.peak_rss_kib),
            mib(r.hwm_rss_kib),
            health,
            mib(r.closed_rss_kib),
            mib(r.settled_rss_kib),
            mib(r.settled_anon_kib),
            mib(r.later_rss_kib),
            mib(r.later_anon_kib)
        ));
    }
    if let Some(held) = runs.iter().find(|r| r.held > 0 && r.label.starts_with("held")) {
        let per = (held.peak_rss_kib.saturating_sub(held.before_rss_kib)) as f64 / held.held as f64;
        t.push_str(&format!("\nPer held connection: {per:.1} KiB of host RSS.\n"));
    }
    if let Some(note) = note {
        t.push_str(&format!("\n{}\n", note.lines().next().unwrap_or(note)));
    }
    t
}
