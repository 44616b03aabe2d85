//! The request side: handshake, threads, turns; one line in, zero or more lines out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::{json, Value};

use super::directives::TurnPlan;
use super::turn::{self, TurnSpec};
use super::wire::{unix_millis, IdGen, Output};

/// The version the fake claims to be.
pub const FAKE_VERSION: &str = "0.169.0";
/// The JSON-RPC error code app-server 0.169 uses for every refusal observed.
pub const INVALID_REQUEST: i64 = -32600;

/// What to do when a turn asks to crash (`fault:crash_after`). The binary exits; tests record it.
pub type CrashHook = Arc<dyn Fn() + Send + Sync>;

/// A scripted app-server peer. Feed it lines with [`Server::handle_line`]; it writes to its [`Output`].
pub struct Server {
    shared: Arc<Shared>,
    turns: Mutex<Vec<JoinHandle<()>>>,
}

pub(super) struct Shared {
    pub out: Output,
    pub ids: IdGen,
    pub on_crash: CrashHook,
    codex_home: String,
    initialized: AtomicBool,
    threads: Mutex<HashMap<String, ThreadState>>,
}

struct ThreadState {
    cwd: String,
    active: Option<ActiveTurn>,
    /// Turns that ended, oldest first, as `thread/turns/list` returns them.
    history: Vec<Value>,
}

struct ActiveTurn {
    id: String,
    interrupt: Arc<AtomicBool>,
}

impl Shared {
    /// The turn is over: the thread takes a new one. Called before `turn/completed` goes out, so a client that
    /// reacts to it at once finds the thread idle.
    pub(super) fn finish_turn(&self, thread_id: &str, turn_id: &str, record: Value) {
        let mut threads = self.threads.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = threads.get_mut(thread_id) {
            if t.active.as_ref().is_some_and(|a| a.id == turn_id) {
                t.active = None;
            }
            t.history.push(record);
        }
    }

    /// One page of a thread's history: `limit` turns (default 50) from `cursor` (an offset this fake handed out) in
    /// `sortDirection` order.
    fn turns_page(&self, thread_id: Option<&str>, params: &Value) -> Value {
        let threads = self.threads.lock().unwrap_or_else(|p| p.into_inner());
        let empty = Vec::new();
        let history = thread_id.and_then(|t| threads.get(t)).map(|t| &t.history).unwrap_or(&empty);
        let limit = params.get("limit").and_then(Value::as_u64).unwrap_or(50).max(1) as usize;
        let start = params.get("cursor").and_then(Value::as_str).and_then(|c| c.parse::<usize>().ok()).unwrap_or(0);
        let desc = params.get("sortDirection").and_then(Value::as_str) == Some("desc");
        let end = (start + limit).min(history.len());
        let page: Vec<Value> = if desc {
            history.iter().rev().skip(start).take(end.saturating_sub(start)).cloned().collect()
        } else {
            history.iter().skip(start).take(end.saturating_sub(start)).cloned().collect()
        };
        let next = (end < history.len()).then(|| end.to_string());
        json!({"data": page, "nextCursor": next, "backwardsCursor": null})
    }
}

impl Server {
    pub fn new(out: Output, codex_home: impl Into<String>, on_crash: CrashHook) -> Self {
        let shared = Shared {
            out,
            ids: IdGen::new(),
            on_crash,
            codex_home: codex_home.into(),
            initialized: AtomicBool::new(false),
            threads: Mutex::new(HashMap::new()),
        };
        Self { shared: Arc::new(shared), turns: Mutex::new(Vec::new()) }
    }

    /// Handle one line the client wrote. `received_at_ns` is when it was read (Unix nanoseconds).
    pub fn handle_line(&self, line: &str, received_at_ns: u128) {
        let msg: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("fake-app-server: ignoring a line that is not JSON ({e})");
                return;
            }
        };
        let (Some(method), Some(id)) = (msg.get("method").and_then(Value::as_str), msg.get("id")) else {
            // A notification (`initialized`) or an answer to a request we never make: nothing to do.
            return;
        };
        let params = msg.get("params").cloned().unwrap_or(Value::Null);
        self.request(id, method, &params, received_at_ns);
    }

    /// Wait for every turn started so far to end (tests).
    pub fn wait_turns(&self) {
        let handles: Vec<_> = std::mem::take(&mut *self.turns.lock().unwrap_or_else(|p| p.into_inner()));
        for h in handles {
            let _ = h.join();
        }
    }

    fn request(&self, id: &Value, method: &str, params: &Value, received_at_ns: u128) {
        let out = &self.shared.out;
        if method == "initialize" {
            if self.shared.initialized.swap(true, Ordering::SeqCst) {
                return out.error(id, INVALID_REQUEST, "Already initialized");
            }
            return out.result(
                id,
                json!({
                    "userAgent": format!("fake_app_server/{FAKE_VERSION}"),
                    "codexHome": self.shared.codex_home,
                    "platformFamily": "unix",
                    "platformOs": "linux",
                }),
            );
        }
        if !self.shared.initialized.load(Ordering::SeqCst) {
            return out.error(id, INVALID_REQUEST, "Not initialized");
        }
        let thread_id = params.get("threadId").and_then(Value::as_str);
        match method {
            "thread/start" | "thread/fork" => {
                let new_id = self.shared.ids.next();
                let cwd = self.cwd_for(params, thread_id.filter(|_| method == "thread/fork"));
                self.threads().insert(new_id.clone(), ThreadState { cwd: cwd.clone(), active: None, history: Vec::new() });
                let mut thread = thread_json(&new_id, &cwd);
                if method == "thread/fork" {
                    thread["forkedFromId"] = json!(thread_id);
                }
                out.result(id, thread_response(thread.clone(), &cwd));
                out.notify("thread/started", json!({"thread": thread}));
            }
            "thread/resume" => {
                let Some(tid) = thread_id else { return out.error(id, INVALID_REQUEST, "invalid thread id: missing") };
                let cwd = self.cwd_for(params, Some(tid));
                self.threads().entry(tid.to_string()).or_insert_with(|| ThreadState { cwd: cwd.clone(), active: None, history: Vec::new() });
                out.result(id, thread_response(thread_json(tid, &cwd), &cwd));
            }
            "thread/name/set" | "thread/archive" | "thread/unarchive" => out.result(id, json!({})),
            "thread/delete" => {
                if let Some(tid) = thread_id {
                    if let Some(t) = self.threads().remove(tid) {
                        if let Some(a) = t.active {
                            a.interrupt.store(true, Ordering::SeqCst);
                        }
                    }
                }
                out.result(id, json!({}));
            }
            "thread/turns/list" => out.result(id, self.shared.turns_page(thread_id, params)),
            "turn/start" => self.start_turn(id, thread_id, params, received_at_ns),
            "turn/interrupt" => {
                let turn_id = params.get("turnId").and_then(Value::as_str);
                let flag = self.active_turn(thread_id).filter(|(t, _)| turn_id.is_none_or(|want| want == t));
                match flag {
                    Some((_, interrupt)) => {
                        out.result(id, json!({}));
                        interrupt.store(true, Ordering::SeqCst);
                    }
                    None => out.error(id, INVALID_REQUEST, "no active turn to interrupt"),
                }
            }
            "turn/steer" => match self.active_turn(thread_id) {
                Some((turn_id, _)) => out.result(id, json!({"turnId": turn_id})),
                None => out.error(id, INVALID_REQUEST, "no active turn to steer"),
            },
            _ => out.error(id, INVALID_REQUEST, "unknown method"),
        }
    }

    fn start_turn(&self, id: &Value, thread_id: Option<&str>, params: &Value, received_at_ns: u128) {
        let out = &self.shared.out;
        let Some(thread_id) = thread_id else { return out.error(id, INVALID_REQUEST, "invalid thread id: missing") };
        let plan = match TurnPlan::parse(&input_text(params)) {
            Ok(p) => p,
            Err(e) => return out.error(id, INVALID_REQUEST, &format!("fake-app-server: {e}")),
        };
        let turn_id = self.shared.ids.next();
        let interrupt = Arc::new(AtomicBool::new(false));
        {
            let mut threads = self.threads();
            let Some(thread) = threads.get_mut(thread_id) else {
                drop(threads);
                return out.error(id, INVALID_REQUEST, &format!("thread not found: {thread_id}"));
            };
            if let Some(active) = &thread.active {
                let msg = format!("thread {thread_id} already has an active turn {}", active.id);
                drop(threads);
                return out.error(id, INVALID_REQUEST, &msg);
            }
            thread.active = Some(ActiveTurn { id: turn_id.clone(), interrupt: interrupt.clone() });
        }
        out.result(id, json!({"turn": {"id": turn_id, "status": "inProgress", "items": [], "error": null}}));
        let spec = TurnSpec {
            user_text: input_text(params),
            thread_id: thread_id.to_string(),
            turn_id,
            item_id: self.shared.ids.next(),
            plan,
            received_at_ns,
            interrupt,
        };
        let shared = self.shared.clone();
        let handle = std::thread::Builder::new()
            .name("fake-turn".into())
            .spawn(move || turn::run(&shared, spec))
            .expect("spawn a turn thread");
        let mut turns = self.turns.lock().unwrap_or_else(|p| p.into_inner());
        turns.retain(|h| !h.is_finished());
        turns.push(handle);
    }

    fn threads(&self) -> std::sync::MutexGuard<'_, HashMap<String, ThreadState>> {
        self.shared.threads.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn active_turn(&self, thread_id: Option<&str>) -> Option<(String, Arc<AtomicBool>)> {
        let threads = self.threads();
        let active = threads.get(thread_id?)?.active.as_ref()?;
        Some((active.id.clone(), active.interrupt.clone()))
    }

    /// `cwd` from the params, else the thread's (fork, resume), else the process's.
    fn cwd_for(&self, params: &Value, thread_id: Option<&str>) -> String {
        if let Some(cwd) = params.get("cwd").and_then(Value::as_str) {
            return cwd.to_string();
        }
        if let Some(t) = thread_id.and_then(|t| self.threads().get(t).map(|s| s.cwd.clone())) {
            return t;
        }
        std::env::current_dir().map(|p| p.display().to_string()).unwrap_or_else(|_| "/".into())
    }
}

/// The user's text: every `text` input joined with spaces.
fn input_text(params: &Value) -> String {
    let Some(items) = params.get("input").and_then(Value::as_array) else { return String::new() };
    items
        .iter()
        .filter(|i| i.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|i| i.get("text").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

fn thread_json(id: &str, cwd: &str) -> Value {
    let now = unix_millis() / 1000;
    json!({
        "id": id,
        "sessionId": id,
        "preview": "",
        "ephemeral": false,
        "modelProvider": "fake",
        "model": "fake",
        "createdAt": now,
        "updatedAt": now,
        "status": {"type": "idle"},
        "path": null,
        "cwd": cwd,
        "cliVersion": FAKE_VERSION,
        "source": "appServer",
        "name": null,
        "turns": [],
    })
}

fn thread_response(thread: Value, cwd: &str) -> Value {
    json!({
        "thread": thread,
        "model": "fake",
        "modelProvider": "fake",
        "cwd": cwd,
        "approvalPolicy": "on-request",
        "approvalsReviewer": "user",
        "sandbox": {"type": "readOnly"},
        "reasoningEffort": null,
    })
}
