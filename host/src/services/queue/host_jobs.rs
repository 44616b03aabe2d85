//! Job kinds the host itself runs (a routine's run), beside the plugins' kinds: the same queue, lanes, leases,
//! retries and history, with the attempt run by a host component instead of a plugin call. A host kind's jobs carry
//! `pluginId: "host"`; clients cannot enqueue them (`POST /api/jobs` takes plugin kinds only), a host component does.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Job, Queue};
use crate::events::EventType;
use crate::plugins::call::{CallReport, Outcome};
use crate::plugins::{JobCall, JobKind, JobOutcome};
use crate::services::error::{ErrorCode, ErrorKind, ServiceError, ServiceResult};
use crate::store::{Enqueued, JobRow};

/// The `pluginId` of jobs the host runs.
pub const HOST_PLUGIN_ID: &str = "host";

/// A host component that runs one job kind's attempts.
#[async_trait::async_trait]
pub trait HostJobRunner: Send + Sync {
    /// The attempt's answer; `Err` is an error worth a retry (with the queue's backoff, within its attempts).
    async fn run(&self, job: &JobCall) -> Result<JobOutcome, String>;
}

#[derive(Default)]
pub struct HostJobs {
    kinds: RwLock<HashMap<String, (JobKind, Weak<dyn HostJobRunner>)>>,
}

/// A host job to enqueue.
pub struct HostJob<'a> {
    /// Chosen by the caller, which records it before the job can start.
    pub id: String,
    pub kind: &'a str,
    pub payload: Value,
    pub session_id: Option<String>,
    pub project_id: Option<String>,
    pub dedupe_key: Option<String>,
    pub created_by: &'a str,
}

impl Queue {
    /// Run `kind`'s jobs in `runner` (held weakly: the runner holds the queue).
    pub(in crate::services) fn register_host_kind(&self, kind: JobKind, runner: Weak<dyn HostJobRunner>) {
        self.host_jobs.kinds.write().expect("host kinds poisoned").insert(kind.kind.clone(), (kind, runner));
    }

    /// Every kind the scheduler runs: the host's and the enabled plugins'.
    pub(super) fn all_kinds(&self) -> Vec<JobKind> {
        let mut kinds: Vec<JobKind> = self.host_jobs.kinds.read().expect("host kinds poisoned").values().map(|(k, _)| k.clone()).collect();
        kinds.extend(self.plugins.job_kinds());
        kinds
    }

    pub(super) fn kind_info(&self, kind: &str) -> Option<JobKind> {
        if let Some((k, _)) = self.host_jobs.kinds.read().expect("host kinds poisoned").get(kind) {
            return Some(k.clone());
        }
        self.plugins.job_kind(kind)
    }

    /// Run one attempt: in the host for a host kind, else in its plugin (`None` when no enabled plugin runs it).
    pub(super) async fn run_kind(&self, job: crate::plugins::JobCall, timeout: Duration) -> Option<CallReport<JobOutcome>> {
        let runner = self.host_jobs.kinds.read().expect("host kinds poisoned").get(&job.kind).map(|(_, r)| r.clone());
        let Some(runner) = runner else {
            return self.plugins.run_job(job, timeout).await;
        };
        let runner: Arc<dyn HostJobRunner> = runner.upgrade()?;
        let started = Instant::now();
        let (value, outcome, error) = match tokio::time::timeout(timeout, runner.run(&job)).await {
            Ok(Ok(v)) => (Some(v), Outcome::Ok, None),
            Ok(Err(e)) => (None, Outcome::Error, Some(e)),
            Err(_) => (None, Outcome::Timeout, Some(format!("the attempt ran past {} ms", timeout.as_millis()))),
        };
        Some(CallReport { value, outcome, error, denials: Vec::new(), stderr: None, duration: started.elapsed() })
    }

    /// Enqueue a job of a host kind (bounded by the queue's capacity like any other).
    pub(in crate::services) async fn enqueue_host_job(&self, req: HostJob<'_>) -> ServiceResult<(Job, bool)> {
        let kind = self
            .host_jobs
            .kinds
            .read()
            .expect("host kinds poisoned")
            .get(req.kind)
            .map(|(k, _)| k.clone())
            .ok_or_else(|| ServiceError::new(ErrorKind::Internal, ErrorCode::InternalError, format!("host job kind `{}` is not registered", req.kind)))?;
        let now = crate::store::now_ms();
        let row = JobRow {
            id: req.id,
            session_id: req.session_id,
            project_id: req.project_id,
            dedupe_key: req.dedupe_key,
            max_attempts: i64::from(kind.max_attempts),
            timeout_ms: kind.timeout_ms as i64,
            ..JobRow::queued(&kind.kind, HOST_PLUGIN_ID, req.payload.to_string(), req.created_by, now)
        };
        match self.core.store().enqueue_job(&row, self.scheduler.capacity()).await? {
            Enqueued::Created(job) => {
                self.publish_job_event(EventType::JobQueued, &job).await;
                self.scheduler.wake();
                Ok((job.into(), false))
            }
            Enqueued::Duplicate(job) => Ok((job.into(), true)),
            Enqueued::Full => Err(ServiceError::new(
                ErrorKind::TooManyRequests,
                ErrorCode::QueueFull,
                format!("the queue holds {} live jobs, its capacity; try again when some have finished", self.scheduler.capacity()),
            )),
        }
    }
}
