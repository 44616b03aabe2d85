//! Routines, their runs and the webhook signatures seen. A scheduled instant is claimed by one conditional UPDATE of
//! `next_fire_at` (from the instant read to the next one), and a run row is unique per (routine, scheduled instant):
//! two hosts, or a restart in between, cannot run one instant twice.

use sqlx::Row;

use super::{Store, StoreError, StoreResult};

crate::wire::wire_enum! {
    /// Whether a routine's triggers run it. A paused routine ignores its schedule and refuses webhooks; "run now"
    /// still runs it.
    pub enum RoutineState {
        Enabled = "enabled",
        Paused = "paused",
    }
}

crate::wire::wire_enum! {
    /// What happens to scheduled times missed while the host was down (or the routine paused): run once at start,
    /// or skip to the next time.
    pub enum CatchUp {
        Once = "once",
        Skip = "skip",
    }
}

crate::wire::wire_enum! {
    /// What started a run.
    pub enum RunTrigger {
        Schedule = "schedule",
        /// A scheduled time missed while the host was down, run once at start (`catchUp: once`).
        CatchUp = "catch_up",
        Webhook = "webhook",
        /// "Run now", by a client.
        Manual = "manual",
    }
}

#[derive(Debug, Clone)]
pub struct RoutineRow {
    pub id: String,
    pub name: String,
    pub state: RoutineState,
    pub prompt: Option<String>,
    pub job_kind: Option<String>,
    pub payload: Option<String>,
    pub session_id: Option<String>,
    pub project_id: Option<String>,
    pub schedule: Option<String>,
    pub catch_up: CatchUp,
    pub next_fire_at: Option<i64>,
    pub webhook_secret: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
pub struct RunRow {
    pub id: String,
    pub routine_id: String,
    pub trigger: RunTrigger,
    pub scheduled_for: Option<i64>,
    pub job_id: String,
    pub session_id: Option<String>,
    pub turn_id: Option<String>,
    pub followup_id: Option<String>,
    pub body: Option<String>,
    pub created_at: i64,
}

/// A run with the states it reads from the job, the follow-up and the turn record (never copies of them).
#[derive(Debug, Clone)]
pub struct RunView {
    pub run: RunRow,
    pub job_state: Option<String>,
    pub job_error: Option<String>,
    pub followup_status: Option<String>,
    /// The follow-up's turn, once it started.
    pub followup_turn_id: Option<String>,
    pub turn_status: Option<String>,
    pub turn_error: Option<String>,
    /// Scheduled instants folded into this run while it waited, and the latest of them (ms).
    pub skipped_ticks: i64,
    pub last_skipped_for: Option<i64>,
    /// What its job waits for while queued (kind, reason, until ms): the job row's own columns.
    pub job_wait: Option<(String, String, Option<i64>)>,
}

const COLUMNS: &str = "id, name, state, prompt, job_kind, payload, session_id, project_id, schedule, catch_up, next_fire_at, \
    webhook_secret, created_by, created_at, updated_at";
const RUN_COLUMNS: &str = "id, routine_id, trigger_kind, scheduled_for, job_id, session_id, turn_id, followup_id, body, created_at";

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("routine {what} `{v}`"))
}

fn from_row(r: &super::Row) -> StoreResult<RoutineRow> {
    let state: String = r.try_get("state")?;
    let catch_up: String = r.try_get("catch_up")?;
    Ok(RoutineRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        state: RoutineState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        prompt: r.try_get("prompt")?,
        job_kind: r.try_get("job_kind")?,
        payload: r.try_get("payload")?,
        session_id: r.try_get("session_id")?,
        project_id: r.try_get("project_id")?,
        schedule: r.try_get("schedule")?,
        catch_up: CatchUp::parse(&catch_up).ok_or_else(|| corrupt("catch-up", &catch_up))?,
        next_fire_at: r.try_get("next_fire_at")?,
        webhook_secret: r.try_get("webhook_secret")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn run_from_row(r: &super::Row) -> StoreResult<RunRow> {
    let trigger: String = r.try_get("trigger_kind")?;
    Ok(RunRow {
        id: r.try_get("id")?,
        routine_id: r.try_get("routine_id")?,
        trigger: RunTrigger::parse(&trigger).ok_or_else(|| corrupt("trigger", &trigger))?,
        scheduled_for: r.try_get("scheduled_for")?,
        job_id: r.try_get("job_id")?,
        session_id: r.try_get("session_id")?,
        turn_id: r.try_get("turn_id")?,
        followup_id: r.try_get("followup_id")?,
        body: r.try_get("body")?,
        created_at: r.try_get("created_at")?,
    })
}

impl Store {
    pub async fn insert_routine(&self, r: &RoutineRow) -> StoreResult<()> {
        sqlx::query(&format!("INSERT INTO routines ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"))
            .bind(&r.id)
            .bind(&r.name)
            .bind(r.state.as_str())
            .bind(&r.prompt)
            .bind(&r.job_kind)
            .bind(&r.payload)
            .bind(&r.session_id)
            .bind(&r.project_id)
            .bind(&r.schedule)
            .bind(r.catch_up.as_str())
            .bind(r.next_fire_at)
            .bind(&r.webhook_secret)
            .bind(&r.created_by)
            .bind(r.created_at)
            .bind(r.updated_at)
            .execute(self.pool())
            .await
            .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Write every field a client may change (and `next_fire_at`, recomputed by the caller).
    pub async fn update_routine(&self, r: &RoutineRow) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE routines SET name = $2, state = $3, prompt = $4, job_kind = $5, payload = $6, session_id = $7, project_id = $8, \
             schedule = $9, catch_up = $10, next_fire_at = $11, updated_at = $12 WHERE id = $1",
        )
        .bind(&r.id)
        .bind(&r.name)
        .bind(r.state.as_str())
        .bind(&r.prompt)
        .bind(&r.job_kind)
        .bind(&r.payload)
        .bind(&r.session_id)
        .bind(&r.project_id)
        .bind(&r.schedule)
        .bind(r.catch_up.as_str())
        .bind(r.next_fire_at)
        .bind(r.updated_at)
        .execute(self.pool())
        .await
        .map_err(StoreError::from_write)?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn set_routine_secret(&self, id: &str, secret: &str, now: i64) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE routines SET webhook_secret = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(secret)
            .bind(now)
            .execute(self.pool())
            .await
            .map_err(StoreError::from_write)?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn get_routine(&self, id: &str) -> StoreResult<RoutineRow> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM routines WHERE id = $1")).bind(id).fetch_optional(self.pool()).await?;
        from_row(&row.ok_or(StoreError::NotFound)?)
    }

    pub async fn list_routines(&self) -> StoreResult<Vec<RoutineRow>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM routines ORDER BY created_at, id")).fetch_all(self.pool()).await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn delete_routine(&self, id: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM routines WHERE id = $1").bind(id).execute(self.pool()).await.map_err(StoreError::from_write)?;
        Ok(done.rows_affected() == 1)
    }

    /// Enabled routines whose next scheduled instant is at or before `now`.
    pub async fn due_routines(&self, now: i64) -> StoreResult<Vec<RoutineRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM routines WHERE next_fire_at IS NOT NULL AND next_fire_at <= $1 AND state = 'enabled' ORDER BY next_fire_at"
        ))
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The earliest scheduled instant of any enabled routine.
    pub async fn next_routine_fire(&self) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT MIN(next_fire_at) AS next FROM routines WHERE next_fire_at IS NOT NULL AND state = 'enabled'")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("next")?)
    }

    /// Move a routine's next instant from `from` to `to`; false when another claim (or an edit) moved it first.
    pub async fn advance_routine(&self, id: &str, from: i64, to: Option<i64>) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE routines SET next_fire_at = $3 WHERE id = $1 AND next_fire_at = $2")
            .bind(id)
            .bind(from)
            .bind(to)
            .execute(self.pool())
            .await
            .map_err(StoreError::from_write)?;
        Ok(done.rows_affected() == 1)
    }

    /// Record a run; `Conflict` when its scheduled instant already has one.
    pub async fn insert_routine_run(&self, r: &RunRow) -> StoreResult<()> {
        sqlx::query(&format!("INSERT INTO routine_runs ({RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"))
            .bind(&r.id)
            .bind(&r.routine_id)
            .bind(r.trigger.as_str())
            .bind(r.scheduled_for)
            .bind(&r.job_id)
            .bind(&r.session_id)
            .bind(&r.turn_id)
            .bind(&r.followup_id)
            .bind(&r.body)
            .bind(r.created_at)
            .execute(self.pool())
            .await
            .map_err(StoreError::from_write)?;
        Ok(())
    }

    pub async fn delete_routine_run(&self, id: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM routine_runs WHERE id = $1").bind(id).execute(self.pool()).await.map_err(StoreError::from_write)?;
        Ok(())
    }

    pub async fn get_routine_run(&self, id: &str) -> StoreResult<RunRow> {
        let row = sqlx::query(&format!("SELECT {RUN_COLUMNS} FROM routine_runs WHERE id = $1")).bind(id).fetch_optional(self.pool()).await?;
        run_from_row(&row.ok_or(StoreError::NotFound)?)
    }

    /// What a run started: its session, and the turn or the follow-up it queued.
    pub async fn settle_routine_run(&self, id: &str, session_id: &str, turn_id: Option<&str>, followup_id: Option<&str>) -> StoreResult<()> {
        sqlx::query("UPDATE routine_runs SET session_id = $2, turn_id = $3, followup_id = $4 WHERE id = $1")
            .bind(id)
            .bind(session_id)
            .bind(turn_id)
            .bind(followup_id)
            .execute(self.pool())
            .await
            .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Fold the scheduled instant `instant` into the routine's newest run whose job still waits in the queue:
    /// counted on that run instead of a run of its own. False when none waits.
    pub async fn fold_into_queued_run(&self, routine_id: &str, instant: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE routine_runs SET skipped_ticks = skipped_ticks + 1, last_skipped_for = $2 WHERE id = \
             (SELECT r.id FROM routine_runs r JOIN jobs j ON j.id = r.job_id WHERE r.routine_id = $1 AND j.state = 'queued' \
             ORDER BY r.created_at DESC, r.id DESC LIMIT 1)",
        )
        .bind(routine_id)
        .bind(instant)
        .execute(self.pool())
        .await
        .map_err(StoreError::from_write)?;
        Ok(done.rows_affected() == 1)
    }

    /// A routine's latest runs, newest first, each with the states of its job, follow-up and turn.
    pub async fn list_routine_runs(&self, routine_id: &str, limit: i64) -> StoreResult<Vec<RunView>> {
        let cols: String = RUN_COLUMNS.split(", ").map(|c| format!("r.{c}")).collect::<Vec<_>>().join(", ");
        let rows = sqlx::query(&format!(
            "SELECT {cols}, j.state AS job_state, j.error AS job_error, f.status AS followup_status, f.turn_id AS followup_turn_id, \
             t.status AS turn_status, t.error AS turn_error, r.skipped_ticks, r.last_skipped_for, \
             j.wait_kind AS job_wait_kind, j.wait_reason AS job_wait_reason, j.wait_until AS job_wait_until \
             FROM routine_runs r LEFT JOIN jobs j ON j.id = r.job_id LEFT JOIN followups f ON f.id = r.followup_id \
             LEFT JOIN turns t ON t.id = COALESCE(r.turn_id, f.turn_id) \
             WHERE r.routine_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2"
        ))
        .bind(routine_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RunView {
                    run: run_from_row(r)?,
                    job_state: r.try_get("job_state")?,
                    job_error: r.try_get("job_error")?,
                    followup_status: r.try_get("followup_status")?,
                    followup_turn_id: r.try_get("followup_turn_id")?,
                    turn_status: r.try_get("turn_status")?,
                    turn_error: r.try_get("turn_error")?,
                    skipped_ticks: r.try_get("skipped_ticks")?,
                    last_skipped_for: r.try_get("last_skipped_for")?,
                    job_wait: match r.try_get::<Option<String>, _>("job_wait_kind")? {
                        Some(kind) => Some((kind, r.try_get::<Option<String>, _>("job_wait_reason")?.unwrap_or_default(), r.try_get("job_wait_until")?)),
                        None => None,
                    },
                })
            })
            .collect()
    }

    /// Remember a webhook signature; false when it was seen already (a replay). Older ones are forgotten first.
    pub async fn remember_delivery(&self, routine_id: &str, digest: &str, now: i64, forget_before: i64) -> StoreResult<bool> {
        sqlx::query("DELETE FROM routine_deliveries WHERE received_at < $1").bind(forget_before).execute(self.pool()).await.map_err(StoreError::from_write)?;
        match sqlx::query("INSERT INTO routine_deliveries (routine_id, digest, received_at) VALUES ($1, $2, $3)")
            .bind(routine_id)
            .bind(digest)
            .bind(now)
            .execute(self.pool())
            .await
            .map_err(StoreError::from_write)
        {
            Ok(_) => Ok(true),
            Err(StoreError::Conflict(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::now_ms;

    async fn store() -> (Store, crate::store::testing::Scratch) {
        crate::store::testing::scratch("routines").await
    }

    fn routine(next: Option<i64>) -> RoutineRow {
        let now = now_ms();
        RoutineRow {
            id: uuid::Uuid::now_v7().to_string(),
            name: "r".into(),
            state: RoutineState::Enabled,
            prompt: Some("p".into()),
            job_kind: None,
            payload: None,
            session_id: None,
            project_id: None,
            schedule: Some("* * * * *".into()),
            catch_up: CatchUp::Once,
            next_fire_at: next,
            webhook_secret: "s".into(),
            created_by: "test".into(),
            created_at: now,
            updated_at: now,
        }
    }

    fn run(routine_id: &str, scheduled_for: Option<i64>) -> RunRow {
        RunRow {
            id: uuid::Uuid::now_v7().to_string(),
            routine_id: routine_id.into(),
            trigger: RunTrigger::Schedule,
            scheduled_for,
            job_id: uuid::Uuid::now_v7().to_string(),
            session_id: None,
            turn_id: None,
            followup_id: None,
            body: None,
            created_at: now_ms(),
        }
    }

    #[tokio::test]
    async fn a_scheduled_time_is_claimed_and_run_once() {
        let (store, dir) = store().await;
        let r = routine(Some(1_000));
        store.insert_routine(&r).await.unwrap();
        assert_eq!(store.due_routines(999).await.unwrap().len(), 0);
        assert_eq!(store.due_routines(1_000).await.unwrap().len(), 1);
        // Two claims of the same time (two hosts, or a restart racing the loop): one wins.
        let (a, b) = tokio::join!(store.advance_routine(&r.id, 1_000, Some(61_000)), store.advance_routine(&r.id, 1_000, Some(61_000)));
        assert!(a.unwrap() ^ b.unwrap(), "exactly one claim moves it");
        assert_eq!(store.next_routine_fire().await.unwrap(), Some(61_000));
        store.insert_routine_run(&run(&r.id, Some(1_000))).await.unwrap();
        assert!(matches!(store.insert_routine_run(&run(&r.id, Some(1_000))).await, Err(StoreError::Conflict(_))), "one run per time");
        // Runs by hand or webhook have no scheduled time: any number.
        store.insert_routine_run(&run(&r.id, None)).await.unwrap();
        store.insert_routine_run(&run(&r.id, None)).await.unwrap();
        let runs = store.list_routine_runs(&r.id, 10).await.unwrap();
        assert_eq!(runs.len(), 3);
        assert!(runs.iter().all(|v| v.job_state.is_none()), "no job row: nothing joined");
        // A paused routine is never due.
        store.update_routine(&RoutineRow { state: RoutineState::Paused, next_fire_at: Some(61_000), ..r.clone() }).await.unwrap();
        assert!(store.due_routines(i64::MAX).await.unwrap().is_empty());
        assert_eq!(store.next_routine_fire().await.unwrap(), None);
        assert!(store.delete_routine(&r.id).await.unwrap());
        assert!(store.list_routine_runs(&r.id, 10).await.unwrap().is_empty(), "its runs went with it");
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn a_delivery_is_accepted_once_within_the_memory() {
        let (store, dir) = store().await;
        let r = routine(None);
        store.insert_routine(&r).await.unwrap();
        assert!(store.remember_delivery(&r.id, "d1", 10_000, 0).await.unwrap());
        assert!(!store.remember_delivery(&r.id, "d1", 10_001, 0).await.unwrap(), "a replay");
        assert!(store.remember_delivery(&r.id, "d2", 10_002, 0).await.unwrap());
        // Forgotten once older than the memory (by then its timestamp is stale anyway).
        assert!(store.remember_delivery(&r.id, "d1", 900_000, 800_000).await.unwrap());
        std::fs::remove_dir_all(dir).ok();
    }
}
