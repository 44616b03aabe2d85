//! What the connected codex supports, read from the schema the installed binary prints, so clients can grey out
//! what is not there instead of failing.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;
use utoipa::ToSchema;

/// A group of routes that stands or falls with the methods it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum CapabilityGroup {
    Account,
    AccountLogin,
    Models,
    Config,
    Mcp,
    Skills,
    Hooks,
    Features,
    CollaborationModes,
    Review,
    Compact,
    Revert,
    BackgroundTerminals,
    ShellCommand,
    Exec,
    Feedback,
}

impl CapabilityGroup {
    pub const ALL: [CapabilityGroup; 16] = [
        Self::Account,
        Self::AccountLogin,
        Self::Models,
        Self::Config,
        Self::Mcp,
        Self::Skills,
        Self::Hooks,
        Self::Features,
        Self::CollaborationModes,
        Self::Review,
        Self::Compact,
        Self::Revert,
        Self::BackgroundTerminals,
        Self::ShellCommand,
        Self::Exec,
        Self::Feedback,
    ];
}

/// The methods the installed codex serves.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Capabilities {
    /// Client request methods in the installed codex's schema (experimental ones included).
    pub methods: BTreeSet<String>,
}

impl Capabilities {
    pub fn supports(&self, method: &str) -> bool {
        self.methods.contains(method)
    }

    /// Run `codex app-server generate-json-schema --experimental` into a scratch dir and read the request methods.
    pub async fn detect(codex_bin: &Path, codex_home: &Path) -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("codex-manager-schema-{}-{}", std::process::id(), crate::security::random_secret()));
        std::fs::create_dir_all(&dir)?;
        let out = tokio::process::Command::new(codex_bin)
            .args(["app-server", "generate-json-schema", "--experimental", "--out"])
            .arg(&dir)
            .env("CODEX_HOME", codex_home)
            .output()
            .await;
        let methods = out.map_err(anyhow::Error::from).and_then(|out| {
            anyhow::ensure!(out.status.success(), "generate-json-schema failed: {}", String::from_utf8_lossy(&out.stderr));
            let text = std::fs::read_to_string(dir.join("ClientRequest.json"))?;
            let doc: serde_json::Value = serde_json::from_str(&text)?;
            Ok(doc["oneOf"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| m.pointer("/properties/method/enum/0").and_then(|v| v.as_str()).map(str::to_owned))
                .collect::<BTreeSet<_>>())
        });
        let _ = std::fs::remove_dir_all(&dir);
        Ok(Self { methods: methods? })
    }
}
