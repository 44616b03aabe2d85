//! Stores for tests, on the engine the run asks for: SQLite in the test's temp dir by default; PostgreSQL when
//! `CODEX_MANAGER_TEST_DATABASE_URL` names a server (`scripts/test.sh` starts a private one and runs the store and
//! services tests on it: the suite "Store on PostgreSQL"). Each test then gets a schema of its own on that server,
//! created here and dropped when the test's [`TestDb`] goes.
//!
//! Tests of what only SQLite has (its write lock, its files) open [`Store::open`] directly instead.

use std::path::Path;

use sqlx::Connection;

use super::{Engine, Store};

/// The server the store tests run on when set (a PostgreSQL URL whose role may create schemas).
pub const DATABASE_URL_ENV: &str = "CODEX_MANAGER_TEST_DATABASE_URL";

/// A test's database: nothing to hold for SQLite (the file is in the test's dir), a schema on PostgreSQL.
pub struct TestDb {
    postgres: Option<Schema>,
}

struct Schema {
    server: String,
    name: String,
}

impl TestDb {
    /// The database of a new test, on the engine the environment asks for.
    pub async fn new() -> Self {
        let Some(server) = std::env::var(DATABASE_URL_ENV).ok().filter(|u| !u.is_empty()) else {
            return Self { postgres: None };
        };
        let name = format!("cm_test_{}", uuid::Uuid::now_v7().simple());
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&server)
            .await
            .unwrap_or_else(|e| panic!("{DATABASE_URL_ENV} ({}) does not connect: {e}", super::redact_url(&server)));
        sqlx::raw_sql(&format!("CREATE SCHEMA {name}")).execute(&mut conn).await.expect("the test schema is created");
        let _ = conn.close().await;
        Self { postgres: Some(Schema { server, name }) }
    }

    pub fn engine(&self) -> Engine {
        if self.postgres.is_some() { Engine::Postgres } else { Engine::Sqlite }
    }

    /// PostgreSQL: the URL of this test's schema (what a host or a migration is given); None on SQLite.
    pub fn postgres_url(&self) -> Option<String> {
        self.postgres.as_ref().map(Schema::url)
    }

    /// Open the store (again, after a restart): the SQLite file in `dir`, or this test's schema.
    pub async fn open(&self, dir: &Path) -> Store {
        match &self.postgres {
            None => Store::open(dir).await.expect("store opens"),
            Some(schema) => Store::connect(&schema.url(), dir).await.expect("store connects"),
        }
    }
}

impl Schema {
    /// The server's URL with this schema first on the search path of every connection, which are named after it.
    fn url(&self) -> String {
        let sep = if self.server.contains('?') { '&' } else { '?' };
        format!("{}{sep}options[search_path]={name}&application_name={name}", self.server, name = self.name)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(schema) = self.postgres.take() else { return };
        // Drop runs inside the test's runtime, which cannot block on itself: a thread with a runtime of its own.
        // The test's own connections go first: blocked here, its runtime cannot roll back a transaction a test
        // left open, whose locks the DROP would wait for.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            rt.block_on(async {
                let mut conn = sqlx::AnyConnection::connect(&schema.server).await.ok()?;
                let terminate = format!(
                    "SELECT CAST(COUNT(pg_terminate_backend(pid)) AS BIGINT) FROM pg_stat_activity \
                     WHERE application_name = '{}' AND pid <> pg_backend_pid()",
                    schema.name
                );
                sqlx::raw_sql(&terminate).execute(&mut conn).await.ok()?;
                sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {} CASCADE", schema.name)).execute(&mut conn).await.ok()?;
                conn.close().await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("warning: the test schema was not dropped (the cluster of the test run goes with it)");
        }
    }
}

/// A store for a test that needs nothing else, with its [`TestDb`] (keep it until the test ends).
pub async fn store(dir: &Path) -> (TestDb, Store) {
    let db = TestDb::new().await;
    let store = db.open(dir).await;
    (db, store)
}

/// A temp dir and a test's database, both gone when this is dropped.
pub struct Scratch {
    pub db: TestDb,
    pub dir: crate::testing::TempDir,
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.dir.0
    }
}

/// A store in a new [`Scratch`].
pub async fn scratch(tag: &str) -> (Store, Scratch) {
    let dir = crate::testing::TempDir::new(tag);
    let db = TestDb::new().await;
    let store = db.open(&dir.0).await;
    (store, Scratch { db, dir })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The run's engine is the one the environment names: the suite on PostgreSQL never passes on SQLite unnoticed.
    #[tokio::test]
    async fn a_run_with_a_test_server_puts_every_test_store_on_it() {
        let want = if std::env::var(DATABASE_URL_ENV).is_ok_and(|u| !u.is_empty()) { Engine::Postgres } else { Engine::Sqlite };
        let (store, scratch) = scratch("engine").await;
        assert_eq!((store.engine(), scratch.db.engine()), (want, want));
        assert_eq!(store.path().is_some(), want == Engine::Sqlite);
        assert!(store.ping().await);
    }
}

/// A plain session row for a store test, in `/w`: `owner` is the host that owns it (None: a session made before
/// hosts had ids). Tests set what they are about over it (`NewSession { project_id: …, ..new_session(…) }`).
pub fn new_session(id: &str, owner: Option<&str>) -> super::NewSession {
    super::NewSession {
        id: id.into(),
        thread_id: format!("thread-{id}"),
        project_id: None,
        title: None,
        cwd: "/w".into(),
        forked_from: None,
        controls: "{}".into(),
        dynamic_tools: None,
        tool_call_timeout_ms: None,
        worker_of: None,
        owner_host: owner.map(Into::into),
    }
}
