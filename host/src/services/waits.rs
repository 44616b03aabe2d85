//! Waiting for something to end (a turn, a job) without polling: a `?wait=` read registers for the end, reads the
//! record, and sleeps until the owner says it ended or the wait runs out. Nothing is spawned, so a caller that goes
//! away leaves nothing behind.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use tokio::sync::Notify;
use utoipa::IntoParams;

use super::error::{ServiceError, ServiceResult};

/// Longest `?wait=` a read holds: a longer one is cut to this, so a request never outlives a proxy's idle timeout;
/// a client that wants longer asks again.
pub const MAX_WAIT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct WaitQuery {
    /// Wait up to this long for it to end before answering (`30s`, `500ms`, `1m`; at most 60 s, a longer wait is
    /// cut to 60 s). The answer is the record then: a final state, or the running one if the wait ran out.
    pub wait: Option<String>,
}

impl WaitQuery {
    pub fn limit(&self) -> ServiceResult<Duration> {
        let Some(text) = self.wait.as_deref() else { return Ok(Duration::ZERO) };
        let wait = humantime::parse_duration(text.trim())
            .map_err(|_| ServiceError::invalid("`wait` must be a duration such as `30s`, `500ms` or `1m`"))?;
        Ok(wait.min(MAX_WAIT))
    }
}

/// Who waits for which end. The owner calls [`EndWaiters::ended`] once the record holds the end; a waiter registers
/// before it reads the record, so an end between the read and the wait still wakes it.
#[derive(Default)]
pub(super) struct EndWaiters {
    waiting: Mutex<HashMap<String, Arc<Notify>>>,
}

impl EndWaiters {
    fn watch(&self, id: &str) -> EndWatch<'_> {
        let notify = self.waiting.lock().expect("end waiters poisoned").entry(id.to_string()).or_default().clone();
        EndWatch { ends: self, id: id.to_string(), notify: Some(notify) }
    }

    /// `id`'s end is in its record: wake whoever waits for it.
    pub(super) fn ended(&self, id: &str) {
        if let Some(n) = self.waiting.lock().expect("end waiters poisoned").get(id) {
            n.notify_waiters();
        }
    }

    /// `read` the record of `id` until `is_final` says it ended or `limit` runs out (then the last read).
    pub(super) async fn wait_for_end<T, Fut>(
        &self,
        id: &str,
        limit: Duration,
        read: impl Fn() -> Fut,
        is_final: impl Fn(&T) -> bool,
    ) -> ServiceResult<T>
    where
        Fut: Future<Output = ServiceResult<T>>,
    {
        let watch = self.watch(id);
        let notify = watch.notify.clone().expect("a live watch holds its notify");
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let ended = notify.notified();
            tokio::pin!(ended);
            // Registered before the read: an end recorded after it wakes this wait.
            ended.as_mut().enable();
            let record = read().await?;
            if is_final(&record) || tokio::time::timeout_at(deadline, ended).await.is_err() {
                return Ok(record);
            }
        }
    }

    #[cfg(test)]
    fn watched(&self) -> usize {
        self.waiting.lock().expect("end waiters poisoned").len()
    }
}

/// A waiter's registration; dropping it (the wait ended, or its client went away) removes the entry once nobody
/// else waits for it.
struct EndWatch<'a> {
    ends: &'a EndWaiters,
    id: String,
    notify: Option<Arc<Notify>>,
}

impl Drop for EndWatch<'_> {
    fn drop(&mut self) {
        let mut map = self.ends.waiting.lock().expect("end waiters poisoned");
        // Counted under the map's lock, where every clone is made: the map's own handle plus this one.
        if self.notify.take().is_some_and(|n| Arc::strong_count(&n) == 2) {
            map.remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_end_wakes_a_registered_waiter_and_its_entry_goes_when_the_last_waiter_leaves() {
        let ends = EndWaiters::default();
        let first = ends.watch("turn-1");
        let second = ends.watch("turn-1");
        {
            let notify = first.notify.clone().unwrap();
            let woken = notify.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            // The end comes between registering and waiting: it is not lost.
            ends.ended("turn-1");
            tokio::time::timeout(Duration::from_secs(5), woken).await.expect("the end wakes the waiter");
        }
        drop(first);
        assert_eq!(ends.watched(), 1, "another waiter still waits");
        drop(second);
        assert_eq!(ends.watched(), 0, "nobody waits: nothing is kept");
        ends.ended("turn-1");
    }

    #[tokio::test]
    async fn a_wait_answers_at_the_end_or_with_the_last_read_when_it_runs_out() {
        let ends = Arc::new(EndWaiters::default());
        let state = Arc::new(Mutex::new("running"));
        let read = || {
            let state = state.clone();
            async move { Ok::<_, ServiceError>(*state.lock().unwrap()) }
        };
        let ran_out = ends.wait_for_end("job-1", Duration::from_millis(20), read, |s| *s == "done").await.unwrap();
        assert_eq!(ran_out, "running");
        let waiter = {
            let (ends, state) = (ends.clone(), state.clone());
            tokio::spawn(async move {
                let read = || {
                    let state = state.clone();
                    async move { Ok::<_, ServiceError>(*state.lock().unwrap()) }
                };
                ends.wait_for_end("job-1", Duration::from_secs(30), read, |s| *s == "done").await.unwrap()
            })
        };
        while ends.watched() == 0 {
            tokio::task::yield_now().await;
        }
        *state.lock().unwrap() = "done";
        ends.ended("job-1");
        assert_eq!(tokio::time::timeout(Duration::from_secs(5), waiter).await.unwrap().unwrap(), "done");
        assert_eq!(ends.watched(), 0);
    }

    #[test]
    fn a_wait_is_a_duration_cut_to_the_cap() {
        let q = |w: &str| WaitQuery { wait: Some(w.into()) }.limit();
        assert_eq!(q("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(q("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(q("10m").unwrap(), MAX_WAIT);
        assert_eq!(WaitQuery::default().limit().unwrap(), Duration::ZERO);
        assert!(q("soon").is_err());
    }
}
