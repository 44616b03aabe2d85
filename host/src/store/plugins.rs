//! Installed plugins, their call records and their private key-value stores.

use sqlx::Row;

use super::{now_ms, Store, StoreError, StoreResult};

#[derive(Debug, Clone)]
pub struct PluginRow {
    pub id: String,
    pub version: String,
    /// The plugin.toml text as installed.
    pub manifest: String,
    /// JSON array of granted capability names.
    pub granted: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub consecutive_failures: i64,
    pub installed_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
pub struct PluginCallRow {
    pub id: String,
    pub plugin_id: String,
    pub trigger: String,
    pub started_at: i64,
    pub duration_us: i64,
    /// `ok`, `error`, `trap`, `timeout`, `memory`, `bad_output`, `dropped`.
    pub outcome: String,
    pub error: Option<String>,
    /// JSON array of denied capability uses.
    pub denials: Option<String>,
    /// The tail of the guest's stderr, for a failed call.
    pub stderr: Option<String>,
}

/// Call records kept per plugin.
pub const CALLS_KEPT_PER_PLUGIN: i64 = 1000;

fn plugin_from(r: &super::Row) -> StoreResult<PluginRow> {
    Ok(PluginRow {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        manifest: r.try_get("manifest")?,
        granted: r.try_get("granted")?,
        enabled: r.try_get::<i64, _>("enabled")? != 0,
        disabled_reason: r.try_get("disabled_reason")?,
        consecutive_failures: r.try_get("consecutive_failures")?,
        installed_at: r.try_get("installed_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// A host that holds a plugin's component.
#[derive(Debug, Clone)]
pub struct PluginHostRow {
    pub plugin_id: String,
    pub host_id: String,
    pub version: String,
    pub installed_at: i64,
}

impl Store {
    pub async fn list_plugins(&self) -> StoreResult<Vec<PluginRow>> {
        let rows = sqlx::query("SELECT * FROM plugins ORDER BY id").fetch_all(self.pool()).await?;
        rows.iter().map(plugin_from).collect()
    }

    pub async fn get_plugin(&self, id: &str) -> StoreResult<PluginRow> {
        let row = sqlx::query("SELECT * FROM plugins WHERE id = $1").bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(plugin_from).transpose()?.ok_or(StoreError::NotFound)
    }

    /// Record that `host_id` holds `version` of the plugin's component (an install, an upgrade, or a start that
    /// loaded it). One row per plugin and host, replaced.
    pub async fn record_plugin_host(&self, plugin_id: &str, host_id: &str, version: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO plugin_hosts (plugin_id, host_id, version, installed_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (plugin_id, host_id) DO UPDATE SET version = excluded.version, installed_at = \
             CASE WHEN plugin_hosts.version = excluded.version THEN plugin_hosts.installed_at ELSE excluded.installed_at END",
        )
        .bind(plugin_id)
        .bind(host_id)
        .bind(version)
        .bind(now_ms())
        .execute(self.pool())
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Every (plugin, host) that holds a component, by plugin then host.
    pub async fn plugin_hosts(&self) -> StoreResult<Vec<PluginHostRow>> {
        let rows = sqlx::query("SELECT plugin_id, host_id, version, installed_at FROM plugin_hosts ORDER BY plugin_id, host_id")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PluginHostRow {
                    plugin_id: r.try_get("plugin_id")?,
                    host_id: r.try_get("host_id")?,
                    version: r.try_get("version")?,
                    installed_at: r.try_get("installed_at")?,
                })
            })
            .collect()
    }

    /// Insert or replace (an upgrade) a plugin.
    pub async fn put_plugin(&self, id: &str, version: &str, manifest: &str, granted: &str) -> StoreResult<()> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO plugins (id, version, manifest, granted, enabled, disabled_reason, consecutive_failures, installed_at, updated_at) \
             VALUES ($1, $2, $3, $4, 1, NULL, 0, $5, $5) \
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, manifest = excluded.manifest, granted = excluded.granted, \
             enabled = 1, disabled_reason = NULL, consecutive_failures = 0, updated_at = excluded.updated_at",
        )
        .bind(id)
        .bind(version)
        .bind(manifest)
        .bind(granted)
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    pub async fn set_plugin_enabled(&self, id: &str, enabled: bool, reason: Option<&str>) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE plugins SET enabled = $2, disabled_reason = $3, consecutive_failures = CASE WHEN $2 = 1 THEN 0 ELSE consecutive_failures END, updated_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(enabled as i64)
        .bind(reason)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn set_plugin_failures(&self, id: &str, failures: i64) -> StoreResult<()> {
        sqlx::query("UPDATE plugins SET consecutive_failures = $2 WHERE id = $1").bind(id).bind(failures).execute(self.pool()).await?;
        Ok(())
    }

    pub async fn delete_plugin(&self, id: &str) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM plugins WHERE id = $1").bind(id).execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM plugin_kv WHERE plugin_id = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM plugin_settings WHERE plugin_id = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM plugin_calls WHERE plugin_id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Insert call records in one transaction, and prune the plugins in `prune` back to
    /// [`CALLS_KEPT_PER_PLUGIN`] in the same one.
    pub async fn record_plugin_calls(&self, calls: &[PluginCallRow], prune: &[String]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for c in calls {
            sqlx::query(
                "INSERT INTO plugin_calls (id, plugin_id, call_trigger, started_at, duration_us, outcome, error, denials, stderr) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&c.id)
            .bind(&c.plugin_id)
            .bind(&c.trigger)
            .bind(c.started_at)
            .bind(c.duration_us)
            .bind(&c.outcome)
            .bind(&c.error)
            .bind(&c.denials)
            .bind(&c.stderr)
            .execute(&mut *tx)
            .await?;
        }
        for plugin_id in prune {
            sqlx::query(
                "DELETE FROM plugin_calls WHERE plugin_id = $1 AND id NOT IN \
                 (SELECT id FROM plugin_calls WHERE plugin_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2)",
            )
            .bind(plugin_id)
            .bind(CALLS_KEPT_PER_PLUGIN)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Newest first.
    pub async fn plugin_calls(&self, plugin_id: &str, limit: i64) -> StoreResult<Vec<PluginCallRow>> {
        let rows = sqlx::query(
            "SELECT id, plugin_id, call_trigger, started_at, duration_us, outcome, error, denials, stderr FROM plugin_calls \
             WHERE plugin_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2",
        )
        .bind(plugin_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PluginCallRow {
                    id: r.try_get("id")?,
                    plugin_id: r.try_get("plugin_id")?,
                    trigger: r.try_get("call_trigger")?,
                    started_at: r.try_get("started_at")?,
                    duration_us: r.try_get("duration_us")?,
                    outcome: r.try_get("outcome")?,
                    error: r.try_get("error")?,
                    denials: r.try_get("denials")?,
                    stderr: r.try_get("stderr")?,
                })
            })
            .collect()
    }

    pub async fn plugin_kv_get(&self, plugin_id: &str, key: &str) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM plugin_kv WHERE plugin_id = $1 AND key = $2")
            .bind(plugin_id)
            .bind(key)
            .fetch_optional(self.pool())
            .await?)
    }

    pub async fn plugin_kv_set(&self, plugin_id: &str, key: &str, value: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO plugin_kv (plugin_id, key, value, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (plugin_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(plugin_id)
        .bind(key)
        .bind(value)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn plugin_kv_delete(&self, plugin_id: &str, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM plugin_kv WHERE plugin_id = $1 AND key = $2").bind(plugin_id).bind(key).execute(self.pool()).await?;
        Ok(())
    }

    /// Set (`value` some) or delete (`value` none) `key` only if it holds `expected` (none: absent). Each case is one
    /// conditional statement, so of two racing calls exactly one changes the row. True when this call did.
    pub async fn plugin_kv_compare_and_set(&self, plugin_id: &str, key: &str, expected: Option<&str>, value: Option<&str>) -> StoreResult<bool> {
        let done = match (expected, value) {
            (None, Some(value)) => sqlx::query(
                "INSERT INTO plugin_kv (plugin_id, key, value, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (plugin_id, key) DO NOTHING",
            )
            .bind(plugin_id)
            .bind(key)
            .bind(value)
            .bind(now_ms())
            .execute(self.pool())
            .await?,
            (Some(expected), Some(value)) => {
                sqlx::query("UPDATE plugin_kv SET value = $4, updated_at = $5 WHERE plugin_id = $1 AND key = $2 AND value = $3")
                    .bind(plugin_id)
                    .bind(key)
                    .bind(expected)
                    .bind(value)
                    .bind(now_ms())
                    .execute(self.pool())
                    .await?
            }
            (Some(expected), None) => sqlx::query("DELETE FROM plugin_kv WHERE plugin_id = $1 AND key = $2 AND value = $3")
                .bind(plugin_id)
                .bind(key)
                .bind(expected)
                .execute(self.pool())
                .await?,
            // Absent stays absent: nothing to write, only to check.
            (None, None) => return Ok(self.plugin_kv_get(plugin_id, key).await?.is_none()),
        };
        Ok(done.rows_affected() == 1)
    }

    /// A plugin's keys starting with `prefix`, sorted, at most `limit`.
    pub async fn plugin_kv_keys(&self, plugin_id: &str, prefix: &str, limit: i64) -> StoreResult<Vec<String>> {
        // A prefix compare rather than LIKE: no wildcard in a key can widen the match.
        Ok(sqlx::query_scalar(
            "SELECT key FROM plugin_kv WHERE plugin_id = $1 AND substr(key, 1, length($2)) = $2 ORDER BY key LIMIT $3",
        )
        .bind(plugin_id)
        .bind(prefix)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// The settings a user set for a plugin: key → JSON text.
    pub async fn plugin_settings(&self, plugin_id: &str) -> StoreResult<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT key, value FROM plugin_settings WHERE plugin_id = $1 ORDER BY key")
            .bind(plugin_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok((r.try_get("key")?, r.try_get("value")?))).collect()
    }

    /// Set (some JSON text) or reset (none) a plugin's settings, all or none.
    pub async fn put_plugin_settings(&self, plugin_id: &str, changes: &[(String, Option<String>)]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for (key, value) in changes {
            match value {
                Some(value) => {
                    sqlx::query(
                        "INSERT INTO plugin_settings (plugin_id, key, value, updated_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (plugin_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                    )
                    .bind(plugin_id)
                    .bind(key)
                    .bind(value)
                    .bind(now_ms())
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query("DELETE FROM plugin_settings WHERE plugin_id = $1 AND key = $2").bind(plugin_id).bind(key).execute(&mut *tx).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
