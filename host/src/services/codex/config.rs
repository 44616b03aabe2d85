//! Writes to Codex's user config (`config.toml` in the host's CODEX_HOME), one value or a batch, checked here
//! before app-server sees them. Each write is recorded as a `config.updated` event naming its key paths.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::CodexOp;
use crate::services::error::{ServiceError, ServiceResult};
use super::Codex;

/// Longest key path accepted, in bytes.
const MAX_KEY_PATH_LEN: usize = 300;
/// Most edits in one batch.
const MAX_BATCH_EDITS: usize = 100;

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum MergeStrategy {
    Replace,
    Upsert,
}

/// One config edit: `keyPath` like `model` or `model_providers.local.base_url`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigEdit {
    pub key_path: String,
    /// Any TOML value: string, number, boolean, array or table (no `null` inside; app-server refuses what
    /// config.toml cannot hold, a 422).
    pub value: Value,
    #[serde(default = "replace")]
    pub merge_strategy: MergeStrategy,
}

fn replace() -> MergeStrategy {
    MergeStrategy::Replace
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigBatch {
    pub edits: Vec<ConfigEdit>,
    /// Reload the user config in the running app-server (default true).
    #[serde(default = "yes")]
    pub reload_user_config: bool,
}

fn yes() -> bool {
    true
}

impl ConfigEdit {
    fn check(&self) -> ServiceResult<()> {
        if self.key_path.is_empty() || self.key_path.len() > MAX_KEY_PATH_LEN {
            return Err(ServiceError::invalid("`keyPath` must be 1-300 characters"));
        }
        Ok(())
    }

    /// `config/value/write`'s params (the edit is already spelled app-server's way) and the event's data.
    fn write(&self) -> ServiceResult<(Value, Value)> {
        self.check()?;
        let params = serde_json::to_value(self).expect("edit serializes");
        Ok((params, json!({"keyPaths": [self.key_path]})))
    }
}

impl ConfigBatch {
    /// `config/batchWrite`'s params and the event's data.
    fn write(&self) -> ServiceResult<(Value, Value)> {
        if self.edits.is_empty() || self.edits.len() > MAX_BATCH_EDITS {
            return Err(ServiceError::invalid("give 1-100 `edits`"));
        }
        for edit in &self.edits {
            edit.check()?;
        }
        let params = serde_json::to_value(self).expect("batch serializes");
        let event = json!({"keyPaths": self.edits.iter().map(|e| e.key_path.as_str()).collect::<Vec<_>>()});
        Ok((params, event))
    }
}

impl Codex {
    pub async fn write_config_value(&self, edit: &ConfigEdit) -> ServiceResult<Value> {
        let (params, event) = edit.write()?;
        self.call(CodexOp::ConfigValueWrite, params, Some(event), None).await
    }

    pub async fn write_config_batch(&self, batch: &ConfigBatch) -> ServiceResult<Value> {
        let (params, event) = batch.write()?;
        self.call(CodexOp::ConfigBatchWrite, params, Some(event), None).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ErrorCode;

    fn edit(body: Value) -> ConfigEdit {
        serde_json::from_value(body).unwrap()
    }

    fn batch(body: Value) -> ConfigBatch {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn an_edit_replaces_unless_asked_and_its_event_names_the_key_path() {
        let (params, event) = edit(json!({"keyPath": "model", "value": "gpt-5"})).write().unwrap();
        assert_eq!(params, json!({"keyPath": "model", "value": "gpt-5", "mergeStrategy": "replace"}));
        assert_eq!(event, json!({"keyPaths": ["model"]}));
        let (params, _) = edit(json!({"keyPath": "a.b", "value": {"x": 1}, "mergeStrategy": "upsert"})).write().unwrap();
        assert_eq!(params, json!({"keyPath": "a.b", "value": {"x": 1}, "mergeStrategy": "upsert"}));
    }

    #[test]
    fn a_batch_reloads_the_user_config_unless_asked_and_its_event_names_every_key_path() {
        let (params, event) = batch(json!({"edits": [{"keyPath": "a", "value": 1}, {"keyPath": "b", "value": true}]})).write().unwrap();
        assert_eq!(
            params,
            json!({"edits": [{"keyPath": "a", "value": 1, "mergeStrategy": "replace"}, {"keyPath": "b", "value": true, "mergeStrategy": "replace"}],
                "reloadUserConfig": true})
        );
        assert_eq!(event, json!({"keyPaths": ["a", "b"]}));
        let (params, _) = batch(json!({"edits": [{"keyPath": "a", "value": 1}], "reloadUserConfig": false})).write().unwrap();
        assert_eq!(params["reloadUserConfig"], json!(false));
    }

    #[test]
    fn a_bad_key_path_or_batch_size_is_refused_before_app_server_sees_it() {
        for key in [String::new(), "k".repeat(MAX_KEY_PATH_LEN + 1)] {
            assert_eq!(edit(json!({"keyPath": key, "value": 1})).write().unwrap_err().code, ErrorCode::InvalidRequest);
            let bad_inside = batch(json!({"edits": [{"keyPath": "ok", "value": 1}, {"keyPath": key, "value": 1}]}));
            assert_eq!(bad_inside.write().unwrap_err().code, ErrorCode::InvalidRequest);
        }
        assert!(edit(json!({"keyPath": "k".repeat(MAX_KEY_PATH_LEN), "value": 1})).write().is_ok());
        assert_eq!(batch(json!({"edits": []})).write().unwrap_err().code, ErrorCode::InvalidRequest);
        let edits: Vec<Value> = (0..=MAX_BATCH_EDITS).map(|i| json!({"keyPath": format!("k{i}"), "value": i})).collect();
        assert_eq!(batch(json!({"edits": edits})).write().unwrap_err().code, ErrorCode::InvalidRequest);
        assert!(batch(json!({"edits": edits[..MAX_BATCH_EDITS]})).write().is_ok());
    }
}
