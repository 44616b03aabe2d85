//! The job queue's rows. Every state change is one conditional UPDATE (on the state, and for a running job on
//! its lease owner) written together with its history row, so two hosts, or a host and a late worker, can never
//! both move a job: the loser's UPDATE changes nothing. So claims and the lease-held transitions (finish, release,
//! defer) run without the store's write lock on PostgreSQL (`begin_conditional`): nothing they read before they
//! write can be changed under them except what their own conditions check, and a claim locks the lanes it counts.

use sqlx::{Row, Transaction};

use super::{now_ms, Store, StoreError, StoreResult};

crate::wire::wire_enum! {
    /// Where a job is. `queued` -> `running` -> `succeeded` | `failed` | `canceled` | `queued` (a retry); a client's
    /// retry moves `failed` or `canceled` back to `queued`. Stored as the wire string.
    pub enum JobState {
        Queued = "queued",
        Running = "running",
        Succeeded = "succeeded",
        Failed = "failed",
        Canceled = "canceled",
    }
}

impl JobState {
    /// A job in this state will not run again unless a client retries it.
    pub fn is_final(self) -> bool {
        matches!(self, JobState::Succeeded | JobState::Failed | JobState::Canceled)
    }
}

crate::wire::wire_enum! {
    /// Why a job's last attempt did not succeed.
    pub enum JobErrorKind {
        /// The plugin trapped (a panic, an unreachable, a bad state).
        Trap = "trap",
        /// The attempt ran past the job's timeout.
        Timeout = "timeout",
        /// The plugin tried to grow past its memory limit.
        Memory = "memory",
        /// The plugin returned something the host refuses.
        BadOutput = "bad_output",
        /// The plugin's call failed otherwise.
        Error = "error",
        /// The plugin answered that the job failed.
        PluginFailed = "plugin_failed",
        /// The plugin asked to retry later (the job is queued again).
        RetryLater = "retry_later",
        /// The plugin asked to retry after the last attempt.
        RetriesExhausted = "retries_exhausted",
        /// The host running it stopped without handing it back.
        LeaseExpired = "lease_expired",
        Canceled = "canceled",
    }
}

/// An error kind column as some version of the store wrote it: a kind no version names is read as `error`, so a
/// job stays readable whatever its last attempt recorded.
fn error_kind_of(s: &str) -> JobErrorKind {
    JobErrorKind::parse(s).unwrap_or_else(|| {
        tracing::warn!(kind = s, "a job error of a kind this host does not know; reading it as `error`");
        JobErrorKind::Error
    })
}

/// A state column as the store wrote it; anything else is a corrupt row, not a state.
fn state_of(s: &str) -> StoreResult<JobState> {
    JobState::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown job state `{s}`")))
}

use JobState::{Canceled as CANCELED, Failed as FAILED, Queued as QUEUED, Running as RUNNING};

#[derive(Debug, Clone)]
pub struct JobRow {
    pub id: String,
    pub kind: String,
    pub plugin_id: String,
    pub state: JobState,
    pub payload: String,
    pub session_id: Option<String>,
    pub project_id: Option<String>,
    pub priority: i64,
    pub dedupe_key: Option<String>,
    pub attempt: i64,
    pub max_attempts: i64,
    pub timeout_ms: i64,
    pub run_after: i64,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    pub cancel_requested: bool,
    pub result: Option<String>,
    pub error_kind: Option<JobErrorKind>,
    pub error: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// What a queued job waits for (a usage limit, a budget) and until when: (kind, reason, until ms).
    pub wait: Option<(String, String, Option<i64>)>,
}

impl JobRow {
    /// A new job of `kind`, queued and due now, with the default priority (100) and attempts (3); set the rest
    /// with struct update syntax.
    pub fn queued(kind: &str, plugin_id: &str, payload: String, created_by: &str, now: i64) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            kind: kind.to_string(),
            plugin_id: plugin_id.to_string(),
            state: QUEUED,
            payload,
            session_id: None,
            project_id: None,
            priority: 100,
            dedupe_key: None,
            attempt: 0,
            max_attempts: 3,
            timeout_ms: 120_000,
            run_after: now,
            lease_owner: None,
            lease_until: None,
            cancel_requested: false,
            result: None,
            error_kind: None,
            error: None,
            created_by: created_by.to_string(),
            created_at: now,
            updated_at: now,
            started_at: None,
            finished_at: None,
            wait: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct JobHistoryRow {
    pub at: i64,
    pub from_state: Option<JobState>,
    pub to_state: JobState,
    pub attempt: i64,
    pub detail: Option<String>,
}

/// What an enqueue did.
#[derive(Debug)]
pub enum Enqueued {
    Created(JobRow),
    /// A live job with the same kind and dedupe key: returned, nothing new made.
    Duplicate(JobRow),
    /// The queue holds `capacity` live jobs already.
    Full,
}

/// Which jobs to list: newest first.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub state: Option<JobState>,
    pub kind: Option<String>,
    pub session_id: Option<String>,
    pub project_id: Option<String>,
    /// Keyset cursor: (created_at, id) of the last row of the previous page.
    pub before: Option<(i64, String)>,
    pub limit: i64,
}

/// How a running attempt ended, as the store records it.
#[derive(Debug, Clone)]
pub struct Finish<'a> {
    pub to_state: JobState,
    pub result: Option<&'a str>,
    pub error_kind: Option<JobErrorKind>,
    pub error: Option<&'a str>,
    /// For a retry: when it may run again.
    pub run_after: Option<i64>,
    pub detail: Option<&'a str>,
}

/// A kind this host runs, as a claim sees it: its lane (jobs of the kind running at once on every host sharing the
/// store) and the plugin that runs it here.
#[derive(Debug, Clone)]
pub struct KindLane {
    pub kind: String,
    pub concurrency: i64,
    pub plugin_id: String,
}

/// What a claim did.
#[derive(Debug)]
pub enum JobClaim {
    /// Taken, under the caller's lease.
    Claimed(JobRow),
    /// No due job of these kinds fits its lanes.
    Idle,
    /// The job picked lost its lane's room to another claimer between the pick and the claim: ask again.
    Contended,
}

#[derive(Debug, Clone, Default)]
pub struct QueueCounts {
    pub queued: i64,
    pub running: i64,
    /// When the longest-waiting due job became due (its `run_after`); delayed jobs are not waiting yet.
    pub oldest_due_at: Option<i64>,
}

const COLUMNS: &str = "id, kind, plugin_id, state, payload, session_id, project_id, priority, dedupe_key, attempt, \
     max_attempts, timeout_ms, run_after, lease_owner, lease_until, cancel_requested, result, error_kind, error, \
     created_by, created_at, updated_at, started_at, finished_at, wait_kind, wait_reason, wait_until";

fn from_row(r: &super::Row) -> StoreResult<JobRow> {
    Ok(JobRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        plugin_id: r.try_get("plugin_id")?,
        state: state_of(r.try_get("state")?)?,
        payload: r.try_get("payload")?,
        session_id: r.try_get("session_id")?,
        project_id: r.try_get("project_id")?,
        priority: r.try_get("priority")?,
        dedupe_key: r.try_get("dedupe_key")?,
        attempt: r.try_get("attempt")?,
        max_attempts: r.try_get("max_attempts")?,
        timeout_ms: r.try_get("timeout_ms")?,
        run_after: r.try_get("run_after")?,
        lease_owner: r.try_get("lease_owner")?,
        lease_until: r.try_get("lease_until")?,
        cancel_requested: r.try_get::<i64, _>("cancel_requested")? != 0,
        result: r.try_get("result")?,
        error_kind: r.try_get::<Option<String>, _>("error_kind")?.as_deref().map(error_kind_of),
        error: r.try_get("error")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        started_at: r.try_get("started_at")?,
        finished_at: r.try_get("finished_at")?,
        wait: match r.try_get::<Option<String>, _>("wait_kind")? {
            Some(kind) => Some((kind, r.try_get::<Option<String>, _>("wait_reason")?.unwrap_or_default(), r.try_get("wait_until")?)),
            None => None,
        },
    })
}

async fn history(
    tx: &mut Transaction<'_, super::Db>,
    job_id: &str,
    from: Option<JobState>,
    to: JobState,
    attempt: i64,
    detail: Option<&str>,
    at: i64,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO job_history (id, job_id, at, from_state, to_state, attempt, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(job_id)
        .bind(at)
        .bind(from.map(JobState::as_str))
        .bind(to.as_str())
        .bind(attempt)
        .bind(detail)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The job's attempt counter, as the transaction sees it (for the history row of the change just made).
async fn attempt_of(tx: &mut Transaction<'_, super::Db>, id: &str) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT attempt FROM jobs WHERE id = $1").bind(id).fetch_one(&mut **tx).await?.try_get(0)?)
}

/// The claim's UPDATE (`queued -> running`) and its history row: only if the job is still queued and, with `lanes`
/// = (kind limit, project limit), only if its kind's and its project's running jobs are under them. The counts
/// are the statement's own: on PostgreSQL the caller holds the job's lane locks, so they see every claim in
/// those lanes committed before this one.
async fn take(
    tx: &mut Transaction<'_, super::Db>,
    id: &str,
    lease: &str,
    lease_until: i64,
    plugin_id: &str,
    lanes: Option<(i64, i64)>,
) -> StoreResult<Option<JobRow>> {
    let now = now_ms();
    let mut q = super::Sql::new(
        "UPDATE jobs SET state = 'running', attempt = attempt + 1, lease_owner = ",
    );
    q.push_bind(lease.to_string()).push(", lease_until = ").push_bind(lease_until);
    q.push(", started_at = ").push_bind(now).push(", updated_at = ").push_bind(now).push(", error_kind = NULL, error = NULL, plugin_id = ");
    q.push_bind(plugin_id.to_string()).push(", wait_kind = NULL, wait_reason = NULL, wait_until = NULL WHERE id = ");
    q.push_bind(id.to_string()).push(" AND state = 'queued'");
    if let Some((kind_limit, project_limit)) = lanes {
        q.push(" AND (SELECT COUNT(*) FROM jobs r WHERE r.state = 'running' AND r.kind = jobs.kind) < CAST(")
            .push_bind(kind_limit)
            .push(" AS BIGINT) AND (jobs.project_id IS NULL OR (SELECT COUNT(*) FROM jobs r WHERE r.state = 'running' \
                   AND r.project_id = jobs.project_id) < CAST(")
            .push_bind(project_limit)
            .push(" AS BIGINT))");
    }
    q.push(format!(" RETURNING {COLUMNS}"));
    let Some(row) = q.build().fetch_optional(&mut **tx).await? else { return Ok(None) };
    let job = from_row(&row)?;
    history(tx, id, Some(QUEUED), RUNNING, job.attempt, Some(&format!("attempt {}, lease {lease}", job.attempt)), now).await?;
    Ok(Some(job))
}

impl Store {
    /// Add a job unless an equal live one exists (same kind and dedupe key) or `capacity` live jobs are waiting
    /// or running. The capacity check and the insert are one statement under the queue's capacity lock
    /// ([`super::Engine::lock_queue_capacity`]), so concurrent enqueues on any host cannot overfill.
    pub async fn enqueue_job(&self, job: &JobRow, capacity: i64) -> StoreResult<Enqueued> {
        let mut tx = self.begin_conditional().await?;
        self.engine().lock_queue_capacity(&mut tx).await?;
        let inserted = sqlx::query(&format!(
            "INSERT INTO jobs ({COLUMNS}) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $11, $12, NULL, NULL, 0, NULL, \
             NULL, NULL, $13, $14, $14, NULL, NULL, NULL, NULL, NULL \
             WHERE (SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')) < $15"
        ))
        .bind(&job.id)
        .bind(&job.kind)
        .bind(&job.plugin_id)
        .bind(QUEUED.as_str())
        .bind(&job.payload)
        .bind(&job.session_id)
        .bind(&job.project_id)
        .bind(job.priority)
        .bind(&job.dedupe_key)
        .bind(job.max_attempts)
        .bind(job.timeout_ms)
        .bind(job.run_after)
        .bind(&job.created_by)
        .bind(job.created_at)
        .bind(capacity)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(done) if done.rows_affected() == 0 => return Ok(Enqueued::Full),
            Ok(_) => {}
            Err(e) => {
                return match StoreError::from_write(e) {
                    StoreError::Conflict(_) => {
                        drop(tx);
                        let key = job.dedupe_key.as_deref().unwrap_or_default();
                        match self.live_job_by_key(&job.kind, key).await? {
                            Some(existing) => Ok(Enqueued::Duplicate(existing)),
                            // It finished between our insert and this read: the caller may try again.
                            None => Err(StoreError::Conflict("an equal job just finished; enqueue again".into())),
                        }
                    }
                    other => Err(other),
                };
            }
        }
        history(&mut tx, &job.id, None, QUEUED, 0, Some(&format!("enqueued by {}", job.created_by)), job.created_at).await?;
        tx.commit().await?;
        Ok(Enqueued::Created(self.get_job(&job.id).await?))
    }

    async fn live_job_by_key(&self, kind: &str, key: &str) -> StoreResult<Option<JobRow>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE kind = $1 AND dedupe_key = $2 AND state IN ('queued', 'running')"
        ))
        .bind(kind)
        .bind(key)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn get_job(&self, id: &str) -> StoreResult<JobRow> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1")).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    pub async fn job_history(&self, id: &str) -> StoreResult<Vec<JobHistoryRow>> {
        let rows = sqlx::query("SELECT at, from_state, to_state, attempt, detail FROM job_history WHERE job_id = $1 ORDER BY at, id")
            .bind(id)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(JobHistoryRow {
                    at: r.try_get("at")?,
                    from_state: r.try_get::<Option<&str>, _>("from_state")?.map(state_of).transpose()?,
                    to_state: state_of(r.try_get("to_state")?)?,
                    attempt: r.try_get("attempt")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }

    pub async fn list_jobs(&self, f: &JobFilter) -> StoreResult<Vec<JobRow>> {
        let mut q = super::Sql::new(format!("SELECT {COLUMNS} FROM jobs WHERE 1 = 1"));
        if let Some(s) = &f.state {
            q.push(" AND state = ").push_bind(s.as_str());
        }
        if let Some(k) = &f.kind {
            q.push(" AND kind = ").push_bind(k.clone());
        }
        if let Some(s) = &f.session_id {
            q.push(" AND session_id = ").push_bind(s.clone());
        }
        if let Some(p) = &f.project_id {
            q.push(" AND project_id = ").push_bind(p.clone());
        }
        if let Some((ts, id)) = &f.before {
            q.push(" AND (created_at < ")
                .push_bind(*ts)
                .push(" OR (created_at = ")
                .push_bind(*ts)
                .push(" AND id < ")
                .push_bind(id.clone())
                .push("))");
        }
        q.push(" ORDER BY created_at DESC, id DESC LIMIT ").push_bind(f.limit);
        let rows = q.build().fetch_all(self.pool()).await?;
        rows.iter().map(from_row).collect()
    }

    /// When the next queued job of these kinds that is not due yet becomes due. Jobs already due but held back by
    /// a full lane are not counted: a finishing job wakes the scheduler for them.
    pub async fn next_due_at(&self, kinds: &[String], now: i64) -> StoreResult<Option<i64>> {
        if kinds.is_empty() {
            return Ok(None);
        }
        let mut q = super::Sql::new("SELECT MIN(run_after) FROM jobs WHERE state = 'queued' AND run_after > ");
        q.push_bind(now).push(" AND kind IN (");
        q.push_binds(kinds.iter().cloned()).push(")");
        Ok(q.build().fetch_one(self.pool()).await?.try_get::<Option<i64>, _>(0)?)
    }

    /// Whether any job is queued or running, on any host sharing the store: with none, nothing can become claimable
    /// or see its lease run out until something enqueues or retries one.
    pub async fn has_open_jobs(&self) -> StoreResult<bool> {
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM jobs WHERE state IN ('queued', 'running') LIMIT 1) AS open")
            .fetch_one(self.pool())
            .await?;
        Ok(open > 0)
    }

    /// Claim the next due job of `kinds` whose lanes have room, on every host sharing the store: its kind's
    /// `concurrency` and, for a job with a project, `project_concurrency` running jobs of that project. (How many
    /// jobs THIS host runs at once, `--job-concurrency`, is its own worker slots: the scheduler counts those.)
    ///
    /// Two statements in one transaction, after which the job is `running` under `lease` (a token unique to this
    /// claim, so no later claim, not even by the same host, can be mistaken for this one) with its history row:
    /// the pick (the first due job in run order outside the lanes already full, locked and skipping rows other
    /// claimers hold on PostgreSQL), then, with the job's lanes locked ([`super::Engine::lock_lanes`]), the claim:
    /// one conditional UPDATE that counts the job's lanes again and takes the job only if it is still queued and
    /// both have room. The pick's counts only keep full lanes out of the way; the UPDATE's are the ones that hold.
    ///
    /// A job about a session is picked only by `host_id` when that host owns the session: the session's thread, its
    /// working directory and its worker turns are on its owner's machine. Another host's session jobs wait for
    /// their owner (a job whose session is gone, or has no owner yet, runs anywhere).
    pub async fn claim_next_job(
        &self,
        host_id: &str,
        kinds: &[KindLane],
        project_concurrency: i64,
        lease: &str,
        lease_until: i64,
        now: i64,
    ) -> StoreResult<JobClaim> {
        if kinds.is_empty() {
            return Ok(JobClaim::Idle);
        }
        let mut tx = self.begin_conditional().await?;
        let mut q = super::Sql::new(
            "WITH running AS (SELECT kind, project_id FROM jobs WHERE state = 'running') \
             SELECT id, kind, project_id FROM jobs WHERE state = 'queued' AND run_after <= ",
        );
        q.push_bind(now).push(" AND kind IN (").push_binds(kinds.iter().map(|k| k.kind.clone())).push(")");
        q.push(" AND kind NOT IN (SELECT kind FROM running GROUP BY kind HAVING COUNT(*) >= CASE kind");
        for k in kinds {
            q.push(" WHEN ").push_bind(k.kind.clone()).push(" THEN CAST(").push_bind(k.concurrency).push(" AS BIGINT)");
        }
        q.push(" END) AND (project_id IS NULL OR project_id NOT IN (SELECT project_id FROM running WHERE project_id IS NOT NULL \
                GROUP BY project_id HAVING COUNT(*) >= CAST(");
        q.push_bind(project_concurrency).push(" AS BIGINT)))");
        q.push(" AND (session_id IS NULL OR NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = jobs.session_id AND s.owner_host <> ");
        q.push_bind(host_id.to_string()).push("))");
        q.push(" ORDER BY priority, run_after, created_at LIMIT 1");
        q.push(self.engine().skip_locked());
        let Some(row) = q.build().fetch_optional(&mut *tx).await? else { return Ok(JobClaim::Idle) };
        let (id, kind, project): (String, String, Option<String>) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        let Some(lane) = kinds.iter().find(|k| k.kind == kind) else { return Ok(JobClaim::Idle) };
        self.engine().lock_lanes(&mut tx, &kind, project.as_deref()).await?;
        match take(&mut tx, &id, lease, lease_until, &lane.plugin_id, Some((lane.concurrency, project_concurrency))).await? {
            Some(job) => {
                tx.commit().await?;
                Ok(JobClaim::Claimed(job))
            }
            None => Ok(JobClaim::Contended),
        }
    }

    /// Take the queued job `id`, whatever its lanes, until `lease_until` under `lease`, to run in `plugin_id`.
    /// None when it is not queued (someone took it first).
    pub async fn claim_job(&self, id: &str, lease: &str, lease_until: i64, plugin_id: &str) -> StoreResult<Option<JobRow>> {
        let mut tx = self.begin_conditional().await?;
        let job = take(&mut tx, id, lease, lease_until, plugin_id, None).await?;
        if job.is_some() {
            tx.commit().await?;
        }
        Ok(job)
    }

    /// Extend a running job's lease. Returns the job as stored, or None when `owner` no longer holds it.
    pub async fn renew_lease(&self, id: &str, owner: &str, lease_until: i64) -> StoreResult<Option<JobRow>> {
        let done = sqlx::query("UPDATE jobs SET lease_until = $3 WHERE id = $1 AND lease_owner = $2 AND state = 'running'")
            .bind(id)
            .bind(owner)
            .bind(lease_until)
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        Ok(Some(self.get_job(id).await?))
    }

    /// End the running attempt held under `lease`. False when the lease is no longer held: the outcome is then
    /// not recorded, so a job is finished at most once. A job someone asked to cancel is not queued again: it
    /// ends `canceled` instead.
    pub async fn finish_job(&self, id: &str, lease: &str, f: &Finish<'_>) -> StoreResult<bool> {
        let now = now_ms();
        let mut tx = self.begin_conditional().await?;
        let done = sqlx::query(
            "UPDATE jobs SET state = CASE WHEN $3 = 'queued' AND cancel_requested = 1 THEN 'canceled' ELSE $3 END, \
             result = $4, error_kind = CASE WHEN $3 = 'queued' AND cancel_requested = 1 THEN 'canceled' ELSE $5 END, \
             error = $6, run_after = COALESCE($7, run_after), lease_owner = NULL, lease_until = NULL, updated_at = $8, \
             finished_at = CASE WHEN $3 = 'queued' AND cancel_requested = 0 THEN NULL ELSE $8 END \
             WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
        )
        .bind(id)
        .bind(lease)
        .bind(f.to_state.as_str())
        .bind(f.result)
        .bind(f.error_kind.map(JobErrorKind::as_str))
        .bind(f.error)
        .bind(f.run_after)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let row = sqlx::query("SELECT attempt, state FROM jobs WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
        let (attempt, state): (i64, JobState) = (row.try_get(0)?, state_of(row.try_get(1)?)?);
        let detail = if state != f.to_state { Some("canceled: a cancel was asked for while the attempt ran") } else { f.detail.or(f.error) };
        history(&mut tx, id, Some(RUNNING), state, attempt, detail, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Hand a running job back to the queue without counting the attempt (a clean shutdown).
    pub async fn release_job(&self, id: &str, lease: &str, detail: &str) -> StoreResult<bool> {
        let now = now_ms();
        let mut tx = self.begin_conditional().await?;
        let done = sqlx::query(
            "UPDATE jobs SET state = 'queued', attempt = CASE WHEN attempt > 0 THEN attempt - 1 ELSE 0 END, lease_owner = NULL, lease_until = NULL, \
             run_after = $3, updated_at = $3 WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
        )
        .bind(id)
        .bind(lease)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let attempt = attempt_of(&mut tx, id).await?;
        history(&mut tx, id, Some(RUNNING), QUEUED, attempt, Some(detail), now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Hand a running job back to the queue to wait for a usage limit or a budget: its attempt is given back (the
    /// wait burns none) and it is not due before `until`. False when `lease` no longer holds it.
    pub async fn defer_job(&self, id: &str, lease: &str, kind: &str, reason: &str, until: i64, resets_at: Option<i64>) -> StoreResult<bool> {
        let now = now_ms();
        let mut tx = self.begin_conditional().await?;
        let done = sqlx::query(
            "UPDATE jobs SET state = 'queued', attempt = CASE WHEN attempt > 0 THEN attempt - 1 ELSE 0 END, lease_owner = NULL, lease_until = NULL, \
             run_after = $3, updated_at = $4, wait_kind = $5, wait_reason = $6, wait_until = $7 \
             WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
        )
        .bind(id)
        .bind(lease)
        .bind(until)
        .bind(now)
        .bind(kind)
        .bind(reason)
        .bind(resets_at)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let attempt = attempt_of(&mut tx, id).await?;
        history(&mut tx, id, Some(RUNNING), QUEUED, attempt, Some(&format!("waiting ({kind}): {reason}")), now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Jobs waiting for a limit that is gone are due now. Returns how many.
    pub async fn release_waiting_jobs(&self) -> StoreResult<u64> {
        let now = now_ms();
        let done = sqlx::query("UPDATE jobs SET run_after = $1 WHERE state = 'queued' AND wait_kind IS NOT NULL AND run_after > $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    /// Running jobs whose lease ran out (their host died): back to the queue, or failed when that was the last
    /// attempt. Returns the jobs as they now are.
    /// `keep` names jobs whose attempt is alive on the calling host (its renewals only lagged): left alone.
    pub async fn recover_expired_leases(&self, now: i64, keep: &[String]) -> StoreResult<Vec<JobRow>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE state = 'running' AND lease_until < $1"))
            .bind(now)
            .fetch_all(self.pool())
            .await?;
        let mut recovered = Vec::new();
        for job in rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?.into_iter().filter(|j| !keep.contains(&j.id)) {
            let owner = job.lease_owner.clone().unwrap_or_default();
            let detail = format!("lease of {owner} expired (its host stopped without handing the job back)");
            let ended = if job.cancel_requested {
                Finish { to_state: CANCELED, result: None, error_kind: Some(JobErrorKind::Canceled), error: Some("canceled"), run_after: None, detail: Some(&detail) }
            } else if job.attempt >= job.max_attempts {
                Finish { to_state: FAILED, result: None, error_kind: Some(JobErrorKind::LeaseExpired), error: Some(&detail), run_after: None, detail: None }
            } else {
                Finish { to_state: QUEUED, result: None, error_kind: Some(JobErrorKind::LeaseExpired), error: Some(&detail), run_after: Some(now), detail: None }
            };
            if self.finish_job(&job.id, &owner, &ended).await? {
                recovered.push(self.get_job(&job.id).await?);
            }
        }
        Ok(recovered)
    }

    /// Cancel a queued job. None when it is not queued (running, or already finished).
    pub async fn cancel_queued_job(&self, id: &str, detail: &str) -> StoreResult<Option<JobRow>> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE jobs SET state = 'canceled', cancel_requested = 1, error_kind = 'canceled', error = $2, updated_at = $3, \
             finished_at = $3 WHERE id = $1 AND state = 'queued'",
        )
        .bind(id)
        .bind(detail)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        let attempt = attempt_of(&mut tx, id).await?;
        history(&mut tx, id, Some(QUEUED), CANCELED, attempt, Some(detail), now).await?;
        tx.commit().await?;
        Ok(Some(self.get_job(id).await?))
    }

    /// Ask whoever runs a job to stop it (seen on its next lease renewal).
    pub async fn request_job_cancel(&self, id: &str) -> StoreResult<()> {
        sqlx::query("UPDATE jobs SET cancel_requested = 1 WHERE id = $1 AND state = 'running'").bind(id).execute(self.pool()).await?;
        Ok(())
    }

    /// Queue a failed or canceled job again, from its first attempt. None when it is not finished that way.
    pub async fn retry_job(&self, id: &str, detail: &str) -> StoreResult<Option<JobRow>> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let from: Option<String> =
            sqlx::query("SELECT state FROM jobs WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?.map(|r| r.try_get(0)).transpose()?;
        let from = from.as_deref().map(state_of).transpose()?;
        let done = sqlx::query(
            "UPDATE jobs SET state = 'queued', attempt = 0, run_after = $2, cancel_requested = 0, result = NULL, \
             error_kind = NULL, error = NULL, updated_at = $2, started_at = NULL, finished_at = NULL \
             WHERE id = $1 AND state IN ('failed', 'canceled')",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_write)?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        history(&mut tx, id, from, QUEUED, 0, Some(detail), now).await?;
        tx.commit().await?;
        Ok(Some(self.get_job(id).await?))
    }

    pub async fn queue_counts(&self) -> StoreResult<QueueCounts> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN state = 'queued' THEN 1 ELSE 0 END), 0) AS queued, \
             COALESCE(SUM(CASE WHEN state = 'running' THEN 1 ELSE 0 END), 0) AS running, \
             MIN(CASE WHEN state = 'queued' AND run_after <= $1 THEN run_after END) AS oldest \
             FROM jobs WHERE state IN ('queued', 'running')",
        )
        .bind(now_ms())
        .fetch_one(self.pool())
        .await?;
        Ok(QueueCounts { queued: row.try_get("queued")?, running: row.try_get("running")?, oldest_due_at: row.try_get("oldest")? })
    }
}

#[cfg(test)]
mod tests;
