//! `approval-supervisor`: decides command and file-change approvals by the rules in a session's setting
//! `approval-supervisor`, so routine requests do not wait for the user. Users stay authoritative: a decision
//! someone made first wins, and with `grace_ms` the user gets that long before the supervisor answers.
//!
//! The matching logic is in [`rules`] (pure, unit-tested); this file is the glue to the host.

mod rules;

use codex_manager_plugin_sdk::serde_json::{json, Value};
use codex_manager_plugin_sdk::{
    self as sdk, export_plugin, DecideOutcome, Decision, Error, Event, Job, JobOutcome, JobRequest, Plugin,
};
use rules::{Choice, Verdict};

/// The job that decides after the grace period.
const JOB_DECIDE: &str = "approval-supervisor.decide";
/// How long a job waits before trying again when the host is busy.
const RETRY_AFTER_MS: u64 = 2_000;

struct ApprovalSupervisor;

impl Plugin for ApprovalSupervisor {
    fn on_event(event: &Event) -> Result<(), String> {
        if event.kind != "approval.requested" {
            return Ok(());
        }
        let request: Value = event.parse_data()?;
        let Some(request_id) = request.get("id").and_then(Value::as_str) else { return Ok(()) };
        let Some(session_id) = event.session_id.as_deref().or_else(|| request.get("sessionId").and_then(Value::as_str))
        else {
            return Ok(());
        };
        match supervise(session_id, request_id, &request) {
            Ok(()) => Ok(()),
            // The session or the request went away meanwhile: nothing to decide.
            Err(err) if err.is_not_found() => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    fn run_job(job: &Job) -> JobOutcome {
        if job.kind != JOB_DECIDE {
            return JobOutcome::failed(format!("approval-supervisor runs no jobs of kind `{}`", job.kind));
        }
        let payload: Value = match job.parse_payload() {
            Ok(payload) => payload,
            Err(err) => return JobOutcome::failed(err.message()),
        };
        let field = |name: &str| payload.get(name).and_then(Value::as_str);
        let (Some(session_id), Some(request_id), Some(choice), Some(reason)) = (
            field("session_id").or(job.session_id.as_deref()),
            field("request_id"),
            field("decision").and_then(Choice::parse),
            field("reason"),
        ) else {
            return JobOutcome::failed(
                "the payload must be {\"session_id\", \"request_id\", \"decision\": \"accept\"|\"decline\", \"reason\"}",
            );
        };
        // The user may have switched the supervisor off during the grace period.
        match still_enabled(session_id) {
            Ok(true) => {}
            Ok(false) => return JobOutcome::succeeded_json(&json!({ "outcome": "skipped", "reason": "disabled" })),
            Err(err) if err.is_not_found() => return JobOutcome::succeeded_json(&json!({ "outcome": "not-found" })),
            Err(err) => return JobOutcome::from_error(&err, RETRY_AFTER_MS),
        }
        match decide(session_id, request_id, choice, reason) {
            Ok(outcome) => JobOutcome::succeeded_json(&json!({ "outcome": outcome })),
            Err(err) if err.is_not_found() => JobOutcome::succeeded_json(&json!({ "outcome": "not-found" })),
            Err(err) => JobOutcome::from_error(&err, RETRY_AFTER_MS),
        }
    }
}

export_plugin!(ApprovalSupervisor);

fn settings(session_id: &str) -> Result<Option<rules::Settings>, Error> {
    let raw = sdk::sessions::get_setting(session_id, rules::SETTING)?;
    match rules::parse_settings(raw.as_deref()) {
        Ok(settings) => Ok(Some(settings)),
        Err(why) => {
            // The user's typo must not count against the plugin (a failed call feeds the circuit breaker), and
            // must not half-apply: decide nothing, say why.
            sdk::log::warn(format!("session {session_id}: ignoring the setting `{}`: {why}", rules::SETTING));
            Ok(None)
        }
    }
}

fn still_enabled(session_id: &str) -> Result<bool, Error> {
    Ok(settings(session_id)?.is_some_and(|s| s.enabled))
}

fn supervise(session_id: &str, request_id: &str, request: &Value) -> Result<(), Error> {
    let Some(settings) = settings(session_id)? else { return Ok(()) };
    if !settings.enabled {
        return Ok(());
    }
    let cwd = if rules::needs_cwd(&settings, request) { session_cwd(session_id)? } else { None };
    let (choice, reason) = match rules::evaluate(&settings, request, cwd.as_deref()) {
        Verdict::Decide { decision, reason } => (decision, reason),
        Verdict::Ask(why) => {
            sdk::log::debug(format!("request {request_id}: left to the user ({why})"));
            return Ok(());
        }
    };
    if settings.grace_ms > 0 {
        let payload = json!({
            "session_id": session_id,
            "request_id": request_id,
            "decision": choice.as_str(),
            "reason": reason,
        });
        let job = JobRequest::json(JOB_DECIDE, &payload)
            .session(session_id)
            .dedupe_key(request_id)
            .delay_ms(settings.grace_ms);
        let enqueued = sdk::jobs::enqueue(&job)?;
        sdk::log::debug(format!(
            "request {request_id}: {reason} in {} ms unless someone decides first (job {})",
            settings.grace_ms, enqueued.job_id
        ));
        return Ok(());
    }
    decide(session_id, request_id, choice, &reason)?;
    Ok(())
}

/// Decides, and logs what came of it. `already-resolved` (a user or another plugin was first) is a normal outcome.
fn decide(session_id: &str, request_id: &str, choice: Choice, reason: &str) -> Result<&'static str, Error> {
    let decision = match choice {
        Choice::Accept => Decision::Accept,
        Choice::Decline => Decision::Decline,
    };
    match sdk::requests::decide_approval(session_id, request_id, decision, Some(reason))? {
        DecideOutcome::Applied => {
            sdk::log::info(format!("request {request_id} in session {session_id}: {reason}"));
            Ok("applied")
        }
        DecideOutcome::AlreadyResolved => {
            sdk::log::info(format!("request {request_id} in session {session_id}: already resolved, not {reason}"));
            Ok("already-resolved")
        }
    }
}

/// The session's working directory (`cwd` of the session as the API shows it).
fn session_cwd(session_id: &str) -> Result<Option<String>, Error> {
    let session: Value = sdk::parse_json(&sdk::sessions::get(session_id)?)?;
    let cwd = session.get("cwd").or_else(|| session.get("session").and_then(|s| s.get("cwd")));
    Ok(cwd.and_then(Value::as_str).map(str::to_string))
}
