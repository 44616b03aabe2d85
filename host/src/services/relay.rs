//! Turns what app-server says into events and live state, in arrival order.
//!
//! One task consumes every [`Inbound`] message. It tags each notification with its session and project, keeps
//! [`LiveThreads`](super::live::LiveThreads) current, closes items an interrupt left open, and, when the process
//! dies, ends every turn it was running so that nothing is ever left "running" with nobody to finish it.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::core::Core;
use super::index::SessionRef;
use super::limits::Limits;
use super::live::{LiveThreads, ThreadFlag};
use super::requests::Requests;
use super::sessions::Sessions;
use super::turns::{TurnCommit, Turns};
use crate::appserver::{lenient, Inbound, Lenient, RequestId};
use crate::events::{EventKind, EventType, NewEvent};
use crate::store::{TurnEnd, TurnStatus};

// What the relay reads of app-server's notifications. Every enum and union it acts on is `Lenient`: a newer
// codex's new variant or shape is kept as raw JSON and the rest of the message still reads (a whole message failing
// to parse would leave its turn running forever). Every field of the composites is read on its own (`lenient::*_or_none`):
// one of another type or shape is `None` and the others still count, so a notification keeps its session and a
// `turn/completed` still ends its turn. What changed is the drift guard's to name.

#[derive(Deserialize, Default)]
struct Ids<'a> {
    #[serde(rename = "threadId", default, deserialize_with = "lenient::string_or_none")]
    thread_id: Option<String>,
    #[serde(rename = "turnId", default, deserialize_with = "lenient::string_or_none")]
    turn_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::json_or_none")]
    turn: Option<TurnRef>,
    /// `thread/started` names its thread only inside `thread`.
    #[serde(default, deserialize_with = "lenient::json_or_none")]
    thread: Option<ThreadRef>,
    /// `item/agentMessage/delta` names its item and carries the text. Borrowed from the line: every kind of delta
    /// has these fields, and only assistant text is kept, so the others cost no copy.
    #[serde(rename = "itemId", borrow, default, deserialize_with = "lenient::cow_or_none")]
    item_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "lenient::cow_or_none")]
    delta: Option<Cow<'a, str>>,
    /// `serverRequest/resolved` names the JSON-RPC id of the request app-server withdrew or saw answered.
    #[serde(rename = "requestId")]
    request_id: Option<Value>,
}

#[derive(Deserialize)]
struct ThreadRef {
    id: String,
}

#[derive(Deserialize)]
struct TurnRef {
    id: String,
    /// The turn this one runs inside (an inline review's inner turn), when not itself.
    #[serde(default, rename = "rootTurnId", deserialize_with = "lenient::string_or_none")]
    root_turn_id: Option<String>,
    #[serde(default)]
    status: Option<Lenient<CodexTurnStatus>>,
    #[serde(default)]
    error: Option<Lenient<TurnErrorRef>>,
}

/// app-server's `TurnStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
enum CodexTurnStatus {
    Completed,
    Interrupted,
    Failed,
    InProgress,
}

#[derive(Deserialize)]
struct TurnErrorRef {
    #[serde(default)]
    message: Option<String>,
    /// `"usageLimitExceeded"` when Codex's usage limit refused the turn (any other kind is kept as it came).
    #[serde(default, rename = "codexErrorInfo")]
    codex_error_info: Option<Value>,
}

impl TurnRef {
    /// Whether Codex's usage limit ended the turn.
    fn hit_usage_limit(&self) -> bool {
        matches!(&self.error, Some(Lenient::Known(TurnErrorRef { codex_error_info: Some(Value::String(kind)), .. })) if kind == "usageLimitExceeded")
    }

    /// How the turn ended, in the host's terms, with its error message.
    fn end(&self) -> (TurnStatus, Option<String>) {
        let error = self.error.as_ref().map(|e| match e {
            Lenient::Known(e) => e.message.clone(),
            // An error of a shape this host does not know still says something: keep it as it came.
            Lenient::Other(Value::String(text)) => Some(text.clone()),
            Lenient::Other(raw) => Some(raw.to_string()),
        });
        let status = match &self.status {
            Some(Lenient::Known(CodexTurnStatus::Interrupted)) => TurnStatus::Interrupted,
            Some(Lenient::Known(CodexTurnStatus::Failed)) => TurnStatus::Failed,
            Some(Lenient::Known(CodexTurnStatus::Completed | CodexTurnStatus::InProgress)) | None => TurnStatus::Completed,
            // A status a newer codex added: the turn ended all the same, failed if it says why.
            Some(Lenient::Other(raw)) => {
                tracing::warn!(turn = %self.id, status = %raw, "a turn ended with a status this host does not know");
                if error.is_some() { TurnStatus::Failed } else { TurnStatus::Completed }
            }
        };
        (status, error.flatten())
    }
}

#[derive(Deserialize)]
struct ItemEnvelope {
    item: Box<RawValue>,
}

#[derive(Deserialize)]
struct ItemId {
    id: String,
    #[serde(default, rename = "type")]
    kind: Option<Lenient<String>>,
    #[serde(default)]
    text: Option<Lenient<String>>,
}

impl ItemId {
    /// The text of a completed assistant message.
    fn agent_text(self) -> Option<String> {
        match (self.kind, self.text) {
            (Some(Lenient::Known(kind)), Some(Lenient::Known(text))) if kind == "agentMessage" => Some(text),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct StatusEnvelope {
    /// Another shape (a plain string, a newer union member) is kept: the thread's flags are then cleared, not left
    /// as they were.
    status: Lenient<ThreadStatus>,
}

#[derive(Deserialize)]
struct ThreadStatus {
    #[serde(rename = "type")]
    kind: Lenient<ThreadStatusKind>,
    #[serde(default, rename = "activeFlags")]
    active_flags: Vec<Lenient<ThreadFlag>>,
}

/// app-server's `ThreadStatus` type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
enum ThreadStatusKind {
    Active,
    Idle,
    NotLoaded,
    SystemError,
}

impl ThreadStatus {
    /// What the thread waits on: the flags of an active thread that this host knows.
    fn flags(self) -> Vec<ThreadFlag> {
        if self.kind.known() != Some(&ThreadStatusKind::Active) {
            return Vec::new();
        }
        self.active_flags.into_iter().filter_map(|f| f.known().copied()).collect()
    }
}

/// Relays app-server's output into the host: events, live state, requests, turn ends. The only consumer of the
/// supervisor's inbound queue, so everything app-server says is handled in the order it said it.
pub struct Relay {
    core: Arc<Core>,
    sessions: Arc<Sessions>,
    requests: Arc<Requests>,
    turns: Arc<Turns>,
    /// Kept current from app-server's notifications (the relay is its main writer; see `live.rs`).
    live: Arc<LiveThreads>,
    /// Told of rate limits, usage-limit failures and token usage.
    limits: Arc<Limits>,
}

impl Relay {
    pub(super) fn new(
        core: Arc<Core>,
        sessions: Arc<Sessions>,
        requests: Arc<Requests>,
        turns: Arc<Turns>,
        live: Arc<LiveThreads>,
        limits: Arc<Limits>,
    ) -> Self {
        Self { core, sessions, requests, turns, live, limits }
    }

    /// Consume app-server's output, in order, until the supervisor stops.
    ///
    /// A turn's start or end is queued for the event writer with its record and view and not waited for: the next
    /// message is handled meanwhile (the writer keeps the order), and what follows each commit (the turn's waiters,
    /// its follow-up queue) runs once it lands, in the order they were queued.
    pub(super) async fn run(self: Arc<Self>, mut inbound: mpsc::Receiver<Inbound>) {
        let mut commits: VecDeque<TurnCommit> = VecDeque::new();
        loop {
            let msg = tokio::select! {
                biased;
                logged = async { commits.front_mut().expect("guarded").committed().await }, if !commits.is_empty() => {
                    let commit = commits.pop_front().expect("guarded");
                    self.turns.settle(commit, logged).await;
                    continue;
                }
                msg = inbound.recv() => msg,
            };
            let Some(msg) = msg else { break };
            match msg {
                Inbound::Ready { generation, recorded } => {
                    let state = self.core.app_server().state();
                    self.core.events()
                        .publish_committed(NewEvent::new(EventType::RuntimeReady, json!({"generation": generation, "userAgent": state.user_agent})))
                        .await;
                    let _ = recorded.send(());
                }
                Inbound::Notification { generation, method, params } => {
                    commits.extend(self.on_notification(generation, &method, params).await);
                }
                Inbound::Request { connection, id, method, params } => {
                    self.requests.on_server_request(connection, id, &method, params).await;
                }
                Inbound::Malformed { generation, line, error } => {
                    tracing::warn!(generation, %error, "malformed line from app-server");
                    self.core.events()
                        .publish(NewEvent::new(EventType::RuntimeProtocolError, json!({"generation": generation, "error": error, "line": line})))
                        .await;
                }
                Inbound::Exited { generation, reason } => self.on_runtime_exit(generation, &reason).await,
            }
        }
        for mut commit in commits {
            let logged = commit.committed().await;
            self.turns.settle(commit, logged).await;
        }
    }

    /// Handle one notification; a turn's start or end comes back queued, to be settled once committed.
    async fn on_notification(&self, generation: u64, method: &str, params: Option<Box<RawValue>>) -> Option<TurnCommit> {
        let params = params.unwrap_or_else(|| RawValue::from_string("null".into()).expect("null is JSON"));
        let mut ids: Ids<'_> = serde_json::from_str(params.get()).unwrap_or_default();
        if ids.thread_id.is_none() {
            ids.thread_id = ids.thread.as_ref().map(|t| t.id.clone());
        }
        let mut turn_id = ids.turn_id.clone().or_else(|| ids.turn.as_ref().map(|t| t.id.clone()));
        let session = ids.thread_id.as_deref().and_then(|t| self.sessions.session_of_thread(t));
        let mut final_text = None;
        let turn_end = ids.turn.as_ref().filter(|_| method == "turn/completed").map(TurnRef::end);
        // Before the turn's end moves any queue: its end then pauses them as `usage_limit`, not `turn_failed`.
        if let Some(turn) = ids.turn.as_ref().filter(|t| method == "turn/completed" && t.hit_usage_limit()) {
            let message = turn_end.as_ref().and_then(|(_, e)| e.as_deref());
            self.limits.on_usage_limit_error(Some(&turn.id), message).await;
        }
        match method {
            "account/rateLimits/updated" | "thread/tokenUsage/updated" => {
                if let Ok(value) = serde_json::from_str::<Value>(params.get()) {
                    if method == "account/rateLimits/updated" {
                        self.limits.on_rate_limits(&value).await;
                    } else if let Some(s) = session.as_ref() {
                        self.limits.on_token_usage(s, &value).await;
                    }
                }
            }
            _ => {}
        }
        // A turn app-server runs inside another (an inline review runs its reviewer as a turn whose `rootTurnId` is
        // the review's turn, and never completes it) is part of its root: what it says is tagged with the root, and
        // only the root's start and end change the session and the turn record.
        let mut folded = false;
        if let (Some(thread_id), Some(id)) = (ids.thread_id.as_deref(), turn_id.clone()) {
            let root = ids.turn.as_ref().filter(|_| method == "turn/started").and_then(|t| t.root_turn_id.clone()).filter(|r| *r != id);
            let owner = self.live.with(thread_id, |t| {
                if let Some(root) = root {
                    t.nested_turns.push((id.clone(), root));
                }
                let owner = t.root_of(&id).map(str::to_owned);
                if method == "turn/completed" && owner.is_some() {
                    t.nested_turns.retain(|(nested, _)| *nested != id);
                }
                owner
            });
            if let Some(owner) = owner {
                folded = matches!(method, "turn/started" | "turn/completed");
                turn_id = Some(owner);
            }
        }

        if let Some(thread_id) = ids.thread_id.as_deref().filter(|_| !folded) {
            match method {
                "thread/started" => self.live.with(thread_id, |t| t.loaded_in = Some(generation)),
                "thread/closed" => self.live.with(thread_id, |t| t.loaded_in = None),
                "turn/started" => {
                    self.live.with(thread_id, |t| {
                        t.active_turn = turn_id.clone();
                        t.last_agent_text = None;
                        t.loaded_in = Some(generation);
                    });
                }
                "item/started" => {
                    if let Ok(env) = serde_json::from_str::<ItemEnvelope>(params.get()) {
                        if let Ok(item) = serde_json::from_str::<ItemId>(env.item.get()) {
                            self.live.with(thread_id, |t| t.open_items.push((item.id, env.item)));
                        }
                    }
                }
                "item/agentMessage/delta" => {
                    if let (Some(item_id), Some(delta)) = (ids.item_id.as_deref(), ids.delta.as_deref()) {
                        self.live.with(thread_id, |t| t.stream(item_id, delta));
                    }
                }
                "item/completed" => {
                    if let Ok(env) = serde_json::from_str::<ItemEnvelope>(params.get()) {
                        if let Ok(item) = serde_json::from_str::<ItemId>(env.item.get()) {
                            self.live.with(thread_id, |t| {
                                t.open_items.retain(|(id, _)| *id != item.id);
                                t.streamed.retain(|(id, _)| *id != item.id);
                                if let Some(text) = item.agent_text() {
                                    t.last_agent_text = Some(text);
                                }
                            });
                        }
                    }
                }
                "serverRequest/resolved" => {
                    if let Some(rpc_id) = ids.request_id.clone() {
                        self.requests.expire_withdrawn_request(generation, &RequestId(rpc_id)).await;
                    }
                }
                "thread/status/changed" => {
                    if let Ok(env) = serde_json::from_str::<StatusEnvelope>(params.get()) {
                        let flags = match env.status {
                            Lenient::Known(status) => status.flags(),
                            Lenient::Other(raw) => {
                                tracing::warn!(thread = thread_id, status = %raw, "a thread status of a shape this host does not know: its wait flags are cleared");
                                Vec::new()
                            }
                        };
                        self.live.with(thread_id, |t| t.flags = flags);
                    }
                }
                "turn/completed" => {
                    let (open, streamed, text, nested) = self.live.with(thread_id, |t| {
                        if t.active_turn.as_deref() == turn_id.as_deref() {
                            t.active_turn = None;
                        }
                        t.last_completed_turn = turn_id.clone();
                        t.flags.clear();
                        let (nested, others) = std::mem::take(&mut t.nested_turns).into_iter().partition(|(_, root)| Some(root) == turn_id.as_ref());
                        t.nested_turns = others;
                        // A reply cut short (interrupted) ends with what it streamed.
                        let text = t.last_agent_text.take().or_else(|| t.last_streamed().map(str::to_owned));
                        (std::mem::take(&mut t.open_items), std::mem::take(&mut t.streamed), text, nested)
                    });
                    let status = turn_end.as_ref().map_or(TurnStatus::Completed, |(s, _)| *s).as_str();
                    self.requests.expire_turn_requests(thread_id, turn_id.as_deref(), status).await;
                    // The turns it ran inside itself end with it, and so do their requests.
                    for (inner, _) in nested.iter() {
                        self.requests.expire_turn_requests(thread_id, Some(inner.as_str()), status).await;
                    }
                    self.close_items(thread_id, turn_id.as_deref(), session.as_ref(), open, &streamed, status).await;
                    final_text = text;
                }
                _ => {}
            }
        }

        let (sid, pid) = SessionRef::tags(session.clone());
        // The params become the event's data as they came: no copy, no re-serialization.
        let data: Box<str> = params.into();
        let event = NewEvent::raw(EventKind::for_method(method), data.into_string()).session(sid, pid).turn(turn_id.clone());
        let Some(s) = session.as_ref().filter(|_| !folded && matches!(method, "turn/started" | "turn/completed")) else {
            self.core.events().publish(event).await;
            // What a list row shows (waiting on approval, loaded) follows the thread's status.
            if let Some(s) = session.as_ref().filter(|_| matches!(method, "thread/status/changed" | "thread/started" | "thread/closed")) {
                self.sessions.publish_session_updated(&s.session_id).await;
            }
            return None;
        };
        match (method, turn_id.as_deref()) {
            // The start is recorded with its seq, in the transaction that logs it.
            ("turn/started", Some(turn_id)) => self.turns.queue_turn_started(s, turn_id, event).await,
            ("turn/completed", turn_id) => {
                let (status, error) = turn_end.unwrap_or((TurnStatus::Completed, None));
                let end = TurnEnd { status, error: error.as_deref(), final_text: final_text.as_deref(), end_seq: None };
                self.turns.queue_turn_end(s, turn_id, &end, event).await
            }
            _ => {
                self.core.events().publish(event).await;
                None
            }
        }
    }

    /// Items that started but never completed (an interrupt, a dead process) are closed by the host, so that no
    /// client shows them as running forever. The event says the host closed them and why.
    async fn close_items(
        &self,
        thread_id: &str,
        turn_id: Option<&str>,
        session: Option<&SessionRef>,
        open: Vec<(String, Box<RawValue>)>,
        streamed: &[(String, String)],
        turn_status: &str,
    ) {
        for (id, item) in open {
            let mut item = serde_json::from_str::<Value>(item.get()).unwrap_or(Value::Null);
            // An assistant message keeps the text it streamed before it was cut off.
            if let Some((_, text)) = streamed.iter().find(|(streamed_id, _)| *streamed_id == id) {
                if item.get("type").and_then(Value::as_str) == Some("agentMessage") {
                    item["text"] = Value::String(text.clone());
                }
            }
            let data = json!({
                "threadId": thread_id,
                "turnId": turn_id,
                "item": item,
                "closedByHost": true,
                "reason": format!("turn ended ({turn_status}) before the item completed"),
            });
            let (sid, pid) = SessionRef::tags(session.cloned());
            self.core.events().publish(NewEvent::new(EventType::ItemCompleted, data).session(sid, pid).turn(turn_id.map(str::to_owned))).await;
        }
    }

    async fn on_runtime_exit(&self, generation: u64, reason: &str) {
        self.core.events().publish(NewEvent::new(EventType::RuntimeExited, json!({"generation": generation, "reason": reason}))).await;
        self.end_generation(generation, reason).await;
    }

    /// The process is gone: every turn it was running is over. Report each as interrupted (what app-server's own
    /// history will say once the thread is resumed), close its open items, expire its requests, and mark every
    /// thread unloaded.
    pub(super) async fn end_generation(&self, generation: u64, reason: &str) {
        self.requests.expire_generation_requests(generation, reason).await;
        for (thread_id, live) in self.live.drain_for_exit(generation) {
            let session = self.sessions.session_of_thread(&thread_id);
            let turn_id = live.active_turn.clone();
            let text = live.last_agent_text.clone().or_else(|| live.last_streamed().map(str::to_owned));
            self.close_items(&thread_id, turn_id.as_deref(), session.as_ref(), live.open_items, &live.streamed, "interrupted").await;
            let message = format!("app-server stopped during the turn ({reason})");
            let text = text.as_deref();
            self.turns.end_turn_by_host(&thread_id, turn_id.as_deref(), session.as_ref(), TurnStatus::Interrupted, &message, text).await;
        }
    }
}
