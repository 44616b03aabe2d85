//! Projects: a named working directory that groups sessions.

use sqlx::Row;

use super::{now_ms, Store, StoreError, StoreResult};

/// What a move of a project's sessions did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moved {
    /// The ids of the sessions moved.
    Sessions(Vec<String>),
    /// The project to move from does not exist.
    NoSource,
    /// The project to move to does not exist.
    NoTarget,
}

#[derive(Debug, Clone)]
pub struct ProjectRow {
    pub id: String,
    pub name: String,
    pub cwd: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub session_count: i64,
}

const SELECT: &str = "SELECT p.id, p.name, p.cwd, p.created_at, p.updated_at, \
     (SELECT COUNT(*) FROM sessions s WHERE s.project_id = p.id) AS session_count FROM projects p";

fn from_row(row: &super::Row) -> StoreResult<ProjectRow> {
    Ok(ProjectRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        cwd: row.try_get("cwd")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        session_count: row.try_get("session_count")?,
    })
}

impl Store {
    pub async fn list_projects(&self) -> StoreResult<Vec<ProjectRow>> {
        let rows = sqlx::query(&format!("{SELECT} ORDER BY p.name")).fetch_all(self.pool()).await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn get_project(&self, id: &str) -> StoreResult<ProjectRow> {
        let row = sqlx::query(&format!("{SELECT} WHERE p.id = $1")).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    pub async fn insert_project(&self, id: &str, name: &str, cwd: &str) -> StoreResult<ProjectRow> {
        let now = now_ms();
        sqlx::query("INSERT INTO projects (id, name, cwd, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)")
            .bind(id)
            .bind(name)
            .bind(cwd)
            .bind(now)
            .execute(self.pool())
            .await
            .map_err(StoreError::from_write)?;
        self.get_project(id).await
    }

    pub async fn update_project(&self, id: &str, name: Option<&str>, cwd: Option<&str>) -> StoreResult<ProjectRow> {
        let done = sqlx::query(
            "UPDATE projects SET name = COALESCE($2, name), cwd = COALESCE($3, cwd), updated_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(name)
        .bind(cwd)
        .bind(now_ms())
        .execute(self.pool())
        .await
        .map_err(StoreError::from_write)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.get_project(id).await
    }

    /// Delete a project that has no sessions. The check and the delete are one statement, so a session created
    /// concurrently cannot be orphaned; and a write transaction, so that a move of sessions into the project
    /// ([`Store::move_project_sessions`]) is wholly before or after it on PostgreSQL too (where one statement does
    /// not wait for another transaction's check).
    pub async fn delete_empty_project(&self, id: &str) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "DELETE FROM projects WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM sessions WHERE project_id = $1)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_write)?;
        tx.commit().await?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        self.get_project(id).await?;
        Err(StoreError::Conflict("project still has sessions".into()))
    }

    /// Move every session of `from` to `to` (None: no project). Both projects are checked inside the transaction
    /// that moves, with the write lock held, so a concurrent delete is either before (the project is missing) or
    /// after (it sees the moved sessions).
    pub async fn move_project_sessions(&self, from: &str, to: Option<&str>) -> StoreResult<Moved> {
        let mut tx = self.begin_write().await?;
        let exists = "SELECT COUNT(*) FROM projects WHERE id = $1";
        if sqlx::query_scalar::<_, i64>(exists).bind(from).fetch_one(&mut *tx).await? == 0 {
            return Ok(Moved::NoSource);
        }
        if let Some(to) = to {
            if sqlx::query_scalar::<_, i64>(exists).bind(to).fetch_one(&mut *tx).await? == 0 {
                return Ok(Moved::NoTarget);
            }
        }
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions WHERE project_id = $1 ORDER BY id")
            .bind(from)
            .fetch_all(&mut *tx)
            .await?;
        sqlx::query("UPDATE sessions SET project_id = $2, updated_at = $3 WHERE project_id = $1")
            .bind(from)
            .bind(to)
            .bind(now_ms())
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from_write)?;
        tx.commit().await?;
        Ok(Moved::Sessions(ids))
    }
}

#[cfg(test)]
mod tests {
    use crate::store::{NewSession, StoreError};

    /// A violated UNIQUE or FOREIGN KEY constraint is a conflict the services can tell from the store's own
    /// sentences, on either engine (their messages differ).
    #[tokio::test]
    async fn a_violated_constraint_reads_as_one_on_either_engine() {
        let (store, _scratch) = crate::store::testing::scratch("constraints").await;
        store.insert_project("p1", "same", "/tmp").await.unwrap();
        let unique = store.insert_project("p2", "same", "/tmp").await.unwrap_err();
        assert!(matches!(unique, StoreError::Conflict(_)) && unique.is_constraint_violation(), "{unique}");
        let session = NewSession { project_id: Some("no-such-project".into()), ..crate::store::testing::new_session("s1", None) };
        let foreign = store.insert_session(&session).await.unwrap_err();
        assert!(foreign.is_constraint_violation(), "{foreign}");
        assert!(!StoreError::Conflict("project still has sessions".into()).is_constraint_violation());
        assert!(!unique.is_storage_failure() && !foreign.is_storage_failure());
    }
}
