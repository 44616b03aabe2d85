//! Routines: a saved prompt (or a plugin job kind with a payload) with a target (an existing session, or a new
//! session in a project each run), run by a schedule (cron, in the host's time zone), a signed webhook, or by hand.
//!
//! Every run is a job on the durable queue (leases, retries, history): a prompt routine's run is a job of the host
//! kind [`RUN_KIND`], run by [`runner`]; a job routine's run is the plugin's job itself. A run row ties the run to
//! its job and, once started, to its session and turn (or the follow-up it queued while the session was busy); its
//! status is read from those records, never copied.
//!
//! Approvals: a routine has no approval setting of its own. Its turns run under the target session's controls (a
//! new session gets the host's defaults, as a user's would) and what they ask waits for a person like any other
//! request, so a routine never runs with fewer approvals than its session. A job routine's worker turns accept
//! requests only when the target session asks nothing itself (see `queue::workers`).

mod cron;
mod runner;
mod schedule;
pub mod webhook;
mod zone;

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Value};
use tokio::sync::Notify;
use utoipa::{IntoParams, ToSchema};

pub use cron::Cron;
pub use crate::store::{CatchUp, RoutineState, RunTrigger};

use super::core::Core;
use super::error::{ErrorCode, ErrorKind, ServiceError, ServiceResult};
use super::plugins::Plugins;
use super::queue::{EnqueueJob, HostJob, Queue};
use super::sessions::Sessions;
use super::turns::{validate_text, Turns};
use crate::events::envelope_ts;
use crate::store::{JobState, RoutineRow, RunRow, RunView, StoreError, TurnStatus};
use zone::{LocalZone, Zone};

/// The host job kind of a prompt routine's run.
pub const RUN_KIND: &str = "host.routine-run";
/// Longest routine name.
const MAX_NAME: usize = 200;
/// Largest job payload a routine keeps.
const MAX_PAYLOAD_BYTES: usize = 64 * 1024;
/// Largest webhook body a run keeps (the route refuses larger).
pub const MAX_WEBHOOK_BODY: usize = 64 * 1024;
/// Most runs one list returns.
const MAX_RUNS_PAGE: i64 = 200;
/// Most times a preview computes.
const MAX_PREVIEW: usize = 20;
/// The env switch that lets schedules take a leading seconds field: for tests only (see `Cron`).
pub const CRON_SECONDS_ENV: &str = "CODEX_MANAGER_CRON_SECONDS";

/// A routine as the API shows it. Its webhook secret is never shown again after creation (or a rotation).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Routine {
    pub id: String,
    pub name: String,
    pub state: RoutineState,
    /// The prompt each run sends (a prompt routine). In a webhook run, `{{body}}` is replaced by the request body.
    pub prompt: Option<String>,
    /// The plugin job kind each run enqueues (a job routine), with `payload`.
    pub job_kind: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub payload: Option<Value>,
    /// The target: this session...
    pub session_id: Option<String>,
    /// ...or a new session in this project each run.
    pub project_id: Option<String>,
    /// Cron (5 fields: minute hour day-of-month month day-of-week), in `timeZone`; absent: no schedule.
    pub schedule: Option<String>,
    pub catch_up: CatchUp,
    /// The next scheduled run (enabled routines with a schedule).
    pub next_run_at: Option<String>,
    /// The host's time zone, which schedules are read in.
    pub time_zone: String,
    /// Where a signed webhook runs it (`POST`, see docs/automation.md).
    pub webhook_path: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A new routine: exactly one of `prompt` and `jobKind`, exactly one of `sessionId` and `projectId`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateRoutine {
    pub name: String,
    #[serde(default)]
    pub prompt: Option<String>,
    #[serde(default)]
    pub job_kind: Option<String>,
    /// JSON for the job (job routines only), at most 64 KiB.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub payload: Option<Value>,
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub schedule: Option<String>,
    /// Default `once`.
    #[serde(default)]
    pub catch_up: Option<CatchUp>,
    /// Default `enabled`.
    #[serde(default)]
    pub state: Option<RoutineState>,
}

fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

/// A change to a routine: each field when given; `null` clears `schedule`, `prompt`, `jobKind`, `payload`,
/// `sessionId`, `projectId` (the result must still be a valid routine).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateRoutine {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub prompt: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub job_kind: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Object>, nullable)]
    pub payload: Option<Option<Value>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub session_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub project_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub schedule: Option<Option<String>>,
    #[serde(default)]
    pub catch_up: Option<CatchUp>,
    #[serde(default)]
    pub state: Option<RoutineState>,
}

/// A created routine, with its webhook secret: shown this once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoutineCreated {
    pub routine: Routine,
    pub webhook_secret: String,
}

/// A routine's new webhook secret (the old one stops working at once): shown this once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoutineSecret {
    pub routine_id: String,
    pub webhook_secret: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoutineList {
    pub routines: Vec<Routine>,
}

crate::wire::wire_enum! {
    /// Where a run stands, read from its job, its follow-up and its turn record.
    pub enum RunStatus {
        /// Its job waits in the queue (also while a retry waits).
        Queued = "queued",
        /// Its job is running.
        Running = "running",
        /// The session was busy: the prompt waits in its follow-up queue.
        FollowupQueued = "followup_queued",
        /// Its turn runs.
        TurnInProgress = "turn_in_progress",
        /// Its turn completed (a job routine: its job succeeded).
        Completed = "completed",
        /// Its job failed, its turn failed, or its follow-up could not start.
        Failed = "failed",
        /// Its turn was interrupted.
        Interrupted = "interrupted",
        /// Its job was canceled, or its follow-up removed.
        Canceled = "canceled",
    }
}

/// One run of a routine.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoutineRun {
    pub id: String,
    pub routine_id: String,
    pub trigger: RunTrigger,
    /// The scheduled time it stands for (`schedule`, `catch_up`: the first time missed).
    pub scheduled_for: Option<String>,
    /// The queue job that carries it (`GET /api/jobs/{id}`: attempts, history).
    pub job_id: String,
    pub job_state: Option<JobState>,
    pub session_id: Option<String>,
    /// The turn it started (`GET /api/sessions/{sessionId}/turns/{turnId}`: the turn record).
    pub turn_id: Option<String>,
    /// The follow-up it queued while the session was busy.
    pub followup_id: Option<String>,
    pub status: RunStatus,
    /// Why it failed, from the job or the turn record.
    pub error: Option<String>,
    /// What its job waits for while queued (a usage limit, a spent budget) and when that lifts: the job's own
    /// `waiting` (`GET /api/jobs/{jobId}`), read from the job row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<super::limits::UsageLimit>,
    /// Scheduled times folded into this run while it waited for a limit (each would have been a run of its own):
    /// the reset releases one run per routine, never a burst. 0 for most runs.
    #[serde(default)]
    pub skipped_ticks: i64,
    /// The latest scheduled time folded into it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_skipped_for: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoutineRunList {
    /// Newest first.
    pub runs: Vec<RoutineRun>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct RunQuery {
    /// 1–200 (default 50).
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PreviewQuery {
    /// A cron expression.
    pub schedule: String,
    /// How many times (1–20, default 3).
    pub count: Option<usize>,
}

/// The next times a schedule names.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulePreview {
    pub schedule: String,
    pub time_zone: String,
    pub next: Vec<String>,
}

fn not_found(id: &str) -> ServiceError {
    ServiceError::not_found(ErrorCode::RoutineNotFound, format!("no routine `{}`", id.chars().take(64).collect::<String>()))
}

fn view_status(v: &RunView) -> (RunStatus, Option<String>) {
    match v.job_state.as_deref().and_then(JobState::parse) {
        Some(JobState::Queued) | None => return (RunStatus::Queued, v.job_error.clone()),
        Some(JobState::Running) => return (RunStatus::Running, None),
        Some(JobState::Failed) => return (RunStatus::Failed, v.job_error.clone()),
        Some(JobState::Canceled) => return (RunStatus::Canceled, v.job_error.clone()),
        Some(JobState::Succeeded) => {}
    }
    if let Some(status) = v.turn_status.as_deref().and_then(TurnStatus::parse) {
        return match status {
            TurnStatus::InProgress => (RunStatus::TurnInProgress, None),
            TurnStatus::Completed => (RunStatus::Completed, None),
            TurnStatus::Failed => (RunStatus::Failed, v.turn_error.clone()),
            TurnStatus::Interrupted => (RunStatus::Interrupted, v.turn_error.clone()),
        };
    }
    match v.followup_status.as_deref() {
        Some("queued") | Some("starting") => (RunStatus::FollowupQueued, None),
        Some("failed") => (RunStatus::Failed, Some("its follow-up could not start".into())),
        Some("removed") => (RunStatus::Canceled, Some("its follow-up was removed".into())),
        // Started, with the turn record not written yet.
        Some(_) => (RunStatus::TurnInProgress, None),
        None => (RunStatus::Completed, None),
    }
}

impl From<RunView> for RoutineRun {
    fn from(v: RunView) -> Self {
        let (status, error) = view_status(&v);
        // A wait means something only while the job is queued (it clears when the job is claimed).
        let waiting = if status == RunStatus::Queued { v.job_wait.map(super::limits::UsageLimit::from_job_wait) } else { None };
        let r = v.run;
        Self {
            id: r.id,
            routine_id: r.routine_id,
            trigger: r.trigger,
            scheduled_for: r.scheduled_for.map(envelope_ts),
            job_id: r.job_id,
            job_state: v.job_state.as_deref().and_then(JobState::parse),
            session_id: r.session_id,
            turn_id: r.turn_id.or(v.followup_turn_id),
            followup_id: r.followup_id,
            status,
            error,
            waiting,
            skipped_ticks: v.skipped_ticks,
            last_skipped_for: v.last_skipped_for.map(envelope_ts),
            created_at: envelope_ts(r.created_at),
        }
    }
}

/// The routines, their triggers and their runs.
pub struct Routines {
    core: Arc<Core>,
    plugins: Arc<Plugins>,
    sessions: Arc<Sessions>,
    turns: Arc<Turns>,
    queue: Arc<Queue>,
    limits: Arc<super::limits::Limits>,
    zone: Arc<dyn Zone>,
    /// Schedules may take a seconds field (tests only).
    seconds: bool,
    /// Wakes the scheduler: a routine was created, changed or removed.
    wake: Notify,
}

impl Routines {
    pub(super) fn new(
        core: Arc<Core>,
        plugins: Arc<Plugins>,
        sessions: Arc<Sessions>,
        turns: Arc<Turns>,
        queue: Arc<Queue>,
        limits: Arc<super::limits::Limits>,
    ) -> Arc<Self> {
        let seconds = std::env::var(CRON_SECONDS_ENV).is_ok_and(|v| v == "1");
        let me = Arc::new(Self { core, plugins, sessions, turns, queue, limits, zone: Arc::new(LocalZone), seconds, wake: Notify::new() });
        let runner: Arc<dyn super::queue::HostJobRunner> = me.clone();
        let kind = crate::plugins::JobKind {
            kind: RUN_KIND.into(),
            plugin_id: super::queue::HOST_PLUGIN_ID.into(),
            description: "a routine's run: send its prompt to its session (or a new one in its project)".into(),
            concurrency: 4,
            timeout_ms: 120_000,
            max_attempts: 5,
        };
        me.queue.register_host_kind(kind, Arc::downgrade(&runner));
        // The queue holds the runner weakly; the facade holds `me`.
        drop(runner);
        me
    }

    fn parse_schedule(&self, text: &str) -> ServiceResult<Cron> {
        let parsed = if self.seconds { Cron::parse_with_seconds(text) } else { Cron::parse(text) };
        parsed.map_err(|e| ServiceError::new(ErrorKind::Invalid, ErrorCode::InvalidSchedule, format!("schedule `{}`: {e}", text.chars().take(100).collect::<String>())))
    }

    /// The next scheduled instant after `after_ms` (ms), if it has a schedule and is enabled.
    fn next_fire(&self, row: &RoutineRow, after_ms: i64) -> Option<i64> {
        if row.state != RoutineState::Enabled {
            return None;
        }
        let cron = self.parse_schedule(row.schedule.as_deref()?).ok()?;
        cron.next_after(after_ms.div_euclid(1000), self.zone.as_ref()).map(|s| s * 1000)
    }

    fn view(&self, r: RoutineRow) -> Routine {
        Routine {
            webhook_path: format!("/api/routines/{}/webhook", r.id),
            id: r.id,
            name: r.name,
            state: r.state,
            prompt: r.prompt,
            job_kind: r.job_kind,
            payload: r.payload.and_then(|p| serde_json::from_str(&p).ok()),
            session_id: r.session_id,
            project_id: r.project_id,
            schedule: r.schedule,
            catch_up: r.catch_up,
            next_run_at: r.next_fire_at.map(envelope_ts),
            time_zone: self.zone.name(),
            created_by: r.created_by,
            created_at: envelope_ts(r.created_at),
            updated_at: envelope_ts(r.updated_at),
        }
    }

    async fn row(&self, id: &str) -> ServiceResult<RoutineRow> {
        self.core.store().get_routine(id).await.map_err(|e| match e {
            StoreError::NotFound => not_found(id),
            other => other.into(),
        })
    }

    /// Check what a routine does and where, as it would be stored.
    async fn validate(&self, r: &RoutineRow) -> ServiceResult<()> {
        if r.name.trim().is_empty() || r.name.len() > MAX_NAME {
            return Err(ServiceError::invalid(format!("`name` must be 1-{MAX_NAME} bytes")));
        }
        match (&r.prompt, &r.job_kind) {
            (Some(p), None) => {
                validate_text(p)?;
                if r.payload.is_some() {
                    return Err(ServiceError::invalid("`payload` goes with `jobKind`, not with `prompt`"));
                }
            }
            (None, Some(kind)) => {
                if self.plugins.job_kind(kind).is_none() {
                    return Err(ServiceError::new(
                        ErrorKind::Invalid,
                        ErrorCode::UnknownJobKind,
                        format!("no enabled plugin runs jobs of kind `{}` (see GET /api/jobs/kinds)", kind.chars().take(64).collect::<String>()),
                    ));
                }
                if r.payload.as_ref().is_some_and(|p| p.len() > MAX_PAYLOAD_BYTES) {
                    return Err(ServiceError::new(ErrorKind::Invalid, ErrorCode::PayloadTooLarge, format!("a routine's payload is at most {MAX_PAYLOAD_BYTES} bytes")));
                }
            }
            _ => return Err(ServiceError::invalid("a routine has exactly one of `prompt` and `jobKind`")),
        }
        match (&r.session_id, &r.project_id) {
            (Some(s), None) => {
                let row = self.core.session_row(s).await?;
                if row.worker_of.is_some() {
                    return Err(ServiceError::invalid("a routine targets a user's session, not a plugin's worker session"));
                }
            }
            (None, Some(p)) => {
                self.core.store().get_project(p).await.map_err(|e| match e {
                    StoreError::NotFound => ServiceError::not_found(ErrorCode::ProjectNotFound, format!("no project `{}`", p.chars().take(64).collect::<String>())),
                    other => other.into(),
                })?;
            }
            _ => return Err(ServiceError::invalid("a routine has exactly one target: `sessionId` (that session) or `projectId` (a new session there each run)")),
        }
        if let Some(s) = &r.schedule {
            self.parse_schedule(s)?;
        }
        Ok(())
    }

    pub async fn create(&self, req: CreateRoutine, by: &str) -> ServiceResult<RoutineCreated> {
        let now = crate::store::now_ms();
        let mut row = RoutineRow {
            id: uuid::Uuid::now_v7().to_string(),
            name: req.name.trim().to_string(),
            state: req.state.unwrap_or(RoutineState::Enabled),
            prompt: req.prompt,
            job_kind: req.job_kind,
            payload: req.payload.map(|p| p.to_string()),
            session_id: req.session_id,
            project_id: req.project_id,
            schedule: req.schedule.map(|s| s.trim().to_string()),
            catch_up: req.catch_up.unwrap_or(CatchUp::Once),
            next_fire_at: None,
            webhook_secret: webhook::new_secret(),
            created_by: by.to_string(),
            created_at: now,
            updated_at: now,
        };
        self.validate(&row).await?;
        row.next_fire_at = self.next_fire(&row, now);
        self.core.store().insert_routine(&row).await?;
        self.wake.notify_one();
        let secret = row.webhook_secret.clone();
        Ok(RoutineCreated { routine: self.view(row), webhook_secret: secret })
    }

    pub async fn list(&self) -> ServiceResult<RoutineList> {
        let rows = self.core.store().list_routines().await?;
        Ok(RoutineList { routines: rows.into_iter().map(|r| self.view(r)).collect() })
    }

    pub async fn get(&self, id: &str) -> ServiceResult<Routine> {
        Ok(self.view(self.row(id).await?))
    }

    pub async fn update(&self, id: &str, req: UpdateRoutine) -> ServiceResult<Routine> {
        let old = self.row(id).await?;
        let mut row = old.clone();
        if let Some(name) = req.name {
            row.name = name.trim().to_string();
        }
        if let Some(p) = req.prompt {
            row.prompt = p;
        }
        if let Some(k) = req.job_kind {
            row.job_kind = k;
        }
        if let Some(p) = req.payload {
            row.payload = p.map(|p| p.to_string());
        }
        if let Some(s) = req.session_id {
            row.session_id = s;
        }
        if let Some(p) = req.project_id {
            row.project_id = p;
        }
        if let Some(s) = req.schedule {
            row.schedule = s.map(|s| s.trim().to_string());
        }
        if let Some(c) = req.catch_up {
            row.catch_up = c;
        }
        if let Some(s) = req.state {
            row.state = s;
        }
        self.validate(&row).await?;
        let now = crate::store::now_ms();
        // A new schedule, or a resume, counts from now: times missed while paused are not caught up.
        if row.schedule != old.schedule || row.state != old.state {
            row.next_fire_at = self.next_fire(&row, now);
        }
        row.updated_at = now;
        if !self.core.store().update_routine(&row).await? {
            return Err(not_found(id));
        }
        self.wake.notify_one();
        Ok(self.view(row))
    }

    /// Remove a routine and its run records (its jobs stay in the queue's history).
    pub async fn delete(&self, id: &str) -> ServiceResult<()> {
        if !self.core.store().delete_routine(id).await? {
            return Err(not_found(id));
        }
        self.wake.notify_one();
        Ok(())
    }

    pub async fn rotate_secret(&self, id: &str) -> ServiceResult<RoutineSecret> {
        let secret = webhook::new_secret();
        if !self.core.store().set_routine_secret(id, &secret, crate::store::now_ms()).await? {
            return Err(not_found(id));
        }
        Ok(RoutineSecret { routine_id: id.to_string(), webhook_secret: secret })
    }

    pub async fn runs(&self, id: &str, q: RunQuery) -> ServiceResult<RoutineRunList> {
        let limit = q.limit.unwrap_or(50);
        if !(1..=MAX_RUNS_PAGE).contains(&limit) {
            return Err(ServiceError::invalid(format!("`limit` must be between 1 and {MAX_RUNS_PAGE}")));
        }
        self.row(id).await?;
        let runs = self.core.store().list_routine_runs(id, limit).await?;
        Ok(RoutineRunList { runs: runs.into_iter().map(RoutineRun::from).collect() })
    }

    async fn run_view(&self, routine_id: &str, run_id: &str) -> ServiceResult<RoutineRun> {
        let runs = self.core.store().list_routine_runs(routine_id, MAX_RUNS_PAGE).await?;
        runs.into_iter().find(|r| r.run.id == run_id).map(RoutineRun::from).ok_or_else(|| not_found(routine_id))
    }

    /// "Run now": a run whatever the routine's state or schedule.
    pub async fn run_now(&self, id: &str, by: &str) -> ServiceResult<RoutineRun> {
        let row = self.row(id).await?;
        let run = self.start_run(&row, RunTrigger::Manual, None, None, by).await?;
        self.run_view(id, &run.id).await
    }

    /// A signed webhook delivery. Every refusal before the signature is checked says the same (401
    /// `webhook_signature_invalid`), so the route does not tell a stranger which routines exist.
    pub async fn webhook(&self, id: &str, timestamp: Option<&str>, signature: Option<&str>, body: &[u8]) -> ServiceResult<RoutineRun> {
        let bad = || ServiceError::new(ErrorKind::Unauthorized, ErrorCode::WebhookSignatureInvalid, "missing or wrong webhook signature (see docs/automation.md: Routines)");
        let row = match self.core.store().get_routine(id).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Err(bad()),
            Err(e) => return Err(e.into()),
        };
        let now = crate::store::now_ms();
        let digest = match webhook::verify(&row.webhook_secret, timestamp, signature, body, now / 1000) {
            Ok(d) => d,
            Err(webhook::Refusal::Stale) => {
                return Err(ServiceError::new(
                    ErrorKind::Unauthorized,
                    ErrorCode::WebhookTimestampStale,
                    format!("the delivery's timestamp is more than {} s from the host's clock", webhook::WINDOW_SECS),
                ))
            }
            Err(_) => return Err(bad()),
        };
        if !self.core.store().remember_delivery(&row.id, &digest, now, now - 2 * webhook::WINDOW_SECS * 1000).await? {
            return Err(ServiceError::conflict(ErrorCode::WebhookReplayed, "this delivery (its signature) was accepted already"));
        }
        if row.state == RoutineState::Paused {
            return Err(ServiceError::conflict(ErrorCode::RoutinePaused, "the routine is paused: enable it to accept webhooks"));
        }
        if body.len() > MAX_WEBHOOK_BODY {
            return Err(ServiceError::new(ErrorKind::Invalid, ErrorCode::PayloadTooLarge, format!("a webhook body is at most {MAX_WEBHOOK_BODY} bytes")));
        }
        let body = String::from_utf8_lossy(body).into_owned();
        let run = self.start_run(&row, RunTrigger::Webhook, None, Some(body), "webhook").await?;
        self.run_view(id, &run.id).await
    }

    pub fn preview(&self, q: PreviewQuery) -> ServiceResult<SchedulePreview> {
        let count = q.count.unwrap_or(3);
        if !(1..=MAX_PREVIEW).contains(&count) {
            return Err(ServiceError::invalid(format!("`count` must be between 1 and {MAX_PREVIEW}")));
        }
        let cron = self.parse_schedule(q.schedule.trim())?;
        let now = crate::store::now_ms() / 1000;
        let next = cron.next_n(now, self.zone.as_ref(), count).into_iter().map(|s| envelope_ts(s * 1000)).collect();
        Ok(SchedulePreview { schedule: q.schedule, time_zone: self.zone.name(), next })
    }

    /// Record a run and enqueue its job. A scheduled instant has at most one run (`Conflict` from the store).
    async fn start_run(&self, row: &RoutineRow, trigger: RunTrigger, scheduled_for: Option<i64>, body: Option<String>, by: &str) -> ServiceResult<RunRow> {
        let now = crate::store::now_ms();
        let mut run = RunRow {
            id: uuid::Uuid::now_v7().to_string(),
            routine_id: row.id.clone(),
            trigger,
            scheduled_for,
            job_id: uuid::Uuid::now_v7().to_string(),
            session_id: row.session_id.clone(),
            turn_id: None,
            followup_id: None,
            body,
            created_at: now,
        };
        let created_by = format!("{}{}", super::queue::ROUTINE_CREATOR, row.id);
        match &row.job_kind {
            Some(kind) => {
                let payload = row.payload.as_deref().and_then(|p| serde_json::from_str(p).ok());
                let req = EnqueueJob {
                    kind: kind.clone(),
                    payload,
                    session_id: row.session_id.clone(),
                    project_id: row.project_id.clone(),
                    ..Default::default()
                };
                let done = self.queue.enqueue_job(req, &created_by).await?;
                run.job_id = done.job.id;
                self.core.store().insert_routine_run(&run).await?;
            }
            None => {
                // The run row first: its job may start before this returns, and reads it.
                self.core.store().insert_routine_run(&run).await?;
                let job = HostJob {
                    id: run.job_id.clone(),
                    kind: RUN_KIND,
                    payload: json!({"runId": run.id, "routineId": row.id}),
                    session_id: row.session_id.clone(),
                    project_id: row.project_id.clone(),
                    dedupe_key: None,
                    created_by: &created_by,
                };
                if let Err(e) = self.queue.enqueue_host_job(job).await {
                    // No job carries it (the queue is full): no run either.
                    let _ = self.core.store().delete_routine_run(&run.id).await;
                    return Err(e);
                }
            }
        }
        tracing::info!(routine = %row.id, run = %run.id, trigger = %trigger, by, "routine run queued");
        Ok(run)
    }

    /// Start the scheduler (after the queue: runs are its jobs).
    pub(super) fn start(self: &Arc<Self>) {
        schedule::spawn(self);
    }
}
