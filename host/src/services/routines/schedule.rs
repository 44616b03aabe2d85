//! The schedule: one task that sleeps until the earliest `next_fire_at` of the enabled routines (or a change wakes
//! it), then claims each due instant by moving `next_fire_at` past now in one conditional UPDATE and queues its run.
//!
//! At start, an instant already past was missed while the host was down: a routine with `catchUp: once` runs once
//! for all of them (`trigger: catch_up`, `scheduledFor` the first one missed), one with `skip` moves on to its next
//! time. Later delays (a suspended machine) are coalesced the same way into one `schedule` run.
//!
//! While a usage limit or a spent budget holds automation in the routine's project, a time that comes while one of
//! its runs still waits in the queue is folded into that run (`skippedTicks` on it) instead of queueing another:
//! at the reset each routine has at most one run to release.

use std::sync::{Arc, Weak};
use std::time::Duration;

use super::Routines;
use crate::store::{CatchUp, RoutineRow, RunTrigger};

/// Longest the scheduler sleeps without looking (routines other hosts change, clock jumps).
const IDLE_LOOK: Duration = Duration::from_secs(30);

pub(super) fn spawn(routines: &Arc<Routines>) {
    let me: Weak<Routines> = Arc::downgrade(routines);
    tokio::spawn(async move {
        if let Some(r) = me.upgrade() {
            r.fire_due(true).await;
        }
        loop {
            let Some(r) = me.upgrade() else { return };
            let now = crate::store::now_ms();
            let wait = match r.core.store().next_routine_fire().await {
                Ok(Some(next)) => Duration::from_millis((next - now).max(0) as u64).min(IDLE_LOOK),
                Ok(None) => IDLE_LOOK,
                Err(e) => {
                    tracing::warn!(error = %e, "could not read the routines' schedule");
                    IDLE_LOOK
                }
            };
            let woken = r.wake.notified();
            tokio::select! {
                _ = woken => {}
                _ = tokio::time::sleep(wait) => {}
            }
            r.fire_due(false).await;
            drop(r);
        }
    });
}

impl Routines {
    /// Queue a run for every routine whose scheduled time has come; `at_start`: those times were missed while the
    /// host was down, and the routine's `catchUp` decides.
    async fn fire_due(&self, at_start: bool) {
        let now = crate::store::now_ms();
        let due = match self.core.store().due_routines(now).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the due routines");
                return;
            }
        };
        for routine in due {
            self.fire(&routine, now, at_start).await;
        }
    }

    /// The project whose limits hold the routine's turns: its own, or its session's.
    pub(super) async fn project_of(&self, routine: &RoutineRow) -> Option<String> {
        match (&routine.project_id, &routine.session_id) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(session)) => self.core.store().get_session(session).await.ok().and_then(|s| s.project_id),
            (None, None) => None,
        }
    }

    pub(in crate::services) async fn fire(&self, routine: &RoutineRow, now: i64, at_start: bool) {
        let Some(due_at) = routine.next_fire_at else { return };
        let next = self.next_fire(routine, now);
        if next.is_none() {
            // A schedule this host cannot read (a seconds field without the test switch) or with no time left.
            tracing::warn!(routine = %routine.id, schedule = ?routine.schedule, "the routine's schedule names no next time; it runs by webhook or by hand only");
        }
        match self.core.store().advance_routine(&routine.id, due_at, next).await {
            Ok(true) => {}
            // Another host (or an edit) moved it first.
            Ok(false) => return,
            Err(e) => {
                tracing::warn!(error = %e, routine = %routine.id, "could not claim a routine's scheduled time");
                return;
            }
        }
        let trigger = match (at_start, routine.catch_up) {
            (false, _) => RunTrigger::Schedule,
            (true, CatchUp::Once) => RunTrigger::CatchUp,
            (true, CatchUp::Skip) => {
                tracing::info!(routine = %routine.id, missed = due_at, "skipped the times missed while the host was down (catchUp: skip)");
                return;
            }
        };
        // While a limit holds automation here, a run already waiting in the queue takes this time too (counted on it),
        // like a catch-up: the reset then releases one run per routine, not one per tick.
        if self.limits.may_start_turn(self.project_of(routine).await.as_deref()).await.is_some() {
            match self.core.store().fold_into_queued_run(&routine.id, due_at).await {
                Ok(true) => {
                    tracing::info!(routine = %routine.id, skipped = due_at, "a limit holds: the scheduled time is folded into the run that waits");
                    return;
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, routine = %routine.id, "could not fold a scheduled time into the waiting run"),
            }
        }
        if let Err(e) = self.start_run(routine, trigger, Some(due_at), None, "schedule").await {
            tracing::warn!(error = %e, routine = %routine.id, "a scheduled run could not be queued");
        }
    }
}
