//! Where SQLite and PostgreSQL differ, in one place: how a pool is opened and set up, how a write transaction
//! begins, and how a URL is shown. Everything else in the store is one set of portable queries over `sqlx::Any`
//! (numbered parameters, `ON CONFLICT … excluded`, `RETURNING`; integer 0/1 flags, never BOOLEAN, and
//! `CASE WHEN … THEN 1 ELSE 0 END` for a condition in a select list, so both engines decode an i64).
//!
//! The other engine-specific spots, each matching on [`Engine`]: the migrations folder (`migrations.rs`) and the
//! event log's writer and checkpoints (`events.rs`, `events/log.rs`: SQLite keeps its own rusqlite connection);
//! and `transfer.rs`, which copies a SQLite store into PostgreSQL (`store migrate --to`): it reads SQLite through
//! rusqlite and binds each value by the PostgreSQL column's type.

use std::ffi::{c_char, c_int, c_void};
use std::path::Path;
use std::str::FromStr;
use std::sync::Once;
use std::time::Duration;

use rusqlite::ffi;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Connection, Transaction};

/// The database behind a [`super::Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// A file in the data dir (the default).
    Sqlite,
    /// A server given by `--database-url` (preview: see docs/operations.md).
    Postgres,
}

impl Engine {
    /// The engine a database URL names, if it is one the store runs on.
    pub fn of_url(url: &str) -> Option<Engine> {
        let scheme = url.split_once(':').map(|(s, _)| s)?;
        match scheme {
            "postgres" | "postgresql" => Some(Engine::Postgres),
            "sqlite" => Some(Engine::Sqlite),
            _ => None,
        }
    }

    /// A transaction that writes. Write transactions run one at a time on both engines, which is what the
    /// store's read-then-write transactions rely on (a follow-up's next position, a project checked before its
    /// sessions move, a job's lane counted before it is claimed).
    ///
    /// SQLite takes the write lock at BEGIN (`BEGIN IMMEDIATE`), where a busy database is waited out by the busy
    /// handler: a deferred transaction that reads first and writes later cannot wait when another writer committed
    /// in between, and fails with "database is locked" (SQLITE_BUSY_SNAPSHOT, code 517) instead. PostgreSQL
    /// (READ COMMITTED) would let two such transactions interleave: the first statement takes a transaction-scoped
    /// advisory lock, the same for every write transaction of the store (keyed by its schema), released at COMMIT
    /// or ROLLBACK. Queue claims do not take it: see [`Engine::begin_conditional`].
    pub(super) async fn begin_write(self, pool: &AnyPool) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self {
            Engine::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
            Engine::Postgres => {
                let mut tx = pool.begin().await?;
                // Selected through a constant: Any decodes no `void` column.
                sqlx::query(WRITE_LOCK).execute(&mut *tx).await?;
                Ok(tx)
            }
        }
    }
}

impl Engine {
    /// A transaction whose writes are each safe on their own against every other host: a queue claim
    /// (`store/jobs.rs`, `claim_next_job`) and the job transitions conditional on a lease or a state, each with its
    /// history row. On SQLite it is a write transaction like any other: one writer at a time already makes the
    /// lanes' count-then-claim atomic. On PostgreSQL it does NOT take the store's write lock, which would put every
    /// host's claims in one line behind every other write of every host; a claim's candidate row is taken with
    /// [`Engine::skip_locked`] (concurrent claimers pass over each other's rows) and its lanes are locked with
    /// [`Engine::lock_lanes`].
    pub(super) async fn begin_conditional(self, pool: &AnyPool) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self {
            Engine::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
            Engine::Postgres => pool.begin().await,
        }
    }

    /// The locking clause of the claim's pick: on PostgreSQL the row is locked and rows other claimers locked are
    /// skipped, not waited for; SQLite has no row locks (its one writer is the lock).
    pub(super) fn skip_locked(self) -> &'static str {
        match self {
            Engine::Sqlite => "",
            Engine::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// Lock the lanes a job is about to be claimed in (its kind's, and its project's if it has one) until the
    /// transaction ends. Why a lock at all: under READ COMMITTED two transactions that each count the running jobs
    /// of project P, before either commits, both see room and both claim, overfilling P's lane (their rows differ,
    /// so no row lock meets). Why an advisory lock keyed by the lane, not `SELECT … FOR UPDATE` on a lane row: the
    /// lanes are not rows (a project's limit is a host flag, a kind's is its plugin's manifest), and a key per lane
    /// serialises only the claims that compete for one lane; claims in other lanes run side by side. Taken in
    /// one order (kind, then project), so two claimers never wait for each other in a circle. The count must then
    /// run in a LATER statement: a READ COMMITTED statement sees what was committed before it began, so only a
    /// count that starts after the lock is held sees the claim of whoever held it before.
    pub(super) async fn lock_lanes(self, tx: &mut Transaction<'static, Any>, kind: &str, project: Option<&str>) -> Result<(), sqlx::Error> {
        if self == Engine::Sqlite {
            return Ok(());
        }
        sqlx::query(LANE_LOCK).bind(format!("kind:{kind}")).execute(&mut **tx).await?;
        if let Some(project) = project {
            sqlx::query(LANE_LOCK).bind(format!("project:{project}")).execute(&mut **tx).await?;
        }
        Ok(())
    }
}

impl Engine {
    /// Lock the queue's capacity until the transaction ends: enqueues count the live jobs and insert in one statement,
    /// but under READ COMMITTED two enqueues that count before either commits would both fit the last place. Only
    /// enqueues add live jobs (a claim keeps a job live; finishing, canceling take one out), so only they take it:
    /// an enqueue waits for other enqueues, not for every write of every host as under the store's write lock.
    pub(super) async fn lock_queue_capacity(self, tx: &mut Transaction<'static, Any>) -> Result<(), sqlx::Error> {
        if self == Engine::Sqlite {
            return Ok(());
        }
        sqlx::query(LANE_LOCK).bind("capacity").execute(&mut **tx).await?;
        Ok(())
    }
}

/// A lane's transaction-scoped advisory lock: a key of the queue's own (0x636d6c6e, "cmln") and a hash of the
/// schema and the lane (two lanes that share a hash only wait for each other more than they need to).
const LANE_LOCK: &str = "SELECT CAST(1 AS BIGINT) FROM pg_advisory_xact_lock(1668115566, hashtext(current_schema() || ':' || $1))";

/// The PostgreSQL advisory lock write transactions take: a key of the store's own (0x636d7772, "cmwr") and the
/// schema, so that stores in other schemas of one database (the tests') do not wait for each other. The two-key
/// form never meets sqlx's migration lock, which takes one bigint key.
pub(super) const WRITE_LOCK: &str = "SELECT CAST(1 AS BIGINT) FROM pg_advisory_xact_lock(1668118386, hashtext(current_schema()))";

/// Open the pool on the SQLite file at `path` (which exists, owner-only).
///
/// The settings issue 18 measured, kept as they were before the store moved to `Any`: WAL, synchronous=NORMAL,
/// foreign keys, a 256 KiB page cache per connection (1 MiB until 2026-12-06), no automatic checkpoints, 4
/// connections not pinged before use, and the busy handler that waits in 20 µs steps. `Any` takes only a URL (no
/// pragmas, and `after_connect` gets no sqlite handle), so the pragmas run in `after_connect` and the busy handler is
/// installed by a SQL function that every SQLite connection of the process gets ([`register_busy_function`]).
pub(super) async fn open_sqlite(path: &Path) -> Result<AnyPool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    register_busy_function();
    let options = AnyConnectOptions::from_str(&sqlite_url(path)?)?;
    AnyPoolOptions::new()
        .max_connections(4)
        .min_connections(1)
        // A local file does not go stale between uses; pinging it on every acquire costs a round trip.
        .test_before_acquire(false)
        .after_connect(|conn, _| {
            Box::pin(async move {
                for statement in SQLITE_SETUP {
                    sqlx::query(statement).persistent(false).execute(&mut *conn).await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
}

/// What every SQLite connection runs first. The busy handler first, so that the pragmas wait briefly too. sqlx
/// set its busy timeout when it opened the connection, before this: the handler replaces it (SQLite keeps one or
/// the other), and nothing after this sets a timeout again.
const SQLITE_SETUP: [&str; 6] = [
    "SELECT cm_wait_briefly_when_busy()",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    // 256 KiB of page cache per connection (four of them): the working set is small, the kernel's page cache holds
    // the file anyway, and memory should stay flat. At 1 MiB the connection that wrote a long reply's plugin call
    // records kept a full cache of them for the host's life.
    "PRAGMA cache_size = -256",
    // Checkpoints are the event log's checkpointer's job (see `events::log`): one here would run inside whichever
    // commit crossed the threshold, fsyncs included.
    "PRAGMA wal_autocheckpoint = 0",
];

/// Connect the pool to the PostgreSQL server at `url`.
pub(super) async fn connect_postgres(url: &str) -> Result<AnyPool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let options = AnyConnectOptions::from_str(url)?;
    // One connection first, to fail with the server's own reason (refused, no such database, wrong password): the
    // pool retries those until its acquire timeout and then reports only that it timed out.
    let first = tokio::time::timeout(CONNECT_TIMEOUT, sqlx::AnyConnection::connect_with(&options))
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)??;
    let _ = first.close().await;
    AnyPoolOptions::new()
        .max_connections(8)
        .min_connections(1)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(options)
        .await
}

/// How long the pool waits for a PostgreSQL connection: a server that does not answer fails the start (or a
/// request) in seconds, not after sqlx's 30 s default.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// `sqlite://` URL of a file path. sqlx percent-decodes the path, so a `%`, `?` or `#` in it is encoded here.
fn sqlite_url(path: &Path) -> Result<String, sqlx::Error> {
    let path = path.to_str().ok_or_else(|| sqlx::Error::Configuration(format!("the store's path is not UTF-8: {}", path.display()).into()))?;
    let mut url = String::with_capacity(path.len() + 20);
    url.push_str("sqlite://");
    for c in path.chars() {
        match c {
            '%' => url.push_str("%25"),
            '?' => url.push_str("%3F"),
            '#' => url.push_str("%23"),
            c => url.push(c),
        }
    }
    url.push_str("?mode=rwc");
    Ok(url)
}

/// `url` without its password, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_string(),
    };
    // A password may also come as a query parameter.
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query = query
                .split('&')
                .map(|kv| if kv.starts_with("password=") { "password=***" } else { kv })
                .collect::<Vec<_>>()
                .join("&");
            format!("{path}?{query}")
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

const BUSY_FUNCTION: &std::ffi::CStr = c"cm_wait_briefly_when_busy";

/// Give every SQLite connection this process opens from now on (sqlx's and rusqlite's: they share one
/// libsqlite3) the SQL function `cm_wait_briefly_when_busy()`, which installs [`super::events::wait_briefly`] as
/// the busy handler of the connection that calls it. Only the store calls it (in `after_connect`).
///
/// Why the pool's connections need that handler in place of SQLite's, which sleeps 1 ms at the least: a turn's end
/// waits for its record's write before `turn.completed` is published, and that write meets the event writer's
/// commits (the lock is held for tens of microseconds) while a stream runs.
fn register_busy_function() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: `register` has the signature SQLite calls auto extensions with; it only registers functions.
        let rc = unsafe { ffi::sqlite3_auto_extension(Some(register)) };
        // Without it every connection's after_connect fails ("no such function"), so the store does not open and
        // says why: nothing to handle here.
        if rc != ffi::SQLITE_OK {
            tracing::error!(rc, "cannot register the store's busy handler with SQLite");
        }
    });
}

unsafe extern "C" fn register(db: *mut ffi::sqlite3, _err: *mut *mut c_char, _api: *const ffi::sqlite3_api_routines) -> c_int {
    // DIRECTONLY: callable from top-level SQL only, never from a trigger or view a database file could carry.
    let flags = ffi::SQLITE_UTF8 | ffi::SQLITE_DIRECTONLY;
    // SAFETY: `db` is the connection being opened; the name is a static C string; no user data to free.
    let rc = unsafe {
        ffi::sqlite3_create_function_v2(db, BUSY_FUNCTION.as_ptr(), 0, flags, std::ptr::null_mut(), Some(install_busy_handler), None, None, None)
    };
    #[cfg(test)]
    let rc = if rc == ffi::SQLITE_OK { unsafe { tests::register_counter(db) } } else { rc };
    rc
}

unsafe extern "C" fn install_busy_handler(ctx: *mut ffi::sqlite3_context, _argc: c_int, _argv: *mut *mut ffi::sqlite3_value) {
    // SAFETY: the context is SQLite's for this call; its db handle is the calling connection, whose mutex the call
    // holds. The handler is a plain function that touches no memory through its (null) argument.
    unsafe {
        let db = ffi::sqlite3_context_db_handle(ctx);
        let rc = ffi::sqlite3_busy_handler(db, Some(busy_handler), std::ptr::null_mut());
        if rc == ffi::SQLITE_OK {
            ffi::sqlite3_result_int(ctx, 1);
        } else {
            ffi::sqlite3_result_error_code(ctx, rc);
        }
    }
}

unsafe extern "C" fn busy_handler(_: *mut c_void, attempt: c_int) -> c_int {
    #[cfg(test)]
    tests::BUSY_WAITS.with(|n| n.set(n.get() + 1));
    c_int::from(super::events::wait_briefly(attempt))
}

#[cfg(test)]
pub(super) mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::store::Store;
    use crate::testing::TempDir;

    thread_local! {
        /// Busy-handler calls on this thread. sqlx runs each SQLite connection on a thread of its own, so a query
        /// on a connection reads that connection's count (`SELECT cm_busy_waits()`).
        pub(super) static BUSY_WAITS: Cell<i64> = const { Cell::new(0) };
    }

    pub(super) unsafe fn register_counter(db: *mut ffi::sqlite3) -> c_int {
        unsafe extern "C" fn count(ctx: *mut ffi::sqlite3_context, _argc: c_int, _argv: *mut *mut ffi::sqlite3_value) {
            unsafe { ffi::sqlite3_result_int64(ctx, BUSY_WAITS.with(Cell::get)) }
        }
        unsafe {
            ffi::sqlite3_create_function_v2(db, c"cm_busy_waits".as_ptr(), 0, ffi::SQLITE_UTF8, std::ptr::null_mut(), Some(count), None, None, None)
        }
    }

    /// A pool connection that meets another connection's write lock waits in the store's busy handler (20 µs
    /// steps), not in the busy timeout sqlx sets when it opens a connection: the handler was installed after it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pool_connections_wait_in_the_stores_busy_handler() {
        let dir = TempDir::new("busy-handler");
        let store = Store::open(&dir.0).await.unwrap();
        let mut conn = store.pool().acquire().await.unwrap();
        let before: i64 = sqlx::query_scalar("SELECT cm_busy_waits()").fetch_one(&mut *conn).await.unwrap();
        let blocker = rusqlite::Connection::open(store.path().unwrap()).unwrap();
        blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
        let write = tokio::spawn(async move {
            sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
            sqlx::query("COMMIT").execute(&mut *conn).await?;
            let after: i64 = sqlx::query_scalar("SELECT cm_busy_waits()").fetch_one(&mut *conn).await?;
            Ok::<_, sqlx::Error>(after)
        });
        // Long enough for the write to meet the lock (the handler retries every 20 µs–1 ms).
        tokio::time::sleep(Duration::from_millis(200)).await;
        blocker.execute_batch("COMMIT").unwrap();
        let after = tokio::time::timeout(Duration::from_secs(30), write).await.expect("the write ends").unwrap().expect("it waited and landed");
        assert!(after > before, "the connection waited in the store's handler ({before} -> {after} calls)");
    }

    /// Every pool connection runs with the settings issue 18 measured (they come from `after_connect` now that the
    /// pool is `Any`'s), and the file is the owner's only.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pool_connections_have_the_stores_sqlite_settings() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new("pragmas");
        let store = Store::open(&dir.0).await.unwrap();
        // Every connection of the pool, held at once.
        let mut conns = Vec::new();
        for _ in 0..4 {
            conns.push(store.pool().acquire().await.unwrap());
        }
        for conn in &mut conns {
            let text = |sql| sqlx::query_scalar::<_, String>(sql);
            let int = |sql| sqlx::query_scalar::<_, i64>(sql);
            assert_eq!(text("PRAGMA journal_mode").fetch_one(&mut **conn).await.unwrap(), "wal");
            assert_eq!(int("PRAGMA synchronous").fetch_one(&mut **conn).await.unwrap(), 1, "NORMAL");
            assert_eq!(int("PRAGMA foreign_keys").fetch_one(&mut **conn).await.unwrap(), 1);
            assert_eq!(int("PRAGMA cache_size").fetch_one(&mut **conn).await.unwrap(), -256);
            assert_eq!(int("PRAGMA wal_autocheckpoint").fetch_one(&mut **conn).await.unwrap(), 0);
        }
        let mode = std::fs::metadata(store.path().unwrap()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_url_is_shown_without_its_password() {
        assert_eq!(redact_url("postgres://cm:secret@127.0.0.1:5432/cm"), "postgres://cm:***@127.0.0.1:5432/cm");
        assert_eq!(redact_url("postgres://cm@db/cm?sslmode=disable&password=x"), "postgres://cm@db/cm?sslmode=disable&password=***");
        assert_eq!(redact_url("postgres://db/cm"), "postgres://db/cm");
        assert_eq!(Engine::of_url("postgresql://x/y"), Some(Engine::Postgres));
        assert_eq!(Engine::of_url("mysql://x/y"), None);
    }

    #[test]
    fn a_path_with_url_characters_makes_a_url_sqlx_reads_back() {
        let url = sqlite_url(Path::new("/tmp/a b%c?d#e/x.sqlite3")).unwrap();
        assert_eq!(url, "sqlite:///tmp/a b%25c%3Fd%23e/x.sqlite3?mode=rwc");
    }
}
