//! The hosts that run on this store, their heartbeats, and which host owns a session.

use sqlx::Row;

use super::{Engine, Store, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRow {
    pub id: String,
    pub name: String,
    /// Where other hosts reach its API.
    pub url: String,
    /// The codex-manager release it runs.
    pub version: String,
    pub started_at: i64,
    pub heartbeat_at: i64,
    /// Set by a clean stop; cleared by the next start.
    pub stopped_at: Option<i64>,
}

const COLUMNS: &str = "id, name, url, version, started_at, heartbeat_at, stopped_at";

fn from_row(row: &super::Row) -> StoreResult<HostRow> {
    Ok(HostRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        url: row.try_get("url")?,
        version: row.try_get("version")?,
        started_at: row.try_get("started_at")?,
        heartbeat_at: row.try_get("heartbeat_at")?,
        stopped_at: row.try_get("stopped_at")?,
    })
}

impl Store {
    /// Record a host's start (its row created or refreshed, `stopped_at` cleared) and give it the sessions no host
    /// owns yet: those made before hosts had ids. On SQLite the store is one data dir's, whose app-server holds
    /// every thread: the host adopts every session and forgets any other host id the data dir ran under before
    /// (its `host-id` file replaced or overridden). Returns how many sessions it adopted.
    pub async fn register_host(&self, host: &HostRow) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO hosts (id, name, url, version, started_at, heartbeat_at, stopped_at) VALUES ($1, $2, $3, $4, $5, $6, NULL) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, url = excluded.url, version = excluded.version, \
             started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, stopped_at = NULL",
        )
        .bind(&host.id)
        .bind(&host.name)
        .bind(&host.url)
        .bind(&host.version)
        .bind(host.started_at)
        .bind(host.heartbeat_at)
        .execute(&mut *tx)
        .await
        .map_err(super::StoreError::from_write)?;
        let adopted = match self.engine() {
            Engine::Sqlite => {
                sqlx::query("DELETE FROM hosts WHERE id <> $1").bind(&host.id).execute(&mut *tx).await?;
                sqlx::query("UPDATE sessions SET owner_host = $1 WHERE owner_host IS NULL OR owner_host <> $1")
                    .bind(&host.id)
                    .execute(&mut *tx)
                    .await?
            }
            Engine::Postgres => {
                sqlx::query("UPDATE sessions SET owner_host = $1 WHERE owner_host IS NULL").bind(&host.id).execute(&mut *tx).await?
            }
        };
        tx.commit().await?;
        Ok(adopted.rows_affected())
    }

    /// The host that registered at `started_at` is still alive at `now`. False when its row is gone (deleted behind
    /// its back) or was registered again since, by another process under the same id.
    pub async fn heartbeat_host(&self, id: &str, started_at: i64, now: i64) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE hosts SET heartbeat_at = $3 WHERE id = $1 AND started_at = $2")
            .bind(id)
            .bind(started_at)
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The host stopped cleanly at `now`.
    pub async fn stop_host(&self, id: &str, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE hosts SET stopped_at = $2, heartbeat_at = $2 WHERE id = $1").bind(id).bind(now).execute(self.pool()).await?;
        Ok(())
    }

    /// Every host, by name then id.
    pub async fn list_hosts(&self) -> StoreResult<Vec<HostRow>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM hosts ORDER BY name, id")).fetch_all(self.pool()).await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn get_host(&self, id: &str) -> StoreResult<Option<HostRow>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM hosts WHERE id = $1")).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(from_row).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(id: &str, at: i64) -> HostRow {
        HostRow {
            id: id.into(),
            name: format!("{id}-box"),
            url: format!("http://{id}.example:8417"),
            version: "1.0.0".into(),
            started_at: at,
            heartbeat_at: at,
            stopped_at: None,
        }
    }

    async fn session(store: &Store, id: &str, owner: Option<&str>) {
        store.insert_session(&crate::store::testing::new_session(id, owner)).await.unwrap();
    }

    #[tokio::test]
    async fn a_host_registers_beats_stops_and_starts_again() {
        let (store, _scratch) = crate::store::testing::scratch("hosts-rows").await;
        assert_eq!(store.register_host(&host("a", 1_000)).await.unwrap(), 0);
        assert!(store.heartbeat_host("a", 1_000, 2_000).await.unwrap());
        assert!(!store.heartbeat_host("nobody", 1_000, 2_000).await.unwrap());
        assert!(!store.heartbeat_host("a", 999, 2_000).await.unwrap(), "another start of `a` owns the row now");
        let row = store.get_host("a").await.unwrap().unwrap();
        assert_eq!((row.started_at, row.heartbeat_at, row.stopped_at), (1_000, 2_000, None));
        store.stop_host("a", 3_000).await.unwrap();
        assert_eq!(store.get_host("a").await.unwrap().unwrap().stopped_at, Some(3_000));
        // The next start clears the stop and takes the new name and URL.
        let mut again = host("a", 4_000);
        again.url = "http://elsewhere:1".into();
        store.register_host(&again).await.unwrap();
        assert_eq!(store.get_host("a").await.unwrap().unwrap(), again);
        assert_eq!(store.get_host("nobody").await.unwrap(), None);
    }

    /// Sessions from before hosts had ids go to the first host that starts; a second host on a shared database
    /// takes none of the first one's. On SQLite the data dir's one host takes every session, whatever id it ran
    /// under before, and the list keeps only it.
    #[tokio::test]
    async fn unowned_sessions_go_to_the_first_host_that_starts() {
        let (store, _scratch) = crate::store::testing::scratch("hosts-adopt").await;
        session(&store, "old-1", None).await;
        session(&store, "old-2", None).await;
        assert_eq!(store.register_host(&host("a", 1_000)).await.unwrap(), 2);
        assert_eq!(store.get_session("old-1").await.unwrap().owner_host.as_deref(), Some("a"));
        session(&store, "new-a", Some("a")).await;
        let adopted = store.register_host(&host("b", 2_000)).await.unwrap();
        let ids: Vec<String> = store.list_hosts().await.unwrap().into_iter().map(|h| h.id).collect();
        let owners: Vec<Option<String>> =
            futures_util::future::join_all(["old-1", "old-2", "new-a"].map(|id| store.get_session(id))).await.into_iter().map(|s| s.unwrap().owner_host).collect();
        match store.engine() {
            Engine::Postgres => {
                assert_eq!(adopted, 0);
                assert_eq!(ids, ["a", "b"]);
                assert!(owners.iter().all(|o| o.as_deref() == Some("a")), "{owners:?}");
            }
            Engine::Sqlite => {
                assert_eq!(adopted, 3);
                assert_eq!(ids, ["b"]);
                assert!(owners.iter().all(|o| o.as_deref() == Some("b")), "{owners:?}");
            }
        }
    }

    /// A restarting host expires the requests its last run left pending, never another host's: that host's
    /// app-server may still be waiting for the answer. Requests outside any known session count as its own.
    #[tokio::test]
    async fn a_host_sees_as_left_by_its_last_run_only_its_own_pending_requests() {
        let (store, _scratch) = crate::store::testing::scratch("hosts-requests").await;
        session(&store, "mine", Some("a")).await;
        session(&store, "theirs", Some("b")).await;
        session(&store, "unowned", None).await;
        for (id, session) in [("r-mine", Some("mine")), ("r-theirs", Some("theirs")), ("r-unowned", Some("unowned")), ("r-none", None)] {
            sqlx::query(
                "INSERT INTO pending_requests (id, session_id, kind, method, generation, rpc_id, params, status, created_at) \
                 VALUES ($1, $2, 'command_approval', 'm', 1, '1', '{}', 'pending', 1)",
            )
            .bind(id)
            .bind(session)
            .execute(store.pool())
            .await
            .unwrap();
        }
        let mut ids = store.pending_request_ids("a").await.unwrap();
        ids.sort();
        assert_eq!(ids, ["r-mine", "r-none", "r-unowned"]);
    }
}
