//! A plugin of WIT 0.1.0, with nothing but wit-bindgen: what a plugin built before 0.2.0 looks like to the host.

wit_bindgen::generate!({
    world: "plugin",
    path: "../../../wit/0.1.0",
    generate_all,
});

use codex_manager::plugin::types::{Error, Event, Job, JobOutcome, Note, ToolCall, ToolResult};
use codex_manager::plugin::{notes, sessions};

struct Legacy;

fn text(e: Error) -> String {
    match e {
        Error::Denied(m) => format!("denied: {m}"),
        Error::NotFound(m) => format!("not-found: {m}"),
        Error::Conflict(m) => format!("conflict: {m}"),
        Error::Invalid(m) => format!("invalid: {m}"),
        Error::Unavailable(m) => format!("unavailable: {m}"),
    }
}

impl exports::codex_manager::plugin::handler::Guest for Legacy {
    fn on_event(event: Event) -> Result<(), String> {
        let (Some(session_id), Some(turn_id)) = (event.session_id.as_deref(), event.turn_id.clone()) else { return Ok(()) };
        if event.kind != "turn.completed" {
            return Ok(());
        }
        // Worker sessions (a job's helper turns) are not the user's: no notes there.
        let session = sessions::get(session_id).map_err(text)?;
        if session.contains("\"workerOf\":\"") {
            return Ok(());
        }
        // 0.1.0's only transcript read: the oldest page. Counting its turns without a JSON parser keeps the
        // component small; the test only needs to see the call work.
        let transcript = sessions::transcript(session_id).map_err(text)?;
        let turns = transcript.matches("\"status\":").count();
        let note = Note {
            kind: "legacy-v01".into(),
            title: "seen by 0.1.0".into(),
            body: format!("{turns} status fields in the transcript page"),
            data: None,
            turn_id: Some(turn_id),
        };
        notes::add(session_id, &note).map(|_| ()).map_err(text)
    }

    fn run_job(_job: Job) -> JobOutcome {
        JobOutcome::Failed("this plugin runs no jobs".into())
    }

    fn call_tool(call: ToolCall) -> Result<ToolResult, String> {
        Err(format!("this plugin offers no tool `{}`", call.tool))
    }
}

export!(Legacy);
