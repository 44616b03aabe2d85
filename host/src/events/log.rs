//! The event log writer: one thread, batches, commit before broadcast.
//!
//! The writer is a plain thread that owns the log's SQLite connection: producers hand it submissions over a bounded
//! channel (a full channel slows them down, never drops), it takes whatever is queued, assigns seqs, builds the
//! envelopes, commits the batch and only then broadcasts it. A burst costs one wake-up and one commit per batch.
//! While a stream runs (events arriving less than [`LINGER`] apart) to many readers ([`LINGER_MIN_READERS`]), the
//! writer holds a batch open for up to [`LINGER`] so paced events share a commit and a wake-up of every reader; a
//! lone event, an event somebody waits for, and a stream to a reader or two are committed at once. Checkpoints run elsewhere, when the log is quiet, so their fsyncs stay off the
//! stream.
//!
//! On PostgreSQL several hosts may share the log. Each batch is numbered by the database (after the newest seq,
//! under the log's lock: see `store/events.rs`), and every host's writer stays the one broadcaster of its host: a
//! listener task hears the other hosts' commits (LISTEN, no polling) and wakes the writer, which reads them from
//! the store and broadcasts them; a batch of its own whose seqs start beyond what it broadcast is preceded by the
//! events committed in between. So every reader of every host sees one order: the seqs'.

use std::sync::atomic::{fence, AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, mpsc, oneshot, Notify};

use super::envelope::{format_ts, Event, NewEvent};
use crate::store::{now_ms, EventRowRef, EventWriter, Store, StoreError, StoreResult, TurnChange};

/// Events kept in the log before the oldest are pruned; readers further behind get a `reset`.
pub const DEFAULT_RETENTION: i64 = 1_000_000;
/// Live fan-out buffer per reader; a reader further behind than this is resynced from the store.
pub const BROADCAST_CAPACITY: usize = 8192;
/// The same for the followers of state changes ([`EventLog::subscribe_settled`]): a few events a turn reach them.
const SETTLED_CAPACITY: usize = 1024;
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
/// Batches are held open only when a commit wakes at least this many live readers (websocket clients and the
/// plugin dispatcher; the host's other followers take [`EventLog::subscribe_settled`], which deltas do not wake).
/// What a shared commit saves grows with the readers woken per batch, while what holding a delta back costs does not: with a client or two, a delta committed alone
/// keeps the 0.3 ms p99 of the one-client bar (a 1 ms linger put its p50 at 0.7 ms), at ~50 µs more CPU per paced
/// delta; with 20–50 clients, sharing cuts two thirds of the CPU and the bar is 2 ms.
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
    settled: broadcast::Sender<Arc<Event>>,
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
}

impl Shared {
    /// The live feed first: its readers (the websocket clients) are the ones somebody watches, so their tasks are
    /// woken, and run, ahead of the followers'.
    fn broadcast(&self, event: &Arc<Event>) {
        let _ = self.live.send(event.clone());
        if !event.is_stream_piece() {
            let _ = self.settled.send(event.clone());
        }
    }
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
        });
        let writer_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("event-writer".into())
            .spawn(move || write_loop(&writer_shared, writer, rx, last, retention.max(1)))
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
    pub fn subscribe_settled(&self) -> broadcast::Receiver<Arc<Event>> {
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
        let (tx, rx) = oneshot::channel();
        if self.submit_urgent(Submission::Flush(tx)).await {
            let _ = rx.await;
        }
    }
}

/// Queue a submission somebody waits for, waking a writer that holds a batch open.
async fn submit_urgent(queue: &mpsc::Sender<Submission>, shared: &Shared, writer: &std::thread::Thread, submission: Submission) -> bool {
    if queue.send(submission).await.is_err() {
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

/// The writer thread's loop; returns when every [`EventLog`] handle is gone and the queue is drained.
fn write_loop(shared: &Shared, mut writer: EventWriter, mut rx: mpsc::Receiver<Submission>, mut last: i64, retention: i64) {
    // The newest seq broadcast. `last` runs ahead of it only between a commit and its broadcast; on PostgreSQL,
    // other hosts' commits move both on.
    let mut broadcast = last;
    let mut batch: Vec<Submission> = Vec::with_capacity(MAX_BATCH);
    let mut since_prune = 0i64;
    let prune_every = PRUNE_EVERY.min((retention / 2).max(1));
    // When the last commit ended; None before the first.
    let mut committed_at: Option<Instant> = None;
    while let Some(first) = rx.blocking_recv() {
        let arrived = Instant::now();
        batch.push(first);
        let urgent = drain(&mut rx, &mut batch);
        let streaming = committed_at.is_some_and(|at| arrived.duration_since(at) < STREAM_GAP);
        if streaming && !urgent && batch.len() < LINGER_BELOW && shared.live.receiver_count() >= LINGER_MIN_READERS {
            linger(shared, &mut rx, &mut batch, arrived + LINGER);
        }
        let ts = now_ms();
        let ts_text = format_ts(ts);
        let mut events = Vec::with_capacity(batch.len());
        let mut acks = Vec::new();
        // Turns' starts and ends: each change with the index of its event in `events` (if it has one), and who
        // waits for it.
        let mut turns = Vec::new();
        let mut turn_acks = Vec::new();
        let mut flushes = Vec::new();
        let mut remote = false;
        for sub in batch.drain(..) {
            match sub {
                Submission::Flush(done) => flushes.push(done),
                Submission::Remote => remote = true,
                Submission::Event { event, ack } => {
                    last += 1;
                    if let Some(ack) = ack {
                        acks.push((events.len(), ack));
                    }
                    events.push(Arc::new(Event::from_new(last, ts, &ts_text, event)));
                }
                Submission::Turn(turn) => {
                    let TurnSubmission { view, event, change, ack } = *turn;
                    let has_event = event.is_some();
                    for e in view.into_iter().chain(event) {
                        last += 1;
                        events.push(Arc::new(Event::from_new(last, ts, &ts_text, e)));
                    }
                    let at = has_event.then(|| events.len() - 1);
                    turn_acks.push((at, ack));
                    turns.push((change, at));
                }
            }
        }
        let mut turns_recorded = false;
        if !events.is_empty() || !turns.is_empty() {
            turns_recorded = commit(shared, &mut writer, &mut events, &turns);
            last = events.last().map_or(last, |e| e.seq);
            committed_at = Some(Instant::now());
            if !shared.dirty.swap(true, Ordering::Relaxed) {
                shared.written.notify_one();
            }
            shared.last_write_ms.store(now_ms(), Ordering::Relaxed);
        }
        // Other hosts' events go out first, in seq order: those committed before this batch (its seqs start beyond
        // what was broadcast), and any announced. Never on SQLite, where every seq is this writer's.
        let own_from = events.first().map(|e| e.seq);
        if remote || own_from.is_some_and(|seq| seq > broadcast + 1) {
            catch_up(shared, &mut writer, &mut broadcast, own_from);
            last = last.max(broadcast);
        }
        shared.last_committed.store(last, Ordering::Release);
        for e in &events {
            shared.broadcast(e);
        }
        broadcast = last;
        for (i, ack) in acks {
            let _ = ack.send(events[i].clone());
        }
        for (i, ack) in turn_acks {
            let _ = ack.send(TurnLogged { event: i.map(|i| events[i].clone()), recorded: turns_recorded });
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

/// PostgreSQL: broadcast the events in the store after `broadcast`, up to (not including) `before` when given:
/// those other hosts committed. A read that fails leaves a gap in the broadcast, which every [`Subscription`]
/// fills from the store (it reads there on any gap in seqs).
///
/// [`Subscription`]: super::Subscription
fn catch_up(shared: &Shared, writer: &mut EventWriter, broadcast: &mut i64, before: Option<i64>) {
    loop {
        let rows = match writer.events_after(*broadcast, CATCH_UP_PAGE) {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, after = *broadcast, "could not read other hosts' events; readers fetch them from the store");
                return;
            }
        };
        let page_full = rows.len() as i64 == CATCH_UP_PAGE;
        for row in rows {
            if before.is_some_and(|b| row.seq >= b) {
                return;
            }
            let mut event = Event::from_row(row);
            event.from_another_host = true;
            let event = Arc::new(event);
            *broadcast = event.seq;
            shared.last_committed.store(event.seq, Ordering::Release);
            shared.broadcast(&event);
        }
        if !page_full {
            return;
        }
    }
}

/// Move what is queued into the batch (up to [`MAX_BATCH`]); true when any of it is waited for (an ack or a flush).
fn drain(rx: &mut mpsc::Receiver<Submission>, batch: &mut Vec<Submission>) -> bool {
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(s) => batch.push(s),
            Err(_) => break,
        }
    }
    batch.iter().any(Submission::waited_for)
}

/// Hold the batch open until `deadline` for more events, unless it fills or somebody starts waiting for a commit.
/// The writer sleeps meanwhile instead of waiting on the queue: events that arrive do not wake it (that wake-up
/// per event is what the batch saves); only a waiting caller does ([`EventLog::submit_urgent`]).
fn linger(shared: &Shared, rx: &mut mpsc::Receiver<Submission>, batch: &mut Vec<Submission>, deadline: Instant) {
    shared.lingering.store(true, Ordering::Relaxed);
    fence(Ordering::SeqCst);
    loop {
        if drain(rx, batch) || batch.len() >= MAX_BATCH {
            break;
        }
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        std::thread::park_timeout(deadline - now);
    }
    shared.lingering.store(false, Ordering::Relaxed);
}

impl Event {
    fn row(&self) -> EventRowRef<'_> {
        EventRowRef {
            seq: self.seq,
            ts: self.ts,
            kind: &self.kind,
            session_id: self.session_id.as_deref(),
            turn_id: self.turn_id.as_deref(),
            project_id: self.project_id.as_deref(),
            data: self.data_text(),
        }
    }
}

impl Submission {
    fn waited_for(&self) -> bool {
        matches!(self, Submission::Flush(_) | Submission::Remote | Submission::Turn(_) | Submission::Event { ack: Some(_), .. })
    }
}

/// Commit a batch, retrying until it lands: broadcasting an event that is not durable would let a client see a
/// seq that a restart reuses. While it fails, readiness says so. On PostgreSQL the database numbers the batch: it
/// is numbered again when other hosts' commits took the seqs it was given.
///
/// The turn records (`turns`: each change and the index of its event, if any) go with the first attempt only: a
/// batch that failed is retried without them, so no write of theirs can hold the log up. True when they landed.
fn commit(shared: &Shared, writer: &mut EventWriter, events: &mut [Arc<Event>], turns: &[(TurnChange, Option<usize>)]) -> bool {
    let mut delay = Duration::from_millis(50);
    let mut with_turns = !turns.is_empty();
    loop {
        let landed = writer.begin().and_then(|newest| {
            if let Some(newest) = newest.filter(|n| events.first().is_some_and(|e| e.seq != n + 1)) {
                for (seq, e) in (newest + 1..).zip(events.iter_mut()) {
                    *e = Arc::new(e.renumbered(seq));
                }
            }
            let turns: Vec<_> = if with_turns { turns.iter().map(|(change, i)| (change, i.map(|i| events[i].seq))).collect() } else { Vec::new() };
            writer.append(events.iter().map(|e| e.row()), &turns)
        });
        match landed {
            Ok(()) => {
                shared.healthy.store(true, Ordering::Relaxed);
                return with_turns;
            }
            Err(e) => {
                shared.healthy.store(false, Ordering::Relaxed);
                if with_turns {
                    with_turns = false;
                    tracing::warn!(error = %e, "a batch with turn records failed to commit: retrying it without them (they are recorded through the pool)");
                }
                tracing::error!(error = %e, retry_in = ?delay, "cannot write events to the store");
                std::thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_secs(5));
            }
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
