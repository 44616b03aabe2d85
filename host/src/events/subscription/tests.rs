//! The hand-over from replay to live: no event skipped, none repeated, and a reset where the log cannot be
//! continued event by event.

use std::sync::Arc;

use super::*;
use crate::events::{NewEvent, DEFAULT_RETENTION};
use crate::store::Store;
use crate::testing::{TempDir, WAIT};

/// More events than the live buffer holds, so a reader that does not read meanwhile lags.
const PAST_THE_LIVE_BUFFER: usize = crate::events::log::BROADCAST_CAPACITY + 100;

async fn log(dir: &TempDir, retention: i64) -> EventLog {
    EventLog::start(Store::open(&dir.0).await.unwrap(), retention).await.unwrap()
}

async fn publish(log: &EventLog, n: usize, kind: &str) {
    for i in 0..n {
        log.publish(NewEvent::any(kind, serde_json::json!({"i": i}))).await;
    }
    log.flush().await;
}

async fn next(sub: &mut Subscription) -> StreamItem {
    tokio::time::timeout(WAIT, sub.next()).await.expect("an item within the bound").expect("the store reads")
}

async fn next_event(sub: &mut Subscription) -> Arc<Event> {
    match next(sub).await {
        StreamItem::Event(e) => e,
        other => panic!("expected an event, got {other:?}"),
    }
}

#[tokio::test]
async fn a_reader_from_the_start_gets_every_event_once_in_order_across_the_hand_over() {
    let dir = TempDir::new("sub-handover");
    let log = log(&dir, DEFAULT_RETENTION).await;
    publish(&log, 3, "test.before").await;
    let mut sub = Subscription::new(log.clone(), Some(0), EventFilter::default());
    // These are both in the store and in the reader's live buffer: the replay must not deliver them twice.
    publish(&log, 3, "test.during").await;
    let mut seqs = Vec::new();
    for _ in 0..6 {
        seqs.push(next_event(&mut sub).await.seq);
    }
    log.publish(NewEvent::any("test.after", serde_json::json!({}))).await;
    seqs.push(next_event(&mut sub).await.seq);
    assert_eq!(seqs, (1..=7).collect::<Vec<_>>());
}

/// A reader that joins while a stream runs reads what it missed from the store and then stays live: a page shorter
/// than a full one ends its replay, though more events arrived while it was read. (It used to wait for an empty page,
/// so a reader that joined a paced stream read every event from the store until the stream paused.)
#[tokio::test]
async fn a_short_page_hands_the_reader_over_to_the_live_feed() {
    let dir = TempDir::new("sub-short-page");
    let log = log(&dir, DEFAULT_RETENTION).await;
    publish(&log, 3, "test.missed").await;
    let mut sub = Subscription::new(log.clone(), Some(0), EventFilter::default());
    for expected in 1..=3 {
        assert_eq!(next_event(&mut sub).await.seq, expected);
    }
    // From here the reader can only be served live: the store answers no more reads (the event writer has a
    // connection of its own and still commits).
    log.store().close().await;
    publish(&log, 2, "test.streamed").await;
    for expected in 4..=5 {
        assert_eq!(next_event(&mut sub).await.seq, expected, "live, without a store read");
    }
}

#[tokio::test]
async fn a_live_only_reader_starts_after_the_newest_event() {
    let dir = TempDir::new("sub-live");
    let log = log(&dir, DEFAULT_RETENTION).await;
    publish(&log, 2, "test.old").await;
    let mut sub = Subscription::new(log.clone(), None, EventFilter::default());
    log.publish(NewEvent::any("test.new", serde_json::json!({}))).await;
    let e = next_event(&mut sub).await;
    assert_eq!((e.seq, e.kind.as_str()), (3, "test.new"));
}

#[tokio::test]
async fn a_lagging_subscriber_catches_up_from_the_store_without_a_gap() {
    let dir = TempDir::new("sub-lag");
    let log = log(&dir, DEFAULT_RETENTION).await;
    publish(&log, 1, "test.first").await;
    let mut sub = Subscription::new(log.clone(), None, EventFilter::default());
    publish(&log, PAST_THE_LIVE_BUFFER, "test.burst").await;
    for expected in 2..=(PAST_THE_LIVE_BUFFER as i64 + 1) {
        assert_eq!(next_event(&mut sub).await.seq, expected);
    }
    log.publish(NewEvent::any("test.after", serde_json::json!({}))).await;
    assert_eq!(next_event(&mut sub).await.seq, PAST_THE_LIVE_BUFFER as i64 + 2, "and then it is live again");
}

#[tokio::test]
async fn a_lagging_subscriber_whose_events_were_pruned_gets_a_reset_not_a_gap() {
    let dir = TempDir::new("sub-pruned");
    let log = log(&dir, 100).await;
    publish(&log, 1, "test.first").await;
    let mut sub = Subscription::new(log.clone(), None, EventFilter::default());
    publish(&log, PAST_THE_LIVE_BUFFER, "test.burst").await;
    let latest = log.last_seq();
    match next(&mut sub).await {
        StreamItem::Reset { reason, latest: at, oldest } => {
            assert_eq!((reason, at), (ResetReason::BeyondRetention, latest));
            assert!(oldest > 2, "the events after the reader's position are gone (oldest kept: {oldest})");
        }
        other => panic!("expected a reset, got {other:?}"),
    }
    log.publish(NewEvent::any("test.after", serde_json::json!({}))).await;
    assert_eq!(next_event(&mut sub).await.seq, latest + 1, "it continues from the newest event");
}

#[tokio::test]
async fn a_position_ahead_of_the_log_gets_a_reset_to_the_newest_event() {
    let dir = TempDir::new("sub-ahead");
    let log = log(&dir, DEFAULT_RETENTION).await;
    publish(&log, 3, "test.some").await;
    // A client that read another database (a restored backup) up to seq 1000.
    let mut sub = Subscription::new(log.clone(), Some(1000), EventFilter::default());
    match next(&mut sub).await {
        StreamItem::Reset { reason, latest, .. } => assert_eq!((reason, latest), (ResetReason::AheadOfLog, 3)),
        other => panic!("expected a reset, got {other:?}"),
    }
    log.publish(NewEvent::any("test.next", serde_json::json!({}))).await;
    assert_eq!(next_event(&mut sub).await.seq, 4);
}

#[tokio::test]
async fn events_a_filter_leaves_out_still_move_the_readers_position() {
    let dir = TempDir::new("sub-filter");
    let log = log(&dir, DEFAULT_RETENTION).await;
    publish(&log, 2, "item.delta").await;
    publish(&log, 1, "turn.completed").await;
    let filter = EventFilter { exclude_types: vec!["item.delta".into()], ..Default::default() };
    let mut sub = Subscription::new(log.clone(), Some(0), filter);
    let e = next_event(&mut sub).await;
    assert_eq!((e.seq, e.kind.as_str()), (3, "turn.completed"));
    assert_eq!(sub.position(), 3, "a reconnect resumes after what was skipped, too");
}

/// A reader that wants no piece of a stream follows the settled feed, which deltas do not wake, and still misses
/// nothing else: live, after a replay, and after lagging behind that feed (it reads the store again, without the
/// pieces). A filter that lets no delta through picks that feed by itself; one that lets any through does not.
#[tokio::test]
async fn a_reader_without_the_pieces_of_streams_follows_the_settled_feed_and_misses_nothing_else() {
    let dir = TempDir::new("sub-settled");
    let log = log(&dir, DEFAULT_RETENTION).await;
    let turns_only = EventFilter { types: vec!["turn.".into()], ..Default::default() };
    assert!(matches!(Subscription::new(log.clone(), None, turns_only).live, Feed::Settled(_)));
    let no_deltas = EventFilter { exclude_types: EventType::STREAM_PIECES.iter().map(|t| t.as_str().to_owned()).collect(), ..Default::default() };
    assert!(matches!(Subscription::new(log.clone(), None, no_deltas).live, Feed::Settled(_)));
    let some_deltas = EventFilter { exclude_types: vec![EventType::ItemDelta.as_str().into()], ..Default::default() };
    assert!(matches!(Subscription::new(log.clone(), None, some_deltas).live, Feed::All(_)));

    let stream = |turn: usize| {
        let mut kinds = vec![EventType::TurnStarted, EventType::ItemStarted];
        kinds.extend([EventType::ItemDelta, EventType::ItemReasoningTextDelta].repeat(5));
        kinds.extend([EventType::ItemCompleted, EventType::TurnCompleted]);
        kinds.into_iter().map(move |k| NewEvent::new(k, serde_json::json!({"turn": turn})))
    };
    let settled_of = |turn: usize| {
        [EventType::TurnStarted, EventType::ItemStarted, EventType::ItemCompleted, EventType::TurnCompleted].map(|k| (k.as_str().to_owned(), turn))
    };
    let seen = |e: Arc<Event>| (e.kind.clone(), e.data()["turn"].as_u64().unwrap() as usize);

    // Replay (from the start) and live.
    for e in stream(0) {
        log.publish(e).await;
    }
    log.flush().await;
    let mut sub = Subscription::without_stream_pieces(log.clone(), Some(0), EventFilter::default());
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(seen(next_event(&mut sub).await));
    }
    assert_eq!(got, settled_of(0));
    for e in stream(1) {
        log.publish(e).await;
    }
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(seen(next_event(&mut sub).await));
    }
    assert_eq!(got, settled_of(1));
    assert_eq!(sub.position(), log.last_seq());

    // Lagging behind the settled feed: more settled events than it holds, none read meanwhile.
    let turns = crate::events::log::SETTLED_CAPACITY / 4 + 10;
    for turn in 2..2 + turns {
        for e in stream(turn) {
            log.publish(e).await;
        }
    }
    log.flush().await;
    for turn in 2..2 + turns {
        let mut got = Vec::new();
        for _ in 0..4 {
            got.push(seen(next_event(&mut sub).await));
        }
        assert_eq!(got, settled_of(turn), "turn {turn}: every settled event once, in order, and no piece");
    }
    log.publish(NewEvent::new(EventType::TurnStarted, serde_json::json!({"turn": 0}))).await;
    assert_eq!(next_event(&mut sub).await.seq, log.last_seq(), "live again after the catch-up");
}
