//! Idempotency keys for requests that must take effect once (starting a turn).
//!
//! A key is claimed before the work starts; the claim is one INSERT, so two concurrent requests with the same key
//! cannot both win. The response is stored when the work is done and replayed to every retry.

use super::{now_ms, Store, StoreError, StoreResult};

/// The outcome of trying to claim a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// This request owns the key and must do the work.
    Claimed,
    /// A request with the same key and body already finished: here is its response.
    Replay(String),
    /// A request with the same key is still running.
    InProgress,
    /// The key was used with a different body.
    Mismatch,
}

impl Store {
    pub async fn claim_idempotency_key(&self, session_id: &str, key: &str, body_hash: &str) -> StoreResult<IdempotencyClaim> {
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (session_id, key, body_hash, response, created_at) VALUES ($1, $2, $3, NULL, $4) \
             ON CONFLICT (session_id, key) DO NOTHING",
        )
        .bind(session_id)
        .bind(key)
        .bind(body_hash)
        .bind(now_ms())
        .execute(self.pool())
        .await
        .map_err(StoreError::from_write)?;
        if inserted.rows_affected() == 1 {
            return Ok(IdempotencyClaim::Claimed);
        }
        let (hash, response): (String, Option<String>) =
            sqlx::query_as("SELECT body_hash, response FROM idempotency_keys WHERE session_id = $1 AND key = $2")
                .bind(session_id)
                .bind(key)
                .fetch_one(self.pool())
                .await?;
        Ok(match (hash == body_hash, response) {
            (false, _) => IdempotencyClaim::Mismatch,
            (true, Some(r)) => IdempotencyClaim::Replay(r),
            (true, None) => IdempotencyClaim::InProgress,
        })
    }

    pub async fn complete_idempotency_key(&self, session_id: &str, key: &str, response: &str) -> StoreResult<()> {
        sqlx::query("UPDATE idempotency_keys SET response = $3 WHERE session_id = $1 AND key = $2")
            .bind(session_id)
            .bind(key)
            .bind(response)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Give the key up after a failure, so a retry can do the work.
    pub async fn release_idempotency_key(&self, session_id: &str, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM idempotency_keys WHERE session_id = $1 AND key = $2 AND response IS NULL")
            .bind(session_id)
            .bind(key)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Forget finished keys older than `ttl_ms`.
    pub async fn expire_idempotency_keys(&self, ttl_ms: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM idempotency_keys WHERE response IS NOT NULL AND created_at < $1")
            .bind(now_ms() - ttl_ms)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    /// Claims left unfinished by a crash would block their keys forever; they are released at start. Only those
    /// of sessions that are not another host's than `host`: on a store several hosts share, another host's claims
    /// may be in flight right now (releasing one would let a retry start its turn a second time).
    pub async fn release_unfinished_idempotency_keys(&self, host: &str) -> StoreResult<u64> {
        let done = sqlx::query(
            "DELETE FROM idempotency_keys WHERE response IS NULL AND NOT EXISTS \
             (SELECT 1 FROM sessions s WHERE s.id = idempotency_keys.session_id AND s.owner_host <> $1)",
        )
        .bind(host)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn session(store: &Store, id: &str, owner: Option<&str>) {
        store.insert_session(&crate::store::testing::new_session(id, owner)).await.unwrap();
    }

    /// A host's start releases the unfinished claims of its own sessions (and of sessions no host owns yet), never
    /// those of another host's sessions, which may be in flight there; finished keys are kept for replays.
    #[tokio::test]
    async fn a_start_releases_only_its_own_sessions_unfinished_keys() {
        let (store, _scratch) = crate::store::testing::scratch("idempotency-hosts").await;
        for (id, owner) in [("mine", Some("a")), ("theirs", Some("b")), ("unowned", None)] {
            session(&store, id, owner).await;
            assert_eq!(store.claim_idempotency_key(id, "k", "h").await.unwrap(), IdempotencyClaim::Claimed);
        }
        store.claim_idempotency_key("mine", "done", "h").await.unwrap();
        store.complete_idempotency_key("mine", "done", "{}").await.unwrap();

        assert_eq!(store.release_unfinished_idempotency_keys("a").await.unwrap(), 2, "mine and the unowned one");
        assert_eq!(store.claim_idempotency_key("theirs", "k", "h").await.unwrap(), IdempotencyClaim::InProgress, "host b's claim stays");
        assert_eq!(store.claim_idempotency_key("mine", "k", "h").await.unwrap(), IdempotencyClaim::Claimed, "released");
        assert_eq!(store.claim_idempotency_key("mine", "done", "h").await.unwrap(), IdempotencyClaim::Replay("{}".into()));
    }
}
