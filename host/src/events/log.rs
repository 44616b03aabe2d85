//! The event log: a writer thread that batches, commit before broadcast.
//!
//! The writer is a plain thread that owns the log's SQLite connection: producers hand it submissions over a bounded
//! channel (a full channel slows them down, never drops), it takes whatever is queued, assigns seqs, builds the
//! envelopes, commits the batch and only then broadcasts it. A burst costs one wake-up and one commit per batch. While
//! a stream runs (events arriving less than [`LINGER`] apart) to many readers ([`LINGER_MIN_READERS`]), the writer
//! holds a batch open for up to [`LINGER`] so paced events share a commit and a wake-up of every reader; a lone event,
//! an event somebody waits for, and a stream to a reader or two are committed at once. A lone event or a turn's start
//! or end with nothing queued before it is committed by its publisher instead, on its own thread, which saves the
//! hand-off to the writer thread and back (`writer::commit_here`). Checkpoints run elsewhere, when the log is quiet, so
//! their fsyncs stay off the stream.
//!
//! On PostgreSQL several hosts may share the log. Each batch is numbered by the database (after the newest seq,
//! under the log's lock: see `store/events.rs`), and every host's writer stays the one broadcaster of its host: a
//! listener task hears the other hosts' commits (LISTEN, no polling) and wakes the writer, which reads them from
//! the store and broadcasts them; a batch of its own whose seqs start beyond what it broadcast is preceded by the
//! events committed in between. So every reader of every host sees one order: the seqs'.

use std::sync::atomic::{fence, AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, oneshot, Notify};

use super::envelope::{Event, NewEvent};
use crate::store::{now_ms, Store, StoreError, StoreResult, TurnChange};
use writer::{commit_here, write_loop, WriterState};

mod writer;

/// Events kept in the log before the oldest are pruned; readers further behind get a `reset`.
pub const DEFAULT_RETENTION: i64 = 1_000_000;
/// Live fan-out buffer per reader; a reader further behind than this is resynced from the store.
pub const BROADCAST_CAPACITY: usize = 8192;
/// The same for the followers of state changes ([`EventLog::subscribe_settled`]): a few events a turn reach them.
pub(super) const SETTLED_CAPACITY: usize = 1024;
/// Queue between producers and the writer. A full queue slows producers (in the end app-server's stdout pipe),
/// never drops; small, because a burst parked here is memory the host keeps afterwards.
const QUEUE_CAPACITY: usize = 4096;
/// Most events committed in one transaction.
const MAX_BATCH: usize = 1024;
/// Longest a batch is held open for more events while a stream runs (group commit). Paced at 2,000/s, every delta
/// alone cost a commit (~35 µs of CPU on its own), a wake-up of the writer and one of every websocket client's
/// task and a socket write per client; held this long, a delta shares all of it with the next. It is also the
/// latency this adds to a streamed event at most: 1 ms (two or three deltas a batch) put the 50-client p99 at
/// 2.5 ms on a slower machine, over the 2 ms bar; 0.5 ms read 1.76 ms there, with no measurable change in the
/// paced CPU per delta (docs/benchmarks.md, the delta path).
pub const LINGER: Duration = Duration::from_micros(500);
/// A stream is running when an event arrives less than this after the last commit: then more will come within
/// [`LINGER`]. Slower than that, holding an event back would only delay it, so it is committed at once.
const STREAM_GAP: Duration = LINGER;
/// A batch that found this many events queued already shares its commit and wake-ups widely (a burst, or a writer
/// that fell behind): it is committed at once, as holding it would only add to the wait its events already had.
const LINGER_BELOW: usize = 16;
/// Batches are held open only when a commit wakes at least this many live readers (websocket clients, and the plugin
/// dispatcher while a plugin subscribes to deltas; the host's other followers take [`EventLog::subscribe_settled`],
/// which deltas do not wake). What a shared commit saves grows with the readers woken per batch, while what holding a
/// delta back costs does not: with a client or two, a delta committed alone keeps the 0.3 ms p99 of the one-client
/// bar (a 1 ms linger put its p50 at 0.7 ms), at ~50 µs more CPU per paced delta; with 20–50 clients, sharing cuts two
/// thirds of the CPU and the bar is 2 ms.
const LINGER_MIN_READERS: usize = 8;
/// Prune at most this often (in events written); small retentions prune after half their size.
const PRUNE_EVERY: i64 = 10_000;
/// How often the checkpointer looks at a log with commits not yet checkpointed (until it is quiet).
const CHECKPOINT_POLL: Duration = Duration::from_millis(100);
/// A checkpoint waits until no event was committed for this long: its fsyncs stall the writer's WAL appends on
/// this disk (by 10–40 ms while a stream runs), and every reader waits for the writer.
const CHECKPOINT_WHEN_IDLE_FOR: i64 = 200;
/// … unless the WAL file outgrew this: a log that is never quiet is checkpointed anyway (and the WAL starts over
/// once a checkpoint caught up with it). The writer's `journal_size_limit` is the same figure, so a WAL started over
/// is cut back to it, and the file's size says how much a WAL holds only once it is past it. (Not read from the
/// `-shm` header: opening and closing that file would drop every POSIX lock SQLite holds on it in this process,
/// which is how another process sees that the store is open.)
const CHECKPOINT_WAL_BYTES: u64 = crate::store::WAL_LIMIT_BYTES;
/// A WAL file a burst grew past this is cut back to nothing once the log has been idle for
/// [`TRUNCATE_WHEN_IDLE_FOR`] ([`Store::truncate_wal`]); the writer cuts it back only to [`CHECKPOINT_WAL_BYTES`].
const WAL_KEEP_BYTES: u64 = 8 << 20;
/// Truncating holds writers for its `ftruncate` (9–27 ms for tens of MiB here), so it waits for an idle log, not
/// the first quiet moment, when the next turn may be starting; the 5 s checkpoint after a burst does it.
const TRUNCATE_WHEN_IDLE_FOR: i64 = 3_000;
/// Writes of the pool (sessions, turns) checkpoint at this interval at the latest, when the log is quiet.
const CHECKPOINT_EVERY: i64 = 5_000;
/// Longest a caller waits for its event to be committed. The writer retries a failed commit until it lands (a
/// disk full of the data dir), so waiting for it unbounded would hang the caller for as long as the disk stays full.
pub const COMMIT_WAIT: Duration = Duration::from_secs(5);

/// What producers hand the writer.
enum Submission {
    /// An event to append; `ack` hears of its commit.
    Event { event: NewEvent, ack: Option<oneshot::Sender<Arc<Event>>> },
    /// A turn's start or end: the `session.updated` of the view it leaves (when that changed), its `turn.started`
    /// or `turn.completed` (none for the start the 202 path records), and its record, committed in one
    /// transaction, which gives the record the event's seq (see [`TurnChange`]).
    /// Boxed: every slot of the queue is as large as its largest variant, and the stream's events are small.
    Turn(Box<TurnSubmission>),
    /// Answered once everything queued before it is committed; it takes no seq and is never stored.
    Flush(oneshot::Sender<()>),
    /// PostgreSQL: another host committed events (or the listener may have missed some): broadcast what the store
    /// has beyond what this host broadcast.
    Remote,
}

/// What [`Submission::Turn`] carries.
struct TurnSubmission {
    view: Option<NewEvent>,
    event: Option<NewEvent>,
    change: TurnChange,
    ack: oneshot::Sender<TurnLogged>,
}

/// A turn's start or end, committed: its event (when it had one), and whether its record went in the same
/// transaction.
#[derive(Debug, Clone)]
pub struct TurnLogged {
    pub event: Option<Arc<Event>>,
    /// False when the first commit of the batch failed and it was committed without the turn records (a write of
    /// theirs must never hold the log up): the caller records the change through the pool.
    pub recorded: bool,
}

/// A turn's start or end in the writer's queue ([`EventLog::queue_turn`]).
#[derive(Debug)]
pub struct QueuedTurn {
    ack: oneshot::Receiver<TurnLogged>,
    /// [`COMMIT_WAIT`] after it was queued: its waiter gives up then (it stays queued).
    deadline: tokio::time::Instant,
}

impl QueuedTurn {
    /// Wait until it is committed; None when the log could not commit it by the deadline. Cancel-safe: a wait
    /// dropped before the commit can be started again, against the same deadline.
    pub async fn committed(&mut self) -> Option<TurnLogged> {
        match tokio::time::timeout_at(self.deadline, &mut self.ack).await {
            Ok(logged) => logged.ok(),
            Err(_) => {
                tracing::error!("the event log could not commit a turn's start or end in time; going on without waiting longer");
                None
            }
        }
    }
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
    /// The writer thread, woken by a caller that waits for a commit while a batch is held open.
    writer: std::thread::Thread,
    /// PostgreSQL: dropped with the last handle, which stops the listener task.
    _listening: Option<oneshot::Sender<()>>,
}

/// What the writer thread shares with the handles (not the queue's sender: the writer must see it close).
struct Shared {
    live: broadcast::Sender<Arc<Event>>,
    /// Every event but the pieces of a streamed item ([`Event::is_stream_piece`]), for the host's followers that act
    /// on state changes only: a paced stream then wakes the websocket clients that show it, not them.
    settled: broadcast::Sender<Settled>,
    last_committed: AtomicI64,
    healthy: AtomicBool,
    /// Set by the writer, cleared by the checkpointer.
    dirty: AtomicBool,
    /// Wakes the checkpointer when the writer sets `dirty`. Its own `Arc`: the checkpointer waits on it without
    /// keeping the rest alive (the live channel closes when the log is dropped).
    written: Arc<Notify>,
    /// When the writer last committed (ms since the epoch).
    last_write_ms: AtomicI64,
    /// Set while the writer holds a batch open ([`LINGER`]): somebody waiting for a commit must wake it.
    lingering: AtomicBool,
    /// Submissions handed to the writer thread and not yet broadcast. A publisher commits an event itself only
    /// while this is zero: nothing it published before is still on its way.
    queued: AtomicUsize,
    /// The connection and the counters of whoever commits: the writer thread for each batch, a publisher for an
    /// event it commits itself ([`commit_here`]). None once the writer thread has stopped.
    state: Mutex<Option<WriterState>>,
    /// SQLite: a publisher may commit a lone event itself (on PostgreSQL a commit is a round trip).
    commits_here: bool,
}

/// An event of the settled feed ([`EventLog::subscribe_settled`]) and where it follows on from: every event with a
/// seq between `after` and its own is a piece of a stream, so a reader that has passed `after` missed nothing of this
/// feed (a [`Subscription`](super::Subscription) without the pieces reads the store only when it did).
#[derive(Debug, Clone)]
pub struct Settled {
    pub after: i64,
    pub event: Arc<Event>,
}

/// Events the writer reads per query when it catches up with other hosts' commits.
const CATCH_UP_PAGE: i64 = 1024;
/// How long the listener waits before it connects again after its connection failed to come back.
const LISTEN_RETRY: Duration = Duration::from_secs(1);

impl EventLog {
    /// Start the writer. `retention` is how many events to keep.
    pub async fn start(store: Store, retention: i64) -> StoreResult<Self> {
        // Listening before the newest seq is read: nothing committed after that read goes unheard.
        let mut listener = store.event_listener().await?;
        let (_, last) = store.event_bounds().await?;
        let writer = store.event_writer()?;
        // This host's writer broadcasts its own batches: its announcements are for the other hosts.
        if let (Some(listener), Some(origin)) = (listener.as_mut(), writer.origin()) {
            listener.ignore(origin);
        }
        let (queue, rx) = mpsc::channel(QUEUE_CAPACITY);
        let (live, _) = broadcast::channel(BROADCAST_CAPACITY);
        let (settled, _) = broadcast::channel(SETTLED_CAPACITY);
        let shared = Arc::new(Shared {
            live,
            settled,
            last_committed: AtomicI64::new(last),
            healthy: AtomicBool::new(true),
            dirty: AtomicBool::new(false),
            written: Arc::new(Notify::new()),
            last_write_ms: AtomicI64::new(0),
            lingering: AtomicBool::new(false),
            queued: AtomicUsize::new(0),
            state: Mutex::new(Some(WriterState::new(writer, last, retention.max(1)))),
            commits_here: store.engine() == crate::store::Engine::Sqlite,
        });
        let writer_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("event-writer".into())
            .spawn(move || write_loop(&writer_shared, rx))
            .map_err(|e| StoreError::Database(e.into()))?;
        // WAL checkpoints are SQLite's; PostgreSQL runs its own.
        if store.engine() == crate::store::Engine::Sqlite {
            tokio::spawn(checkpoint_loop(store.clone(), Arc::downgrade(&shared)));
        }
        let writer = thread.thread().clone();
        let listening = listener.map(|listener| {
            let (stop, stopped) = oneshot::channel();
            tokio::spawn(listen_loop(listener, stopped, queue.downgrade(), Arc::downgrade(&shared), writer.clone()));
            stop
        });
        Ok(Self { inner: Arc::new(Inner { store, queue, shared, writer, _listening: listening }) })
    }

    /// Queue a submission somebody waits for: a batch the writer holds open is committed now, not after [`LINGER`].
    async fn submit_urgent(&self, submission: Submission) -> bool {
        submit_urgent(&self.inner.queue, &self.inner.shared, &self.inner.writer, submission).await
    }

    /// Append without waiting for the commit. Order among all publishers is the order of these calls. A lone event
    /// (a stream's piece at a model's pace) is committed and broadcast on the caller's thread before this returns;
    /// a burst's are queued for the writer thread, which commits them in batches.
    pub async fn publish(&self, event: NewEvent) {
        let Err(submission) = commit_here(&self.inner.shared, Submission::Event { event, ack: None }) else { return };
        enqueue(&self.inner.queue, &self.inner.shared, submission).await;
    }

    /// Append and wait until it is committed and broadcast: what an API call records is in the log before the
    /// call answers. None when the log cannot commit within [`COMMIT_WAIT`] (the event stays queued and is
    /// committed once the store can write again, unless the queue itself stayed full all that time).
    pub async fn publish_committed(&self, event: NewEvent) -> Option<Arc<Event>> {
        let (tx, rx) = oneshot::channel();
        let kind = event.kind.clone();
        if !self.submit_urgent(Submission::Event { event, ack: Some(tx) }).await {
            return None;
        }
        self.committed(rx, &kind).await
    }

    /// Queue a turn's start or end: `view`, the session's `session.updated` as the change leaves it (None when
    /// unchanged), then `event` (`turn.started` or `turn.completed`; None for a record alone), and the change to
    /// the turn record, committed together. None when the log is gone.
    pub async fn queue_turn(&self, view: Option<NewEvent>, event: Option<NewEvent>, change: TurnChange) -> Option<QueuedTurn> {
        let (ack, rx) = oneshot::channel();
        let deadline = tokio::time::Instant::now() + self.commit_wait();
        let submission = Submission::Turn(Box::new(TurnSubmission { view, event, change, ack }));
        // Committed here when the writer thread is idle: the caller's wait then ends at once.
        let Err(submission) = commit_here(&self.inner.shared, submission) else { return Some(QueuedTurn { ack: rx, deadline }) };
        self.submit_urgent(submission).await.then_some(QueuedTurn { ack: rx, deadline })
    }

    /// How long a caller waits for a commit: [`COMMIT_WAIT`], or not at all while the log is known not to commit
    /// (its last commit failed): the caller then answers at once.
    fn commit_wait(&self) -> Duration {
        if self.healthy() { COMMIT_WAIT } else { Duration::ZERO }
    }

    /// Wait for a queued commit, at most [`COMMIT_WAIT`]; None when the log could not commit in that time (the
    /// submission stays queued and is committed once the store can write again).
    async fn committed<T>(&self, ack: oneshot::Receiver<T>, what: &str) -> Option<T> {
        let wait = self.commit_wait();
        match tokio::time::timeout(wait, ack).await {
            Ok(committed) => committed.ok(),
            Err(_) => {
                tracing::error!(event = %what, "the event log could not commit within {wait:?}; answering without waiting longer");
                None
            }
        }
    }

    pub fn subscribe_live(&self) -> broadcast::Receiver<Arc<Event>> {
        self.inner.shared.live.subscribe()
    }

    /// Like [`EventLog::subscribe_live`] without the pieces of streamed items (deltas): for a follower that waits
    /// for state changes (a job's, the runtime's, an account's), which a stream would otherwise wake per delta.
    pub fn subscribe_settled(&self) -> broadcast::Receiver<Settled> {
        self.inner.shared.settled.subscribe()
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
        // Nothing handed to the writer thread is on its way (the writer counts it down once broadcast), and what a
        // publisher committed itself was committed before its call returned: there is nothing to wait for, and the
        // round trip to the writer thread (a wake-up of it and one of this task) is spared. A turn's start on the
        // relay's path waits for a flush like this (`Sessions::queue_turn`).
        if self.inner.shared.queued.load(Ordering::Acquire) == 0 {
            return;
        }
        let (tx, rx) = oneshot::channel();
        if self.submit_urgent(Submission::Flush(tx)).await {
            let _ = rx.await;
        }
    }
}

/// Hand a submission to the writer thread; false when it has stopped.
async fn enqueue(queue: &mpsc::Sender<Submission>, shared: &Shared, submission: Submission) -> bool {
    // Counted before it is sent: from here on no later event of this caller's is committed ahead of it.
    shared.queued.fetch_add(1, Ordering::AcqRel);
    if queue.send(submission).await.is_err() {
        shared.queued.fetch_sub(1, Ordering::AcqRel);
        return false;
    }
    true
}

/// Queue a submission somebody waits for, waking a writer that holds a batch open.
async fn submit_urgent(queue: &mpsc::Sender<Submission>, shared: &Shared, writer: &std::thread::Thread, submission: Submission) -> bool {
    if !enqueue(queue, shared, submission).await {
        return false;
    }
    // Pairs with the fence in `linger`: either the writer sees this submission when it drains the queue, or
    // this sees it lingering and wakes it (an unpark before its park makes the park return at once).
    fence(Ordering::SeqCst);
    if shared.lingering.load(Ordering::Relaxed) {
        writer.unpark();
    }
    true
}

/// PostgreSQL: hear the writers of the other hosts announce their commits and hand the writer thread those beyond
/// what it broadcast. Ends with the log (`stop` closes) or when the writer is gone.
async fn listen_loop(
    mut listener: crate::store::EventListener,
    mut stop: oneshot::Receiver<()>,
    queue: mpsc::WeakSender<Submission>,
    shared_of: Weak<Shared>,
    writer: std::thread::Thread,
) {
    loop {
        let heard = tokio::select! {
            _ = &mut stop => return,
            heard = listener.recv() => heard,
        };
        let Some(shared) = shared_of.upgrade() else { return };
        match heard {
            Ok(Some(seq)) if seq <= shared.last_committed.load(Ordering::Acquire) => continue,
            // Newer events, or a connection that was lost and comes back: what went by is in the store.
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?LISTEN_RETRY, "lost the event log's listener connection; other hosts' events wait until it is back");
                drop(shared);
                // Listening again before the writer reads the store, so nothing committed after that read goes
                // unheard.
                loop {
                    tokio::select! {
                        _ = &mut stop => return,
                        _ = tokio::time::sleep(LISTEN_RETRY) => {}
                    }
                    match listener.reconnect().await {
                        Ok(()) => break,
                        Err(e) => tracing::debug!(error = %e, "the event log's listener cannot connect yet"),
                    }
                }
                tracing::info!("the event log's listener is back");
            }
        }
        let Some(shared) = shared_of.upgrade() else { return };
        let Some(queue) = queue.upgrade() else { return };
        if !submit_urgent(&queue, &shared, &writer, Submission::Remote).await {
            return;
        }
    }
}

/// Passive checkpoints on the pool, beside the writer: when the log has been quiet for a moment (and the writer
/// or, at longer intervals, the pool wrote something), or when the WAL grew too big to wait. A checkpoint of an idle
/// log whose WAL file a burst grew past [`WAL_KEEP_BYTES`] also truncates it. It sleeps until
/// something can be due: while the log has uncheckpointed commits, [`CHECKPOINT_POLL`] at a time until the log is
/// quiet; otherwise until the writer's next commit or the next [`CHECKPOINT_EVERY`] (an idle host wakes for it
/// every 5 s, not ten times a second).
async fn checkpoint_loop(store: Store, shared: Weak<Shared>) {
    let Some(written) = shared.upgrade().map(|s| s.written.clone()) else { return };
    let mut last_checkpoint = now_ms();
    loop {
        let wait = {
            let Some(shared) = shared.upgrade() else { return };
            let now = now_ms();
            let idle_for = now - shared.last_write_ms.load(Ordering::Relaxed);
            let quiet = idle_for >= CHECKPOINT_WHEN_IDLE_FOR;
            let due = shared.dirty.load(Ordering::Relaxed) || now - last_checkpoint >= CHECKPOINT_EVERY;
            let wal_bytes = store.wal_bytes();
            if (quiet && due) || wal_bytes > CHECKPOINT_WAL_BYTES {
                shared.dirty.store(false, Ordering::Relaxed);
                last_checkpoint = now;
                if let Err(e) = store.checkpoint().await {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
                // After the passive checkpoint, so that the truncation has nothing left to copy while writers wait.
                // One that gave up (a reader stayed) is tried again at the next checkpoint of an idle log.
                if idle_for >= TRUNCATE_WHEN_IDLE_FOR && wal_bytes > WAL_KEEP_BYTES {
                    if let Err(e) = store.truncate_wal().await {
                        tracing::warn!(error = %e, "WAL truncation failed");
                    }
                }
            }
            if shared.dirty.load(Ordering::Relaxed) {
                CHECKPOINT_POLL
            } else {
                Duration::from_millis((last_checkpoint + CHECKPOINT_EVERY - now_ms()).max(0) as u64).max(CHECKPOINT_POLL)
            }
        };
        tokio::select! {
            _ = written.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod several_hosts;
