//! The event log on a real SQLite store: checkpoints, the WAL's size, group commit, bounded commit waits.

use super::*;
use std::time::Instant;

/// A log on a fresh SQLite store in a directory of its own (`cm-log-<name>-<uuid>` under the temp dir).
async fn started(name: &str) -> (std::path::PathBuf, Store, EventLog) {
    let dir = std::env::temp_dir().join(format!("cm-log-{name}-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::open(&dir).await.unwrap();
    let log = EventLog::start(store.clone(), DEFAULT_RETENTION).await.unwrap();
    (dir, store, log)
}

/// The WAL's frames and how many of them a checkpoint copied into the database, from the wal-index header in
/// the `-shm` file (SQLite's file format: `mxFrame` at byte 16, `nBackfill` at byte 96).
fn wal_frames(dir: &std::path::Path) -> (u32, u32) {
    let shm = std::fs::read(dir.join("codex-manager.sqlite3-shm")).unwrap_or_default();
    let at = |i: usize| shm.get(i..i + 4).map_or(0, |b| u32::from_ne_bytes(b.try_into().unwrap()));
    (at(16), at(96))
}

/// The checkpointer is woken by the writer's commits (it does not poll an idle log): committed events are
/// checkpointed once the log has been quiet for a moment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_are_checkpointed_once_the_log_is_quiet() {
    let (dir, _store, log) = started("checkpoint").await;
    // Start-up's own writes checkpointed first, so what follows is the commits' alone.
    tokio::time::sleep(Duration::from_millis(CHECKPOINT_WHEN_IDLE_FOR as u64) + CHECKPOINT_POLL * 3).await;
    for i in 0..20 {
        log.publish_committed(NewEvent::any("test.checkpointed", serde_json::json!({"i": i}))).await.expect("committed");
    }
    let (frames, _) = wal_frames(&dir);
    assert!(frames > 0, "the commits are in the WAL");
    // Well before the periodic checkpoint (CHECKPOINT_EVERY): the commits woke the checkpointer.
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let (frames, backfilled) = wal_frames(&dir);
        if frames > 0 && backfilled == frames {
            break;
        }
        assert!(Instant::now() < deadline, "not checkpointed: {backfilled} of {frames} frames after 3 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(log);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A burst that grew the WAL past WAL_KEEP_BYTES leaves a WAL file of that size only until the log is idle:
/// the checkpointer cuts it back then (within TRUNCATE_WHEN_IDLE_FOR and a checkpoint period), with no write
/// needed (the writer, which used to cut it to 8 MiB as it started the WAL over, now cuts only past 64 MiB:
/// that `ftruncate` stalled a stream for 9-27 ms). Writing goes on as before after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wal_a_burst_grew_is_cut_back_once_the_log_is_idle() {
    let (dir, store, log) = started("truncate").await;
    let wal_bytes = || std::fs::metadata(dir.join("codex-manager.sqlite3-wal")).map(|m| m.len()).unwrap_or(0);
    // Each commit appends a few pages: committed one at a time, a few thousand events outgrow WAL_KEEP_BYTES.
    let data = serde_json::json!({"text": "x".repeat(2000)});
    let mut published = 0;
    while wal_bytes() <= WAL_KEEP_BYTES {
        log.publish_committed(NewEvent::any("test.burst", data.clone())).await.expect("committed");
        published += 1;
        assert!(published < 100_000, "the WAL did not grow: {} bytes", wal_bytes());
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while wal_bytes() > WAL_KEEP_BYTES {
        assert!(Instant::now() < deadline, "the idle log's WAL is still {} bytes after 20 s", wal_bytes());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The log goes on: the next commit starts the WAL over.
    let next = log.publish_committed(NewEvent::any("test.after", serde_json::json!({}))).await.expect("committed after");
    assert_eq!(store.events_after(next.seq - 1, 1).await.unwrap().len(), 1);
    drop(log);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Truncating waits for readers only briefly: with a read transaction holding the WAL, it gives up (the writer
/// would wait behind it otherwise), and the log still commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncating_the_wal_gives_up_rather_than_wait_for_a_reader() {
    let (dir, store, log) = started("truncate-reader").await;
    log.publish_committed(NewEvent::any("test.before", serde_json::json!({}))).await.expect("committed");
    let reader = rusqlite::Connection::open(store.path().unwrap()).unwrap();
    reader.execute_batch("BEGIN; SELECT count(*) FROM events;").unwrap();
    // A commit after the reader's snapshot, so the WAL holds frames the reader does not see.
    log.publish_committed(NewEvent::any("test.during", serde_json::json!({}))).await.expect("committed");
    assert!(!store.truncate_wal().await.unwrap(), "a reader on the WAL: given up");
    assert!(log.publish_committed(NewEvent::any("test.meanwhile", serde_json::json!({}))).await.is_some(), "the writer goes on");
    reader.execute_batch("COMMIT").unwrap();
    assert!(store.truncate_wal().await.unwrap(), "no reader left: truncated");
    drop(log);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Paced events (the writer holds batches open while they keep coming) reach readers in order, each one
/// already in the store when it is broadcast; a caller that waits for its commit in the middle of such a stream
/// is answered with its event, committed, and a lone event after the stream is committed too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paced_events_share_commits_yet_each_is_stored_before_anyone_sees_it() {
    let (dir, store, log) = started("linger").await;
    let mut live = log.subscribe_live();
    // Enough readers that the writer holds batches open while the stream runs.
    let _others: Vec<_> = (1..LINGER_MIN_READERS).map(|_| log.subscribe_live()).collect();
    let first = log.last_seq() + 1;
    const N: i64 = 60;
    let producer = {
        let log = log.clone();
        tokio::spawn(async move {
            let mut waited = None;
            for i in 0..N {
                if i == N / 2 {
                    // Somebody waits for this one: answered once it is committed, while the stream goes on.
                    waited = log.publish_committed(NewEvent::any("test.waited", serde_json::json!({"i": i}))).await;
                } else {
                    log.publish(NewEvent::any("test.paced", serde_json::json!({"i": i}))).await;
                }
                // About a quarter of LINGER apart: a stream, so the writer holds batches open.
                std::thread::sleep(LINGER / 4);
            }
            waited
        })
    };
    for expected in first..first + N {
        let event = tokio::time::timeout(Duration::from_secs(30), live.recv()).await.expect("every event is broadcast").unwrap();
        assert_eq!(event.seq, expected, "broadcast in order, none skipped");
        let stored = store.events_after(event.seq - 1, 1).await.unwrap();
        assert_eq!(stored.first().map(|r| r.seq), Some(event.seq), "committed before it was broadcast");
        assert_eq!(stored[0].data, event.data_text());
    }
    let waited = producer.await.unwrap().expect("the waited-for event is committed");
    assert_eq!(waited.kind, "test.waited");
    assert_eq!(waited.seq, first + N / 2);

    // After the stream, a lone event: committed and broadcast like any other.
    tokio::time::sleep(LINGER * 5).await;
    log.publish(NewEvent::any("test.lone", serde_json::json!({}))).await;
    let lone = tokio::time::timeout(Duration::from_secs(30), live.recv()).await.expect("the lone event is broadcast").unwrap();
    assert_eq!((lone.seq, lone.kind.as_str()), (first + N, "test.lone"));
    assert_eq!(store.events_after(lone.seq - 1, 1).await.unwrap().len(), 1);
    let _ = std::fs::remove_dir_all(dir);
}

/// A log that cannot commit (here: another connection holds the write lock, as a full disk would make every
/// commit fail) answers a caller waiting for its commit within COMMIT_WAIT, instead of when the store can write
/// again; the event stays queued and is committed once it can.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_that_cannot_land_is_waited_for_a_bounded_time_then_lands_later() {
    let (dir, store, log) = started("bounded").await;
    let before = log.last_seq();

    let blocker = rusqlite::Connection::open(store.path().unwrap()).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let waited = tokio::time::timeout(COMMIT_WAIT * 6, log.publish_committed(NewEvent::new(crate::events::EventType::RuntimeReady, serde_json::json!({}))))
        .await
        .expect("publish_committed answers in bounded time");
    assert!(waited.is_none(), "not committed while the store cannot write");
    assert_eq!(log.last_seq(), before);
    // The writer gives up its attempt once SQLite's busy wait (10 s) is over, and says so.
    tokio::time::timeout(Duration::from_secs(60), async {
        while log.healthy() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the writer reports that it cannot commit");
    let second = log.publish_committed(NewEvent::new(crate::events::EventType::RuntimeResponsive, serde_json::json!({}))).await;
    assert!(second.is_none(), "an unhealthy log is not waited for");
    assert!(!log.flush_within(Duration::from_millis(100)).await, "a bounded flush gives up");

    blocker.execute_batch("COMMIT").unwrap();
    tokio::time::timeout(Duration::from_secs(60), log.flush()).await.expect("the queued event lands");
    assert_eq!(log.last_seq(), before + 2);
    assert!(log.healthy());
    let rows = store.events_after(before, 10).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>(), [crate::events::EventType::RuntimeReady.as_str(), crate::events::EventType::RuntimeResponsive.as_str()]);
    let _ = std::fs::remove_dir_all(dir);
}

/// A flush with nothing on its way to the writer thread answers at once: it does not wait for that thread (held up
/// here by the log's state, as by a publisher in the middle of its own commit), while a flush behind a queued event
/// waits until that event is committed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flush_waits_for_the_writer_thread_only_when_something_is_queued_for_it() {
    let (dir, _store, log) = started("flush").await;
    writer_idle(&log).await;
    let state = log.inner.shared.state.lock().unwrap();
    assert!(log.flush_within(Duration::from_secs(5)).await, "nothing queued: answered without the writer thread");

    // Held up like this, the writer thread cannot take the event: a flush behind it waits.
    let publisher = log.clone();
    let published = tokio::spawn(async move { publisher.publish(NewEvent::any("test.flushed", serde_json::json!({}))).await });
    let deadline = Instant::now() + Duration::from_secs(30);
    while log.inner.shared.queued.load(Ordering::Acquire) == 0 {
        assert!(Instant::now() < deadline, "the event never reached the writer thread's queue");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let before = log.last_seq();
    assert!(!log.flush_within(Duration::from_millis(200)).await, "a flush waits for what is queued");
    drop(state);
    assert!(log.flush_within(Duration::from_secs(30)).await);
    assert_eq!(log.last_seq(), before + 1, "answered once the queued event is committed");
    published.await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

/// A turn's end is one commit: the session's view and `turn.completed`, broadcast in that order, and the turn
/// record with that event's seq, already in the store when the caller hears of it (with the writer thread idle,
/// committed by the caller before `queue_turn` returns). A record that cannot be written (here its table is gone)
/// never holds the log up: the caller's own commit fails, the writer thread commits the events without it, and the
/// caller is told to record it itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_s_end_is_logged_and_recorded_in_one_commit_or_logged_alone() {
    let dir = std::env::temp_dir().join(format!("cm-log-turn-end-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::open(&dir).await.unwrap();
    store.insert_session(&crate::store::testing::new_session("s1", None)).await.unwrap();
    store.begin_turn("s1", "t1", None).await.unwrap();
    let log = EventLog::start(store.clone(), DEFAULT_RETENTION).await.unwrap();
    let mut live = log.subscribe_live();
    let ended = |turn: &str| {
        let end = crate::store::TurnEnd { status: crate::store::TurnStatus::Completed, error: None, final_text: Some("done"), end_seq: None };
        crate::store::TurnChange::ended("s1", Some(turn), &end, now_ms())
    };
    let view = NewEvent::any("session.updated", serde_json::json!({"id": "s1"}));
    let event = NewEvent::any("turn.completed", serde_json::json!({"turn": {"id": "t1"}}));
    writer_idle(&log).await;
    let before = log.last_seq();
    let mut queued = log.queue_turn(Some(view), Some(event), ended("t1")).await.unwrap();
    assert_eq!(log.last_seq(), before + 2, "committed by its caller");
    let logged = queued.committed().await.expect("committed");
    assert!(logged.recorded);
    let logged = logged.event.expect("its event");
    let turn = store.get_turn("t1").await.unwrap();
    assert_eq!((turn.status, turn.end_seq), (crate::store::TurnStatus::Completed, Some(logged.seq)));
    assert_eq!(store.get_session("s1").await.unwrap().active_turn_id, None);
    let first = live.recv().await.unwrap();
    let second = live.recv().await.unwrap();
    assert_eq!((first.kind.as_str(), second.kind.as_str()), ("session.updated", "turn.completed"));
    assert_eq!((first.seq + 1, second.seq), (second.seq, logged.seq), "one batch, the view first");

    store.begin_turn("s1", "t2", None).await.unwrap();
    sqlx::query("ALTER TABLE turns RENAME TO turns_elsewhere").execute(store.pool()).await.unwrap();
    let event = NewEvent::any("turn.completed", serde_json::json!({"turn": {"id": "t2"}}));
    writer_idle(&log).await;
    let queued = log.queue_turn(None, Some(event), ended("t2")).await.unwrap();
    let logged = tokio::time::timeout(Duration::from_secs(30), queued.ack).await.expect("the log is not held up").unwrap();
    assert!(!logged.recorded, "committed without the record it could not write");
    let logged = logged.event.expect("its event");
    assert_eq!(live.recv().await.unwrap().seq, logged.seq);
    assert_eq!(store.events_after(logged.seq - 1, 1).await.unwrap().len(), 1, "the event is in the log");
    assert!(log.healthy());
    let _ = std::fs::remove_dir_all(dir);
}

/// Followers of state changes are not woken by a stream: the settled feed carries every event but the pieces of a
/// streamed item, in order, while the live feed carries them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_settled_feed_leaves_out_the_pieces_of_a_stream() {
    let (_dir, _store, log) = started("settled").await;
    let mut live = log.subscribe_live();
    let mut settled = log.subscribe_settled();
    let kinds = [
        crate::events::EventType::TurnStarted,
        crate::events::EventType::ItemStarted,
        crate::events::EventType::ItemDelta,
        crate::events::EventType::ItemReasoningTextDelta,
        crate::events::EventType::ItemCommandOutputDelta,
        crate::events::EventType::ItemCompleted,
        crate::events::EventType::TurnCompleted,
    ];
    for kind in kinds {
        log.publish(NewEvent::new(kind, serde_json::json!({}))).await;
    }
    log.flush().await;
    let live: Vec<_> = std::iter::from_fn(|| live.try_recv().ok()).collect();
    assert_eq!(live.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), kinds.map(|k| k.as_str()));
    let settled: Vec<_> = std::iter::from_fn(|| settled.try_recv().ok()).map(|s| (s.after, s.event.seq, s.event.kind.clone())).collect();
    // Each follows on from the settled event before it: what lies between is pieces.
    let first = live[0].seq;
    let expected = [(first - 1, first, "turn.started"), (first, first + 1, "item.started"), (first + 1, first + 5, "item.completed"), (first + 5, first + 6, "turn.completed")];
    assert_eq!(settled, expected.map(|(after, seq, kind)| (after, seq, kind.to_owned())));
}

/// Wait until the writer thread has nothing queued and has let go of the log's state: a publisher may then commit
/// its event itself.
async fn writer_idle(log: &EventLog) {
    let shared = &log.inner.shared;
    let deadline = Instant::now() + Duration::from_secs(30);
    while shared.queued.load(Ordering::Acquire) != 0 || shared.state.try_lock().is_err() {
        assert!(Instant::now() < deadline, "the writer thread did not go idle");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // Past the burst window: the next event is a lone one.
    tokio::time::sleep(Duration::from_millis(2)).await;
}

/// A lone event is committed and broadcast by its publisher before `publish` returns (no hand-off to the writer
/// thread). With the store's write lock held elsewhere the publisher does not wait for it: the event goes to the
/// writer thread, which waits patiently (the log stays healthy), and lands in order with what followed it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lone_event_is_committed_by_its_publisher_unless_the_store_is_busy() {
    let (dir, store, log) = started("here").await;
    let mut live = log.subscribe_live();
    writer_idle(&log).await;
    let before = log.last_seq();
    log.publish(NewEvent::any("test.lone", serde_json::json!({"i": 0}))).await;
    assert_eq!(log.last_seq(), before + 1, "committed before publish returned");
    let lone = live.try_recv().expect("broadcast before publish returned");
    assert_eq!(store.events_after(before, 1).await.unwrap()[0].data, lone.data_text());

    let blocker = rusqlite::Connection::open(store.path().unwrap()).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    writer_idle(&log).await;
    for i in 1..=2 {
        // SQLite's busy wait is 10 s: a publisher that waited in it would not be back in time.
        tokio::time::timeout(Duration::from_secs(2), log.publish(NewEvent::any("test.busy", serde_json::json!({"i": i}))))
            .await
            .expect("a publisher does not wait for a busy store");
    }
    assert_eq!(log.last_seq(), before + 1, "nothing committed while the lock is held");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(log.healthy(), "the writer thread waits for the lock, as before (its busy handler is its own again)");
    blocker.execute_batch("COMMIT").unwrap();
    for i in 1..=2 {
        let event = tokio::time::timeout(Duration::from_secs(30), live.recv()).await.expect("lands once the lock is free").unwrap();
        assert_eq!((event.seq, event.data_text()), (before + 1 + i, format!("{{\"i\":{i}}}").as_str()));
    }

    writer_idle(&log).await;
    log.publish(NewEvent::any("test.after", serde_json::json!({}))).await;
    assert_eq!(log.last_seq(), before + 4, "its publisher commits again once the store is free");
    let _ = std::fs::remove_dir_all(dir);
}

/// Publishers that commit their own events and a writer thread that commits bursts give one order: each
/// publisher's events in the order of its calls, every seq broadcast once, in order, after it is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_committed_by_publishers_and_by_the_writer_keep_one_order() {
    let (dir, store, log) = started("order").await;
    let mut live = log.subscribe_live();
    let first = log.last_seq() + 1;
    const PER_PRODUCER: usize = 600;
    let producers: Vec<_> = (0..3)
        .map(|p| {
            let log = log.clone();
            tokio::spawn(async move {
                for i in 0..PER_PRODUCER {
                    let event = NewEvent::any("test.order", serde_json::json!({"p": p, "i": i}));
                    if i % 50 == 49 {
                        log.publish_committed(event).await.expect("committed");
                    } else {
                        log.publish(event).await;
                    }
                    // Bursts of ten, then a pause: lone events and batches both.
                    if i % 10 == 9 {
                        tokio::time::sleep(Duration::from_micros(300 * (p as u64 + 1))).await;
                    }
                }
            })
        })
        .collect();
    let mut next = [0usize; 3];
    for seq in first..first + 3 * PER_PRODUCER as i64 {
        let event = tokio::time::timeout(Duration::from_secs(30), live.recv()).await.expect("every event is broadcast").unwrap();
        assert_eq!(event.seq, seq, "broadcast in order, none skipped");
        let data: serde_json::Value = serde_json::from_str(event.data_text()).unwrap();
        let (p, i) = (data["p"].as_u64().unwrap() as usize, data["i"].as_u64().unwrap() as usize);
        assert_eq!(i, next[p], "producer {p}'s events in the order of its calls");
        next[p] += 1;
        let stored = store.events_after(seq - 1, 1).await.unwrap();
        assert_eq!(stored.first().map(|r| r.seq), Some(seq), "stored before it was broadcast");
    }
    for producer in producers {
        producer.await.unwrap();
    }
    let _ = std::fs::remove_dir_all(dir);
}
