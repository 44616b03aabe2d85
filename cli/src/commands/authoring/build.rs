//! `plugin build [DIR]`: a plugin project -> its package, `DIR/dist/<id>/plugin.toml` + `plugin.wasm`, the layout
//! `plugin install` takes.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use codex_manager_host::plugins::manifest::Manifest;

use super::{tools, Lang};

/// What language the project in `dir` is written in, from the file its template starts from.
pub fn detect(dir: &Path) -> Option<Lang> {
    if dir.join("Cargo.toml").is_file() {
        Some(Lang::Rust)
    } else if dir.join("app.py").is_file() {
        Some(Lang::Python)
    } else if dir.join("app.js").is_file() {
        Some(Lang::Js)
    } else {
        None
    }
}

/// A project to build, not a package: a plugin.toml, a source the template starts from and no plugin.wasm.
pub fn is_project(dir: &Path) -> bool {
    dir.is_dir() && dir.join("plugin.toml").is_file() && !dir.join("plugin.wasm").exists() && detect(dir).is_some()
}

/// Builds the project in `dir`; returns the package directory. `tool` names the componentizer (Python, JS).
pub fn build(dir: &Path, tool: Option<&Path>) -> anyhow::Result<PathBuf> {
    // The tools run in the project: every path handed to them is absolute.
    let dir = &std::fs::canonicalize(dir).with_context(|| format!("no project at {}", dir.display()))?;
    let tool = tool.map(|t| std::fs::canonicalize(t).unwrap_or_else(|_| t.to_path_buf()));
    let tool = tool.as_deref();
    let lang = detect(dir).with_context(|| {
        format!("{} is not a plugin project: no Cargo.toml (Rust), app.py (Python) or app.js (JavaScript) beside a plugin.toml", dir.display())
    })?;
    let manifest_path = dir.join("plugin.toml");
    let manifest_text = std::fs::read_to_string(&manifest_path).with_context(|| format!("cannot read {}", manifest_path.display()))?;
    // The host checks it again at install; failing here saves a build that would be refused.
    let manifest = Manifest::parse(&manifest_text).map_err(|e| anyhow::anyhow!("{}: {e}", manifest_path.display()))?;
    let package = dir.join("dist").join(&manifest.id);
    std::fs::create_dir_all(&package).with_context(|| format!("cannot create {}", package.display()))?;
    let wasm = package.join("plugin.wasm");
    let _ = std::fs::remove_file(&wasm);
    match lang {
        Lang::Rust => build_rust(dir, &wasm)?,
        Lang::Python => {
            let tool = tools::componentize_py(dir, tool)?;
            let mut cmd = Command::new(tool);
            cmd.args(["-d", "wit", "-w", "plugin", "componentize", "-p", ".", "app", "-o"]).arg(&wasm).current_dir(dir);
            tools::run(&mut cmd, "componentize-py")?;
        }
        Lang::Js => {
            let tool = tools::componentize_qjs(dir, tool)?;
            let mut cmd = Command::new(tool);
            // --sync: the host does not use the component-model async ABI.
            cmd.args(["--wit", "wit", "--world", "plugin", "--js", "app.js", "--sync", "-o"]).arg(&wasm).current_dir(dir);
            tools::run(&mut cmd, "componentize-qjs")?;
        }
    }
    check_component(&wasm)?;
    std::fs::write(package.join("plugin.toml"), manifest_text)?;
    Ok(package)
}

fn build_rust(dir: &Path, wasm: &Path) -> anyhow::Result<()> {
    const TARGET: &str = "wasm32-wasip2";
    if let Ok(out) = Command::new("rustup").args(["target", "list", "--installed"]).output() {
        if out.status.success() && !String::from_utf8_lossy(&out.stdout).lines().any(|l| l.trim() == TARGET) {
            bail!("the Rust target {TARGET} is not installed: `rustup target add {TARGET}`");
        }
    }
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo.args(["build", "--release", "--target", TARGET]).current_dir(dir);
    tools::run(&mut cargo, "cargo build").map_err(|e| match e.to_string().contains("cannot run") {
        true => anyhow::anyhow!("building a Rust plugin needs cargo: install Rust from https://rustup.rs, then `rustup target add {TARGET}`"),
        false => e,
    })?;
    // Where cargo put it (CARGO_TARGET_DIR, .cargo/config.toml) and under which name: cargo says.
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(dir)
        .output()
        .context("cargo metadata")?;
    anyhow::ensure!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let target_dir = meta["target_directory"].as_str().context("cargo metadata: no target_directory")?;
    let manifest = std::fs::canonicalize(dir.join("Cargo.toml"))?;
    let crate_name = meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["manifest_path"].as_str().map(Path::new) == Some(manifest.as_path()))
        .and_then(|p| p["name"].as_str())
        .context("cargo metadata: the project's package is missing")?;
    let built = Path::new(target_dir).join(TARGET).join("release").join(format!("{}.wasm", crate_name.replace('-', "_")));
    std::fs::copy(&built, wasm).with_context(|| format!("no {} after the build (is the crate a cdylib?)", built.display()))?;
    Ok(())
}

/// A component starts with `\0asm` and the layer bytes `0d 00 01 00`; a core module has `01 00 00 00`.
fn check_component(wasm: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(wasm).with_context(|| format!("the build wrote no {}", wasm.display()))?;
    anyhow::ensure!(bytes.starts_with(b"\0asm\x0d\x00\x01\x00"), "{} is not a WebAssembly component", wasm.display());
    // The host offers no wasi:http (outbound HTTP is the `http` interface, behind a capability); a component that
    // imports it cannot be instantiated. The name is in the import section as plain text; a string in the plugin's
    // own code could match too, so this warns and the host's install check decides.
    if bytes.windows(9).any(|w| w == b"wasi:http") {
        eprintln!("warning: {} seems to import wasi:http, which the host does not provide: use the plugin interface's `http` (capability `http`); with componentize-js, build with `-d http -d fetch-event`", wasm.display());
    }
    Ok(())
}
