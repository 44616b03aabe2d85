//! The event log writer: one thread, batches, commit before broadcast.
//!
//! The writer is a plain thread that owns the log's SQLite connection: producers hand it submissions over a bounded
//! channel (a full channel slows them down, never drops), it takes whatever is queued, assigns seqs, builds the
//! envelopes, commits the batch and only then broadcasts it. One event costs one wake-up of this thread; a burst
//! costs one per batch. Checkpoints run elsewhere, when the log is quiet, so their fsyncs stay off the stream.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, oneshot};

use super::envelope::{format_ts, Event, NewEvent};
use crate::store::{now_ms, EventRowRef, EventWriter, Store, StoreError, StoreResult};

/// Events kept in the log before the oldest are pruned; readers further behind get a `reset`.
pub const DEFAULT_RETENTION: i64 = 1_000_000;
/// Live fan-out buffer per reader; a reader further behind than this is resynced from the store.
pub const BROADCAST_CAPACITY: usize = 8192;
/// Queue between producers and the writer. A full queue slows producers (in the end app-server's stdout pipe),
/// never drops; small, because a burst parked here is memory the host keeps afterwards.
const QUEUE_CAPACITY: usize = 4096;
/// Most events committed in one transaction.
const MAX_BATCH: usize = 1024;
/// Prune at most this often (in events written); small retentions prune after half their size.
const PRUNE_EVERY: i64 = 10_000;
/// How often the checkpointer looks at the log.
const CHECKPOINT_POLL: Duration = Duration::from_millis(100);
/// A checkpoint waits until no event was committed for this long: its fsyncs stall the writer's WAL appends on
/// this disk (by 10–40 ms while a stream runs), and every reader waits for the writer.
const CHECKPOINT_WHEN_IDLE_FOR: i64 = 200;
/// … unless the WAL outgrew this: a log that is never quiet is checkpointed anyway.
const CHECKPOINT_WAL_BYTES: u64 = 64 << 20;
/// Writes of the pool (sessions, turns) checkpoint at this interval at the latest, when the log is quiet.
const CHECKPOINT_EVERY: i64 = 5_000;
/// Longest a caller waits for its event to be committed. The writer retries a failed commit until it lands (a
/// disk full of the data dir), so waiting for it unbounded would hang the caller for as long as the disk stays full.
pub const COMMIT_WAIT: Duration = Duration::from_secs(5);

/// What producers hand the writer.
enum Submission {
    /// An event to append; `ack` hears of its commit.
    Event { event: NewEvent, ack: Option<oneshot::Sender<Arc<Event>>> },
    /// Answered once everything queued before it is committed; it takes no seq and is never stored.
    Flush(oneshot::Sender<()>),
}

/// Handle to the log. Cheap to clone. When the last handle is gone, the writer finishes the queue and stops.
#[derive(Clone)]
pub struct EventLog {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    queue: mpsc::Sender<Submission>,
    shared: Arc<Shared>,
}

/// What the writer thread shares with the handles (not the queue's sender: the writer must see it close).
struct Shared {
    live: broadcast::Sender<Arc<Event>>,
    last_committed: AtomicI64,
    healthy: AtomicBool,
    /// Set by the writer, cleared by the checkpointer.
    dirty: AtomicBool,
    /// When the writer last committed (ms since the epoch).
    last_write_ms: AtomicI64,
}

impl EventLog {
    /// Start the writer. `retention` is how many events to keep.
    pub async fn start(store: Store, retention: i64) -> StoreResult<Self> {
        let (_, last) = store.event_bounds().await?;
        let writer = store.event_writer()?;
        let (queue, rx) = mpsc::channel(QUEUE_CAPACITY);
        let (live, _) = broadcast::channel(BROADCAST_CAPACITY);
        let shared = Arc::new(Shared {
            live,
            last_committed: AtomicI64::new(last),
            healthy: AtomicBool::new(true),
            dirty: AtomicBool::new(false),
            last_write_ms: AtomicI64::new(0),
        });
        let writer_shared = shared.clone();
        std::thread::Builder::new()
            .name("event-writer".into())
            .spawn(move || write_loop(&writer_shared, writer, rx, last, retention.max(1)))
            .map_err(|e| StoreError::Database(e.into()))?;
        tokio::spawn(checkpoint_loop(store.clone(), Arc::downgrade(&shared)));
        Ok(Self { inner: Arc::new(Inner { store, queue, shared }) })
    }

    /// Append without waiting for the commit. Order among all publishers is the order of these calls.
    pub async fn publish(&self, event: NewEvent) {
        let _ = self.inner.queue.send(Submission::Event { event, ack: None }).await;
    }

    /// Append and wait until it is committed and broadcast: what an API call records is in the log before the
    /// call answers. None when the log cannot commit within [`COMMIT_WAIT`] (the event stays queued and is
    /// committed once the store can write again, unless the queue itself stayed full all that time).
    pub async fn publish_committed(&self, event: NewEvent) -> Option<Arc<Event>> {
        let (tx, rx) = oneshot::channel();
        let kind = event.kind.clone();
        let commit = async {
            self.inner.queue.send(Submission::Event { event, ack: Some(tx) }).await.ok()?;
            rx.await.ok()
        };
        // A log already known not to commit (its last commit failed) is not waited for: the caller answers at once.
        let wait = if self.healthy() { COMMIT_WAIT } else { Duration::ZERO };
        match tokio::time::timeout(wait, commit).await {
            Ok(committed) => committed,
            Err(_) => {
                tracing::error!(event = %kind, "the event log could not commit within {wait:?}; answering without waiting longer");
                None
            }
        }
    }

    pub fn subscribe_live(&self) -> broadcast::Receiver<Arc<Event>> {
        self.inner.shared.live.subscribe()
    }

    /// The newest committed seq.
    pub fn last_seq(&self) -> i64 {
        self.inner.shared.last_committed.load(Ordering::Acquire)
    }

    /// False while the writer cannot commit (disk full, database locked away).
    pub fn healthy(&self) -> bool {
        self.inner.shared.healthy.load(Ordering::Relaxed)
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Wait until everything queued so far is committed, at most `limit` (false when that was not enough: the
    /// store cannot write).
    pub async fn flush_within(&self, limit: Duration) -> bool {
        tokio::time::timeout(limit, self.flush()).await.is_ok()
    }

    /// Wait until everything queued so far is committed.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.inner.queue.send(Submission::Flush(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

/// The writer thread's loop; returns when every [`EventLog`] handle is gone and the queue is drained.
fn write_loop(shared: &Shared, mut writer: EventWriter, mut rx: mpsc::Receiver<Submission>, mut last: i64, retention: i64) {
    let mut batch: Vec<Submission> = Vec::with_capacity(MAX_BATCH);
    let mut since_prune = 0i64;
    let prune_every = PRUNE_EVERY.min((retention / 2).max(1));
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(s) => batch.push(s),
                Err(_) => break,
            }
        }
        let ts = now_ms();
        let ts_text = format_ts(ts);
        let mut events = Vec::with_capacity(batch.len());
        let mut acks = Vec::new();
        let mut flushes = Vec::new();
        for sub in batch.drain(..) {
            match sub {
                Submission::Flush(done) => flushes.push(done),
                Submission::Event { event, ack } => {
                    last += 1;
                    let event = Arc::new(Event::from_new(last, ts, &ts_text, event));
                    if let Some(ack) = ack {
                        acks.push((event.clone(), ack));
                    }
                    events.push(event);
                }
            }
        }
        if !events.is_empty() {
            commit(shared, &mut writer, &events);
            shared.dirty.store(true, Ordering::Relaxed);
            shared.last_write_ms.store(now_ms(), Ordering::Relaxed);
        }
        shared.last_committed.store(last, Ordering::Release);
        for e in &events {
            let _ = shared.live.send(e.clone());
        }
        for (event, ack) in acks {
            let _ = ack.send(event);
        }
        for done in flushes {
            let _ = done.send(());
        }
        since_prune += events.len() as i64;
        if since_prune >= prune_every {
            since_prune = 0;
            if let Err(e) = writer.prune(last - retention) {
                tracing::warn!(error = %e, "could not prune the event log");
            }
        }
        // Every envelope of a burst is freed once its readers are done: trim when the log goes quiet.
        crate::memory::note_activity();
    }
}

/// Commit a batch, retrying until it lands: broadcasting an event that is not durable would let a client see a
/// seq that a restart reuses. While it fails, readiness says so.
fn commit(shared: &Shared, writer: &mut EventWriter, events: &[Arc<Event>]) {
    let mut delay = Duration::from_millis(50);
    loop {
        let rows = events.iter().map(|e| EventRowRef {
            seq: e.seq,
            ts: e.ts,
            kind: &e.kind,
            session_id: e.session_id.as_deref(),
            turn_id: e.turn_id.as_deref(),
            project_id: e.project_id.as_deref(),
            data: e.data_text(),
        });
        match writer.append(rows) {
            Ok(()) => {
                shared.healthy.store(true, Ordering::Relaxed);
                return;
            }
            Err(e) => {
                shared.healthy.store(false, Ordering::Relaxed);
                tracing::error!(error = %e, retry_in = ?delay, "cannot write events to the store");
                std::thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Passive checkpoints on the pool, beside the writer: when the log has been quiet for a moment (and the writer
/// or, at longer intervals, the pool wrote something), or when the WAL grew too big to wait.
async fn checkpoint_loop(store: Store, shared: Weak<Shared>) {
    let mut tick = tokio::time::interval(CHECKPOINT_POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_checkpoint = now_ms();
    loop {
        tick.tick().await;
        let Some(shared) = shared.upgrade() else { return };
        let now = now_ms();
        let quiet = now - shared.last_write_ms.load(Ordering::Relaxed) >= CHECKPOINT_WHEN_IDLE_FOR;
        let due = shared.dirty.load(Ordering::Relaxed) || now - last_checkpoint >= CHECKPOINT_EVERY;
        if (quiet && due) || store.wal_bytes() > CHECKPOINT_WAL_BYTES {
            shared.dirty.store(false, Ordering::Relaxed);
            last_checkpoint = now;
            if let Err(e) = store.checkpoint().await {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A log that cannot commit (here: another connection holds the write lock, as a full disk would make every
    /// commit fail) answers a caller waiting for its commit within COMMIT_WAIT, instead of when the store can write
    /// again; the event stays queued and is committed once it can.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_commit_that_cannot_land_is_waited_for_a_bounded_time_then_lands_later() {
        let dir = std::env::temp_dir().join(format!("cm-log-bounded-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(&dir).await.unwrap();
        let log = EventLog::start(store.clone(), DEFAULT_RETENTION).await.unwrap();
        let before = log.last_seq();

        let blocker = rusqlite::Connection::open(store.path()).unwrap();
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
}
