//! The fake's protocol, driven in process with an in-memory stdout.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::*;

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Sink {
    /// Every line written so far, removed from the sink.
    fn take_lines(&self) -> Vec<String> {
        let bytes = std::mem::take(&mut *self.0.lock().unwrap());
        String::from_utf8(bytes).unwrap().lines().map(str::to_owned).collect()
    }
}

struct Harness {
    server: Server,
    sink: Sink,
    crashes: Arc<AtomicUsize>,
    next_id: i64,
}

impl Harness {
    fn new() -> Self {
        let sink = Sink::default();
        let crashes = Arc::new(AtomicUsize::new(0));
        let counter = crashes.clone();
        let hook: CrashHook = Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let server = Server::new(Output::new(Box::new(sink.clone())), "/tmp/fake-home", hook);
        Self { server, sink, crashes, next_id: 1 }
    }

    fn send(&mut self, method: &str, params: Value) -> Vec<Value> {
        self.send_at(method, params, 42)
    }

    fn send_at(&mut self, method: &str, params: Value, received_at_ns: u128) -> Vec<Value> {
        let id = self.next_id;
        self.next_id += 1;
        let line = json!({"id": id, "method": method, "params": params}).to_string();
        self.server.handle_line(&line, received_at_ns);
        self.json_lines()
    }

    fn json_lines(&self) -> Vec<Value> {
        self.sink.take_lines().iter().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    fn ready() -> Self {
        let mut h = Self::new();
        h.send("initialize", json!({"clientInfo": {"name": "t", "version": "1"}}));
        h.server.handle_line(r#"{"method":"initialized"}"#, 0);
        h
    }

    fn thread(&mut self) -> String {
        let lines = self.send("thread/start", json!({"cwd": "/work"}));
        lines[0]["result"]["thread"]["id"].as_str().unwrap().to_string()
    }

    /// Start a turn with `text` and return every line until it ends.
    fn turn(&mut self, thread: &str, text: &str) -> Vec<String> {
        let id = self.next_id;
        self.next_id += 1;
        let line = json!({"id": id, "method": "turn/start",
                          "params": {"threadId": thread, "input": [{"type": "text", "text": text}]}})
        .to_string();
        self.server.handle_line(&line, 1234);
        self.server.wait_turns();
        self.sink.take_lines()
    }
}

fn methods(lines: &[Value]) -> Vec<&str> {
    lines.iter().map(|l| l["method"].as_str().unwrap_or("<response>")).collect()
}

fn delta_stamp(line: &Value) -> u128 {
    let delta = line["params"]["delta"].as_str().unwrap();
    delta.strip_prefix("t=").and_then(|d| d.strip_suffix(';')).unwrap().parse().unwrap()
}

#[test]
fn handshake_is_enforced_like_the_real_one() {
    let mut h = Harness::new();
    let early = h.send("thread/start", json!({}));
    assert_eq!(early[0]["error"], json!({"code": -32600, "message": "Not initialized"}));
    let init = h.send("initialize", json!({"clientInfo": {"name": "t", "version": "1"}}));
    assert_eq!(init[0]["id"], 2);
    assert_eq!(
        init[0]["result"],
        json!({"userAgent": "fake_app_server/0.169.0", "codexHome": "/tmp/fake-home",
               "platformFamily": "unix", "platformOs": "linux"})
    );
    assert!(init[0].get("jsonrpc").is_none());
    let again = h.send("initialize", json!({}));
    assert_eq!(again[0]["error"]["message"], "Already initialized");
}

#[test]
fn unknown_methods_are_refused() {
    let mut h = Harness::ready();
    let lines = h.send("model/list", json!({}));
    assert_eq!(lines[0]["error"], json!({"code": -32600, "message": "unknown method"}));
}

#[test]
fn thread_start_answers_then_announces() {
    let mut h = Harness::ready();
    let lines = h.send("thread/start", json!({"cwd": "/work"}));
    assert_eq!(methods(&lines), ["<response>", "thread/started"]);
    let result = &lines[0]["result"];
    assert_eq!(result["thread"]["status"], json!({"type": "idle"}));
    assert_eq!(result["thread"]["turns"], json!([]));
    assert_eq!(result["cwd"], "/work");
    assert_eq!(result["sandbox"], json!({"type": "readOnly"}));
    assert_eq!(result["approvalPolicy"], "on-request");
    assert_eq!(lines[1]["params"]["thread"]["id"], result["thread"]["id"]);
    assert!(lines[1]["emittedAtMs"].as_u64().unwrap() > 1_600_000_000_000);

    for (method, want) in [
        ("thread/name/set", json!({})),
        ("thread/turns/list", json!({"data": [], "nextCursor": null, "backwardsCursor": null})),
    ] {
        let id = result["thread"]["id"].clone();
        assert_eq!(h.send(method, json!({"threadId": id, "name": "x"}))[0]["result"], want);
    }
    let resumed = h.send("thread/resume", json!({"threadId": "older-thread", "cwd": "/w"}));
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0]["result"]["thread"]["id"], "older-thread");
}

#[test]
fn a_turn_streams_timestamped_deltas_in_order() {
    let mut h = Harness::ready();
    let thread = h.thread();
    let lines: Vec<Value> =
        h.turn(&thread, "go bench:deltas=5").iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(
        methods(&lines),
        [
            "<response>",
            "turn/started",
            "item/started",
            "item/agentMessage/delta",
            "item/agentMessage/delta",
            "item/agentMessage/delta",
            "item/agentMessage/delta",
            "item/agentMessage/delta",
            "item/completed",
            "turn/completed"
        ]
    );
    let turn_id = lines[0]["result"]["turn"]["id"].as_str().unwrap();
    assert_eq!(lines[0]["result"]["turn"]["status"], "inProgress");
    assert_eq!(lines[1]["params"]["turn"]["id"], turn_id);
    assert_eq!(lines[1]["params"]["fakeReceivedAtNs"], 1234);
    assert_eq!(lines[2]["params"]["item"]["type"], "agentMessage");
    let item_id = lines[2]["params"]["item"]["id"].clone();

    let deltas = &lines[3..8];
    let stamps: Vec<u128> = deltas.iter().map(delta_stamp).collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");
    for d in deltas {
        assert_eq!(d["params"]["threadId"], thread.as_str());
        assert_eq!(d["params"]["turnId"], turn_id);
        assert_eq!(d["params"]["itemId"], item_id);
        assert_eq!(d["emittedAtMs"].as_u64().unwrap() as u128, delta_stamp(d) / 1_000_000);
    }
    let text: String = deltas.iter().map(|d| d["params"]["delta"].as_str().unwrap()).collect();
    assert_eq!(lines[8]["params"]["item"]["text"], text.as_str());
    assert_eq!(lines[9]["params"]["turn"]["status"], "completed");
    assert!(lines[9]["params"]["fakeEmittedAtNs"].as_u64().unwrap() as u128 >= stamps[4]);
    assert!(lines.iter().filter(|l| l.get("method").is_some()).all(|l| l["emittedAtMs"].is_u64()));
}

#[test]
fn paced_turns_take_their_time() {
    let mut h = Harness::ready();
    let thread = h.thread();
    let started = Instant::now();
    let lines = h.turn(&thread, "bench:deltas=6,rate=100");
    assert!(started.elapsed() >= Duration::from_millis(50), "{:?}", started.elapsed());
    let stamps: Vec<u128> = lines
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["method"] == "item/agentMessage/delta")
        .map(|l| delta_stamp(&l))
        .collect();
    assert_eq!(stamps.len(), 6);
    assert!(stamps[5] - stamps[0] >= 49_000_000, "{stamps:?}");
}

#[test]
fn malformed_fault_writes_one_bad_line_and_carries_on() {
    let mut h = Harness::ready();
    let thread = h.thread();
    let lines = h.turn(&thread, "bench:deltas=4 fault:malformed");
    let bad: Vec<usize> =
        lines.iter().enumerate().filter(|(_, l)| serde_json::from_str::<Value>(l).is_err()).map(|(i, _)| i).collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(lines[bad[0]], MALFORMED_LINE);
    // response, turn/started, item/started, two deltas, then the bad line.
    assert_eq!(bad[0], 5);
    assert!(lines.last().unwrap().contains("\"status\":\"completed\""));
}

#[test]
fn crash_fault_stops_after_k_deltas() {
    let mut h = Harness::ready();
    let thread = h.thread();
    let lines = h.turn(&thread, "bench:deltas=10 fault:crash_after=3");
    assert_eq!(h.crashes.load(Ordering::SeqCst), 1);
    assert_eq!(lines.iter().filter(|l| l.contains("item/agentMessage/delta")).count(), 3);
    assert!(!lines.iter().any(|l| l.contains("turn/completed")));
}

#[test]
fn hang_fault_ends_only_by_interrupt() {
    let mut h = Harness::ready();
    let thread = h.thread();
    let start = json!({"id": 99, "method": "turn/start",
                       "params": {"threadId": thread, "input": [{"type": "text", "text": "bench:deltas=2 fault:hang"}]}});
    h.server.handle_line(&start.to_string(), 0);
    std::thread::sleep(Duration::from_millis(100));
    let so_far = h.sink.take_lines();
    assert!(!so_far.iter().any(|l| l.contains("turn/completed")), "{so_far:?}");
    let turn_id = serde_json::from_str::<Value>(&so_far[0]).unwrap()["result"]["turn"]["id"].clone();

    let busy = h.send("turn/start", json!({"threadId": thread, "input": [{"type": "text", "text": "again"}]}));
    assert!(busy[0]["error"]["message"].as_str().unwrap().contains("already has an active turn"));
    assert_eq!(h.send("turn/steer", json!({"threadId": thread}))[0]["result"]["turnId"], turn_id);

    let answer = h.send("turn/interrupt", json!({"threadId": thread, "turnId": turn_id}));
    assert_eq!(answer[0]["result"], json!({}));
    h.server.wait_turns();
    let rest = h.json_lines();
    assert_eq!(methods(&rest), ["turn/completed"]);
    assert_eq!(rest[0]["params"]["turn"]["status"], "interrupted");
    // The thread takes a new turn afterwards.
    let next = h.turn(&thread, "bench:deltas=1");
    assert!(next.last().unwrap().contains("\"status\":\"completed\""));
}

#[test]
fn bad_directives_and_unknown_threads_fail_the_request() {
    let mut h = Harness::ready();
    let thread = h.thread();
    let bad = h.send("turn/start", json!({"threadId": thread, "input": [{"type": "text", "text": "bench:deltas=x"}]}));
    assert!(bad[0]["error"]["message"].as_str().unwrap().contains("bench:deltas=x"));
    let unknown = h.send("turn/start", json!({"threadId": "nope", "input": []}));
    assert!(unknown[0]["error"]["message"].as_str().unwrap().contains("thread not found"));
    assert_eq!(h.send("turn/interrupt", json!({"threadId": thread}))[0]["error"]["code"], -32600);
}

#[test]
fn ended_turns_are_kept_and_paged_like_the_real_history() {
    let mut h = Harness::ready();
    let thread = h.thread();
    h.turn(&thread, "first bench:deltas=2,items=3");
    h.turn(&thread, "second bench:deltas=1");
    h.turn(&thread, "third bench:deltas=1");

    let page = h.send("thread/turns/list", json!({"threadId": thread, "limit": 2, "sortDirection": "asc"}))[0]["result"].clone();
    let turns = page["data"].as_array().unwrap();
    assert_eq!(turns.len(), 2);
    let first = &turns[0];
    assert_eq!(first["status"], "completed");
    let kinds: Vec<&str> = first["items"].as_array().unwrap().iter().map(|i| i["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["userMessage", "reasoning", "reasoning", "reasoning", "agentMessage"]);
    assert_eq!(first["items"][0]["content"][0]["text"], "first bench:deltas=2,items=3");
    assert!(first["items"][4]["text"].as_str().unwrap().starts_with("t="));
    assert_eq!(page["nextCursor"], "2");

    let rest = h.send("thread/turns/list", json!({"threadId": thread, "limit": 2, "cursor": "2"}))[0]["result"].clone();
    assert_eq!(rest["data"].as_array().unwrap().len(), 1);
    assert_eq!(rest["data"][0]["items"][0]["content"][0]["text"], "third bench:deltas=1");
    assert_eq!(rest["nextCursor"], Value::Null);

    let newest = h.send("thread/turns/list", json!({"threadId": thread, "limit": 1, "sortDirection": "desc"}))[0]["result"].clone();
    assert_eq!(newest["data"][0]["items"][0]["content"][0]["text"], "third bench:deltas=1");
}
