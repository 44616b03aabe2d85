//! The durable job queue: `queued → running → succeeded | failed | canceled`, each transition a history row and
//! a `job.*` event. Kinds belong to plugins (declared in their manifests); the core hard-codes no workflow.
//!
//! This module holds the use cases clients call (enqueue, list, get, cancel, retry); [`scheduler`] claims due
//! jobs within the concurrency lanes, runs them in their plugin under a lease, and records how they ended.

mod backoff;
mod host_jobs;
mod scheduler;
mod workers;

pub(in crate::services) use host_jobs::{HostJob, HostJobRunner, HOST_PLUGIN_ID};
pub(in crate::services) use workers::ROUTINE_CREATOR;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use scheduler::Scheduler;
use workers::Workers;

use super::core::Core;
use super::error::{ErrorCode, ErrorKind, ServiceError, ServiceResult};
use super::paging;
use super::plugins::Plugins;
use super::projects::Projects;
use super::requests::Requests;
use super::sessions::Sessions;
use super::turns::Turns;
use super::waits::EndWaiters;
use crate::events::{envelope_ts, EventType, NewEvent};
use crate::plugins::JobKind;
use crate::store::{Enqueued, JobErrorKind, JobFilter, JobHistoryRow, JobRow, JobState, StoreError};

/// Largest page of jobs.
pub const MAX_JOBS_PAGE: i64 = 500;
/// Largest payload a client may enqueue.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;
/// Longest a job may be delayed.
const MAX_DELAY_MS: u64 = 7 * 24 * 3600 * 1000;
/// How long a cancel waits for a running job to stop.
const CANCEL_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// A job as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub id: String,
    pub kind: String,
    /// The plugin that runs this kind.
    pub plugin_id: String,
    pub state: JobState,
    /// Any JSON value, as it was enqueued (`null` when none was given).
    pub payload: Value,
    pub session_id: Option<String>,
    pub project_id: Option<String>,
    /// Lower runs first.
    pub priority: i64,
    pub dedupe_key: Option<String>,
    /// Attempts started so far (the running one included).
    pub attempt: i64,
    pub max_attempts: i64,
    /// Wall time of one attempt.
    pub timeout_ms: i64,
    /// Not run before this time.
    pub run_after: String,
    /// The plugin's output when it succeeded.
    #[schema(value_type = Option<Object>)]
    pub result: Option<Value>,
    /// Why the last attempt failed (also set while a retry waits).
    pub error: Option<JobError>,
    /// A cancel was asked for and is being carried out.
    pub cancel_requested: bool,
    /// Who enqueued it: a client label (`web`, `cli`, ...) or `plugin:<id>`.
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// What a queued job waits for (a usage limit, a spent budget) and when it lifts: the job is not due before
    /// then, and the wait burns no attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<super::limits::UsageLimit>,
    /// Every transition, oldest first (only on single-job reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<JobTransition>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobError {
    pub kind: JobErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobTransition {
    pub at: String,
    pub from_state: Option<JobState>,
    pub to_state: JobState,
    pub attempt: i64,
    pub detail: Option<String>,
}

impl From<JobHistoryRow> for JobTransition {
    fn from(h: JobHistoryRow) -> Self {
        Self { at: envelope_ts(h.at), from_state: h.from_state, to_state: h.to_state, attempt: h.attempt, detail: h.detail }
    }
}

impl From<JobRow> for Job {
    fn from(r: JobRow) -> Self {
        let error = r.error_kind.map(|kind| JobError { kind, message: r.error.unwrap_or_default() });
        Self {
            id: r.id,
            kind: r.kind,
            plugin_id: r.plugin_id,
            state: r.state,
            payload: serde_json::from_str(&r.payload).unwrap_or(Value::Null),
            session_id: r.session_id,
            project_id: r.project_id,
            priority: r.priority,
            dedupe_key: r.dedupe_key,
            attempt: r.attempt,
            max_attempts: r.max_attempts,
            timeout_ms: r.timeout_ms,
            run_after: envelope_ts(r.run_after),
            result: r.result.and_then(|t| serde_json::from_str(&t).ok()),
            error,
            cancel_requested: r.cancel_requested,
            created_by: r.created_by,
            created_at: envelope_ts(r.created_at),
            updated_at: envelope_ts(r.updated_at),
            started_at: r.started_at.map(envelope_ts),
            finished_at: r.finished_at.map(envelope_ts),
            waiting: r.wait.map(super::limits::UsageLimit::from_job_wait),
            history: None,
        }
    }
}

/// A job to enqueue.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnqueueJob {
    /// A kind an enabled plugin declares (see `GET /api/jobs/kinds`).
    pub kind: String,
    /// JSON handed to the plugin (default `{}`), at most 256 KiB.
    #[serde(default)]
    pub payload: Option<Value>,
    /// The session the job is about; its project is taken from it.
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub project_id: Option<String>,
    /// While a job of this kind with this key is queued or running, enqueueing returns it instead of a new one.
    #[serde(default)]
    pub dedupe_key: Option<String>,
    /// Lower runs first (default 100).
    #[serde(default)]
    pub priority: Option<i32>,
    /// Run no earlier than this many milliseconds from now.
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

/// An enqueue's answer: the job, and whether an equal live job was returned instead of a new one.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnqueueResult {
    pub job: Job,
    pub duplicate: bool,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct JobQuery {
    /// Only jobs in this state.
    #[param(value_type = Option<JobState>)]
    pub state: Option<String>,
    pub kind: Option<String>,
    pub session_id: Option<String>,
    pub project_id: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<i64>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobPage {
    pub jobs: Vec<Job>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobKinds {
    pub kinds: Vec<JobKind>,
}

/// Queue depth, for readiness details and monitoring.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueStats {
    pub queued: i64,
    pub running: i64,
    /// How long the longest-waiting job has been due (since its `runAfter`), in milliseconds; 0 when none waits.
    /// Delayed jobs and jobs waiting out a backoff are not counted until they are due.
    pub oldest_queued_age_ms: i64,
    pub capacity: i64,
}


fn job_not_found(id: &str) -> ServiceError {
    ServiceError::not_found(ErrorCode::JobNotFound, format!("no job `{id}`"))
}

/// The job queue: its use cases, the scheduler that runs jobs in their plugins, and the worker turns jobs run.
pub struct Queue {
    core: Arc<Core>,
    plugins: Arc<Plugins>,
    projects: Arc<Projects>,
    sessions: Arc<Sessions>,
    turns: Arc<Turns>,
    requests: Arc<Requests>,
    /// Asked before each worker turn: a usage limit or a spent budget makes the job wait.
    limits: Arc<super::limits::Limits>,
    scheduler: Scheduler,
    workers: Workers,
    /// Kinds the host runs itself (routine runs).
    host_jobs: host_jobs::HostJobs,
    /// Who waits for a job to finish (`GET /api/jobs/{id}?wait=`), woken when its final state is published.
    ends: EndWaiters,
}

impl Queue {
    /// Times the scheduler has looked at the queue (an idle host's test).
    #[cfg(test)]
    pub(in crate::services) fn scheduler_looks(&self) -> u64 {
        self.scheduler.looks()
    }

    /// Whether a host job (a routine's run) must wait out a usage limit or a spent budget before it starts a turn in
    /// `project_id`. When it must, the job is marked held: whatever its attempt returns, the scheduler puts it back
    /// to wait until the limit lifts, its attempt given back, as for a plugin's worker turn.
    pub(in crate::services) async fn hold_if_limited(&self, job_id: &str, project_id: Option<&str>) -> Option<super::limits::Hold> {
        let hold = self.limits.may_start_turn(project_id).await?;
        let _ = self.workers.hold(job_id, hold.clone());
        Some(hold)
    }

    /// A plugin's own message (`turns.send-message`) starts a turn by automation: a usage limit or a spent budget
    /// holds it like a worker turn. Inside a `run-job` call the job waits (back in the queue, its attempt given
    /// back, whatever the plugin makes of the error); outside one the call is refused with the reason and the reset,
    /// for the plugin to try again then.
    pub(in crate::services) async fn gate_plugin_message(&self, job_id: Option<&str>, session_id: &str) -> ServiceResult<()> {
        let row = self.core.session_row(session_id).await?;
        let Some(hold) = self.limits.may_start_turn(row.project_id.as_deref()).await else { return Ok(()) };
        Err(match job_id {
            Some(job) => self.workers.hold(job, hold),
            None => workers::limited(&hold),
        })
    }

    pub(super) fn new(
        core: Arc<Core>,
        plugins: Arc<Plugins>,
        projects: Arc<Projects>,
        sessions: Arc<Sessions>,
        turns: Arc<Turns>,
        requests: Arc<Requests>,
        limits: Arc<super::limits::Limits>,
        config: crate::config::QueueConfig,
    ) -> Arc<Self> {
        let host_id = core.hosts().this().id.clone();
        Arc::new(Self {
            core,
            plugins,
            projects,
            sessions,
            turns,
            requests,
            limits,
            scheduler: Scheduler::new(config, &host_id),
            workers: Workers::default(),
            host_jobs: Default::default(),
            ends: EndWaiters::default(),
        })
    }

    /// Start the scheduling loop (once app-server's output is being read: attempts wait for it to be ready).
    pub(super) fn start(self: &Arc<Self>) {
        Scheduler::spawn(self);
    }

    /// Hand every running job back to the queue and wait (briefly) until they are.
    pub(super) async fn shutdown(&self) {
        self.scheduler.shutdown().await;
    }

    /// Enqueue a job for a kind an enabled plugin declares, on this host or on another host sharing the store
    /// (which then claims it). `created_by` is the client label or `plugin:<id>`; a plugin may enqueue only its own
    /// kinds.
    pub async fn enqueue_job(&self, req: EnqueueJob, created_by: &str) -> ServiceResult<EnqueueResult> {
        let kind = self.plugins.job_kind_on_any_host(&req.kind).await.ok_or_else(|| {
            ServiceError::new(
                ErrorKind::Invalid,
                ErrorCode::UnknownJobKind,
                format!("no enabled plugin runs jobs of kind `{}` (see GET /api/jobs/kinds)", req.kind.chars().take(64).collect::<String>()),
            )
        })?;
        if let Some(plugin) = created_by.strip_prefix("plugin:") {
            if plugin != kind.plugin_id {
                return Err(ServiceError::new(
                    ErrorKind::Forbidden,
                    ErrorCode::JobKindNotOwned,
                    format!("`{}` belongs to plugin `{}`: a plugin enqueues only its own kinds", kind.kind, kind.plugin_id),
                ));
            }
        }
        let payload = req.payload.unwrap_or_else(|| Value::Object(Default::default())).to_string();
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(ServiceError::new(ErrorKind::Invalid, ErrorCode::PayloadTooLarge, format!("a job payload is at most {MAX_PAYLOAD_BYTES} bytes")));
        }
        if req.dedupe_key.as_deref().is_some_and(|k| k.is_empty() || k.len() > 200) {
            return Err(ServiceError::invalid("`dedupeKey` must be 1-200 bytes"));
        }
        let delay = req.delay_ms.unwrap_or(0);
        if delay > MAX_DELAY_MS {
            return Err(ServiceError::invalid(format!("`delayMs` must be at most {MAX_DELAY_MS}")));
        }
        let project_id = match &req.session_id {
            Some(s) => {
                let row = self.core.session_row(s).await?;
                match (&req.project_id, row.project_id) {
                    (Some(given), Some(own)) if *given != own => {
                        return Err(ServiceError::invalid(format!("session `{s}` is in project `{own}`, not `{given}`")))
                    }
                    (given, own) => own.or_else(|| given.clone()),
                }
            }
            None => req.project_id.clone(),
        };
        if let (Some(p), None) = (&project_id, &req.session_id) {
            self.projects.get_project(p).await?;
        }
        let now = crate::store::now_ms();
        let row = JobRow {
            session_id: req.session_id.clone(),
            project_id,
            priority: i64::from(req.priority.unwrap_or(100)),
            dedupe_key: req.dedupe_key.clone(),
            max_attempts: i64::from(kind.max_attempts),
            timeout_ms: kind.timeout_ms as i64,
            run_after: now + delay as i64,
            ..JobRow::queued(&kind.kind, &kind.plugin_id, payload, created_by, now)
        };
        match self.core.store().enqueue_job(&row, self.scheduler.capacity()).await? {
            Enqueued::Created(job) => {
                self.publish_job_event(EventType::JobQueued, &job).await;
                self.scheduler.wake();
                Ok(EnqueueResult { job: job.into(), duplicate: false })
            }
            Enqueued::Duplicate(job) => Ok(EnqueueResult { job: job.into(), duplicate: true }),
            Enqueued::Full => Err(ServiceError::new(
                ErrorKind::TooManyRequests,
                ErrorCode::QueueFull,
                format!("the queue holds {} live jobs, its capacity; try again when some have finished", self.scheduler.capacity()),
            )),
        }
    }

    pub async fn list_jobs(&self, q: JobQuery) -> ServiceResult<JobPage> {
        let limit = q.limit.unwrap_or(50);
        if !(1..=MAX_JOBS_PAGE).contains(&limit) {
            return Err(ServiceError::invalid(format!("`limit` must be between 1 and {MAX_JOBS_PAGE}")));
        }
        let state = match q.state.as_deref() {
            Some(s) => Some(JobState::parse(s).ok_or_else(|| {
                let all: Vec<_> = JobState::ALL.iter().map(|s| s.as_str()).collect();
                ServiceError::invalid(format!("unknown state `{s}`: use one of {}", all.join(", ")))
            })?),
            None => None,
        };
        let before = q.cursor.as_deref().map(paging::decode).transpose()?;
        let filter = JobFilter { state, kind: q.kind, session_id: q.session_id, project_id: q.project_id, before, limit: limit + 1 };
        let mut rows = self.core.store().list_jobs(&filter).await?;
        let next_cursor = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|r| paging::encode(r.created_at, &r.id))
        } else {
            None
        };
        Ok(JobPage { jobs: rows.into_iter().map(Job::from).collect(), next_cursor })
    }

    /// A job with its history, once it finished (succeeded, failed, canceled) or `limit` ran out (then as it is).
    /// Woken by the job's final transition, never by polling.
    pub async fn get_job(&self, id: &str, limit: Duration) -> ServiceResult<Job> {
        let row = self.ends.wait_for_end(id, limit, || self.job_row(id), |row: &JobRow| row.state.is_final()).await?;
        let mut job = Job::from(row);
        job.history = Some(self.core.store().job_history(id).await?.into_iter().map(JobTransition::from).collect());
        Ok(job)
    }

    async fn job_row(&self, id: &str) -> ServiceResult<JobRow> {
        self.core.store().get_job(id).await.map_err(|e| match e {
            StoreError::NotFound => job_not_found(id),
            other => other.into(),
        })
    }

    /// Cancel a job and answer with its final state: a queued job is canceled at once; a running one is stopped
    /// for real (its plugin call dropped, its worker turn interrupted) before this returns.
    pub async fn cancel_job(&self, id: &str, by: &str) -> ServiceResult<Job> {
        let row = self.job_row(id).await?;
        if row.state == JobState::Queued {
            if let Some(canceled) = self.core.store().cancel_queued_job(id, &format!("canceled by {by}")).await? {
                self.publish_job_event(EventType::JobCanceled, &canceled).await;
                return self.get_job(id, Duration::ZERO).await;
            }
        }
        let row = self.job_row(id).await?;
        match row.state {
            JobState::Running => {
                self.core.store().request_job_cancel(id).await?;
                let stopped = tokio::time::timeout(CANCEL_WAIT, self.scheduler.cancel_and_wait(self, id, by)).await;
                let job = self.get_job(id, Duration::ZERO).await?;
                if stopped.is_err() && job.state == JobState::Running {
                    return Err(ServiceError::new(
                        ErrorKind::Unavailable,
                        ErrorCode::JobCancelPending,
                        format!("the job's host has not stopped it within {} s; it stops at its next lease renewal", CANCEL_WAIT.as_secs()),
                    ));
                }
                Ok(job)
            }
            JobState::Queued => Err(ServiceError::conflict(ErrorCode::JobBusy, "the job changed state meanwhile; try again")),
            state => Err(ServiceError::conflict(ErrorCode::JobFinished, format!("the job already ended: {state}"))),
        }
    }

    /// Queue a failed or canceled job again, from its first attempt.
    pub async fn retry_job(&self, id: &str, by: &str) -> ServiceResult<Job> {
        let row = self.job_row(id).await?;
        if self.kind_info(&row.kind).is_none() && self.plugins.job_kind_on_any_host(&row.kind).await.is_none() {
            return Err(ServiceError::new(
                ErrorKind::Conflict,
                ErrorCode::JobKindUnavailable,
                format!("no enabled plugin runs `{}` now: enable or install its plugin first", row.kind),
            ));
        }
        let retried = match self.core.store().retry_job(id, &format!("retried by {by}")).await {
            Ok(r) => r,
            Err(StoreError::Conflict(_)) => {
                return Err(ServiceError::conflict(ErrorCode::DuplicateJob, "an equal job (same kind and dedupe key) is queued or running"))
            }
            Err(e) => return Err(e.into()),
        };
        match retried {
            Some(job) => {
                self.publish_job_event(EventType::JobQueued, &job).await;
                let mut view = Job::from(job);
                view.history = Some(self.core.store().job_history(id).await?.into_iter().map(JobTransition::from).collect());
                self.scheduler.wake();
                Ok(view)
            }
            None => Err(ServiceError::conflict(ErrorCode::JobNotRetryable, format!("only failed or canceled jobs are retried; this one is {}", row.state))),
        }
    }

    pub fn job_kinds(&self) -> JobKinds {
        JobKinds { kinds: self.plugins.job_kinds() }
    }

    pub async fn queue_stats(&self) -> ServiceResult<QueueStats> {
        let counts = self.core.store().queue_counts().await?;
        let age = counts.oldest_due_at.map(|t| (crate::store::now_ms() - t).max(0)).unwrap_or(0);
        Ok(QueueStats { queued: counts.queued, running: counts.running, oldest_queued_age_ms: age, capacity: self.scheduler.capacity() })
    }

    /// `job.queued`, `job.started`, ... with the job as data, tagged with its session and project.
    async fn publish_job_event(&self, kind: EventType, row: &JobRow) {
        let event = NewEvent::new(kind, Job::from(row.clone()))
            .session(row.session_id.as_deref().map(Into::into), row.project_id.as_deref().map(Into::into));
        self.core.events().publish_committed(event).await;
        // Every transition is published here, after the store has it: a waiter reads the final state.
        if row.state.is_final() {
            self.ends.ended(&row.id);
        }
    }
}
