//! Several hosts on one PostgreSQL database: one log, one order. Each test starts two [`EventLog`]s on one schema
//! (two hosts' writers, pools and listeners). PostgreSQL only: skipped, and says so, without
//! `CODEX_MANAGER_TEST_DATABASE_URL`.

use std::time::Duration;

use super::*;
use crate::events::{EventFilter, StreamItem, Subscription};
use crate::store::testing::{TestDb, DATABASE_URL_ENV};
use crate::store::Engine;

/// Bound on every wait: generous, as machines are noisy; a reader that is never woken fails here.
const WAIT: Duration = Duration::from_secs(30);

/// Two hosts' logs on one schema, or None (after saying why) when the run has no PostgreSQL server.
async fn two_hosts(tag: &str) -> Option<(TestDb, crate::testing::TempDir, EventLog, EventLog)> {
    let db = TestDb::new().await;
    if db.engine() != Engine::Postgres {
        eprintln!("skipped: several hosts share a log only on PostgreSQL; set {DATABASE_URL_ENV} to run this test");
        return None;
    }
    let dir = crate::testing::TempDir::new(tag);
    let a = EventLog::start(db.open(&dir.0).await, DEFAULT_RETENTION).await.unwrap();
    let b = EventLog::start(db.open(&dir.0).await, DEFAULT_RETENTION).await.unwrap();
    Some((db, dir, a, b))
}

fn event(kind: &str, i: usize) -> NewEvent {
    NewEvent::any(kind, serde_json::json!({ "i": i }))
}

/// The next event of a raw live receiver, within [`WAIT`].
async fn next_live(live: &mut broadcast::Receiver<Arc<Event>>) -> Arc<Event> {
    tokio::time::timeout(WAIT, live.recv()).await.expect("the event is broadcast").expect("no lag, no close")
}

/// The next event of a subscription, within [`WAIT`].
async fn next_event(sub: &mut Subscription) -> Arc<Event> {
    match tokio::time::timeout(WAIT, sub.next()).await.expect("the subscription is woken").unwrap() {
        StreamItem::Event(e) => e,
        other => panic!("expected an event, got {other:?}"),
    }
}

/// Appends from both hosts, each committed before the next, take consecutive seqs in the order they committed,
/// whichever host made them; the store holds each once, with its own envelope's seq.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interleaved_appends_of_two_hosts_take_consecutive_seqs_in_commit_order() {
    let Some((_db, _dir, a, b)) = two_hosts("pg-interleaved").await else { return };
    let mut seqs = Vec::new();
    for i in 0..10 {
        let (log, kind) = if i % 3 == 0 { (&b, "test.b") } else { (&a, "test.a") };
        let e = log.publish_committed(event(kind, i)).await.expect("committed");
        let v: serde_json::Value = serde_json::from_str(e.json_str()).unwrap();
        assert_eq!(v["seq"], e.seq, "the envelope carries the seq the database gave");
        seqs.push((e.seq, e.kind.clone()));
    }
    assert_eq!(seqs.iter().map(|s| s.0).collect::<Vec<_>>(), (1..=10).collect::<Vec<_>>(), "one order across hosts: {seqs:?}");
    let stored = a.store().events_after(0, 100).await.unwrap();
    assert_eq!(stored.iter().map(|r| (r.seq, r.kind.clone())).collect::<Vec<_>>(), seqs);
    // Each host's newest seq follows the database, not only its own writes (B wrote the last one).
    assert_eq!(b.last_seq(), 10);
    tokio::time::timeout(WAIT, async {
        while a.last_seq() != 10 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("host A hears of host B's last commit");
}

/// A reader on host B sees host A's events as they are committed (B's writer is woken by A's NOTIFY: nothing on
/// B polls, so without it they would never arrive), in seq order with B's own; B's broadcast itself has no gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_on_one_host_sees_the_other_hosts_events_live_in_order_with_its_own() {
    let Some((_db, _dir, a, b)) = two_hosts("pg-live").await else { return };
    let mut live = b.subscribe_live();
    let mut sub = Subscription::new(b.clone(), None, EventFilter::default());

    let a1 = a.publish_committed(event("test.a", 1)).await.unwrap();
    let relayed = next_live(&mut live).await;
    assert_eq!(relayed.seq, a1.seq);
    assert!(relayed.from_another_host && !a1.from_another_host, "B's feed marks A's event as another host's");
    let got = next_event(&mut sub).await;
    assert_eq!((got.seq, got.kind.as_str(), got.json.clone()), (a1.seq, "test.a", a1.json.clone()), "the same envelope on both hosts");
    assert_eq!(b.last_seq(), a1.seq);

    // B's own event after A's, then A's again: B's readers get them in seq order.
    let b1 = b.publish_committed(event("test.b", 2)).await.unwrap();
    let a2 = a.publish_committed(event("test.a", 3)).await.unwrap();
    assert_eq!((b1.seq, a2.seq), (a1.seq + 1, a1.seq + 2));
    for want in [&b1, &a2] {
        let got = next_live(&mut live).await;
        assert_eq!(got.seq, want.seq, "B broadcasts in seq order, no gap");
        assert_eq!(got.from_another_host, got.kind == "test.a", "only A's events are another host's on B: {}", got.kind);
        let got = next_event(&mut sub).await;
        assert_eq!((got.seq, got.kind.as_str()), (want.seq, want.kind.as_str()));
    }

    // A batch of B's own whose seqs start beyond what B broadcast (A committed meanwhile, and B's writer may not
    // have heard yet) goes out after A's events, not before.
    let a3 = a.publish_committed(event("test.a", 4)).await.unwrap();
    let b2 = b.publish_committed(event("test.b", 5)).await.unwrap();
    assert_eq!(b2.seq, a3.seq + 1);
    for want in [&a3, &b2] {
        assert_eq!(next_live(&mut live).await.seq, want.seq);
        assert_eq!(next_event(&mut sub).await.seq, want.seq);
    }
}

/// A reader on host B that starts from a position replays both hosts' events from the store, in seq order, then
/// follows both live.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_with_a_position_replays_both_hosts_events_in_order() {
    let Some((_db, _dir, a, b)) = two_hosts("pg-replay").await else { return };
    let mut kinds = Vec::new();
    for i in 0..6 {
        let (log, kind) = if i % 2 == 0 { (&a, "test.a") } else { (&b, "test.b") };
        log.publish_committed(event(kind, i)).await.unwrap();
        kinds.push(kind);
    }
    let mut sub = Subscription::new(b.clone(), Some(2), EventFilter::default());
    for (seq, kind) in (3..=6).zip(&kinds[2..]) {
        let got = next_event(&mut sub).await;
        assert_eq!((got.seq, got.kind.as_str()), (seq, *kind));
    }
    let a7 = a.publish_committed(event("test.a", 6)).await.unwrap();
    assert_eq!(a7.seq, 7);
    assert_eq!(next_event(&mut sub).await.seq, 7, "then live, host A's included");
}

/// Two hosts appending at once, 500 events each without waiting for commits (so in batches that race for the
/// log's lock): 1000 consecutive seqs, each host's events in the order it published them, and every reader of
/// either host (live receivers and subscriptions) sees all 1000 in seq order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hosts_appending_at_once_make_one_gapless_order_every_reader_sees() {
    const EACH: usize = 500;
    let Some((_db, _dir, a, b)) = two_hosts("pg-concurrent").await else { return };
    let mut lives = [a.subscribe_live(), b.subscribe_live()];
    let mut subs = [Subscription::new(a.clone(), None, EventFilter::default()), Subscription::new(b.clone(), None, EventFilter::default())];
    let producers: Vec<_> = [(a.clone(), "test.a"), (b.clone(), "test.b")]
        .into_iter()
        .map(|(log, kind)| {
            tokio::spawn(async move {
                for i in 0..EACH {
                    log.publish(event(kind, i)).await;
                }
                log.flush().await;
            })
        })
        .collect();
    for p in producers {
        tokio::time::timeout(WAIT, p).await.expect("both hosts commit").unwrap();
    }
    let total = 2 * EACH as i64;
    let stored = a.store().events_after(0, 2 * total).await.unwrap();
    assert_eq!(stored.iter().map(|r| r.seq).collect::<Vec<_>>(), (1..=total).collect::<Vec<_>>(), "consecutive and unique");
    for kind in ["test.a", "test.b"] {
        let order: Vec<i64> = stored
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| serde_json::from_str::<serde_json::Value>(&r.data).unwrap()["i"].as_i64().unwrap())
            .collect();
        assert_eq!(order, (0..EACH as i64).collect::<Vec<_>>(), "{kind}: in its host's publishing order");
    }
    for (host, (live, sub)) in lives.iter_mut().zip(subs.iter_mut()).enumerate() {
        for seq in 1..=total {
            let e = next_live(live).await;
            assert_eq!(e.seq, seq, "host {host}'s broadcast: in seq order, none skipped");
            assert_eq!(e.kind, stored[seq as usize - 1].kind);
            assert_eq!(next_event(sub).await.seq, seq, "host {host}'s subscription");
        }
    }
    assert_eq!((a.last_seq(), b.last_seq()), (total, total));
}

/// Every connection of both hosts cut (a server restart, a network drop): the listener comes back by itself and host
/// B's readers get what host A commits afterwards, whether its announcement arrived or went by while B was away.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_whose_connections_were_cut_hears_the_other_again() {
    let Some((_db, _dir, a, b)) = two_hosts("pg-cut").await else { return };
    let mut sub = Subscription::new(b.clone(), None, EventFilter::default());
    let a1 = a.publish_committed(event("test.a", 1)).await.unwrap();
    assert_eq!(next_event(&mut sub).await.seq, a1.seq);

    // The test's connections are named after its schema (store::testing).
    let cut: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(pg_terminate_backend(pid)) AS BIGINT) FROM pg_stat_activity \
         WHERE application_name = current_schema() AND pid <> pg_backend_pid()",
    )
    .fetch_one(a.store().pool())
    .await
    .unwrap();
    assert!(cut >= 2, "both listeners and the pools' other connections were cut: {cut}");

    let a2 = a.publish_committed(event("test.a", 2)).await.expect("host A commits on a new connection");
    let got = next_event(&mut sub).await;
    assert_eq!((got.seq, got.kind.as_str()), (a2.seq, "test.a"), "host B hears host A again");
    let b1 = b.publish_committed(event("test.b", 3)).await.unwrap();
    assert_eq!(b1.seq, a2.seq + 1);
    assert_eq!(next_event(&mut sub).await.seq, b1.seq);
}
