//! Follow-up queues: messages a user queued while a session's turn ran (`POST .../messages` with
//! `ifBusy: queue`), listed, edited, reordered and removed while they wait, and started one by one, in order, when the
//! session goes idle ([`dispatch`]). An approval asked by the session's turn, a failed or interrupted turn, or a
//! follow-up that could not start pauses the queue until the user resumes it; so does the user.
//!
//! The store holds the truth (`store/followups.rs`: every move out of `queued` is a conditional update); the
//! [`FollowupBoard`] holds each session's summary for its view, and carries the signals that move queues.

mod board;
mod dispatch;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

pub use board::FollowupBoard;
pub(crate) use board::Signal;
pub use dispatch::Dispatcher;

use super::core::Core;
use super::error::{ErrorCode, ErrorKind, ServiceError, ServiceResult};
use super::sessions::Sessions;
use super::turns::{validate_text, TurnMode};
use crate::events::{envelope_ts, EventType, NewEvent};
use crate::store::{FollowupRow, FollowupStatus, PauseCause, PauseReason, PauseRow, QueuedChange, Reorder, SessionRow};

/// Most follow-ups one session's queue holds at once.
pub const MAX_QUEUED: i64 = 100;
/// Most finished follow-ups a list returns with `history`.
pub const MAX_HISTORY: i64 = 200;

/// One queued message.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Followup {
    pub id: String,
    pub session_id: String,
    /// The queue runs in ascending `position` (a reorder rewrites them); lists come in this order.
    pub position: i64,
    pub text: String,
    /// The turn mode it starts with (`plan` or `default`); absent: the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<TurnMode>,
    pub status: FollowupStatus,
    /// The turn it started (`started`).
    pub turn_id: Option<String>,
    /// Why it did not start (`failed`).
    pub error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<FollowupRow> for Followup {
    fn from(r: FollowupRow) -> Self {
        Self {
            id: r.id,
            session_id: r.session_id,
            position: r.position,
            text: r.text,
            mode: r.mode.as_deref().and_then(|m| serde_json::from_value(json!(m)).ok()),
            status: r.status,
            turn_id: r.turn_id,
            error: r.error,
            created_at: envelope_ts(r.created_at),
            updated_at: envelope_ts(r.updated_at),
        }
    }
}

/// A session's follow-up queue in brief: what its view (`Session.followups`) and `followup.paused`/`resumed` carry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FollowupQueue {
    /// Follow-ups waiting to start (queued, or starting now).
    pub count: i64,
    /// True while the queue starts nothing, until a resume.
    pub paused: bool,
    /// Why it is paused.
    pub reason: Option<PauseReason>,
    pub paused_at: Option<String>,
    /// The turn that paused it (`approval`, `turn_failed`, `interrupted`).
    pub turn_id: Option<String>,
    /// The approval request that paused it (`approval`).
    pub request_id: Option<String>,
    /// The turn's error, or why a follow-up did not start.
    pub message: Option<String>,
    /// The usage limit or budget it waits for (`usage_limit`, `budget`): it resumes by itself at `resetsAt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<super::limits::UsageLimit>,
}

impl FollowupQueue {
    pub(crate) fn new(count: i64, pause: Option<&PauseRow>) -> Self {
        Self {
            count,
            paused: pause.is_some(),
            reason: pause.map(|p| p.reason),
            paused_at: pause.map(|p| envelope_ts(p.paused_at)),
            turn_id: pause.and_then(|p| p.turn_id.clone()),
            request_id: pause.and_then(|p| p.request_id.clone()),
            message: pause.and_then(|p| p.message.clone()),
            limit: pause.and_then(|p| {
                let kind = match p.reason {
                    PauseReason::UsageLimit => super::limits::LimitKind::UsageLimit,
                    PauseReason::Budget => super::limits::LimitKind::Budget,
                    _ => return None,
                };
                Some(super::limits::UsageLimit {
                    kind,
                    reason: p.message.clone().unwrap_or_default(),
                    resets_at: p.resets_at.map(envelope_ts),
                    project_id: None,
                })
            }),
        }
    }
}

/// A session's follow-ups and its queue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FollowupList {
    pub queue: FollowupQueue,
    /// With `history`, the latest finished ones (started, failed, removed) first; then the waiting ones in the order
    /// they will start.
    pub followups: Vec<Followup>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct FollowupQuery {
    /// Also this many of the latest finished follow-ups (0–200, default 0).
    pub history: Option<i64>,
}

/// A change to a queued follow-up: each field when given.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EditFollowup {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub mode: Option<TurnMode>,
}

/// The queue's new order: every queued follow-up's id, exactly once.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReorderFollowups {
    pub ids: Vec<String>,
}

/// What `POST .../messages` with `ifBusy: queue` answers when the message was queued.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FollowupQueued {
    pub session_id: String,
    /// The queued message, as it is now (a replay reads it again: it may have started since).
    pub followup: Followup,
    /// True when this answers a retry with an `Idempotency-Key` already used: nothing new was queued.
    #[serde(default)]
    pub replayed: bool,
}

fn not_found(id: &str) -> ServiceError {
    ServiceError::not_found(ErrorCode::FollowupNotFound, format!("no follow-up `{id}` in this session"))
}

fn not_queued(row: &FollowupRow) -> ServiceError {
    ServiceError::conflict(ErrorCode::FollowupNotQueued, format!("the follow-up is {} and can no longer change", row.status))
        .with_details(json!({"status": row.status, "turnId": row.turn_id}))
}

/// The queues' records and every change a user makes to them.
pub struct Followups {
    core: Arc<Core>,
    sessions: Arc<Sessions>,
    board: Arc<FollowupBoard>,
}

impl Followups {
    pub(super) fn new(core: Arc<Core>, sessions: Arc<Sessions>, board: Arc<FollowupBoard>) -> Self {
        Self { core, sessions, board }
    }

    /// Load every session's summary (at start, before any view is built).
    pub(super) async fn load(&self) -> ServiceResult<()> {
        let (counts, paused) = self.core.store().followup_summaries().await?;
        for (session_id, count) in &counts {
            self.board.set(session_id, *count, paused.iter().find(|p| p.session_id == *session_id));
        }
        for p in paused.iter().filter(|p| !counts.iter().any(|(s, _)| *s == p.session_id)) {
            self.board.set(&p.session_id, 0, Some(p));
        }
        Ok(())
    }

    pub async fn list(&self, session_id: &str, q: FollowupQuery) -> ServiceResult<FollowupList> {
        let row = self.core.session_row(session_id).await?;
        let history = q.history.unwrap_or(0);
        if !(0..=MAX_HISTORY).contains(&history) {
            return Err(ServiceError::invalid(format!("`history` must be between 0 and {MAX_HISTORY}")));
        }
        let followups = self.core.store().list_followups(&row.id, history).await?.into_iter().map(Followup::from).collect();
        Ok(FollowupList { queue: self.board.summary(&row.id), followups })
    }

    /// The session's waiting follow-ups, counted (from the board: every change updates it before it answers).
    pub(crate) fn open_count(&self, session_id: &str) -> i64 {
        self.board.summary(session_id).count
    }

    /// Append a message to the session's queue. The caller holds the session lock and validated the text.
    pub(crate) async fn enqueue(&self, row: &SessionRow, text: &str, mode: Option<TurnMode>) -> ServiceResult<Followup> {
        let id = uuid::Uuid::now_v7().to_string();
        let mode = mode.map(|m| if m == TurnMode::Plan { "plan" } else { "default" });
        let Some(inserted) = self.core.store().insert_followup(&id, &row.id, text, mode, MAX_QUEUED).await? else {
            return Err(ServiceError::new(
                ErrorKind::TooManyRequests,
                ErrorCode::QueueFull,
                format!("this session already has {MAX_QUEUED} queued follow-ups; wait for some to start or remove some"),
            ));
        };
        let followup = Followup::from(inserted);
        self.refresh(&row.id).await;
        self.core.record_event(self.event(EventType::FollowupQueued, row, &followup)).await?;
        // Idle with a queue (a paused one, say): the dispatcher decides whether it can start now.
        self.board.signal(Signal::Wake { session_id: Some(row.id.clone()) });
        Ok(followup)
    }

    pub async fn edit(&self, session_id: &str, followup_id: &str, req: EditFollowup) -> ServiceResult<Followup> {
        let row = self.core.session_row(session_id).await?;
        if req.text.is_none() && req.mode.is_none() {
            return Err(ServiceError::invalid("give `text`, `mode` or both"));
        }
        if let Some(text) = &req.text {
            validate_text(text)?;
        }
        let mode = req.mode.map(|m| Some(if m == TurnMode::Plan { "plan" } else { "default" }));
        let changed = self.core.store().edit_followup(&row.id, followup_id, req.text.as_deref(), mode).await?;
        let followup = self.changed(changed, followup_id)?;
        self.core.record_event(self.event(EventType::FollowupUpdated, &row, &followup)).await?;
        Ok(followup)
    }

    pub async fn remove(&self, session_id: &str, followup_id: &str) -> ServiceResult<Followup> {
        let row = self.core.session_row(session_id).await?;
        let changed = self.core.store().remove_followup(&row.id, followup_id).await?;
        let followup = self.changed(changed, followup_id)?;
        self.refresh(&row.id).await;
        self.core.record_event(self.event(EventType::FollowupRemoved, &row, &followup)).await?;
        Ok(followup)
    }

    fn changed(&self, change: QueuedChange, followup_id: &str) -> ServiceResult<Followup> {
        match change {
            QueuedChange::Done(row) => Ok(row.into()),
            QueuedChange::NotQueued(row) => Err(not_queued(&row)),
            QueuedChange::NotFound => Err(not_found(followup_id)),
        }
    }

    pub async fn reorder(&self, session_id: &str, req: ReorderFollowups) -> ServiceResult<FollowupList> {
        let row = self.core.session_row(session_id).await?;
        if req.ids.len() as i64 > MAX_QUEUED {
            return Err(ServiceError::invalid(format!("a queue holds at most {MAX_QUEUED} follow-ups")));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(twice) = req.ids.iter().find(|id| !seen.insert(id.as_str())) {
            return Err(ServiceError::new(ErrorKind::Invalid, ErrorCode::FollowupOrderMismatch, format!("`{twice}` is named twice")));
        }
        let followups: Vec<Followup> = match self.core.store().reorder_followups(&row.id, &req.ids).await? {
            Reorder::Done(rows) => rows.into_iter().map(Followup::from).collect(),
            Reorder::Mismatch(queued) => {
                return Err(ServiceError::new(
                    ErrorKind::Invalid,
                    ErrorCode::FollowupOrderMismatch,
                    "name every queued follow-up exactly once (the queue changed? read it again)",
                )
                .with_details(json!({"queued": queued})));
            }
        };
        let ids: Vec<&str> = followups.iter().filter(|f| f.status == FollowupStatus::Queued).map(|f| f.id.as_str()).collect();
        self.core.record_event(self.event(EventType::FollowupReordered, &row, json!({"sessionId": row.id, "ids": ids}))).await?;
        Ok(FollowupList { queue: self.board.summary(&row.id), followups })
    }

    /// The user pauses the queue: it starts nothing until resumed.
    pub async fn pause(&self, session_id: &str) -> ServiceResult<FollowupQueue> {
        let row = self.core.session_row(session_id).await?;
        if !self.core.store().pause_followups(&row.id, PauseReason::User, &PauseCause::default()).await? {
            let queue = self.board.summary(&row.id);
            return Err(ServiceError::conflict(ErrorCode::FollowupsPaused, "the follow-up queue is paused already")
                .with_details(json!({"reason": queue.reason})));
        }
        let queue = self.refresh(&row.id).await;
        self.core.record_event(self.event(EventType::FollowupPaused, &row, &queue)).await?;
        Ok(queue)
    }

    /// The user resumes the queue: its next follow-up starts as soon as the session is idle.
    pub async fn resume(&self, session_id: &str) -> ServiceResult<FollowupQueue> {
        let row = self.core.session_row(session_id).await?;
        if !self.core.store().resume_followups(&row.id).await? {
            return Err(ServiceError::conflict(ErrorCode::FollowupsNotPaused, "the follow-up queue is not paused"));
        }
        let queue = self.refresh(&row.id).await;
        self.core.record_event(self.event(EventType::FollowupResumed, &row, &queue)).await?;
        self.board.signal(Signal::Wake { session_id: Some(row.id.clone()) });
        Ok(queue)
    }

    /// The host pauses the queue (an approval, a failed turn...): true when this paused it. A queue with nothing
    /// waiting is left running: there is nothing to hold back.
    pub(crate) async fn pause_for(&self, row: &SessionRow, reason: PauseReason, cause: &PauseCause<'_>) -> bool {
        if self.open_count(&row.id) == 0 {
            return false;
        }
        match self.core.store().pause_followups(&row.id, reason, cause).await {
            Ok(true) => {
                let queue = self.refresh(&row.id).await;
                self.core.events().publish(self.event(EventType::FollowupPaused, row, &queue)).await;
                tracing::info!(session = %row.id, reason = %reason, "paused the follow-up queue");
                true
            }
            Ok(false) => false,
            Err(e) => {
                tracing::error!(error = %e, session = %row.id, "could not pause the follow-up queue");
                false
            }
        }
    }

    /// The host resumes a queue it paused for a limit that lifted: the same as the user's resume, said as the host's.
    pub(crate) async fn resume_by_host(&self, row: &SessionRow) {
        match self.core.store().resume_followups(&row.id).await {
            Ok(true) => {
                let queue = self.refresh(&row.id).await;
                self.core.events().publish(self.event(EventType::FollowupResumed, row, &queue)).await;
                tracing::info!(session = %row.id, "resumed the follow-up queue: the limit lifted");
                self.board.signal(Signal::Wake { session_id: Some(row.id.clone()) });
            }
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, session = %row.id, "could not resume the follow-up queue"),
        }
    }

    /// Read the session's summary from the store into the board, and publish the session's view if it changed.
    pub(crate) async fn refresh(&self, session_id: &str) -> FollowupQueue {
        let store = self.core.store();
        match (store.open_followup_count(session_id).await, store.followup_pause(session_id).await) {
            (Ok(count), Ok(pause)) => self.board.set(session_id, count, pause.as_ref()),
            (Err(e), _) | (_, Err(e)) => tracing::error!(error = %e, session = session_id, "could not read the follow-up queue"),
        }
        self.sessions.publish_session_updated(session_id).await;
        self.board.summary(session_id)
    }

    pub(crate) fn event(&self, kind: EventType, row: &SessionRow, data: impl Serialize) -> NewEvent {
        NewEvent::new(kind, serde_json::to_value(data).expect("follow-up data serializes"))
            .session(Some(row.id.as_str().into()), row.project_id.as_deref().map(Into::into))
    }
}
