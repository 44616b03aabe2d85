//! Follow-up queues: the messages a user queued for a session, in order, and whether its queue is paused.
//!
//! Every move out of `queued` is one conditional UPDATE (`... WHERE status = 'queued'`), so an edit, a removal and
//! the claim that starts a follow-up cannot both win: whichever commits first changes the row, the others see it
//! moved. The claim also checks, in the same transaction, that the queue is not paused, that no follow-up of the
//! session is already starting, and that the session is idle and unarchived in the store, so a session starts its
//! follow-ups strictly one at a time. And it holds back while the session's last turn ended failed or interrupted
//! after the queue's last resume: that end pauses the queue (the dispatcher records why), and the claim must not
//! slip into the moment between the turn's end and that pause.

use sqlx::Row;

use super::{now_ms, Store, StoreError, StoreResult};

crate::wire::wire_enum! {
    /// Where a follow-up is. `queued` may be edited, moved or removed; `starting` is claimed for `turn/start`;
    /// `started` (with its turn), `failed` (with the error: it did not start) and `removed` are final.
    pub enum FollowupStatus {
        Queued = "queued",
        Starting = "starting",
        Started = "started",
        Failed = "failed",
        Removed = "removed",
    }
}

impl FollowupStatus {
    /// Still waiting in the queue (shown under the composer, counted in the session's summary).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Queued | Self::Starting)
    }
}

crate::wire::wire_enum! {
    /// Why a session's follow-up queue is paused. The queue starts nothing while paused, until a resume.
    pub enum PauseReason {
        /// The user paused it.
        User = "user",
        /// The session's turn asked for an approval.
        Approval = "approval",
        /// The session's turn failed.
        TurnFailed = "turn_failed",
        /// The session's turn was interrupted (by the user, or because app-server or the host stopped).
        Interrupted = "interrupted",
        /// A follow-up could not be started (`turn/start` failed, or the host stopped while starting it).
        StartFailed = "start_failed",
        /// Codex's usage limit is reached; the queue resumes by itself at the reset.
        UsageLimit = "usage_limit",
        /// A daily token budget is spent; the queue resumes by itself when it renews (or is raised).
        Budget = "budget",
    }
}

#[derive(Debug, Clone)]
pub struct FollowupRow {
    pub id: String,
    pub session_id: String,
    pub position: i64,
    pub text: String,
    /// `default` or `plan` (a `TurnMode`), as sent.
    pub mode: Option<String>,
    pub status: FollowupStatus,
    pub turn_id: Option<String>,
    pub error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub claimed_at: Option<i64>,
}

/// A paused queue: why, since when, and what paused it.
#[derive(Debug, Clone)]
pub struct PauseRow {
    pub session_id: String,
    pub reason: PauseReason,
    pub paused_at: i64,
    pub turn_id: Option<String>,
    pub request_id: Option<String>,
    pub message: Option<String>,
    /// When a queue paused for a usage limit or a budget resumes by itself (Unix ms).
    pub resets_at: Option<i64>,
}

/// What paused a queue, besides the reason.
#[derive(Debug, Clone, Default)]
pub struct PauseCause<'a> {
    pub turn_id: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub message: Option<&'a str>,
    /// The reset a usage limit or a budget waits for (Unix ms).
    pub resets_at: Option<i64>,
}

/// The answer of a change to one queued follow-up.
#[derive(Debug, Clone)]
pub enum QueuedChange {
    Done(FollowupRow),
    /// The follow-up has left `queued` (as it is now).
    NotQueued(FollowupRow),
    NotFound,
}

/// The answer of a claim.
#[derive(Debug, Clone)]
pub enum Claim {
    Claimed(FollowupRow),
    /// Nothing to start now (nothing queued, paused, one starting, the session busy or archived).
    Nothing,
    /// The session's last turn ended failed or interrupted after the queue's last resume, and the queue is not
    /// paused yet: it should be, for this reason, with that turn's error (read in the same transaction as the status,
    /// so they belong together).
    HeldByTurnEnd(PauseReason, Option<String>),
}

/// The answer of a reorder.
#[derive(Debug, Clone)]
pub enum Reorder {
    Done(Vec<FollowupRow>),
    /// The ids given are not exactly the queued ones: these are.
    Mismatch(Vec<String>),
}

const COLUMNS: &str = "id, session_id, position, text, mode, status, turn_id, error, created_at, updated_at, claimed_at";

fn from_row(r: &super::Row) -> StoreResult<FollowupRow> {
    let status: String = r.try_get("status")?;
    Ok(FollowupRow {
        id: r.try_get("id")?,
        session_id: r.try_get("session_id")?,
        position: r.try_get("position")?,
        text: r.try_get("text")?,
        mode: r.try_get("mode")?,
        status: FollowupStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("follow-up status `{status}`")))?,
        turn_id: r.try_get("turn_id")?,
        error: r.try_get("error")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        claimed_at: r.try_get("claimed_at")?,
    })
}

fn pause_from_row(r: &super::Row) -> StoreResult<PauseRow> {
    let reason: String = r.try_get("paused")?;
    Ok(PauseRow {
        session_id: r.try_get("session_id")?,
        reason: PauseReason::parse(&reason).ok_or_else(|| StoreError::Corrupt(format!("pause reason `{reason}`")))?,
        paused_at: r.try_get("paused_at")?,
        turn_id: r.try_get("turn_id")?,
        request_id: r.try_get("request_id")?,
        message: r.try_get("message")?,
        resets_at: r.try_get("resets_at")?,
    })
}

impl Store {
    /// Append a follow-up to the session's queue, unless `max_open` follow-ups already wait (None then). In a write
    /// transaction: on PostgreSQL, two appends in one statement each would otherwise read the same last position and
    /// count of open follow-ups.
    pub async fn insert_followup(&self, id: &str, session_id: &str, text: &str, mode: Option<&str>, max_open: i64) -> StoreResult<Option<FollowupRow>> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "INSERT INTO followups (id, session_id, position, text, mode, status, created_at, updated_at) \
             SELECT $1, $2, COALESCE((SELECT MAX(position) FROM followups WHERE session_id = $2), 0) + 1, $3, $4, 'queued', $5, $5 \
             WHERE (SELECT COUNT(*) FROM followups WHERE session_id = $2 AND status IN ('queued', 'starting')) < $6",
        )
        .bind(id)
        .bind(session_id)
        .bind(text)
        .bind(mode)
        .bind(now)
        .bind(max_open)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_write)?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        tx.commit().await?;
        self.get_followup(id).await.map(Some)
    }

    pub async fn get_followup(&self, id: &str) -> StoreResult<FollowupRow> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM followups WHERE id = $1")).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    /// The session's open follow-ups (queued, starting) in queue order; with `history`, the latest `history`
    /// finished ones (started, failed, removed) before them, oldest first.
    pub async fn list_followups(&self, session_id: &str, history: i64) -> StoreResult<Vec<FollowupRow>> {
        let mut rows = Vec::new();
        if history > 0 {
            let done = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM (SELECT {COLUMNS} FROM followups WHERE session_id = $1 AND status NOT IN ('queued', 'starting') \
                 ORDER BY updated_at DESC, position DESC LIMIT $2) AS recent ORDER BY updated_at, position"
            ))
            .bind(session_id)
            .bind(history)
            .fetch_all(self.pool())
            .await?;
            rows.extend(done);
        }
        let open = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM followups WHERE session_id = $1 AND status IN ('queued', 'starting') ORDER BY position"
        ))
        .bind(session_id)
        .fetch_all(self.pool())
        .await?;
        rows.extend(open);
        rows.iter().map(from_row).collect()
    }

    /// Change a queued follow-up's text and mode (each when given; `Some(None)` clears the mode).
    pub async fn edit_followup(&self, session_id: &str, id: &str, text: Option<&str>, mode: Option<Option<&str>>) -> StoreResult<QueuedChange> {
        let done = sqlx::query(
            "UPDATE followups SET text = COALESCE($3, text), mode = CASE WHEN $4 = 1 THEN $5 ELSE mode END, updated_at = $6 \
             WHERE id = $1 AND session_id = $2 AND status = 'queued'",
        )
        .bind(id)
        .bind(session_id)
        .bind(text)
        .bind(i64::from(mode.is_some()))
        .bind(mode.flatten())
        .bind(now_ms())
        .execute(self.pool())
        .await
        .map_err(StoreError::from_write)?;
        self.queued_change(session_id, id, done.rows_affected() == 1).await
    }

    /// Take a queued follow-up out of the queue (`removed`).
    pub async fn remove_followup(&self, session_id: &str, id: &str) -> StoreResult<QueuedChange> {
        let done = sqlx::query("UPDATE followups SET status = 'removed', updated_at = $3 WHERE id = $1 AND session_id = $2 AND status = 'queued'")
            .bind(id)
            .bind(session_id)
            .bind(now_ms())
            .execute(self.pool())
            .await?;
        self.queued_change(session_id, id, done.rows_affected() == 1).await
    }

    async fn queued_change(&self, session_id: &str, id: &str, changed: bool) -> StoreResult<QueuedChange> {
        match self.get_followup(id).await {
            Ok(row) if row.session_id != session_id => Ok(QueuedChange::NotFound),
            Ok(row) if changed => Ok(QueuedChange::Done(row)),
            Ok(row) => Ok(QueuedChange::NotQueued(row)),
            Err(StoreError::NotFound) => Ok(QueuedChange::NotFound),
            Err(e) => Err(e),
        }
    }

    /// Put the session's queued follow-ups in the order of `ids`, which must name each of them exactly once. They
    /// take the positions they hold now, in the new order, so a follow-up already starting stays ahead of them.
    pub async fn reorder_followups(&self, session_id: &str, ids: &[String]) -> StoreResult<Reorder> {
        let mut tx = self.begin_write().await?;
        let queued: Vec<(String, i64)> = sqlx::query("SELECT id, position FROM followups WHERE session_id = $1 AND status = 'queued' ORDER BY position")
            .bind(session_id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("position")?)))
            .collect::<Result<_, sqlx::Error>>()?;
        let mut given: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut current: Vec<&str> = queued.iter().map(|(id, _)| id.as_str()).collect();
        given.sort_unstable();
        current.sort_unstable();
        if given != current {
            return Ok(Reorder::Mismatch(queued.into_iter().map(|(id, _)| id).collect()));
        }
        let now = now_ms();
        for (id, (_, position)) in ids.iter().zip(queued.iter()) {
            sqlx::query("UPDATE followups SET position = $2, updated_at = $3 WHERE id = $1")
                .bind(id)
                .bind(position)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Reorder::Done(self.list_followups(session_id, 0).await?))
    }

    /// Claim the session's next follow-up for `turn/start` (`queued` -> `starting`): none while the queue is
    /// paused, or while another of its follow-ups is starting.
    pub async fn claim_next_followup(&self, session_id: &str) -> StoreResult<Claim> {
        let mut tx = self.begin_write().await?;
        let blocked: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM followup_queues WHERE session_id = $1 AND paused IS NOT NULL) + \
             (SELECT COUNT(*) FROM followups WHERE session_id = $1 AND status = 'starting') + \
             (SELECT COUNT(*) FROM sessions s WHERE s.id = $1 AND (s.archived <> 0 OR s.active_turn_id IS NOT NULL))",
        )
        .bind(session_id)
        .fetch_one(&mut *tx)
        .await?;
        if blocked > 0 {
            return Ok(Claim::Nothing);
        }
        let held: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT s.last_turn_status, s.last_error FROM sessions s WHERE s.id = $1 AND s.last_turn_status IN ('failed', 'interrupted') \
             AND s.last_activity_at > COALESCE((SELECT resumed_at FROM followup_queues WHERE session_id = $1), 0)",
        )
        .bind(session_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((status, error)) = held {
            let reason = if status == "failed" { PauseReason::TurnFailed } else { PauseReason::Interrupted };
            return Ok(Claim::HeldByTurnEnd(reason, error));
        }
        let now = now_ms();
        let claimed = sqlx::query(
            "UPDATE followups SET status = 'starting', claimed_at = $2, updated_at = $2 WHERE status = 'queued' AND id = \
             (SELECT id FROM followups WHERE session_id = $1 AND status = 'queued' ORDER BY position LIMIT 1)",
        )
        .bind(session_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let claim = if claimed.rows_affected() == 1 {
            let row = sqlx::query(&format!("SELECT {COLUMNS} FROM followups WHERE session_id = $1 AND status = 'starting'"))
                .bind(session_id)
                .fetch_one(&mut *tx)
                .await?;
            Claim::Claimed(from_row(&row)?)
        } else {
            Claim::Nothing
        };
        tx.commit().await?;
        Ok(claim)
    }

    /// A claimed follow-up's end: `started` with its turn, `failed` with the error, or back to `queued` when nothing
    /// was sent. False when it was not `starting`.
    pub async fn settle_followup(&self, id: &str, status: FollowupStatus, turn_id: Option<&str>, error: Option<&str>) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE followups SET status = $2, turn_id = $3, error = $4, updated_at = $5 WHERE id = $1 AND status = 'starting'")
            .bind(id)
            .bind(status.as_str())
            .bind(turn_id)
            .bind(error)
            .bind(now_ms())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Follow-ups left `starting` by a host that stopped between the claim and the end of `turn/start`.
    pub async fn starting_followups(&self) -> StoreResult<Vec<FollowupRow>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM followups WHERE status = 'starting' ORDER BY claimed_at"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// The first turn the host recorded for the session from `since_ms` on (the turn a claimed follow-up started).
    pub async fn first_turn_since(&self, session_id: &str, since_ms: i64) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT id FROM turns WHERE session_id = $1 AND started_at >= $2 ORDER BY started_at, id LIMIT 1")
            .bind(session_id)
            .bind(since_ms)
            .fetch_optional(self.pool())
            .await?)
    }

    /// Pause the session's queue. False when it was paused already (the first reason stays).
    pub async fn pause_followups(&self, session_id: &str, reason: PauseReason, cause: &PauseCause<'_>) -> StoreResult<bool> {
        // A turn's end pauses only a queue not resumed since that turn ended: its signal can arrive after the pause
        // was recorded by the claim (`Claim::HeldByTurnEnd`) and the user resumed, and must not pause again.
        let ended_turn = matches!(reason, PauseReason::TurnFailed | PauseReason::Interrupted).then_some(cause.turn_id).flatten();
        let done = sqlx::query(
            "INSERT INTO followup_queues (session_id, paused, paused_at, turn_id, request_id, message, resets_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (session_id) DO UPDATE SET paused = excluded.paused, paused_at = excluded.paused_at, \
             turn_id = excluded.turn_id, request_id = excluded.request_id, message = excluded.message, resets_at = excluded.resets_at \
             WHERE followup_queues.paused IS NULL AND NOT EXISTS (SELECT 1 FROM turns t WHERE t.id = $8 \
             AND t.ended_at <= COALESCE(followup_queues.resumed_at, 0))",
        )
        .bind(session_id)
        .bind(reason.as_str())
        .bind(now_ms())
        .bind(cause.turn_id)
        .bind(cause.request_id)
        .bind(cause.message)
        .bind(cause.resets_at)
        .bind(ended_turn)
        .execute(self.pool())
        .await
        .map_err(StoreError::from_write)?;
        Ok(done.rows_affected() == 1)
    }

    /// Resume the session's queue. False when it was not paused.
    pub async fn resume_followups(&self, session_id: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE followup_queues SET paused = NULL, paused_at = NULL, turn_id = NULL, request_id = NULL, message = NULL, resets_at = NULL, \
             resumed_at = $2 WHERE session_id = $1 AND paused IS NOT NULL",
        )
        .bind(session_id)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn followup_pause(&self, session_id: &str) -> StoreResult<Option<PauseRow>> {
        let row = sqlx::query("SELECT session_id, paused, paused_at, turn_id, request_id, message, resets_at FROM followup_queues WHERE session_id = $1 AND paused IS NOT NULL")
            .bind(session_id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(pause_from_row).transpose()
    }

    /// Every session's open follow-up count and every paused queue (read once at start).
    pub async fn followup_summaries(&self) -> StoreResult<(Vec<(String, i64)>, Vec<PauseRow>)> {
        let counts = sqlx::query("SELECT session_id, COUNT(*) AS n FROM followups WHERE status IN ('queued', 'starting') GROUP BY session_id")
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| Ok((r.try_get("session_id")?, r.try_get("n")?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let paused = sqlx::query("SELECT session_id, paused, paused_at, turn_id, request_id, message, resets_at FROM followup_queues WHERE paused IS NOT NULL")
            .fetch_all(self.pool())
            .await?;
        let paused = paused.iter().map(pause_from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok((counts, paused))
    }

    /// [`Store::followup_summaries`] of some sessions only (the views of sessions another host runs: its board is in
    /// its memory).
    pub async fn followup_summaries_of(&self, sessions: &[&str]) -> StoreResult<(Vec<(String, i64)>, Vec<PauseRow>)> {
        if sessions.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let ids = || sessions.iter().map(|s| s.to_string());
        let mut q = super::Sql::new("SELECT session_id, COUNT(*) AS n FROM followups WHERE status IN ('queued', 'starting') AND session_id IN (");
        q.push_binds(ids()).push(") GROUP BY session_id");
        let counts = q
            .build()
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| Ok((r.try_get("session_id")?, r.try_get("n")?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let mut q = super::Sql::new(
            "SELECT session_id, paused, paused_at, turn_id, request_id, message, resets_at FROM followup_queues WHERE paused IS NOT NULL AND session_id IN (",
        );
        q.push_binds(ids()).push(")");
        let paused = q.build().fetch_all(self.pool()).await?;
        let paused = paused.iter().map(pause_from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok((counts, paused))
    }

    /// The session's open follow-ups, counted.
    pub async fn open_followup_count(&self, session_id: &str) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM followups WHERE session_id = $1 AND status IN ('queued', 'starting')")
            .bind(session_id)
            .fetch_one(self.pool())
            .await?)
    }
}
