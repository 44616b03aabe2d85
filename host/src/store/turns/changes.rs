//! A turn's start and end as the event writer records them: in the transaction that logs the turn's `turn.started`
//! or `turn.completed`, whose seq becomes the record's `start_seq` or `end_seq`. A client that sees the event (and
//! the `session.updated` committed with it) finds the turn record and the session row as the event says, no start
//! or end is ever logged without its record or recorded without its event, and the turn's way to the client costs
//! no write through the pool.
//!
//! The SQL here is the only SQL of a turn's start and end: the pool runs it through sqlx ([`Store::begin_turn`],
//! [`Store::end_turn`], and the writer on PostgreSQL), the writer on SQLite through rusqlite.
//!
//! [`Store::begin_turn`]: crate::store::Store::begin_turn
//! [`Store::end_turn`]: crate::store::Store::end_turn

use super::{TurnEnd, TurnStatus, IN_PROGRESS};
use crate::store::SessionRow;

/// A turn's start or end, for the event writer to record with its event.
#[derive(Debug, Clone)]
pub enum TurnChange {
    Started(TurnStart),
    Ended(TurnEndRecord),
}

/// A turn app-server reported started.
#[derive(Debug, Clone)]
pub struct TurnStart {
    pub session_id: String,
    pub turn_id: String,
    /// When it started (ms since the epoch): the session row's `last_activity_at`, which the view published with
    /// the start shows.
    pub at: i64,
}

/// How a turn ended, owned: what the writer records.
#[derive(Debug, Clone)]
pub struct TurnEndRecord {
    pub session_id: String,
    pub turn_id: Option<String>,
    pub status: TurnStatus,
    pub error: Option<String>,
    pub final_text: Option<String>,
    /// When the turn ended (ms since the epoch), as [`TurnStart::at`].
    pub at: i64,
}

impl TurnEndRecord {
    pub fn new(session_id: &str, turn_id: Option<&str>, end: &TurnEnd<'_>, at: i64) -> Self {
        Self {
            session_id: session_id.to_owned(),
            turn_id: turn_id.map(str::to_owned),
            status: end.status,
            error: end.error.map(str::to_owned),
            final_text: end.final_text.map(str::to_owned),
            at,
        }
    }

    fn end(&self, end_seq: Option<i64>) -> TurnEnd<'_> {
        TurnEnd { status: self.status, error: self.error.as_deref(), final_text: self.final_text.as_deref(), end_seq }
    }
}

impl TurnChange {
    /// A turn started (or was accepted) at `at`.
    pub fn started(session_id: &str, turn_id: &str, at: i64) -> Self {
        Self::Started(TurnStart { session_id: session_id.to_owned(), turn_id: turn_id.to_owned(), at })
    }

    /// A turn ended at `at`, as `end` says.
    pub fn ended(session_id: &str, turn_id: Option<&str>, end: &TurnEnd<'_>, at: i64) -> Self {
        Self::Ended(TurnEndRecord::new(session_id, turn_id, end, at))
    }

    pub fn session_id(&self) -> &str {
        match self {
            Self::Started(s) => &s.session_id,
            Self::Ended(e) => &e.session_id,
        }
    }

    pub fn turn_id(&self) -> Option<&str> {
        match self {
            Self::Started(s) => Some(&s.turn_id),
            Self::Ended(e) => e.turn_id.as_deref(),
        }
    }

    /// The session row as this change leaves it: what its SQL below writes. `already_ended` is whether the turn
    /// record holds a final state before the change (a start then changes nothing; a repeated end only clears a
    /// session that still names the turn as running).
    pub fn apply_to(&self, row: &mut SessionRow, already_ended: bool) {
        let names_this_turn = row.active_turn_id.is_some() && row.active_turn_id.as_deref() == self.turn_id();
        match self {
            Self::Started(_) if already_ended => {}
            Self::Started(start) => {
                row.active_turn_id = Some(start.turn_id.clone());
                row.last_activity_at = start.at;
            }
            Self::Ended(_) if already_ended => {
                if names_this_turn {
                    row.active_turn_id = None;
                }
            }
            Self::Ended(end) => {
                if end.turn_id.is_none() || names_this_turn {
                    row.active_turn_id = None;
                }
                row.last_turn_status = Some(end.status);
                row.last_error = end.error.clone();
                row.last_activity_at = end.at;
            }
        }
    }
}

// rusqlite binds these numbered parameters by name (`$1` is a name to SQLite), so they may appear in any order.
// Rows for a turn are only ever inserted while its session exists: the event writer's SQLite connection checks no
// foreign key, and on PostgreSQL a failing key would fail the writer's whole batch.

/// The turn record of a started turn: inserted running; one that exists keeps its state (a turn that ended before
/// its start was recorded stays ended), and learns its start seq once.
const BEGIN_TURN_RECORD: &str = "INSERT INTO turns (id, session_id, status, start_seq, started_at) \
     SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM sessions WHERE id = $2) \
     ON CONFLICT (id) DO UPDATE SET start_seq = COALESCE(turns.start_seq, excluded.start_seq)";
/// The session's active turn is the started one, while it runs.
const BEGIN_TURN_SESSION: &str = "UPDATE sessions SET active_turn_id = $2, last_activity_at = $3 WHERE id = $1 \
     AND EXISTS (SELECT 1 FROM turns WHERE id = $2 AND status = $4)";
/// The turn record's end: inserted for a turn never seen starting, updated only while it runs.
const END_TURN_RECORD: &str = "INSERT INTO turns (id, session_id, status, end_seq, started_at, ended_at, final_text, error) \
     SELECT $1, $2, $3, $4, $5, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM sessions WHERE id = $2) \
     ON CONFLICT (id) DO UPDATE SET status = excluded.status, end_seq = excluded.end_seq, \
     ended_at = excluded.ended_at, final_text = COALESCE(excluded.final_text, turns.final_text), \
     error = excluded.error WHERE turns.status = $8";
/// The session row of a turn this end ended (or of an end that names no turn).
const END_TURN_SESSION: &str = "UPDATE sessions SET active_turn_id = CASE WHEN $2 IS NULL OR active_turn_id = $2 THEN NULL ELSE active_turn_id END, \
     last_turn_status = $3, last_error = $4, last_activity_at = $5 WHERE id = $1";
/// A turn that had ended before: its end already updated the session; a session still naming it as active is stale.
const CLEAR_ENDED_TURN: &str = "UPDATE sessions SET active_turn_id = NULL WHERE id = $1 AND active_turn_id = $2";
/// A turn that had ended before without its end in the log (recorded outside the writer, its event lost to a crash)
/// takes the seq of the first `turn.completed` logged for it.
pub(in crate::store) const SET_END_SEQ: &str = "UPDATE turns SET end_seq = $2 WHERE id = $1 AND end_seq IS NULL";

/// Record a change through sqlx, inside the caller's write transaction (the pool's, or the event writer's on
/// PostgreSQL), with the seq of its event when it is logged. For an end: true when this call ended the turn.
pub(in crate::store) async fn record_in(conn: &mut sqlx::AnyConnection, change: &TurnChange, seq: Option<i64>) -> Result<bool, sqlx::Error> {
    match change {
        TurnChange::Started(start) => {
            sqlx::query(BEGIN_TURN_RECORD).bind(&start.turn_id).bind(&start.session_id).bind(IN_PROGRESS).bind(seq).bind(start.at).execute(&mut *conn).await?;
            sqlx::query(BEGIN_TURN_SESSION).bind(&start.session_id).bind(&start.turn_id).bind(start.at).bind(IN_PROGRESS).execute(&mut *conn).await?;
            Ok(true)
        }
        TurnChange::Ended(record) => {
            let end = record.end(seq);
            let turn_id = record.turn_id.as_deref();
            let ended = match turn_id {
                Some(turn_id) => {
                    let done = sqlx::query(END_TURN_RECORD)
                        .bind(turn_id)
                        .bind(&record.session_id)
                        .bind(end.status.as_str())
                        .bind(end.end_seq)
                        .bind(record.at)
                        .bind(end.final_text)
                        .bind(end.error)
                        .bind(IN_PROGRESS)
                        .execute(&mut *conn)
                        .await?;
                    done.rows_affected() == 1
                }
                None => true,
            };
            if ended {
                sqlx::query(END_TURN_SESSION).bind(&record.session_id).bind(turn_id).bind(end.status.as_str()).bind(end.error).bind(record.at).execute(&mut *conn).await?;
            } else {
                sqlx::query(CLEAR_ENDED_TURN).bind(&record.session_id).bind(turn_id).execute(&mut *conn).await?;
                if let (Some(turn_id), Some(seq)) = (turn_id, seq) {
                    sqlx::query(SET_END_SEQ).bind(turn_id).bind(seq).execute(&mut *conn).await?;
                }
            }
            Ok(ended)
        }
    }
}

/// The same through the event writer's own SQLite connection, inside its batch's transaction.
pub(in crate::store) fn record_sqlite(conn: &rusqlite::Connection, change: &TurnChange, seq: Option<i64>) -> rusqlite::Result<()> {
    use rusqlite::named_params;
    match change {
        TurnChange::Started(start) => {
            let (turn, session, at) = (&start.turn_id, &start.session_id, start.at);
            conn.prepare_cached(BEGIN_TURN_RECORD)?.execute(named_params! { "$1": turn, "$2": session, "$3": IN_PROGRESS, "$4": seq, "$5": at })?;
            conn.prepare_cached(BEGIN_TURN_SESSION)?.execute(named_params! { "$1": session, "$2": turn, "$3": at, "$4": IN_PROGRESS })?;
        }
        TurnChange::Ended(record) => {
            let (session, turn, at) = (&record.session_id, record.turn_id.as_deref(), record.at);
            let (status, error, final_text) = (record.status.as_str(), record.error.as_deref(), record.final_text.as_deref());
            let ended = match turn {
                Some(turn) => {
                    let params = named_params! {
                        "$1": turn, "$2": session, "$3": status, "$4": seq, "$5": at, "$6": final_text, "$7": error, "$8": IN_PROGRESS,
                    };
                    conn.prepare_cached(END_TURN_RECORD)?.execute(params)? == 1
                }
                None => true,
            };
            if ended {
                conn.prepare_cached(END_TURN_SESSION)?.execute(named_params! { "$1": session, "$2": turn, "$3": status, "$4": error, "$5": at })?;
            } else {
                conn.prepare_cached(CLEAR_ENDED_TURN)?.execute(named_params! { "$1": session, "$2": turn })?;
                if let (Some(turn), Some(seq)) = (turn, seq) {
                    conn.prepare_cached(SET_END_SEQ)?.execute(named_params! { "$1": turn, "$2": seq })?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{EventRowRef, EventWriter, StoreError};

    /// The event writer records a turn's start and end in its batch's transaction, on either engine, in every case
    /// the pool would: a turn started (and one started after it ended: it stays ended), a running turn ended, one
    /// never seen starting, one ended before (only a stale active turn goes), an end that names no turn, a session
    /// deleted meanwhile (nothing written, and no foreign key fails the batch). Each time the session row is what
    /// [`TurnChange::apply_to`] said it would be: the view published with the change.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_event_writer_records_a_turn_s_start_and_end_as_the_view_published_with_them_says() {
        let (store, dir) = crate::store::testing::scratch("writer-turns").await;
        store.insert_session(&crate::store::testing::new_session("s1", None)).await.unwrap();
        let ended_before = TurnEnd { status: TurnStatus::Failed, error: Some("first end"), final_text: Some("kept"), end_seq: Some(1) };
        store.end_turn("s1", Some("ended"), &ended_before).await.unwrap();
        // Ended without its end in the log: the next end logged for it gives the record its seq, and nothing else.
        store.end_turn("s1", Some("unlogged"), &TurnEnd { end_seq: None, ..ended_before.clone() }).await.unwrap();
        let start = |turn: &str, at| TurnChange::Started(TurnStart { session_id: "s1".into(), turn_id: turn.into(), at });
        let end = |turn: Option<&str>, at| {
            let end = TurnEnd { status: TurnStatus::Interrupted, error: Some("stopped"), final_text: Some("partial"), end_seq: None };
            TurnChange::Ended(TurnEndRecord::new("s1", turn, &end, at))
        };
        let mut writer = store.event_writer().unwrap();
        let mut seq = 100;
        for (case, change, already_ended) in [
            ("started", start("running", 500), false),
            ("started after its end", start("ended", 600), true),
            ("running", end(Some("running"), 1_000), false),
            ("never seen", end(Some("unseen"), 2_000), false),
            ("ended before", end(Some("ended"), 3_000), true),
            ("no turn id", end(None, 4_000), false),
            ("ended, not logged", end(Some("unlogged"), 4_500), true),
        ] {
            if case == "ended before" {
                // A session that still names an ended turn as running.
                sqlx::query("UPDATE sessions SET active_turn_id = 'ended' WHERE id = 's1'").execute(store.pool()).await.unwrap();
            }
            let mut expected = store.get_session("s1").await.unwrap();
            change.apply_to(&mut expected, already_ended);
            seq += 1;
            writer = append(writer, seq, change.clone()).await;
            let row = store.get_session("s1").await.unwrap();
            assert_eq!(
                (row.active_turn_id, row.last_turn_status, row.last_error, row.last_activity_at),
                (expected.active_turn_id, expected.last_turn_status, expected.last_error, expected.last_activity_at),
                "{case}: the session row is the view's"
            );
            let Some(turn_id) = change.turn_id() else { continue };
            let turn = store.get_turn(turn_id).await.unwrap();
            match (&change, already_ended) {
                (_, true) => {
                    let end_seq = if turn_id == "unlogged" { seq } else { 1 };
                    assert_eq!(
                        (turn.status, turn.end_seq, turn.final_text.as_deref()),
                        (TurnStatus::Failed, Some(end_seq), Some("kept")),
                        "{case}: the first end stays, and its seq once known"
                    )
                }
                (TurnChange::Started(start), false) => {
                    assert_eq!((turn.status, turn.start_seq, turn.started_at), (TurnStatus::InProgress, Some(seq), start.at), "{case}")
                }
                (TurnChange::Ended(end), false) => {
                    assert_eq!((turn.status, turn.end_seq, turn.ended_at), (TurnStatus::Interrupted, Some(seq), Some(end.at)), "{case}");
                    assert_eq!((turn.error.as_deref(), turn.final_text.as_deref()), (Some("stopped"), Some("partial")), "{case}");
                }
            }
        }
        let TurnChange::Ended(orphan) = end(Some("orphan"), 5_000) else { unreachable!() };
        writer = append(writer, seq + 1, TurnChange::Ended(TurnEndRecord { session_id: "deleted".into(), ..orphan })).await;
        append(writer, seq + 2, TurnChange::Started(TurnStart { session_id: "deleted".into(), turn_id: "orphan".into(), at: 1 })).await;
        assert!(matches!(store.get_turn("orphan").await, Err(StoreError::NotFound)), "no turn row for a session that is gone");
        assert_eq!(store.events_after(100, 10).await.unwrap().len(), 9, "every batch committed");
        let _ = std::fs::remove_dir_all(dir);
    }

    /// The start the 202 path records is a batch with no event: the record alone, running with no start seq yet,
    /// and the session's active turn; the relay's `turn.started` later gives it its seq, once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_start_recorded_before_its_event_is_a_batch_of_its_own_and_learns_its_seq_later() {
        let (store, dir) = crate::store::testing::scratch("writer-accepted").await;
        store.insert_session(&crate::store::testing::new_session("s1", None)).await.unwrap();
        let start = |at| TurnChange::Started(TurnStart { session_id: "s1".into(), turn_id: "t1".into(), at });
        let accepted = start(7);
        let mut writer = store.event_writer().unwrap();
        writer = tokio::task::spawn_blocking(move || {
            writer.begin().unwrap();
            writer.append([], &[(&accepted, None)]).unwrap();
            writer
        })
        .await
        .unwrap();
        assert!(store.events_after(0, 10).await.unwrap().is_empty(), "no event");
        let turn = store.get_turn("t1").await.unwrap();
        assert_eq!((turn.status, turn.start_seq), (TurnStatus::InProgress, None));
        let session = store.get_session("s1").await.unwrap();
        assert_eq!((session.active_turn_id.as_deref(), session.last_activity_at), (Some("t1"), 7));

        append(writer, 5, start(9)).await;
        let turn = store.get_turn("t1").await.unwrap();
        assert_eq!((turn.status, turn.start_seq, turn.started_at), (TurnStatus::InProgress, Some(5), 7), "its seq, once; its first start");
        let _ = std::fs::remove_dir_all(dir);
    }

    /// One batch of the event writer: an event at `seq` with `change`. On a thread of its own, as in the host (on
    /// PostgreSQL the writer waits on the runtime).
    async fn append(mut writer: EventWriter, seq: i64, change: TurnChange) -> EventWriter {
        tokio::task::spawn_blocking(move || {
            let row = EventRowRef { seq, ts: seq, kind: "turn.test", session_id: Some("s1"), turn_id: change.turn_id(), project_id: None, data: "{}" };
            writer.begin().unwrap();
            writer.append([row], &[(&change, Some(seq))]).unwrap();
            writer
        })
        .await
        .unwrap()
    }
}
