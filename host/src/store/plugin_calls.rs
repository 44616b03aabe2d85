//! Plugin call records, written off the call path: a call hands its record to one writer task over a bounded
//! channel and goes on; the writer takes whatever is queued and inserts it in one transaction (one commit per wake,
//! not one per call), pruning each plugin's records back to [`CALLS_KEPT_PER_PLUGIN`](super::plugins::CALLS_KEPT_PER_PLUGIN) in the same transaction every
//! [`PRUNE_EVERY`] records of that plugin. A full queue slows the callers down, never drops a record; a batch the
//! store refuses is retried, then reported in the host log with its size. Readers [`CallRecorder::flush`] first, so a
//! call reported done is listed; the host flushes on shutdown, so a record survives a clean stop.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

#[cfg(test)]
use super::plugins::CALLS_KEPT_PER_PLUGIN;
use super::plugins::PluginCallRow;
use super::Store;

/// Records waiting for the writer. Beyond this, callers wait for it (they are bounded by the plugin pool anyway).
const QUEUE_CAPACITY: usize = 4096;
/// Most records in one transaction.
const MAX_BATCH: usize = 512;
/// A plugin's records are pruned after this many new ones: it keeps between `CALLS_KEPT_PER_PLUGIN` and that
/// plus this many.
pub const PRUNE_EVERY: usize = 256;
/// Attempts at one batch before it is given up (with an error in the log naming how many records were lost).
const WRITE_ATTEMPTS: u32 = 5;

enum Message {
    Call(PluginCallRow),
    /// Answered once everything queued before it is written.
    Flush(oneshot::Sender<()>),
}

/// Handle to the writer. Cheap to clone; the writer ends when the last handle is gone and its queue is written.
#[derive(Clone)]
pub struct CallRecorder {
    queue: mpsc::Sender<Message>,
}

impl CallRecorder {
    pub fn start(store: Store) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(write_loop(store, rx));
        Self { queue }
    }

    /// Queue a call's record. Waits only while the queue is full.
    pub async fn record(&self, row: PluginCallRow) {
        if let Err(e) = self.queue.send(Message::Call(row)).await {
            let Message::Call(row) = e.0 else { unreachable!("a call was sent") };
            tracing::error!(plugin = %row.plugin_id, trigger = %row.trigger, "the call record writer has stopped; a call record is lost");
        }
    }

    /// Wait until every record queued before this call is written (or given up).
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.queue.send(Message::Flush(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

async fn write_loop(store: Store, mut rx: mpsc::Receiver<Message>) {
    let mut rows: Vec<PluginCallRow> = Vec::new();
    let mut acks: Vec<oneshot::Sender<()>> = Vec::new();
    let mut since_prune: HashMap<String, usize> = HashMap::new();
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        while let Some(m) = next.take() {
            match m {
                Message::Call(row) => rows.push(row),
                Message::Flush(ack) => acks.push(ack),
            }
            if rows.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        if !rows.is_empty() {
            let mut prune = Vec::new();
            for row in &rows {
                let n = match since_prune.get_mut(row.plugin_id.as_str()) {
                    Some(n) => n,
                    None => since_prune.entry(row.plugin_id.clone()).or_default(),
                };
                *n += 1;
                if *n >= PRUNE_EVERY {
                    *n = 0;
                    prune.push(row.plugin_id.clone());
                }
            }
            write(&store, &rows, &prune).await;
            rows.clear();
        }
        for ack in acks.drain(..) {
            let _ = ack.send(());
        }
    }
}

async fn write(store: &Store, rows: &[PluginCallRow], prune: &[String]) {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match store.record_plugin_calls(rows, prune).await {
            Ok(()) => return,
            Err(e) if attempt < WRITE_ATTEMPTS => {
                tracing::warn!(records = rows.len(), attempt, error = %e, "could not write plugin call records; retrying");
                tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
            }
            Err(e) => {
                tracing::error!(records = rows.len(), error = %e, "could not write plugin call records; they are lost");
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::now_ms;

    fn row(plugin: &str, i: usize) -> PluginCallRow {
        PluginCallRow {
            id: uuid::Uuid::now_v7().to_string(),
            plugin_id: plugin.into(),
            trigger: format!("event:bench#{i}"),
            started_at: now_ms(),
            duration_us: 1,
            outcome: "ok".into(),
            error: None,
            denials: None,
            stderr: None,
        }
    }

    #[tokio::test]
    async fn records_are_listed_after_a_flush_and_pruned_in_batches_keeping_the_newest() {
        let (store, _scratch) = crate::store::testing::scratch("calls").await;
        let recorder = CallRecorder::start(store.clone());
        let n = CALLS_KEPT_PER_PLUGIN as usize + 3 * PRUNE_EVERY + 7;
        let mut ids = Vec::new();
        for i in 0..n {
            let r = row("a", i);
            ids.push(r.id.clone());
            recorder.record(r).await;
        }
        recorder.record(row("b", 0)).await;
        recorder.flush().await;
        let a = store.plugin_calls("a", i64::MAX).await.unwrap();
        assert!(a.len() >= CALLS_KEPT_PER_PLUGIN as usize && a.len() < CALLS_KEPT_PER_PLUGIN as usize + PRUNE_EVERY, "{} kept", a.len());
        // The newest are the ones kept, every one of them.
        let kept: std::collections::HashSet<_> = a.iter().map(|c| c.id.as_str()).collect();
        assert!(ids[n - CALLS_KEPT_PER_PLUGIN as usize..].iter().all(|id| kept.contains(id.as_str())));
        assert_eq!(store.plugin_calls("b", 10).await.unwrap().len(), 1, "another plugin's records are its own");
    }

    #[tokio::test]
    async fn flushed_records_are_in_the_database_for_the_next_start() {
        let (store, scratch) = crate::store::testing::scratch("calls").await;
        let recorder = CallRecorder::start(store.clone());
        for i in 0..100 {
            recorder.record(row("a", i)).await;
        }
        // A clean stop: flushed, then dropped; a new store on the same file sees every record.
        recorder.flush().await;
        drop(recorder);
        drop(store);
        let reopened = scratch.db.open(&scratch.dir.0).await;
        assert_eq!(reopened.plugin_calls("a", i64::MAX).await.unwrap().len(), 100);
    }
}
