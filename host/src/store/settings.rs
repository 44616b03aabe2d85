//! Per-session settings (a key-value store shared by every surface) and host-wide settings such as the default
//! session controls. Values are JSON text.

use sqlx::Row;

use super::{now_ms, Store, StoreError, StoreResult};

#[derive(Debug, Clone)]
pub struct SettingRow {
    pub key: String,
    pub value: String,
    pub updated_at: i64,
}

fn from_row(row: &super::Row) -> StoreResult<SettingRow> {
    Ok(SettingRow { key: row.try_get("key")?, value: row.try_get("value")?, updated_at: row.try_get("updated_at")? })
}

impl Store {
    pub async fn list_settings(&self, session_id: &str) -> StoreResult<Vec<SettingRow>> {
        let rows = sqlx::query("SELECT key, value, updated_at FROM session_settings WHERE session_id = $1 ORDER BY key")
            .bind(session_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn get_setting(&self, session_id: &str, key: &str) -> StoreResult<SettingRow> {
        let row = sqlx::query("SELECT key, value, updated_at FROM session_settings WHERE session_id = $1 AND key = $2")
            .bind(session_id)
            .bind(key)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    pub async fn put_setting(&self, session_id: &str, key: &str, value: &str) -> StoreResult<SettingRow> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO session_settings (session_id, key, value, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (session_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(session_id)
        .bind(key)
        .bind(value)
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(StoreError::from_write)?;
        Ok(SettingRow { key: key.to_string(), value: value.to_string(), updated_at: now })
    }

    pub async fn delete_setting(&self, session_id: &str, key: &str) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM session_settings WHERE session_id = $1 AND key = $2")
            .bind(session_id)
            .bind(key)
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn get_host_setting(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM host_settings WHERE key = $1")
            .bind(key)
            .fetch_optional(self.pool())
            .await?)
    }

    pub async fn put_host_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO host_settings (key, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(value)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
