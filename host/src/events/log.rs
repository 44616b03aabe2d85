//! The event log writer: one task, batches, commit before broadcast.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, oneshot};

use super::envelope::{Event, NewEvent};
use crate::store::{now_ms, NewEventRow, Store, StoreResult};

/// Events kept in the log before the oldest are pruned; readers further behind get a `reset`.
pub const DEFAULT_RETENTION: i64 = 1_000_000;
/// Live fan-out buffer per reader; a reader further behind than this is resynced from the store.
pub const BROADCAST_CAPACITY: usize = 8192;
/// Queue between producers and the writer; a full queue slows producers (app-server's stdout), never drops.
const QUEUE_CAPACITY: usize = 65_536;
/// Most events committed in one transaction.
const MAX_BATCH: usize = 2048;
/// Prune at most this often (in events written); small retentions prune after half their size.
const PRUNE_EVERY: i64 = 10_000;

struct Submission {
    event: NewEvent,
    ack: Option<oneshot::Sender<Arc<Event>>>,
}

/// Handle to the log. Cheap to clone.
#[derive(Clone)]
pub struct EventLog {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    queue: mpsc::Sender<Submission>,
    live: broadcast::Sender<Arc<Event>>,
    last_committed: AtomicI64,
    healthy: AtomicBool,
}

impl EventLog {
    /// Start the writer. `retention` is how many events to keep.
    pub async fn start(store: Store, retention: i64) -> StoreResult<Self> {
        let (_, last) = store.event_bounds().await?;
        let (queue, rx) = mpsc::channel(QUEUE_CAPACITY);
        let (live, _) = broadcast::channel(BROADCAST_CAPACITY);
        let inner = Arc::new(Inner {
            store,
            queue,
            live,
            last_committed: AtomicI64::new(last),
            healthy: AtomicBool::new(true),
        });
        tokio::spawn(write_loop(inner.clone(), rx, last, retention.max(1)));
        Ok(Self { inner })
    }

    /// Append without waiting for the commit. Order among all publishers is the order of these calls.
    pub async fn publish(&self, event: NewEvent) {
        let _ = self.inner.queue.send(Submission { event, ack: None }).await;
    }

    /// Append and wait until it is committed and broadcast.
    pub async fn publish_committed(&self, event: NewEvent) -> Option<Arc<Event>> {
        let (tx, rx) = oneshot::channel();
        self.inner.queue.send(Submission { event, ack: Some(tx) }).await.ok()?;
        rx.await.ok()
    }

    pub fn subscribe_live(&self) -> broadcast::Receiver<Arc<Event>> {
        self.inner.live.subscribe()
    }

    /// The newest committed seq.
    pub fn last_seq(&self) -> i64 {
        self.inner.last_committed.load(Ordering::Acquire)
    }

    /// False while the writer cannot commit (disk full, database locked away).
    pub fn healthy(&self) -> bool {
        self.inner.healthy.load(Ordering::Relaxed)
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Wait until everything queued so far is committed.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        let marker = NewEvent::raw("", String::new());
        if self.inner.queue.send(Submission { event: marker, ack: Some(tx) }).await.is_ok() {
            let _ = rx.await;
        }
    }
}

async fn write_loop(inner: Arc<Inner>, mut rx: mpsc::Receiver<Submission>, mut last: i64, retention: i64) {
    let mut batch: Vec<Submission> = Vec::with_capacity(MAX_BATCH);
    let mut since_prune = 0i64;
    let prune_every = PRUNE_EVERY.min((retention / 2).max(1));
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(s) => batch.push(s),
                Err(_) => break,
            }
        }
        let ts = now_ms();
        // An empty kind is a flush marker: it takes no seq and is never stored.
        let mut events = Vec::with_capacity(batch.len());
        let mut acks = Vec::new();
        for sub in batch.drain(..) {
            if sub.event.kind.is_empty() {
                if let Some(ack) = sub.ack {
                    acks.push((None, ack));
                }
                continue;
            }
            last += 1;
            let event = Arc::new(Event::from_new(last, ts, sub.event));
            if let Some(ack) = sub.ack {
                acks.push((Some(event.clone()), ack));
            }
            events.push(event);
        }
        commit(&inner, &events).await;
        inner.last_committed.store(last, Ordering::Release);
        for e in &events {
            let _ = inner.live.send(e.clone());
        }
        for (event, ack) in acks {
            let _ = ack.send(event.unwrap_or_else(|| Arc::new(Event::from_new(0, ts, NewEvent::raw("", "null".into())))));
        }
        since_prune += events.len() as i64;
        if since_prune >= prune_every {
            since_prune = 0;
            if let Err(e) = inner.store.prune_events(retention).await {
                tracing::warn!(error = %e, "could not prune the event log");
            }
        }
    }
}

/// Commit a batch, retrying until it lands: broadcasting an event that is not durable would let a client see a
/// seq that a restart reuses. While it fails, readiness says so.
async fn commit(inner: &Inner, events: &[Arc<Event>]) {
    if events.is_empty() {
        return;
    }
    let rows: Vec<NewEventRow<'_>> = events.iter().map(|e| row_of(e)).collect();
    let mut delay = Duration::from_millis(50);
    loop {
        match inner.store.append_events(&rows).await {
            Ok(()) => {
                inner.healthy.store(true, Ordering::Relaxed);
                return;
            }
            Err(e) => {
                inner.healthy.store(false, Ordering::Relaxed);
                tracing::error!(error = %e, retry_in = ?delay, "cannot write events to the store");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

fn row_of(e: &Event) -> NewEventRow<'_> {
    // The stored `data` is the envelope's data member; slicing it out of the envelope avoids keeping two copies.
    NewEventRow {
        seq: e.seq,
        ts: e.ts,
        kind: &e.kind,
        session_id: e.session_id.as_deref(),
        turn_id: e.turn_id.as_deref(),
        project_id: e.project_id.as_deref(),
        data: data_slice(&e.json),
    }
}

/// The envelope serializes `data` last, after fields that are plain strings, so its key is the first unescaped
/// `,"data":` (inside a string a quote is always escaped) and its value runs to the closing brace.
fn data_slice(json: &str) -> &str {
    match json.find(",\"data\":") {
        Some(i) => &json[i + 8..json.len() - 1],
        None => "null",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_slice_returns_the_data_member() {
        for data in [r#"{"a":"},\"data\":1"}"#, r#"{"x":1,"data":{"data":2}}"#, "null", r#""s""#] {
            let e = Event::from_new(1, 0, NewEvent::raw("x", data.into()).turn(Some(r#"t,"data":"#.into())));
            assert_eq!(data_slice(&e.json), data);
        }
    }
}
