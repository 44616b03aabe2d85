//! A plugin of WIT 0.2.0 through the SDK: the turn record, settings, assessments and the calling job of a tool.

use codex_manager_plugin_sdk::serde_json::{json, Value};
use codex_manager_plugin_sdk::{
    self as sdk, export_plugin, Assessment, Event, Job, JobOutcome, Note, Plugin, Risk, ToolCall, ToolResult, WorkerTurn,
};

struct Probe;

fn on_turn(session_id: &str, turn_id: &str) -> Result<(), sdk::Error> {
    let session: Value = sdk::parse_json(&sdk::sessions::get(session_id)?)?;
    if session.get("workerOf").is_some_and(|w| !w.is_null()) {
        return Ok(());
    }
    let turn = sdk::sessions::get_turn(session_id, turn_id)?;
    let greeting: Option<String> = sdk::settings::get_as("greeting")?;
    let note = Note::new("probe-v02", "seen by 0.2.0", turn.final_text.clone().unwrap_or_default())
        .data_json(&json!({ "greeting": greeting, "status": format!("{:?}", turn.status) }))
        .turn(turn_id);
    sdk::notes::add(session_id, &note)?;
    Ok(())
}

fn on_approval(event: &Event, session_id: &str) -> Result<(), sdk::Error> {
    let request: Value = event.parse_data()?;
    let Some(request_id) = request["id"].as_str() else { return Ok(()) };
    let command = request["params"]["command"].as_str().unwrap_or("a change");
    let risk = sdk::settings::get_as::<String>("risk")?.and_then(|r| Risk::parse(&r)).unwrap_or(Risk::Medium);
    let assessment = Assessment::new(risk, format!("probe: {command}"), "Judged by the **probe** test plugin.").assessor("probe");
    sdk::requests::assess(session_id, request_id, &assessment)
}

impl Plugin for Probe {
    fn on_event(event: &Event) -> Result<(), String> {
        let Some(session_id) = event.session_id.as_deref() else { return Ok(()) };
        match (event.kind.as_str(), event.turn_id.as_deref()) {
            ("turn.completed", Some(turn_id)) => Ok(on_turn(session_id, turn_id)?),
            ("approval.requested", _) => Ok(on_approval(event, session_id)?),
            _ => Ok(()),
        }
    }

    fn run_job(job: &Job) -> JobOutcome {
        let payload: Value = match job.parse_payload() {
            Ok(p) => p,
            Err(e) => return JobOutcome::failed(e.message()),
        };
        let prompt = payload["prompt"].as_str().unwrap_or("hello");
        let mut turn = WorkerTurn::new(prompt);
        if let Some(s) = job.session_id.as_deref() {
            turn = turn.session(s);
        }
        match sdk::workers::run_turn(&turn) {
            Ok(reply) => JobOutcome::succeeded_json(&json!({ "status": reply.status, "text": reply.text, "job_id": job.id })),
            Err(e) => JobOutcome::from_error(&e, 1_000),
        }
    }

    fn call_tool(call: &ToolCall) -> Result<ToolResult, String> {
        Ok(ToolResult::ok(json!({ "job_id": call.job_id, "session_id": call.session_id }).to_string()))
    }
}

export_plugin!(Probe);
