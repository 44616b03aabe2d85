//! Plugin management as a service: the inventory, inspection, install and upgrade, enable, disable, remove, the
//! record of calls, and what the other components ask of plugins (their tools, their job kinds, running a job,
//! their key-value store). [`PluginError`]s become [`ServiceError`]s here, once, with stable codes, so the API maps
//! errors from one type.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::core::Core;
use super::error::{ErrorCode, ErrorKind, ServiceError, ServiceResult};
use crate::plugins::capability::Capability;
use crate::events::{EventType, NewEvent};
use crate::plugins::manifest::{Manifest, ToolSpec};
use crate::plugins::call::CallReport;
use crate::plugins::{Inspection, JobCall, JobKind, JobOutcome, PluginCall, PluginError, PluginRegistry, PluginInfo};

/// Longest page of a plugin's call record.
const MAX_CALLS_PAGE: i64 = 1000;

/// A plugin's settings: what is in force, the manifest's defaults, and what the user set.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PluginSettings {
    pub id: String,
    /// In force: the user's value where there is one, else the default. What the plugin reads.
    #[schema(value_type = Object)]
    pub settings: Map<String, Value>,
    /// The defaults the manifest declares (`[settings]`): the settings there are.
    #[schema(value_type = Object)]
    pub defaults: Map<String, Value>,
    /// What the user set (keys the manifest still declares).
    #[schema(value_type = Object)]
    pub user: Map<String, Value>,
}

/// Whether a value may replace a default: the same JSON type (any number for a number).
fn same_type(default: &Value, value: &Value) -> bool {
    std::mem::discriminant(default) == std::mem::discriminant(value)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

pub struct Plugins {
    core: Arc<Core>,
    host: Arc<PluginRegistry>,
}

impl From<PluginError> for ServiceError {
    fn from(e: PluginError) -> Self {
        let (kind, code) = match &e {
            PluginError::Invalid(_) => (ErrorKind::Invalid, ErrorCode::InvalidPlugin),
            PluginError::Incompatible(_) => (ErrorKind::Invalid, ErrorCode::IncompatiblePlugin),
            PluginError::NotFound(_) => (ErrorKind::NotFound, ErrorCode::PluginNotFound),
            PluginError::Conflict(_) => (ErrorKind::Conflict, ErrorCode::PluginExists),
            PluginError::JobKindTaken(_) => (ErrorKind::Conflict, ErrorCode::JobKindTaken),
            PluginError::Busy => (ErrorKind::Conflict, ErrorCode::PluginReloadInProgress),
            PluginError::Internal(detail) => {
                // Store and file-system text (SQL, paths) is for the log, not for clients.
                tracing::error!(%detail, "plugin host failure");
                return ServiceError::new(
                    ErrorKind::Internal,
                    ErrorCode::PluginInternal,
                    "the host could not write the plugin's files or record; the host log has the details",
                );
            }
        };
        ServiceError::new(kind, code, e.to_string())
    }
}

impl Plugins {
    pub(super) fn new(core: Arc<Core>, host: Arc<PluginRegistry>) -> Self {
        Self { core, host }
    }

    pub async fn list(&self) -> ServiceResult<Vec<PluginInfo>> {
        Ok(self.host.list().await?)
    }

    /// Write the call records still queued: a call's record outlives a clean stop.
    pub(super) async fn flush_calls(&self) {
        self.host.flush_calls().await;
    }

    /// Validate a package without installing it.
    pub async fn inspect(&self, manifest: &str, wasm: &[u8]) -> ServiceResult<Inspection> {
        Ok(self.host.inspect(manifest, wasm).await?)
    }

    pub async fn install(&self, manifest: &str, wasm: &[u8], grant: &[Capability], upgrade: bool) -> ServiceResult<PluginInfo> {
        Ok(self.host.install(manifest, wasm, grant, upgrade).await?)
    }

    pub async fn info(&self, id: &str) -> ServiceResult<PluginInfo> {
        Ok(self.host.info(id).await?)
    }

    pub async fn remove(&self, id: &str) -> ServiceResult<()> {
        Ok(self.host.remove(id).await?)
    }

    pub async fn set_enabled(&self, id: &str, enabled: bool) -> ServiceResult<PluginInfo> {
        Ok(self.host.set_enabled(id, enabled, None).await?)
    }

    /// Recent calls, newest first; `limit` 1-1000.
    pub async fn calls(&self, id: &str, limit: i64) -> ServiceResult<Vec<PluginCall>> {
        if !(1..=MAX_CALLS_PAGE).contains(&limit) {
            return Err(ServiceError::invalid(format!("`limit` must be between 1 and {MAX_CALLS_PAGE}")));
        }
        Ok(self.host.calls(id, limit).await?)
    }

    /// A plugin's settings: its manifest's defaults with the user's values over them.
    pub async fn settings(&self, id: &str) -> ServiceResult<PluginSettings> {
        let row = self.core.store().get_plugin(id).await.map_err(|_| ServiceError::from(PluginError::NotFound(id.to_string())))?;
        let manifest = Manifest::parse(&row.manifest)?;
        let mut user = Map::new();
        for (key, text) in self.core.store().plugin_settings(id).await? {
            if manifest.settings.contains_key(&key) {
                if let Ok(value) = serde_json::from_str(&text) {
                    user.insert(key, value);
                }
            }
        }
        let mut settings = manifest.settings.clone();
        settings.extend(user.clone());
        Ok(PluginSettings { id: row.id, settings, defaults: manifest.settings, user })
    }

    /// Change a plugin's settings: each key to a JSON value of its default's type, or `null` to go back to the
    /// default. All or nothing: one unknown key or wrong type refuses the whole change. Announced by
    /// `plugin.settings_changed`.
    pub async fn put_settings(&self, id: &str, changes: Map<String, Value>) -> ServiceResult<PluginSettings> {
        let current = self.settings(id).await?;
        let mut writes = Vec::with_capacity(changes.len());
        for (key, value) in changes {
            let Some(default) = current.defaults.get(&key) else {
                return Err(ServiceError::new(
                    ErrorKind::Invalid,
                    ErrorCode::UnknownPluginSetting,
                    format!("`{id}` has no setting `{key}` (it has: {})", current.defaults.keys().cloned().collect::<Vec<_>>().join(", ")),
                ));
            };
            if value.is_null() {
                writes.push((key, None));
                continue;
            }
            if !same_type(default, &value) {
                return Err(ServiceError::new(
                    ErrorKind::Invalid,
                    ErrorCode::WrongSettingType,
                    format!("setting `{key}` is a {}, not a {}", type_name(default), type_name(&value)),
                ));
            }
            let text = value.to_string();
            if text.len() > crate::plugins::manifest::MAX_SETTING_BYTES {
                return Err(ServiceError::new(
                    ErrorKind::Invalid,
                    ErrorCode::SettingTooLarge,
                    format!("setting `{key}` is over {} bytes of JSON", crate::plugins::manifest::MAX_SETTING_BYTES),
                ));
            }
            writes.push((key, Some(text)));
        }
        self.core.store().put_plugin_settings(id, &writes).await?;
        let now = self.settings(id).await?;
        self.core.events().publish_committed(NewEvent::new(EventType::PluginSettingsChanged, &now)).await;
        Ok(now)
    }

    /// The tools the enabled plugins offer Codex.
    pub(crate) fn tools(&self) -> Vec<ToolSpec> {
        self.host.tools(None)
    }

    /// The tools one plugin offers (for its worker sessions).
    pub(crate) fn tools_of(&self, plugin_id: &str) -> Vec<ToolSpec> {
        self.host.tools(Some(plugin_id))
    }

    /// Call a plugin's tool; `None` when no enabled plugin offers it any more. `worker_job`: the (plugin, job)
    /// whose worker turn called it.
    pub(crate) async fn call_tool(
        &self,
        tool: &str,
        arguments: &str,
        session_id: Option<&str>,
        worker_job: Option<(&str, &str)>,
    ) -> Option<Result<String, String>> {
        self.host.call_tool(tool, arguments, session_id, worker_job).await
    }

    pub(crate) fn job_kinds(&self) -> Vec<JobKind> {
        self.host.job_kinds()
    }

    pub(crate) fn job_kind(&self, kind: &str) -> Option<JobKind> {
        self.host.job_kind(kind)
    }

    /// The kind as this host runs it, else as another host sharing the store runs it.
    pub(crate) async fn job_kind_on_any_host(&self, kind: &str) -> Option<JobKind> {
        match self.host.job_kind(kind) {
            Some(k) => Some(k),
            None => self.host.job_kind_elsewhere(kind).await,
        }
    }

    /// Run a job in its plugin; `None` when no enabled plugin handles its kind.
    pub(crate) async fn run_job(&self, job: JobCall, timeout: Duration) -> Option<CallReport<JobOutcome>> {
        self.host.run_job(job, timeout).await
    }

    pub(crate) async fn kv_get(&self, plugin_id: &str, key: &str) -> ServiceResult<Option<String>> {
        Ok(self.core.store().plugin_kv_get(plugin_id, key).await?)
    }

    pub(crate) async fn kv_set(&self, plugin_id: &str, key: &str, value: &str) -> ServiceResult<()> {
        Ok(self.core.store().plugin_kv_set(plugin_id, key, value).await?)
    }

    pub(crate) async fn kv_delete(&self, plugin_id: &str, key: &str) -> ServiceResult<()> {
        Ok(self.core.store().plugin_kv_delete(plugin_id, key).await?)
    }

    pub(crate) async fn kv_compare_and_set(&self, plugin_id: &str, key: &str, expected: Option<&str>, value: Option<&str>) -> ServiceResult<bool> {
        Ok(self.core.store().plugin_kv_compare_and_set(plugin_id, key, expected, value).await?)
    }

    pub(crate) async fn kv_keys(&self, plugin_id: &str, prefix: &str, limit: u32) -> ServiceResult<Vec<String>> {
        Ok(self.core.store().plugin_kv_keys(plugin_id, prefix, i64::from(limit)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plugin_error_keeps_its_wire_code_and_an_internal_one_keeps_its_detail_out_of_the_message() {
        let cases = [
            (PluginError::Invalid("bad manifest".into()), ErrorKind::Invalid, "invalid_plugin"),
            (PluginError::Incompatible("wit 9".into()), ErrorKind::Invalid, "incompatible_plugin"),
            (PluginError::NotFound("p".into()), ErrorKind::NotFound, "plugin_not_found"),
            (PluginError::Conflict("installed".into()), ErrorKind::Conflict, "plugin_exists"),
            (PluginError::JobKindTaken("k".into()), ErrorKind::Conflict, "job_kind_taken"),
            (PluginError::Busy, ErrorKind::Conflict, "plugin_reload_in_progress"),
            (PluginError::Internal("/data/plugins/p: disk full".into()), ErrorKind::Internal, "plugin_internal"),
        ];
        for (error, kind, code) in cases {
            let e = ServiceError::from(error);
            assert_eq!((e.kind, e.code.as_str()), (kind, code));
        }
        let internal = ServiceError::from(PluginError::Internal("/data/plugins/p: disk full".into()));
        assert!(!internal.message.contains("/data"), "paths are for the log: {}", internal.message);
    }
}
