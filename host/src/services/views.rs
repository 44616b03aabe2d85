//! What the services hand out: the API's resource shapes, documented for the OpenAPI schema.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::followups::FollowupQueue;
use super::hosts::SessionOwner;
use super::sessions::SessionControls;
use super::live::ThreadStatus;
use super::requests::{RequestFamily, RequestKind};
use crate::events::envelope_ts;
use crate::store::{ProjectRow, SessionRow, TurnStatus};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: String,
    pub name: String,
    /// Working directory for new sessions in this project.
    pub cwd: String,
    pub session_count: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<ProjectRow> for Project {
    fn from(r: ProjectRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            cwd: r.cwd,
            session_count: r.session_count,
            created_at: envelope_ts(r.created_at),
            updated_at: envelope_ts(r.updated_at),
        }
    }
}

/// What a session is doing, plainly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// No turn is running.
    Idle,
    /// A turn is running (streaming or working).
    Running,
    /// A turn waits for an approval decision.
    WaitingOnApproval,
    /// A turn waits for an answer to a question or form.
    WaitingOnInput,
    /// A turn waits for an API client to answer a dynamic tool call.
    WaitingOnTool,
    /// The last turn failed.
    Failed,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: String,
    /// The app-server thread behind this session.
    pub thread_id: String,
    pub project_id: Option<String>,
    pub title: Option<String>,
    pub cwd: String,
    pub archived: bool,
    pub forked_from: Option<String>,
    pub status: SessionStatus,
    pub active_turn_id: Option<String>,
    /// `completed`, `interrupted`, `failed` or `inProgress`.
    pub last_turn_status: Option<TurnStatus>,
    pub last_error: Option<String>,
    /// The session's own controls (unset ones inherit the defaults).
    pub controls: SessionControls,
    /// Whether the running app-server has this thread loaded (if not, the next turn resumes it first).
    pub loaded: bool,
    /// Requests waiting for an answer in this session.
    pub pending_requests: usize,
    /// Names of the dynamic tools an API client serves for this session.
    pub dynamic_tools: Vec<String>,
    /// The plugin whose hidden worker session this is (worker sessions are left out of lists by default).
    pub worker_of: Option<String>,
    /// The session's follow-up queue: how many messages wait, and whether (and why) it is paused.
    pub followups: FollowupQueue,
    /// The host whose app-server holds the thread; actions sent to any other host are forwarded to it.
    pub owner: SessionOwner,
    pub created_at: String,
    pub updated_at: String,
    pub last_activity_at: String,
}

impl Session {
    pub fn build(row: SessionRow, live: &ThreadStatus, waiting: &[RequestKind], generation: u64, followups: FollowupQueue, owner: SessionOwner) -> Self {
        // Live state is the truth while the host runs; the stored turn id only serves crash reconciliation.
        let active = live.active_turn.clone();
        let family = |f: RequestFamily| waiting.iter().any(|k| k.family() == f);
        let status = if active.is_some() || !waiting.is_empty() {
            if family(RequestFamily::Approval) || live.waiting_on_approval {
                SessionStatus::WaitingOnApproval
            } else if family(RequestFamily::ToolInput) || live.waiting_on_input {
                SessionStatus::WaitingOnInput
            } else if family(RequestFamily::ToolCall) {
                SessionStatus::WaitingOnTool
            } else {
                SessionStatus::Running
            }
        } else if row.last_turn_status == Some(TurnStatus::Failed) {
            SessionStatus::Failed
        } else {
            SessionStatus::Idle
        };
        Self {
            id: row.id,
            thread_id: row.thread_id,
            project_id: row.project_id,
            title: row.title,
            cwd: row.cwd,
            archived: row.archived,
            forked_from: row.forked_from,
            status,
            active_turn_id: active,
            last_turn_status: row.last_turn_status,
            last_error: row.last_error,
            controls: SessionControls::from_json(&row.controls),
            loaded: live.loaded_in == Some(generation) && generation > 0,
            pending_requests: waiting.len(),
            dynamic_tools: row
                .dynamic_tools
                .as_deref()
                .and_then(|t| serde_json::from_str::<Vec<serde_json::Value>>(t).ok())
                .unwrap_or_default()
                .iter()
                .filter_map(|t| t.get("name").and_then(|n| n.as_str()).map(str::to_owned))
                .collect(),
            worker_of: row.worker_of,
            followups,
            owner,
            created_at: envelope_ts(row.created_at),
            updated_at: envelope_ts(row.updated_at),
            last_activity_at: envelope_ts(row.last_activity_at),
        }
    }
}
