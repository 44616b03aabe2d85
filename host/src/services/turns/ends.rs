//! A turn's start and end: logged and recorded in one commit, then (for an end) its waiters woken and its
//! follow-up queue moved; and, at start, the ends of turns the last run left running.

use serde_json::json;

use super::Turns;
use crate::events::{EventType, NewEvent, QueuedTurn, TurnLogged};
use crate::services::index::SessionRef;
use crate::store::{now_ms, SessionRow, StoreError, TurnChange, TurnEnd, TurnRow, TurnStatus};

/// A turn's start or end in the event writer's queue with its record and view ([`Sessions::queue_turn`]), and what
/// follows its commit ([`Turns::settle`]). The relay queues one and goes on with app-server's next message; the
/// writer keeps the log in the order they were queued either way.
///
/// [`Sessions::queue_turn`]: crate::services::sessions::Sessions::queue_turn
pub(crate) struct TurnCommit {
    queued: QueuedTurn,
    /// The change, kept to be recorded through the pool should the writer not record it with its event.
    change: TurnChange,
}

impl TurnCommit {
    /// Wait for the commit (cancel-safe; bounded by the log's commit wait from when it was queued).
    pub(crate) async fn committed(&mut self) -> Option<TurnLogged> {
        self.queued.committed().await
    }
}

impl Turns {
    /// The promise of a 202: the turn app-server accepted is recorded running and made the session's active turn,
    /// with the session's new view, in one commit of the event writer (no event: `turn.started` is app-server's to
    /// send), and durable before this returns: through the pool should the writer not record it in time. The
    /// record never goes back from a final state (`turn/completed` of a very fast turn may be committed first).
    pub(crate) async fn record_accepted(&self, s: &SessionRef, turn_id: &str) -> Result<(), StoreError> {
        let change = TurnChange::started(&s.session_id, turn_id, now_ms());
        let Some(mut commit) = self.queue(change.clone(), None).await else {
            return self.core.store().record_turn(&change, None).await.map(drop);
        };
        let logged = commit.committed().await;
        let recorded = logged.as_ref().is_some_and(|l| l.recorded);
        let durable = if recorded { Ok(()) } else { self.core.store().record_turn(&change, None).await.map(drop) };
        self.sessions.turn_settled(&s.session_id, recorded).await;
        durable
    }

    /// A turn app-server reported started: its `turn.started`, the session's new view and the turn record (running,
    /// with that event's seq, the session's active turn), queued to be committed together.
    pub(crate) async fn queue_turn_started(&self, s: &SessionRef, turn_id: &str, event: NewEvent) -> Option<TurnCommit> {
        self.queue(TurnChange::started(&s.session_id, turn_id, now_ms()), Some(event)).await
    }

    /// A turn ended (app-server said so): its record (turn and session row), the session's new view and its
    /// `turn.completed`, queued to be committed together. Once committed ([`Turns::settle`]) a client that saw the
    /// event and reads the session or the turn finds it ended, with the event's seq, and the turn's waiters and
    /// follow-up queue move on.
    pub(crate) async fn queue_turn_end(&self, s: &SessionRef, turn_id: Option<&str>, end: &TurnEnd<'_>, event: NewEvent) -> Option<TurnCommit> {
        self.queue(TurnChange::ended(&s.session_id, turn_id, end, now_ms()), Some(event)).await
    }

    async fn queue(&self, change: TurnChange, event: Option<NewEvent>) -> Option<TurnCommit> {
        let queued = self.sessions.queue_turn(change.clone(), event).await?;
        Some(TurnCommit { queued, change })
    }

    /// What follows a turn change's commit (`logged`; None when the log could not commit it in time: it stays
    /// queued with its record). A record the writer could not write with its event is written through the pool
    /// now (a host that dies first leaves a running record whose end is in the log: `reconcile_after_stop` records
    /// it from there). Then the session's views are read from the store again, and an end wakes the turn's waiters
    /// and moves the session's follow-up queue.
    pub(crate) async fn settle(&self, commit: TurnCommit, logged: Option<TurnLogged>) {
        let TurnCommit { change, .. } = commit;
        let session_id = change.session_id();
        let unrecorded = logged.filter(|l| !l.recorded);
        if let Some(logged) = &unrecorded {
            if let Err(e) = self.core.store().record_turn(&change, logged.event.as_ref().map(|e| e.seq)).await {
                tracing::error!(error = %e, session = session_id, turn = change.turn_id(), "could not record a turn's start or end");
            }
        }
        self.sessions.turn_settled(session_id, unrecorded.is_none()).await;
        if let TurnChange::Ended(end) = &change {
            if let Some(turn_id) = end.turn_id.as_deref() {
                self.ends.ended(turn_id);
            }
            self.sessions.followup_board().turn_ended(session_id, end.turn_id.as_deref(), end.status, end.error.as_deref());
        }
    }

    /// End a turn and wait until it is committed and settled (see [`Turns::queue_turn_end`]): the host's own ends
    /// (an app-server that stopped, the last run's leftovers), whose callers read the store right after. A turn
    /// of no session only has its event.
    pub(crate) async fn end_turn(&self, session: Option<&SessionRef>, turn_id: Option<&str>, end: &TurnEnd<'_>, event: NewEvent) {
        let Some(s) = session else {
            self.core.events().publish_committed(event).await;
            if let Some(turn_id) = turn_id {
                self.ends.ended(turn_id);
            }
            return;
        };
        if let Some(mut commit) = self.queue_turn_end(s, turn_id, end, event).await {
            let logged = commit.committed().await;
            self.settle(commit, logged).await;
        }
    }

    /// Wake this host's `?wait=` readers of turns that end on another host (several hosts on one PostgreSQL store):
    /// their ends reach this host only as `turn.completed` in the shared log, committed after the turn's record.
    pub(in crate::services) fn follow_other_hosts_turn_ends(self: &std::sync::Arc<Self>) {
        let turns = std::sync::Arc::downgrade(self);
        // The settled feed: a stream's deltas do not wake it.
        let mut settled = self.core.events().subscribe_settled();
        tokio::spawn(async move {
            loop {
                match settled.recv().await {
                    Ok(crate::events::Settled { event, .. }) if event.kind == crate::events::EventType::TurnCompleted.as_str() => {
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
