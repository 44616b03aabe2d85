//! Committing: the writer thread, which takes what producers queue in batches, and a publisher's own commit of a lone
//! event or a turn's start or end ([`commit_here`]). Both take the log's [`WriterState`] for a commit and broadcast
//! only after it, so the seqs, the store and the feeds keep one order whichever thread committed.

use std::sync::atomic::{fence, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::{Settled, Shared, Submission, TurnLogged, TurnSubmission, CATCH_UP_PAGE, LINGER, LINGER_BELOW, LINGER_MIN_READERS, MAX_BATCH, PRUNE_EVERY, STREAM_GAP};
use crate::events::envelope::{format_ts, Event, NewEvent};
use crate::store::{now_ms, EventRowRef, EventWriter, TurnChange};

/// An event published this long after the last commit is committed by its publisher, on its own thread: it is a
/// stream's next piece at a model's pace (2,000 a second are 500 µs apart), or a lone event, and handing it to the
/// writer thread would cost a wake-up of that thread and one of a tokio worker for each reader it broadcasts to.
/// Sooner, it is part of a burst, which the writer thread commits in batches while the publisher goes on.
const COMMIT_HERE_AFTER: Duration = Duration::from_micros(100);

/// The log's connection and counters: whoever commits holds it, from the commit to the broadcast.
pub(super) struct WriterState {
    writer: EventWriter,
    /// The newest seq committed. It runs ahead of `broadcast` only between a commit and its broadcast; on
    /// PostgreSQL, other hosts' commits move both on.
    last: i64,
    /// The newest seq broadcast.
    broadcast: i64,
    /// The newest seq broadcast on the settled feed, or later when the broadcast skipped seqs (see [`Settled`]).
    settled: i64,
    /// Events committed since the last prune, and how many make the next one due.
    since_prune: i64,
    prune_every: i64,
    /// Events kept.
    retention: i64,
    /// When the last commit ended; None before the first.
    committed_at: Option<Instant>,
}

impl WriterState {
    /// `last` is the newest seq in the store; `retention` how many events to keep.
    pub(super) fn new(writer: EventWriter, last: i64, retention: i64) -> Self {
        let prune_every = PRUNE_EVERY.min((retention / 2).max(1));
        Self { writer, last, broadcast: last, settled: last, since_prune: 0, prune_every, retention, committed_at: None }
    }

    /// What every commit of events is followed by, before its broadcast.
    fn committed(&mut self, shared: &Shared, events: usize) {
        self.committed_at = Some(Instant::now());
        self.since_prune += events as i64;
        if !shared.dirty.swap(true, Ordering::Relaxed) {
            shared.written.notify_one();
        }
        shared.last_write_ms.store(now_ms(), Ordering::Relaxed);
    }

    /// Send committed events (in seq order) to their readers: the live feed first (its readers, the websocket
    /// clients, are the ones somebody watches, so their tasks are woken, and run, ahead of the followers'), then the
    /// settled feed all but the pieces of streams.
    fn broadcast(&mut self, shared: &Shared, events: &[Arc<Event>]) {
        for e in events {
            let _ = shared.live.send(e.clone());
        }
        for e in events {
            if e.seq != self.broadcast + 1 {
                // Seqs this host did not broadcast (PostgreSQL: a catch-up read that failed) may hold settled
                // events: a reader of the settled feed must not take the next one as following on from what it saw.
                self.settled = e.seq - 1;
            }
            self.broadcast = e.seq;
            if !e.is_stream_piece() {
                let after = std::mem::replace(&mut self.settled, e.seq);
                let _ = shared.settled.send(Settled { after, event: e.clone() });
            }
        }
    }
}

/// Commit a lone event (a [`Submission::Event`] nobody waits for) or a turn's start or end ([`Submission::Turn`]) on
/// the publisher's thread and broadcast it from there (answering the turn's waiter at once). Gives the submission
/// back when the writer thread must take it instead: when anything is queued for that thread (a submission made
/// before this one may be on its way: order is the order of the calls), when a lone event is part of a burst
/// ([`COMMIT_HERE_AFTER`]) or would be held open for many readers ([`LINGER_MIN_READERS`]), when a prune is due, and
/// when the store is busy or failing (the writer thread waits and retries, and writes a turn's record apart from its
/// events when it must; this thread is a tokio worker and must not). SQLite only: on PostgreSQL a commit is a round
/// trip through the runtime.
///
/// Done here, the readers' tasks are woken from the tokio worker that read the event, which runs them next, and
/// the writer thread does not wake at all: a paced delta costs one wake-up instead of four or five
/// (docs/benchmarks.md, "Commit on the publisher's thread").
pub(super) fn commit_here(shared: &Shared, submission: Submission) -> Result<(), Submission> {
    // A turn's waiter is answered as soon as it is committed, by whichever thread: the writer never holds it open.
    let (lone_event, count) = match &submission {
        Submission::Event { ack: None, .. } => (true, 1),
        Submission::Turn(t) => (false, i64::from(t.view.is_some()) + i64::from(t.event.is_some())),
        _ => return Err(submission),
    };
    if !shared.commits_here || shared.queued.load(Ordering::Acquire) != 0 || (lone_event && shared.live.receiver_count() >= LINGER_MIN_READERS) {
        return Err(submission);
    }
    // Never waits: a writer thread in the middle of a batch has it.
    let Ok(mut guard) = shared.state.try_lock() else { return Err(submission) };
    let Some(state) = guard.as_mut() else { return Err(submission) };
    let burst = state.committed_at.is_some_and(|at| at.elapsed() < COMMIT_HERE_AFTER);
    // Looked at again under the lock, which the writer thread holds until what it took is broadcast.
    let queued = shared.queued.load(Ordering::Acquire) != 0;
    if (lone_event && burst) || queued || !shared.healthy.load(Ordering::Relaxed) || state.since_prune + count >= state.prune_every {
        return Err(submission);
    }
    let first = state.last + 1;
    let ts = now_ms();
    let landed = {
        let (events, turn): (Vec<&NewEvent>, Option<(&TurnChange, bool)>) = match &submission {
            Submission::Turn(t) => (t.view.iter().chain(&t.event).collect(), Some((&t.change, t.event.is_some()))),
            Submission::Event { event, .. } => (vec![event], None),
            _ => unreachable!("only lone events and turns come this far"),
        };
        // The turn's record carries the seq of its event, the last of the batch.
        let last = first + events.len() as i64 - 1;
        let turns: Vec<_> = turn.map(|(change, has_event)| (change, has_event.then_some(last))).into_iter().collect();
        state.writer.append_now(events.iter().zip(first..).map(|(e, seq)| e.row(seq, ts)), &turns)
    };
    match landed {
        Ok(true) => {}
        Ok(false) => return Err(submission),
        Err(e) => {
            tracing::debug!(error = %e, "could not commit on the publisher's thread; the writer thread takes it");
            return Err(submission);
        }
    }
    let ts_text = format_ts(ts);
    let mut seqs = first..;
    let mut committed = |e: NewEvent| Arc::new(Event::from_new(seqs.next().expect("unbounded"), ts, &ts_text, e));
    let (events, ack) = match submission {
        Submission::Event { event, .. } => (vec![committed(event)], None),
        Submission::Turn(turn) => {
            let TurnSubmission { view, event, ack, .. } = *turn;
            let view = view.map(&mut committed);
            let event = event.map(&mut committed);
            (view.into_iter().chain(event.clone()).collect(), Some((ack, event)))
        }
        _ => unreachable!("only lone events and turns come this far"),
    };
    state.last = events.last().map_or(state.last, |e| e.seq);
    state.committed(shared, events.len());
    shared.last_committed.store(state.last, Ordering::Release);
    state.broadcast(shared, &events);
    if let Some((ack, event)) = ack {
        let _ = ack.send(TurnLogged { event, recorded: true });
    }
    drop(guard);
    crate::memory::note_activity();
    Ok(())
}

/// The writer thread's loop; returns when every [`EventLog`](super::EventLog) handle is gone and the queue is
/// drained.
pub(super) fn write_loop(shared: &Shared, mut rx: mpsc::Receiver<Submission>) {
    let mut batch: Vec<Submission> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        let arrived = Instant::now();
        batch.push(first);
        let urgent = drain(&mut rx, &mut batch);
        let mut guard = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(state) = guard.as_mut() else { return };
        let streaming = state.committed_at.is_some_and(|at| arrived.duration_since(at) < STREAM_GAP);
        if streaming && !urgent && batch.len() < LINGER_BELOW && shared.live.receiver_count() >= LINGER_MIN_READERS {
            linger(shared, &mut rx, &mut batch, arrived + LINGER);
        }
        let submissions = batch.len();
        write_batch(shared, state, &mut batch);
        // Under the lock: a publisher that finds nothing queued finds everything it published before broadcast.
        shared.queued.fetch_sub(submissions, Ordering::Release);
        drop(guard);
        // Every envelope of a burst is freed once its readers are done: trim when the log goes quiet.
        crate::memory::note_activity();
    }
    // Closed on the thread that used it (on PostgreSQL its drop gives a transaction back to the runtime).
    drop(shared.state.lock().unwrap_or_else(PoisonError::into_inner).take());
}

/// Commit a batch, broadcast it and answer whoever waits for it.
fn write_batch(shared: &Shared, state: &mut WriterState, batch: &mut Vec<Submission>) {
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
    let mut last = state.last;
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
        turns_recorded = commit(shared, &mut state.writer, &mut events, &turns);
        state.last = events.last().map_or(state.last, |e| e.seq);
        state.committed(shared, events.len());
    }
    // Other hosts' events go out first, in seq order: those committed before this batch (its seqs start beyond
    // what was broadcast), and any announced. Never on SQLite, where every seq is this log's.
    let own_from = events.first().map(|e| e.seq);
    if remote || own_from.is_some_and(|seq| seq > state.broadcast + 1) {
        catch_up(shared, state, own_from);
        state.last = state.last.max(state.broadcast);
    }
    shared.last_committed.store(state.last, Ordering::Release);
    state.broadcast(shared, &events);
    for (i, ack) in acks {
        let _ = ack.send(events[i].clone());
    }
    for (i, ack) in turn_acks {
        let _ = ack.send(TurnLogged { event: i.map(|i| events[i].clone()), recorded: turns_recorded });
    }
    for done in flushes {
        let _ = done.send(());
    }
    if state.since_prune >= state.prune_every {
        state.since_prune = 0;
        if let Err(e) = state.writer.prune(state.last - state.retention) {
            tracing::warn!(error = %e, "could not prune the event log");
        }
    }
}

/// PostgreSQL: broadcast the events in the store after `broadcast`, up to (not including) `before` when given:
/// those other hosts committed. A read that fails leaves a gap in the broadcast, which every [`Subscription`]
/// fills from the store (it reads there on any gap in seqs).
///
/// [`Subscription`]: crate::events::Subscription
fn catch_up(shared: &Shared, state: &mut WriterState, before: Option<i64>) {
    loop {
        let rows = match state.writer.events_after(state.broadcast, CATCH_UP_PAGE) {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, after = state.broadcast, "could not read other hosts' events; readers fetch them from the store");
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
            shared.last_committed.store(event.seq, Ordering::Release);
            state.broadcast(shared, std::slice::from_ref(&event));
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
///
/// [`EventLog::submit_urgent`]: super::EventLog
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

impl NewEvent {
    /// The row this event is stored as under `seq`, before its envelope is built (which only a commit is worth).
    fn row(&self, seq: i64, ts: i64) -> EventRowRef<'_> {
        EventRowRef {
            seq,
            ts,
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
