//! `codex-manager plugin ...`: install, inspect and manage WebAssembly extensions.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use clap::Subcommand;
use codex_manager_host::plugins::{Inspection, PluginCall, PluginInfo};
use codex_manager_host::services::PluginSettings;
use serde_json::json;

use super::authoring::{self, Lang};
use crate::api::ops;
use crate::client::Client;
use crate::output::{ago, opt, wire, Output};

/// Where a package comes from, and what to grant it.
#[derive(clap::Args)]
pub struct PackageArgs {
    source: String,
    /// The archive's SHA-256 (required for a URL).
    #[arg(long)]
    sha256: Option<String>,
    /// Grant every capability the plugin requests without asking.
    #[arg(long)]
    yes: bool,
    /// Grant exactly these capabilities (comma-separated) without asking.
    #[arg(long, value_delimiter = ',')]
    grant: Option<Vec<String>>,
}

#[derive(Subcommand)]
pub enum PluginCommand {
    /// Install a plugin: a directory holding plugin.toml and plugin.wasm (or a .wasm with plugin.toml beside it),
    /// a .tar/.tar.gz archive of both, an http(s) URL to such an archive (with --sha256), or a plugin project
    /// (`plugin new`'s), which is built first.
    Install(PackageArgs),
    /// Replace an installed plugin with a new version (same sources and grant questions as install).
    Upgrade(PackageArgs),
    List,
    Info { id: String },
    Enable { id: String },
    Disable { id: String },
    Remove { id: String },
    /// Recent calls: trigger, outcome, duration, errors, denied capability uses.
    Logs {
        id: String,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Show a plugin's settings, or change them: KEY=JSON sets a key (a value that is not JSON is taken as a
    /// string), KEY=null goes back to the default. All changes apply together or not at all.
    Settings {
        id: String,
        #[arg(value_name = "KEY=JSON")]
        changes: Vec<String>,
    },
    /// Create a ready-to-build plugin project in ./NAME (no checkout needed: the template, the WIT and the SDK or
    /// helper package are in this binary).
    New {
        name: String,
        #[arg(long, value_enum, default_value = "rust")]
        lang: Lang,
        /// Where to create it (default ./NAME); it must not exist or be empty.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Build a plugin project into its package, DIR/dist/<id>/ (plugin.toml + plugin.wasm), with pinned tools.
    Build(BuildArgs),
}

#[derive(clap::Args)]
pub struct BuildArgs {
    /// The project (default: the current directory).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The componentizer to use instead of the project's own: a componentize-py (Python) or componentize-qjs
    /// (JavaScript) executable at the pinned version (also $CODEX_MANAGER_COMPONENTIZE_PY / _QJS).
    #[arg(long)]
    pub tool: Option<PathBuf>,
}

fn table(out: &Output, plugins: &[PluginInfo]) -> String {
    let rows = plugins
        .iter()
        .map(|p| {
            let state = if p.enabled { out.state("enabled") } else { format!("{} ({})", out.state("disabled"), opt(&p.disabled_reason)) };
            vec![p.id.clone(), p.version.clone(), p.wit_version.clone(), state, p.description.clone()]
        })
        .collect();
    out.table(&["ID", "VERSION", "WIT", "STATE", "DESCRIPTION"], rows)
}

/// `KEY=JSON` arguments as the settings body: a value that is not JSON is a string.
fn setting_changes(args: &[String]) -> anyhow::Result<serde_json::Map<String, serde_json::Value>> {
    let mut changes = serde_json::Map::new();
    for arg in args {
        let Some((key, value)) = arg.split_once('=') else { crate::usage!("settings take KEY=JSON, got `{arg}`") };
        let value = serde_json::from_str(value).unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
        changes.insert(key.to_string(), value);
    }
    Ok(changes)
}

fn settings_table(out: &Output, s: &PluginSettings) -> String {
    let rows = s
        .settings
        .iter()
        .map(|(key, value)| {
            let default = s.defaults.get(key).map(|d| d.to_string()).unwrap_or_default();
            let from = if s.user.contains_key(key) { "user" } else { "default" };
            vec![key.clone(), value.to_string(), from.to_string(), default]
        })
        .collect();
    out.table(&["KEY", "VALUE", "FROM", "DEFAULT"], rows)
}

async fn install(client: &Client, out: &Output, args: &PackageArgs, upgrade: bool) -> anyhow::Result<()> {
    let mut source = args.source.clone();
    if authoring::is_project(Path::new(&source)) {
        let project = PathBuf::from(&source);
        // The build runs before any host call: a project that does not build never reaches the host.
        let package = tokio::task::spawn_blocking(move || authoring::build(&project, None)).await??;
        eprintln!("built {}", package.display());
        source = package.display().to_string();
    }
    let super::package::Package { manifest, wasm } = super::package::load(&source, args.sha256.as_deref()).await?;
    let (yes, grant) = (args.yes, args.grant.clone());
    let component = base64::engine::general_purpose::STANDARD.encode(&wasm);
    let inspection: Inspection = client.call(&ops::PLUGINS_INSPECT, &[]).json(&json!({"manifest": manifest, "component": component})).get().await?;
    let requested: Vec<String> = inspection.requested.iter().map(wire).collect();
    let granted = match grant {
        Some(g) => g,
        None if yes || requested.is_empty() => requested.clone(),
        None => {
            eprintln!("{} {} asks for these capabilities:", inspection.id, inspection.version);
            for c in &requested {
                eprintln!("  - {c}");
            }
            if !inspection.http_allow.is_empty() {
                eprintln!("  (http to: {})", inspection.http_allow.join(", "));
            }
            eprint!("Grant them all? [y/N] ");
            std::io::stderr().flush()?;
            let mut answer = String::new();
            std::io::stdin().lock().read_line(&mut answer)?;
            if !matches!(answer.trim(), "y" | "Y" | "yes") {
                crate::usage!("not installed: the capabilities were not granted (use --grant to grant some)");
            }
            requested.clone()
        }
    };
    let body = json!({"manifest": manifest, "component": component, "grant": granted, "upgrade": upgrade});
    let reply = client.call(&ops::PLUGINS_INSTALL, &[]).json(&body).send().await?;
    out.reply(&reply, |p: &PluginInfo| format!("installed\n{}", table(out, std::slice::from_ref(p))))
}

pub async fn run(cmd: PluginCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    let one = |p: &PluginInfo| table(out, std::slice::from_ref(p));
    match cmd {
        PluginCommand::Install(p) => install(client, out, &p, false).await,
        PluginCommand::Upgrade(p) => install(client, out, &p, true).await,
        PluginCommand::List => out.reply(&client.call(&ops::PLUGINS_LIST, &[]).send().await?, |list: &Vec<PluginInfo>| table(out, list)),
        PluginCommand::Info { id } => out.reply(&client.call(&ops::PLUGINS_GET, &[&id]).send().await?, |p: &PluginInfo| serde_json::to_string_pretty(p).unwrap_or_default()),
        PluginCommand::Enable { id } => out.reply(&client.call(&ops::PLUGINS_ENABLE, &[&id]).send().await?, one),
        PluginCommand::Disable { id } => out.reply(&client.call(&ops::PLUGINS_DISABLE, &[&id]).send().await?, one),
        PluginCommand::Remove { id } => {
            client.call(&ops::PLUGINS_REMOVE, &[&id]).send().await?;
            out.show(&json!({"removed": id}), |_| format!("removed {id}"));
            Ok(())
        }
        PluginCommand::Logs { id, limit } => {
            let reply = client.call(&ops::PLUGINS_CALLS, &[&id]).query("limit", limit).send().await?;
            out.reply(&reply, |calls: &Vec<PluginCall>| {
                let rows = calls
                    .iter()
                    .map(|c| {
                        let error = opt(&c.error).replace('\n', " ");
                        vec![ago(&c.started_at), out.state(&c.outcome), format!("{}µs", c.duration_us), c.trigger.clone(), error]
                    })
                    .collect();
                let table = out.table(&["STARTED", "OUTCOME", "DURATION", "TRIGGER", "ERROR"], rows);
                // One line per call after the header: a failed call's stderr (a traceback, a panic message) goes
                // right under it, indented, since the trap alone rarely says what went wrong.
                let mut lines = table.lines();
                let mut text: Vec<String> = lines.next().map(str::to_owned).into_iter().collect();
                for (call, line) in calls.iter().zip(lines) {
                    text.push(line.to_string());
                    if let Some(stderr) = &call.stderr {
                        text.extend(stderr.trim_end().lines().map(|l| out.dim(&format!("    | {l}"))));
                    }
                }
                text.join("\n")
            })
        }
        PluginCommand::Settings { id, changes } => {
            let reply = if changes.is_empty() {
                client.call(&ops::PLUGINS_GET_SETTINGS, &[&id]).send().await?
            } else {
                client.call(&ops::PLUGINS_PUT_SETTINGS, &[&id]).json(&setting_changes(&changes)?).send().await?
            };
            out.reply(&reply, |s: &PluginSettings| settings_table(out, s))
        }
        PluginCommand::New { name, lang, dir } => new_plugin(&name, lang, dir),
        PluginCommand::Build(args) => build_plugin(&args),
    }
}

/// `plugin new`: a project from the files embedded in this binary.
pub fn new_plugin(name: &str, lang: Lang, dir: Option<PathBuf>) -> anyhow::Result<()> {
    let dir = authoring::new_project(name, lang, dir)?;
    println!("{}", authoring::next_steps(&dir, lang));
    Ok(())
}

/// `plugin build`: the project's package, with the path printed (stdout) for scripts.
pub fn build_plugin(args: &BuildArgs) -> anyhow::Result<()> {
    let package = authoring::build(&args.dir, args.tool.as_deref())?;
    println!("{}", package.display());
    Ok(())
}
