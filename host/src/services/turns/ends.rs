//! A turn's end: recorded in the turn record, logged as `turn.completed`, and its waiters woken, in that order;
//! and, at start, the ends of turns the last run left running.

use serde_json::json;

use super::Turns;
use crate::events::{EventType, NewEvent};
use crate::services::index::SessionRef;
use crate::store::{SessionRow, TurnEnd, TurnRow, TurnStatus};

impl Turns {
    pub(crate) async fn record_turn_started(&self, s: &SessionRef, turn_id: &str, seq: Option<i64>) {
        if let Err(e) = self.core.store().begin_turn(&s.session_id, turn_id, seq).await {
            tracing::error!(error = %e, session = %s.session_id, turn = turn_id, "could not record a turn's start");
        }
    }

    /// End a turn: its record first, then its `turn.completed` in the log, then the record learns that event's seq.
    /// In this order a client that sees the event and reads the session or the turn finds it ended; a host that
    /// dies between the two leaves an ended record without `end_seq`, whose event the next start logs (see
    /// `reconcile_after_stop`), so every ended turn ends in the log too.
    pub(crate) async fn end_turn(&self, session: Option<&SessionRef>, turn_id: Option<&str>, end: &TurnEnd<'_>, event: NewEvent) {
        if let Some(s) = session {
            if let Err(e) = self.core.store().end_turn(&s.session_id, turn_id, end).await {
                tracing::error!(error = %e, session = %s.session_id, turn = turn_id, "could not record a turn's end");
            }
            // The row before the event, as the record: a client that sees `turn.completed` has the session's new row
            // already, and the turn's end stays the last event of the turn.
            self.sessions.publish_session_updated(&s.session_id).await;
        }
        let seq = self.core.events().publish_committed(event).await.map(|e| e.seq);
        if let (Some(turn_id), Some(seq)) = (turn_id, seq) {
            if let Err(e) = self.core.store().set_turn_end_seq(turn_id, seq).await {
                tracing::error!(error = %e, turn = turn_id, "could not record the seq of a turn's end");
            }
        }
        // Waiters wake once the record is whole (its end seq too, when the log could commit the event).
        if let Some(turn_id) = turn_id {
            self.ends.ended(turn_id);
        }
        // The session's follow-up queue moves on (or pauses) once the end is recorded and logged.
        if let Some(s) = session {
            self.sessions.followup_board().turn_ended(&s.session_id, turn_id, end.status, end.error);
        }
    }

    /// Wake this host's `?wait=` readers of turns that end on another host (several hosts on one PostgreSQL store):
    /// their ends reach this host only as `turn.completed` in the shared log, committed after the turn's record.
    pub(in crate::services) fn follow_other_hosts_turn_ends(self: &std::sync::Arc<Self>) {
        let turns = std::sync::Arc::downgrade(self);
        let mut live = self.core.events().subscribe_live();
        tokio::spawn(async move {
            loop {
                match live.recv().await {
                    Ok(event) if event.kind == crate::events::EventType::TurnCompleted.as_str() => {
                        let (Some(turns), Some(turn_id)) = (turns.upgrade(), event.turn_id.as_deref()) else { continue };
                        turns.ends.ended(turn_id);
                    }
                    Ok(_) => {}
                    // Missed ends leave their waiters to their bound (they answer the record then).
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
                if turns.strong_count() == 0 {
                    return;
                }
            }
        });
    }

    /// End a turn app-server will not end (its process is gone, the host stopped): `status` with `message` as the
    /// error, in a `turn.completed` the host writes (`closedByHost`).
    pub(crate) async fn end_turn_by_host(
        &self,
        thread_id: &str,
        turn_id: Option<&str>,
        session: Option<&SessionRef>,
        status: TurnStatus,
        message: &str,
        final_text: Option<&str>,
    ) {
        let data = json!({
            "threadId": thread_id,
            "turn": {"id": turn_id, "status": status, "items": [], "error": {"message": message}},
            "closedByHost": true,
        });
        let (sid, pid) = SessionRef::tags(session.cloned());
        let event = NewEvent::new(EventType::TurnCompleted, data).session(sid, pid).turn(turn_id.map(str::to_owned));
        let end = TurnEnd { status, error: Some(message), final_text, end_seq: None };
        self.end_turn(session, turn_id, &end, event).await;
    }

    /// A turn recorded as running when the host last stopped can no longer finish: its process is gone. Every such
    /// turn (the 202 path records it before answering, so this includes turns whose start never reached the log)
    /// gets a `turn.completed` (interrupted, with the reason) in the log and its final state in the turn record.
    pub(in crate::services) async fn reconcile_after_stop(&self, rows: &[SessionRow]) {
        let (unfinished, unlogged) = match (self.core.store().unfinished_turns().await, self.core.store().unlogged_turn_ends().await) {
            (Ok(u), Ok(l)) => (u, l),
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!(error = %e, "could not read the turns left running by the last run");
                return;
            }
        };
        let session_of = |turn: &TurnRow| {
            let row = rows.iter().find(|r| r.id == turn.session_id)?;
            Some((row, SessionRef { session_id: row.id.as_str().into(), project_id: row.project_id.as_deref().map(Into::into) }))
        };
        let message = "the host stopped during the turn";
        for turn in unfinished {
            let Some((row, session)) = session_of(&turn) else { continue };
            // The host may have died between logging the turn's end and recording it: the log's end is the truth.
            if let Some((seq, data)) = self.logged_turn_end(&turn).await {
                let status = data.pointer("/turn/status").and_then(|v| v.as_str()).and_then(TurnStatus::parse).filter(|s| s.is_final());
                let error = data.pointer("/turn/error/message").and_then(|v| v.as_str());
                let end = TurnEnd { status: status.unwrap_or(TurnStatus::Completed), error, final_text: None, end_seq: Some(seq) };
                if let Err(e) = self.core.store().end_turn(&row.id, Some(&turn.id), &end).await {
                    tracing::error!(error = %e, session = %row.id, turn = %turn.id, "could not record a turn's end");
                }
                continue;
            }
            self.end_turn_by_host(&row.thread_id, Some(&turn.id), Some(&session), TurnStatus::Interrupted, message, None).await;
            tracing::warn!(session = %row.id, turn = %turn.id, "ended a turn left running by the last run");
        }
        // A turn recorded as ended whose `turn.completed` the host died before logging: log it now, as recorded.
        for turn in unlogged {
            let Some((row, session)) = session_of(&turn) else { continue };
            if let Some((seq, _)) = self.logged_turn_end(&turn).await {
                let _ = self.core.store().set_turn_end_seq(&turn.id, seq).await;
                continue;
            }
            let why = turn.error.as_deref().unwrap_or(message);
            self.end_turn_by_host(&row.thread_id, Some(&turn.id), Some(&session), turn.status, why, turn.final_text.as_deref()).await;
        }
        // A session can still name an active turn the turn record does not hold as running; it is over too.
        for row in rows.iter().filter(|r| r.active_turn_id.is_some()) {
            let Ok(current) = self.core.store().get_session(&row.id).await else { continue };
            let Some(turn_id) = current.active_turn_id.as_deref() else { continue };
            let session = SessionRef { session_id: row.id.as_str().into(), project_id: row.project_id.as_deref().map(Into::into) };
            self.end_turn_by_host(&row.thread_id, Some(turn_id), Some(&session), TurnStatus::Interrupted, message, None).await;
        }
    }

    /// The `turn.completed` of a turn already in the log, searched from the turn's start.
    async fn logged_turn_end(&self, turn: &TurnRow) -> Option<(i64, serde_json::Value)> {
        let (seq, data) = self.core.store().turn_end_event(&turn.id, turn.start_seq?).await.ok()??;
        Some((seq, serde_json::from_str(&data).unwrap_or_default()))
    }
}
