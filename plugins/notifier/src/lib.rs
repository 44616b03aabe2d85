//! `notifier`: tells the user, through ntfy, a JSON webhook or a Slack-compatible incoming webhook, when a chat needs
//! a human (an approval or a question nobody answered within `grace_ms`), when a turn fails, and when a routine run
//! ends. Every message links to the chat in the web UI.
//!
//! A request is remembered in `kv` from its `*.requested` event until its `*.resolved` / `*.expired` event (the
//! plugin handles its events one at a time in log order); a delayed `notifier.pending` job per request looks again
//! after the grace period and notifies only if the request is still remembered and the session still has a pending
//! request. So a request a user or the approval supervisor answered in time is never notified. Each message to each
//! target is its own `notifier.send` job: a target that is down is retried without posting twice to the others.
//!
//! A routine run is reported when it ends: a job routine's job, or a prompt routine's turn, found from its job's
//! result (`turnId`), or, when the prompt waited in the follow-up queue (`followupId`), from that follow-up's
//! `followup.started` (in whichever order the two events come).
//!
//! What to say and how each target wants it is in [`notice`] (pure, unit-tested); this file is the glue to the host.

mod notice;

use codex_manager_plugin_sdk::serde_json::{json, Value};
use codex_manager_plugin_sdk::{
    self as sdk, export_plugin, Error, Event, HttpRequest, Job, JobOutcome, JobRequest, Plugin,
};
use notice::{Notice, RoutineOutcome, Settings, TargetKind};

/// After the grace period: notify if the request is still pending.
const JOB_PENDING: &str = "notifier.pending";
/// One notice to one target.
const JOB_SEND: &str = "notifier.send";
/// How long a job waits before trying again when the host or a target is busy.
const RETRY_AFTER_MS: u64 = 5_000;
/// kv: a request that needs a human and has not been answered yet (`pending:<request id>` → the request).
const PENDING_PREFIX: &str = "pending:";
/// kv: the turn a routine run started (`routine-turn:<turn id>` → `{routine, session}`), notified when it ends.
const ROUTINE_TURN_PREFIX: &str = "routine-turn:";
/// kv: a routine turn already notified, so the job's event and the turn's event never both post.
const ROUTINE_DONE_PREFIX: &str = "routine-done:";
/// kv: a routine run's prompt queued as a follow-up (`routine-followup:<follow-up id>` → `{routine, session}`): its
/// `followup.started` names the turn, which is then watched like a turn the run started.
const ROUTINE_FOLLOWUP_PREFIX: &str = "routine-followup:";
/// kv: the turn a follow-up started (`followup-turn:<follow-up id>` → turn id), for a run whose job's end reaches
/// this plugin after its follow-up started (both can happen within milliseconds). The newest few are kept.
const FOLLOWUP_TURN_PREFIX: &str = "followup-turn:";
/// How many `followup-turn:` entries are kept (follow-up ids are UUIDv7: the oldest sort first).
const FOLLOWUP_TURNS_KEPT: u32 = 64;

struct Notifier;

impl Plugin for Notifier {
    fn on_event(event: &Event) -> Result<(), String> {
        match handle_event(event) {
            Ok(()) => Ok(()),
            // The session went away meanwhile: nothing to tell.
            Err(err) if err.is_not_found() => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    fn run_job(job: &Job) -> JobOutcome {
        let payload: Value = match job.parse_payload() {
            Ok(payload) => payload,
            Err(err) => return JobOutcome::failed(err.message()),
        };
        let outcome = match job.kind.as_str() {
            JOB_PENDING => run_pending(job, &payload),
            JOB_SEND => run_send(&payload),
            other => return JobOutcome::failed(format!("notifier runs no jobs of kind `{other}`")),
        };
        match outcome {
            Ok(outcome) => outcome,
            Err(err) if err.is_not_found() => JobOutcome::succeeded_json(&json!({ "outcome": "not-found" })),
            Err(err) => JobOutcome::from_error(&err, RETRY_AFTER_MS),
        }
    }
}

export_plugin!(Notifier);

/// The settings; `None` (logged) when they are unusable, so a typo is said once per call and never half-applies,
/// and never counts against the plugin (a failed call feeds the circuit breaker).
fn settings() -> Result<Option<Settings>, Error> {
    let all = sdk::settings::all()?;
    match notice::parse_settings(&all) {
        Ok(settings) => Ok(Some(settings)),
        Err(why) => {
            sdk::log::warn(format!("not notifying: the settings are wrong: {why}"));
            Ok(None)
        }
    }
}

fn handle_event(event: &Event) -> Result<(), Error> {
    let kind = event.kind.as_str();
    // An answer or an expiry always forgets the request, whatever the settings say now.
    if kind.ends_with(".resolved") || kind.ends_with(".expired") {
        let request: Value = event.parse_data()?;
        if let Some(id) = request.get("id").and_then(Value::as_str) {
            sdk::kv::delete(&format!("{PENDING_PREFIX}{id}"))?;
        }
        return Ok(());
    }
    let Some(settings) = settings()? else { return Ok(()) };
    if settings.targets.is_empty() {
        return Ok(());
    }
    match kind {
        "approval.requested" | "tool_input.requested" if settings.on_pending => on_requested(event, &settings),
        "turn.completed" => on_turn_completed(event, &settings),
        "job.succeeded" | "job.failed" if settings.on_routine => on_job_ended(event, &settings),
        "followup.started" | "followup.failed" | "followup.removed" if settings.on_routine => on_followup(event, &settings),
        _ => Ok(()),
    }
}

fn on_requested(event: &Event, settings: &Settings) -> Result<(), Error> {
    let mut request: Value = event.parse_data()?;
    if notice::needs_human(&request).is_none() {
        return Ok(());
    }
    let Some(request_id) = request.get("id").and_then(Value::as_str).map(str::to_string) else { return Ok(()) };
    let Some(session_id) =
        event.session_id.clone().or_else(|| request.get("sessionId").and_then(Value::as_str).map(str::to_string))
    else {
        return Ok(());
    };
    if is_worker_session(&session_id)? {
        return Ok(());
    }
    // The item (a file change's whole diff) and any assessment are not needed for a one-line message.
    if let Some(object) = request.as_object_mut() {
        object.remove("item");
        object.remove("assessment");
    }
    sdk::kv::set(&format!("{PENDING_PREFIX}{request_id}"), &request.to_string())?;
    let job = JobRequest::json(JOB_PENDING, &json!({ "session_id": session_id, "request_id": request_id }))
        .session(&session_id)
        .dedupe_key(&request_id)
        .delay_ms(settings.grace_ms);
    let enqueued = sdk::jobs::enqueue(&job)?;
    sdk::log::debug(format!(
        "request {request_id}: notifying in {} ms unless someone answers first (job {})",
        settings.grace_ms, enqueued.job_id
    ));
    Ok(())
}

/// `notifier.pending`: the grace period is over; notify if nobody answered.
fn run_pending(job: &Job, payload: &Value) -> Result<JobOutcome, Error> {
    let field = |name: &str| payload.get(name).and_then(Value::as_str);
    let (Some(session_id), Some(request_id)) = (field("session_id").or(job.session_id.as_deref()), field("request_id"))
    else {
        return Ok(JobOutcome::failed("the payload must be {\"session_id\", \"request_id\"}"));
    };
    let key = format!("{PENDING_PREFIX}{request_id}");
    let Some(stored) = sdk::kv::get(&key)? else {
        return Ok(JobOutcome::succeeded_json(&json!({ "outcome": "answered" })));
    };
    let Some(settings) = settings()? else {
        return Ok(JobOutcome::succeeded_json(&json!({ "outcome": "skipped", "reason": "bad settings" })));
    };
    if !settings.on_pending || settings.targets.is_empty() {
        sdk::kv::delete(&key)?;
        return Ok(JobOutcome::succeeded_json(&json!({ "outcome": "skipped", "reason": "off" })));
    }
    // The host's own count: with nothing pending in the session, the request was answered even if its event has
    // not reached this plugin yet.
    let session = session_json(session_id)?;
    if session.get("pendingRequests").and_then(Value::as_u64) == Some(0) {
        sdk::kv::delete(&key)?;
        return Ok(JobOutcome::succeeded_json(&json!({ "outcome": "answered" })));
    }
    let request: Value = sdk::parse_json(&stored)?;
    let title = session.get("title").and_then(Value::as_str);
    let Some(notice) = notice::pending_notice(&request, session_id, title, settings.grace_ms, &settings.web_url) else {
        sdk::kv::delete(&key)?;
        return Ok(JobOutcome::succeeded_json(&json!({ "outcome": "skipped", "reason": "needs no human" })));
    };
    let sent = send_all(&settings, &notice, request_id)?;
    sdk::kv::delete(&key)?;
    Ok(JobOutcome::succeeded_json(&json!({ "outcome": "notified", "sends": sent })))
}

fn on_turn_completed(event: &Event, settings: &Settings) -> Result<(), Error> {
    let data: Value = event.parse_data()?;
    let Some(turn_id) =
        event.turn_id.clone().or_else(|| data.pointer("/turn/id").and_then(Value::as_str).map(str::to_string))
    else {
        return Ok(());
    };
    let Some(session_id) = event.session_id.as_deref() else { return Ok(()) };
    // A routine's turn: one message about the run (its failure included), not a second one about the turn.
    let routine_key = format!("{ROUTINE_TURN_PREFIX}{turn_id}");
    if let Some(stored) = sdk::kv::get(&routine_key)? {
        sdk::kv::delete(&routine_key)?;
        let routine: Value = sdk::parse_json(&stored)?;
        if settings.on_routine {
            let routine_id = routine.get("routine").and_then(Value::as_str).unwrap_or("?");
            let status = data.pointer("/turn/status").and_then(Value::as_str).unwrap_or("completed");
            let error = notice::failed_turn(&data);
            let outcome = RoutineOutcome::Turn { status, error: error.as_deref() };
            return notify_routine_turn(settings, routine_id, session_id, &turn_id, outcome);
        }
        return Ok(());
    }
    if !settings.on_turn_failed {
        return Ok(());
    }
    let Some(error) = notice::failed_turn(&data) else { return Ok(()) };
    let session = session_json(session_id)?;
    if is_worker(&session) {
        return Ok(());
    }
    let title = session.get("title").and_then(Value::as_str);
    let notice = notice::turn_failed_notice(session_id, title, &error, &settings.web_url);
    send_all(settings, &notice, &format!("turn:{turn_id}"))?;
    Ok(())
}

/// A routine's run ended: a job routine's job says it all; a prompt routine's job only started (or queued) the turn,
/// whose end is the run's end.
fn on_job_ended(event: &Event, settings: &Settings) -> Result<(), Error> {
    let job: Value = event.parse_data()?;
    let Some(routine_id) = notice::routine_of(&job) else { return Ok(()) };
    let job_id = job.get("id").and_then(Value::as_str).unwrap_or("?");
    let result = job.get("result").unwrap_or(&Value::Null);
    let session_id = result
        .get("sessionId")
        .and_then(Value::as_str)
        .or_else(|| job.get("sessionId").and_then(Value::as_str))
        .map(str::to_string);
    if event.kind == "job.failed" {
        let reason = job.pointer("/error/message").and_then(Value::as_str).unwrap_or("the run's job failed");
        return notify_routine(settings, routine_id, session_id.as_deref(), RoutineOutcome::JobFailed(reason), job_id);
    }
    match (session_id.as_deref(), result.get("turnId").and_then(Value::as_str)) {
        (Some(session_id), Some(turn_id)) => watch_routine_turn(settings, routine_id, session_id, turn_id),
        // Queued behind a running turn as a follow-up: its `followup.started` names the turn (or already did).
        (Some(session_id), None) if result.get("followupId").and_then(Value::as_str).is_some() => {
            let followup_id = result["followupId"].as_str().unwrap_or_default();
            let started_key = format!("{FOLLOWUP_TURN_PREFIX}{followup_id}");
            if let Some(turn_id) = sdk::kv::get(&started_key)? {
                sdk::kv::delete(&started_key)?;
                return watch_routine_turn(settings, routine_id, session_id, &turn_id);
            }
            sdk::log::debug(format!("routine {routine_id}: run {job_id} queued follow-up {followup_id}; its turn is reported"));
            let value = json!({ "routine": routine_id, "session": session_id }).to_string();
            sdk::kv::set(&format!("{ROUTINE_FOLLOWUP_PREFIX}{followup_id}"), &value)
        }
        _ => notify_routine(settings, routine_id, session_id.as_deref(), RoutineOutcome::JobSucceeded, job_id),
    }
}

/// A routine run's turn: reported now if it ended already, else when its `turn.completed` comes.
fn watch_routine_turn(settings: &Settings, routine_id: &str, session_id: &str, turn_id: &str) -> Result<(), Error> {
    let turn = sdk::sessions::get_turn(session_id, turn_id)?;
    if turn.has_ended() {
        let status = match turn.status {
            sdk::TurnStatus::Completed => "completed",
            sdk::TurnStatus::Failed => "failed",
            sdk::TurnStatus::Interrupted => "interrupted",
            sdk::TurnStatus::InProgress => "inProgress",
        };
        let outcome = RoutineOutcome::Turn { status, error: turn.error.as_deref() };
        return notify_routine_turn(settings, routine_id, session_id, turn_id, outcome);
    }
    let value = json!({ "routine": routine_id, "session": session_id }).to_string();
    sdk::kv::set(&format!("{ROUTINE_TURN_PREFIX}{turn_id}"), &value)
}

/// A follow-up started, failed or was removed. A routine run's follow-up (its job ended first) maps to its turn, or
/// is reported as failed; any other started follow-up's turn is remembered for a while, in case its routine job's
/// end comes next.
fn on_followup(event: &Event, settings: &Settings) -> Result<(), Error> {
    let followup: Value = event.parse_data()?;
    let Some(followup_id) = followup.get("id").and_then(Value::as_str) else { return Ok(()) };
    let run_key = format!("{ROUTINE_FOLLOWUP_PREFIX}{followup_id}");
    let run = sdk::kv::get(&run_key)?;
    if run.is_some() {
        sdk::kv::delete(&run_key)?;
    }
    let run: Option<Value> = run.map(|r| sdk::parse_json(&r)).transpose()?;
    let field = |v: &Value, name: &str| v.get(name).and_then(Value::as_str).map(str::to_string);
    match (event.kind.as_str(), run) {
        ("followup.started", Some(run)) => {
            let (Some(routine_id), Some(session_id), Some(turn_id)) = (field(&run, "routine"), field(&run, "session"), field(&followup, "turnId"))
            else {
                return Ok(());
            };
            watch_routine_turn(settings, &routine_id, &session_id, &turn_id)
        }
        ("followup.started", None) => {
            let Some(turn_id) = field(&followup, "turnId") else { return Ok(()) };
            sdk::kv::set(&format!("{FOLLOWUP_TURN_PREFIX}{followup_id}"), &turn_id)?;
            let kept = sdk::kv::keys(FOLLOWUP_TURN_PREFIX)?;
            for old in kept.iter().take(kept.len().saturating_sub(FOLLOWUP_TURNS_KEPT as usize)) {
                sdk::kv::delete(old)?;
            }
            Ok(())
        }
        ("followup.failed", Some(run)) => {
            let routine_id = field(&run, "routine").unwrap_or_else(|| "?".into());
            let why = field(&followup, "error").unwrap_or_else(|| "unknown".into());
            let reason = format!("its prompt, queued while the chat was busy, could not start: {why}");
            notify_routine(settings, &routine_id, field(&run, "session").as_deref(), RoutineOutcome::JobFailed(&reason), followup_id)
        }
        // Removed by someone (no notice), or not a routine's.
        _ => Ok(()),
    }
}

/// A routine turn's notice, once: the turn's own event and the job's (when the turn ended first) may both see it.
fn notify_routine_turn(
    settings: &Settings,
    routine_id: &str,
    session_id: &str,
    turn_id: &str,
    outcome: RoutineOutcome<'_>,
) -> Result<(), Error> {
    if !sdk::kv::compare_and_set(&format!("{ROUTINE_DONE_PREFIX}{turn_id}"), None, Some("1"))? {
        return Ok(());
    }
    notify_routine(settings, routine_id, Some(session_id), outcome, turn_id)
}

fn notify_routine(
    settings: &Settings,
    routine_id: &str,
    session_id: Option<&str>,
    outcome: RoutineOutcome<'_>,
    dedupe: &str,
) -> Result<(), Error> {
    let title = match session_id {
        Some(id) => match session_json(id) {
            Ok(session) => session.get("title").and_then(Value::as_str).map(str::to_string),
            Err(err) if err.is_not_found() => None,
            Err(err) => return Err(err),
        },
        None => None,
    };
    let notice = notice::routine_notice(routine_id, session_id, title.as_deref(), outcome, &settings.web_url);
    send_all(settings, &notice, &format!("routine:{dedupe}"))?;
    Ok(())
}

/// One `notifier.send` job per target; returns how many were enqueued.
fn send_all(settings: &Settings, notice: &Notice, dedupe: &str) -> Result<usize, Error> {
    for target in &settings.targets {
        let payload = json!({ "target": target.kind.as_str(), "notice": notice.to_json() });
        let job = JobRequest::json(JOB_SEND, &payload).dedupe_key(format!("{dedupe}:{}", target.kind.as_str()));
        let job = match &notice.session_id {
            Some(session_id) => job.session(session_id),
            None => job,
        };
        sdk::jobs::enqueue(&job)?;
    }
    Ok(settings.targets.len())
}

/// `notifier.send`: post one notice to one target, at its url as the settings say now.
fn run_send(payload: &Value) -> Result<JobOutcome, Error> {
    let (Some(kind), Some(notice)) = (
        payload.get("target").and_then(Value::as_str).and_then(TargetKind::parse),
        payload.get("notice").and_then(Notice::from_json),
    ) else {
        return Ok(JobOutcome::failed("the payload must be {\"target\": \"ntfy\"|\"webhook\"|\"slack\", \"notice\"}"));
    };
    let Some(settings) = settings()? else {
        return Ok(JobOutcome::succeeded_json(&json!({ "outcome": "skipped", "reason": "bad settings" })));
    };
    let Some(target) = settings.targets.iter().find(|t| t.kind == kind) else {
        return Ok(JobOutcome::succeeded_json(&json!({ "outcome": "skipped", "reason": "target switched off" })));
    };
    let request: HttpRequest = notice::http_request(target, &notice);
    let response = match sdk::http::fetch(&request) {
        Ok(response) => response,
        Err(Error::Denied(why)) => {
            // Not in http_allow: retrying cannot help; the README says how to add a host.
            return Ok(JobOutcome::failed(format!("{} target not allowed: {why}", kind.as_str())));
        }
        Err(err) => return Err(err),
    };
    let status = response.status;
    if response.is_success() {
        return Ok(JobOutcome::succeeded_json(
            &json!({ "outcome": "sent", "target": kind.as_str(), "status": status }),
        ));
    }
    let body: String = String::from_utf8_lossy(&response.body).chars().take(200).collect();
    let why = format!("{} answered {status}: {body}", kind.as_str());
    if status == 429 || status >= 500 {
        return Ok(JobOutcome::retry_later(RETRY_AFTER_MS, why));
    }
    Ok(JobOutcome::failed(why))
}

fn session_json(session_id: &str) -> Result<Value, Error> {
    let session: Value = sdk::parse_json(&sdk::sessions::get(session_id)?)?;
    // The API's shape, or one wrapped in `{session: ...}`.
    Ok(match session.get("session") {
        Some(inner) if inner.is_object() => inner.clone(),
        _ => session,
    })
}

/// A plugin's hidden worker session: its approvals are answered by the host, its failures are the plugin's business.
fn is_worker(session: &Value) -> bool {
    session.get("workerOf").is_some_and(|w| !w.is_null())
}

fn is_worker_session(session_id: &str) -> Result<bool, Error> {
    Ok(is_worker(&session_json(session_id)?))
}
