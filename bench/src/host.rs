//! The host under test: a real `codex-manager serve` process with the fake app-server as its codex, in a fresh
//! data dir, plus what `/proc` says about it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};

/// Longest wait for the host to print its address.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest wait for `/api/ready` to say 200.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Pause between readiness probes.
const READY_POLL: Duration = Duration::from_millis(1);
/// Grace after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// Where the binaries are.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub host: PathBuf,
    pub fake: PathBuf,
}

/// A scratch directory removed on drop.
pub struct Scratch {
    pub path: PathBuf,
}

impl Scratch {
    pub fn new(tag: &str) -> anyhow::Result<Self> {
        static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("cm-bench-{}-{tag}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Self { path })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// How to start a host other than the plain default.
#[derive(Default)]
pub struct HostOptions {
    /// The app-server to supervise instead of the fake.
    pub codex_bin: Option<PathBuf>,
    /// Extra `serve` arguments.
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Writes into the (not yet created) data dir before the host starts.
    #[allow(clippy::type_complexity)]
    pub seed: Option<Box<dyn Fn(&Path) -> anyhow::Result<()> + Send + Sync>>,
}

/// A running host.
pub struct HostProcess {
    child: Child,
    pub pid: u32,
    pub addr: SocketAddr,
    pub token: String,
    pub data_dir: PathBuf,
    /// From spawn to the `listening on` line.
    pub listening_after: Duration,
    spawned_at: Instant,
    _scratch: Scratch,
}

impl HostProcess {
    /// Spawn `codex-manager serve` in a fresh data dir and wait for it to print its address.
    pub async fn spawn(bins: &Binaries) -> anyhow::Result<Self> {
        Self::spawn_with(bins, &[]).await
    }

    /// The same, with extra `serve` flags.
    pub async fn spawn_with(bins: &Binaries, extra: &[String]) -> anyhow::Result<Self> {
        Self::spawn_opts(bins, &HostOptions { args: extra.to_vec(), ..HostOptions::default() }).await
    }

    /// The same, with another codex, extra flags and environment, or a data dir seeded before the start.
    pub async fn spawn_opts(bins: &Binaries, opts: &HostOptions) -> anyhow::Result<Self> {
        let scratch = Scratch::new("host")?;
        if let Some(seed) = &opts.seed {
            seed(&scratch.path.join("data"))?;
        }
        Self::launch(bins, opts, scratch).await
    }

    /// Stop the host and start it again on the same data dir, with default options: the store kept, the shipped
    /// plugins installed and compiled, as every start after a data dir's first finds them.
    pub async fn restart(mut self, bins: &Binaries) -> anyhow::Result<Self> {
        self.terminate().await?;
        let Self { _scratch: scratch, .. } = self;
        Self::launch(bins, &HostOptions::default(), scratch).await
    }

    async fn launch(bins: &Binaries, opts: &HostOptions, scratch: Scratch) -> anyhow::Result<Self> {
        let data_dir = scratch.path.join("data");
        let port = free_port()?;
        let log = std::fs::OpenOptions::new().create(true).append(true).open(scratch.path.join("host.log"))?;
        let mut cmd = Command::new(&bins.host);
        cmd.arg("serve")
            .arg("--codex-bin")
            .arg(opts.codex_bin.as_ref().unwrap_or(&bins.fake))
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .args(&opts.args)
            .env_remove("CODEX_MANAGER_TOKEN")
            .env_remove("CODEX_MANAGER_URL")
            .env_remove("CODEX_MANAGER_DATA_DIR")
            .env_remove("CODEX_MANAGER_CODEX_HOME")
            .env_remove("CODEX_BIN")
            .env_remove("FAKE_APP_SERVER_RECORD")
            // As a user runs it: with a developer's RUST_BACKTRACE=1 every `anyhow` error walks the stack when it is
            // made (the fake peer's missing schema is one, at start), and the unwinder maps ~0.8 MiB of the
            // executable's unwind tables that an ordinary host never reads (docs/benchmarks.md, "Unload, caches and
            // the order file, again").
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .envs(opts.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true);
        let spawned_at = Instant::now();
        let mut child = cmd.spawn().with_context(|| format!("starting {}", bins.host.display()))?;
        let pid = child.id().context("host pid")?;
        let stdout = child.stdout.take().context("host stdout")?;

        let (tx, rx) = tokio::sync::oneshot::channel::<(Instant, String)>();
        tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(stdout).lines();
            let mut tx = Some(tx);
            // Keep draining after the address line, so the host never blocks on a full pipe.
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(rest) = line.strip_prefix("Codex Manager listening on http://") {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send((Instant::now(), rest.trim().to_string()));
                    }
                }
            }
        });
        let (at, addr) = match tokio::time::timeout(LISTEN_TIMEOUT, rx).await {
            Ok(Ok(v)) => v,
            _ => {
                let _ = child.start_kill();
                let log = std::fs::read_to_string(scratch.path.join("host.log")).unwrap_or_default();
                bail!("the host did not print its address within {LISTEN_TIMEOUT:?}; its log:\n{log}");
            }
        };
        let addr: SocketAddr = addr.parse().with_context(|| format!("host address `{addr}`"))?;
        let token = std::fs::read_to_string(data_dir.join("token"))
            .with_context(|| format!("reading {}", data_dir.join("token").display()))?
            .trim()
            .to_string();
        Ok(Self { child, pid, addr, token, data_dir, listening_after: at - spawned_at, spawned_at, _scratch: scratch })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Probe `/api/ready` every millisecond until it answers 200; returns the time since spawn and the body.
    pub async fn wait_ready(&self, http: &reqwest::Client) -> anyhow::Result<(Duration, serde_json::Value)> {
        let url = format!("{}/api/ready", self.base_url());
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(resp) = http.get(&url).bearer_auth(&self.token).send().await {
                if resp.status() == reqwest::StatusCode::OK {
                    let at = Instant::now();
                    let body = resp.json().await.unwrap_or_default();
                    return Ok((at - self.spawned_at, body));
                }
            }
            if Instant::now() >= deadline {
                bail!("/api/ready did not answer 200 within {READY_TIMEOUT:?}");
            }
            tokio::time::sleep(READY_POLL).await;
        }
    }

    /// The data dir's parent: an existing absolute directory usable as a session `cwd`.
    pub fn work_dir(&self) -> &Path {
        self.data_dir.parent().unwrap_or(&self.data_dir)
    }

    /// SIGTERM, then wait; SIGKILL after [`STOP_GRACE`]. Returns how long the host took to exit.
    pub async fn stop(mut self) -> anyhow::Result<Duration> {
        self.terminate().await
    }

    async fn terminate(&mut self) -> anyhow::Result<Duration> {
        let started = Instant::now();
        // SAFETY: kill(2) on the pid of our own child; no memory is involved.
        unsafe {
            libc::kill(self.pid as i32, libc::SIGTERM);
        }
        match tokio::time::timeout(STOP_GRACE, self.child.wait()).await {
            Ok(status) => {
                status?;
                Ok(started.elapsed())
            }
            Err(_) => {
                let _ = self.child.kill().await;
                bail!("the host did not exit within {STOP_GRACE:?} of SIGTERM (killed)")
            }
        }
    }
}

/// An unused loopback port (bound, then released for the host to take).
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Resident memory of `pid` in KiB (VmRSS).
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    status_field(pid, "VmRSS:")
}

/// Resident anonymous memory of `pid` in KiB (RssAnon: heap, stacks; not the executable's file pages).
pub fn anon_rss_kib(pid: u32) -> anyhow::Result<u64> {
    status_field(pid, "RssAnon:")
}

/// Peak resident memory of `pid` in KiB (VmHWM).
pub fn peak_rss_kib(pid: u32) -> anyhow::Result<u64> {
    status_field(pid, "VmHWM:")
}

fn status_field(pid: u32, field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status.lines().find(|l| l.starts_with(field)).with_context(|| format!("no {field} for {pid}"))?;
    line[field.len()..].trim().trim_end_matches("kB").trim().parse().with_context(|| format!("parsing `{line}`"))
}

/// CPU time (user + system) `pid` has used so far.
pub fn cpu_time(pid: u32) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may hold spaces and parentheses: fields are counted from the last ')'.
    let rest = &stat[stat.rfind(')').context("malformed stat")? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ')': state is field 3 of stat(5), so utime (14) and stime (15) are at 11 and 12 here.
    let utime: u64 = fields.get(11).context("no utime")?.parse()?;
    let stime: u64 = fields.get(12).context("no stime")?.parse()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let ticks = if ticks > 0 { ticks as u64 } else { 100 };
    Ok(Duration::from_nanos((utime + stime) * 1_000_000_000 / ticks))
}

/// The clock-tick length, for stating the resolution of [`cpu_time`].
pub fn clock_tick() -> Duration {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    Duration::from_nanos(1_000_000_000 / if ticks > 0 { ticks as u64 } else { 100 })
}

/// One thread's share of a process: CPU in ns (`schedstat`, not clock ticks) and context switches.
#[derive(Debug, Clone, Default)]
pub struct ThreadUse {
    pub cpu_ns: u64,
    pub voluntary: u64,
    pub involuntary: u64,
    pub threads: u32,
}

/// Every thread of `pid`, summed by thread name (`tokio-rt-worker` ×2 is one row), for finding which hand-off a
/// cost sits in. Threads that ended between two readings are missing from the later one.
pub fn threads_by_name(pid: u32) -> anyhow::Result<std::collections::BTreeMap<String, ThreadUse>> {
    let mut by_name = std::collections::BTreeMap::<String, ThreadUse>::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let dir = entry?.path();
        // A thread may end while it is read: skip it.
        let (Ok(comm), Ok(sched), Ok(status)) = (
            std::fs::read_to_string(dir.join("comm")),
            std::fs::read_to_string(dir.join("schedstat")),
            std::fs::read_to_string(dir.join("status")),
        ) else {
            continue;
        };
        let field = |name: &str| {
            status.lines().find_map(|l| l.strip_prefix(name)).and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0)
        };
        let row = by_name.entry(comm.trim().to_owned()).or_default();
        row.cpu_ns += sched.split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0);
        row.voluntary += field("voluntary_ctxt_switches:");
        row.involuntary += field("nonvoluntary_ctxt_switches:");
        row.threads += 1;
    }
    Ok(by_name)
}

/// What each thread name used between two readings, per `per` units of work, as lines for a report.
pub fn threads_used_per(
    before: &std::collections::BTreeMap<String, ThreadUse>,
    after: &std::collections::BTreeMap<String, ThreadUse>,
    per: u64,
) -> Vec<String> {
    let per = per.max(1) as f64;
    after
        .iter()
        .filter_map(|(name, a)| {
            let b = before.get(name).cloned().unwrap_or_default();
            let cpu = a.cpu_ns.saturating_sub(b.cpu_ns) as f64 / per / 1000.0;
            let vol = a.voluntary.saturating_sub(b.voluntary) as f64 / per;
            let invol = a.involuntary.saturating_sub(b.involuntary) as f64 / per;
            (cpu > 0.0 || vol > 0.0).then(|| format!("{name} (×{}): {cpu:.1} µs, {vol:.2} + {invol:.2} switches", a.threads))
        })
        .collect()
}
