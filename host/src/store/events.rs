//! The event log table. Sequence numbers are assigned by the single writer in `events`, so a batch is one
//! multi-row INSERT in one transaction.

use sqlx::{QueryBuilder, Row, Sqlite};

use super::{Store, StoreResult};

#[derive(Debug, Clone)]
pub struct NewEventRow<'a> {
    pub seq: i64,
    pub ts: i64,
    pub kind: &'a str,
    pub session_id: Option<&'a str>,
    pub turn_id: Option<&'a str>,
    pub project_id: Option<&'a str>,
    pub data: &'a str,
}

#[derive(Debug, Clone)]
pub struct EventRow {
    pub seq: i64,
    pub ts: i64,
    pub kind: String,
    pub session_id: Option<String>,
    pub turn_id: Option<String>,
    pub project_id: Option<String>,
    pub data: String,
}

/// SQLite allows 32,766 bound values per statement; 7 per row keeps a batch well inside that.
pub const MAX_EVENT_BATCH: usize = 1000;

impl Store {
    pub async fn append_events(&self, batch: &[NewEventRow<'_>]) -> StoreResult<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool().begin().await?;
        for chunk in batch.chunks(MAX_EVENT_BATCH) {
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new("INSERT INTO events (seq, ts, type, session_id, turn_id, project_id, data) ");
            q.push_values(chunk, |mut b, e| {
                b.push_bind(e.seq)
                    .push_bind(e.ts)
                    .push_bind(e.kind)
                    .push_bind(e.session_id)
                    .push_bind(e.turn_id)
                    .push_bind(e.project_id)
                    .push_bind(e.data);
            });
            q.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Events with `seq > after`, oldest first.
    pub async fn events_after(&self, after: i64, limit: i64) -> StoreResult<Vec<EventRow>> {
        let rows = sqlx::query(
            "SELECT seq, ts, type, session_id, turn_id, project_id, data FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(EventRow {
                    seq: r.try_get("seq")?,
                    ts: r.try_get("ts")?,
                    kind: r.try_get("type")?,
                    session_id: r.try_get("session_id")?,
                    turn_id: r.try_get("turn_id")?,
                    project_id: r.try_get("project_id")?,
                    data: r.try_get("data")?,
                })
            })
            .collect()
    }

    /// (oldest, newest) seq in the log; (0, 0) when empty.
    pub async fn event_bounds(&self) -> StoreResult<(i64, i64)> {
        let (min, max): (Option<i64>, Option<i64>) =
            sqlx::query_as("SELECT MIN(seq), MAX(seq) FROM events").fetch_one(self.pool()).await?;
        Ok((min.unwrap_or(0), max.unwrap_or(0)))
    }

    /// Drop the oldest events so at most `keep` remain. Returns how many went.
    pub async fn prune_events(&self, keep: i64) -> StoreResult<u64> {
        let (_, max) = self.event_bounds().await?;
        let done = sqlx::query("DELETE FROM events WHERE seq <= $1").bind(max - keep).execute(self.pool()).await?;
        Ok(done.rows_affected())
    }
}
