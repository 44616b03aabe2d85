//! `approval-supervisor`: decides command and file-change approvals by the rules in a session's setting
//! `approval-supervisor`, so routine requests do not wait for the user. Users stay authoritative: a decision
//! someone made first wins, and with `grace_ms` the user gets that long before the supervisor answers.
//!
//! In the judging mode (`mode: "judge"`), what no rule decides is assessed by a read-only worker turn; the
//! assessment is attached to the request (every client shows it) and the user's risk threshold decides, or leaves it
//! to the user. A steer rule declines and tells the running turn what to do instead.
//!
//! The matching logic is in [`rules`], the judging logic in [`judge`] (both pure, unit-tested); this file is the
//! glue to the host.

mod judge;
mod rules;

use codex_manager_plugin_sdk::serde_json::{json, Value};
use codex_manager_plugin_sdk::{
    self as sdk, export_plugin, Assessment, DecideOutcome, Decision, Error, Event, Job, JobOutcome, JobRequest, Plugin,
    WorkerApprovals, WorkerSandbox, WorkerTurn,
};
use judge::{Mode, PluginSettings};
use rules::{Choice, Verdict};

/// The job that decides after the grace period.
const JOB_DECIDE: &str = "approval-supervisor.decide";
/// The job that has a worker turn assess a request, then decides by the threshold (judging mode).
const JOB_JUDGE: &str = "approval-supervisor.judge";
/// How long a job waits before trying again when the host is busy.
const RETRY_AFTER_MS: u64 = 2_000;
/// How much of an unreadable answer the job's result quotes.
const QUOTED_ANSWER_CHARS: usize = 300;

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
        let payload: Value = match job.parse_payload() {
            Ok(payload) => payload,
            Err(err) => return JobOutcome::failed(err.message()),
        };
        match job.kind.as_str() {
            JOB_DECIDE => run_decide(job, &payload),
            JOB_JUDGE => run_judge(job, &payload),
            other => JobOutcome::failed(format!("approval-supervisor runs no jobs of kind `{other}`")),
        }
    }
}

export_plugin!(ApprovalSupervisor);

/// `approval-supervisor.decide`: the decision (and a steer rule's message) after the grace period.
fn run_decide(job: &Job, payload: &Value) -> JobOutcome {
    let field = |name: &str| payload.get(name).and_then(Value::as_str);
    let (Some(session_id), Some(request_id), Some(choice), Some(reason)) = (
        field("session_id").or(job.session_id.as_deref()),
        field("request_id"),
        field("decision").and_then(Choice::parse),
        field("reason"),
    ) else {
        return JobOutcome::failed(
            "the payload must be {\"session_id\", \"request_id\", \"decision\": \"accept\"|\"decline\", \"reason\", \"steer\"?}",
        );
    };
    let steer = field("steer");
    // The user may have switched the supervisor off during the grace period.
    match still_enabled(session_id) {
        Ok(true) => {}
        Ok(false) => return JobOutcome::succeeded_json(&json!({ "outcome": "skipped", "reason": "disabled" })),
        Err(err) if err.is_not_found() => return JobOutcome::succeeded_json(&json!({ "outcome": "not-found" })),
        Err(err) => return JobOutcome::from_error(&err, RETRY_AFTER_MS),
    }
    let decided = match steer {
        Some(message) => steer_and_decline(session_id, request_id, message, reason),
        None => decide(session_id, request_id, choice, reason),
    };
    match decided {
        Ok(outcome) => JobOutcome::succeeded_json(&json!({ "outcome": outcome })),
        Err(err) if err.is_not_found() => JobOutcome::succeeded_json(&json!({ "outcome": "not-found" })),
        Err(err) => JobOutcome::from_error(&err, RETRY_AFTER_MS),
    }
}

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

/// The plugin-wide settings; a bad value (the host checks only its type) is logged and the defaults are used, so a
/// typo never half-applies.
fn plugin_settings() -> Result<PluginSettings, Error> {
    let all = sdk::settings::all()?;
    Ok(judge::parse_plugin_settings(&all).unwrap_or_else(|why| {
        sdk::log::warn(format!("ignoring the plugin settings: {why}"));
        PluginSettings::default()
    }))
}

fn supervise(session_id: &str, request_id: &str, request: &Value) -> Result<(), Error> {
    let Some(settings) = settings(session_id)? else { return Ok(()) };
    if !settings.enabled {
        return Ok(());
    }
    let mode = settings.judge.mode(&plugin_settings()?);
    let cwd = if rules::needs_cwd(&settings, request) { session_cwd(session_id)? } else { None };
    let (choice, reason, steer) = match rules::evaluate_in(mode, &settings, request, cwd.as_deref()) {
        Verdict::Decide { decision, reason } => (decision, reason, None),
        Verdict::Steer { message, reason } => (Choice::Decline, reason, Some(message)),
        Verdict::Judge(why) => return enqueue_judge(session_id, request_id, request, &why),
        Verdict::Ask(why) => {
            sdk::log::debug(format!("request {request_id}: left to the user ({why})"));
            return Ok(());
        }
    };
    if settings.grace_ms > 0 {
        let mut payload = json!({
            "session_id": session_id,
            "request_id": request_id,
            "decision": choice.as_str(),
            "reason": reason,
        });
        if let Some(message) = &steer {
            payload["steer"] = json!(message);
        }
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
    match steer {
        Some(message) => steer_and_decline(session_id, request_id, &message, &reason)?,
        None => decide(session_id, request_id, choice, &reason)?,
    };
    Ok(())
}

/// Judging mode, nothing decided by a rule: queue the assessment (the event handler must not wait on a model).
fn enqueue_judge(session_id: &str, request_id: &str, request: &Value, why: &str) -> Result<(), Error> {
    let Some(prompt) = judge::build_prompt(request) else {
        sdk::log::debug(format!("request {request_id}: left to the user ({why}; nothing to show a model)"));
        return Ok(());
    };
    let params = request.get("params").unwrap_or(&Value::Null);
    let offers: Vec<&str> = [Choice::Accept, Choice::Decline]
        .into_iter()
        .filter(|c| rules::offered(params, *c))
        .map(Choice::as_str)
        .collect();
    let payload = json!({ "session_id": session_id, "request_id": request_id, "prompt": prompt, "offers": offers });
    let job = JobRequest::json(JOB_JUDGE, &payload).session(session_id).dedupe_key(request_id);
    let enqueued = sdk::jobs::enqueue(&job)?;
    sdk::log::debug(format!("request {request_id}: {why}; assessing it (job {})", enqueued.job_id));
    Ok(())
}

/// `approval-supervisor.judge`: a worker turn assesses the request, the assessment is attached to it, and the
/// threshold decides (after the grace period) or leaves it to the user.
fn run_judge(job: &Job, payload: &Value) -> JobOutcome {
    let field = |name: &str| payload.get(name).and_then(Value::as_str);
    let (Some(session_id), Some(request_id), Some(prompt)) =
        (field("session_id").or(job.session_id.as_deref()), field("request_id"), field("prompt"))
    else {
        return JobOutcome::failed("the payload must be {\"session_id\", \"request_id\", \"prompt\", \"offers\"}");
    };
    let offers: Vec<Choice> = payload
        .get("offers")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).filter_map(Choice::parse).collect())
        .unwrap_or_default();
    match judge_request(session_id, request_id, prompt, &offers) {
        Ok(outcome) => outcome,
        Err(err) if err.is_not_found() => JobOutcome::succeeded_json(&json!({ "outcome": "not-found" })),
        Err(err) => JobOutcome::from_error(&err, RETRY_AFTER_MS),
    }
}

fn judge_request(session_id: &str, request_id: &str, prompt: &str, offers: &[Choice]) -> Result<JobOutcome, Error> {
    let Some(settings) = settings(session_id)?.filter(|s| s.enabled) else {
        return Ok(JobOutcome::succeeded_json(&json!({ "outcome": "skipped", "reason": "disabled" })));
    };
    let plugin = plugin_settings()?;
    if settings.judge.mode(&plugin) != Mode::Judge {
        return Ok(JobOutcome::succeeded_json(&json!({ "outcome": "skipped", "reason": "not in judging mode" })));
    }
    let mut turn = WorkerTurn::new(prompt)
        .session(session_id)
        .sandbox(WorkerSandbox::ReadOnly)
        .network(false)
        .approvals(WorkerApprovals::Decline);
    if let Some(model) = &plugin.model {
        turn = turn.model(model.clone());
    }
    let reply = sdk::workers::run_turn(&turn)?;
    if reply.is_interrupted() {
        return Ok(JobOutcome::retry_later(RETRY_AFTER_MS, reply.failure_reason()));
    }
    if !reply.is_completed() {
        return Ok(JobOutcome::failed(format!("{}; request {request_id} is left to the user", reply.failure_reason())));
    }
    let judgement = match judge::parse_reply(&reply.text) {
        Ok(judgement) => judgement,
        Err(why) => {
            sdk::log::warn(format!("request {request_id}: not assessed, left to the user: {why}"));
            let answer: String = reply.text.chars().take(QUOTED_ANSWER_CHARS).collect();
            return Ok(JobOutcome::succeeded_json(
                &json!({ "outcome": "unassessed", "reason": why, "answer": answer }),
            ));
        }
    };
    let assessor = judge::assessor(plugin.model.as_deref().or(worker_model(&reply.session_id).as_deref()));
    let assessment = Assessment::new(judgement.risk, judgement.summary.clone(), judgement.rationale.clone())
        .assessor(assessor.clone());
    match sdk::requests::assess(session_id, request_id, &assessment) {
        Ok(()) => {}
        // Someone decided (or the request expired) while the model was thinking: their decision stands.
        Err(Error::Conflict(why)) => {
            sdk::log::info(format!("request {request_id}: already resolved before the assessment ({why})"));
            return Ok(JobOutcome::succeeded_json(
                &json!({ "outcome": "already-resolved", "risk": judgement.risk.as_str() }),
            ));
        }
        Err(err) => return Err(err),
    }
    let risk = judgement.risk.as_str();
    let thresholds = match settings.judge.thresholds(&plugin) {
        Ok(thresholds) => thresholds,
        Err(why) => {
            sdk::log::warn(format!("request {request_id}: assessed {risk}, left to the user: {why}"));
            return Ok(JobOutcome::succeeded_json(&json!({ "outcome": "left-to-user", "risk": risk, "reason": why })));
        }
    };
    let choice = match thresholds.decide(judgement.risk) {
        Some(choice) if offers.contains(&choice) => choice,
        Some(choice) => {
            let why = format!("`{}` is not among the decisions the request offers", choice.as_str());
            sdk::log::info(format!("request {request_id}: assessed {risk}, left to the user: {why}"));
            return Ok(JobOutcome::succeeded_json(&json!({ "outcome": "left-to-user", "risk": risk, "reason": why })));
        }
        None => {
            let why = format!("{risk} risk is left to the user ({})", thresholds.describe(None));
            sdk::log::info(format!("request {request_id}: {why}"));
            return Ok(JobOutcome::succeeded_json(&json!({ "outcome": "left-to-user", "risk": risk, "reason": why })));
        }
    };
    let reason = judge::reason(&judgement, &assessor, &thresholds, choice);
    if settings.grace_ms > 0 {
        // The grace period counts from the assessment: the user gets that long with the assessment in view.
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
        return Ok(JobOutcome::succeeded_json(&json!({
            "outcome": "scheduled", "risk": risk, "decision": choice.as_str(), "decide_job": enqueued.job_id,
        })));
    }
    let outcome = decide(session_id, request_id, choice, &reason)?;
    Ok(JobOutcome::succeeded_json(&json!({ "outcome": outcome, "risk": risk, "decision": choice.as_str() })))
}

/// The model the worker session is set to, when it names one (else the assessor is just `model`).
fn worker_model(worker_session_id: &str) -> Option<String> {
    let session: Value = sdk::parse_json(&sdk::sessions::get(worker_session_id).ok()?).ok()?;
    let controls = session.get("controls")?;
    controls.get("model").and_then(Value::as_str).map(str::to_string)
}

/// A steer rule: the message goes to the running turn first (so Codex reads it with the refusal, in the same turn),
/// then the request is declined. No running turn (it ended meanwhile) just means no message.
fn steer_and_decline(session_id: &str, request_id: &str, message: &str, reason: &str) -> Result<&'static str, Error> {
    match sdk::turns::steer(session_id, message) {
        Ok(turn_id) => sdk::log::debug(format!("request {request_id}: steered turn {turn_id}")),
        Err(Error::Conflict(why)) => {
            sdk::log::info(format!("request {request_id}: no running turn to steer ({why}); declining only"))
        }
        Err(err) => return Err(err),
    }
    decide(session_id, request_id, Choice::Decline, reason)
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
