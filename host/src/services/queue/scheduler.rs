//! Runs the queue: claims due jobs within the lanes (global, per project, per kind), runs each attempt in its
//! plugin under a lease that a heartbeat renews, and records how it ended — exactly once, because every
//! transition out of `running` is conditional on still holding the lease.
//!
//! A job is stopped for real: canceling drops the plugin call (its instance goes with it) and interrupts any
//! worker turn the job started. A clean shutdown hands running jobs back to the queue; a crash leaves them
//! claimed until the lease runs out, then any host sharing the store (this one after a restart) takes them again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::{watch, Notify};

use super::Queue;
use super::backoff;
use crate::config::QueueConfig;
use crate::events::EventType;
use crate::plugins::JobKind;
use crate::store::{now_ms, Finish, JobClaim, JobErrorKind, JobRow, JobState, KindLane};

/// Longest the scheduler sleeps without looking at the queue while any job is queued or running (for jobs that
/// became claimable without an event it sees, and leases that end).
const IDLE_POLL: Duration = Duration::from_secs(1);
/// Longest it sleeps while no job is queued or running anywhere: then only an enqueue or a retry can give it work,
/// and each wakes it (from this host, or another through the event log's settled feed). Bounded all the same, so that a
/// wake-up lost on the way (a live feed that reconnected) costs a delay, not a job that never runs.
const EMPTY_QUEUE_LOOK: Duration = Duration::from_secs(30);
/// How long a shutdown waits for running jobs to hand themselves back.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// A user (or client) canceled it.
    Cancel,
    /// Another host holds the job now: stop without recording anything.
    LeaseLost,
    /// This host is shutting down: hand it back.
    Shutdown,
}

struct Running {
    /// The claim's lease token: a later claim of the same job (after this one's lease was lost) is another entry.
    lease: String,
    stop: watch::Sender<Option<Stop>>,
    done: watch::Receiver<bool>,
}

pub struct Scheduler {
    config: QueueConfig,
    /// This host's name in leases: its host id (so a lease, and the history's "lease of … expired", says which
    /// host held the job) and an id unique to this start. Each claim's lease token is this name plus a claim id, so
    /// neither a restarted host nor a later claim on the same host can mistake another attempt's lease for its own.
    owner: String,
    /// This host's id: it claims only the session jobs of the sessions it owns.
    host_id: String,
    wake: Arc<Notify>,
    running: Mutex<HashMap<String, Running>>,
    stopping: AtomicBool,
    /// Times the loop looked at the queue (tests see that an idle host does not poll).
    looks: AtomicU64,
}

enum Ended {
    Ran(Option<crate::plugins::call::CallReport<crate::plugins::JobOutcome>>),
    Stopped(Stop),
}

impl Scheduler {
    pub fn new(config: QueueConfig, host_id: &str) -> Self {
        Self {
            owner: format!("{host_id}/{}", uuid::Uuid::now_v7()),
            host_id: host_id.to_string(),
            config,
            wake: Arc::new(Notify::new()),
            running: Mutex::new(HashMap::new()),
            stopping: AtomicBool::new(false),
            looks: AtomicU64::new(0),
        }
    }

    pub fn capacity(&self) -> i64 {
        self.config.capacity
    }

    /// Times the scheduling loop has looked at the queue.
    #[cfg(test)]
    pub fn looks(&self) -> u64 {
        self.looks.load(Ordering::Relaxed)
    }

    /// Look at the queue now (a job was enqueued or one finished).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    fn heartbeat(&self) -> Duration {
        (self.config.lease / 3).clamp(Duration::from_millis(50), Duration::from_secs(5))
    }

    /// Start the scheduling loop, and its wake-ups from the event log.
    pub(in crate::services) fn spawn(services: &Arc<Queue>) {
        Self::wake_on_job_events(services);
        let me = Arc::downgrade(services);
        let mut app_server = services.core.app_server().watch_state();
        tokio::spawn(async move {
            let mut last_recovery = 0i64;
            loop {
                let Some(services) = me.upgrade() else { return };
                let scheduler = &services.scheduler;
                if scheduler.stopping.load(Ordering::Relaxed) {
                    return;
                }
                let now = now_ms();
                if now - last_recovery >= scheduler.heartbeat().as_millis() as i64 {
                    last_recovery = now;
                    services.recover_expired_leases(now).await;
                }
                let kinds = services.all_kinds();
                // Attempts start only while app-server is ready: a job recovered at start (or queued during a
                // restart of app-server) would otherwise spend its attempts on "app-server is not ready".
                if services.core.app_server().connection().is_some() {
                    services.fill_lanes(&me, &kinds).await;
                }
                let names: Vec<String> = kinds.into_iter().map(|k| k.kind).collect();
                let store = services.core.store();
                let poll = IDLE_POLL.min(scheduler.heartbeat());
                let wait = match store.next_due_at(&names, now_ms()).await.ok().flatten() {
                    Some(due) => poll.min(Duration::from_millis((due - now_ms()).max(0) as u64)),
                    // A job this host runs is an open job: no need to ask the store while busy.
                    None if !scheduler.running.lock().expect("running jobs poisoned").is_empty() => poll,
                    // An idle host does not poll an empty queue. A store that cannot answer counts as not empty.
                    None if !store.has_open_jobs().await.unwrap_or(true) => EMPTY_QUEUE_LOOK,
                    None => poll,
                };
                scheduler.looks.fetch_add(1, Ordering::Relaxed);
                // Not holding the services while asleep (up to EMPTY_QUEUE_LOOK): a host dropped meanwhile goes now.
                // A wake-up given since the look began is kept by the `Notify` as a permit.
                let wake = scheduler.wake.clone();
                drop(services);
                tokio::select! {
                    _ = wake.notified() => {}
                    Ok(()) = app_server.changed() => {}
                    _ = tokio::time::sleep(wait.max(Duration::from_millis(5))) => {}
                }
            }
        });
    }

    /// Wake the scheduler on every job event that may let it claim: a job queued (new, retried, handed back) or a lane
    /// freed (an attempt ended, a job went to wait); and wake the readers waiting for a job that ended. The settled
    /// feed (the live one without deltas) carries every host's events on a shared store (each host's event writer
    /// relays the others' commits, woken by LISTEN), so a host claims another host's new job, or takes its turn in a
    /// lane another host just freed, without waiting for the 1 s poll.
    fn wake_on_job_events(services: &Arc<Queue>) {
        use tokio::sync::broadcast::error::RecvError;
        let me = Arc::downgrade(services);
        let mut settled = services.core.events().subscribe_settled();
        tokio::spawn(async move {
            loop {
                let wake = match settled.recv().await {
                    Ok(crate::events::Settled { event, .. }) => {
                        // A job another host ended: this host's `?wait=` readers of it answer now, not at their bound.
                        if let Some(id) = ended_job(&event) {
                            if let Some(services) = me.upgrade() {
                                services.ends.ended(&id);
                            }
                        }
                        wakes_the_scheduler(&event.kind)
                    }
                    // Some were missed: one of them may have been a job's.
                    Err(RecvError::Lagged(_)) => true,
                    Err(RecvError::Closed) => return,
                };
                let Some(services) = me.upgrade() else { return };
                if services.scheduler.stopping.load(Ordering::Relaxed) {
                    return;
                }
                if wake {
                    services.scheduler.wake();
                }
            }
        });
    }

    /// Stop a job this host runs and wait until it is recorded as stopped; for a job another host runs, wait
    /// for that host to see the cancel flag at its next lease renewal.
    pub(in crate::services) async fn cancel_and_wait(&self, services: &Queue, id: &str, _by: &str) {
        let done = {
            let running = self.running.lock().expect("running jobs poisoned");
            running.get(id).map(|r| {
                let _ = r.stop.send(Some(Stop::Cancel));
                r.done.clone()
            })
        };
        match done {
            Some(mut done) => {
                let _ = done.wait_for(|d| *d).await;
            }
            None => loop {
                match services.core.store().get_job(id).await {
                    Ok(j) if j.state == JobState::Running => tokio::time::sleep(Duration::from_millis(100)).await,
                    _ => return,
                }
            },
        }
    }

    /// Hand every running job back to the queue and wait (briefly) until they are.
    pub(in crate::services) async fn shutdown(&self) {
        self.stopping.store(true, Ordering::Relaxed);
        self.wake.notify_one();
        let waits: Vec<watch::Receiver<bool>> = {
            let running = self.running.lock().expect("running jobs poisoned");
            running
                .values()
                .map(|r| {
                    let _ = r.stop.send(Some(Stop::Shutdown));
                    r.done.clone()
                })
                .collect()
        };
        let all = async {
            for mut done in waits {
                let _ = done.wait_for(|d| *d).await;
            }
        };
        if tokio::time::timeout(SHUTDOWN_WAIT, all).await.is_err() {
            tracing::warn!("some jobs did not stop in time; their leases will run out and another start takes them");
        }
    }
}

impl Queue {
    async fn recover_expired_leases(&self, now: i64) {
        // Attempts alive here whose renewals merely lagged are not another host's leftovers.
        let alive: Vec<String> = self.scheduler.running.lock().expect("running jobs poisoned").keys().cloned().collect();
        match self.core.store().recover_expired_leases(now, &alive).await {
            Ok(jobs) => {
                for job in jobs {
                    tracing::warn!(job = %job.id, kind = %job.kind, state = %job.state, "recovered a job whose host stopped holding it");
                    self.publish_job_event(event_after_attempt(job.state), &job).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not look for expired job leases"),
        }
    }

    /// Claim due jobs while the lanes have room. This host's worker slots (`--job-concurrency`) are counted here,
    /// from the attempts it runs; a kind's lane (its `concurrency`) and a project's lane (`--project-job-concurrency`)
    /// are counted by the store's claim over every host sharing it, atomically with the claim. Each claim asks for
    /// every kind with a free lane at once, so a backlog of one kind never hides the others.
    async fn fill_lanes(&self, me: &Weak<Queue>, kinds: &[JobKind]) {
        let scheduler = &self.scheduler;
        let lanes: Vec<KindLane> = kinds
            .iter()
            .map(|k| KindLane { kind: k.kind.clone(), concurrency: i64::from(k.concurrency), plugin_id: k.plugin_id.clone() })
            .collect();
        if lanes.is_empty() {
            return;
        }
        // Another claimer filling the picked job's lane first makes the claim ask again; a few times in a row means
        // the lanes are busy: the next round (a wake-up or the poll) tries again.
        let mut contended = 0;
        loop {
            if scheduler.stopping.load(Ordering::Relaxed) {
                return;
            }
            if scheduler.running.lock().expect("running jobs poisoned").len() >= scheduler.config.global_concurrency {
                return;
            }
            let lease = format!("{}/{}", scheduler.owner, uuid::Uuid::now_v7());
            let lease_until = now_ms() + scheduler.config.lease.as_millis() as i64;
            let project_lane = scheduler.config.project_concurrency as i64;
            match self.core.store().claim_next_job(&scheduler.host_id, &lanes, project_lane, &lease, lease_until, now_ms()).await {
                Ok(JobClaim::Claimed(job)) => self.start_attempt(me, job, lease).await,
                Ok(JobClaim::Idle) => return,
                Ok(JobClaim::Contended) if contended < 8 => contended += 1,
                Ok(JobClaim::Contended) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim a job");
                    return;
                }
            }
        }
    }

    async fn start_attempt(&self, me: &Weak<Queue>, job: JobRow, lease: String) {
        let (stop_tx, stop_rx) = watch::channel(None);
        let (done_tx, done_rx) = watch::channel(false);
        let entry = Running { lease: lease.clone(), stop: stop_tx, done: done_rx };
        if let Some(stale) = self.scheduler.running.lock().expect("running jobs poisoned").insert(job.id.clone(), entry) {
            // An earlier attempt of this job lost its lease while still running here: it must stop.
            let _ = stale.stop.send(Some(Stop::LeaseLost));
        }
        self.publish_job_event(EventType::JobStarted, &job).await;
        let me = me.clone();
        tokio::spawn(async move {
            let Some(services) = me.upgrade() else { return };
            let id = job.id.clone();
            services.run_attempt(job, &lease, stop_rx).await;
            {
                let mut running = services.scheduler.running.lock().expect("running jobs poisoned");
                if running.get(&id).is_some_and(|r| r.lease == lease) {
                    running.remove(&id);
                }
            }
            let _ = done_tx.send(true);
            services.scheduler.wake();
        });
    }

    async fn run_attempt(&self, job: JobRow, lease: &str, mut stop: watch::Receiver<Option<Stop>>) {
        let owner = lease.to_string();
        let wit_job = crate::plugins::JobCall {
            id: job.id.clone(),
            kind: job.kind.clone(),
            payload: job.payload.clone(),
            attempt: job.attempt as u32,
            session_id: job.session_id.clone(),
            project_id: job.project_id.clone(),
        };
        let timeout = Duration::from_millis(job.timeout_ms.max(1) as u64);
        let ended = {
            let run = self.run_kind(wit_job, timeout);
            tokio::pin!(run);
            let mut beat = tokio::time::interval(self.scheduler.heartbeat());
            beat.tick().await;
            loop {
                tokio::select! {
                    report = &mut run => break Ended::Ran(report),
                    changed = stop.changed() => {
                        if changed.is_err() { break Ended::Stopped(Stop::Shutdown); }
                        if let Some(s) = *stop.borrow() { break Ended::Stopped(s); }
                    }
                    _ = beat.tick() => {
                        let until = now_ms() + self.scheduler.config.lease.as_millis() as i64;
                        match self.core.store().renew_lease(&job.id, &owner, until).await {
                            Ok(Some(row)) if row.cancel_requested => break Ended::Stopped(Stop::Cancel),
                            Ok(Some(_)) => {}
                            Ok(None) => break Ended::Stopped(Stop::LeaseLost),
                            Err(e) => tracing::warn!(error = %e, job = %job.id, "could not renew a job lease"),
                        }
                    }
                }
            }
            // Leaving this block drops the plugin call, if it still runs: its instance is gone.
        };
        // Whatever ended the attempt, a worker turn it started must not run on.
        self.stop_worker_turns_of(&job.id).await;
        let hold = self.workers.take_hold(&job.id);
        // A worker turn met a usage limit or a spent budget: whatever the plugin made of it, the job waits (back in
        // the queue, its attempt given back) until the limit lifts: never a failure, never a burnt attempt.
        if let (Some(hold), Ended::Ran(_)) = (hold, &ended) {
            let kind = hold.limit.kind.as_str();
            match self.core.store().defer_job(&job.id, &owner, kind, &hold.limit.reason, hold.retry_at_ms(), hold.resets_at_ms).await {
                Ok(true) => {
                    tracing::info!(job = %job.id, kind, "a job waits for a limit to lift");
                    if let Ok(row) = self.core.store().get_job(&job.id).await {
                        self.publish_job_event(EventType::JobWaiting, &row).await;
                    }
                }
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, job = %job.id, "could not put a job back to wait; its lease will run out"),
            }
            return;
        }

        let finish = match &ended {
            Ended::Stopped(Stop::LeaseLost) => {
                tracing::warn!(job = %job.id, "lost the lease of a running job; another host took it");
                return;
            }
            Ended::Stopped(Stop::Shutdown) => {
                match self.core.store().release_job(&job.id, &owner, "handed back: the host shut down").await {
                    Ok(true) => {
                        if let Ok(row) = self.core.store().get_job(&job.id).await {
                            self.publish_job_event(EventType::JobQueued, &row).await;
                        }
                    }
                    Ok(false) => {}
                    Err(e) => tracing::error!(error = %e, job = %job.id, "could not hand a job back; its lease will run out"),
                }
                return;
            }
            Ended::Stopped(Stop::Cancel) => AttemptEnd::Canceled,
            Ended::Ran(None) => {
                if let Ok(true) = self.core.store().release_job(&job.id, &owner, "no enabled plugin runs this kind now; waiting for one").await {
                    if let Ok(row) = self.core.store().get_job(&job.id).await {
                        self.publish_job_event(EventType::JobQueued, &row).await;
                    }
                }
                return;
            }
            Ended::Ran(Some(report)) => classify(&job, report),
        };
        let now = now_ms();
        let record = match &finish {
            AttemptEnd::Succeeded(out) => {
                Finish { to_state: JobState::Succeeded, result: Some(out), error_kind: None, error: None, run_after: None, detail: None }
            }
            AttemptEnd::Failed { kind, message } => {
                Finish { to_state: JobState::Failed, result: None, error_kind: Some(*kind), error: Some(message), run_after: None, detail: None }
            }
            AttemptEnd::Retry { kind, message, after } => Finish {
                to_state: JobState::Queued,
                result: None,
                error_kind: Some(*kind),
                error: Some(message),
                run_after: Some(now + after.as_millis() as i64),
                detail: None,
            },
            AttemptEnd::Canceled => Finish {
                to_state: JobState::Canceled,
                result: None,
                error_kind: Some(JobErrorKind::Canceled),
                error: Some("canceled while running"),
                run_after: None,
                detail: None,
            },
        };
        match self.core.store().finish_job(&job.id, &owner, &record).await {
            Ok(true) => {
                // The stored state, not the intended one: a retry asked to be canceled ends canceled.
                if let Ok(row) = self.core.store().get_job(&job.id).await {
                    self.publish_job_event(event_after_attempt(row.state), &row).await;
                }
            }
            Ok(false) => tracing::warn!(job = %job.id, "a job's outcome came after its lease was lost; not recorded"),
            Err(e) => tracing::error!(error = %e, job = %job.id, "could not record a job's outcome; its lease will run out and it runs again"),
        }
    }
}

/// How an attempt ended, in queue terms.
enum AttemptEnd {
    Succeeded(String),
    Failed { kind: JobErrorKind, message: String },
    Retry { kind: JobErrorKind, message: String, after: Duration },
    Canceled,
}

fn classify(job: &JobRow, report: &crate::plugins::call::CallReport<crate::plugins::JobOutcome>) -> AttemptEnd {
    use crate::plugins::JobOutcome;
    let last = job.attempt >= job.max_attempts;
    match &report.value {
        Some(JobOutcome::Succeeded(out)) => AttemptEnd::Succeeded(out.clone()),
        Some(JobOutcome::Failed(reason)) => AttemptEnd::Failed { kind: JobErrorKind::PluginFailed, message: reason.clone() },
        Some(JobOutcome::RetryLater(r)) if last => AttemptEnd::Failed {
            kind: JobErrorKind::RetriesExhausted,
            message: format!("asked to retry after attempt {} of {}: {}", job.attempt, job.max_attempts, r.reason),
        },
        Some(JobOutcome::RetryLater(r)) => AttemptEnd::Retry { kind: JobErrorKind::RetryLater, message: r.reason.clone(), after: backoff::asked(r.after_ms) },
        None => {
            let kind = error_kind_of(report.outcome);
            let message = report.error.clone().unwrap_or_else(|| kind.to_string());
            if last {
                AttemptEnd::Failed { kind, message }
            } else {
                AttemptEnd::Retry { kind, message, after: backoff::after_failure(job.attempt) }
            }
        }
    }
}

/// A failed call's outcome as a job error. `ok` without an answer and `dropped` (never called) are not causes a
/// plugin call names; they are recorded as `error`.
fn error_kind_of(outcome: crate::plugins::call::Outcome) -> JobErrorKind {
    use crate::plugins::call::Outcome;
    match outcome {
        Outcome::Trap => JobErrorKind::Trap,
        Outcome::Timeout => JobErrorKind::Timeout,
        Outcome::Memory => JobErrorKind::Memory,
        Outcome::BadOutput => JobErrorKind::BadOutput,
        Outcome::Ok | Outcome::Error | Outcome::Dropped => JobErrorKind::Error,
    }
}

/// Whether an event of this type may leave a claimable job or a free lane: every `job.*` but `job.started`.
/// The job a final job event (`job.succeeded`, `job.failed`, `job.canceled`) is about; its data is the job.
fn ended_job(event: &crate::events::Event) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct JobId {
        id: String,
    }
    let last = [EventType::JobSucceeded, EventType::JobFailed, EventType::JobCanceled].iter().any(|t| t.as_str() == event.kind);
    if !last {
        return None;
    }
    serde_json::from_str::<JobId>(event.data_text()).ok().map(|j| j.id)
}

fn wakes_the_scheduler(kind: &str) -> bool {
    [EventType::JobQueued, EventType::JobRetrying, EventType::JobSucceeded, EventType::JobFailed, EventType::JobCanceled, EventType::JobWaiting]
        .iter()
        .any(|t| t.as_str() == kind)
}

/// The event for the state an attempt left its job in: back in the queue is a retry.
fn event_after_attempt(state: JobState) -> EventType {
    match state {
        JobState::Succeeded => EventType::JobSucceeded,
        JobState::Failed => EventType::JobFailed,
        JobState::Canceled => EventType::JobCanceled,
        JobState::Running => EventType::JobStarted,
        JobState::Queued => EventType::JobRetrying,
    }
}
