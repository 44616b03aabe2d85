//! Per-session settings: a small JSON key-value store shared by every surface (web, CLI, SDK, plugins).

use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::error::{ServiceError, ServiceResult};
use super::Services;
use crate::events::envelope_ts;
use crate::store::{SettingRow, StoreError};

/// Largest stored value, as JSON text.
pub const MAX_SETTING_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Serialize, ToSchema)]
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
        Err(ServiceError::new(super::ErrorKind::Invalid, "invalid_setting_key", "setting keys are 1-128 characters of letters, digits and `._:-`"))
    }
}

impl Services {
    pub async fn list_settings(&self, session_id: &str) -> ServiceResult<Vec<Setting>> {
        self.session_row(session_id).await?;
        Ok(self.store.list_settings(session_id).await?.into_iter().map(Setting::from).collect())
    }

    pub async fn get_setting(&self, session_id: &str, key: &str) -> ServiceResult<Setting> {
        self.session_row(session_id).await?;
        validate_key(key)?;
        match self.store.get_setting(session_id, key).await {
            Ok(row) => Ok(row.into()),
            Err(StoreError::NotFound) => Err(ServiceError::not_found("setting_not_found", format!("no setting `{key}`"))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn put_setting(&self, session_id: &str, key: &str, value: Value) -> ServiceResult<Setting> {
        let row = self.session_row(session_id).await?;
        validate_key(key)?;
        let text = value.to_string();
        if text.len() > MAX_SETTING_BYTES {
            return Err(ServiceError::new(super::ErrorKind::Invalid, "setting_too_large", format!("setting values are at most {MAX_SETTING_BYTES} bytes of JSON")));
        }
        let setting = Setting::from(self.store.put_setting(session_id, key, &text).await?);
        self.events.publish_committed(self.session_event("session.setting_changed", &row, json!({"key": key, "value": value}))).await;
        Ok(setting)
    }

    pub async fn delete_setting(&self, session_id: &str, key: &str) -> ServiceResult<()> {
        let row = self.session_row(session_id).await?;
        validate_key(key)?;
        match self.store.delete_setting(session_id, key).await {
            Ok(()) => {}
            Err(StoreError::NotFound) => return Err(ServiceError::not_found("setting_not_found", format!("no setting `{key}`"))),
            Err(e) => return Err(e.into()),
        }
        self.events.publish_committed(self.session_event("session.setting_deleted", &row, json!({"key": key}))).await;
        Ok(())
    }
}
