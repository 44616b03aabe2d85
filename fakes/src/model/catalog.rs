//! Helpers that point a real codex at the fake: a model catalog entry and `-c` overrides.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context as _};
use serde_json::{json, Value};

/// The model slug the fake answers as.
pub const MODEL_SLUG: &str = "fake-model";

/// Writes a one-model catalog for `model_catalog_json`, so codex offers the fake realistic
/// tools (notably the freeform `apply_patch`) instead of its unknown-model fallback.
///
/// Runs `<codex_bin> debug models` (offline) with `CODEX_HOME=codex_home`, takes the `gpt-5.5`
/// entry (else the first), renames it to [`MODEL_SLUG`] and writes `{"models":[entry]}` to `out`.
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
    entry["default_reasoning_summary"] = json!("auto");
    entry["upgrade"] = Value::Null;
    let text = serde_json::to_string_pretty(&json!({ "models": [entry] }))?;
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
