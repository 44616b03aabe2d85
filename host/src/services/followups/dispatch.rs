//! Starting follow-ups: one at a time per session, in order, exactly once, when the session is idle; and pausing a
//! queue when the session's turn needs the user (an approval) or went wrong (failed, interrupted).
//!
//! Exactly once: under the session lock (which every send also takes), the next follow-up is claimed by a conditional
//! update (`queued` -> `starting`) before `turn/start`, and settled after it (`started` with the turn, or
//! `failed`). A host that stops between the two finds it `starting` at its next start: if the turn records hold a
//! turn of the session from the claim on, it started that turn; if not, whether app-server got it cannot be known,
//! so it is failed (never sent twice) and the queue pauses, for the user to look and queue it again.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::{Followup, Followups, Signal};
use crate::appserver::AppServerStatus;
use crate::events::EventType;
use crate::services::core::Core;
use crate::services::limits::{Hold, LimitKind, Limits};
use crate::services::live::LiveThreads;
use crate::services::turns::{SendMessage, Turns};
use crate::store::{Claim, FollowupStatus, PauseCause, PauseReason, StoreError, TurnStatus};

const UNKNOWN_START: &str = "the host stopped while starting this follow-up, before Codex confirmed its turn; it was not sent \
     again (check the chat, then queue it again if it is missing)";

pub struct Dispatcher {
    core: Arc<Core>,
    followups: Arc<Followups>,
    turns: Arc<Turns>,
    live: Arc<LiveThreads>,
    /// Asked before each follow-up starts; its changes resume queues paused for a limit.
    limits: Arc<Limits>,
}

impl Dispatcher {
    pub(in crate::services) fn new(
        core: Arc<Core>,
        followups: Arc<Followups>,
        turns: Arc<Turns>,
        live: Arc<LiveThreads>,
        limits: Arc<Limits>,
    ) -> Arc<Self> {
        Arc::new(Self { core, followups, turns, live, limits })
    }

    /// Settle what the last run left `starting`, then follow the signals (in order) and app-server's restarts.
    pub(in crate::services) async fn start(self: &Arc<Self>, inbox: mpsc::UnboundedReceiver<Signal>) {
        self.settle_left_starting().await;
        // Queues a limit paused before a restart: the usage limit is held again until the reset they recorded (the
        // host's memory of it went with the last run), and what lifted meanwhile resumes now.
        self.restore_limits().await;
        self.resume_lifted().await;
        tokio::spawn(self.clone().run(inbox));
        // A limit that lifted (a reset, a new day, a raised budget) resumes the queues it paused, by itself.
        let me = Arc::downgrade(self);
        let mut changes = self.limits.subscribe();
        tokio::spawn(async move {
            while changes.changed().await.is_ok() {
                let Some(me) = me.upgrade() else { return };
                me.resume_lifted().await;
            }
        });
        let me = self.clone();
        let mut state = self.core.app_server().watch_state();
        tokio::spawn(async move {
            let mut seen = 0;
            // A follow-up waits while app-server is down; each generation that gets ready starts what waits.
            loop {
                let generation = {
                    let s = state.borrow_and_update();
                    (s.status == AppServerStatus::Ready).then_some(s.generation)
                };
                if let Some(g) = generation.filter(|g| *g > seen) {
                    seen = g;
                    me.followups.board.signal(Signal::Wake { session_id: None });
                }
                if state.changed().await.is_err() {
                    return;
                }
            }
        });
    }

    async fn run(self: Arc<Self>, mut inbox: mpsc::UnboundedReceiver<Signal>) {
        while let Some(signal) = inbox.recv().await {
            match signal {
                Signal::TurnEnded { session_id, turn_id, status, error } => {
                    if status == TurnStatus::Failed && turn_id.as_deref().is_some_and(|t| self.limits.turn_hit_limit(t)) {
                        if let Ok(row) = self.core.store().get_session(&session_id).await {
                            if let Some(hold) = self.limits.may_start_turn(row.project_id.as_deref()).await {
                                self.pause_for_limit(&row, &hold, turn_id.as_deref()).await;
                                continue;
                            }
                        }
                    }
                    let reason = match status {
                        TurnStatus::Failed => Some(PauseReason::TurnFailed),
                        TurnStatus::Interrupted => Some(PauseReason::Interrupted),
                        TurnStatus::Completed | TurnStatus::InProgress => None,
                    };
                    match reason {
                        Some(reason) => {
                            let cause = PauseCause { turn_id: turn_id.as_deref(), request_id: None, message: error.as_deref(), resets_at: None };
                            self.pause(&session_id, reason, &cause).await;
                        }
                        None => self.wake(session_id),
                    }
                }
                Signal::Approval { session_id, request_id, turn_id } => {
                    let cause = PauseCause { turn_id: turn_id.as_deref(), request_id: Some(&request_id), message: None, resets_at: None };
                    self.pause(&session_id, PauseReason::Approval, &cause).await;
                }
                Signal::Wake { session_id: Some(session_id) } => self.wake(session_id),
                Signal::Wake { session_id: None } => {
                    for session_id in self.followups.board.ready_sessions() {
                        self.wake(session_id);
                    }
                }
            }
        }
    }

    async fn pause(&self, session_id: &str, reason: PauseReason, cause: &PauseCause<'_>) {
        if self.followups.open_count(session_id) == 0 {
            return;
        }
        if let Ok(row) = self.core.store().get_session(session_id).await {
            self.followups.pause_for(&row, reason, cause).await;
        }
    }

    /// Start the session's next follow-up if it can start now; beside the signal loop, so a slow `thread/resume` of
    /// one session holds up no other.
    fn wake(self: &Arc<Self>, session_id: String) {
        if self.followups.open_count(&session_id) == 0 {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move { me.start_next(&session_id).await });
    }

    /// Claim and start the session's next follow-up: only when the session is idle, unarchived, its queue running and
    /// app-server ready (each of those ends calls this again: a turn's end, an unarchive's next send, a resume, a
    /// new generation).
    pub(crate) async fn start_next(&self, session_id: &str) {
        let lock = self.core.session_lock(session_id);
        let _guard = lock.lock().await;
        let Ok(row) = self.core.store().get_session(session_id).await else { return };
        // Only the owner's app-server can run the session's turns; the owner's own dispatcher starts them.
        if !self.core.hosts().owns(row.owner_host.as_deref()) {
            return;
        }
        if row.archived || self.live.active_turn(&row.thread_id).is_some() || self.core.connection().is_err() {
            return;
        }
        // Automation waits out a usage limit or a spent budget (paused; it resumes by itself when it lifts).
        if self.followups.open_count(&row.id) > 0 && !self.followups.board.summary(&row.id).paused {
            if let Some(hold) = self.limits.may_start_turn(row.project_id.as_deref()).await {
                self.pause_for_limit(&row, &hold, None).await;
                return;
            }
        }
        let claimed = match self.core.store().claim_next_followup(&row.id).await {
            Ok(Claim::Claimed(claimed)) => claimed,
            Ok(Claim::Nothing) => return,
            // The turn's end got here before its pause (the signal is on its way): record the pause now.
            Ok(Claim::HeldByTurnEnd(reason, error)) => {
                // The error comes with the status the claim saw: `row` was read before the turn's end may have landed.
                let cause = PauseCause { turn_id: None, request_id: None, message: error.as_deref(), resets_at: None };
                self.followups.pause_for(&row, reason, &cause).await;
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, session = session_id, "could not claim the next follow-up");
                return;
            }
        };
        let followup = Followup::from(claimed.clone());
        self.core.events().publish(self.followups.event(EventType::FollowupStarting, &row, &followup)).await;
        let mode = followup.mode;
        let req = SendMessage { text: claimed.text.clone(), mode, if_busy: None };
        match self.turns.start_turn_locked(&row, &req).await {
            Ok(accepted) => {
                self.settle(&row, &claimed.id, FollowupStatus::Started, Some(&accepted.turn_id), None).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, session = session_id, followup = %claimed.id, "a follow-up did not start");
                self.settle(&row, &claimed.id, FollowupStatus::Failed, None, Some(&e.message)).await;
                let cause = PauseCause { turn_id: None, request_id: None, message: Some(&e.message), resets_at: None };
                self.followups.pause_for(&row, PauseReason::StartFailed, &cause).await;
            }
        }
    }

    async fn pause_for_limit(&self, row: &crate::store::SessionRow, hold: &Hold, turn_id: Option<&str>) {
        let reason = if hold.limit.kind == LimitKind::Budget { PauseReason::Budget } else { PauseReason::UsageLimit };
        let cause = PauseCause { turn_id, request_id: None, message: Some(&hold.limit.reason), resets_at: Some(hold.retry_at_ms()) };
        self.followups.pause_for(row, reason, &cause).await;
        // The limit may have lifted (and its change been handled) between the check and the pause: look again.
        if self.limits.may_start_turn(row.project_id.as_deref()).await.is_none() {
            self.followups.resume_by_host(row).await;
        }
    }

    async fn restore_limits(&self) {
        for session_id in self.followups.board.paused_for(&[PauseReason::UsageLimit]) {
            if let Ok(Some(pause)) = self.core.store().followup_pause(&session_id).await {
                if let Some(resets_at) = pause.resets_at {
                    self.limits.restore_usage_limit(pause.message.as_deref().unwrap_or("Codex's usage limit is reached"), resets_at);
                }
            }
        }
    }

    /// Resume every queue a limit paused whose session may start turns again.
    async fn resume_lifted(&self) {
        for session_id in self.followups.board.paused_for(&[PauseReason::UsageLimit, PauseReason::Budget]) {
            let Ok(row) = self.core.store().get_session(&session_id).await else { continue };
            if !self.core.hosts().owns(row.owner_host.as_deref()) {
                continue;
            }
            if self.limits.may_start_turn(row.project_id.as_deref()).await.is_none() {
                self.followups.resume_by_host(&row).await;
            }
        }
    }

    async fn settle(&self, row: &crate::store::SessionRow, id: &str, status: FollowupStatus, turn_id: Option<&str>, error: Option<&str>) {
        match self.core.store().settle_followup(id, status, turn_id, error).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::error!(error = %e, followup = id, "could not record how a follow-up started");
                return;
            }
        }
        self.followups.refresh(&row.id).await;
        let kind = if status == FollowupStatus::Started { EventType::FollowupStarted } else { EventType::FollowupFailed };
        if let Ok(settled) = self.core.store().get_followup(id).await {
            self.core.events().publish(self.followups.event(kind, row, Followup::from(settled)).turn(turn_id.map(str::to_owned))).await;
        }
    }

    /// Follow-ups the last run left `starting` (see the module's comment).
    async fn settle_left_starting(&self) {
        let left = match self.core.store().starting_followups().await {
            Ok(left) => left,
            Err(e) => {
                tracing::error!(error = %e, "could not read the follow-ups left starting by the last run");
                return;
            }
        };
        for f in left {
            let row = match self.core.store().get_session(&f.session_id).await {
                // Another host's follow-up may be starting right now: that host settles its own.
                Ok(row) if !self.core.hosts().owns(row.owner_host.as_deref()) => continue,
                Ok(row) => row,
                Err(StoreError::NotFound) => continue,
                Err(e) => {
                    tracing::error!(error = %e, followup = %f.id, "could not settle a follow-up left starting");
                    continue;
                }
            };
            let since = f.claimed_at.unwrap_or(f.updated_at);
            match self.core.store().first_turn_since(&f.session_id, since).await {
                Ok(Some(turn_id)) => self.settle(&row, &f.id, FollowupStatus::Started, Some(&turn_id), None).await,
                Ok(None) => {
                    self.settle(&row, &f.id, FollowupStatus::Failed, None, Some(UNKNOWN_START)).await;
                    let cause = PauseCause { turn_id: None, request_id: None, message: Some(UNKNOWN_START), resets_at: None };
                    self.followups.pause_for(&row, PauseReason::StartFailed, &cause).await;
                }
                Err(e) => tracing::error!(error = %e, followup = %f.id, "could not settle a follow-up left starting"),
            }
        }
    }
}
