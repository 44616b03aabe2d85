//! Durable state: projects, sessions, settings, idempotency keys and the event log, in SQLite (WAL) or, with
//! `--database-url`, PostgreSQL (preview).
//!
//! The store knows rows, not rules: it never talks to app-server and never decides what a change means. Its SQL
//! is one set of portable queries over `sqlx::Any`; where the engines differ, `engine.rs` says how.
//! It fails loudly: a database that cannot be opened or migrated is an error with what to do, never a fresh start.

mod engine;
mod events;
mod followups;
mod hosts;
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
mod sql;
pub mod transfer;
mod turns;

#[cfg(test)]
pub mod testing;

use std::path::{Path, PathBuf};

use sqlx::{Any, AnyPool, Transaction};

pub use engine::{redact_url, Engine};
pub(crate) use sql::Sql;
pub use events::{writer_error, EventListener, EventRow, EventRowRef, EventWriter, WriterError, WAL_LIMIT_BYTES};
pub use followups::{Claim, FollowupRow, FollowupStatus, PauseCause, PauseReason, PauseRow, QueuedChange, Reorder};
pub use hosts::HostRow;
pub use idempotency::IdempotencyClaim;
pub use limits::{DayUsageRow, Tokens, UsageFilter};
pub use jobs::{Enqueued, Finish, JobClaim, JobErrorKind, JobFilter, JobHistoryRow, JobRow, JobState, KindLane, QueueCounts};
pub use notes::NoteRow;
pub use plugin_calls::CallRecorder;
pub use plugins::{PluginCallRow, PluginHostRow, PluginRow};
pub use projects::{Moved, ProjectRow};
pub use requests::{RequestFilter, RequestRow, RequestStatus};
pub use routines::{CatchUp, RoutineRow, RoutineState, RunRow, RunTrigger, RunView};
pub use sessions::{SessionFilter, SessionPatch, SessionRow, NewSession};
pub use settings::SettingRow;
pub use turns::{TurnChange, TurnEnd, TurnRow, TurnStatus};

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

/// What the detail of a [`StoreError::Conflict`] from a violated constraint says, on both engines: SQLite's own
/// messages say it ("UNIQUE constraint failed: t.c"), PostgreSQL's get it as a prefix.
const CONSTRAINT_FAILED: &str = "constraint failed";

impl StoreError {
    fn from_write(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() || db.is_foreign_key_violation() => {
                let message = db.message();
                StoreError::Conflict(if message.contains(CONSTRAINT_FAILED) {
                    message.to_string()
                } else {
                    format!("{CONSTRAINT_FAILED}: {message}")
                })
            }
            _ => StoreError::Database(e),
        }
    }

    /// A write the database refused for a UNIQUE or FOREIGN KEY constraint (its detail names tables and
    /// constraints: for the log, not for clients).
    pub fn is_constraint_violation(&self) -> bool {
        matches!(self, StoreError::Conflict(detail) if detail.contains(CONSTRAINT_FAILED))
    }

    /// The database cannot take the write: SQLite's data dir is full (SQLITE_FULL, a short write), over the file
    /// size limit or failing (SQLITE_IOERR: EFBIG, EIO); PostgreSQL's disk is full (53100) or failing (58030); or
    /// the database cannot be reached (an I/O error on the connection). Not the request's fault and not a bug.
    pub fn is_storage_failure(&self) -> bool {
        const SQLITE_IOERR: i32 = 10;
        const SQLITE_FULL: i32 = 13;
        match self {
            // A SQLSTATE has five characters; SQLite's (extended) result codes are at most four digits.
            StoreError::Database(sqlx::Error::Database(db)) => match db.code().as_deref() {
                Some(sqlstate) if sqlstate.len() == 5 => matches!(sqlstate, "53100" | "58030"),
                Some(code) => code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, SQLITE_IOERR | SQLITE_FULL)),
                None => false,
            },
            StoreError::Database(sqlx::Error::Io(_)) => true,
            _ => false,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The durable store. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
    /// The host's data dir: the SQLite file's folder; beside a PostgreSQL database, where the token, the log and
    /// the plugins' files still are.
    data_dir: PathBuf,
    /// The SQLite file; None on PostgreSQL.
    path: Option<PathBuf>,
    /// PostgreSQL: the server's URL, for the event log's listener (a connection of its own, outside the pool).
    url: Option<std::sync::Arc<str>>,
}

/// A row as the store reads it (either engine).
pub(crate) type Row = sqlx::any::AnyRow;
/// The database type of the store's queries and transactions.
pub(crate) type Db = Any;

impl Store {
    /// Open (creating if absent) the SQLite database in `data_dir` and bring its schema up to date.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Self> {
        ignore_file_size_signal();
        let path = data_dir.join(DATABASE_FILE);
        create_private_file(&path)?;
        let pool = engine::open_sqlite(&path).await.map_err(|e| {
            anyhow::anyhow!(
                "cannot open the store at {}: {e}. Check that the data dir is writable and the file is a Codex Manager \
                 database; restore it from a backup or move it aside to start empty (see docs/operations.md).",
                path.display()
            )
        })?;
        let store = Self { pool, engine: Engine::Sqlite, data_dir: data_dir.to_path_buf(), path: Some(path), url: None };
        store.migrate(&store.path.as_ref().expect("sqlite has a path").display().to_string()).await?;
        Ok(store)
    }

    /// Connect to the PostgreSQL database at `url` (`postgres://user:password@host:port/db`) and bring its schema
    /// up to date. `data_dir` is the host's (see [`Store::data_dir`]); nothing of the store is kept there.
    pub async fn connect(url: &str, data_dir: &Path) -> anyhow::Result<Self> {
        let shown = redact_url(url);
        if Engine::of_url(url) != Some(Engine::Postgres) {
            anyhow::bail!("the database URL {shown} is not a PostgreSQL URL (postgres://user:password@host:port/database)");
        }
        let pool = engine::connect_postgres(url).await.map_err(|e| {
            anyhow::anyhow!(
                "cannot connect to the database at {shown}: {e}. Check that the server runs and accepts this role and \
                 password, and that the database exists (see docs/operations.md, \"PostgreSQL (preview)\")."
            )
        })?;
        let store = Self { pool, engine: Engine::Postgres, data_dir: data_dir.to_path_buf(), path: None, url: Some(url.into()) };
        store.migrate(&shown).await?;
        Ok(store)
    }

    async fn migrate(&self, shown: &str) -> anyhow::Result<()> {
        migrations::run(&self.pool, self.engine).await.map_err(|e| {
            anyhow::anyhow!(
                "cannot migrate the store at {shown}: {e}. The database may come from a newer Codex Manager or be damaged; \
                 nothing was changed (see docs/operations.md)."
            )
        })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The data dir of the host this store belongs to.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The SQLite file; None on PostgreSQL.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// A cheap round trip, for readiness.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction that writes (see [`Engine::begin_write`]: `BEGIN IMMEDIATE` on SQLite).
    pub(crate) async fn begin_write(&self) -> StoreResult<Transaction<'static, Any>> {
        Ok(self.engine.begin_write(&self.pool).await?)
    }

    /// A transaction of conditional writes (see [`Engine::begin_conditional`]: no store-wide lock on PostgreSQL).
    pub(crate) async fn begin_conditional(&self) -> StoreResult<Transaction<'static, Any>> {
        Ok(self.engine.begin_conditional(&self.pool).await?)
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
