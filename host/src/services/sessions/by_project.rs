//! All of a project's sessions at once: moved to another project (or none), or deleted with their threads.

use super::Sessions;
use crate::services::error::ServiceResult;
use crate::services::projects::{project_error, MoveSessions};
use crate::store::{Moved, StoreError};

impl Sessions {
    /// Move every session of a project to another project (or to none).
    pub async fn move_project_sessions(&self, id: &str, req: MoveSessions) -> ServiceResult<Vec<String>> {
        let moved = match self.core.store().move_project_sessions(id, req.to_project_id.as_deref()).await? {
            Moved::Sessions(ids) => ids,
            Moved::NoSource => return Err(project_error(id)(StoreError::NotFound)),
            Moved::NoTarget => {
                let to = req.to_project_id.as_deref().unwrap_or_default();
                return Err(project_error(to)(StoreError::NotFound));
            }
        };
        for session_id in &moved {
            if let Ok(row) = self.core.store().get_session(session_id).await {
                self.index.put(&row);
                self.record_session_updated(&row.id).await?;
            }
        }
        Ok(moved)
    }

    /// Delete every session of a project (threads included). Returns the deleted ids.
    pub async fn delete_project_sessions(&self, id: &str) -> ServiceResult<Vec<String>> {
        self.projects.get_project(id).await?;
        let rows = self.core.store().project_session_ids(id).await?;
        // All or nothing: another host's session (its thread is in that host's app-server) refuses the whole call
        // before any is deleted; `DELETE /api/sessions/{id}` on any host is forwarded to its owner.
        for row in &rows {
            self.core.hosts().ensure_here(row.owner_host.as_deref()).await?;
        }
        let mut deleted = Vec::with_capacity(rows.len());
        for row in rows {
            self.delete_session(&row.id).await?;
            deleted.push(row.id);
        }
        Ok(deleted)
    }
}
