//! Reading the host's turn record: every turn the host acknowledged, with its final state once it ended (see
//! `store/turns.rs`). Unlike the transcript, which app-server serves from Codex's history, this answers from the
//! host's own store, also while app-server is down and after a crash.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use utoipa::{IntoParams, ToSchema};

use super::Turns;
use crate::events::envelope_ts;
use crate::services::error::{ErrorCode, ServiceError, ServiceResult};
use crate::services::paging;
use crate::store::{StoreError, TurnRow, TurnStatus};

/// Largest page of turn records.
pub const MAX_TURN_RECORDS_PAGE: i64 = 200;
/// Longest `?wait=` a read of one turn holds: a longer one is cut to this, so a request never outlives a proxy's
/// idle timeout; a client that wants longer asks again.
pub const MAX_TURN_WAIT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct TurnWaitQuery {
    /// Wait up to this long for the turn to end before answering (`30s`, `500ms`, `1m`; at most 60 s, a longer wait
    /// is cut to 60 s). The answer is the record then: a final state, or `inProgress` if the wait ran out.
    pub wait: Option<String>,
}

impl TurnWaitQuery {
    pub fn limit(&self) -> ServiceResult<Duration> {
        let Some(text) = self.wait.as_deref() else { return Ok(Duration::ZERO) };
        let wait = humantime::parse_duration(text.trim())
            .map_err(|_| ServiceError::invalid("`wait` must be a duration such as `30s`, `500ms` or `1m`"))?;
        Ok(wait.min(MAX_TURN_WAIT))
    }
}

/// Who waits for which turn's end. The relay calls [`TurnEnds::ended`] once the record holds the end; a waiter
/// registers before it reads the record, so an end between the read and the wait still wakes it.
#[derive(Default)]
pub(super) struct TurnEnds {
    waiting: Mutex<HashMap<String, Arc<Notify>>>,
}

impl TurnEnds {
    fn watch(&self, turn_id: &str) -> EndWatch<'_> {
        let notify = self.waiting.lock().expect("turn waiters poisoned").entry(turn_id.to_string()).or_default().clone();
        EndWatch { ends: self, turn_id: turn_id.to_string(), notify: Some(notify) }
    }

    /// The turn's end is in its record: wake whoever waits for it.
    pub(super) fn ended(&self, turn_id: &str) {
        if let Some(n) = self.waiting.lock().expect("turn waiters poisoned").get(turn_id) {
            n.notify_waiters();
        }
    }

    #[cfg(test)]
    fn watched(&self) -> usize {
        self.waiting.lock().expect("turn waiters poisoned").len()
    }
}

/// A waiter's registration; dropping it (the wait ended, or its client went away) removes the turn's entry once
/// nobody else waits for it.
struct EndWatch<'a> {
    ends: &'a TurnEnds,
    turn_id: String,
    notify: Option<Arc<Notify>>,
}

impl Drop for EndWatch<'_> {
    fn drop(&mut self) {
        let mut map = self.ends.waiting.lock().expect("turn waiters poisoned");
        // Counted under the map's lock, where every clone is made: the map's own handle plus this one.
        if self.notify.take().is_some_and(|n| Arc::strong_count(&n) == 2) {
            map.remove(&self.turn_id);
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct TurnRecordQuery {
    /// Turns per page, 1–200 (default 50), newest first.
    pub limit: Option<i64>,
    /// `nextCursor` from the previous page.
    pub cursor: Option<String>,
}

/// One turn as the host recorded it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TurnRecord {
    pub id: String,
    pub session_id: String,
    pub status: TurnStatus,
    /// Seq of the turn's `turn.started` event (null when the host never logged one, e.g. it died first).
    pub start_seq: Option<i64>,
    /// Seq of the `turn.completed` event that ended it (null while it runs).
    pub end_seq: Option<i64>,
    pub started_at: String,
    pub ended_at: Option<String>,
    /// The last assistant message of the turn.
    pub final_text: Option<String>,
    /// Why it failed or was interrupted.
    pub error: Option<String>,
}

impl From<TurnRow> for TurnRecord {
    fn from(r: TurnRow) -> Self {
        Self {
            id: r.id,
            session_id: r.session_id,
            status: r.status,
            start_seq: r.start_seq,
            end_seq: r.end_seq,
            started_at: envelope_ts(r.started_at),
            ended_at: r.ended_at.map(envelope_ts),
            final_text: r.final_text,
            error: r.error,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TurnRecordPage {
    pub turns: Vec<TurnRecord>,
    pub next_cursor: Option<String>,
}

impl Turns {
    /// A session's turn records, newest first.
    pub async fn list_turn_records(&self, session_id: &str, q: TurnRecordQuery) -> ServiceResult<TurnRecordPage> {
        let row = self.core.session_row(session_id).await?;
        let limit = q.limit.unwrap_or(50);
        if !(1..=MAX_TURN_RECORDS_PAGE).contains(&limit) {
            return Err(ServiceError::invalid(format!("`limit` must be between 1 and {MAX_TURN_RECORDS_PAGE}")));
        }
        let before = q.cursor.as_deref().map(paging::decode).transpose()?;
        let mut rows = self.core.store().session_turns(&row.id, before, limit + 1).await?;
        let next_cursor = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|r| paging::encode(r.started_at, &r.id))
        } else {
            None
        };
        Ok(TurnRecordPage { turns: rows.into_iter().map(TurnRecord::from).collect(), next_cursor })
    }

    /// One turn record of a session, after waiting up to `limit` for the turn to end.
    pub async fn get_turn_record(&self, session_id: &str, turn_id: &str, limit: Duration) -> ServiceResult<TurnRecord> {
        self.wait_turn_record(session_id, turn_id, limit).await.map(TurnRecord::from)
    }

    /// One turn record of a session, once the turn ended or `limit` ran out (then still `inProgress`). Woken by the
    /// turn's end, never by polling; nothing is spawned, so a caller that goes away leaves nothing behind.
    pub(crate) async fn wait_turn_record(&self, session_id: &str, turn_id: &str, limit: Duration) -> ServiceResult<TurnRow> {
        let row = self.core.session_row(session_id).await?;
        let watch = self.ends.watch(turn_id);
        let notify = watch.notify.clone().expect("a live watch holds its notify");
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let ended = notify.notified();
            tokio::pin!(ended);
            // Registered before the read: an end recorded after it wakes this wait.
            ended.as_mut().enable();
            let turn = match self.core.store().get_turn(turn_id).await {
                Ok(turn) if turn.session_id == row.id => turn,
                Ok(_) | Err(StoreError::NotFound) => {
                    return Err(ServiceError::not_found(ErrorCode::TurnNotFound, format!("session `{}` has no turn `{turn_id}`", row.id)))
                }
                Err(e) => return Err(e.into()),
            };
            if turn.status.is_final() || tokio::time::timeout_at(deadline, ended).await.is_err() {
                return Ok(turn);
            }
        }
    }

    /// The turn's record once it ended, however long that takes (the caller bounds it, e.g. a job's timeout).
    pub(crate) async fn wait_turn_end(&self, session_id: &str, turn_id: &str) -> ServiceResult<TurnRow> {
        loop {
            let turn = self.wait_turn_record(session_id, turn_id, MAX_TURN_WAIT).await?;
            if turn.status.is_final() {
                return Ok(turn);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_end_wakes_a_registered_waiter_and_its_entry_goes_when_the_last_waiter_leaves() {
        let ends = TurnEnds::default();
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
        assert_eq!(ends.watched(), 1, "another waiter still waits for the turn");
        drop(second);
        assert_eq!(ends.watched(), 0, "nobody waits: nothing is kept");
        ends.ended("turn-1");
    }

    #[test]
    fn a_wait_is_a_duration_cut_to_the_cap() {
        let q = |w: &str| TurnWaitQuery { wait: Some(w.into()) }.limit();
        assert_eq!(q("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(q("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(q("10m").unwrap(), MAX_TURN_WAIT);
        assert_eq!(TurnWaitQuery::default().limit().unwrap(), Duration::ZERO);
        assert!(q("soon").is_err());
    }
}
