//! `codex-manager plugin ...`: install, inspect and manage WebAssembly extensions.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use base64::Engine as _;
use clap::Subcommand;
use serde_json::{json, Value};

use crate::client::{encode, Client};
use crate::output::{text, Output};

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
    /// Create a ready-to-build Rust plugin in ./NAME from the template.
    New {
        name: String,
        /// The project's plugins/ folder (for the template and the SDK path); default: found from here upward.
        #[arg(long)]
        plugins_dir: Option<PathBuf>,
    },
}

fn line(p: &Value) -> String {
    let state = if p["enabled"] == true { "enabled".to_string() } else { format!("disabled ({})", text(p, "disabledReason")) };
    format!("{}  {}  {}  {}", text(p, "id"), text(p, "version"), state, text(p, "description"))
}

async fn install(client: &Client, out: &Output, args: &PackageArgs, upgrade: bool) -> anyhow::Result<()> {
    let super::package::Package { manifest, wasm } = super::package::load(&args.source, args.sha256.as_deref()).await?;
    let (yes, grant) = (args.yes, args.grant.clone());
    let component = base64::engine::general_purpose::STANDARD.encode(&wasm);
    let inspection: Value = client.post("/api/plugins/inspect", &json!({"manifest": manifest, "component": component})).await?;
    let requested: Vec<String> = inspection["requested"].as_array().into_iter().flatten().filter_map(|c| c.as_str().map(str::to_owned)).collect();
    let granted = match grant {
        Some(g) => g,
        None if yes || requested.is_empty() => requested.clone(),
        None => {
            eprintln!("{} {} asks for these capabilities:", text(&inspection, "id"), text(&inspection, "version"));
            for c in &requested {
                eprintln!("  - {c}");
            }
            if let Some(hosts) = inspection["httpAllow"].as_array().filter(|h| !h.is_empty()) {
                eprintln!("  (http to: {})", hosts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "));
            }
            eprint!("Grant them all? [y/N] ");
            std::io::stderr().flush()?;
            let mut answer = String::new();
            std::io::stdin().lock().read_line(&mut answer)?;
            if !matches!(answer.trim(), "y" | "Y" | "yes") {
                anyhow::bail!("not installed: the capabilities were not granted (use --grant to grant some)");
            }
            requested.clone()
        }
    };
    let body = json!({"manifest": manifest, "component": component, "grant": granted, "upgrade": upgrade});
    let v: Value = client.post("/api/plugins", &body).await?;
    out.show(&v, |v| format!("installed {}", line(v)));
    Ok(())
}

pub async fn run(cmd: PluginCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    match cmd {
        PluginCommand::Install(p) => install(client, out, &p, false).await,
        PluginCommand::Upgrade(p) => install(client, out, &p, true).await,
        PluginCommand::List => {
            let v: Value = client.get("/api/plugins").await?;
            out.show(&v, |v| v.as_array().into_iter().flatten().map(line).collect::<Vec<_>>().join("\n"));
            Ok(())
        }
        PluginCommand::Info { id } => {
            let v: Value = client.get(&format!("/api/plugins/{}", encode(&id))).await?;
            out.show(&v, |v| serde_json::to_string_pretty(v).unwrap_or_default());
            Ok(())
        }
        PluginCommand::Enable { id } => {
            let v: Value = client.post(&format!("/api/plugins/{}/enable", encode(&id)), &json!({})).await?;
            out.show(&v, line);
            Ok(())
        }
        PluginCommand::Disable { id } => {
            let v: Value = client.post(&format!("/api/plugins/{}/disable", encode(&id)), &json!({})).await?;
            out.show(&v, line);
            Ok(())
        }
        PluginCommand::Remove { id } => {
            client.delete(&format!("/api/plugins/{}", encode(&id))).await?;
            out.show(&json!({"removed": id}), |_| format!("removed {id}"));
            Ok(())
        }
        PluginCommand::Logs { id, limit } => {
            let v: Value = client.get(&format!("/api/plugins/{}/calls?limit={limit}", encode(&id))).await?;
            out.show(&v, |v| {
                v.as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| format!("{}  {:<10} {:>8}µs  {}  {}", text(c, "startedAt"), text(c, "outcome"), text(c, "durationUs"), text(c, "trigger"), text(c, "error")))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(())
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
