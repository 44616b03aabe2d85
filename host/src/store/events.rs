//! The event log table. Sequence numbers are assigned by the single writer in `events`; it appends through an
//! [`EventWriter`], a connection of its own, so the hot path never waits for the pool.
//!
//! The writer is synchronous (rusqlite, on the same libsqlite3 as sqlx) because it runs on a thread of its own:
//! a commit is then one call on that thread, where through sqlx every statement is a round trip to sqlx's worker
//! thread and back — two cross-thread wake-ups that cost more CPU than the commit itself when events arrive one
//! at a time, and a copy of every row into sqlx's arguments when they arrive in bulk.
//!
//! On PostgreSQL the writer appends through the pool instead (one transaction and one statement per batch), from
//! the same thread, waiting on the runtime for each commit.

use std::time::Duration;

use rusqlite::{params, OpenFlags};
use sqlx::Row;

use super::{Store, StoreError, StoreResult};

/// One row per event; a batch is one transaction over this cached statement.
const APPEND: &str = "INSERT INTO events (seq, ts, type, session_id, turn_id, project_id, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
/// PostgreSQL: a batch is one multi-row INSERT of this head.
const APPEND_MANY: &str = "INSERT INTO events (seq, ts, type, session_id, turn_id, project_id, data) ";

/// An event as the writer stores it (borrowed from the event being committed).
pub struct EventRowRef<'a> {
    pub seq: i64,
    pub ts: i64,
    pub kind: &'a str,
    pub session_id: Option<&'a str>,
    pub turn_id: Option<&'a str>,
    pub project_id: Option<&'a str>,
    pub data: &'a str,
}

/// Why the writer could not commit.
#[derive(Debug, thiserror::Error)]
pub enum WriterError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Pool(#[from] sqlx::Error),
}

/// The event log's own connection, blocking: use it from a thread of its own, never from an async task.
///
/// Automatic checkpoints are off on it (a checkpoint's fsync inside a commit would hold up every reader of the
/// stream); [`Store::checkpoint`] runs them beside it instead, when the log is quiet.
pub struct EventWriter {
    conn: Writer,
}

enum Writer {
    Sqlite(rusqlite::Connection),
    /// The store's pool, driven by the runtime the log was started on. Seqs come from the log's single writer,
    /// which orders one host's events. Several hosts on one database need more (issue 19, part 2): seq taken under
    /// `pg_advisory_xact_lock` in the append transaction, and `NOTIFY` so the others read what was committed.
    Postgres { pool: sqlx::AnyPool, runtime: tokio::runtime::Handle },
}

impl EventWriter {
    /// Append a batch in one transaction.
    pub fn append<'a>(&mut self, rows: impl IntoIterator<Item = EventRowRef<'a>>) -> Result<(), WriterError> {
        let conn = match &mut self.conn {
            Writer::Sqlite(conn) => conn,
            Writer::Postgres { pool, runtime } => return Ok(runtime.block_on(append_through(pool, rows))?),
        };
        // IMMEDIATE: take the write lock at BEGIN, so a busy database waits in the busy handler there, not mid-batch.
        // BEGIN and COMMIT are cached statements like the INSERT: a paced stream runs them for every few events, and
        // parsing them each time showed in its profile.
        conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        let written = (|| -> Result<(), rusqlite::Error> {
            let mut insert = conn.prepare_cached(APPEND)?;
            for r in rows {
                insert.execute(params![r.seq, r.ts, r.kind, r.session_id, r.turn_id, r.project_id, r.data])?;
            }
            conn.prepare_cached("COMMIT")?.execute([])?;
            Ok(())
        })();
        if written.is_err() && !conn.is_autocommit() {
            // Nothing of a failed batch stays: it is retried whole.
            let _ = conn.execute_batch("ROLLBACK");
        }
        Ok(written?)
    }

    /// Drop every event with `seq <= upto`. Returns how many went.
    pub fn prune(&mut self, upto: i64) -> Result<usize, WriterError> {
        match &mut self.conn {
            Writer::Sqlite(conn) => Ok(conn.prepare_cached("DELETE FROM events WHERE seq <= ?1")?.execute([upto])?),
            Writer::Postgres { pool, runtime } => {
                let done = runtime.block_on(sqlx::query("DELETE FROM events WHERE seq <= $1").bind(upto).execute(&*pool))?;
                Ok(done.rows_affected() as usize)
            }
        }
    }
}

/// A batch through the pool: one multi-row INSERT in one transaction (a failed batch leaves nothing; it is
/// retried whole).
async fn append_through<'a>(pool: &sqlx::AnyPool, rows: impl IntoIterator<Item = EventRowRef<'a>>) -> Result<(), sqlx::Error> {
    let mut insert = super::Sql::new(APPEND_MANY);
    insert.push("VALUES ");
    let mut any = false;
    for r in rows {
        if any {
            insert.push(", ");
        }
        any = true;
        insert.push("(").push_bind(r.seq).push(", ").push_bind(r.ts).push(", ").push_bind(r.kind).push(", ").push_bind(r.session_id);
        insert.push(", ").push_bind(r.turn_id).push(", ").push_bind(r.project_id).push(", ").push_bind(r.data).push(")");
    }
    if !any {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    // Each batch has its own number of rows: not worth a prepared statement each.
    insert.build().persistent(false).execute(&mut *tx).await?;
    tx.commit().await
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
    /// Open the event log's writer connection (blocking, but quick: the database exists and is migrated). Call it
    /// from within the runtime: on PostgreSQL the writer drives the pool on it.
    pub fn event_writer(&self) -> StoreResult<EventWriter> {
        let Some(path) = self.path() else {
            let runtime = tokio::runtime::Handle::try_current().map_err(|e| StoreError::Database(sqlx::Error::Io(std::io::Error::other(e))))?;
            return Ok(EventWriter { conn: Writer::Postgres { pool: self.pool().clone(), runtime } });
        };
        let open = || -> Result<EventWriter, rusqlite::Error> {
            let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let conn = rusqlite::Connection::open_with_flags(path, flags)?;
            conn.busy_handler(Some(wait_briefly))?;
            // The same durability as the pool (WAL, no fsync per commit); no automatic checkpoints (see above); a
            // WAL that a checkpoint emptied is cut back to 8 MiB when the writer starts it over.
            conn.execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; \
                 PRAGMA journal_size_limit = 8388608; PRAGMA cache_size = -1024;",
            )?;
            Ok(EventWriter { conn: Writer::Sqlite(conn) })
        };
        open().map_err(|e| writer_error(e.into()))
    }

    /// The WAL file's size in bytes (0 when there is none, and on PostgreSQL).
    pub fn wal_bytes(&self) -> u64 {
        let Some(path) = self.path() else { return 0 };
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
    }

    /// Copy what the WAL holds into the database without blocking the writer (a passive checkpoint). PostgreSQL
    /// checkpoints by itself: nothing to do there.
    pub async fn checkpoint(&self) -> StoreResult<()> {
        if self.engine() == super::Engine::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(self.pool()).await?;
        }
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

    /// The `turn.completed` event of `turn_id` logged after `after_seq`, if any: (seq, data). Reads forward from
    /// `after_seq` along the primary key (the turn's start), so it stays cheap in a long log.
    pub async fn turn_end_event(&self, turn_id: &str, after_seq: i64) -> StoreResult<Option<(i64, String)>> {
        let row = sqlx::query("SELECT seq, data FROM events WHERE seq > $1 AND type = 'turn.completed' AND turn_id = $2 ORDER BY seq LIMIT 1")
            .bind(after_seq)
            .bind(turn_id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok((r.try_get("seq")?, r.try_get("data")?))).transpose()
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

/// The busy handler of every connection: the other connections' writes hold the lock for tens of microseconds, but
/// SQLite's own handler sleeps 1, 2, 5… ms, which every reader of the stream (and a turn's end) would wait out.
/// Retry after 20 µs, backing off to 1 ms, for about as long as the pool's busy timeout (10 s).
pub(super) fn wait_briefly(attempt: i32) -> bool {
    const STEP_MICROS: u64 = 20;
    const MAX_MICROS: u64 = 1_000;
    const ATTEMPTS: i32 = 10_050;
    if attempt >= ATTEMPTS {
        return false;
    }
    std::thread::sleep(Duration::from_micros((STEP_MICROS << attempt.clamp(0, 6)).min(MAX_MICROS)));
    true
}

/// The writer's errors, in the store's terms.
pub fn writer_error(e: WriterError) -> StoreError {
    match e {
        WriterError::Pool(e) => StoreError::Database(e),
        WriterError::Sqlite(e) => StoreError::Database(sqlx::Error::Io(std::io::Error::other(e))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool write that meets another connection's write lock waits in the busy handler the pool's connections
    /// get (`engine::install_busy_handler`) and lands once the lock is released, instead of failing as locked.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_pool_write_that_meets_a_held_lock_waits_for_it_then_lands() {
        let dir = std::env::temp_dir().join(format!("cm-busy-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(&dir).await.unwrap();
        let blocker = rusqlite::Connection::open(store.path().unwrap()).unwrap();
        blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
        let write = tokio::spawn({
            let store = store.clone();
            async move {
                let mut tx = store.begin_write().await?;
                sqlx::query("DELETE FROM events WHERE seq < 0").execute(&mut *tx).await?;
                tx.commit().await.map_err(StoreError::from)
            }
        });
        // Long enough for the write to meet the lock many times over (the handler retries every 20 µs–1 ms).
        tokio::time::sleep(Duration::from_millis(300)).await;
        blocker.execute_batch("COMMIT").unwrap();
        tokio::time::timeout(Duration::from_secs(30), write).await.expect("the write ends").unwrap().expect("the write waited and landed");
        let _ = std::fs::remove_dir_all(dir);
    }
}
