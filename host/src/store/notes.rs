//! Notes plugins leave on a session (turn reviews, suggested next requests), shown beside its transcript.

use sqlx::Row;

use super::{Store, StoreError, StoreResult};

#[derive(Debug, Clone)]
pub struct NoteRow {
    pub id: String,
    pub session_id: String,
    pub plugin_id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub data: Option<String>,
    pub turn_id: Option<String>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, session_id, plugin_id, kind, title, body, data, turn_id, created_at";

impl Store {
    pub async fn insert_note(&self, n: &NoteRow) -> StoreResult<()> {
        sqlx::query(&format!("INSERT INTO session_notes ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
            .bind(&n.id)
            .bind(&n.session_id)
            .bind(&n.plugin_id)
            .bind(&n.kind)
            .bind(&n.title)
            .bind(&n.body)
            .bind(&n.data)
            .bind(&n.turn_id)
            .bind(n.created_at)
            .execute(self.pool())
            .await
            .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// A session's notes, oldest first; `kind` narrows them.
    pub async fn list_notes(&self, session_id: &str, kind: Option<&str>, limit: i64) -> StoreResult<Vec<NoteRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM (SELECT {COLUMNS} FROM session_notes WHERE session_id = $1 AND ($2 IS NULL OR kind = $2) \
             ORDER BY created_at DESC, id DESC LIMIT $3) AS newest ORDER BY created_at, id"
        ))
        .bind(session_id)
        .bind(kind)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(NoteRow {
                    id: r.try_get("id")?,
                    session_id: r.try_get("session_id")?,
                    plugin_id: r.try_get("plugin_id")?,
                    kind: r.try_get("kind")?,
                    title: r.try_get("title")?,
                    body: r.try_get("body")?,
                    data: r.try_get("data")?,
                    turn_id: r.try_get("turn_id")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }
}
