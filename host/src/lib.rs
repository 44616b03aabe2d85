//! The Codex Manager host: it supervises `codex app-server`, records everything in a durable event log, and
//! serves one API (REST + websocket) to the web UI, the CLI, the Python SDK and plugins.
//!
//! Dependencies point one way: [`api`] → [`services`] → ([`store`], [`events`], [`appserver`], [`plugins`]). The
//! app-server supervisor, the relay and the store never know the API exists.
//!
//! Words kept to one meaning each: the *host* is this process; the *app-server* ([`appserver::AppServer`]) is the
//! supervised `codex app-server` child; the *relay* ([`services::Relay`]) turns what app-server says into events;
//! the *plugin registry* ([`plugins::PluginRegistry`]) holds the installed WebAssembly plugins and makes every
//! call into them ([`plugins::call`]).

pub mod api;
pub mod appserver;
pub mod config;
pub mod events;
pub mod memory;
pub mod net;
pub mod plugins;
pub mod security;
pub mod services;
pub mod store;
mod wire;
#[cfg(test)]
mod testing;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;

pub use config::HostConfig;

use api::auth::AuthConfig;
use api::ApiState;
use appserver::AppServerConfig;
use events::EventLog;
use security::LoginCodes;
use services::Services;
use store::Store;

/// The plugins that ship with the product are each offered once per data dir: installed, granted what they
/// request, the first time a host sees them (so a release that ships a new plugin installs it on upgrade). A user
/// who removes one keeps it removed.
async fn install_bundled_plugins(store: &Store, plugins: &plugins::PluginRegistry, dir: &std::path::Path) {
    /// Before per-plugin markers, one flag said "the bundled set of that release was offered".
    const LEGACY_DONE: &str = "bundled_plugins_installed";
    const LEGACY_SET: [&str; 2] = ["auto-namer", "word-tools"];
    let legacy = store.get_host_setting(LEGACY_DONE).await.ok().flatten().is_some();
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut packages: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    packages.sort();
    for path in packages {
        let (Ok(manifest), Ok(wasm)) = (std::fs::read_to_string(path.join("plugin.toml")), std::fs::read(path.join("plugin.wasm"))) else {
            continue;
        };
        let Ok(parsed) = plugins::manifest::Manifest::parse(&manifest) else { continue };
        // Only the product's own plugins: test plugins carry "Test plugin" in their description.
        if parsed.description.starts_with("Test plugin") {
            continue;
        }
        let marker = format!("bundled_plugin_offered:{}", parsed.id);
        let offered = store.get_host_setting(&marker).await.ok().flatten().is_some() || (legacy && LEGACY_SET.contains(&parsed.id.as_str()));
        if offered || plugins.info(&parsed.id).await.is_ok() {
            let _ = store.put_host_setting(&marker, &parsed.version).await;
            continue;
        }
        let grant: Vec<_> = parsed.requested().into_iter().collect();
        match plugins.install(&manifest, &wasm, &grant, false).await {
            Ok(_) => {
                tracing::info!(plugin = %parsed.id, "installed a bundled plugin");
                let _ = store.put_host_setting(&marker, &parsed.version).await;
            }
            // Not marked: the next start tries again (a concurrent reload, say, is not the plugin's fault).
            Err(e) => tracing::warn!(plugin = %parsed.id, error = %e, "could not install a bundled plugin"),
        }
    }
}


/// The data dir holds every message and the token: only its owner may enter it.
fn create_private_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create the data dir {}", dir.display()))?;
    } else if !dir.is_dir() {
        anyhow::bail!("the data dir {} is not a directory", dir.display());
    }
    let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        tracing::warn!(dir = %dir.display(), mode = format!("{mode:o}"), "the data dir is readable by other users; consider chmod 700");
    }
    Ok(())
}

/// A started host: listening, app-server starting.
pub struct Host {
    services: Arc<Services>,
    listener: tokio::net::TcpListener,
    state: ApiState,
    addr: SocketAddr,
    token_source: TokenSource,
    connections: config::ConnectionLimits,
}

/// Where the token came from (for the start-up message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Configured,
    DataDir,
}

impl Host {
    /// Open the store, start the event log and app-server, bind the listener. Fails loudly on anything wrong.
    pub async fn start(config: HostConfig) -> anyhow::Result<Self> {
        if !config.bind.ip().is_loopback() && config.token.is_none() {
            anyhow::bail!(
                "refusing to listen on non-loopback address {} without an explicit token: set --token or \
                 CODEX_MANAGER_TOKEN (anyone who can reach the port would otherwise only need the token file)",
                config.bind
            );
        }
        create_private_dir(&config.data_dir)?;
        let (token, token_source) = match &config.token {
            Some(t) if t.len() >= 16 => (t.clone(), TokenSource::Configured),
            Some(_) => anyhow::bail!("the token must be at least 16 characters"),
            None => (security::load_or_create_token(&config.data_dir)?, TokenSource::DataDir),
        };
        let codex_bin = config::resolve_codex_bin(config.codex_bin.as_deref())?;
        let store = match &config.database_url {
            Some(url) => Store::connect(url, &config.data_dir).await?,
            None => Store::open(&config.data_dir).await?,
        };
        let events = EventLog::start(store.clone(), config.event_retention).await?;
        let app_server = AppServerConfig {
            program: codex_bin,
            codex_home: config.codex_home(),
            overrides: config.codex_overrides.clone(),
            env: config.codex_env.clone(),
            client_name: "codex_manager".into(),
            client_version: env!("CARGO_PKG_VERSION").into(),
            min_backoff: config.restart_backoff,
            probe: config.probe,
        };
        let plugins = plugins::PluginRegistry::start(store.clone(), events.clone(), &config.data_dir, config.plugin_compiler.clone()).await?;
        if let Some(dir) = config.bundled_plugins.clone() {
            // Compiling takes a while on a first start: do it beside the host, not before it is ready.
            let (store, plugins) = (store.clone(), plugins.clone());
            tokio::spawn(async move { install_bundled_plugins(&store, &plugins, &dir).await });
        }
        // Bound before the services start: the address is part of this host's identity (where others reach it).
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let addr = listener.local_addr()?;
        let identity = services::HostIdentity::resolve(&config.identity, &config.data_dir, addr)?;
        plugins.attach_host(&identity.id).await;
        let services = Services::start(store, events, app_server, config.enable_exec, plugins, config.queue.clone(), identity).await?;
        // The name other hosts reach this one by (its advertised URL) is one it answers to.
        let mut allowed_hosts = config.allowed_hosts.clone();
        allowed_hosts.extend(reqwest::Url::parse(&services.host().url).ok().and_then(|u| u.host_str().map(str::to_owned)));
        let state = ApiState {
            services: services.clone(),
            auth: Arc::new(AuthConfig::new(token, addr, &allowed_hosts)),
            login: Arc::new(LoginCodes::default()),
            web: Arc::new(api::web::WebUi::new(config.web_dir.clone())),
        };
        let connections = net::effective_limits(&config.connections);
        Ok(Self { services, listener, state, addr, token_source, connections })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn token_source(&self) -> TokenSource {
        self.token_source
    }

    pub fn services(&self) -> &Arc<Services> {
        &self.services
    }

    /// A one-time browser login link. On a wildcard bind it names loopback, which is always allowed.
    pub fn login_link(&self) -> String {
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
        }
        format!("http://{addr}/login?code={}", self.state.login.issue())
    }

    /// Serve until `shutdown` resolves, then stop app-server and flush the event log.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let app = api::app(self.state.clone());
        net::serve(self.listener, app, self.connections, shutdown).await;
        self.services.shutdown().await;
        self.services.store().close().await;
        Ok(())
    }
}
