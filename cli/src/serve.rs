//! `codex-manager serve`: run the host in the foreground until Ctrl-C or SIGTERM.

pub mod logfile;

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use codex_manager_fakes::model as fake_model;
use codex_manager_host::plugins::Compiler;
use codex_manager_host::{config, Host, HostConfig, TokenSource};

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on. A non-loopback address needs an explicit --token.
    #[arg(long, env = "CODEX_MANAGER_BIND", default_value_t = SocketAddr::from(([127, 0, 0, 1], config::DEFAULT_PORT)))]
    bind: SocketAddr,
    /// The codex binary (default: `codex` on PATH, else the copy set-up installed in .tools/codex).
    #[arg(long, env = "CODEX_BIN")]
    codex_bin: Option<PathBuf>,
    /// Keep the store in this PostgreSQL database (preview), postgres://USER:PASSWORD@HOST:PORT/DATABASE, instead of
    /// SQLite in the data dir (which still holds the token, the log and plugins' files). See docs/operations.md.
    #[arg(long, env = "CODEX_MANAGER_DATABASE_URL", hide_env_values = true, value_name = "URL")]
    database_url: Option<String>,
    /// CODEX_HOME for app-server (default: <data-dir>/codex-home).
    #[arg(long, env = "CODEX_MANAGER_CODEX_HOME")]
    codex_home: Option<PathBuf>,
    /// A codex config override, passed through as `-c key=value` (repeatable), e.g. -c model="o4-mini".
    #[arg(short = 'c', long = "config", value_name = "KEY=VALUE")]
    overrides: Vec<String>,
    /// Extra host names accepted in Host and Origin headers (repeatable).
    #[arg(long = "allowed-host")]
    allowed_hosts: Vec<String>,
    /// How many events the log keeps before pruning the oldest.
    #[arg(long, env = "CODEX_MANAGER_EVENT_RETENTION", default_value_t = codex_manager_host::events::DEFAULT_RETENTION)]
    event_retention: i64,
    /// First pause before restarting app-server after it exits, in ms (doubles per failure, with jitter).
    #[arg(long, env = "CODEX_MANAGER_RESTART_BACKOFF_MS", default_value_t = codex_manager_host::appserver::MIN_BACKOFF.as_millis() as u64)]
    restart_backoff_ms: u64,
    /// Allow one-off command execution outside threads (`POST /api/exec`). Off by default.
    #[arg(long, env = "CODEX_MANAGER_ENABLE_EXEC")]
    enable_exec: bool,
    /// Where the shipped plugins are (installed on a data dir's first start); `none` to install none.
    /// Default: plugins/dist beside the current directory or the executable.
    #[arg(long, env = "CODEX_MANAGER_BUNDLED_PLUGINS")]
    bundled_plugins: Option<String>,
    /// Run against a built-in fake model: a full streamed turn with no API key and no network.
    #[arg(long)]
    demo: bool,
    /// The web UI build to serve at `/` (default: the repository's web/dist).
    #[arg(long, env = "CODEX_MANAGER_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// Where the log is also written, as plain text (rotated at 10 MiB, one old file kept as `<file>.1`);
    /// `none` for stderr only. Default: `host.log` in the data dir (what `codex-manager logs` shows).
    #[arg(long, env = "CODEX_MANAGER_LOG_FILE")]
    log_file: Option<String>,
    #[command(flatten)]
    identity: IdentityArgs,
    #[command(flatten)]
    queue: QueueArgs,
    #[command(flatten)]
    connections: ConnectionArgs,
    #[command(flatten)]
    probe: ProbeArgs,
}

/// Who this host is to the other hosts on a shared store (docs/operations.md, "Several hosts").
#[derive(Args)]
struct IdentityArgs {
    /// This host's stable id (default: the one kept in <data-dir>/host-id, made at first start).
    #[arg(long, env = "CODEX_MANAGER_HOST_ID", value_name = "ID")]
    host_id: Option<String>,
    /// The name other hosts and the UI show for it (default: the machine's hostname).
    #[arg(long, env = "CODEX_MANAGER_HOST_NAME", value_name = "NAME")]
    host_name: Option<String>,
    /// The URL other hosts reach this one at, to forward actions on its sessions (default: http://<bind address>;
    /// set it when binding 0.0.0.0 or behind a proxy).
    #[arg(long, env = "CODEX_MANAGER_ADVERTISE_URL", value_name = "URL")]
    advertise_url: Option<String>,
}

/// Limits on HTTP connections (docs/operations.md, "Connection limits").
#[derive(Args)]
struct ConnectionArgs {
    /// HTTP connections open at once; past it a new one is answered 503 `too_many_connections` and closed.
    /// Lowered at start to what the descriptor limit (`ulimit -n`) allows.
    #[arg(long, env = "CODEX_MANAGER_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// Of those, how many only loopback clients (the web UI and CLI on this machine) may take.
    #[arg(long, env = "CODEX_MANAGER_LOCAL_CONNECTION_RESERVE", default_value_t = 64)]
    local_connection_reserve: u32,
    /// How long a request's line and headers may take to arrive, in ms, counted from the connection's accept or
    /// its previous response; a connection that sends nothing or half a request is closed after it.
    #[arg(long, env = "CODEX_MANAGER_HEADER_READ_TIMEOUT_MS", default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(100..))]
    header_read_timeout_ms: u64,
    /// How long a kept-alive connection may sit idle after its last response, in ms.
    #[arg(long, env = "CODEX_MANAGER_KEEP_ALIVE_TIMEOUT_MS", default_value_t = 15_000, value_parser = clap::value_parser!(u64).range(100..))]
    keep_alive_timeout_ms: u64,
}

/// How app-server's liveness is checked.
#[derive(Args)]
struct ProbeArgs {
    /// Pause between liveness probes of a running app-server, in ms.
    #[arg(long, env = "CODEX_MANAGER_PROBE_INTERVAL_MS", default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(50..))]
    probe_interval_ms: u64,
    /// How long a probe waits for its answer before app-server counts as unresponsive, in ms.
    #[arg(long, env = "CODEX_MANAGER_PROBE_TIMEOUT_MS", default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(50..))]
    probe_timeout_ms: u64,
}

/// The job queue's limits.
#[derive(Args)]
struct QueueArgs {
    /// Live (queued or running) jobs the queue holds; past it, enqueueing answers 429.
    #[arg(long, env = "CODEX_MANAGER_QUEUE_CAPACITY", default_value_t = 10_000, value_parser = clap::value_parser!(i64).range(1..))]
    queue_capacity: i64,
    /// Jobs running at once on this host, all kinds and projects together.
    #[arg(long, env = "CODEX_MANAGER_JOB_CONCURRENCY", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    job_concurrency: u16,
    /// Jobs running at once for one project, on every host sharing the store.
    #[arg(long, env = "CODEX_MANAGER_PROJECT_JOB_CONCURRENCY", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    project_job_concurrency: u16,
    /// How long a running job stays claimed without its host renewing the lease, in ms. A host that dies holding
    /// a job gives it up after this long.
    #[arg(long, env = "CODEX_MANAGER_JOB_LEASE_MS", default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(300..))]
    job_lease_ms: u64,
}

/// `data_dir` and `token` are the global `--data-dir` / `CODEX_MANAGER_DATA_DIR` and `--token` / `CODEX_MANAGER_TOKEN`.
pub async fn run(args: ServeArgs, data_dir: Option<PathBuf>, token: Option<String>) -> anyhow::Result<()> {
    let token = token.filter(|t| !t.is_empty());
    let (data_dir, token, demo_shares_token) = place_data(&args, data_dir, token)?;
    let log_file = match args.log_file.as_deref() {
        Some("none") | Some("") => None,
        Some(path) => Some(PathBuf::from(path)),
        None => Some(data_dir.join(logfile::DEFAULT_NAME)),
    };
    init_tracing(log_file.as_deref())?;
    let mut config = HostConfig::new(&data_dir);
    config.bind = args.bind;
    config.codex_bin = args.codex_bin;
    config.codex_home = args.codex_home;
    config.database_url = args.database_url.filter(|u| !u.is_empty());
    let store_shown = config.database_url.as_deref().map(codex_manager_host::store::redact_url);
    config.codex_overrides = Vec::new();
    config.allowed_hosts = args.allowed_hosts;
    config.event_retention = args.event_retention;
    config.restart_backoff = std::time::Duration::from_millis(args.restart_backoff_ms);
    config.enable_exec = args.enable_exec;
    config.bundled_plugins = match args.bundled_plugins.as_deref() {
        Some("none") | Some("") => None,
        Some(dir) => Some(PathBuf::from(dir)),
        None => config::find_bundled_plugins(),
    };
    // This executable's `main` answers the compiler's argument.
    config.plugin_compiler = Compiler::this_executable();
    config.token = token;
    config.web_dir = args.web_dir;
    config.identity = codex_manager_host::services::IdentityConfig {
        id: args.identity.host_id,
        name: args.identity.host_name,
        advertise_url: args.identity.advertise_url,
    };
    config.queue = config::QueueConfig {
        capacity: args.queue.queue_capacity,
        global_concurrency: usize::from(args.queue.job_concurrency),
        project_concurrency: usize::from(args.queue.project_job_concurrency),
        lease: std::time::Duration::from_millis(args.queue.job_lease_ms),
    };
    config.connections = config::ConnectionLimits {
        max_connections: args.connections.max_connections as usize,
        local_reserve: args.connections.local_connection_reserve as usize,
        header_read_timeout: std::time::Duration::from_millis(args.connections.header_read_timeout_ms),
        keep_alive_timeout: std::time::Duration::from_millis(args.connections.keep_alive_timeout_ms),
    };
    config.probe = codex_manager_host::appserver::ProbeConfig {
        interval: std::time::Duration::from_millis(args.probe.probe_interval_ms),
        deadline: std::time::Duration::from_millis(args.probe.probe_timeout_ms),
    };

    // Keep the fake model alive for as long as the host runs. Its overrides go first so the user's `-c` win.
    let _demo_model = if args.demo { Some(start_demo(&mut config).await?) } else { None };
    config.codex_overrides.extend(args.overrides);

    let host = Host::start(config).await?;
    let addr = host.addr();
    // The link first: it is what a person opens (the bare address answers with the sign-in page).
    println!("Open the web UI: {}", host.login_link());
    println!("Codex Manager listening on http://{addr}");
    match (host.token_source(), &demo_shares_token) {
        (_, Some(home)) => println!(
            "API token: {}/token, shared with your usual data dir so the CLI and SDK reach the demo as they are",
            home.display()
        ),
        (TokenSource::DataDir, None) => println!("API token: {}/token (the CLI and SDK read it from there)", data_dir.display()),
        (TokenSource::Configured, None) => println!("API token: as configured (--token / CODEX_MANAGER_TOKEN)"),
    }
    if let Some(url) = &store_shown {
        println!("Store: PostgreSQL at {url} (preview)");
    }
    if args.demo {
        println!("Demo data dir: {} (your real chats are not touched)", data_dir.display());
    }
    if args.demo {
        println!("Demo mode: codex talks to a built-in fake model. Try: codex-manager sessions create --cwd \"$PWD\" && codex-manager send <id> hello --wait");
    }
    host.serve(shutdown_signal()).await
}

/// Where the host keeps its data, and with which token. A demo without an explicit data dir gets its own
/// (`<default data dir>/demo`), so its fake chats never mix with real ones, but answers to the token of the usual
/// data dir (read, or created there): the CLI and the SDK find that one without flags. Returns the usual data dir
/// when its token is shared, for the banner.
fn place_data(args: &ServeArgs, data_dir: Option<PathBuf>, token: Option<String>) -> anyhow::Result<(PathBuf, Option<String>, Option<PathBuf>)> {
    match data_dir {
        Some(dir) => Ok((dir, token, None)),
        None if !args.demo => Ok((config::default_data_dir(), token, None)),
        None => {
            let home = config::default_data_dir();
            let demo_dir = home.join("demo");
            if token.is_some() {
                return Ok((demo_dir, token, None));
            }
            {
                use std::os::unix::fs::DirBuilderExt;
                std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&home).with_context(|| format!("creating {}", home.display()))?;
            }
            let shared = codex_manager_host::security::load_or_create_token(&home)?;
            Ok((demo_dir, Some(shared), Some(home)))
        }
    }
}

/// Start the fake model and point codex at it.
async fn start_demo(config: &mut HostConfig) -> anyhow::Result<fake_model::FakeModel> {
    let model = fake_model::start(fake_model::FakeModelConfig { delay_ms: 15, script: None }).await?;
    let codex_bin = config::resolve_codex_bin(config.codex_bin.as_deref())?;
    let catalog = config.data_dir.join("demo-model-catalog.json");
    {
        // The host creates its data dir owner-only; the demo gets there first, so it does the same.
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&config.data_dir)?;
    }
    let codex_home = config.codex_home();
    std::fs::create_dir_all(&codex_home)?;
    let catalog = match fake_model::write_model_catalog(&codex_bin, &codex_home, &catalog) {
        Ok(()) => Some(catalog),
        Err(e) => {
            tracing::warn!(error = %e, "no model catalog for the demo; codex falls back to generic model metadata");
            None
        }
    };
    config.codex_overrides.extend(fake_model::codex_overrides(&model.base_url(), catalog.as_deref()));
    tracing::info!(url = %model.base_url(), "demo: fake model started");
    Ok(model)
}

/// Log to stderr (coloured only when it is a terminal, so a redirected log stays plain text) and, unless told
/// otherwise, to the rotating log file.
fn init_tracing(log_file: Option<&std::path::Path>) -> anyhow::Result<()> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::EnvFilter::try_from_env("CODEX_MANAGER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // A log line that cannot be written (stderr is a file on a full disk) is dropped: reporting that on stderr
    // too would panic (`eprintln!`) inside whichever request logged it.
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .log_internal_errors(false);
    let file = match log_file {
        Some(path) => {
            let writer = logfile::RotatingFile::open(path).with_context(|| format!("opening the log file {}", path.display()))?;
            Some(tracing_subscriber::fmt::layer().with_writer(std::sync::Mutex::new(writer)).with_ansi(false).log_internal_errors(false))
        }
        None => None,
    };
    tracing_subscriber::registry().with(filter).with(stderr).with(file).init();
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).context("SIGTERM handler").expect("signal handlers install");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down");
}
