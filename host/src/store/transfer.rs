//! Moving a data dir's SQLite store into a PostgreSQL database (`codex-manager store migrate --to`): every table,
//! row for row, ids, timestamps and event seqs as they were, in one PostgreSQL transaction.
//!
//! The source is read through rusqlite on a thread of its own, read-only, in one read transaction (a consistent
//! snapshot, streamed in batches: the store is never all in memory). The target is brought to the current schema
//! by the migrations `serve` runs and written through the store's `Any` pool, one multi-row INSERT per batch.
//!
//! What is copied is read from the two schemas, never listed here: the tables in `sqlite_master` against the
//! target's `information_schema`, over the columns of each. A table or a column on one side only is an error naming
//! it, so a migration added to one engine only is caught here rather than dropped silently.
//!
//! No lock file or pid marks a data dir in use. SQLite's own lock says it instead: every connection to a database
//! in WAL mode holds a read lock on one byte of the `-shm` file for as long as it is open (the "dead man switch"
//! SQLite uses to know whether it is the last one out), and another process asking about that byte is told which
//! process holds it. A host running on the data dir holds it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::types::Value;
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyPool, Row};

use super::{engine, migrations, redact_url, Engine, Sql, DATABASE_FILE};

/// sqlx's own table: each side keeps its own (the target's is written by migrating it).
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";
/// PostgreSQL takes at most 65535 parameters in one statement.
const MAX_BINDS: usize = 65_535;
/// Rows per INSERT at most: larger batches gain nothing measurable and hold more in memory. Small in tests, so
/// that their tables span several batches.
const MAX_BATCH_ROWS: usize = if cfg!(test) { 100 } else { 5_000 };
/// Batches read ahead of the writer (the reader is faster; this bounds what waits in memory).
const READ_AHEAD: usize = 2;

/// Why a migration did not happen. Nothing was written to the target's tables when this comes back.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct TransferError {
    pub code: TransferErrorCode,
    pub message: String,
    /// What the code is about (tables, columns, a pid), for scripts.
    pub details: serde_json::Value,
}

/// Stable codes of [`TransferError`]: scripts match on them (docs/cli.md lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferErrorCode {
    /// No SQLite store in the data dir.
    SourceNotFound,
    /// Another process (a host) has the SQLite store open.
    SourceInUse,
    /// The SQLite store was written by another version of Codex Manager (older or newer migrations).
    SourceSchemaMismatch,
    /// The source cannot be read.
    SourceUnreadable,
    /// Not a PostgreSQL URL, or the server does not answer or refuses the role.
    TargetUnreachable,
    /// The target's schema already holds rows.
    TargetNotEmpty,
    /// A table or column exists on one side only.
    SchemaDrift,
    /// A target column of a type the copy cannot bind, or foreign keys in a cycle.
    UnsupportedSchema,
    /// A source value that does not fit its target column.
    ValueMismatch,
    /// The target failed mid-copy (rolled back).
    TargetError,
}

impl TransferErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SourceNotFound => "source_not_found",
            Self::SourceInUse => "source_in_use",
            Self::SourceSchemaMismatch => "source_schema_mismatch",
            Self::SourceUnreadable => "source_unreadable",
            Self::TargetUnreachable => "target_unreachable",
            Self::TargetNotEmpty => "target_not_empty",
            Self::SchemaDrift => "schema_drift",
            Self::UnsupportedSchema => "unsupported_schema",
            Self::ValueMismatch => "value_mismatch",
            Self::TargetError => "target_error",
        }
    }
}

impl std::fmt::Display for TransferErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TransferError {
    fn new(code: TransferErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), details: serde_json::Value::Null }
    }

    fn with(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    /// A target error. sqlx's messages carry the server's text, never the URL.
    fn target(what: &str, e: sqlx::Error) -> Self {
        Self::new(TransferErrorCode::TargetError, format!("{what}: {e}; the transaction was rolled back, nothing was copied"))
    }

    fn source(path: &Path, e: rusqlite::Error) -> Self {
        Self::new(TransferErrorCode::SourceUnreadable, format!("cannot read the SQLite store at {}: {e}", path.display()))
    }
}

/// What a migration copied.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferReport {
    /// The SQLite file read.
    pub source: PathBuf,
    /// The target's URL, without its password.
    pub target: String,
    /// Every table copied, in the order it was written.
    pub tables: Vec<TableCount>,
    /// Rows copied, all tables together.
    pub rows: u64,
    /// The newest event seq copied (the target's next event takes the one after it); 0 when the log was empty.
    pub last_seq: i64,
    #[serde(rename = "elapsedMs", serialize_with = "as_ms")]
    pub elapsed: Duration,
}

fn as_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

#[derive(Debug, Clone, Serialize)]
pub struct TableCount {
    pub table: String,
    pub rows: u64,
}

/// Copy the SQLite store of `data_dir` into the empty PostgreSQL database at `url` (its schema first on the role's
/// search path), migrating it first. All or nothing: on any error the copy's transaction is rolled back.
pub async fn sqlite_to_postgres(data_dir: &Path, url: &str) -> Result<TransferReport, TransferError> {
    let started = Instant::now();
    let shown = redact_url(url);
    if Engine::of_url(url) != Some(Engine::Postgres) {
        return Err(TransferError::new(
            TransferErrorCode::TargetUnreachable,
            format!("{shown} is not a PostgreSQL URL (postgres://user:password@host:port/database)"),
        ));
    }
    let path = data_dir.join(DATABASE_FILE);
    if !path.is_file() {
        return Err(TransferError::new(TransferErrorCode::SourceNotFound, format!("no SQLite store at {} (is --data-dir right?)", path.display()))
            .with(json!({"path": path})));
    }
    if let Some(pid) = holder_of(&path) {
        return Err(TransferError::new(
            TransferErrorCode::SourceInUse,
            format!("the SQLite store at {} is open in process {pid} (a host running on this data dir?): stop it first, so that nothing is written after the copy", path.display()),
        )
        .with(json!({"path": path, "pid": pid})));
    }
    let reader = Reader::open(path.clone()).await?;
    check_source_migrations(&path, &reader.schema.migrations)?;

    let pool = engine::connect_postgres(url).await.map_err(|e| {
        TransferError::new(
            TransferErrorCode::TargetUnreachable,
            format!("cannot connect to {shown}: {e}. Check that the server runs, accepts this role and password, and that the database exists"),
        )
    })?;
    let result = copy(&pool, &reader, &shown).await;
    pool.close().await;
    let (tables, last_seq) = result?;
    let rows = tables.iter().map(|t| t.rows).sum();
    Ok(TransferReport { source: path, target: shown, tables, rows, last_seq, elapsed: started.elapsed() })
}

async fn copy(pool: &AnyPool, reader: &Reader, shown: &str) -> Result<(Vec<TableCount>, i64), TransferError> {
    // Refused before migrating: a target with rows is not written at all, not even its schema.
    let filled = async { tables_with_rows(&mut *pool.acquire().await?).await }
        .await
        .map_err(|e| TransferError::target("cannot read the target's tables", e))?;
    if !filled.is_empty() {
        return Err(not_empty(shown, filled));
    }
    migrations::run(pool, Engine::Postgres).await.map_err(|e| {
        TransferError::new(TransferErrorCode::TargetError, format!("cannot migrate the target {shown}: {e}; nothing was copied"))
    })?;
    let target = TargetSchema::read(pool).await.map_err(|e| TransferError::target("cannot read the target's schema", e))?;
    let plan = plan(&reader.schema.tables, &target)?;

    // The store's write lock: a host started on the target meanwhile, or a second migration, waits for this one.
    let mut tx = Engine::Postgres.begin_write(pool).await.map_err(|e| TransferError::target("cannot begin the copy", e))?;
    let filled = tables_with_rows(&mut *tx).await.map_err(|e| TransferError::target("cannot read the target's tables", e))?;
    if !filled.is_empty() {
        return Err(not_empty(shown, filled));
    }
    let mut batches = reader.stream(plan.clone());
    let mut counts: Vec<TableCount> = plan.iter().map(|t| TableCount { table: t.name.clone(), rows: 0 }).collect();
    loop {
        let batch = match batches.recv().await {
            Some(Ok(Read::Batch(batch))) => batch,
            Some(Ok(Read::Done)) => break,
            Some(Err(e)) => return Err(e),
            None => return Err(TransferError::new(TransferErrorCode::SourceUnreadable, "the SQLite reader stopped before the end; nothing was copied")),
        };
        let table = &plan[batch.table];
        let mut insert = Sql::new(format!("INSERT INTO {} ({}) VALUES ", quote(&table.name), table.columns.iter().map(|c| quote(&c.name)).collect::<Vec<_>>().join(", ")));
        for (i, row) in batch.rows.into_iter().enumerate() {
            insert.push(if i == 0 { "(" } else { ", (" });
            for (j, (value, column)) in row.into_iter().zip(&table.columns).enumerate() {
                if j > 0 {
                    insert.push(", ");
                }
                bind(&mut insert, value, column).map_err(|why| {
                    TransferError::new(TransferErrorCode::ValueMismatch, format!("{}.{}: {why}", table.name, column.name))
                        .with(json!({"table": table.name, "column": column.name}))
                })?;
            }
            insert.push(")");
        }
        let done = insert.build().persistent(false).execute(&mut *tx).await.map_err(|e| TransferError::target(&format!("cannot copy into {}", table.name), e))?;
        counts[batch.table].rows += done.rows_affected();
    }
    advance_sequences(&mut tx, &target).await.map_err(|e| TransferError::target("cannot advance the target's sequences", e))?;
    let last_seq = if target.columns.contains_key("events") {
        sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(seq), 0) FROM events")
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| TransferError::target("cannot read the copied event log", e))?
    } else {
        0
    };
    tx.commit().await.map_err(|e| TransferError::target("cannot commit the copy", e))?;
    Ok((counts, last_seq))
}

fn not_empty(shown: &str, filled: Vec<String>) -> TransferError {
    TransferError::new(
        TransferErrorCode::TargetNotEmpty,
        format!("the target {shown} already holds data (in {}): migrate into an empty database or schema; nothing was written", filled.join(", ")),
    )
    .with(json!({"tables": filled}))
}

/// The target's tables (in its current schema) that hold at least one row, sqlx's own left out.
async fn tables_with_rows(db: &mut sqlx::AnyConnection) -> Result<Vec<String>, sqlx::Error> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
    )
    .fetch_all(&mut *db)
    .await?;
    let mut filled = Vec::new();
    for name in names.into_iter().filter(|n| n != MIGRATIONS_TABLE) {
        let any: i64 = sqlx::query_scalar(&format!("SELECT CASE WHEN EXISTS (SELECT 1 FROM {}) THEN 1 ELSE 0 END", quote(&name)))
            .fetch_one(&mut *db)
            .await?;
        if any == 1 {
            filled.push(name);
        }
    }
    Ok(filled)
}

/// A source's migrations must be exactly this build's: a column added by a migration the source lacks would
/// otherwise show as drift, and one the build does not know could not be copied faithfully.
fn check_source_migrations(path: &Path, applied: &[i64]) -> Result<(), TransferError> {
    let known = migrations::versions(Engine::Sqlite);
    if applied == known.as_slice() {
        return Ok(());
    }
    let newer = applied.iter().any(|v| !known.contains(v));
    let what = if newer {
        "was written by a newer Codex Manager: migrate it with that version"
    } else {
        "is from an older Codex Manager: start this version's host on it once (it migrates the store at start), stop it, then migrate"
    };
    Err(TransferError::new(TransferErrorCode::SourceSchemaMismatch, format!("the SQLite store at {} {what}", path.display()))
        .with(json!({"applied": applied, "expected": known})))
}

/// The process holding the read lock every connection to the WAL database at `path` holds (see the module's
/// comment), if another one does. A store not in WAL mode (never opened by a host) has no `-shm` file: nobody
/// holds it then either. Closing the file drops every POSIX lock this process holds on it (SQLite's included):
/// the migration runs from a process that does not have the store open (the CLI; tests close theirs first).
fn holder_of(path: &Path) -> Option<i32> {
    use std::os::fd::AsRawFd;
    /// SQLite's unix VFS: the `-shm` lock bytes start at 120 (8 of them), the dead man switch follows them.
    const DMS_BYTE: i64 = 128;
    let mut shm = path.as_os_str().to_owned();
    shm.push("-shm");
    let file = std::fs::File::open(PathBuf::from(shm)).ok()?;
    // SAFETY: a zeroed flock is a valid argument; F_GETLK only fills it in.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = libc::F_WRLCK as _;
    lock.l_whence = libc::SEEK_SET as _;
    lock.l_start = DMS_BYTE as _;
    lock.l_len = 1;
    // SAFETY: the fd is open for the call's duration and `lock` is a valid flock.
    let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETLK, &mut lock) };
    (rc == 0 && i32::from(lock.l_type) != libc::F_UNLCK).then_some(lock.l_pid)
}

/// How a target column's values are bound: decided by its PostgreSQL type, whatever the SQLite value's storage
/// class (a SQLite column takes any value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Float,
    Text,
    Bytes,
    Bool,
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: Kind,
    /// The PostgreSQL type, for the placeholder's cast (a bound i64 is a BIGINT; an INTEGER column takes it cast).
    sql_type: String,
}

#[derive(Debug, Clone)]
struct TablePlan {
    name: String,
    columns: Vec<Column>,
}

struct TargetSchema {
    /// table -> column -> (kind, type), of the current schema.
    columns: BTreeMap<String, BTreeMap<String, Result<Column, String>>>,
    /// (table, table it references), foreign keys within the schema.
    references: Vec<(String, String)>,
    /// (table, column) filled from a sequence (serial or identity).
    sequenced: Vec<(String, String)>,
}

impl TargetSchema {
    async fn read(pool: &AnyPool) -> Result<Self, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT), CAST(data_type AS TEXT), \
                    CASE WHEN column_default LIKE 'nextval(%' OR is_identity = 'YES' THEN 1 ELSE 0 END \
             FROM information_schema.columns WHERE table_schema = current_schema() \
               AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')",
        )
        .fetch_all(pool)
        .await?;
        let mut columns: BTreeMap<String, BTreeMap<String, Result<Column, String>>> = BTreeMap::new();
        let mut sequenced = Vec::new();
        for row in rows {
            let (table, name, sql_type, from_sequence): (String, String, String, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
            if from_sequence == 1 && table != MIGRATIONS_TABLE {
                sequenced.push((table.clone(), name.clone()));
            }
            let kind = match sql_type.as_str() {
                "bigint" | "integer" | "smallint" => Ok(Kind::Integer),
                "double precision" | "real" | "numeric" => Ok(Kind::Float),
                "text" | "character varying" | "character" | "json" | "jsonb" | "uuid" => Ok(Kind::Text),
                "bytea" => Ok(Kind::Bytes),
                "boolean" => Ok(Kind::Bool),
                other => Err(other.to_string()),
            };
            let column = kind.map(|kind| Column { name: name.clone(), kind, sql_type: sql_type.clone() });
            columns.entry(table).or_default().insert(name, column);
        }
        columns.remove(MIGRATIONS_TABLE);
        let references = sqlx::query_as::<_, (String, String)>(
            "SELECT CAST(t.relname AS TEXT), CAST(r.relname AS TEXT) FROM pg_constraint c \
             JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid \
             JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname = current_schema()",
        )
        .fetch_all(pool)
        .await?;
        Ok(Self { columns, references, sequenced })
    }
}

/// The tables to copy, each over its columns in the source's order, parents before the tables that reference them.
/// Every table and column must be on both sides.
fn plan(source: &BTreeMap<String, Vec<String>>, target: &TargetSchema) -> Result<Vec<TablePlan>, TransferError> {
    let mut only_source = Vec::new();
    let mut only_target = Vec::new();
    for (table, columns) in source {
        match target.columns.get(table) {
            None => only_source.push(table.clone()),
            Some(theirs) => {
                only_source.extend(columns.iter().filter(|c| !theirs.contains_key(*c)).map(|c| format!("{table}.{c}")));
                only_target.extend(theirs.keys().filter(|c| !columns.contains(c)).map(|c| format!("{table}.{c}")));
            }
        }
    }
    only_target.extend(target.columns.keys().filter(|t| !source.contains_key(*t)).cloned());
    if !only_source.is_empty() || !only_target.is_empty() {
        let mut parts = Vec::new();
        if !only_source.is_empty() {
            parts.push(format!("only in the SQLite store: {}", only_source.join(", ")));
        }
        if !only_target.is_empty() {
            parts.push(format!("only in the PostgreSQL schema: {}", only_target.join(", ")));
        }
        return Err(TransferError::new(
            TransferErrorCode::SchemaDrift,
            format!("the two schemas differ ({}): the engines' migrations disagree; nothing was copied", parts.join("; ")),
        )
        .with(json!({"onlyInSource": only_source, "onlyInTarget": only_target})));
    }
    let mut tables = Vec::new();
    for name in order(source.keys().cloned().collect(), &target.references)? {
        let theirs = &target.columns[&name];
        let columns = source[&name]
            .iter()
            .map(|c| {
                theirs[c].clone().map_err(|ty| {
                    TransferError::new(TransferErrorCode::UnsupportedSchema, format!("{name}.{c} is of type {ty}, which the copy cannot bind"))
                        .with(json!({"table": name, "column": c, "type": ty}))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        tables.push(TablePlan { name, columns });
    }
    Ok(tables)
}

/// Tables in an order where every table comes after the ones it references (by name among equals, so the order
/// is stable). A table referencing itself is fine (its rows go in one transaction, checked as they land: parents
/// must then come first, which rowid order gives for rows written parent first).
fn order(tables: BTreeSet<String>, references: &[(String, String)]) -> Result<Vec<String>, TransferError> {
    let mut waiting: BTreeMap<&str, BTreeSet<&str>> = tables.iter().map(|t| (t.as_str(), BTreeSet::new())).collect();
    for (table, parent) in references {
        if table != parent && tables.contains(parent) {
            if let Some(parents) = waiting.get_mut(table.as_str()) {
                parents.insert(parent.as_str());
            }
        }
    }
    let mut ordered = Vec::with_capacity(tables.len());
    while !waiting.is_empty() {
        let ready: Vec<&str> = waiting.iter().filter(|(_, parents)| parents.is_empty()).map(|(t, _)| *t).collect();
        if ready.is_empty() {
            let cycle: Vec<&str> = waiting.keys().copied().collect();
            return Err(TransferError::new(TransferErrorCode::UnsupportedSchema, format!("the foreign keys of {} form a cycle", cycle.join(", ")))
                .with(json!({"tables": cycle})));
        }
        for t in ready {
            waiting.remove(t);
            for parents in waiting.values_mut() {
                parents.remove(t);
            }
            ordered.push(t.to_string());
        }
    }
    Ok(ordered)
}

/// Bind a source value as its target column's type. SQLite keeps whatever was stored; what does not convert
/// without loss is refused.
fn bind(sql: &mut Sql<'_>, value: Value, column: &Column) -> Result<(), String> {
    sql.push("CAST(");
    match (column.kind, value) {
        (Kind::Integer, Value::Null) => sql.push_bind(None::<i64>),
        (Kind::Integer, Value::Integer(i)) => sql.push_bind(i),
        (Kind::Integer, Value::Real(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => sql.push_bind(f as i64),
        (Kind::Integer, Value::Text(t)) => sql.push_bind(t.trim().parse::<i64>().map_err(|_| format!("the text {t:?} is not an integer"))?),
        (Kind::Float, Value::Null) => sql.push_bind(None::<f64>),
        (Kind::Float, Value::Integer(i)) => sql.push_bind(i as f64),
        (Kind::Float, Value::Real(f)) => sql.push_bind(f),
        (Kind::Text, Value::Null) => sql.push_bind(None::<String>),
        (Kind::Text, Value::Text(t)) => sql.push_bind(t),
        (Kind::Text, Value::Integer(i)) => sql.push_bind(i.to_string()),
        (Kind::Text, Value::Real(f)) => sql.push_bind(f.to_string()),
        (Kind::Text, Value::Blob(b)) => sql.push_bind(String::from_utf8(b).map_err(|_| "a blob that is not UTF-8 text".to_string())?),
        (Kind::Bytes, Value::Null) => sql.push_bind(None::<Vec<u8>>),
        (Kind::Bytes, Value::Blob(b)) => sql.push_bind(b),
        (Kind::Bytes, Value::Text(t)) => sql.push_bind(t.into_bytes()),
        (Kind::Bool, Value::Null) => sql.push_bind(None::<bool>),
        (Kind::Bool, Value::Integer(i @ (0 | 1))) => sql.push_bind(i == 1),
        (kind, value) => return Err(format!("a {} value does not fit a {kind:?} column", storage_class(&value))),
    };
    sql.push(" AS ").push(&column.sql_type).push(")");
    Ok(())
}

fn storage_class(value: &Value) -> &'static str {
    match value {
        Value::Null => "NULL",
        Value::Integer(_) => "INTEGER",
        Value::Real(_) => "REAL",
        Value::Text(_) => "TEXT",
        Value::Blob(_) => "BLOB",
    }
}

/// Sequences behind serial or identity columns continue after the copied rows (the store has none today: event
/// seqs are numbered after the newest row, so the copied rows are all the log's numbering needs).
async fn advance_sequences(tx: &mut sqlx::Transaction<'static, sqlx::Any>, target: &TargetSchema) -> Result<(), sqlx::Error> {
    for (table, column) in &target.sequenced {
        let sql = format!(
            "SELECT CAST(setval(pg_get_serial_sequence($1, $2), MAX({c})) AS BIGINT) FROM {t} HAVING MAX({c}) IS NOT NULL",
            c = quote(column),
            t = quote(table)
        );
        sqlx::query(&sql).bind(quote(table)).bind(column.clone()).fetch_optional(&mut **tx).await?;
    }
    Ok(())
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// The source's schema, read in the snapshot the rows are read in.
struct SourceSchema {
    /// table -> columns in their order, sqlx's and SQLite's own tables left out.
    tables: BTreeMap<String, Vec<String>>,
    /// Applied migrations, in order.
    migrations: Vec<i64>,
}

/// A batch of one table's rows, in the order of its plan's columns.
struct Batch {
    table: usize,
    rows: Vec<Vec<Value>>,
}

/// What the reader sends: batches, then `Done` once every table was read to its end. A channel that closes
/// without it (the reader died) is not a complete copy.
enum Read {
    Batch(Batch),
    Done,
}

type ReadTx = tokio::sync::mpsc::Sender<Result<Read, TransferError>>;

/// The SQLite side: a thread holding one read-only connection in one read transaction, from the schema's read to
/// the last row.
struct Reader {
    schema: SourceSchema,
    plan: std::sync::mpsc::SyncSender<Option<(Vec<TablePlan>, ReadTx)>>,
}

impl Reader {
    async fn open(path: PathBuf) -> Result<Self, TransferError> {
        let (schema_tx, schema_rx) = tokio::sync::oneshot::channel();
        let (plan_tx, plan_rx) = std::sync::mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("store-migrate-reader".into())
            .spawn(move || read_source(&path, schema_tx, plan_rx))
            .map_err(|e| TransferError::new(TransferErrorCode::SourceUnreadable, format!("cannot start the reader: {e}")))?;
        let schema = schema_rx.await.map_err(|_| TransferError::new(TransferErrorCode::SourceUnreadable, "the reader stopped"))??;
        Ok(Self { schema, plan: plan_tx })
    }

    /// The plan's rows, table by table, in batches.
    fn stream(&self, plan: Vec<TablePlan>) -> tokio::sync::mpsc::Receiver<Result<Read, TransferError>> {
        let (tx, rx) = tokio::sync::mpsc::channel(READ_AHEAD);
        // A reader that is gone already drops the channel unused: the copy sees it close without `Done`.
        let _ = self.plan.send(Some((plan, tx)));
        rx
    }
}

type PlanRx = std::sync::mpsc::Receiver<Option<(Vec<TablePlan>, ReadTx)>>;

fn read_source(path: &Path, schema_tx: tokio::sync::oneshot::Sender<Result<SourceSchema, TransferError>>, plan_rx: PlanRx) {
    use rusqlite::OpenFlags;
    let opened = (|| {
        let conn = rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        // One read transaction from here to the last row: every table is read in the same snapshot.
        conn.execute_batch("BEGIN")?;
        let schema = read_schema(&conn)?;
        Ok::<_, rusqlite::Error>((conn, schema))
    })();
    let (conn, schema) = match opened {
        Ok(ok) => ok,
        Err(e) => {
            let _ = schema_tx.send(Err(TransferError::source(path, e)));
            return;
        }
    };
    let _ = schema_tx.send(Ok(schema));
    // The copy decides from the schemas whether to go on: nothing (a dropped sender) means it did not.
    let Ok(Some((plan, batches))) = plan_rx.recv() else { return };
    for (index, table) in plan.iter().enumerate() {
        let per_batch = (MAX_BINDS / table.columns.len().max(1)).clamp(1, MAX_BATCH_ROWS);
        let sent = (|| {
            let columns = table.columns.iter().map(|c| quote(&c.name)).collect::<Vec<_>>().join(", ");
            let mut select = conn.prepare(&format!("SELECT {columns} FROM {}", quote(&table.name)))?;
            let mut rows = select.query([])?;
            let mut batch = Vec::with_capacity(per_batch);
            while let Some(row) = rows.next()? {
                let values = (0..table.columns.len()).map(|i| row.get::<_, Value>(i)).collect::<Result<Vec<_>, _>>()?;
                batch.push(values);
                if batch.len() == per_batch {
                    if batches.blocking_send(Ok(Read::Batch(Batch { table: index, rows: std::mem::take(&mut batch) }))).is_err() {
                        return Ok(false);
                    }
                    batch.reserve(per_batch);
                }
            }
            if !batch.is_empty() && batches.blocking_send(Ok(Read::Batch(Batch { table: index, rows: batch }))).is_err() {
                return Ok(false);
            }
            Ok::<_, rusqlite::Error>(true)
        })();
        match sent {
            Ok(true) => {}
            // The copy stopped (an error on its side): nothing more to read.
            Ok(false) => return,
            Err(e) => {
                let _ = batches.blocking_send(Err(TransferError::source(path, e)));
                return;
            }
        }
    }
    let _ = conn.execute_batch("COMMIT");
    let _ = batches.blocking_send(Ok(Read::Done));
}

fn read_schema(conn: &rusqlite::Connection) -> rusqlite::Result<SourceSchema> {
    let names = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut tables = BTreeMap::new();
    for name in names.into_iter().filter(|n| n != MIGRATIONS_TABLE) {
        let columns = conn
            .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?
            .query_map([&name], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        tables.insert(name, columns);
    }
    let has_migrations: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)", [MIGRATIONS_TABLE], |r| r.get(0))?;
    let migrations = if has_migrations {
        conn.prepare(&format!("SELECT version FROM {MIGRATIONS_TABLE} WHERE success ORDER BY version"))?
            .query_map([], |r| r.get::<_, i64>(0))?
            .collect::<Result<Vec<_>, _>>()?
    } else {
        Vec::new()
    };
    Ok(SourceSchema { tables, migrations })
}

#[cfg(test)]
mod tests;
