//! The event log writer: one task, batches, commit before broadcast.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, oneshot};

use super::envelope::{format_ts, push_json_opt, push_json_str, Event, NewEvent};
use crate::store::{now_ms, EventWriter, Store, StoreResult};

/// Events kept in the log before the oldest are pruned; readers further behind get a `reset`.
pub const DEFAULT_RETENTION: i64 = 1_000_000;
/// Live fan-out buffer per reader; a reader further behind than this is resynced from the store.
pub const BROADCAST_CAPACITY: usize = 8192;
/// Queue between producers and the writer. A full queue slows producers (in the end app-server's stdout pipe),
/// never drops; small, because a burst parked here is memory the host keeps afterwards.
const QUEUE_CAPACITY: usize = 4096;
/// Most events committed in one statement.
const MAX_BATCH: usize = 1024;
/// Prune at most this often (in events written); small retentions prune after half their size.
const PRUNE_EVERY: i64 = 10_000;
/// How often the WAL is checkpointed (when something was written).
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);
/// After this many events, an idle writer hands freed memory back to the OS.
const TRIM_AFTER: i64 = 20_000;

struct Submission {
    event: NewEvent,
    ack: Option<oneshot::Sender<Option<Arc<Event>>>>,
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
    /// Set by the writer, cleared by the checkpointer.
    dirty: AtomicBool,
}

impl EventLog {
    /// Start the writer. `retention` is how many events to keep.
    pub async fn start(store: Store, retention: i64) -> StoreResult<Self> {
        let (_, last) = store.event_bounds().await?;
        let writer = store.event_writer().await?;
        let (queue, rx) = mpsc::channel(QUEUE_CAPACITY);
        let (live, _) = broadcast::channel(BROADCAST_CAPACITY);
        let inner = Arc::new(Inner {
            store,
            queue,
            live,
            last_committed: AtomicI64::new(last),
            healthy: AtomicBool::new(true),
            dirty: AtomicBool::new(false),
        });
        tokio::spawn(write_loop(inner.clone(), writer, rx, last, retention.max(1)));
        tokio::spawn(checkpoint_loop(Arc::downgrade(&inner)));
        Ok(Self { inner })
    }

    /// Append without waiting for the commit. Order among all publishers is the order of these calls.
    pub async fn publish(&self, event: NewEvent) {
        let _ = self.inner.queue.send(Submission { event, ack: None }).await;
    }

    /// Append and wait until it is committed and broadcast: what an API call records is in the log before the
    /// call answers.
    pub async fn publish_committed(&self, event: NewEvent) -> Option<Arc<Event>> {
        let (tx, rx) = oneshot::channel();
        self.inner.queue.send(Submission { event, ack: Some(tx) }).await.ok()?;
        rx.await.ok().flatten()
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
        let marker = NewEvent { kind: String::new(), session_id: None, turn_id: None, project_id: None, data: String::new() };
        if self.inner.queue.send(Submission { event: marker, ack: Some(tx) }).await.is_ok() {
            let _ = rx.await;
        }
    }
}

async fn write_loop(inner: Arc<Inner>, mut writer: EventWriter, mut rx: mpsc::Receiver<Submission>, mut last: i64, retention: i64) {
    let mut batch: Vec<Submission> = Vec::with_capacity(MAX_BATCH);
    let mut rows = String::new();
    let mut since_prune = 0i64;
    let mut since_trim = 0i64;
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
        let ts_text = format_ts(ts);
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
            let event = Arc::new(Event::from_new(last, ts, &ts_text, sub.event));
            if let Some(ack) = sub.ack {
                acks.push((Some(event.clone()), ack));
            }
            events.push(event);
        }
        if !events.is_empty() {
            rows_json(&events, &mut rows);
            commit(&inner, &mut writer, &rows).await;
            inner.dirty.store(true, Ordering::Relaxed);
        }
        inner.last_committed.store(last, Ordering::Release);
        for e in &events {
            let _ = inner.live.send(e.clone());
        }
        for (event, ack) in acks {
            let _ = ack.send(event);
        }
        since_prune += events.len() as i64;
        since_trim += events.len() as i64;
        if since_prune >= prune_every {
            since_prune = 0;
            if let Err(e) = inner.store.prune_events(retention).await {
                tracing::warn!(error = %e, "could not prune the event log");
            }
        }
        if since_trim >= TRIM_AFTER && rx.is_empty() {
            since_trim = 0;
            rows = String::new();
            release_freed_memory().await;
        }
    }
}

/// The batch as the JSON array of rows the store's append statement takes.
fn rows_json(events: &[Arc<Event>], out: &mut String) {
    out.clear();
    out.push('[');
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        out.push_str(&e.seq.to_string());
        out.push(',');
        out.push_str(&e.ts.to_string());
        out.push(',');
        push_json_str(out, &e.kind);
        out.push(',');
        push_json_opt(out, e.session_id.as_deref());
        out.push(',');
        push_json_opt(out, e.turn_id.as_deref());
        out.push(',');
        push_json_opt(out, e.project_id.as_deref());
        out.push(',');
        out.push_str(e.data_text());
        out.push(']');
    }
    out.push(']');
}

/// Commit a batch, retrying until it lands: broadcasting an event that is not durable would let a client see a
/// seq that a restart reuses. While it fails, readiness says so.
async fn commit(inner: &Inner, writer: &mut EventWriter, rows: &str) {
    let mut delay = Duration::from_millis(50);
    loop {
        match writer.append_json(rows).await {
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

/// Checkpoints run here, beside the writer, so their fsync never sits inside an event commit.
async fn checkpoint_loop(inner: std::sync::Weak<Inner>) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(inner) = inner.upgrade() else { return };
        if inner.dirty.swap(false, Ordering::Relaxed) {
            if let Err(e) = inner.store.checkpoint().await {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        }
    }
}

/// After a burst, give the allocator's freed pages back, so idle memory stays flat.
async fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    let _ = tokio::task::spawn_blocking(|| {
        // SAFETY: malloc_trim only returns free heap pages to the OS; it has no preconditions.
        unsafe { libc::malloc_trim(0) };
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_embed_data_verbatim() {
        let e = Arc::new(Event::from_new(3, 9, "t", NewEvent::raw("k\"", r#"{"a":[1,"\u00e9"]}"#.into()).turn(Some("t1".into()))));
        let mut out = String::new();
        rows_json(&[e], &mut out);
        assert_eq!(out, r#"[[3,9,"k\"",null,"t1",null,{"a":[1,"\u00e9"]}]]"#);
    }
}
