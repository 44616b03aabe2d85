//! A session's transcript, read from app-server's own history (`thread/turns/list`), paged by turns.
//!
//! The host does not keep a second copy of what Codex persisted: app-server is the authority on turns and items. The
//! one addition is what the turn record keeps of a turn cut short and app-server's history drops (its streamed reply,
//! why it ended): [`Sessions::restore_from_record`].

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use super::Sessions;
use crate::appserver::RpcError;
use crate::services::codex::mistakes::{diagnose, without_cursor};
use crate::services::error::{ServiceError, ServiceResult};

/// Largest page of turns.
pub const MAX_TURNS_PAGE: u32 = 200;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct TranscriptQuery {
    /// Turns per page, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `nextCursor` from the previous page.
    pub cursor: Option<String>,
    /// `asc` (oldest first, the default) or `desc`.
    pub order: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Transcript {
    /// Turns with their items, as app-server reports them (`ThreadItem` objects in `items`).
    #[schema(value_type = Vec<Object>)]
    pub turns: Vec<Value>,
    pub next_cursor: Option<String>,
}

impl Sessions {
    pub async fn transcript(&self, session_id: &str, q: TranscriptQuery) -> ServiceResult<Transcript> {
        let row = self.core.session_row(session_id).await?;
        let limit = q.limit.unwrap_or(50);
        if !(1..=MAX_TURNS_PAGE).contains(&limit) {
            return Err(ServiceError::invalid(format!("`limit` must be between 1 and {MAX_TURNS_PAGE}")));
        }
        let order = match q.order.as_deref() {
            None | Some("asc") => "asc",
            Some("desc") => "desc",
            Some(_) => return Err(ServiceError::invalid("`order` must be `asc` or `desc`")),
        };
        let conn = self.core.connection()?;
        let params = json!({
            "threadId": row.thread_id,
            "limit": limit,
            "cursor": q.cursor,
            "sortDirection": order,
            "itemsView": "full",
        });
        // A bad cursor is refused by app-server like any other failure: the page without it tells them apart.
        let suspects: Vec<_> = q.cursor.is_some().then(|| without_cursor("thread/turns/list", &params)).into_iter().collect();
        match conn.request("thread/turns/list", params).await {
            Ok(mut result) => {
                // Taken, not cloned: a page of 5,000 items is ~0.7 MB of JSON, and a deep copy of it (and its drop)
                // was a quarter of the read's CPU.
                let mut turns = match result.get_mut("data").map(Value::take) {
                    Some(Value::Array(turns)) => turns,
                    _ => Vec::new(),
                };
                let next_cursor = result.get("nextCursor").and_then(Value::as_str).map(str::to_owned);
                for turn in turns.iter_mut() {
                    self.restore_from_record(turn).await;
                }
                Ok(Transcript { turns, next_cursor })
            }
            // A thread that never ran a turn has no history file yet ("no rollout found" / "thread not loaded" when
            // it is not in memory either; "list_turns is not supported yet" or "rollout ... is empty" while its first
            // turn runs and nothing is written yet): its transcript is empty, not an error.
            Err(RpcError::Server { message, .. }) if is_missing_history(&message) => {
                Ok(Transcript { turns: Vec::new(), next_cursor: None })
            }
            Err(e @ RpcError::Server { .. }) => Err(diagnose(&conn, &suspects, e).await),
            Err(e) => Err(e.into()),
        }
    }
}

impl Sessions {
    /// What app-server's history lacks of a turn that did not complete, put back from the host's turn record: a reply
    /// cut short (app-server keeps no unfinished item), as a last `agentMessage` item marked `keptByHost`; and why
    /// it ended when app-server says nothing (a turn the host ended because app-server or the host itself stopped),
    /// as the turn's `error`. A client then shows the same turn whether it followed the events or reads this page.
    async fn restore_from_record(&self, turn: &mut Value) {
        if turn.get("status").and_then(Value::as_str) == Some("completed") {
            return;
        }
        let has_reply = turn.get("items").and_then(Value::as_array).is_some_and(|items| {
            items.iter().any(|i| i.get("type").and_then(Value::as_str) == Some("agentMessage"))
        });
        let has_error = turn.get("error").is_some_and(|e| !e.is_null());
        if has_reply && has_error {
            return;
        }
        let Some(turn_id) = turn.get("id").and_then(Value::as_str) else { return };
        let Ok(record) = self.core.store().get_turn(turn_id).await else { return };
        if !has_reply {
            if let Some(text) = record.final_text.filter(|t| !t.is_empty()) {
                let kept = json!({"type": "agentMessage", "id": format!("{turn_id}-kept"), "text": text, "phase": null, "keptByHost": true});
                if let Some(items) = turn.get_mut("items").and_then(Value::as_array_mut) {
                    items.push(kept);
                }
            }
        }
        if !has_error {
            if let Some(message) = record.error {
                turn["error"] = json!({"message": message, "keptByHost": true});
            }
        }
    }
}


pub(crate) fn is_missing_history(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("no rollout") || m.contains("thread not loaded") || m.contains("not materialized") || m.contains("list_turns is not supported")
        || (m.contains("rollout") && m.contains("is empty"))
}
