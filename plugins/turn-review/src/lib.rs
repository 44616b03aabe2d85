//! `turn-review`: when a turn that changed files completes in a session with the setting `turn-review` on, queues a
//! `turn-review` job; the job asks a read-only worker turn for a short summary of the change and its risks, and adds
//! it to the session as a `turn-review` note. The event handler only reads and enqueues, so the user's next turn
//! never waits on a review.
//!
//! The pure part (setting, changes, prompt, note) is in [`review`]; this file is the glue to the host.

mod review;

use codex_manager_plugin_sdk::serde_json::{json, Value};
use codex_manager_plugin_sdk::{
    self as sdk, export_plugin, Error, Event, Job, JobOutcome, JobRequest, Note, Plugin, WorkerApprovals,
    WorkerSandbox, WorkerTurn,
};

const JOB_KIND: &str = "turn-review";
/// When the host is busy (app-server restarting, store busy).
const RETRY_AFTER_MS: u64 = 5_000;
/// After a failed worker turn (the model provider's hiccup, a rate limit), times the attempt.
const RETRY_FAILED_TURN_MS: u64 = 15_000;

struct TurnReview;

impl Plugin for TurnReview {
    fn on_event(event: &Event) -> Result<(), String> {
        if event.kind != "turn.completed" {
            return Ok(());
        }
        let Some(session_id) = event.session_id.as_deref() else { return Ok(()) };
        let data: Value = event.parse_data()?;
        let Some(turn_id) = review::completed_turn_id(event.turn_id.as_deref(), &data) else { return Ok(()) };
        match schedule(session_id, turn_id) {
            Ok(()) => Ok(()),
            // The session went away meanwhile: nothing to review.
            Err(err) if err.is_not_found() => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    fn run_job(job: &Job) -> JobOutcome {
        if job.kind != JOB_KIND {
            return JobOutcome::failed(format!("turn-review runs no jobs of kind `{}`", job.kind));
        }
        let payload: Value = match job.parse_payload() {
            Ok(payload) => payload,
            Err(err) => return JobOutcome::failed(err.message()),
        };
        let Some(turn_id) = payload.get("turn_id").and_then(Value::as_str) else {
            return JobOutcome::failed("the payload must be {\"turn_id\": \"...\"}");
        };
        let from_payload = payload.get("session_id").and_then(Value::as_str);
        let Some(session_id) = job.session_id.as_deref().or(from_payload) else {
            return JobOutcome::failed("the job names no session: enqueue it with a session_id");
        };
        match review_turn(session_id, turn_id, job.attempt) {
            Ok(outcome) => outcome,
            Err(err) => outcome_for_error(&err),
        }
    }
}

export_plugin!(TurnReview);

/// Whether the session has the review on; a malformed setting is logged and counts as off.
fn enabled(session_id: &str) -> Result<bool, Error> {
    let raw = sdk::sessions::get_setting(session_id, review::SETTING)?;
    Ok(review::enabled(raw.as_deref()).unwrap_or_else(|why| {
        sdk::log::warn(format!("session {session_id}: ignoring the setting: {why}"));
        false
    }))
}

/// On `turn.completed`: queue a review when the session wants one and the turn changed files.
fn schedule(session_id: &str, turn_id: &str) -> Result<(), Error> {
    if !enabled(session_id)? {
        return Ok(());
    }
    let Some(turn) = sdk::sessions::find_turn(session_id, turn_id)? else {
        sdk::log::debug(format!("session {session_id}: turn {turn_id} is not among the session's recent turns"));
        return Ok(());
    };
    if review::applied_changes(&turn).is_empty() {
        return Ok(());
    }
    let job = JobRequest::json(JOB_KIND, &json!({ "turn_id": turn_id })).session(session_id).dedupe_key(turn_id);
    let enqueued = sdk::jobs::enqueue(&job)?;
    sdk::log::debug(format!("session {session_id}: review of turn {turn_id} queued (job {})", enqueued.job_id));
    Ok(())
}

fn review_turn(session_id: &str, turn_id: &str, attempt: u32) -> Result<JobOutcome, Error> {
    if !enabled(session_id)? {
        return Ok(JobOutcome::succeeded_json(&json!({ "skipped": "disabled" })));
    }
    let Some(turn) = sdk::sessions::find_turn(session_id, turn_id)? else {
        return Ok(JobOutcome::failed(format!("turn {turn_id}: the session has no such turn among its recent ones")));
    };
    let changes = review::applied_changes(&turn);
    if changes.is_empty() {
        return Ok(JobOutcome::succeeded_json(&json!({ "skipped": "no-file-changes" })));
    }
    let request = turn.user_text();
    let worker = WorkerTurn::new(review::build_prompt(request.as_deref(), &changes))
        .session(session_id)
        .sandbox(WorkerSandbox::ReadOnly)
        .network(false)
        .approvals(WorkerApprovals::Decline);
    let reply = sdk::workers::run_turn(&worker)?;
    if !reply.is_completed() {
        let after =
            if reply.is_interrupted() { RETRY_AFTER_MS } else { RETRY_FAILED_TURN_MS * u64::from(attempt.max(1)) };
        return Ok(JobOutcome::retry_later(after, reply.failure_reason()));
    }
    let Some(body) = review::clean_review(&reply.text) else {
        return Ok(JobOutcome::failed("the worker turn completed without a review"));
    };
    let files = review::files(&changes);
    let note = Note::new("turn-review", review::title(request.as_deref(), turn_id), body)
        .data_json(&json!({ "turn_id": turn_id, "files": files }))
        .turn(turn_id);
    let note_id = sdk::notes::add(session_id, &note)?;
    sdk::log::debug(format!("session {session_id}: reviewed turn {turn_id} (note {note_id})"));
    Ok(JobOutcome::succeeded_json(&json!({ "note_id": note_id })))
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
