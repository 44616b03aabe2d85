//! Worker sessions: a plugin's helper turns run on a hidden session of its own, one per plugin and working
//! directory, with least privilege by default (read-only sandbox, no network). The turn's end and final text come
//! from the host's turn record (woken by the end, not polled); what the turn asks (approvals, questions) is answered at once by the plugin's
//! policy, never left pending; a canceled job's turn is interrupted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};


use super::Queue;
use crate::plugins::api::{WorkerReply, WorkerTurn};
use crate::services::error::{ErrorCode, ServiceError, ServiceResult};
use crate::services::requests::WorkerPolicy;
use crate::services::{CreateSession, SandboxMode, SendMessage, SessionControls};
use crate::store::SessionRow;

/// `createdBy` of the jobs a routine's runs enqueue (`routine:<id>`).
pub(in crate::services) const ROUTINE_CREATOR: &str = "routine:";
/// Longest prompt a worker turn takes.
const MAX_PROMPT_BYTES: usize = 256 * 1024;
/// How long a worker turn waits for app-server to be ready (it restarts) before failing with `runtime_unavailable`;
/// the job's own timeout bounds it too.
const READY_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// A job's worker turn in flight. It holds its worker session's lock, so until the job's turn is over (or
/// interrupted on the job's behalf) no other turn can start there — interrupting the session hits this turn only.
struct JobTurn {
    session_id: String,
    _one_at_a_time: tokio::sync::OwnedMutexGuard<()>,
}

#[derive(Default)]
pub struct Workers {
    /// job id → its worker turn in flight.
    turns_by_job: Mutex<HashMap<String, JobTurn>>,
    /// job id → the limit its worker turn met: the attempt ends in a wait, not a failure.
    held: Mutex<HashMap<String, crate::services::limits::Hold>>,
    /// One turn at a time per worker session: (plugin, cwd) → lock.
    locks: Mutex<HashMap<(String, String), Arc<tokio::sync::Mutex<()>>>>,
}

impl Queue {
    /// Run a helper turn for a running job of `plugin_id` and wait for it to end.
    pub(in crate::services) async fn run_worker_turn(&self, plugin_id: &str, job_id: &str, turn: WorkerTurn) -> ServiceResult<WorkerReply> {
        let job = self.core.store().get_job(job_id).await?;
        if job.plugin_id != plugin_id || job.state != crate::store::JobState::Running {
            return Err(ServiceError::invalid("worker turns run only for a job of this plugin that is running"));
        }
        if turn.prompt.trim().is_empty() || turn.prompt.len() > MAX_PROMPT_BYTES {
            return Err(ServiceError::invalid(format!("a worker prompt is 1-{MAX_PROMPT_BYTES} bytes")));
        }
        let (cwd, project_id) = match (&turn.session_id, &turn.project_id) {
            (Some(s), _) => {
                let row = self.core.session_row(s).await?;
                if row.worker_of.is_some() {
                    return Err(ServiceError::invalid("name the user's session, not a worker session"));
                }
                (row.cwd, row.project_id)
            }
            (None, Some(p)) => {
                let project = self.projects.get_project(p).await?;
                (project.cwd, Some(project.id))
            }
            (None, None) => return Err(ServiceError::invalid("a worker turn needs `session-id` or `project-id`: it runs where they do")),
        };
        // Automation waits out a usage limit or a spent budget: the job goes back to the queue until it lifts.
        if let Some(hold) = self.limits.may_start_turn(project_id.as_deref()).await {
            return Err(self.workers.hold(job_id, hold));
        }
        // Work that needs app-server waits for it: an attempt that failed on "not ready" would burn the job's attempts
        // while app-server restarts.
        if self.core.app_server().connection().is_none() {
            self.core.app_server().wait_ready(READY_WAIT).await;
        }
        let one_at_a_time = self.workers.lock_for(plugin_id, &cwd).lock_owned().await;

        let controls = SessionControls {
            model: turn.model.clone(),
            reasoning_effort: None,
            approval_policy: Some(crate::services::ApprovalPolicy::OnRequest),
            sandbox: Some(if turn.workspace_write { SandboxMode::WorkspaceWrite } else { SandboxMode::ReadOnly }),
            network_access: Some(turn.network),
        };
        let session = self.worker_session(plugin_id, &cwd, project_id, &controls).await?;
        let overridden = (turn.accept_requests && !self.target_asks_nothing(&job).await?)
            .then(|| "a routine's worker turn accepts nothing its session would ask a person about (the session's approval policy wins)".to_string());
        let accept = turn.accept_requests && overridden.is_none();
        let policy = WorkerPolicy { plugin_id: plugin_id.to_string(), job_id: job_id.to_string(), accept, overridden };
        self.requests.answer_as_worker(&session.id, policy);

        // Registered before the turn starts: a job dropped mid-send still has its turn interrupted, and the session
        // stays locked until then.
        let entry = JobTurn { session_id: session.id.clone(), _one_at_a_time: one_at_a_time };
        self.workers.turns_by_job.lock().expect("worker turns poisoned").insert(job_id.to_string(), entry);
        let accepted = self.turns.send_message(&session.id, SendMessage { text: turn.prompt.clone(), mode: None, if_busy: None }, None).await;
        let accepted = match accepted {
            Ok(a) => a,
            Err(e) => {
                self.workers.turns_by_job.lock().expect("worker turns poisoned").remove(job_id);
                return Err(e);
            }
        };
        // A store error here leaves the entry: the scheduler's clean-up interrupts the turn.
        let ended = self.turns.wait_turn_end(&session.id, &accepted.turn_id).await?;
        self.workers.turns_by_job.lock().expect("worker turns poisoned").remove(job_id);
        if ended.status == crate::store::TurnStatus::Failed && self.limits.turn_hit_limit(&accepted.turn_id) {
            if let Some(hold) = self.limits.may_start_turn(session.project_id.as_deref()).await {
                return Err(self.workers.hold(job_id, hold));
            }
        }
        let text = ended.final_text.unwrap_or_default();
        Ok(WorkerReply { session_id: session.id, turn_id: accepted.turn_id, status: ended.status.as_str().to_string(), text, error: ended.error })
    }

    /// A routine never runs with fewer approvals than its session: a routine's job (a job routine's run) may have its
    /// worker turn's requests accepted only when the routine's target session asks nothing itself (its effective
    /// `approvalPolicy` is `never`; a project target's new session gets the host's defaults). Else they are declined,
    /// whatever the plugin asked for: no person watches a worker session. Other jobs keep the plugin's policy.
    async fn target_asks_nothing(&self, job: &crate::store::JobRow) -> ServiceResult<bool> {
        if !job.created_by.starts_with(ROUTINE_CREATOR) {
            return Ok(true);
        }
        let effective = match &job.session_id {
            Some(s) => self.sessions.session_controls(s).await?.effective,
            None => self.sessions.default_controls().await?,
        };
        Ok(effective.approval_policy == Some(crate::services::ApprovalPolicy::Never))
    }

    /// The plugin's worker session for `cwd`, created on first use, with `controls` for its next turn.
    async fn worker_session(&self, plugin_id: &str, cwd: &str, project_id: Option<String>, controls: &SessionControls) -> ServiceResult<SessionRow> {
        if let Some(row) = self.core.store().worker_session(plugin_id, cwd, &self.core.hosts().this().id).await? {
            if SessionControls::from_json(&row.controls) != *controls {
                self.sessions.set_session_controls(&row.id, controls.clone()).await?;
            }
            return self.core.session_row(&row.id).await;
        }
        let req = CreateSession {
            project_id,
            cwd: Some(cwd.to_string()),
            title: Some(format!("{plugin_id} worker")),
            controls: Some(controls.clone()),
            dynamic_tools: None,
            tool_call_timeout_ms: None,
        };
        let created = self.sessions.create_session_for(req, Some(plugin_id)).await?;
        self.core.session_row(&created.id).await
    }

    /// Interrupt the worker turn a job left running (it was canceled, timed out, or its call ended early).
    pub(in crate::services) async fn stop_worker_turns_of(&self, job_id: &str) {
        let turn = self.workers.turns_by_job.lock().expect("worker turns poisoned").remove(job_id);
        if let Some(turn) = turn {
            // The entry holds the session's lock: the turn running there, if any, is this job's.
            let session = &turn.session_id;
            match self.turns.interrupt(session).await {
                Ok(r) => tracing::info!(job = job_id, session = %session, turn = %r.turn_id, "interrupted a stopped job's worker turn"),
                Err(ServiceError { code: ErrorCode::NoActiveTurn, .. }) => {}
                Err(e) => tracing::warn!(job = job_id, session = %session, error = %e, "could not interrupt a stopped job's worker turn"),
            }
        }
    }
}

/// The error automation meets while a limit holds: the reason, and when it lifts (plugins see the message only).
pub(super) fn limited(hold: &crate::services::limits::Hold) -> ServiceError {
    let message = match &hold.limit.resets_at {
        Some(at) => format!("{}; automated turns wait until {at}", hold.limit.reason),
        None => hold.limit.reason.clone(),
    };
    ServiceError::new(crate::services::ErrorKind::TooManyRequests, ErrorCode::UsageLimited, message).with_details(serde_json::json!({"limit": hold.limit}))
}

impl Workers {
    /// Remember that the job met a limit, and say so to the plugin.
    pub(super) fn hold(&self, job_id: &str, hold: crate::services::limits::Hold) -> ServiceError {
        let err = limited(&hold);
        self.held.lock().expect("worker holds poisoned").insert(job_id.to_string(), hold);
        err
    }

    /// The limit the job's attempt met, if any (taken: the next attempt starts clean).
    pub(super) fn take_hold(&self, job_id: &str) -> Option<crate::services::limits::Hold> {
        self.held.lock().expect("worker holds poisoned").remove(job_id)
    }

    fn lock_for(&self, plugin_id: &str, cwd: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.locks.lock().expect("worker locks poisoned").entry((plugin_id.to_string(), cwd.to_string())).or_default().clone()
    }
}
