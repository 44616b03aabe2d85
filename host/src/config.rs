//! Host configuration: where it listens, where it keeps its data, how it finds and runs Codex.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

/// The port the host listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8417;

/// The pinned Codex release the project installs and tests against.
pub const PINNED_CODEX_VERSION: &str = crate::appserver::version::EXPECTED_CODEX_VERSION;

#[derive(Debug, Clone)]
pub struct HostConfig {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// The store's PostgreSQL database (`--database-url`, preview); None: SQLite in the data dir.
    pub database_url: Option<String>,
    /// Explicit codex binary; else `codex` on PATH; else the project-local install.
    pub codex_bin: Option<PathBuf>,
    /// CODEX_HOME for app-server; default `<data_dir>/codex-home`.
    pub codex_home: Option<PathBuf>,
    /// `-c key=value` overrides passed through to app-server.
    pub codex_overrides: Vec<String>,
    /// Extra environment for app-server.
    pub codex_env: Vec<(String, String)>,
    /// API token; default: the one in `<data_dir>/token`, created at first start.
    pub token: Option<String>,
    /// Host names accepted in `Host`/`Origin` besides loopback names and the bind address.
    pub allowed_hosts: Vec<String>,
    /// Events kept before the oldest are pruned.
    pub event_retention: i64,
    /// First delay before restarting app-server after it exits.
    pub restart_backoff: std::time::Duration,
    /// Allow one-off command execution outside threads (`POST /api/exec`); off by default.
    pub enable_exec: bool,
    /// Where the plugins that ship with the product are (`<id>/{plugin.wasm,plugin.toml}`); installed, with the
    /// capabilities they request, the first time a host starts on a data dir. None: install none.
    pub bundled_plugins: Option<PathBuf>,
    /// Where plugins are compiled: the CLI's `serve` compiles in a child process of its own executable (see
    /// `plugins::compiler`); the default, in this process, is for embedders and tests.
    pub plugin_compiler: crate::plugins::Compiler,
    /// The web UI build served at `/`; None: the repository's `web/dist` (see `api::web`).
    pub web_dir: Option<PathBuf>,
    /// The job queue's limits and lease.
    pub queue: QueueConfig,
    /// How many HTTP connections the host holds and how long an idle or slow one may stay.
    pub connections: ConnectionLimits,
    /// How app-server's liveness is checked while it runs.
    pub probe: crate::appserver::ProbeConfig,
    /// This host's id, name and advertised URL, where configured (see docs/operations.md, "Several hosts").
    pub identity: crate::services::IdentityConfig,
}

/// Limits on the HTTP connections the host keeps open (see docs/operations.md, "Connection limits").
///
/// At accept time the host knows only the peer's address, not whether it holds the token; so the reserve is by
/// address: connections from loopback may use every slot, connections from elsewhere only
/// `max_connections - local_reserve`. A flood from the network then always leaves room for the web UI and the CLI
/// on the machine itself. Connections already open are never evicted for a newcomer.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Connections open at once; past it a new one is answered 503 `too_many_connections` and closed. Lowered at
    /// start to what the process's descriptor limit allows.
    pub max_connections: usize,
    /// Slots only loopback peers may take.
    pub local_reserve: usize,
    /// How long a request head (request line and headers) may take to arrive, counted from when the host starts
    /// waiting for it: on a new connection from accept, on a kept-alive one from the previous response.
    pub header_read_timeout: std::time::Duration,
    /// How long a kept-alive connection may sit with no request in flight after its last response. The header
    /// timeout also runs between requests, so the effective idle limit is the shorter of the two.
    pub keep_alive_timeout: std::time::Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            local_reserve: 64,
            header_read_timeout: std::time::Duration::from_secs(20),
            keep_alive_timeout: std::time::Duration::from_secs(15),
        }
    }
}

/// Limits of the job queue.
#[derive(Debug, Clone)]
pub struct QueueConfig {
    /// Live (queued or running) jobs the queue holds; past it, enqueue answers 429.
    pub capacity: i64,
    /// Jobs running at once on this host, all kinds and projects together: its worker slots (each host sharing a
    /// store has its own).
    pub global_concurrency: usize,
    /// Jobs running at once for one project, on every host sharing the store.
    pub project_concurrency: usize,
    /// How long a running job stays claimed without its host renewing the lease; a host that dies holding a job
    /// gives it up after this long.
    pub lease: std::time::Duration,
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self { capacity: 10_000, global_concurrency: 4, project_concurrency: 2, lease: std::time::Duration::from_secs(30) }
    }
}

impl HostConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), DEFAULT_PORT),
            data_dir: data_dir.into(),
            database_url: None,
            codex_bin: None,
            codex_home: None,
            codex_overrides: Vec::new(),
            codex_env: Vec::new(),
            token: None,
            allowed_hosts: Vec::new(),
            event_retention: crate::events::DEFAULT_RETENTION,
            restart_backoff: crate::appserver::MIN_BACKOFF,
            enable_exec: false,
            bundled_plugins: None,
            plugin_compiler: Default::default(),
            web_dir: None,
            queue: QueueConfig::default(),
            connections: ConnectionLimits::default(),
            probe: crate::appserver::ProbeConfig::default(),
            identity: Default::default(),
        }
    }

    pub fn codex_home(&self) -> PathBuf {
        self.codex_home.clone().unwrap_or_else(|| self.data_dir.join("codex-home"))
    }
}

/// The default data dir (when `--data-dir` / `CODEX_MANAGER_DATA_DIR` is not given): `$XDG_DATA_HOME/codex-manager`,
/// else `~/.local/share/codex-manager`.
pub fn default_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(d).join("codex-manager");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".local/share/codex-manager")
}

/// Find the codex binary: explicit, then PATH, then `.tools/codex` beside the current directory or any ancestor
/// of the running executable (where the project's set-up installs the pinned release).
pub fn resolve_codex_bin(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(p) = explicit {
        if p.is_file() {
            return Ok(p.to_path_buf());
        }
        if let Some(found) = search_path(p.as_os_str()) {
            return Ok(found);
        }
        anyhow::bail!("--codex-bin {} does not exist", p.display());
    }
    if let Some(found) = search_path("codex".as_ref()) {
        return Ok(found);
    }
    let local = Path::new(".tools/codex/node_modules/.bin/codex");
    let mut roots: Vec<PathBuf> = std::env::current_dir().into_iter().collect();
    if let Ok(exe) = std::env::current_exe() {
        roots.extend(exe.ancestors().skip(1).map(Path::to_path_buf));
    }
    for root in roots {
        let candidate = root.join(local);
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    anyhow::bail!(
        "cannot find codex: pass --codex-bin or CODEX_BIN, put `codex` on PATH, or run `scripts/setup.sh` to install \
         @openai/codex@{PINNED_CODEX_VERSION} into .tools/codex"
    )
}

/// The shipped plugins' build output (`plugins/dist`), looked up like the local codex install: beside the current
/// directory or an ancestor of the running executable.
pub fn find_bundled_plugins() -> Option<PathBuf> {
    let rel = Path::new("plugins/dist");
    let mut roots: Vec<PathBuf> = std::env::current_dir().into_iter().collect();
    if let Ok(exe) = std::env::current_exe() {
        roots.extend(exe.ancestors().skip(1).map(Path::to_path_buf));
    }
    roots.into_iter().map(|r| r.join(rel)).find(|p| p.is_dir())
}

fn search_path(name: &std::ffi::OsStr) -> Option<PathBuf> {
    if Path::new(name).components().count() > 1 {
        return None;
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file())
}
