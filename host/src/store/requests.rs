//! Pending requests: one row per question app-server asked. The transition out of `pending` is a single
//! conditional UPDATE, so of two concurrent decisions exactly one changes the row.

use sqlx::Row;

use super::{now_ms, Store, StoreError, StoreResult};

crate::wire::wire_enum! {
    /// Where a request is: `pending`, then once `resolved` (answered) or `expired` (no longer answerable). Stored as
    /// the wire string.
    pub enum RequestStatus {
        Pending = "pending",
        Resolved = "resolved",
        Expired = "expired",
    }
}

#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: String,
    pub session_id: Option<String>,
    pub project_id: Option<String>,
    pub thread_id: Option<String>,
    pub turn_id: Option<String>,
    pub item_id: Option<String>,
    pub kind: String,
    pub method: String,
    pub generation: i64,
    pub rpc_id: String,
    pub params: String,
    pub context: Option<String>,
    pub status: RequestStatus,
    pub decision: Option<String>,
    pub decided_by: Option<String>,
    pub reason: Option<String>,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
    /// The last judgement a plugin attached while it was pending, as JSON.
    pub assessment: Option<String>,
}

/// Which requests to list.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub session_id: Option<String>,
    pub status: Option<RequestStatus>,
    pub kind: Option<String>,
    pub limit: i64,
}

const COLUMNS: &str = "id, session_id, project_id, thread_id, turn_id, item_id, kind, method, generation, rpc_id, params, \
     context, status, decision, decided_by, reason, created_at, resolved_at, assessment";

fn from_row(r: &super::Row) -> StoreResult<RequestRow> {
    Ok(RequestRow {
        id: r.try_get("id")?,
        session_id: r.try_get("session_id")?,
        project_id: r.try_get("project_id")?,
        thread_id: r.try_get("thread_id")?,
        turn_id: r.try_get("turn_id")?,
        item_id: r.try_get("item_id")?,
        kind: r.try_get("kind")?,
        method: r.try_get("method")?,
        generation: r.try_get("generation")?,
        rpc_id: r.try_get("rpc_id")?,
        params: r.try_get("params")?,
        context: r.try_get("context")?,
        status: {
            let s: &str = r.try_get("status")?;
            RequestStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown request status `{s}`")))?
        },
        decision: r.try_get("decision")?,
        decided_by: r.try_get("decided_by")?,
        reason: r.try_get("reason")?,
        created_at: r.try_get("created_at")?,
        resolved_at: r.try_get("resolved_at")?,
        assessment: r.try_get("assessment")?,
    })
}

impl Store {
    pub async fn insert_request(&self, r: &RequestRow) -> StoreResult<()> {
        sqlx::query(&format!(
            "INSERT INTO pending_requests ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
        ))
        .bind(&r.id)
        .bind(&r.session_id)
        .bind(&r.project_id)
        .bind(&r.thread_id)
        .bind(&r.turn_id)
        .bind(&r.item_id)
        .bind(&r.kind)
        .bind(&r.method)
        .bind(r.generation)
        .bind(&r.rpc_id)
        .bind(&r.params)
        .bind(&r.context)
        .bind(r.status.as_str())
        .bind(&r.decision)
        .bind(&r.decided_by)
        .bind(&r.reason)
        .bind(r.created_at)
        .bind(r.resolved_at)
        .bind(&r.assessment)
        .execute(self.pool())
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    pub async fn get_request(&self, id: &str) -> StoreResult<RequestRow> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM pending_requests WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    /// Newest first.
    pub async fn list_requests(&self, f: &RequestFilter) -> StoreResult<Vec<RequestRow>> {
        let mut q = super::Sql::new(format!("SELECT {COLUMNS} FROM pending_requests WHERE 1 = 1"));
        if let Some(s) = &f.session_id {
            q.push(" AND session_id = ").push_bind(s.clone());
        }
        if let Some(s) = &f.status {
            q.push(" AND status = ").push_bind(s.as_str());
        }
        if let Some(k) = &f.kind {
            q.push(" AND kind = ").push_bind(k.clone());
        }
        q.push(" ORDER BY created_at DESC, id DESC LIMIT ").push_bind(f.limit);
        let rows = q.build().fetch_all(self.pool()).await?;
        rows.iter().map(from_row).collect()
    }

    /// Move a request out of `pending` (to `resolved` or `expired`). True when this call made the change; false
    /// when the request had already left `pending`.
    pub async fn settle_request(
        &self,
        id: &str,
        status: RequestStatus,
        decision: Option<&str>,
        decided_by: &str,
        reason: Option<&str>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE pending_requests SET status = $2, decision = $3, decided_by = $4, reason = $5, resolved_at = $6 \
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(status.as_str())
        .bind(decision)
        .bind(decided_by)
        .bind(reason)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Attach a judgement to a request that is still pending (replacing an earlier one). True when it was pending;
    /// the status check and the write are one statement, so a judgement never lands on a resolved request.
    pub async fn assess_request(&self, id: &str, assessment: &str) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE pending_requests SET assessment = $2 WHERE id = $1 AND status = 'pending'")
            .bind(id)
            .bind(assessment)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A resolution that could not be delivered becomes an expiry, with the reason.
    pub async fn downgrade_to_expired(&self, id: &str, reason: &str) -> StoreResult<()> {
        sqlx::query("UPDATE pending_requests SET status = 'expired', reason = $2 WHERE id = $1")
            .bind(id)
            .bind(reason)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The kinds of the requests pending in each of `sessions` (for the views of sessions another host runs).
    pub async fn pending_kinds(&self, sessions: &[&str]) -> StoreResult<Vec<(String, String)>> {
        if sessions.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = super::Sql::new("SELECT session_id, kind FROM pending_requests WHERE status = 'pending' AND session_id IN (");
        q.push_binds(sessions.iter().map(|s| s.to_string())).push(") ORDER BY created_at");
        let rows = q.build().fetch_all(self.pool()).await?;
        rows.iter().map(|r| Ok((r.try_get("session_id")?, r.try_get("kind")?))).collect()
    }

    /// Ids of requests still pending whose session is not another host's than `host` (those are asked by that
    /// host's app-server, which may still be waiting). A request outside any known session counts as `host`'s.
    pub async fn pending_request_ids(&self, host: &str) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM pending_requests WHERE status = 'pending' AND NOT EXISTS \
             (SELECT 1 FROM sessions s WHERE s.id = pending_requests.session_id AND s.owner_host <> $1) ORDER BY created_at",
        )
        .bind(host)
        .fetch_all(self.pool())
        .await?)
    }
}
