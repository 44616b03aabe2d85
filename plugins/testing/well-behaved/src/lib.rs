//! Test plugin `well-behaved`: the reference plugin of the conformance suite.
//!
//! - on-event (every event): adds one to the decimal counter under the kv key `events`;
//! - call-tool `echo`: returns its arguments, as given, as a successful result;
//! - run-job `test.echo`: succeeds with its payload, as given;
//! - run-job `test.worker`: runs a worker turn (`workers::run-turn`), notes its text on the payload's session,
//!   succeeds with `{"status", "text", "session_id", "turn_id"}` (whatever the turn's status);
//! - run-job `test.retry`: `retry-later` (10 ms) until attempt `succeed_on`, then succeeds with `{"attempt"}`;
//! - run-job `test.enqueue`: enqueues the job its payload describes, succeeds with `{"job_id", "duplicate"}`.
//!
//! A host error in a job is `retry-later` (100 ms) when the host says `unavailable`, `failed` otherwise, with the
//! error as `<kind>: <message>`.

use codex_manager_plugin_sdk::serde_json::{json, Value};
use codex_manager_plugin_sdk::{
    self as sdk, export_plugin, Error, Event, Job, JobOutcome, JobRequest, Note, Plugin, ToolCall, ToolResult,
    WorkerApprovals, WorkerTurn,
};

/// The kv key of the event counter.
const COUNTER: &str = "events";
/// How long `test.retry` asks to wait.
const RETRY_MS: u64 = 10;
/// How long a job waits after the host said `unavailable`.
const UNAVAILABLE_RETRY_MS: u64 = 100;

struct WellBehaved;

impl Plugin for WellBehaved {
    fn on_event(_event: &Event) -> Result<(), String> {
        let count = match sdk::kv::get(COUNTER)? {
            Some(value) => {
                value.trim().parse::<u64>().map_err(|err| format!("kv `{COUNTER}` is not a count: {err}"))?
            }
            None => 0,
        };
        sdk::kv::set(COUNTER, &(count + 1).to_string())?;
        Ok(())
    }

    fn run_job(job: &Job) -> JobOutcome {
        let result = match job.kind.as_str() {
            "test.echo" => return JobOutcome::Succeeded(job.payload.clone()),
            "test.retry" => test_retry(job),
            "test.worker" => test_worker(job),
            "test.enqueue" => test_enqueue(job),
            "test.file" => return test_file(job),
            other => return JobOutcome::failed(format!("well-behaved runs no jobs of kind `{other}`")),
        };
        result.unwrap_or_else(|err| JobOutcome::from_error(&err, UNAVAILABLE_RETRY_MS))
    }

    fn call_tool(call: &ToolCall) -> Result<ToolResult, String> {
        match call.tool.as_str() {
            "echo" => Ok(ToolResult::ok(call.arguments.clone())),
            other => Err(format!("well-behaved offers no tool `{other}`")),
        }
    }
}

export_plugin!(WellBehaved);

fn payload(job: &Job) -> Result<Value, Error> {
    match job.parse_payload::<Value>()? {
        payload @ Value::Object(_) => Ok(payload),
        _ => Err(Error::Invalid("the payload must be a JSON object".into())),
    }
}

fn opt_str<'a>(payload: &'a Value, field: &str) -> Result<Option<&'a str>, Error> {
    match payload.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::Invalid(format!("`{field}` must be a string"))),
    }
}

fn test_retry(job: &Job) -> Result<JobOutcome, Error> {
    let payload = payload(job)?;
    let succeed_on = payload
        .get("succeed_on")
        .and_then(Value::as_u64)
        .ok_or_else(|| Error::Invalid("expected {\"succeed_on\": N}".into()))?;
    if u64::from(job.attempt) >= succeed_on {
        Ok(JobOutcome::succeeded_json(&json!({ "attempt": job.attempt })))
    } else {
        Ok(JobOutcome::retry_later(RETRY_MS, format!("attempt {} of {succeed_on}", job.attempt)))
    }
}

fn test_worker(job: &Job) -> Result<JobOutcome, Error> {
    let payload = payload(job)?;
    let prompt = opt_str(&payload, "prompt")?.ok_or_else(|| Error::Invalid("expected {\"prompt\": \"...\"}".into()))?;
    let session_id = opt_str(&payload, "session_id")?.or(job.session_id.as_deref());
    let project_id = opt_str(&payload, "project_id")?.or(job.project_id.as_deref());
    let mut turn = WorkerTurn::new(prompt);
    turn.session_id = session_id.map(str::to_string);
    turn.project_id = project_id.map(str::to_string);
    match opt_str(&payload, "approvals")? {
        None => {}
        Some("accept") => turn = turn.approvals(WorkerApprovals::Accept),
        Some("decline") => turn = turn.approvals(WorkerApprovals::Decline),
        Some(other) => return Err(Error::Invalid(format!("`approvals` must be accept or decline, not `{other}`"))),
    }
    let reply = sdk::workers::run_turn(&turn)?;
    let mut output = json!({
        "status": reply.status,
        "text": reply.text,
        "session_id": reply.session_id,
        "turn_id": reply.turn_id,
        "error": reply.error,
    });
    if let Some(session_id) = session_id {
        let note_id = sdk::notes::add(session_id, &Note::new("test", "worker", reply.text.as_str()))?;
        output["note_id"] = json!(note_id);
    }
    Ok(JobOutcome::succeeded_json(&output))
}

fn test_enqueue(job: &Job) -> Result<JobOutcome, Error> {
    let payload = payload(job)?;
    let kind = opt_str(&payload, "kind")?.ok_or_else(|| Error::Invalid("expected {\"kind\": \"...\"}".into()))?;
    let inner = payload.get("payload").cloned().unwrap_or_else(|| json!({}));
    let mut request = JobRequest::json(kind, &inner);
    request.dedupe_key = opt_str(&payload, "dedupe_key")?.map(str::to_string);
    request.session_id = opt_str(&payload, "session_id")?.map(str::to_string);
    request.project_id = opt_str(&payload, "project_id")?.map(str::to_string);
    if let Some(priority) = payload.get("priority").filter(|v| !v.is_null()) {
        let priority = priority.as_i64().and_then(|p| i32::try_from(p).ok());
        request.priority = Some(priority.ok_or_else(|| Error::Invalid("`priority` must be a 32-bit integer".into()))?);
    }
    if let Some(delay) = payload.get("delay_ms").filter(|v| !v.is_null()) {
        request.delay_ms = Some(delay.as_u64().ok_or_else(|| Error::Invalid("`delay_ms` must be >= 0".into()))?);
    }
    let enqueued = sdk::jobs::enqueue(&request)?;
    Ok(JobOutcome::succeeded_json(&enqueued.to_json_value()))
}

/// `test.file`: payload `{"name", "text"}`. Writes `text` to `/data/<name>` (the `data-dir` capability), reads it
/// back and lists `/data`; succeeds with `{"read", "files"}`, fails with the filesystem's error when there is no
/// `/data` (the capability not granted) or `name` leaves it.
fn test_file(job: &Job) -> JobOutcome {
    let run = || -> Result<Value, String> {
        let payload: Value = job.parse_payload().map_err(|e| e.to_string())?;
        let name = payload.get("name").and_then(Value::as_str).ok_or("payload needs `name`")?;
        let text = payload.get("text").and_then(Value::as_str).unwrap_or_default();
        let path = format!("/data/{name}");
        std::fs::write(&path, text).map_err(|e| format!("write {path}: {e}"))?;
        let read = std::fs::read_to_string(&path).map_err(|e| format!("read {path}: {e}"))?;
        let mut files: Vec<String> = std::fs::read_dir("/data")
            .map_err(|e| format!("list /data: {e}"))?
            .filter_map(|entry| entry.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        files.sort();
        Ok(json!({"read": read, "files": files}))
    };
    match run() {
        Ok(v) => JobOutcome::Succeeded(v.to_string()),
        Err(e) => JobOutcome::failed(e),
    }
}
