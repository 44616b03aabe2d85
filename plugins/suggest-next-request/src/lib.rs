//! `suggest-next-request`: on demand (a job of kind `suggest-next-request` for a session), asks a read-only worker
//! turn what the user will most likely ask next, and adds the answer to the session as a `next-request` note.
//!
//! The pure part (setting, exchanges, prompt, cleaning) is in [`prompt`]; this file is the glue to the host.

mod prompt;

use codex_manager_plugin_sdk::serde_json::{json, Value};
use codex_manager_plugin_sdk::transcript::Transcript;
use codex_manager_plugin_sdk::{
    self as sdk, export_plugin, Error, Job, JobOutcome, Note, Plugin, TranscriptQuery, WorkerApprovals, WorkerSandbox, WorkerTurn,
};

const JOB_KIND: &str = "suggest-next-request";
/// When the host is busy (app-server restarting, store busy).
const RETRY_AFTER_MS: u64 = 5_000;
/// After a failed worker turn (the model provider's hiccup, a rate limit), times the attempt.
const RETRY_FAILED_TURN_MS: u64 = 15_000;

struct SuggestNextRequest;

impl Plugin for SuggestNextRequest {
    fn run_job(job: &Job) -> JobOutcome {
        if job.kind != JOB_KIND {
            return JobOutcome::failed(format!("suggest-next-request runs no jobs of kind `{}`", job.kind));
        }
        let payload: Value = match job.parse_payload() {
            Ok(payload) => payload,
            Err(err) => return JobOutcome::failed(err.message()),
        };
        let from_payload = payload.get("session_id").and_then(Value::as_str);
        let Some(session_id) = job.session_id.as_deref().or(from_payload) else {
            return JobOutcome::failed("the job names no session: enqueue it with a session_id");
        };
        match suggest(session_id, job.attempt) {
            Ok(outcome) => outcome,
            Err(err) => outcome_for_error(&err),
        }
    }
}

export_plugin!(SuggestNextRequest);

fn suggest(session_id: &str, attempt: u32) -> Result<JobOutcome, Error> {
    let setting = sdk::sessions::get_setting(session_id, prompt::SETTING)?;
    match prompt::enabled(setting.as_deref()) {
        Ok(true) => {}
        Ok(false) => return Ok(JobOutcome::succeeded_json(&json!({ "skipped": "disabled" }))),
        Err(why) => return Ok(JobOutcome::failed(why)),
    }
    // The newest turns, whatever the session's length: a few more than the exchanges kept, for a running turn
    // and turns that say nothing.
    let query = TranscriptQuery::newest(prompt::TURNS_READ);
    let transcript = Transcript::parse(&sdk::sessions::transcript_page(session_id, &query)?)?.reversed();
    let exchanges = prompt::last_exchanges(&transcript);
    let Some(source_turn_id) = exchanges.last().map(|e| e.turn_id.clone()) else {
        return Ok(JobOutcome::succeeded_json(&json!({ "skipped": "no-exchanges" })));
    };
    let turn = WorkerTurn::new(prompt::build_prompt(&exchanges))
        .session(session_id)
        .sandbox(WorkerSandbox::ReadOnly)
        .network(false)
        .approvals(WorkerApprovals::Decline);
    let reply = sdk::workers::run_turn(&turn)?;
    if !reply.is_completed() {
        let after =
            if reply.is_interrupted() { RETRY_AFTER_MS } else { RETRY_FAILED_TURN_MS * u64::from(attempt.max(1)) };
        return Ok(JobOutcome::retry_later(after, reply.failure_reason()));
    }
    let Some(suggestion) = prompt::clean_suggestion(&reply.text) else {
        return Ok(JobOutcome::failed("the worker turn completed without a suggestion"));
    };
    let note = Note::new("next-request", "Suggested next request", suggestion.as_str())
        .data_json(&json!({ "source_turn_id": source_turn_id }));
    let note_id = sdk::notes::add(session_id, &note)?;
    sdk::log::debug(format!("session {session_id}: suggested the next request (note {note_id})"));
    Ok(JobOutcome::succeeded_json(&json!({
        "suggestion": suggestion,
        "note_id": note_id,
        "source_turn_id": source_turn_id,
    })))
}

/// `unavailable` (the host is busy) and `conflict` (the worker session is busy) pass; anything else will not.
fn outcome_for_error(err: &Error) -> JobOutcome {
    match err {
        Error::Unavailable(_) | Error::Conflict(_) => {
            JobOutcome::retry_later(RETRY_AFTER_MS, String::from(err.clone()))
        }
        _ => JobOutcome::failed(String::from(err.clone())),
    }
}
