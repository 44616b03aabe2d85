//! Schema migrations, embedded in the binary so a host never depends on files beside it.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::SqlitePool;

const SQLITE: &[(i64, &str, &str)] = &[
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
];

pub async fn run(pool: &SqlitePool) -> Result<(), sqlx::migrate::MigrateError> {
    let migrations = SQLITE
        .iter()
        .map(|(version, description, sql)| {
            Migration::new(*version, Cow::Borrowed(*description), MigrationType::Simple, Cow::Borrowed(*sql), false)
        })
        .collect::<Vec<_>>();
    let migrator = Migrator { migrations: Cow::Owned(migrations), ignore_missing: false, locking: true, no_tx: false };
    migrator.run(pool).await
}
