//! `codex-manager plugin ...`: install, inspect and manage WebAssembly extensions.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use base64::Engine as _;
use clap::Subcommand;
use codex_manager_host::plugins::{Inspection, PluginCall, PluginInfo};
use codex_manager_host::services::PluginSettings;
use serde_json::json;

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
    /// a .tar/.tar.gz archive of both, or an http(s) URL to such an archive (with --sha256).
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
    /// Create a ready-to-build Rust plugin in ./NAME from the template.
    New {
        name: String,
        /// The project's plugins/ folder (for the template and the SDK path); default: found from here upward.
        #[arg(long)]
        plugins_dir: Option<PathBuf>,
    },
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
    let super::package::Package { manifest, wasm } = super::package::load(&args.source, args.sha256.as_deref()).await?;
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
        PluginCommand::New { name, plugins_dir } => new_plugin(&name, plugins_dir),
    }
}

/// Copy the template, filling in the name and the SDK's path.
pub fn new_plugin(name: &str, plugins_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let ok = !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    anyhow::ensure!(ok, "the name must be 1-64 of [a-z0-9-]");
    let plugins = match plugins_dir {
        Some(p) => p,
        None => std::env::current_dir()?
            .ancestors()
            .map(|a| a.join("plugins"))
            .find(|p| p.join("template").is_dir())
            .context("cannot find the project's plugins/template: pass --plugins-dir")?,
    };
    let template = plugins.join("template");
    let sdk = std::fs::canonicalize(plugins.join("sdk"))?;
    let target = PathBuf::from(name);
    anyhow::ensure!(!target.exists(), "{} exists already", target.display());
    for entry in walk(&template)? {
        let rel = entry.strip_prefix(&template)?;
        let rel = PathBuf::from(rel.to_string_lossy().trim_end_matches(".tmpl").to_string());
        let text = std::fs::read_to_string(&entry)?
            .replace("{{name}}", name)
            .replace("{{sdk_path}}", &sdk.display().to_string());
        let dest = target.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap_or(&target))?;
        std::fs::write(&dest, text)?;
    }
    println!("created {name}/: build it with `cargo build --target wasm32-wasip2 --release` in that folder,");
    println!("then `codex-manager plugin install {name}/target/wasm32-wasip2/release/{}.wasm` (plugin.toml is beside Cargo.toml: copy it next to the .wasm)", name.replace('-', "_"));
    Ok(())
}

fn walk(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(walk(&path)?);
        } else {
            out.push(path);
        }
    }
    Ok(out)
}
