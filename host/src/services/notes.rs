//! Notes plugins leave on a session — a turn's review, a suggested next request — kept with the session and
//! announced as `session.note_added`, so every client shows the same ones.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::core::Core;
use super::error::{ServiceError, ServiceResult};
use crate::events::{EventType, envelope_ts};
use crate::plugins::api::Note;
use crate::store::{now_ms, NoteRow};

const MAX_NOTES_PAGE: i64 = 500;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionNote {
    pub id: String,
    pub session_id: String,
    /// The plugin that wrote it.
    pub plugin_id: String,
    /// `turn-review`, `next-request`, ...
    pub kind: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    #[schema(value_type = Option<Object>)]
    pub data: Option<Value>,
    pub turn_id: Option<String>,
    pub created_at: String,
}

impl From<NoteRow> for SessionNote {
    fn from(n: NoteRow) -> Self {
        Self {
            id: n.id,
            session_id: n.session_id,
            plugin_id: n.plugin_id,
            kind: n.kind,
            title: n.title,
            body: n.body,
            data: n.data.and_then(|d| serde_json::from_str(&d).ok()),
            turn_id: n.turn_id,
            created_at: envelope_ts(n.created_at),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotePage {
    pub notes: Vec<SessionNote>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoteQuery {
    /// Only notes of this kind.
    pub kind: Option<String>,
    /// The newest this many (1–500, default 100), oldest first.
    pub limit: Option<i64>,
}

/// Notes plugins attach to sessions.
pub struct Notes {
    core: Arc<Core>,
}

impl Notes {
    pub(super) fn new(core: Arc<Core>) -> Self {
        Self { core }
    }

    pub(crate) async fn add_note(&self, plugin_id: &str, session_id: &str, note: Note) -> ServiceResult<SessionNote> {
        let session = self.core.session_row(session_id).await?;
        let data = match &note.data {
            Some(d) => Some(serde_json::from_str::<Value>(d).map_err(|e| ServiceError::invalid(format!("note data must be JSON: {e}")))?.to_string()),
            None => None,
        };
        let row = NoteRow {
            id: uuid::Uuid::now_v7().to_string(),
            session_id: session.id.clone(),
            plugin_id: plugin_id.to_string(),
            kind: note.kind,
            title: note.title,
            body: note.body,
            data,
            turn_id: note.turn_id,
            created_at: now_ms(),
        };
        self.core.store().insert_note(&row).await?;
        let view = SessionNote::from(row);
        let event = self.core.session_event(EventType::SessionNoteAdded, &session, &view).turn(view.turn_id.clone());
        self.core.events().publish_committed(event).await;
        Ok(view)
    }

    pub async fn list_notes(&self, session_id: &str, q: NoteQuery) -> ServiceResult<NotePage> {
        self.core.session_row(session_id).await?;
        let limit = q.limit.unwrap_or(100);
        if !(1..=MAX_NOTES_PAGE).contains(&limit) {
            return Err(ServiceError::invalid(format!("`limit` must be between 1 and {MAX_NOTES_PAGE}")));
        }
        let rows = self.core.store().list_notes(session_id, q.kind.as_deref(), limit).await?;
        Ok(NotePage { notes: rows.into_iter().map(SessionNote::from).collect() })
    }
}
