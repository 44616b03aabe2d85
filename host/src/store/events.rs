//! The event log table. Sequence numbers are assigned by the single writer in `events`; it appends through an
//! [`EventWriter`], a connection of its own, so the hot path never waits for the pool.

use sqlx::{Connection, Row, SqliteConnection};

use super::{Store, StoreResult};

/// One statement for any batch size: the batch travels as one JSON array of rows
/// `[seq, ts, type, sessionId, turnId, projectId, data]`, `data` embedded as JSON (SQLite keeps its text as is).
/// A fixed statement stays prepared, and one statement is one implicit transaction: one round trip per batch.
const APPEND_BATCH: &str = "INSERT INTO events (seq, ts, type, session_id, turn_id, project_id, data) \
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value -> 6 FROM json_each($1)";

/// The event log's own connection. Automatic checkpoints are off on it (a checkpoint's fsync inside a commit
/// would hold up every reader of the stream); [`Store::checkpoint`] runs them beside it instead.
pub struct EventWriter {
    conn: SqliteConnection,
}

impl EventWriter {
    /// Append a batch given as a JSON array of rows (see [`APPEND_BATCH`]).
    pub async fn append_json(&mut self, rows: &str) -> StoreResult<()> {
        sqlx::query(APPEND_BATCH).bind(rows).execute(&mut self.conn).await?;
        Ok(())
    }
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

impl Store {
    /// Open the event log's writer connection.
    pub async fn event_writer(&self) -> StoreResult<EventWriter> {
        let mut conn = SqliteConnection::connect_with(&self.options).await?;
        sqlx::query("PRAGMA wal_autocheckpoint = 0").execute(&mut conn).await?;
        Ok(EventWriter { conn })
    }

    /// Copy what the WAL holds into the database without blocking the writer (a passive checkpoint).
    pub async fn checkpoint(&self) -> StoreResult<()> {
        sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(self.pool()).await?;
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
