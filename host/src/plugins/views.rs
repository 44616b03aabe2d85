//! What the API shows of plugins: the inventory row, an inspection before an install, a recorded call. Built by
//! the registry from the store's rows and the manifest; the OpenAPI schemas are these types.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::capability::Capability;
use super::manifest::{Limits, Manifest, ToolSpec, WIT_VERSIONS};
use super::PluginError;
use crate::events::envelope_ts;
use crate::store::PluginRow;

/// A plugin as the inventory shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PluginInfo {
    pub id: String,
    pub version: String,
    /// The WIT version requirement the plugin was built for (its manifest's `wit`).
    pub wit: String,
    /// The WIT version it is bound to: the highest one this host serves that `wit` matches.
    pub wit_version: String,
    /// Every WIT version this host serves, oldest first.
    pub host_wits: Vec<String>,
    pub description: String,
    pub priority: i32,
    pub enabled: bool,
    /// Why it is off (disabled by a user, or by the circuit breaker with the last error).
    pub disabled_reason: Option<String>,
    pub consecutive_failures: i64,
    pub events: Vec<String>,
    pub jobs: Vec<String>,
    pub tools: Vec<ToolSpec>,
    pub requested: Vec<Capability>,
    pub granted: Vec<Capability>,
    pub http_allow: Vec<String>,
    pub limits: Limits,
    pub installed_at: String,
    pub updated_at: String,
    /// The hosts sharing this store that hold the plugin's component, and so run its jobs, tools and event
    /// handlers (the plugin's row is every host's; its component is in one host's data dir).
    pub hosts: Vec<PluginHost>,
}

/// A host that holds a plugin's component.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PluginHost {
    /// The host's id (see `GET /api/hosts`).
    pub host_id: String,
    /// The version of the component it holds.
    pub version: String,
    pub installed_at: String,
}

/// What an install would do, before it is done.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    pub id: String,
    pub version: String,
    pub description: String,
    /// The WIT version requirement of the manifest, and the served version the plugin would be bound to.
    pub wit: String,
    pub wit_version: String,
    /// Capabilities the plugin asks for: the user grants these (or some) at install.
    pub requested: Vec<Capability>,
    pub http_allow: Vec<String>,
    pub events: Vec<String>,
    pub jobs: Vec<String>,
    pub tools: Vec<String>,
    pub limits: Limits,
    /// An installed version this would replace.
    pub replaces: Option<String>,
}

/// One recorded call.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PluginCall {
    pub id: String,
    pub trigger: String,
    pub started_at: String,
    pub duration_us: i64,
    pub outcome: String,
    pub error: Option<String>,
    pub denials: Vec<String>,
    /// The last few KiB the guest wrote to stderr during a failed call (a traceback, a panic message); null when
    /// the call succeeded or the guest wrote nothing.
    pub stderr: Option<String>,
}

pub(super) fn info_of(row: PluginRow, hosts: &[crate::store::PluginHostRow]) -> Result<PluginInfo, PluginError> {
    let manifest = Manifest::parse(&row.manifest)?;
    let hosts = hosts
        .iter()
        .filter(|h| h.plugin_id == row.id)
        .map(|h| PluginHost { host_id: h.host_id.clone(), version: h.version.clone(), installed_at: envelope_ts(h.installed_at) })
        .collect();
    Ok(PluginInfo {
        hosts,
        id: row.id,
        version: row.version,
        wit: manifest.wit.clone(),
        wit_version: manifest.wit_version().as_str().to_string(),
        host_wits: WIT_VERSIONS.iter().map(|v| v.to_string()).collect(),
        description: manifest.description.clone(),
        priority: manifest.priority,
        enabled: row.enabled,
        disabled_reason: row.disabled_reason,
        consecutive_failures: row.consecutive_failures,
        events: manifest.subscriptions.events.clone(),
        jobs: manifest.job_kinds().into_iter().map(|k| k.kind).collect(),
        tools: manifest.tools.clone(),
        requested: manifest.requested().into_iter().collect(),
        granted: serde_json::from_str(&row.granted).unwrap_or_default(),
        http_allow: manifest.capabilities.http_allow.clone(),
        limits: manifest.limits(),
        installed_at: envelope_ts(row.installed_at),
        updated_at: envelope_ts(row.updated_at),
    })
}
