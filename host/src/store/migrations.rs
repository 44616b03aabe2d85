//! Schema migrations, embedded in the binary so a host never depends on files beside it. Each engine has its own
//! folder (`migrations/sqlite`, `migrations/postgres`) with the same numbered migrations: the PostgreSQL ones are
//! the SQLite ones translated (INTEGER → BIGINT). A SQLite file's text never changes once released: existing
//! databases hold its checksum.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::AnyPool;

use super::Engine;

type Migrations = &'static [(i64, &'static str, &'static str)];

const SQLITE: Migrations = &[
    (1, "init", include_str!("../../migrations/sqlite/0001_init.sql")),
    (2, "pending_requests", include_str!("../../migrations/sqlite/0002_pending_requests.sql")),
    (3, "plugins", include_str!("../../migrations/sqlite/0003_plugins.sql")),
    (4, "queue", include_str!("../../migrations/sqlite/0004_queue.sql")),
    (5, "turns", include_str!("../../migrations/sqlite/0005_turns.sql")),
    (6, "extensions_0_2", include_str!("../../migrations/sqlite/0006_extensions_0_2.sql")),
    (7, "followups", include_str!("../../migrations/sqlite/0007_followups.sql")),
    (8, "routines", include_str!("../../migrations/sqlite/0008_routines.sql")),
    (9, "limits", include_str!("../../migrations/sqlite/0009_limits.sql")),
    (10, "plugin_call_stderr", include_str!("../../migrations/sqlite/0010_plugin_call_stderr.sql")),
    (11, "routine_folded_ticks", include_str!("../../migrations/sqlite/0011_routine_folded_ticks.sql")),
    (12, "hosts", include_str!("../../migrations/sqlite/0012_hosts.sql")),
    (13, "plugin_hosts", include_str!("../../migrations/sqlite/0013_plugin_hosts.sql")),
    (14, "events_rowid", include_str!("../../migrations/sqlite/0014_events_rowid.sql")),
];

const POSTGRES: Migrations = &[
    (1, "init", include_str!("../../migrations/postgres/0001_init.sql")),
    (2, "pending_requests", include_str!("../../migrations/postgres/0002_pending_requests.sql")),
    (3, "plugins", include_str!("../../migrations/postgres/0003_plugins.sql")),
    (4, "queue", include_str!("../../migrations/postgres/0004_queue.sql")),
    (5, "turns", include_str!("../../migrations/postgres/0005_turns.sql")),
    (6, "extensions_0_2", include_str!("../../migrations/postgres/0006_extensions_0_2.sql")),
    (7, "followups", include_str!("../../migrations/postgres/0007_followups.sql")),
    (8, "routines", include_str!("../../migrations/postgres/0008_routines.sql")),
    (9, "limits", include_str!("../../migrations/postgres/0009_limits.sql")),
    (10, "plugin_call_stderr", include_str!("../../migrations/postgres/0010_plugin_call_stderr.sql")),
    (11, "routine_folded_ticks", include_str!("../../migrations/postgres/0011_routine_folded_ticks.sql")),
    (12, "hosts", include_str!("../../migrations/postgres/0012_hosts.sql")),
    (13, "plugin_hosts", include_str!("../../migrations/postgres/0013_plugin_hosts.sql")),
    (14, "events_rowid", include_str!("../../migrations/postgres/0014_events_rowid.sql")),
];

fn of(engine: Engine) -> Migrations {
    match engine {
        Engine::Sqlite => SQLITE,
        Engine::Postgres => POSTGRES,
    }
}

/// The versions of `engine`'s migrations, in order.
pub fn versions(engine: Engine) -> Vec<i64> {
    of(engine).iter().map(|(v, _, _)| *v).collect()
}

pub async fn run(pool: &AnyPool, engine: Engine) -> Result<(), sqlx::migrate::MigrateError> {
    run_through(pool, engine, i64::MAX).await
}

/// Apply `engine`'s migrations up to and including version `last` (tests start a database at an older schema).
async fn run_through(pool: &AnyPool, engine: Engine, last: i64) -> Result<(), sqlx::migrate::MigrateError> {
    let migrations = of(engine)
        .iter()
        .filter(|(version, _, _)| *version <= last)
        .map(|(version, description, sql)| {
            Migration::new(*version, Cow::Borrowed(*description), MigrationType::Simple, Cow::Borrowed(*sql), false)
        })
        .collect::<Vec<_>>();
    let migrator = Migrator { migrations: Cow::Owned(migrations), ignore_missing: false, locking: true, no_tx: false };
    migrator.run(pool).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both engines carry the same migrations, numbered and named alike, and each folder holds exactly the files
    /// embedded here (a file added to one folder only, or not embedded, fails).
    #[test]
    fn both_engines_have_the_same_migrations() {
        let names = |m: Migrations| m.iter().map(|(v, d, _)| format!("{v:04}_{d}.sql")).collect::<Vec<_>>();
        assert_eq!(names(SQLITE), names(POSTGRES));
        for folder in ["sqlite", "postgres"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(folder);
            let mut files = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect::<Vec<_>>();
            files.sort();
            assert_eq!(files, names(SQLITE), "migrations/{folder}");
        }
        for (v, _, sql) in POSTGRES {
            for sqlite_only in ["AUTOINCREMENT", "INTEGER", "PRAGMA", "WITHOUT ROWID", "BOOLEAN"] {
                assert!(!sql.to_uppercase().contains(sqlite_only), "postgres migration {v} says {sqlite_only}");
            }
        }
    }

    /// Migration 14 makes the event log's seq SQLite's rowid (0001's `BIGINT PRIMARY KEY` kept a second b-tree of
    /// every event) and keeps every event of a database written before it.
    #[tokio::test]
    async fn the_event_log_is_keyed_by_the_rowid_and_keeps_its_events() {
        let dir = crate::testing::TempDir::new("events-rowid");
        let pool = super::super::engine::open_sqlite(&dir.0.join("store.sqlite3")).await.unwrap();
        run_through(&pool, Engine::Sqlite, 13).await.unwrap();
        let indexes = || sqlx::query_scalar::<_, String>("SELECT name FROM pragma_index_list('events')").fetch_all(&pool);
        assert_eq!(indexes().await.unwrap(), ["sqlite_autoindex_events_1"], "the schema before 14");
        for seq in [3i64, 7, 8] {
            sqlx::query("INSERT INTO events (seq, ts, type, session_id, turn_id, project_id, data) VALUES ($1, $2, 'item.delta', 's', NULL, NULL, $3)")
                .bind(seq)
                .bind(seq * 10)
                .bind(format!("{{\"n\":{seq}}}"))
                .execute(&pool)
                .await
                .unwrap();
        }

        run(&pool, Engine::Sqlite).await.unwrap();
        assert!(indexes().await.unwrap().is_empty(), "no index beside the table");
        let rows: Vec<(i64, i64, i64, String)> =
            sqlx::query_as("SELECT rowid, seq, ts, data FROM events ORDER BY seq").fetch_all(&pool).await.unwrap();
        assert_eq!(
            rows,
            [(3, 3, 30, r#"{"n":3}"#.to_owned()), (7, 7, 70, r#"{"n":7}"#.to_owned()), (8, 8, 80, r#"{"n":8}"#.to_owned())]
        );
    }
}
