//! A reader's view of the log: every event after a `seq`, replayed from the store and then live, filtered
//! ([`Subscription`], the websocket), or one page of it ([`Page`], REST). Both follow one rule for where a reader
//! stands against what the log keeps ([`standing`]).
//!
//! The live receiver is created before the store is read, and every event carries its seq, so the hand-over from
//! replay to live can neither skip nor repeat an event. A reader that lags behind the live buffer goes back to
//! the store; one that asks for events already pruned gets a `reset` and continues from the newest event.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use tokio::sync::broadcast::{self, error::RecvError};

use super::envelope::{self, Event};
use super::log::{EventLog, Settled};
use super::EventType;
use crate::store::StoreResult;

/// Events per store read while replaying.
const REPLAY_PAGE: i64 = 512;
/// Largest page of events.
pub const MAX_PAGE: i64 = 5000;
/// A page's size when the reader names none.
pub const DEFAULT_PAGE: i64 = 500;

/// Why a reader's position cannot be continued event by event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetReason {
    /// The events after it were pruned.
    BeyondRetention,
    /// It is ahead of the log (a position from another database, e.g. a restored one).
    AheadOfLog,
}

impl ResetReason {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BeyondRetention => "beyond_retention",
            Self::AheadOfLog => "ahead_of_log",
        }
    }
}

/// Where a reader that has passed `position` continues, given the log's `oldest` and `latest` kept seqs: the seq
/// to read after, or why it must re-read state and continue from `latest`.
pub fn standing(position: i64, oldest: i64, latest: i64) -> Result<i64, ResetReason> {
    // Position 0 asks for everything kept: start at the oldest event, there is nothing to reset.
    if position <= 0 {
        return Ok((oldest - 1).max(0));
    }
    // Behind the oldest kept event, or ahead of the newest: either way the reader's picture cannot be patched up
    // event by event. (`oldest - 1`, not `position + 1`: a position may be i64::MAX.)
    if oldest > 0 && position < oldest - 1 {
        Err(ResetReason::BeyondRetention)
    } else if position > latest {
        Err(ResetReason::AheadOfLog)
    } else {
        Ok(position)
    }
}

/// One page of the log after a position, filtered.
#[derive(Debug)]
pub struct Page {
    pub events: Vec<Event>,
    /// The position after this page: past filtered-out events too.
    pub next_since: i64,
    pub latest_seq: i64,
    /// The position could not be continued (see [`standing`]): no events, continue from `latest_seq`.
    pub reset: bool,
}

impl Page {
    /// At most `limit` events after `since` (0: from the oldest kept), those `filter` keeps.
    pub async fn read(log: &EventLog, since: i64, limit: i64, filter: &EventFilter) -> StoreResult<Page> {
        let store = log.store();
        let (oldest, latest) = store.event_bounds().await?;
        let start = match standing(since, oldest, latest) {
            Ok(start) => start,
            Err(_) => return Ok(Page { events: Vec::new(), next_since: latest, latest_seq: latest, reset: true }),
        };
        let rows = store.events_after(start, limit).await?;
        let next_since = rows.last().map(|r| r.seq).unwrap_or(start);
        let events = rows.into_iter().map(Event::from_row).filter(|e| filter.matches(e)).collect();
        Ok(Page { events, next_since, latest_seq: latest, reset: false })
    }
}

/// Which events a reader wants. Empty sets mean "all".
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub sessions: HashSet<String>,
    pub projects: HashSet<String>,
    /// Type prefixes to include (`turn.` or an exact type).
    pub types: Vec<String>,
    /// Type prefixes to leave out (for instance `item.delta` for a client that skips tokens).
    pub exclude_types: Vec<String>,
}

impl EventFilter {
    pub fn matches(&self, e: &Event) -> bool {
        if !self.sessions.is_empty() && !e.session_id.as_deref().is_some_and(|s| self.sessions.contains(s)) {
            return false;
        }
        if !self.projects.is_empty() && !e.project_id.as_deref().is_some_and(|p| self.projects.contains(p)) {
            return false;
        }
        self.admits_type(&e.kind)
    }

    fn admits_type(&self, kind: &str) -> bool {
        if !self.types.is_empty() && !self.types.iter().any(|t| kind.starts_with(t.as_str())) {
            return false;
        }
        !self.exclude_types.iter().any(|t| kind.starts_with(t.as_str()))
    }

    /// Whether a piece of a stream (a delta) can pass. A [`Subscription`] whose filter lets none through follows the
    /// settled feed, which a stream does not wake.
    pub fn admits_stream_pieces(&self) -> bool {
        EventType::STREAM_PIECES.iter().any(|t| self.admits_type(t.as_str()))
    }
}

/// What a reader receives next.
#[derive(Debug, Clone)]
pub enum StreamItem {
    Event(Arc<Event>),
    /// The reader's position cannot be continued event by event (see [`standing`]). Re-read state, then continue
    /// from `latest`.
    Reset { oldest: i64, latest: i64, reason: ResetReason },
}

impl StreamItem {
    /// The frame sent to clients (an event's envelope is shared, not copied).
    pub fn to_frame(&self) -> bytes::Bytes {
        match self {
            StreamItem::Event(e) => e.json.clone(),
            StreamItem::Reset { oldest, latest, reason } => envelope::frame(
                *latest,
                "reset",
                serde_json::json!({"reason": reason.as_str(), "oldestSeq": oldest, "latestSeq": latest}),
            ),
        }
    }
}

pub struct Subscription {
    log: EventLog,
    live: Feed,
    last: i64,
    filter: EventFilter,
    buffer: VecDeque<Arc<Event>>,
    replaying: bool,
}

/// The live feed a subscription follows after its replay.
enum Feed {
    /// Every event ([`EventLog::subscribe_live`]).
    All(broadcast::Receiver<Arc<Event>>),
    /// Every event but the pieces of streams ([`EventLog::subscribe_settled`]), for a reader that wants none of them:
    /// a stream's deltas then do not wake it.
    Settled(broadcast::Receiver<Settled>),
}

impl Feed {
    /// The next event and the seq it follows on from in this feed: a reader that has passed that seq missed none.
    async fn recv(&mut self) -> Result<(i64, Arc<Event>), RecvError> {
        match self {
            Feed::All(rx) => rx.recv().await.map(|e| (e.seq - 1, e)),
            Feed::Settled(rx) => rx.recv().await.map(|s| (s.after, s.event)),
        }
    }

    fn resubscribe(&self) -> Self {
        match self {
            Feed::All(rx) => Feed::All(rx.resubscribe()),
            Feed::Settled(rx) => Feed::Settled(rx.resubscribe()),
        }
    }

    fn carries(&self, e: &Event) -> bool {
        matches!(self, Feed::All(_)) || !e.is_stream_piece()
    }
}

impl Subscription {
    /// Everything after `since` (0: from the oldest event kept), or only new events when `since` is None. A filter
    /// that lets no piece of a stream through follows the settled feed.
    pub fn new(log: EventLog, since: Option<i64>, filter: EventFilter) -> Self {
        let pieces = filter.admits_stream_pieces();
        Self::following(log, since, filter, pieces)
    }

    /// Like [`Subscription::new`], without the pieces of streams whatever the filter says: for a follower that
    /// wants none of them now (the plugin dispatcher while no plugin subscribes to one).
    pub fn without_stream_pieces(log: EventLog, since: Option<i64>, filter: EventFilter) -> Self {
        Self::following(log, since, filter, false)
    }

    fn following(log: EventLog, since: Option<i64>, filter: EventFilter, pieces: bool) -> Self {
        let live = if pieces { Feed::All(log.subscribe_live()) } else { Feed::Settled(log.subscribe_settled()) };
        let (last, replaying) = match since {
            Some(s) => (s.max(0), true),
            None => (log.last_seq(), false),
        };
        Self { log, live, last, filter, buffer: VecDeque::new(), replaying }
    }

    pub fn filter(&self) -> &EventFilter {
        &self.filter
    }

    /// The seq of the last event this reader has passed (delivered or filtered out).
    pub fn position(&self) -> i64 {
        self.last
    }

    /// The next event for this reader, waiting for one if needed. Errors only when the store fails.
    pub async fn next(&mut self) -> StoreResult<StreamItem> {
        loop {
            if let Some(e) = self.buffer.pop_front() {
                self.last = e.seq;
                if self.live.carries(&e) && self.filter.matches(&e) {
                    return Ok(StreamItem::Event(e));
                }
                continue;
            }
            if self.replaying {
                if let Some(reset) = self.check_retention().await? {
                    return Ok(reset);
                }
                let rows = self.log.store().events_after(self.last, REPLAY_PAGE).await?;
                // A short page read all that was committed when it began. Everything after it is in the live
                // receiver, subscribed before the read (and an event is committed before it is broadcast), so the
                // live feed takes over here: its copies of what the page held are skipped by seq, and a gap brings
                // the reader back. Waiting for an empty page instead kept a reader in the store for as long as a
                // stream ran faster than one page read.
                if (rows.len() as i64) < REPLAY_PAGE {
                    self.replaying = false;
                }
                self.buffer.extend(rows.into_iter().map(|r| Arc::new(Event::from_row(r))));
                continue;
            }
            match self.live.recv().await {
                Ok((_, e)) if e.seq <= self.last => continue,
                Ok((after, e)) if after <= self.last => self.buffer.push_back(e),
                // A gap means events went by before this receiver saw them: read them from the store.
                Ok(_) | Err(RecvError::Lagged(_)) => {
                    tracing::debug!(position = self.last, "subscriber fell behind the live buffer; catching up from the store");
                    self.replaying = true;
                    self.live = self.live.resubscribe();
                }
                Err(RecvError::Closed) => std::future::pending::<()>().await,
            }
        }
    }

    async fn check_retention(&mut self) -> StoreResult<Option<StreamItem>> {
        let (oldest, latest) = self.log.store().event_bounds().await?;
        match standing(self.last, oldest, latest) {
            Ok(start) => {
                self.last = start;
                Ok(None)
            }
            Err(reason) => {
                self.last = latest;
                self.replaying = false;
                Ok(Some(StreamItem::Reset { oldest, latest, reason }))
            }
        }
    }
}

#[cfg(test)]
mod position_tests {
    use super::*;

    #[test]
    fn a_position_is_continued_only_inside_what_the_log_keeps() {
        // Log keeps 101..=200.
        assert_eq!(standing(0, 101, 200), Ok(100), "0 reads from the oldest kept");
        assert_eq!(standing(-5, 101, 200), Ok(100));
        assert_eq!(standing(100, 101, 200), Ok(100), "the seq just before the oldest kept misses nothing");
        assert_eq!(standing(99, 101, 200), Err(ResetReason::BeyondRetention));
        assert_eq!(standing(200, 101, 200), Ok(200));
        assert_eq!(standing(201, 101, 200), Err(ResetReason::AheadOfLog));
        assert_eq!(standing(i64::MAX, 101, 200), Err(ResetReason::AheadOfLog));
        // An empty log: only 0 is a position in it.
        assert_eq!(standing(0, 0, 0), Ok(0));
        assert_eq!(standing(3, 0, 0), Err(ResetReason::AheadOfLog));
    }

    /// The REST page and the websocket follow the same rule: from the oldest kept for 0, a reset for a position
    /// behind retention or ahead of the log, and filtered-out events still move the position on.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_page_and_a_subscription_read_the_same_positions() {
        let dir = std::env::temp_dir().join(format!("cm-page-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = crate::store::Store::open(&dir).await.unwrap();
        let log = EventLog::start(store.clone(), 4).await.unwrap();
        for i in 0..10 {
            let kind = if i % 2 == 0 { "test.even" } else { "test.odd" };
            log.publish_committed(super::super::NewEvent::any(kind, serde_json::json!({"i": i}))).await.unwrap();
        }
        // The writer prunes after it answers a batch's publishers: a flush is answered after that.
        log.flush().await;
        let (oldest, latest) = store.event_bounds().await.unwrap();
        assert!(oldest > 2 && latest == 10, "pruned to the retention: {oldest}..={latest}");
        let all = EventFilter::default();

        let page = Page::read(&log, 0, 100, &all).await.unwrap();
        assert!(!page.reset);
        assert_eq!(page.events.first().map(|e| e.seq), Some(oldest), "0 reads from the oldest kept");
        assert_eq!((page.next_since, page.latest_seq), (10, 10));
        let mut sub = Subscription::new(log.clone(), Some(0), all.clone());
        assert!(matches!(sub.next().await.unwrap(), StreamItem::Event(e) if e.seq == oldest));

        for (position, reason) in [(1, ResetReason::BeyondRetention), (11, ResetReason::AheadOfLog)] {
            let page = Page::read(&log, position, 100, &all).await.unwrap();
            assert!(page.reset && page.events.is_empty() && page.next_since == 10, "{position}: {page:?}");
            let mut sub = Subscription::new(log.clone(), Some(position), all.clone());
            match sub.next().await.unwrap() {
                StreamItem::Reset { latest: 10, reason: r, .. } => assert_eq!(r, reason),
                other => panic!("{position}: {other:?}"),
            }
            assert_eq!(sub.position(), 10);
        }

        let odd = EventFilter { types: vec!["test.odd".into()], ..Default::default() };
        let page = Page::read(&log, 8, 100, &odd).await.unwrap();
        assert_eq!(page.events.iter().map(|e| e.seq).collect::<Vec<_>>(), [10]);
        assert_eq!(page.next_since, 10);
        let page = Page::read(&log, 8, 1, &odd).await.unwrap();
        assert!(page.events.is_empty(), "seq 9 is even");
        assert_eq!(page.next_since, 9, "a filtered-out event still moves the position on");
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[cfg(test)]
mod tests;
