//! Helpers that point a real codex at the fake: a model catalog entry and `-c` overrides.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context as _};
use serde_json::{json, Value};

/// The model slug the fake answers as.
pub const MODEL_SLUG: &str = "fake-model";

/// Writes a catalog for `model_catalog_json` whose one listed model is the fake, so codex offers it
/// realistic tools (notably the freeform `apply_patch`) instead of its unknown-model fallback.
///
/// Runs `<codex_bin> debug models` (offline) with `CODEX_HOME=codex_home`, takes the `gpt-5.5`
/// entry (else the first), renames it to [`MODEL_SLUG`] and writes it first in `{"models":[...]}` to
/// `out`, followed by codex's own models marked `visibility: "hide"`: codex still knows the models it
/// uses by itself (a small one for helper tasks, the auto-reviewer), so it warns of no unknown model,
/// while pickers list only the fake (every model's requests go to the fake provider anyway).
pub fn write_model_catalog(codex_bin: &Path, codex_home: &Path, out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(codex_home)
        .with_context(|| format!("creating {}", codex_home.display()))?;
    let output = Command::new(codex_bin)
        .args(["debug", "models"])
        .env("CODEX_HOME", codex_home)
        .output()
        .with_context(|| format!("running {} debug models", codex_bin.display()))?;
    if !output.status.success() {
        bail!(
            "{} debug models failed ({}): {}",
            codex_bin.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let catalog: Value =
        serde_json::from_slice(&output.stdout).context("parsing `codex debug models` output")?;
    let models = catalog["models"]
        .as_array()
        .context("`codex debug models` printed no `models` array")?;
    let mut entry = models
        .iter()
        .find(|m| m["slug"] == "gpt-5.5")
        .or_else(|| models.first())
        .context("`codex debug models` listed no models")?
        .clone();
    entry["slug"] = json!(MODEL_SLUG);
    entry["display_name"] = json!("Fake model");
    entry["description"] = json!("The built-in fake model: scripted replies, no network, no API key.");
    entry["default_reasoning_summary"] = json!("auto");
    entry["upgrade"] = Value::Null;
    entry["visibility"] = json!("list");
    let mut listed = vec![entry];
    listed.extend(models.iter().filter(|m| m["slug"] != MODEL_SLUG).cloned().map(|mut m| {
        m["visibility"] = json!("hide");
        m
    }));
    let text = serde_json::to_string_pretty(&json!({ "models": listed }))?;
    std::fs::write(out, text).with_context(|| format!("writing {}", out.display()))
}

/// The `key=value` overrides (pass each after a `-c`) that make codex use the fake at `base_url`,
/// hermetically: no retries, no plugin/app sync, no analytics.
pub fn codex_overrides(base_url: &str, catalog: Option<&Path>) -> Vec<String> {
    // A JSON string literal is also a valid TOML basic string.
    let quote = |s: &str| Value::from(s).to_string();
    let mut overrides = vec![
        format!("model={}", quote(MODEL_SLUG)),
        "model_provider=\"fake\"".to_owned(),
        "model_providers.fake.name=\"Fake loopback model\"".to_owned(),
        format!("model_providers.fake.base_url={}", quote(base_url)),
        "model_providers.fake.wire_api=\"responses\"".to_owned(),
        "model_providers.fake.request_max_retries=0".to_owned(),
        "model_providers.fake.stream_max_retries=0".to_owned(),
        "model_providers.fake.stream_idle_timeout_ms=300000".to_owned(),
        "features.plugins=false".to_owned(),
        "features.apps=false".to_owned(),
        "analytics.enabled=false".to_owned(),
    ];
    if let Some(path) = catalog {
        overrides.push(format!(
            "model_catalog_json={}",
            quote(&path.to_string_lossy())
        ));
    }
    overrides
}
