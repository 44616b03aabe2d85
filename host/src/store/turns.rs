//! Turns: the host's own durable record of every turn it acknowledged.
//!
//! A row is written `inProgress` before `POST .../messages` answers 202, so a turn the host promised survives a
//! crash of the host; it ends exactly once (the first end wins: a late or repeated write never moves an ended turn
//! back). The session's `active_turn_id`/`last_turn_status` are written in the same transaction as the turn row, so
//! the two never disagree.

use sqlx::Row;

use super::{now_ms, Store, StoreError, StoreResult};

mod changes;

pub use changes::TurnChange;
pub(super) use changes::{record_in, record_sqlite};

crate::wire::wire_enum! {
    /// Where a turn is. Only `inProgress` ever changes, once, to one of the final states.
    pub enum TurnStatus {
        InProgress = "inProgress",
        Completed = "completed",
        Interrupted = "interrupted",
        Failed = "failed",
    }
}

impl TurnStatus {
    pub fn is_final(self) -> bool {
        self != TurnStatus::InProgress
    }
}

const IN_PROGRESS: &str = "inProgress";

#[derive(Debug, Clone)]
pub struct TurnRow {
    pub id: String,
    pub session_id: String,
    pub status: TurnStatus,
    /// Seq of the `turn.started` event, when the host logged one.
    pub start_seq: Option<i64>,
    /// Seq of the `turn.completed` event that ended the turn.
    pub end_seq: Option<i64>,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    /// The last assistant message of the turn.
    pub final_text: Option<String>,
    pub error: Option<String>,
}

/// How a turn ended.
#[derive(Debug, Clone)]
pub struct TurnEnd<'a> {
    pub status: TurnStatus,
    pub error: Option<&'a str>,
    pub final_text: Option<&'a str>,
    pub end_seq: Option<i64>,
}

const COLUMNS: &str = "id, session_id, status, start_seq, end_seq, started_at, ended_at, final_text, error";

fn from_row(row: &super::Row) -> StoreResult<TurnRow> {
    let status: String = row.try_get("status")?;
    Ok(TurnRow {
        id: row.try_get("id")?,
        session_id: row.try_get("session_id")?,
        status: TurnStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("turn status `{status}`")))?,
        start_seq: row.try_get("start_seq")?,
        end_seq: row.try_get("end_seq")?,
        started_at: row.try_get("started_at")?,
        ended_at: row.try_get("ended_at")?,
        final_text: row.try_get("final_text")?,
        error: row.try_get("error")?,
    })
}

impl Store {
    /// The turn was accepted (by `turn/start`) or reported started (`turn/started`): record it running and make it
    /// the session's active turn. A turn that already ended stays ended (its `turn/completed` can be processed
    /// before the 202 path gets here); a known start seq is kept.
    /// (The host records starts through the event writer, or [`Store::record_turn`]; this is the tests' shorthand.)
    #[cfg(test)]
    pub async fn begin_turn(&self, session_id: &str, turn_id: &str, start_seq: Option<i64>) -> StoreResult<TurnRow> {
        let start = TurnChange::started(session_id, turn_id, now_ms());
        let mut tx = self.begin_write().await?;
        record_in(&mut tx, &start, start_seq).await.map_err(StoreError::from_write)?;
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM turns WHERE id = $1")).bind(turn_id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        from_row(&row)
    }

    /// End a turn, once: true when this call ended it, false when it had already ended (the row keeps its first
    /// final state). A turn the host never saw start gets its row here. With no turn id (an app-server that did
    /// not name it) only the session is updated. The event writer records the ends it logs itself, in the
    /// transaction of their `turn.completed` (see [`TurnChange`]); this is for the others.
    pub async fn end_turn(&self, session_id: &str, turn_id: Option<&str>, end: &TurnEnd<'_>) -> StoreResult<bool> {
        self.record_turn(&TurnChange::ended(session_id, turn_id, end, now_ms()), end.end_seq).await
    }

    /// Record a turn's start or end through the pool, with the seq of its event when it is logged: a change the
    /// event writer could not record with its event. For an end, true when this call ended the turn.
    pub async fn record_turn(&self, change: &TurnChange, seq: Option<i64>) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = record_in(&mut tx, change, seq).await.map_err(StoreError::from_write)?;
        tx.commit().await?;
        Ok(done)
    }

    pub async fn get_turn(&self, turn_id: &str) -> StoreResult<TurnRow> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM turns WHERE id = $1")).bind(turn_id).fetch_optional(self.pool()).await?;
        row.as_ref().map(from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    /// Every turn still recorded as running, oldest first (after a crash: the turns nobody will finish).
    pub async fn unfinished_turns(&self) -> StoreResult<Vec<TurnRow>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM turns WHERE status = $1 ORDER BY started_at, id"))
            .bind(IN_PROGRESS)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// Turns recorded as ended whose `turn.completed` is not in the log (the host died between the two).
    pub async fn unlogged_turn_ends(&self) -> StoreResult<Vec<TurnRow>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM turns WHERE end_seq IS NULL AND status <> $1 ORDER BY started_at, id"))
            .bind(IN_PROGRESS)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// The seq of the event that ended the turn, once it is in the log; the first one logged stays.
    pub async fn set_turn_end_seq(&self, turn_id: &str, seq: i64) -> StoreResult<()> {
        sqlx::query(changes::SET_END_SEQ).bind(turn_id).bind(seq).execute(self.pool()).await.map_err(StoreError::from_write)?;
        Ok(())
    }

    /// A session's turns, newest first, before the (started_at, id) cursor.
    pub async fn session_turns(&self, session_id: &str, before: Option<(i64, String)>, limit: i64) -> StoreResult<Vec<TurnRow>> {
        let (ts, id) = before.unwrap_or((i64::MAX, String::new()));
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM turns WHERE session_id = $1 AND (started_at < $2 OR (started_at = $2 AND id < $3) OR $4 = 1) \
             ORDER BY started_at DESC, id DESC LIMIT $5"
        ))
        .bind(session_id)
        .bind(ts)
        .bind(&id)
        .bind(i64::from(id.is_empty()))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store_with_session(tag: &str) -> (Store, crate::store::testing::Scratch) {
        let (store, dir) = crate::store::testing::scratch(tag).await;
        store
            .insert_session(&crate::store::testing::new_session("s1", None))
            .await
            .unwrap();
        (store, dir)
    }

    #[tokio::test]
    async fn a_finished_turn_is_never_moved_back_to_in_progress() {
        let (store, dir) = store_with_session("order").await;
        // turn/completed of a very fast turn is processed before the 202 path records the turn.
        let end = TurnEnd { status: TurnStatus::Completed, error: None, final_text: Some("done"), end_seq: Some(7) };
        assert!(store.end_turn("s1", Some("turn-1"), &end).await.unwrap());
        let row = store.begin_turn("s1", "turn-1", None).await.unwrap();
        assert_eq!(row.status, TurnStatus::Completed);
        assert_eq!(row.end_seq, Some(7));
        let session = store.get_session("s1").await.unwrap();
        assert_eq!(session.active_turn_id, None, "an ended turn is not the session's active turn");
        assert_eq!(session.last_turn_status, Some(TurnStatus::Completed));
        // A second end (the host's synthetic one after the real one) changes nothing.
        let late = TurnEnd { status: TurnStatus::Interrupted, error: Some("host stopped"), final_text: None, end_seq: Some(9) };
        assert!(!store.end_turn("s1", Some("turn-1"), &late).await.unwrap());
        let row = store.get_turn("turn-1").await.unwrap();
        assert_eq!((row.status, row.end_seq, row.final_text.as_deref()), (TurnStatus::Completed, Some(7), Some("done")));
        assert!(store.unfinished_turns().await.unwrap().is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn a_running_turn_is_the_sessions_active_turn_until_it_ends() {
        let (store, dir) = store_with_session("run").await;
        store.begin_turn("s1", "turn-2", None).await.unwrap();
        let row = store.begin_turn("s1", "turn-2", Some(4)).await.unwrap();
        assert_eq!((row.status, row.start_seq), (TurnStatus::InProgress, Some(4)));
        assert_eq!(store.get_session("s1").await.unwrap().active_turn_id.as_deref(), Some("turn-2"));
        assert_eq!(store.unfinished_turns().await.unwrap().len(), 1);
        let end = TurnEnd { status: TurnStatus::Interrupted, error: Some("the host stopped"), final_text: None, end_seq: Some(5) };
        assert!(store.end_turn("s1", Some("turn-2"), &end).await.unwrap());
        let session = store.get_session("s1").await.unwrap();
        assert_eq!(session.active_turn_id, None);
        assert_eq!(session.last_error.as_deref(), Some("the host stopped"));
        assert_eq!(store.session_turns("s1", None, 10).await.unwrap().len(), 1);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn an_end_recorded_before_its_event_is_logged_is_found_until_its_seq_is_known() {
        let (store, dir) = store_with_session("unlogged").await;
        store.begin_turn("s1", "turn-3", Some(2)).await.unwrap();
        assert!(store.unlogged_turn_ends().await.unwrap().is_empty(), "a running turn is unfinished, not unlogged");
        // The record is written first (clients that see the event find it ended), the event's seq after it.
        let end = TurnEnd { status: TurnStatus::Failed, error: Some("model error"), final_text: None, end_seq: None };
        assert!(store.end_turn("s1", Some("turn-3"), &end).await.unwrap());
        assert_eq!(store.get_session("s1").await.unwrap().last_turn_status, Some(TurnStatus::Failed));
        let unlogged = store.unlogged_turn_ends().await.unwrap();
        assert_eq!((unlogged.len(), unlogged[0].status), (1, TurnStatus::Failed));
        store.set_turn_end_seq("turn-3", 8).await.unwrap();
        store.set_turn_end_seq("turn-3", 12).await.unwrap();
        assert_eq!(store.get_turn("turn-3").await.unwrap().end_seq, Some(8), "the first logged end stays");
        assert!(store.unlogged_turn_ends().await.unwrap().is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn ending_an_ended_turn_again_still_clears_a_stale_active_turn() {
        let (store, dir) = store_with_session("stale").await;
        let end = TurnEnd { status: TurnStatus::Completed, error: None, final_text: None, end_seq: Some(3) };
        assert!(store.end_turn("s1", Some("turn-4"), &end).await.unwrap());
        sqlx::query("UPDATE sessions SET active_turn_id = 'turn-4' WHERE id = 's1'").execute(store.pool()).await.unwrap();
        assert!(!store.end_turn("s1", Some("turn-4"), &end).await.unwrap());
        let session = store.get_session("s1").await.unwrap();
        assert_eq!((session.active_turn_id, session.last_turn_status), (None, Some(TurnStatus::Completed)));
        let _ = std::fs::remove_dir_all(dir);
    }
}
