use super::*;
use crate::store::testing::TestDb;
use crate::store::{
    now_ms, CatchUp, Enqueued, EventRowRef, JobRow, NewSession, NoteRow, PauseCause, PauseReason, PluginCallRow, RequestRow, RequestStatus,
    RoutineRow, RoutineState, RunRow, RunTrigger, Store, Tokens, TurnEnd, TurnStatus,
};
use crate::testing::TempDir;

const SKIPPED: &str = "skipped: CODEX_MANAGER_TEST_DATABASE_URL is not set (scripts/test.sh sets it for the suite \"Store on PostgreSQL\")";

/// A SQLite store in `dir` with rows in every table, each written through the store's own API (so the rows are
/// the ones a host writes), NULLs, quotes and non-ASCII text among them.
async fn filled(dir: &Path) -> Store {
    let store = Store::open(dir).await.unwrap();
    let now = now_ms();
    store.insert_project("p1", "Ünïcode \"quoted\" 'name'", "/work/p1").await.unwrap();
    store.insert_project("p2", "empty", "/work/p2").await.unwrap();
    for (id, project) in [("s1", Some("p1")), ("s2", None)] {
        let new = NewSession {
            id: id.into(),
            thread_id: format!("thread-{id}"),
            project_id: project.map(Into::into),
            title: (id == "s1").then(|| "a title, with ✓".to_string()),
            cwd: "/work/p1".into(),
            forked_from: None,
            controls: r#"{"model":"gpt"}"#.into(),
            dynamic_tools: (id == "s2").then(|| "[]".to_string()),
            tool_call_timeout_ms: Some(30_000),
            worker_of: None,
            owner_host: (id == "s1").then(|| "host-1".to_string()),
        };
        store.insert_session(&new).await.unwrap();
    }
    let host = super::super::HostRow {
        id: "host-1".into(),
        name: "build box".into(),
        url: "http://10.0.0.7:8417".into(),
        version: "0.1.0".into(),
        started_at: now,
        heartbeat_at: now,
        stopped_at: Some(now + 1),
    };
    store.register_host(&host).await.unwrap();
    store.put_setting("s1", "color", "\"blue\"").await.unwrap();
    store.put_host_setting("theme", "dark").await.unwrap();
    let mut writer = store.event_writer().unwrap();
    let data = r#"{"text":"héllo\n\"there\""}"#;
    let rows: Vec<EventRowRef> = (1..=250)
        .map(|seq| EventRowRef { seq, ts: now + seq, kind: if seq % 2 == 0 { "item.delta" } else { "turn.started" }, session_id: Some("s1"), turn_id: (seq > 3).then_some("t1"), project_id: None, data })
        .collect();
    writer.append(rows, &[]).unwrap();
    drop(writer);
    store.claim_idempotency_key("s1", "key-1", "hash").await.unwrap();
    store.complete_idempotency_key("s1", "key-1", r#"{"ok":true}"#).await.unwrap();
    store
        .insert_request(&RequestRow {
            id: "r1".into(),
            session_id: Some("s1".into()),
            project_id: Some("p1".into()),
            thread_id: Some("thread-s1".into()),
            turn_id: Some("t1".into()),
            item_id: None,
            kind: "commandApproval".into(),
            method: "item/commandExecution/requestApproval".into(),
            generation: 3,
            rpc_id: "17".into(),
            params: "{}".into(),
            context: None,
            status: RequestStatus::Pending,
            decision: None,
            decided_by: None,
            reason: None,
            created_at: now,
            resolved_at: None,
            assessment: None,
        })
        .await
        .unwrap();
    store.put_plugin("plug", "1.0.0", "[plugin]", "{}").await.unwrap();
    let call = PluginCallRow {
        id: "c1".into(),
        plugin_id: "plug".into(),
        trigger: "event".into(),
        started_at: now,
        duration_us: 1234,
        outcome: "error".into(),
        error: Some("trap".into()),
        denials: None,
        stderr: Some("panicked".into()),
    };
    store.record_plugin_calls(&[call], &[]).await.unwrap();
    store.plugin_kv_set("plug", "k", "v").await.unwrap();
    store.record_plugin_host("plug", "host-1", "1.0.0").await.unwrap();
    store.put_plugin_settings("plug", &[("level".into(), Some("3".into()))]).await.unwrap();
    let job = JobRow { session_id: Some("s1".into()), project_id: Some("p1".into()), dedupe_key: Some("d".into()), ..JobRow::queued("review", "plug", "{}".into(), "test", now) };
    let Enqueued::Created(job) = store.enqueue_job(&job, 100).await.unwrap() else { panic!("the job is queued") };
    store.insert_note(&NoteRow { id: "n1".into(), session_id: "s1".into(), plugin_id: "plug".into(), kind: "review".into(), title: "T".into(), body: "B".into(), data: None, turn_id: Some("t1".into()), created_at: now }).await.unwrap();
    store.begin_turn("s1", "t1", Some(1)).await.unwrap();
    store.end_turn("s1", Some("t1"), &TurnEnd { status: TurnStatus::Completed, error: None, final_text: Some("the final text"), end_seq: Some(250) }).await.unwrap();
    store.insert_followup("f1", "s1", "next, please", None, 50).await.unwrap();
    store.pause_followups("s1", PauseReason::User, &PauseCause::default()).await.unwrap();
    let routine = RoutineRow {
        id: "ro1".into(),
        name: "nightly".into(),
        state: RoutineState::Enabled,
        prompt: Some("check".into()),
        job_kind: None,
        payload: None,
        session_id: Some("s1".into()),
        project_id: None,
        schedule: Some("0 3 * * *".into()),
        catch_up: CatchUp::Once,
        next_fire_at: Some(now + 1000),
        webhook_secret: "secret".into(),
        created_by: "test".into(),
        created_at: now,
        updated_at: now,
    };
    store.insert_routine(&routine).await.unwrap();
    let run = RunRow { id: "run1".into(), routine_id: "ro1".into(), trigger: RunTrigger::Manual, scheduled_for: None, job_id: job.id.clone(), session_id: None, turn_id: None, followup_id: None, body: None, created_at: now };
    store.insert_routine_run(&run).await.unwrap();
    store.remember_delivery("ro1", "digest", now, 0).await.unwrap();
    let tokens = Tokens { input: 10, cached_input: 2, output: 5, reasoning: 1, total: 16 };
    store.record_token_usage("t1", "s1", Some("p1"), "2026-12-05", tokens, tokens).await.unwrap();
    store.set_budgets(&[("host".into(), i64::MAX)]).await.unwrap();
    store
}

/// Every row of every table of `store`, each value as text (NULL as None), sorted: the two engines' rows
/// compare equal when the copy is faithful.
async fn dump(store: &Store, tables: &BTreeMap<String, Vec<String>>) -> BTreeMap<String, Vec<Vec<Option<String>>>> {
    let mut out = BTreeMap::new();
    for (table, columns) in tables {
        let select = columns.iter().map(|c| format!("CAST({} AS TEXT)", quote(c))).collect::<Vec<_>>().join(", ");
        let rows = sqlx::query(&format!("SELECT {select} FROM {}", quote(table))).fetch_all(store.pool()).await.unwrap();
        let mut rows: Vec<Vec<Option<String>>> = rows.iter().map(|r| (0..columns.len()).map(|i| r.try_get(i).unwrap()).collect()).collect();
        rows.sort();
        out.insert(table.clone(), rows);
    }
    out
}

fn source_tables(dir: &Path) -> BTreeMap<String, Vec<String>> {
    let conn = rusqlite::Connection::open(dir.join(DATABASE_FILE)).unwrap();
    read_schema(&conn).unwrap().tables
}

/// Every table the SQLite store has gets rows above, and every row arrives on PostgreSQL as it was: ids,
/// timestamps, NULLs, text and event seqs. The first event the moved log takes is numbered after the copied
/// ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_store_moves_to_postgres_row_for_row() {
    let db = TestDb::new().await;
    let Some(url) = db.postgres_url() else { return eprintln!("{SKIPPED}") };
    let (source_dir, target_dir) = (TempDir::new("migrate-src"), TempDir::new("migrate-dst"));
    let source = filled(&source_dir.0).await;
    let tables = source_tables(&source_dir.0);
    let before = dump(&source, &tables).await;
    let empty: Vec<&String> = before.iter().filter(|(_, rows)| rows.is_empty()).map(|(t, _)| t).collect();
    assert!(empty.is_empty(), "the fixture leaves tables without rows (a new table? fill it in `filled`): {empty:?}");
    source.close().await;

    let report = sqlite_to_postgres(&source_dir.0, &url).await.expect("the store moves");
    assert_eq!(report.last_seq, 250, "in batches of {MAX_BATCH_ROWS}");
    let counts: BTreeMap<String, u64> = report.tables.iter().map(|t| (t.table.clone(), t.rows)).collect();
    let want: BTreeMap<String, u64> = before.iter().map(|(t, rows)| (t.clone(), rows.len() as u64)).collect();
    assert_eq!(counts, want);
    assert!(!report.target.contains(url.split_once("://").unwrap().1.split_once('@').unwrap().0.split_once(':').unwrap().1), "no password in the report");

    let target = db.open(&target_dir.0).await;
    assert_eq!(dump(&target, &tables).await, before);
    let mut writer = target.event_writer().unwrap();
    // The writer blocks on the runtime: from a thread of its own, as the event log runs it.
    let newest = tokio::task::spawn_blocking(move || writer.begin().unwrap()).await.unwrap();
    assert_eq!(newest, Some(250), "the moved log numbers its next event 251");
    let turn = target.get_turn("t1").await.unwrap();
    assert_eq!((turn.status, turn.final_text.as_deref()), (TurnStatus::Completed, Some("the final text")));
}

/// A target that holds data is refused, named by its tables, and nothing is written to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_migration_into_the_same_target_is_refused_and_changes_nothing() {
    let db = TestDb::new().await;
    let Some(url) = db.postgres_url() else { return eprintln!("{SKIPPED}") };
    let (source_dir, target_dir) = (TempDir::new("migrate-src"), TempDir::new("migrate-dst"));
    let source = filled(&source_dir.0).await;
    let tables = source_tables(&source_dir.0);
    source.close().await;
    sqlite_to_postgres(&source_dir.0, &url).await.expect("the first migration");
    let target = db.open(&target_dir.0).await;
    target.put_host_setting("written", "after the move").await.unwrap();
    let after_first = dump(&target, &tables).await;

    let err = sqlite_to_postgres(&source_dir.0, &url).await.expect_err("the second is refused");
    assert_eq!(err.code, TransferErrorCode::TargetNotEmpty, "{err}");
    assert!(err.details["tables"].as_array().unwrap().iter().any(|t| t == "events"), "{}", err.details);
    assert_eq!(dump(&target, &tables).await, after_first, "nothing changed");
}

/// The drift check over real schemas: a column or a table on one side only fails the migration naming it, and
/// leaves the target without rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_or_column_on_one_side_only_is_named_and_nothing_is_copied() {
    let db = TestDb::new().await;
    let Some(url) = db.postgres_url() else { return eprintln!("{SKIPPED}") };
    let (source_dir, target_dir) = (TempDir::new("migrate-src"), TempDir::new("migrate-dst"));
    let source = filled(&source_dir.0).await;
    sqlx::raw_sql("ALTER TABLE session_notes ADD COLUMN mood TEXT; CREATE TABLE scratch (x BIGINT)").execute(source.pool()).await.unwrap();
    source.close().await;
    let err = sqlite_to_postgres(&source_dir.0, &url).await.expect_err("drift");
    assert_eq!(err.code, TransferErrorCode::SchemaDrift, "{err}");
    assert_eq!(err.details["onlyInSource"], json!(["scratch", "session_notes.mood"]), "{err}");
    assert!(err.message.contains("session_notes.mood") && err.message.contains("scratch"), "{err}");

    // The target's side: a table there only (the target is migrated now, and still empty).
    let target = db.open(&target_dir.0).await;
    sqlx::raw_sql("CREATE TABLE pg_side (x BIGINT)").execute(target.pool()).await.unwrap();
    let source = Store::open(&source_dir.0).await.unwrap();
    sqlx::raw_sql("ALTER TABLE session_notes DROP COLUMN mood; DROP TABLE scratch").execute(source.pool()).await.unwrap();
    source.close().await;
    let err = sqlite_to_postgres(&source_dir.0, &url).await.expect_err("drift");
    assert_eq!((err.code, err.details["onlyInTarget"].clone()), (TransferErrorCode::SchemaDrift, json!(["pg_side"])), "{err}");
    let filled = tables_with_rows(&mut *target.pool().acquire().await.unwrap()).await.unwrap();
    assert!(filled.is_empty(), "nothing was copied: {filled:?}");
}

/// A value that does not fit its column fails the copy after other tables were written in its transaction:
/// none of them stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_mid_copy_leaves_the_target_without_rows() {
    let db = TestDb::new().await;
    let Some(url) = db.postgres_url() else { return eprintln!("{SKIPPED}") };
    let (source_dir, target_dir) = (TempDir::new("migrate-src"), TempDir::new("migrate-dst"));
    let source = filled(&source_dir.0).await;
    // SQLite keeps a text in a BIGINT column; `turns` is copied after `events` and `sessions`.
    sqlx::raw_sql("UPDATE turns SET start_seq = 'not a number'").execute(source.pool()).await.unwrap();
    source.close().await;
    let err = sqlite_to_postgres(&source_dir.0, &url).await.expect_err("the value does not fit");
    assert_eq!((err.code, err.details.clone()), (TransferErrorCode::ValueMismatch, json!({"table": "turns", "column": "start_seq"})), "{err}");
    let target = db.open(&target_dir.0).await;
    let filled = tables_with_rows(&mut *target.pool().acquire().await.unwrap()).await.unwrap();
    assert!(filled.is_empty(), "rolled back: {filled:?}");
}

/// A sequence behind a target column (none of the store's tables has one today) continues after the copied
/// rows, as the event log's numbering does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sequence_of_the_target_continues_after_the_copied_rows() {
    let db = TestDb::new().await;
    let Some(url) = db.postgres_url() else { return eprintln!("{SKIPPED}") };
    let source_dir = TempDir::new("migrate-src");
    let source = filled(&source_dir.0).await;
    sqlx::raw_sql("CREATE TABLE counters (id BIGINT PRIMARY KEY, note TEXT); INSERT INTO counters VALUES (41, 'a'), (7, NULL)")
        .execute(source.pool())
        .await
        .unwrap();
    source.close().await;
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.unwrap();
    sqlx::raw_sql("CREATE TABLE counters (id BIGSERIAL PRIMARY KEY, note TEXT)").execute(&mut conn).await.unwrap();
    let report = sqlite_to_postgres(&source_dir.0, &url).await.expect("the store moves");
    assert!(report.tables.iter().any(|t| t.table == "counters" && t.rows == 2), "{:?}", report.tables);
    let next: i64 = sqlx::query_scalar("INSERT INTO counters (note) VALUES ('new') RETURNING id").fetch_one(&mut conn).await.unwrap();
    assert_eq!(next, 42);
}

/// Without a server (the source is checked before the target is reached): no store, or one from another
/// version, is refused with its own code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_store_or_one_from_another_version_is_refused_before_the_target_is_reached() {
    let nowhere = "postgres://cm:hunter2@127.0.0.1:1/cm";
    let dir = TempDir::new("migrate-src");
    let err = sqlite_to_postgres(&dir.0, nowhere).await.expect_err("no store");
    assert_eq!(err.code, TransferErrorCode::SourceNotFound, "{err}");
    let store = Store::open(&dir.0).await.unwrap();
    sqlx::raw_sql("DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)").execute(store.pool()).await.unwrap();
    store.close().await;
    let err = sqlite_to_postgres(&dir.0, nowhere).await.expect_err("an older store");
    assert_eq!(err.code, TransferErrorCode::SourceSchemaMismatch, "{err}");
    assert!(err.message.contains("older") && !err.message.contains("hunter2"), "{err}");
}

/// Without a server: the plan compares the schemas both ways, and orders parents first.
#[test]
fn the_plan_names_what_one_side_lacks_and_puts_parents_first() {
    let column = |name: &str| (name.to_string(), Ok(Column { name: name.into(), kind: Kind::Text, sql_type: "text".into() }));
    let target = TargetSchema {
        columns: BTreeMap::from([
            ("a_child".to_string(), BTreeMap::from([column("id"), column("parent")])),
            ("parent".to_string(), BTreeMap::from([column("id")])),
        ]),
        references: vec![("a_child".into(), "parent".into())],
        sequenced: Vec::new(),
    };
    let source = BTreeMap::from([("a_child".to_string(), vec!["id".to_string(), "parent".to_string()]), ("parent".to_string(), vec!["id".to_string()])]);
    let names = plan(&source, &target).unwrap().into_iter().map(|t| t.name).collect::<Vec<_>>();
    assert_eq!(names, ["parent", "a_child"]);

    let mut drifted = source.clone();
    drifted.get_mut("a_child").unwrap().push("extra".into());
    drifted.remove("parent");
    drifted.insert("only_here".into(), vec!["id".into()]);
    let err = plan(&drifted, &target).unwrap_err();
    assert_eq!(err.code, TransferErrorCode::SchemaDrift);
    assert_eq!(err.details, json!({"onlyInSource": ["a_child.extra", "only_here"], "onlyInTarget": ["parent"]}));
}
