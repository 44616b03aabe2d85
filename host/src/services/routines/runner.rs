//! A prompt routine's run, as an attempt of its queue job: send the prompt to the target session (created on the
//! first attempt for a project target, and kept on the run so a retry reuses it), starting a turn, or queueing it as
//! a follow-up while the session is busy (`ifBusy: queue`). The send carries an idempotency key of the run, so a
//! retried attempt never sends twice.

use serde_json::json;

use super::Routines;
use crate::plugins::{JobCall, JobOutcome, Retry};
use crate::services::error::{ErrorKind, ServiceError};
use crate::services::{CreateSession, IfBusy, SendMessage, SendOutcome};
use crate::store::StoreError;

/// Errors worth another attempt: the runtime or the store is away for now.
fn transient(e: &ServiceError) -> bool {
    matches!(e.kind, ErrorKind::Unavailable | ErrorKind::Timeout | ErrorKind::Upstream | ErrorKind::Internal | ErrorKind::TooManyRequests)
}

#[async_trait::async_trait]
impl crate::services::queue::HostJobRunner for Routines {
    async fn run(&self, job: &JobCall) -> Result<JobOutcome, String> {
        let payload: serde_json::Value = serde_json::from_str(&job.payload).unwrap_or_default();
        let Some(run_id) = payload["runId"].as_str() else {
            return Ok(JobOutcome::Failed("the job names no run".into()));
        };
        let run = match self.core.store().get_routine_run(run_id).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Ok(JobOutcome::Failed("the run's routine was deleted".into())),
            Err(e) => return Err(e.to_string()),
        };
        let routine = match self.core.store().get_routine(&run.routine_id).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Ok(JobOutcome::Failed("the routine was deleted".into())),
            Err(e) => return Err(e.to_string()),
        };
        let Some(prompt) = routine.prompt.as_deref() else {
            return Ok(JobOutcome::Failed("the routine no longer has a prompt".into()));
        };
        // A usage limit or a spent budget: the run waits, back in the queue with its attempt given back, until it lifts.
        let project = self.project_of(&routine).await;
        if let Some(hold) = self.queue.hold_if_limited(&job.id, project.as_deref()).await {
            let after = (hold.retry_at_ms() - crate::store::now_ms()).max(1_000) as u64;
            return Ok(JobOutcome::RetryLater(Retry { after_ms: after, reason: hold.limit.reason }));
        }
        let text = match &run.body {
            Some(body) => prompt.replace("{{body}}", body),
            None => prompt.to_string(),
        };
        let session_id = match (&run.session_id, &routine.project_id) {
            (Some(s), _) => s.clone(),
            (None, Some(project)) => {
                let req = CreateSession { project_id: Some(project.clone()), title: Some(routine.name.clone()), ..Default::default() };
                let created = match self.sessions.create_session(req).await {
                    Ok(s) => s,
                    Err(e) if transient(&e) => return Err(e.to_string()),
                    Err(e) => return Ok(JobOutcome::Failed(e.to_string())),
                };
                self.core.store().settle_routine_run(&run.id, &created.id, None, None).await.map_err(|e| e.to_string())?;
                created.id
            }
            (None, None) => return Ok(JobOutcome::Failed("the routine has no target".into())),
        };
        let req = SendMessage { text, mode: None, if_busy: Some(IfBusy::Queue) };
        let key = format!("routine-run:{}", run.id);
        match self.turns.send(&session_id, req, Some(&key)).await {
            Ok(SendOutcome::Started(t)) => {
                self.core.store().settle_routine_run(&run.id, &session_id, Some(&t.turn_id), None).await.map_err(|e| e.to_string())?;
                Ok(JobOutcome::Succeeded(json!({"sessionId": session_id, "turnId": t.turn_id}).to_string()))
            }
            Ok(SendOutcome::Queued(q)) => {
                self.core.store().settle_routine_run(&run.id, &session_id, None, Some(&q.followup.id)).await.map_err(|e| e.to_string())?;
                Ok(JobOutcome::Succeeded(json!({"sessionId": session_id, "followupId": q.followup.id}).to_string()))
            }
            Err(e) if transient(&e) => Err(e.to_string()),
            Err(e) => Ok(JobOutcome::Failed(e.to_string())),
        }
    }
}
