//! Turns: send a message (start a turn, exactly once per idempotency key), steer the running turn, interrupt it;
//! the host's turn record (`records`) and how a turn ends (`ends`).

mod ends;
mod records;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

pub use records::{TurnRecord, TurnRecordPage, TurnRecordQuery};
pub(crate) use ends::TurnCommit;

use super::core::Core;
use super::waits::EndWaiters;
use super::error::{ErrorCode, ErrorKind, ServiceError, ServiceResult};
use super::index::SessionRef;
use super::live::LiveThreads;
use super::sessions::{SessionControls, Sessions};
use super::codex::mistakes::{diagnose, Suspect};
use super::followups::{Followup, FollowupQueued, Followups};
use crate::appserver::{Connection, RpcError};
use crate::store::{IdempotencyClaim, SessionRow, StoreError, TurnStatus};

/// Largest message text.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;
/// How long an interrupt waits for app-server to confirm the turn ended before answering `interrupting`.
pub const INTERRUPT_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendMessage {
    /// The user's message.
    pub text: String,
    /// `plan` runs this turn in Codex's Plan mode (where it may ask questions: tool input); default `default`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<TurnMode>,
    /// What to do while the session is busy (a turn runs, or follow-ups wait): `refuse` (the default) answers 409
    /// `turn_in_progress`; `queue` appends the message to the session's follow-up queue (202 with the follow-up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub if_busy: Option<IfBusy>,
}

crate::wire::wire_enum! {
    /// What `POST .../messages` does while the session is busy.
    pub enum IfBusy {
        /// Answer 409 `turn_in_progress` while a turn runs.
        Refuse = "refuse",
        /// Queue the message as a follow-up (behind any already waiting); it starts when the session is idle.
        Queue = "queue",
    }
}

/// What `POST .../messages` did: started a turn (`TurnAccepted`, with `turnId`) or, with `ifBusy: queue` while the
/// session was busy, queued the message (`FollowupQueued`, with `followup`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum SendOutcome {
    Queued(FollowupQueued),
    Started(TurnAccepted),
}

impl SendOutcome {
    pub fn replayed(&self) -> bool {
        match self {
            Self::Queued(q) => q.replayed,
            Self::Started(t) => t.replayed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TurnMode {
    Default,
    Plan,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SteerMessage {
    /// Added to the running turn's input.
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TurnAccepted {
    pub session_id: String,
    pub turn_id: String,
    /// `inProgress` when accepted; follow the turn on the event stream. A replayed answer carries the turn's
    /// status now, from the host's turn record (a final state once the turn ended, also after a host crash).
    pub status: TurnStatus,
    /// Why the turn failed or was interrupted (replayed answers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// True when this answers a retry with an `Idempotency-Key` already used: no new turn was started.
    #[serde(default)]
    pub replayed: bool,
    /// The turn went to Codex, but a budget is spent (or Codex's usage limit is reached): automated turns wait,
    /// and this one may be refused by Codex or go over the budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<crate::services::limits::UsageLimit>,
}

crate::wire::wire_enum! {
    /// Where an interrupted turn stands when the interrupt answers.
    pub enum InterruptStatus {
        Interrupted = "interrupted",
        /// The turn completed before the interrupt reached it.
        Completed = "completed",
        Failed = "failed",
        /// app-server had not confirmed the end within 10 s; the turn's `turn.completed` follows.
        Interrupting = "interrupting",
    }
}

impl InterruptStatus {
    /// The answer for a turn's record: its final status, or `interrupting` while it still runs.
    fn of(status: TurnStatus) -> Self {
        match status {
            TurnStatus::Interrupted => Self::Interrupted,
            TurnStatus::Completed => Self::Completed,
            TurnStatus::Failed => Self::Failed,
            TurnStatus::InProgress => Self::Interrupting,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InterruptResult {
    pub turn_id: String,
    /// The turn's final status (`interrupted`, or `completed`/`failed` if it ended first), or `interrupting` if
    /// app-server had not confirmed within 10 s.
    pub status: InterruptStatus,
}

pub(crate) fn validate_text(text: &str) -> ServiceResult<()> {
    if text.trim().is_empty() {
        return Err(ServiceError::invalid("`text` must not be empty"));
    }
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(ServiceError::new(ErrorKind::Invalid, ErrorCode::MessageTooLarge, format!("messages are at most {MAX_MESSAGE_BYTES} bytes")));
    }
    Ok(())
}

fn validate_idempotency_key(key: &str) -> ServiceResult<()> {
    if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ServiceError::new(ErrorKind::Invalid, ErrorCode::InvalidIdempotencyKey, "`Idempotency-Key` must be 1-200 visible ASCII characters"));
    }
    Ok(())
}

/// FNV-1a: a stable fingerprint of the request body, to spot a key reused for a different request.
fn fingerprint(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}-{}", text.len())
}

fn text_input(text: &str) -> Value {
    json!([{"type": "text", "text": text, "text_elements": []}])
}

/// Turns and their record: starting, steering and interrupting them, their ends, and who waits for them.
pub struct Turns {
    core: Arc<Core>,
    sessions: Arc<Sessions>,
    /// Read for the running turn; a turn app-server accepted is marked here.
    live: Arc<LiveThreads>,
    /// Waiters for turns' ends, woken once the turn record holds the end.
    ends: EndWaiters,
    /// Where a message sent with `ifBusy: queue` goes while the session is busy.
    followups: Arc<Followups>,
    /// Asked after a user's own turn started: a spent budget or a usage limit is said as a warning.
    limits: Arc<crate::services::limits::Limits>,
}

impl Turns {
    pub(super) fn new(
        core: Arc<Core>,
        sessions: Arc<Sessions>,
        live: Arc<LiveThreads>,
        followups: Arc<Followups>,
        limits: Arc<crate::services::limits::Limits>,
    ) -> Self {
        Self { core, sessions, live, ends: EndWaiters::default(), followups, limits }
    }

    /// Start a turn with the message (a 409 while a turn runs). With an idempotency key, a retry returns the first
    /// answer.
    pub async fn send_message(&self, session_id: &str, mut req: SendMessage, key: Option<&str>) -> ServiceResult<TurnAccepted> {
        req.if_busy = None;
        match self.send(session_id, req, key).await? {
            SendOutcome::Started(accepted) => Ok(accepted),
            SendOutcome::Queued(_) => Err(ServiceError::new(ErrorKind::Internal, ErrorCode::InternalError, "a refused send was queued")),
        }
    }

    /// Send the user's message: start a turn or, with `ifBusy: queue` while the session is busy, queue it. With an
    /// idempotency key, a retry returns the first answer (as things are now: the turn's status, the follow-up's).
    pub async fn send(&self, session_id: &str, req: SendMessage, key: Option<&str>) -> ServiceResult<SendOutcome> {
        let row = self.core.session_row(session_id).await?;
        validate_text(&req.text)?;
        // Before the idempotency key is claimed: a refused send must leave nothing behind.
        self.core.hosts().ensure_here(row.owner_host.as_deref()).await?;
        let Some(key) = key else {
            return self.start_or_queue(&row, &req).await;
        };
        validate_idempotency_key(key)?;
        let body = serde_json::to_string(&req).expect("request serializes");
        match self.core.store().claim_idempotency_key(&row.id, key, &fingerprint(&body)).await? {
            IdempotencyClaim::Claimed => {}
            IdempotencyClaim::Replay(stored) => {
                let outcome: SendOutcome = serde_json::from_str(&stored)
                    .map_err(|e| ServiceError::new(ErrorKind::Internal, ErrorCode::StoreError, format!("stored response unreadable: {e}")))?;
                let mut accepted = match outcome {
                    SendOutcome::Started(accepted) => accepted,
                    SendOutcome::Queued(mut queued) => {
                        // Where the follow-up is now (started, edited...), from the store, never the stored copy.
                        queued.followup = Followup::from(self.core.store().get_followup(&queued.followup.id).await?);
                        queued.replayed = true;
                        return Ok(SendOutcome::Queued(queued));
                    }
                };
                // The stored answer names the turn; where it is now comes from the turn record, never a stale copy.
                match self.core.store().get_turn(&accepted.turn_id).await {
                    Ok(turn) => {
                        accepted.status = turn.status;
                        accepted.error = turn.error;
                    }
                    // A key stored before the host kept turn records: its stored answer is all there is.
                    Err(StoreError::NotFound) => {}
                    Err(e) => return Err(e.into()),
                }
                accepted.replayed = true;
                return Ok(SendOutcome::Started(accepted));
            }
            IdempotencyClaim::InProgress => {
                return Err(ServiceError::conflict(ErrorCode::IdempotencyInProgress, "a request with this Idempotency-Key is still being processed"))
            }
            IdempotencyClaim::Mismatch => {
                return Err(ServiceError::new(ErrorKind::Invalid, ErrorCode::IdempotencyKeyReused, "this Idempotency-Key was used for a different message"))
            }
        }
        match self.start_or_queue(&row, &req).await {
            Ok(accepted) => {
                let stored = serde_json::to_string(&accepted).expect("response serializes");
                self.core.store().complete_idempotency_key(&row.id, key, &stored).await?;
                Ok(accepted)
            }
            Err(e) => {
                // The turn did not start: free the key so the client's retry can start it.
                let _ = self.core.store().release_idempotency_key(&row.id, key).await;
                Err(e)
            }
        }
    }

    async fn start_or_queue(&self, row: &SessionRow, req: &SendMessage) -> ServiceResult<SendOutcome> {
        if row.archived {
            return Err(ServiceError::conflict(ErrorCode::SessionArchived, "unarchive the session before sending to it"));
        }
        let lock = self.core.session_lock(&row.id);
        let _guard = lock.lock().await;
        // Read again under the lock: a DELETE that held it has removed the session (404, not a dead thread's error).
        let row = &self.core.session_row(&row.id).await?;
        // Busy is a running turn or follow-ups waiting (a queued message goes behind them, never ahead).
        if req.if_busy == Some(IfBusy::Queue) && (self.live.active_turn(&row.thread_id).is_some() || self.followups.open_count(&row.id) > 0) {
            let followup = self.followups.enqueue(row, &req.text, req.mode).await?;
            return Ok(SendOutcome::Queued(FollowupQueued { session_id: row.id.clone(), followup, replayed: false }));
        }
        let mut accepted = self.start_turn_locked(row, req).await?;
        // A user's own message is never held back; what would hold automation is said beside it.
        accepted.warning = self.limits.may_start_turn(row.project_id.as_deref()).await.map(|h| h.limit);
        Ok(SendOutcome::Started(accepted))
    }

    /// Start a turn in the session, whose lock the caller holds (a send, or the follow-up dispatcher).
    pub(crate) async fn start_turn_locked(&self, row: &SessionRow, req: &SendMessage) -> ServiceResult<TurnAccepted> {
        if let Some(active) = self.live.active_turn(&row.thread_id) {
            return Err(ServiceError::conflict(ErrorCode::TurnInProgress, "a turn is running: steer it or interrupt it first")
                .with_details(json!({"activeTurnId": active})));
        }
        let (conn, row) = self.sessions.ensure_loaded(row).await?;
        let controls = SessionControls::from_json(&row.controls).overlay(&self.sessions.default_controls().await?);
        let live = self.live.settings(&row.thread_id);
        let mut params = Map::new();
        params.insert("threadId".into(), json!(row.thread_id));
        params.insert("input".into(), text_input(&req.text));
        controls.turn_params(&mut params, live.sandbox.as_ref());
        if let Some(mode) = req.mode {
            // A collaboration mode names the model it runs with: the session's, else the thread's.
            let model = controls.model.clone().or(live.model).ok_or_else(|| {
                ServiceError::new(ErrorKind::Invalid, ErrorCode::ModelUnknown, "set the session's `model` control to use a turn mode")
            })?;
            let kind = if mode == TurnMode::Plan { "plan" } else { "default" };
            params.insert(
                "collaborationMode".into(),
                json!({"mode": kind, "settings": {"model": model, "developer_instructions": null, "reasoning_effort": controls.reasoning_effort}}),
            );
        }
        let result = conn.request("turn/start", Value::Object(params)).await?;
        let turn_id = result
            .pointer("/turn/id")
            .and_then(Value::as_str)
            .ok_or_else(|| ServiceError::new(ErrorKind::Upstream, ErrorCode::AppServerProtocol, "turn/start returned no turn id"))?
            .to_string();
        // The promise of the 202 is durable before it is made: the turn record holds the turn (and the idempotency
        // key's answer is stored only after this), so a host that dies now still ends it after its restart.
        let session = SessionRef { session_id: row.id.as_str().into(), project_id: row.project_id.as_deref().map(Into::into) };
        if let Err(e) = self.record_accepted(&session, &turn_id).await {
            // Not recorded means not promised: stop the turn rather than run one nobody can follow up on.
            let _ = conn.request("turn/interrupt", json!({"threadId": row.thread_id, "turnId": turn_id})).await;
            return Err(e.into());
        }
        // turn/started may already have arrived (or even turn/completed, for a very fast turn).
        if !self.live.mark_accepted(&row.thread_id, &turn_id, conn.generation()) {
            // The process that accepted the turn died and its running turns were already ended before this one was
            // marked: end it here, so that it too has a final state.
            let message = "app-server stopped right after accepting the turn";
            self.end_turn_by_host(&row.thread_id, Some(&turn_id), Some(&session), TurnStatus::Interrupted, message, None).await;
        }
        // The row shows the turn from its 202 on (the relay publishes it too once turn/started arrives; whichever
        // comes second finds nothing new).
        self.sessions.publish_session_updated(&row.id).await;
        Ok(TurnAccepted { session_id: row.id.clone(), turn_id, status: TurnStatus::InProgress, error: None, replayed: false, warning: None })
    }

    /// Add input to the running turn.
    pub async fn steer(&self, session_id: &str, req: SteerMessage) -> ServiceResult<TurnAccepted> {
        let row = self.core.session_row(session_id).await?;
        validate_text(&req.text)?;
        // Another host's turn is not in this app-server (this host would say "no running turn").
        self.core.hosts().ensure_here(row.owner_host.as_deref()).await?;
        let turn_id = self.active_turn(&row)?;
        let conn = self.core.connection()?;
        let params = json!({"threadId": row.thread_id, "expectedTurnId": turn_id, "input": text_input(&req.text)});
        if let Err(e) = conn.request("turn/steer", params).await {
            return Err(refused(&conn, &row, e).await);
        }
        Ok(TurnAccepted { session_id: row.id, turn_id, status: TurnStatus::InProgress, error: None, replayed: false, warning: None })
    }

    /// Interrupt the running turn and wait (briefly) until app-server confirms it ended.
    pub async fn interrupt(&self, session_id: &str) -> ServiceResult<InterruptResult> {
        let row = self.core.session_row(session_id).await?;
        self.core.hosts().ensure_here(row.owner_host.as_deref()).await?;
        let turn_id = self.active_turn(&row)?;
        let conn = self.core.connection()?;
        if let Err(e) = conn.request("turn/interrupt", json!({"threadId": row.thread_id, "turnId": turn_id})).await {
            return Err(refused(&conn, &row, e).await);
        }
        let turn = self.wait_turn_record(&row.id, &turn_id, INTERRUPT_WAIT).await?;
        Ok(InterruptResult { turn_id, status: InterruptStatus::of(turn.status) })
    }

    fn active_turn(&self, row: &SessionRow) -> ServiceResult<String> {
        self.live
            .active_turn(&row.thread_id)
            .ok_or_else(|| ServiceError::conflict(ErrorCode::NoActiveTurn, "the session has no running turn"))
    }
}

/// Why app-server refused a steer or an interrupt: a 409 `no_active_turn` when the turn had already ended (the host
/// read it running a moment before), else app-server's own failure.
async fn refused(conn: &Connection, row: &SessionRow, error: RpcError) -> ServiceError {
    match error {
        e @ RpcError::Server { .. } => diagnose(conn, &[Suspect::RunningTurn { thread_id: row.thread_id.clone() }], e).await,
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupt_answers_the_turn_s_final_status_or_interrupting_while_it_runs() {
        assert_eq!(InterruptStatus::of(TurnStatus::InProgress), InterruptStatus::Interrupting);
        for &status in TurnStatus::ALL.iter().filter(|s| s.is_final()) {
            assert_eq!(InterruptStatus::of(status).as_str(), status.as_str(), "a final status is answered as it is");
        }
    }

    #[test]
    fn fingerprints_differ_for_different_bodies() {
        assert_eq!(fingerprint("hello"), fingerprint("hello"));
        assert_ne!(fingerprint("hello"), fingerprint("hellp"));
    }
}
