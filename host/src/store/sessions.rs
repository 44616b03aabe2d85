//! Sessions: one app-server thread each, with the host's metadata around it.

use sqlx::Row;

use super::{now_ms, Store, StoreError, StoreResult};

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub thread_id: String,
    pub project_id: Option<String>,
    pub title: Option<String>,
    pub cwd: String,
    pub archived: bool,
    pub forked_from: Option<String>,
    /// JSON object of the session's own controls (unset keys fall back to the defaults).
    pub controls: String,
    pub active_turn_id: Option<String>,
    pub last_turn_status: Option<super::TurnStatus>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_activity_at: i64,
    /// JSON array of dynamic tool specs an API client serves for this session.
    pub dynamic_tools: Option<String>,
    pub tool_call_timeout_ms: Option<i64>,
    /// The plugin whose hidden worker session this is.
    pub worker_of: Option<String>,
    /// The host whose app-server holds the thread (None only before its first host adopts it).
    pub owner_host: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: String,
    pub thread_id: String,
    pub project_id: Option<String>,
    pub title: Option<String>,
    pub cwd: String,
    pub forked_from: Option<String>,
    pub controls: String,
    pub dynamic_tools: Option<String>,
    pub tool_call_timeout_ms: Option<i64>,
    pub worker_of: Option<String>,
    /// The host creating it: the one whose app-server started the thread.
    pub owner_host: Option<String>,
}

/// A partial update; `None` leaves a column as it is.
#[derive(Debug, Clone, Default)]
pub struct SessionPatch {
    pub title: Option<Option<String>>,
    pub project_id: Option<Option<String>>,
    pub archived: Option<bool>,
    pub controls: Option<String>,
}

/// Which sessions to list, and where the page starts.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    pub project_id: Option<String>,
    /// Only sessions in no project.
    pub unassigned: bool,
    pub archived: Option<bool>,
    pub text: Option<String>,
    /// Keyset cursor: (last_activity_at, id) of the last row of the previous page.
    pub after: Option<(i64, String)>,
    pub limit: i64,
    /// Include plugins' hidden worker sessions (left out by default).
    pub include_workers: bool,
}

const COLUMNS: &str = "id, thread_id, project_id, title, cwd, archived, forked_from, controls, active_turn_id, \
     last_turn_status, last_error, created_at, updated_at, last_activity_at, dynamic_tools, tool_call_timeout_ms, worker_of, owner_host";

fn from_row(row: &super::Row) -> StoreResult<SessionRow> {
    Ok(SessionRow {
        id: row.try_get("id")?,
        thread_id: row.try_get("thread_id")?,
        project_id: row.try_get("project_id")?,
        title: row.try_get("title")?,
        cwd: row.try_get("cwd")?,
        archived: row.try_get::<i64, _>("archived")? != 0,
        forked_from: row.try_get("forked_from")?,
        controls: row.try_get("controls")?,
        active_turn_id: row.try_get("active_turn_id")?,
        last_turn_status: row
            .try_get::<Option<String>, _>("last_turn_status")?
            .map(|s| super::TurnStatus::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("turn status `{s}`"))))
            .transpose()?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        last_activity_at: row.try_get("last_activity_at")?,
        dynamic_tools: row.try_get("dynamic_tools")?,
        tool_call_timeout_ms: row.try_get("tool_call_timeout_ms")?,
        worker_of: row.try_get("worker_of")?,
        owner_host: row.try_get("owner_host")?,
    })
}

impl Store {
    pub async fn insert_session(&self, s: &NewSession) -> StoreResult<SessionRow> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO sessions (id, thread_id, project_id, title, cwd, archived, forked_from, controls, \
             created_at, updated_at, last_activity_at, dynamic_tools, tool_call_timeout_ms, worker_of, owner_host) \
             VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $8, $8, $9, $10, $11, $12)",
        )
        .bind(&s.id)
        .bind(&s.thread_id)
        .bind(&s.project_id)
        .bind(&s.title)
        .bind(&s.cwd)
        .bind(&s.forked_from)
        .bind(&s.controls)
        .bind(now)
        .bind(&s.dynamic_tools)
        .bind(s.tool_call_timeout_ms)
        .bind(&s.worker_of)
        .bind(&s.owner_host)
        .execute(self.pool())
        .await
        .map_err(StoreError::from_write)?;
        self.get_session(&s.id).await
    }

    pub async fn get_session(&self, id: &str) -> StoreResult<SessionRow> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM sessions WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    /// Every session, for building the in-memory thread index at start.
    pub async fn all_sessions(&self) -> StoreResult<Vec<SessionRow>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM sessions")).fetch_all(self.pool()).await?;
        rows.iter().map(from_row).collect()
    }

    /// A page of sessions, most recently active first.
    pub async fn list_sessions(&self, f: &SessionFilter) -> StoreResult<Vec<SessionRow>> {
        let mut q = super::Sql::new(format!("SELECT {COLUMNS} FROM sessions WHERE 1 = 1"));
        if let Some(p) = &f.project_id {
            q.push(" AND project_id = ").push_bind(p.clone());
        }
        if f.unassigned {
            q.push(" AND project_id IS NULL");
        }
        if !f.include_workers {
            q.push(" AND worker_of IS NULL");
        }
        if let Some(a) = f.archived {
            q.push(" AND archived = ").push_bind(a as i64);
        }
        if let Some(text) = f.text.as_deref().filter(|t| !t.is_empty()) {
            let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
            q.push(" AND (LOWER(COALESCE(title, '')) LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR LOWER(cwd) LIKE ")
                .push_bind(pattern)
                .push(" ESCAPE '\\')");
        }
        if let Some((ts, id)) = &f.after {
            // A row value, which SQLite turns into a seek on `sessions_by_activity`; the equivalent `a < ? OR (a = ? AND
            // id < ?)` made it scan the index from the newest row, so page n of the list read n pages of rows.
            q.push(" AND (last_activity_at, id) < (").push_bind(*ts).push(", ").push_bind(id.clone()).push(")");
        }
        q.push(" ORDER BY last_activity_at DESC, id DESC LIMIT ").push_bind(f.limit);
        let rows = q.build().fetch_all(self.pool()).await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn update_session(&self, id: &str, patch: &SessionPatch) -> StoreResult<SessionRow> {
        let mut q = super::Sql::new("UPDATE sessions SET updated_at = ");
        q.push_bind(now_ms());
        if let Some(title) = &patch.title {
            q.push(", title = ").push_bind(title.clone());
        }
        if let Some(project) = &patch.project_id {
            q.push(", project_id = ").push_bind(project.clone());
        }
        if let Some(archived) = patch.archived {
            q.push(", archived = ").push_bind(archived as i64);
        }
        if let Some(controls) = &patch.controls {
            q.push(", controls = ").push_bind(controls.clone());
        }
        q.push(" WHERE id = ").push_bind(id.to_string());
        let done = q.build().execute(self.pool()).await.map_err(StoreError::from_write)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.get_session(id).await
    }

    /// Point the session at a new app-server thread (one whose predecessor had no history to lose).
    pub async fn replace_thread_id(&self, id: &str, thread_id: &str) -> StoreResult<SessionRow> {
        let done = sqlx::query("UPDATE sessions SET thread_id = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(thread_id)
            .bind(now_ms())
            .execute(self.pool())
            .await
            .map_err(StoreError::from_write)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.get_session(id).await
    }

    pub async fn delete_session(&self, id: &str) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(self.pool()).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The hidden worker session of `plugin_id` for a working directory on host `owner` (whose app-server runs
    /// its turns: each host has its own), if it has one.
    pub async fn worker_session(&self, plugin_id: &str, cwd: &str, owner: &str) -> StoreResult<Option<SessionRow>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM sessions WHERE worker_of = $1 AND cwd = $2 AND owner_host = $3 ORDER BY created_at LIMIT 1"
        ))
        .bind(plugin_id)
        .bind(cwd)
        .bind(owner)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn project_session_ids(&self, project_id: &str) -> StoreResult<Vec<SessionRow>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM sessions WHERE project_id = $1"))
            .bind(project_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(from_row).collect()
    }
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pages_follow_the_keyset_through_ties_without_gaps_or_repeats() {
        let (store, dir) = crate::store::testing::scratch("sessions").await;
        // Three share one activity time, two another: the cursor must break ties by id.
        let times = [1_000, 1_000, 1_000, 2_000, 2_000, 500, 3_000];
        for (i, t) in times.iter().enumerate() {
            let id = format!("s{i}");
            store.insert_session(&crate::store::testing::new_session(&id, None)).await.unwrap();
            sqlx::query("UPDATE sessions SET last_activity_at = $1 WHERE id = $2").bind(t).bind(&id).execute(store.pool()).await.unwrap();
        }
        let mut want: Vec<(i64, String)> = times.iter().enumerate().map(|(i, t)| (*t, format!("s{i}"))).collect();
        want.sort_by(|a, b| b.cmp(a));

        let mut got = Vec::new();
        let mut after = None;
        loop {
            let page = store.list_sessions(&SessionFilter { after: after.clone(), limit: 2, ..Default::default() }).await.unwrap();
            if page.is_empty() {
                break;
            }
            after = page.last().map(|r| (r.last_activity_at, r.id.clone()));
            got.extend(page.into_iter().map(|r| (r.last_activity_at, r.id)));
        }
        assert_eq!(got, want);
        let _ = std::fs::remove_dir_all(dir);
    }
}
