//! The event log table. Sequence numbers are assigned by the single writer in `events`; it appends through an
//! [`EventWriter`], a connection of its own, so the hot path never waits for the pool.
//!
//! The writer is synchronous (rusqlite, on the same libsqlite3 as sqlx) because it runs on a thread of its own:
//! a commit is then one call on that thread, where through sqlx every statement is a round trip to sqlx's worker
//! thread and back — two cross-thread wake-ups that cost more CPU than the commit itself when events arrive one
//! at a time, and a copy of every row into sqlx's arguments when they arrive in bulk.
//!
//! On PostgreSQL the writer appends through the pool instead (one transaction and one INSERT per batch), from
//! the same thread, waiting on the runtime for each commit. Several hosts may append to one database there, so the
//! seqs come from the database: each batch's transaction takes the log's advisory lock, numbers the batch after the
//! newest seq, and announces its last seq on [`EVENTS_CHANNEL`] as it commits. The lock is held until the commit,
//! so batches commit in seq order: a reader that has seen seq n never meets a seq below n committed later. The
//! other hosts hear the announcement through an [`EventListener`].

use std::path::Path;
use std::time::Duration;

use rusqlite::{params, OpenFlags};
use sqlx::Row;

use super::engine::WRITE_LOCK;
use super::turns::{record_in, record_sqlite, TurnChange};
use super::{Store, StoreError, StoreResult};

/// The log's oldest and newest seq, each looked up at one end of the key. Not `SELECT MIN(seq), MAX(seq)`: SQLite
/// answers a lone MIN or MAX from the end of an index, but a query with both reads every row, and readers ask this
/// at every page of a replay (with a million events kept, tens of milliseconds each).
const EVENT_BOUNDS: &str = "SELECT (SELECT MIN(seq) FROM events), (SELECT MAX(seq) FROM events)";
/// A page of the log after a seq.
const EVENTS_AFTER: &str = "SELECT seq, ts, type, session_id, turn_id, project_id, data FROM events WHERE seq > $1 ORDER BY seq LIMIT $2";
/// The size the event writer cuts a WAL back to when it starts it over (`journal_size_limit`), and the size past
/// which the event log's checkpointer checkpoints even while a stream runs (`events::log`): one figure, so the
/// writer only ever trims what grew past the checkpointer's threshold.
pub const WAL_LIMIT_BYTES: u64 = 64 << 20;
/// One row per event; a batch is one transaction over this cached statement.
const APPEND: &str = "INSERT INTO events (seq, ts, type, session_id, turn_id, project_id, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
/// PostgreSQL: a batch is one multi-row INSERT of this head, announced by the same statement (see
/// [`append_through`]).
const APPEND_MANY: &str = "WITH added AS (INSERT INTO events (seq, ts, type, session_id, turn_id, project_id, data) ";
/// PostgreSQL: the channel every host's writer announces its commits on. The payload is the store's schema, the
/// writer's origin and the batch's last seq (`<schema> <origin> <seq>`): a channel is the database's, and stores in
/// other schemas of it (the tests') are not this log; a writer's own host has broadcast its batches already.
pub const EVENTS_CHANNEL: &str = "codex_manager_events";
/// PostgreSQL: the transaction-level advisory lock that serialises the event log's appends across hosts: a key of
/// the log's own (0x636d6576, "cmev"; not the store's write lock, so an append never waits for a write transaction)
/// and the schema, like `engine::WRITE_LOCK`. Taken with BEGIN, in one round trip; the newest seq is read by the
/// next statement, whose snapshot is taken once the lock is held (READ COMMITTED: one per statement).
const BEGIN_LOCKED: &str = "BEGIN; SELECT CAST(1 AS BIGINT) FROM pg_advisory_xact_lock(1668113782, hashtext(current_schema()))";

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

/// The event log's own connection, blocking: use it from a thread of its own, never from an async task (but for
/// [`EventWriter::append_now`], which never waits for a lock).
///
/// Automatic checkpoints are off on it (a checkpoint's fsync inside a commit would hold up every reader of the
/// stream); [`Store::checkpoint`] runs them beside it instead, when the log is quiet.
pub struct EventWriter {
    conn: Writer,
}

enum Writer {
    Sqlite(rusqlite::Connection),
    /// The store's pool, driven by the runtime the log was started on. `open` is the batch's transaction between
    /// [`EventWriter::begin`] and [`EventWriter::append`]: it holds the log's lock.
    Postgres {
        pool: sqlx::AnyPool,
        runtime: tokio::runtime::Handle,
        open: Option<sqlx::Transaction<'static, sqlx::Any>>,
        /// Names this writer in its announcements, so that its own host's listener leaves them out.
        origin: String,
    },
}

impl EventWriter {
    /// Start a batch. On SQLite nothing happens and None comes back: one process owns the file, so the writer
    /// numbers batches from its own counter. On PostgreSQL this opens the batch's transaction, takes the log's lock
    /// and returns the newest seq in the database: the batch is numbered after it (other hosts append too).
    pub fn begin(&mut self) -> Result<Option<i64>, WriterError> {
        let Writer::Postgres { pool, runtime, open, .. } = &mut self.conn else { return Ok(None) };
        if let Some(stale) = open.take() {
            runtime.block_on(stale.rollback())?;
        }
        let (tx, newest) = runtime.block_on(async {
            let mut tx = pool.begin_with(BEGIN_LOCKED).await?;
            let newest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events").fetch_one(&mut *tx).await?;
            Ok::<_, sqlx::Error>((tx, newest))
        })?;
        *open = Some(tx);
        Ok(Some(newest))
    }

    /// PostgreSQL: what this writer's announcements carry as their origin ([`EventListener::ignore`]).
    pub fn origin(&self) -> Option<&str> {
        match &self.conn {
            Writer::Sqlite(_) => None,
            Writer::Postgres { origin, .. } => Some(origin),
        }
    }

    /// Append a batch in one transaction (on PostgreSQL, the one [`EventWriter::begin`] opened; a batch whose
    /// commit fails is begun again), with the turns' starts and ends whose events it logs (each with that event's
    /// seq: see [`TurnChange`]).
    pub fn append<'a>(&mut self, rows: impl IntoIterator<Item = EventRowRef<'a>>, turns: &[(&TurnChange, Option<i64>)]) -> Result<(), WriterError> {
        if matches!(self.conn, Writer::Postgres { open: None, .. }) {
            // Not begun: at least under the log's lock (the rows' seqs are the caller's).
            self.begin()?;
        }
        let conn = match &mut self.conn {
            Writer::Sqlite(conn) => conn,
            Writer::Postgres { runtime, open, origin, .. } => {
                let tx = open.take().expect("begun above");
                return Ok(runtime.block_on(append_through(tx, origin, rows, turns))?);
            }
        };
        Ok(append_sqlite(conn, rows, turns)?)
    }

    /// SQLite: [`EventWriter::append`] now, on the caller's thread, or not at all: true once it is committed, false
    /// when another connection holds the write lock (it does not wait for it) or the store is PostgreSQL, whose
    /// appends go through the runtime. An error leaves nothing written. The event log's publishers commit a lone
    /// event or a turn's start or end this way on the tokio worker that produced it (see `events::log`); the writer
    /// thread takes what they leave.
    pub fn append_now<'a>(&mut self, rows: impl IntoIterator<Item = EventRowRef<'a>>, turns: &[(&TurnChange, Option<i64>)]) -> Result<bool, WriterError> {
        let Writer::Sqlite(conn) = &mut self.conn else { return Ok(false) };
        // No busy wait: the pool's write (tens of microseconds, a truncating checkpoint up to TRUNCATE_PATIENCE)
        // would block the caller's thread, and the writer thread waits for it instead.
        conn.busy_handler(None)?;
        let written = append_sqlite(conn, rows, turns);
        conn.busy_handler(Some(wait_briefly))?;
        match written {
            Ok(()) => Ok(true),
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::DatabaseBusy => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Drop every event with `seq <= upto`. Returns how many went.
    pub fn prune(&mut self, upto: i64) -> Result<usize, WriterError> {
        match &mut self.conn {
            Writer::Sqlite(conn) => Ok(conn.prepare_cached("DELETE FROM events WHERE seq <= ?1")?.execute([upto])?),
            Writer::Postgres { pool, runtime, .. } => {
                let done = runtime.block_on(sqlx::query("DELETE FROM events WHERE seq <= $1").bind(upto).execute(&*pool))?;
                Ok(done.rows_affected() as usize)
            }
        }
    }

    /// PostgreSQL: events with `seq > after`, oldest first (other hosts' events, which the writer broadcasts in
    /// order with its own). Empty on SQLite, where every event is this writer's.
    pub fn events_after(&mut self, after: i64, limit: i64) -> Result<Vec<EventRow>, WriterError> {
        match &mut self.conn {
            Writer::Sqlite(_) => Ok(Vec::new()),
            Writer::Postgres { pool, runtime, .. } => Ok(runtime.block_on(read_after(pool, after, limit))?),
        }
    }
}

/// SQLite: a batch in one transaction; a batch that fails leaves nothing (it is retried whole).
fn append_sqlite<'a>(conn: &mut rusqlite::Connection, rows: impl IntoIterator<Item = EventRowRef<'a>>, turns: &[(&TurnChange, Option<i64>)]) -> Result<(), rusqlite::Error> {
    // IMMEDIATE: take the write lock at BEGIN, so a busy database waits in the busy handler there, not mid-batch.
    // BEGIN and COMMIT are cached statements like the INSERT: a paced stream runs them for every few events, and
    // parsing them each time showed in its profile.
    conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
    let written = (|| -> Result<(), rusqlite::Error> {
        let mut insert = conn.prepare_cached(APPEND)?;
        for r in rows {
            insert.execute(params![r.seq, r.ts, r.kind, r.session_id, r.turn_id, r.project_id, r.data])?;
        }
        for (change, seq) in turns {
            record_sqlite(conn, change, *seq)?;
        }
        conn.prepare_cached("COMMIT")?.execute([])?;
        Ok(())
    })();
    if written.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    written
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        // A transaction goes back to the pool through the runtime: drop it inside it.
        if let Writer::Postgres { runtime, open, .. } = &mut self.conn {
            if let Some(tx) = open.take() {
                let _guard = runtime.enter();
                drop(tx);
            }
        }
    }
}

/// A batch through the pool: one statement in the batch's transaction that inserts the rows and announces them to
/// the other hosts (`pg_notify`, delivered at the commit and only if it commits), then the commit (a failed batch
/// leaves nothing; it is retried whole). Two round trips, as the lock and the newest seq took two before.
async fn append_through<'a>(
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    origin: &str,
    rows: impl IntoIterator<Item = EventRowRef<'a>>,
    turns: &[(&TurnChange, Option<i64>)],
) -> Result<(), sqlx::Error> {
    let mut insert = super::Sql::new(APPEND_MANY);
    insert.push("VALUES ");
    let mut last = None;
    for r in rows {
        if last.is_some() {
            insert.push(", ");
        }
        last = Some(r.seq);
        insert.push("(").push_bind(r.seq).push(", ").push_bind(r.ts).push(", ").push_bind(r.kind).push(", ").push_bind(r.session_id);
        insert.push(", ").push_bind(r.turn_id).push(", ").push_bind(r.project_id).push(", ").push_bind(r.data).push(")");
    }
    if let Some(last) = last {
        // A data-modifying WITH runs to completion whether or not the query reads it. Selected through a constant:
        // `Any` decodes no `void` column.
        insert.push(") SELECT CAST(1 AS BIGINT) FROM pg_notify(").push_bind(EVENTS_CHANNEL);
        insert.push(", current_schema() || ' ' || ").push_bind(format!("{origin} {last}")).push(")");
        // Each batch has its own number of rows: not worth a prepared statement each.
        insert.build().persistent(false).execute(&mut *tx).await?;
    } else if turns.is_empty() {
        return tx.rollback().await;
    }
    if !turns.is_empty() {
        // The turn records are written as the pool writes: one write transaction at a time (see
        // `Engine::begin_write`). Taken after the log's lock, which no pool transaction takes: never a wait in a circle.
        sqlx::query(WRITE_LOCK).execute(&mut *tx).await?;
        for (change, seq) in turns {
            record_in(&mut tx, change, *seq).await?;
        }
    }
    tx.commit().await
}

async fn read_after(pool: &sqlx::AnyPool, after: i64, limit: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    let rows = sqlx::query(EVENTS_AFTER)
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
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

/// PostgreSQL: a connection of its own (outside the pool: `Any` has no LISTEN) that hears the writers of every host
/// announce their commits on [`EVENTS_CHANNEL`].
pub struct EventListener {
    listener: sqlx::postgres::PgListener,
    /// The store's schema: announcements from other schemas are not this log's.
    schema: String,
    /// The origin of this host's own writer, whose announcements are left out.
    own: Option<String>,
}

impl EventListener {
    /// The next announcement of this log: Some(the last seq of a batch some writer committed), or None when the
    /// connection was lost and is back (listening again: announcements may have gone by meanwhile, so read the
    /// store). An error when it could not come back: see [`EventListener::reconnect`].
    pub async fn recv(&mut self) -> Result<Option<i64>, sqlx::Error> {
        loop {
            let Some(heard) = self.listener.try_recv().await? else { return Ok(None) };
            let mut parts = heard.payload().rsplitn(3, ' ');
            let (Some(seq), Some(origin), Some(schema)) = (parts.next(), parts.next(), parts.next()) else { continue };
            if schema == self.schema && self.own.as_deref() != Some(origin) {
                // A seq that does not parse (somebody else's NOTIFY on the channel) is taken as news: the store says.
                return Ok(Some(seq.parse().unwrap_or(i64::MAX)));
            }
        }
    }

    /// Leave out the announcements of the writer with this origin ([`EventWriter::origin`]: this host's own).
    pub fn ignore(&mut self, origin: &str) {
        self.own = Some(origin.to_string());
    }

    /// After [`EventListener::recv`] failed: connect and listen again now (a lost connection whose reconnect failed
    /// would otherwise come back only inside the next `recv`, after the caller read the store: announcements
    /// between the two would go unheard). Ok once listening.
    pub async fn reconnect(&mut self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&mut self.listener).await.map(drop)
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
    /// Open the event log's writer connection (blocking, but quick: the database exists and is migrated). Call it
    /// from within the runtime: on PostgreSQL the writer drives the pool on it.
    pub fn event_writer(&self) -> StoreResult<EventWriter> {
        let Some(path) = self.path() else {
            let runtime = tokio::runtime::Handle::try_current().map_err(|e| StoreError::Database(sqlx::Error::Io(std::io::Error::other(e))))?;
            return Ok(EventWriter { conn: Writer::Postgres { pool: self.pool().clone(), runtime, open: None, origin: uuid::Uuid::now_v7().simple().to_string() } });
        };
        let open = || -> Result<EventWriter, rusqlite::Error> {
            let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let conn = rusqlite::Connection::open_with_flags(path, flags)?;
            conn.busy_handler(Some(wait_briefly))?;
            // The same durability as the pool (WAL, no fsync per commit); no automatic checkpoints (see above). The
            // commit that starts a checkpointed WAL over cuts the file back to `journal_size_limit`: at 8 MiB that
            // `ftruncate` of ~56 MiB took 9-27 ms on this thread, mid-stream (strace, 2026-12-07), so the limit is the
            // checkpointer's threshold ([`WAL_LIMIT_BYTES`]) and only what grew past it is cut here; the
            // checkpointer truncates the rest once the log is idle ([`Store::truncate_wal`]). A page cache of 256 KiB:
            // appends touch the right edge of each b-tree (a few dozen pages), and a 1 MiB cache stayed full of a long
            // reply's pages for the host's life.
            conn.execute_batch(&format!(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; \
                 PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}; PRAGMA cache_size = -256;"
            ))?;
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

    /// Checkpoint all of the WAL and cut its file to nothing, so a burst's WAL does not keep its size on disk.
    /// Writers wait while it runs (SQLite's TRUNCATE mode: the truncation itself takes milliseconds), so it is
    /// for a quiet log; and it waits at most [`TRUNCATE_PATIENCE`] for readers and writers before giving up, on a
    /// connection of its own, rather than keep the event writer waiting behind a long read. `false` when it gave up
    /// (the WAL is then as a passive checkpoint leaves it); `true` on PostgreSQL, which has no WAL file of ours.
    pub async fn truncate_wal(&self) -> StoreResult<bool> {
        let Some(path) = self.path().map(Path::to_path_buf) else { return Ok(true) };
        let truncate = move || -> rusqlite::Result<bool> {
            let conn = rusqlite::Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
            conn.busy_timeout(TRUNCATE_PATIENCE)?;
            // One row: busy (1 when it gave up), the WAL's frames, the frames checkpointed.
            let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
            Ok(busy == 0)
        };
        tokio::task::spawn_blocking(truncate)
            .await
            .map_err(|e| StoreError::Database(sqlx::Error::Io(std::io::Error::other(e))))?
            .map_err(|e| writer_error(e.into()))
    }

    /// Events with `seq > after`, oldest first.
    pub async fn events_after(&self, after: i64, limit: i64) -> StoreResult<Vec<EventRow>> {
        Ok(read_after(self.pool(), after, limit).await?)
    }

    /// PostgreSQL: a listener to the event log's announcements, already listening. None on SQLite (one writer).
    pub async fn event_listener(&self) -> StoreResult<Option<EventListener>> {
        let Some(url) = &self.url else { return Ok(None) };
        let mut listener = sqlx::postgres::PgListener::connect(url).await?;
        listener.listen(EVENTS_CHANNEL).await?;
        // The same URL as the pool's, so the same search path: the schema the writers name.
        let schema: String = sqlx::query_scalar("SELECT current_schema()").fetch_one(&mut listener).await?;
        Ok(Some(EventListener { listener, schema, own: None }))
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
        let (min, max): (Option<i64>, Option<i64>) = sqlx::query_as(EVENT_BOUNDS).fetch_one(self.pool()).await?;
        Ok((min.unwrap_or(0), max.unwrap_or(0)))
    }

    /// Drop the oldest events so at most `keep` remain. Returns how many went.
    pub async fn prune_events(&self, keep: i64) -> StoreResult<u64> {
        let (_, max) = self.event_bounds().await?;
        let done = sqlx::query("DELETE FROM events WHERE seq <= $1").bind(max - keep).execute(self.pool()).await?;
        Ok(done.rows_affected())
    }
}

/// How long [`Store::truncate_wal`] waits for a writer to finish or readers to leave the WAL before it gives up.
/// The event writer waits behind it meanwhile, so this is short: a commit holds the lock for tens of microseconds,
/// a read of the log for about as long.
pub const TRUNCATE_PATIENCE: Duration = Duration::from_millis(5);

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

    /// Every query a reader makes of the log looks rows up by the key (SQLite's plan says SEARCH), none reads the
    /// whole table (SCAN): the bounds are asked at every page of a replay.
    #[tokio::test]
    async fn the_log_is_read_by_its_key_never_scanned() {
        let dir = crate::testing::TempDir::new("events-plans");
        let store = Store::open(&dir.0).await.unwrap();
        use sqlx::Row as _;
        let explain = |query: &str| format!("EXPLAIN QUERY PLAN {query}");
        for (query, plan) in [
            (EVENT_BOUNDS, sqlx::query(&explain(EVENT_BOUNDS)).fetch_all(store.pool()).await),
            (EVENTS_AFTER, sqlx::query(&explain(EVENTS_AFTER)).bind(5i64).bind(512i64).fetch_all(store.pool()).await),
        ] {
            let rows = plan.unwrap();
            let plan: Vec<String> = rows.iter().map(|r| r.try_get("detail").unwrap()).collect();
            let on_events: Vec<&String> = plan.iter().filter(|step| step.contains("events")).collect();
            assert!(!on_events.is_empty() && on_events.iter().all(|step| step.starts_with("SEARCH")), "{query}: {plan:?}");
        }
    }

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
