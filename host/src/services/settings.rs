//! Per-session settings: a small JSON key-value store shared by every surface (web, CLI, SDK, plugins).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::core::Core;
use super::error::{ErrorCode, ServiceError, ServiceResult};
use crate::events::{EventType, envelope_ts};
use crate::store::{SettingRow, StoreError};

/// Largest stored value, as JSON text.
pub const MAX_SETTING_BYTES: usize = 64 * 1024;
/// Most keys one session holds.
pub const MAX_SETTINGS_PER_SESSION: usize = 100;
/// Most bytes of values (JSON text) one session holds: every reader gets all of them in one answer
/// (`GET .../settings`, `session.setting_changed` subscribers, plugins), so the sum is what must stay small.
pub const MAX_SETTINGS_BYTES_PER_SESSION: usize = 1024 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Setting {
    pub key: String,
    /// Any JSON value, as it was set.
    pub value: Value,
    pub updated_at: String,
}

impl From<SettingRow> for Setting {
    fn from(r: SettingRow) -> Self {
        Self { key: r.key, value: serde_json::from_str(&r.value).unwrap_or(Value::Null), updated_at: envelope_ts(r.updated_at) }
    }
}

/// Keys are 1–128 characters of letters, digits and `._:-`, so they are safe in paths and logs.
fn validate_key(key: &str) -> ServiceResult<()> {
    let ok = !key.is_empty()
        && key.len() <= 128
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'));
    if ok {
        Ok(())
    } else {
        Err(ServiceError::new(super::ErrorKind::Invalid, ErrorCode::InvalidSettingKey, "setting keys are 1-128 characters of letters, digits and `._:-`"))
    }
}

/// A session's key-value settings (what plugins and clients keep per session).
pub struct Settings {
    core: Arc<Core>,
}

impl Settings {
    pub(super) fn new(core: Arc<Core>) -> Self {
        Self { core }
    }

    pub async fn list_settings(&self, session_id: &str) -> ServiceResult<Vec<Setting>> {
        self.core.session_row(session_id).await?;
        Ok(self.core.store().list_settings(session_id).await?.into_iter().map(Setting::from).collect())
    }

    pub async fn get_setting(&self, session_id: &str, key: &str) -> ServiceResult<Setting> {
        self.core.session_row(session_id).await?;
        validate_key(key)?;
        match self.core.store().get_setting(session_id, key).await {
            Ok(row) => Ok(row.into()),
            Err(StoreError::NotFound) => Err(ServiceError::not_found(ErrorCode::SettingNotFound, format!("no setting `{key}`"))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn put_setting(&self, session_id: &str, key: &str, value: Value) -> ServiceResult<Setting> {
        let row = self.core.session_row(session_id).await?;
        validate_key(key)?;
        let text = value.to_string();
        if text.len() > MAX_SETTING_BYTES {
            return Err(ServiceError::new(super::ErrorKind::Invalid, ErrorCode::SettingTooLarge, format!("setting values are at most {MAX_SETTING_BYTES} bytes of JSON")));
        }
        self.check_room(session_id, key, text.len()).await?;
        let setting = Setting::from(self.core.store().put_setting(session_id, key, &text).await?);
        self.core.record_event(self.core.session_event(EventType::SessionSettingChanged, &row, json!({"key": key, "value": value}))).await?;
        Ok(setting)
    }

    /// Whether writing `key` with a value of `len` bytes keeps the session within its caps (the key's current value,
    /// if any, is replaced, so it does not count).
    async fn check_room(&self, session_id: &str, key: &str, len: usize) -> ServiceResult<()> {
        let others: Vec<SettingRow> = self.core.store().list_settings(session_id).await?.into_iter().filter(|r| r.key != key).collect();
        if others.len() >= MAX_SETTINGS_PER_SESSION {
            return Err(settings_full(format!("a session holds at most {MAX_SETTINGS_PER_SESSION} settings: delete one before adding `{key}`")));
        }
        let used: usize = others.iter().map(|r| r.value.len()).sum();
        if used + len > MAX_SETTINGS_BYTES_PER_SESSION {
            return Err(settings_full(format!(
                "a session's settings hold at most {MAX_SETTINGS_BYTES_PER_SESSION} bytes of JSON in all ({used} used, {len} more asked): delete or shrink some first"
            )));
        }
        Ok(())
    }

    pub async fn delete_setting(&self, session_id: &str, key: &str) -> ServiceResult<()> {
        let row = self.core.session_row(session_id).await?;
        validate_key(key)?;
        match self.core.store().delete_setting(session_id, key).await {
            Ok(()) => {}
            Err(StoreError::NotFound) => return Err(ServiceError::not_found(ErrorCode::SettingNotFound, format!("no setting `{key}`"))),
            Err(e) => return Err(e.into()),
        }
        self.core.record_event(self.core.session_event(EventType::SessionSettingDeleted, &row, json!({"key": key}))).await?;
        Ok(())
    }
}

fn settings_full(message: String) -> ServiceError {
    ServiceError::conflict(ErrorCode::SettingsFull, message)
}
