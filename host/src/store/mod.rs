//! Durable state: projects, sessions, settings, idempotency keys and the event log, in SQLite (WAL).
//!
//! The store knows rows, not rules: it never talks to app-server and never decides what a change means. Its SQL
//! stays portable (numbered parameters, no SQLite-only types) so that PostgreSQL can hold the same schema later.
//! It fails loudly: a database that cannot be opened or migrated is an error with what to do, never a fresh start.

mod events;
mod followups;
mod idempotency;
mod jobs;
mod limits;
mod migrations;
mod notes;
mod plugin_calls;
mod plugins;
mod projects;
mod requests;
mod routines;
mod sessions;
mod settings;
mod turns;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

pub use events::{writer_error, EventRow, EventRowRef, EventWriter, WriterError};
pub use followups::{Claim, FollowupRow, FollowupStatus, PauseCause, PauseReason, PauseRow, QueuedChange, Reorder};
pub use idempotency::IdempotencyClaim;
pub use limits::{DayUsageRow, Tokens, UsageFilter};
pub use jobs::{Enqueued, Finish, JobErrorKind, JobFilter, JobHistoryRow, JobRow, JobState, QueueCounts};
pub use notes::NoteRow;
pub use plugin_calls::CallRecorder;
pub use plugins::{PluginCallRow, PluginRow};
pub use projects::{Moved, ProjectRow};
pub use requests::{RequestFilter, RequestRow, RequestStatus};
pub use routines::{CatchUp, RoutineRow, RoutineState, RunRow, RunTrigger, RunView};
pub use sessions::{SessionFilter, SessionPatch, SessionRow, NewSession};
pub use settings::SettingRow;
pub use turns::{TurnEnd, TurnRow, TurnStatus};

/// File name of the database inside the data dir.
pub const DATABASE_FILE: &str = "codex-manager.sqlite3";

/// What went wrong in the store, in terms a service can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflicts with an existing row: {0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl StoreError {
    fn from_write(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(db.message().to_string()),
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::Conflict(db.message().to_string()),
            _ => StoreError::Database(e),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The durable store. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

impl Store {
    /// Open (creating if absent) the database in `data_dir` and bring its schema up to date.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Self> {
        ignore_file_size_signal();
        let path = data_dir.join(DATABASE_FILE);
        create_private_file(&path)?;
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // 1 MiB of page cache per connection: the working set is small and memory should stay flat.
            .pragma("cache_size", "-1024")
            // Checkpoints are the event log's checkpointer's job (see `events::log`): one here would run inside
            // whichever commit crossed the threshold, fsyncs included.
            .pragma("wal_autocheckpoint", "0");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            // A local file does not go stale between uses; pinging it on every acquire costs a round trip.
            .test_before_acquire(false)
            .after_connect(|conn, _| Box::pin(async move { events::wait_briefly_when_busy(conn).await }))
            .connect_with(options)
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot open the store at {}: {e}. Check that the data dir is writable and the file is a Codex Manager \
                     database; restore it from a backup or move it aside to start empty (see docs/operations.md).",
                    path.display()
                )
            })?;
        migrations::run(&pool).await.map_err(|e| {
            anyhow::anyhow!(
                "cannot migrate the store at {}: {e}. The database may come from a newer Codex Manager or be damaged; \
                 nothing was changed (see docs/operations.md).",
                path.display()
            )
        })?;
        Ok(Self { pool, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A cheap round trip, for readiness.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A transaction that writes. It takes the write lock at BEGIN (`BEGIN IMMEDIATE`), where a busy database is
    /// waited out (busy_timeout): a deferred transaction that reads first and writes later cannot wait when another
    /// writer committed in between, and fails with "database is locked" (SQLITE_BUSY_SNAPSHOT, code 517) instead.
    /// On PostgreSQL this is a plain BEGIN.
    pub(crate) async fn begin_write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

/// A write past the file size limit (`ulimit -f`, RLIMIT_FSIZE) raises SIGXFSZ, whose default action kills the
/// process. Ignored, the write fails with EFBIG instead and is handled like a full disk: the request that needed it
/// answers 503 `storage_unavailable`, the event log retries, and the host keeps serving (children inherit this).
fn ignore_file_size_signal() {
    // SAFETY: setting a signal's disposition to SIG_IGN installs no handler and has no preconditions.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// Create the database file owner-only before SQLite does (its WAL and shm files take the same mode).
fn create_private_file(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(anyhow::anyhow!("cannot create the store at {}: {e}", path.display())),
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
