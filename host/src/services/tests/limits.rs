//! Usage limits and budgets: a turn that meets Codex's usage limit pauses the follow-up queue as `usage_limit`
//! with the reset the rate-limit snapshot named, and the queue resumes by itself at the reset; re-reading the rate
//! limits at the reset extends a limit that still holds; a spent budget holds automation while a user's own
//! message goes through with a warning. Automation beyond follow-ups: a plugin's own message is held (its job waits),
//! a routine's run waits out a usage limit or a budget without burning an attempt, scheduled times during a hold
//! fold into the one waiting run, and a project's budget holds that project only (usage read per project).

use serde_json::json;

use crate::services::{IfBusy, LimitKind, PauseReason, SendMessage, SendOutcome};
use crate::testing::{ScriptedAppServer, Step, TestHost};

fn now_secs() -> i64 {
    crate::store::now_ms() / 1000
}

async fn queue(host: &TestHost, session_id: &str, text: &str) -> String {
    let req = SendMessage { text: text.into(), mode: None, if_busy: Some(IfBusy::Queue) };
    match host.services.turns().send(session_id, req, None).await.expect("queued") {
        SendOutcome::Queued(q) => q.followup.id,
        SendOutcome::Started(t) => panic!("started turn {} instead of queueing", t.turn_id),
    }
}

fn window(used: i64, resets_at: i64) -> serde_json::Value {
    json!({"rateLimits": {"primary": {"usedPercent": used, "windowDurationMins": 300, "resetsAt": resets_at}, "secondary": null}})
}

#[tokio::test]
async fn a_usage_limit_pauses_the_queue_until_the_reset_and_it_resumes_by_itself() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let first = host.send(&s, "first").await.turn_id;
    let waiting = queue(&host, &s.id, "after the reset").await;

    let resets_at = now_secs() + 2;
    host.peer.notify("account/rateLimits/updated", window(100, resets_at)).await;
    let error = json!({"message": "You've hit your usage limit.", "codexErrorInfo": "usageLimitExceeded"});
    host.peer
        .notify("turn/completed", json!({"threadId": s.thread_id, "turn": {"id": first, "status": "failed", "items": [], "error": error}}))
        .await;

    let paused = host.event(|e| e.kind == "followup.paused").await;
    assert_eq!(paused.data()["reason"], PauseReason::UsageLimit.as_str(), "not `turn_failed`: {}", paused.data());
    assert_eq!(paused.data()["limit"]["kind"], "usage_limit");
    let reset = crate::events::envelope_ts(resets_at * 1000);
    assert_eq!(paused.data()["limit"]["resetsAt"], reset.as_str(), "the snapshot's reset: {}", paused.data());
    let hold = host.services.limits().may_start_turn(None).await.expect("automation is held");
    assert_eq!(hold.limit.kind, LimitKind::UsageLimit);
    assert_eq!(host.services.readiness().await.limits.usage_limit.map(|l| l.resets_at), Some(Some(reset)));

    // At the reset the host re-reads the rate limits (this peer refuses: an API-key account has none) and lifts it.
    let resumed = host.event(|e| e.kind == "followup.resumed").await;
    assert_eq!(resumed.data()["paused"], false);
    let started = host.event(|e| e.kind == "followup.started" && e.data()["id"] == waiting.as_str()).await;
    assert!(started.data()["turnId"].is_string());
    assert!(host.services.limits().may_start_turn(None).await.is_none());
    assert!(host.peer.methods().iter().any(|m| m == "account/rateLimits/read"), "the rate limits were read again at the reset");
}

#[tokio::test]
async fn a_limit_still_reached_when_the_rate_limits_are_read_again_holds_until_the_later_reset() {
    let app = ScriptedAppServer::default();
    let later = now_secs() + 3600;
    app.on("account/rateLimits/read", move |_| vec![Step::Answer(window(100, later))]);
    let host = TestHost::start_with(app).await;
    host.peer.notify("account/rateLimits/updated", window(100, now_secs() + 1)).await;
    let first = host.event(|e| e.kind == "limits.updated").await;
    assert_eq!(first.data()["usageLimit"]["kind"], "usage_limit", "{}", first.data());
    let extended = host.event(|e| e.kind == "limits.updated" && e.seq > first.seq).await;
    assert_eq!(extended.data()["usageLimit"]["resetsAt"], crate::events::envelope_ts(later * 1000).as_str(), "{}", extended.data());
    assert!(host.services.limits().may_start_turn(None).await.is_some(), "still held");
}

#[tokio::test]
async fn a_spent_budget_holds_automation_and_a_users_message_goes_through_with_a_warning() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let first = host.send(&s, "first").await;
    assert!(first.warning.is_none());
    let tokens = |n: i64| json!({"totalTokens": n, "inputTokens": n, "cachedInputTokens": 0, "outputTokens": 0, "reasoningOutputTokens": 0});
    // The thread had used 1000 tokens before this turn; two responses (100, then 50), the second notice sent twice:
    // the turn used the running total minus the total before it, counted once.
    for (total, last) in [(1100, 100), (1150, 50), (1150, 50)] {
        let usage = json!({"total": tokens(total), "last": tokens(last)});
        host.peer.notify("thread/tokenUsage/updated", json!({"threadId": s.thread_id, "turnId": first.turn_id, "tokenUsage": usage})).await;
    }
    host.processed().await;
    let usage = host.services.limits().usage(crate::services::UsageQuery { session_id: Some(s.id.clone()), ..Default::default() }).await.unwrap();
    assert_eq!((usage.turns, usage.tokens.total), (1, 150), "{usage:?}");
    let record = host.services.turns().get_turn_record(&s.id, &first.turn_id, std::time::Duration::ZERO).await.unwrap();
    assert_eq!(record.tokens.map(|t| (t.total, t.input)), Some((150, 150)), "the turn record carries its tokens");

    let budgets = crate::services::Budgets { budgets: vec![crate::services::Budget { project_id: None, daily_tokens: 150, spent_today: None }], renews_at: None };
    let set = host.services.limits().set_budgets(budgets).await.unwrap();
    assert_eq!(set.budgets[0].spent_today, Some(150));
    let hold = host.services.limits().may_start_turn(None).await.expect("the budget is spent");
    assert_eq!(hold.limit.kind, LimitKind::Budget);
    assert!(hold.resets_at_ms.is_some_and(|r| r > crate::store::now_ms()), "held until the next UTC day");

    host.peer.turn_completed(&s.thread_id, &first.turn_id, "completed", None).await;
    host.processed().await;
    let mine = host.send(&s, "mine").await;
    assert_eq!(mine.warning.map(|w| w.kind), Some(LimitKind::Budget), "the user's message went through, with the warning");
    queue(&host, &s.id, "automated").await;
    host.peer.turn_completed(&s.thread_id, &mine.turn_id, "completed", None).await;
    let paused = host.event(|e| e.kind == "followup.paused").await;
    assert_eq!(paused.data()["reason"], "budget");
    let starts = host.peer.methods().iter().filter(|m| *m == "turn/start").count();
    assert_eq!(starts, 2, "no automated turn started");

    // Raising the budget lets it go on by itself.
    let raised = crate::services::Budgets { budgets: vec![crate::services::Budget { project_id: None, daily_tokens: 1_000_000, spent_today: None }], renews_at: None };
    host.services.limits().set_budgets(raised).await.unwrap();
    host.event(|e| e.kind == "followup.started").await;
}

#[tokio::test]
async fn a_window_at_100_percent_without_a_reset_holds_for_a_while_not_for_good() {
    let host = TestHost::start().await;
    host.peer.notify("account/rateLimits/updated", json!({"rateLimits": {"primary": {"usedPercent": 100}}})).await;
    let updated = host.event(|e| e.kind == "limits.updated").await;
    let limit = host.services.limits().status().await.usage_limit.expect("held");
    let resets_at = limit.resets_at.expect("a time to look again");
    assert_eq!(updated.data()["usageLimit"]["resetsAt"], resets_at.as_str());
    let minutes = (humantime::parse_rfc3339(&resets_at).unwrap().duration_since(std::time::SystemTime::now()).unwrap().as_secs() + 30) / 60;
    assert_eq!(minutes, 5, "five minutes on: {resets_at}");
}

#[tokio::test]
async fn a_queue_paused_for_the_usage_limit_stays_paused_across_a_restart_until_the_reset() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let first = host.send(&s, "first").await.turn_id;
    let waiting = queue(&host, &s.id, "after the reset").await;
    // Ahead enough to outlast the restart on a slow machine.
    let resets_at = now_secs() + 7;
    host.peer.notify("account/rateLimits/updated", window(100, resets_at)).await;
    let error = json!({"message": "You've hit your usage limit.", "codexErrorInfo": "usageLimitExceeded"});
    host.peer
        .notify("turn/completed", json!({"threadId": s.thread_id, "turn": {"id": first, "status": "failed", "items": [], "error": error}}))
        .await;
    host.event(|e| e.kind == "followup.paused").await;

    // The new run knows nothing of the limit but what the paused queue recorded: it holds again until that reset.
    let host = host.restart().await;
    let held = host.services.limits().status().await.usage_limit.expect("the limit is held again after the restart");
    assert_eq!(held.kind, LimitKind::UsageLimit);
    assert_eq!(host.services.sessions().get_session(&s.id).await.unwrap().followups.reason, Some(PauseReason::UsageLimit));
    // The event waits below start at the reset (a loaded machine may take a while to get there).
    while now_secs() < resets_at {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    host.event(|e| e.kind == "followup.resumed").await;
    host.event(|e| e.kind == "followup.started" && e.data()["id"] == waiting.as_str()).await;
}

/// Stands in for a plugin's `run-job`: it sends a message through the very host API plugins call (with its job),
/// and gives up on an error as a plugin might.
struct MessagingJob {
    api: crate::services::plugin_api::ServicesForPlugins,
    session_id: String,
}

#[async_trait::async_trait]
impl crate::services::queue::HostJobRunner for MessagingJob {
    async fn run(&self, job: &crate::plugins::JobCall) -> Result<crate::plugins::JobOutcome, String> {
        use crate::plugins::api::PluginHostApi;
        match self.api.send_message(Some(&job.id), &self.session_id, "from a job").await {
            Ok(turn) => Ok(crate::plugins::JobOutcome::Succeeded(turn)),
            Err(e) => Ok(crate::plugins::JobOutcome::Failed(format!("{e:?}"))),
        }
    }
}

#[tokio::test]
async fn a_plugins_message_waits_for_a_spent_budget_inside_a_job_and_is_refused_with_the_reset_outside_one() {
    use crate::plugins::api::{HostCallError, PluginHostApi};
    let host = TestHost::start().await;
    let s = host.session().await;
    let api = || crate::services::plugin_api::ServicesForPlugins(std::sync::Arc::downgrade(&host.services));
    // Not held yet: a plugin's message starts a turn.
    let first = api().send_message(None, &s.id, "before").await.expect("not held: the turn starts");
    host.peer.turn_completed(&s.thread_id, &first, "completed", None).await;
    host.processed().await;

    // A host-wide budget of 1 token: nothing spent yet, so a usage record spends it.
    let tokens = json!({"totalTokens": 10, "inputTokens": 10, "cachedInputTokens": 0, "outputTokens": 0, "reasoningOutputTokens": 0});
    host.peer.notify("thread/tokenUsage/updated", json!({"threadId": s.thread_id, "turnId": first, "tokenUsage": {"total": tokens, "last": tokens}})).await;
    host.processed().await;
    let budget = crate::services::Budgets { budgets: vec![crate::services::Budget { project_id: None, daily_tokens: 1, spent_today: None }], renews_at: None };
    host.services.limits().set_budgets(budget).await.unwrap();
    let hold = host.services.limits().may_start_turn(None).await.expect("the budget is spent");
    let starts = || host.peer.methods().iter().filter(|m| *m == "turn/start").count();
    let before = starts();

    // Outside a job: refused, with the reason and the reset in the message (the WIT `unavailable`).
    match api().send_message(None, &s.id, "held").await {
        Err(HostCallError::Unavailable(m)) => {
            let reset = hold.limit.resets_at.clone().unwrap();
            assert!(m.contains("budget") && m.contains(&reset), "the reason and the reset: {m}");
        }
        other => panic!("a plugin's message started a turn during a spent budget: {other:?}"),
    }

    // Inside a job: the job waits (queued, its attempt given back), whatever the plugin made of the error.
    let kind = crate::plugins::JobKind {
        kind: "test.messenger".into(),
        plugin_id: crate::services::queue::HOST_PLUGIN_ID.into(),
        description: "sends a message".into(),
        concurrency: 1,
        timeout_ms: 30_000,
        max_attempts: 1,
    };
    let runner: std::sync::Arc<dyn crate::services::queue::HostJobRunner> = std::sync::Arc::new(MessagingJob { api: api(), session_id: s.id.clone() });
    host.services.queue().register_host_kind(kind, std::sync::Arc::downgrade(&runner));
    let job = crate::services::queue::HostJob {
        id: uuid::Uuid::now_v7().to_string(),
        kind: "test.messenger",
        payload: json!({}),
        session_id: Some(s.id.clone()),
        project_id: None,
        dedupe_key: None,
        created_by: "test",
    };
    let (job, _) = host.services.queue().enqueue_host_job(job).await.unwrap();
    let waiting = host.event(|e| e.kind == "job.waiting" && e.data()["id"] == job.id.as_str()).await;
    assert_eq!(waiting.data()["state"], "queued", "{}", waiting.data());
    assert_eq!(waiting.data()["attempt"], 0, "no attempt burnt (its only one): {}", waiting.data());
    assert_eq!(waiting.data()["waiting"]["kind"], "budget", "{}", waiting.data());
    assert_eq!(starts(), before, "no turn started while held");
}

/// Spend a host-wide budget of 1 token with a turn's usage on `s`.
async fn spend_host_budget(host: &TestHost, s: &crate::services::Session) {
    let turn = host.send(s, "spends").await.turn_id;
    let tokens = json!({"totalTokens": 10, "inputTokens": 10, "cachedInputTokens": 0, "outputTokens": 0, "reasoningOutputTokens": 0});
    host.peer.notify("thread/tokenUsage/updated", json!({"threadId": s.thread_id, "turnId": turn, "tokenUsage": {"total": tokens, "last": tokens}})).await;
    host.peer.turn_completed(&s.thread_id, &turn, "completed", None).await;
    host.processed().await;
    let budget = crate::services::Budgets { budgets: vec![crate::services::Budget { project_id: None, daily_tokens: 1, spent_today: None }], renews_at: None };
    host.services.limits().set_budgets(budget).await.unwrap();
    assert!(host.services.limits().may_start_turn(None).await.is_some(), "the budget is spent");
}

fn turn_starts(host: &TestHost) -> usize {
    host.peer.methods().iter().filter(|m| *m == "turn/start").count()
}

#[tokio::test]
async fn scheduled_times_during_a_hold_fold_into_the_one_waiting_run_and_the_reset_releases_one_turn() {
    let host = TestHost::start().await;
    let s = host.session().await;
    spend_host_budget(&host, &s).await;
    // Once a year: the scheduler's own clock never fires it during the test; the ticks below are driven by hand.
    let req = crate::services::CreateRoutine {
        name: "nightly".into(),
        prompt: Some("tick".into()),
        session_id: Some(s.id.clone()),
        schedule: Some("0 0 1 1 *".into()),
        ..Default::default()
    };
    let routine = host.services.routines().create(req, "test").await.unwrap().routine;
    let tick = || async {
        let row = host.services.store().get_routine(&routine.id).await.unwrap();
        let due = row.next_fire_at.expect("scheduled");
        host.services.routines().fire(&row, due, false).await;
        due
    };
    let first = tick().await;
    let runs = host.services.routines().runs(&routine.id, Default::default()).await.unwrap().runs;
    assert_eq!(runs.len(), 1);
    let job = runs[0].job_id.clone();
    host.event(|e| e.kind == "job.waiting" && e.data()["id"] == job.as_str()).await;
    let starts = turn_starts(&host);

    tick().await;
    let last = tick().await;
    let runs = host.services.routines().runs(&routine.id, Default::default()).await.unwrap().runs;
    assert_eq!(runs.len(), 1, "the held ticks made no runs of their own: {runs:?}");
    let run = &runs[0];
    assert_eq!(run.scheduled_for, Some(crate::events::envelope_ts(first)));
    assert_eq!((run.skipped_ticks, run.last_skipped_for.clone()), (2, Some(crate::events::envelope_ts(last))), "the run says what it stands for");
    assert_eq!(run.status, crate::services::RunStatus::Queued);
    let waiting = run.waiting.as_ref().expect("the run shows its job's wait");
    assert_eq!(waiting.kind, LimitKind::Budget);
    assert!(waiting.resets_at.is_some(), "{waiting:?}");

    // The budget is raised: one run, one turn.
    let raised = crate::services::Budgets { budgets: vec![crate::services::Budget { project_id: None, daily_tokens: 1_000_000, spent_today: None }], renews_at: None };
    host.services.limits().set_budgets(raised).await.unwrap();
    let done = host.event(|e| e.kind == "job.succeeded" && e.data()["id"] == job.as_str()).await;
    assert!(done.data()["result"]["turnId"].is_string(), "{}", done.data());
    assert_eq!(turn_starts(&host), starts + 1, "one turn at the reset, not one per tick");
    let runs = host.services.routines().runs(&routine.id, Default::default()).await.unwrap().runs;
    assert_eq!(runs.len(), 1);
    assert!(runs[0].waiting.is_none(), "no wait once it ran");
}

/// Record `n` tokens for a turn of `s` and end it.
async fn turn_using(host: &TestHost, s: &crate::services::Session, n: i64) {
    let turn = host.send(s, "uses tokens").await.turn_id;
    let tokens = json!({"totalTokens": n, "inputTokens": n, "cachedInputTokens": 0, "outputTokens": 0, "reasoningOutputTokens": 0});
    host.peer.notify("thread/tokenUsage/updated", json!({"threadId": s.thread_id, "turnId": turn, "tokenUsage": {"total": tokens, "last": tokens}})).await;
    host.peer.turn_completed(&s.thread_id, &turn, "completed", None).await;
    host.processed().await;
}

async fn routine_on(host: &TestHost, s: &crate::services::Session, name: &str) -> String {
    let req = crate::services::CreateRoutine { name: name.into(), prompt: Some("routine prompt".into()), session_id: Some(s.id.clone()), ..Default::default() };
    host.services.routines().create(req, "test").await.unwrap().routine.id
}

#[tokio::test]
async fn a_routine_run_waits_out_a_usage_limit_without_burning_an_attempt_and_runs_after_the_reset() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let routine = routine_on(&host, &s, "held").await;
    let resets_at = now_secs() + 2;
    host.peer.notify("account/rateLimits/updated", window(100, resets_at)).await;
    host.event(|e| e.kind == "limits.updated").await;
    let starts = turn_starts(&host);

    let run = host.services.routines().run_now(&routine, "test").await.unwrap();
    let waiting = host.event(|e| e.kind == "job.waiting" && e.data()["id"] == run.job_id.as_str()).await;
    assert_eq!((waiting.data()["attempt"].as_i64(), waiting.data()["waiting"]["kind"].as_str()), (Some(0), Some("usage_limit")), "{}", waiting.data());
    assert_eq!(waiting.data()["waiting"]["resetsAt"], crate::events::envelope_ts(resets_at * 1000).as_str());
    let listed = host.services.routines().runs(&routine, Default::default()).await.unwrap().runs;
    assert_eq!(listed[0].waiting.as_ref().map(|w| w.kind), Some(LimitKind::UsageLimit), "the run shows its job's wait: {listed:?}");
    assert_eq!(turn_starts(&host), starts, "no turn while held");

    // After the reset it runs by itself: one turn, the job succeeded (never failed).
    let done = host.event(|e| e.kind == "job.succeeded" && e.data()["id"] == run.job_id.as_str()).await;
    assert!(done.data()["result"]["turnId"].is_string(), "{}", done.data());
    assert_eq!(turn_starts(&host), starts + 1);
    assert!(host.logged("job.failed").await.is_empty(), "never a failure");
}

#[tokio::test]
async fn a_projects_budget_holds_that_project_only_and_usage_reads_per_project() {
    let host = TestHost::start().await;
    let cwd = host.dir.0.display().to_string();
    let project = |name: &str| crate::services::CreateProject { name: name.into(), cwd: cwd.clone() };
    let p1 = host.services.projects().create_project(project("one")).await.unwrap().id;
    let p2 = host.services.projects().create_project(project("two")).await.unwrap().id;
    let in_project = |p: &str| crate::services::CreateSession { project_id: Some(p.to_string()), ..Default::default() };
    let a = host.services.sessions().create_session(in_project(&p1)).await.unwrap();
    let b = host.services.sessions().create_session(in_project(&p2)).await.unwrap();
    turn_using(&host, &a, 10).await;
    turn_using(&host, &b, 5).await;

    // Usage per project (the query of `GET /api/usage?projectId=`), and for the host.
    let usage = |p: Option<&str>| crate::services::UsageQuery { project_id: p.map(str::to_owned), ..Default::default() };
    let one = host.services.limits().usage(usage(Some(&p1))).await.unwrap();
    assert_eq!((one.project_id.as_deref(), one.turns, one.tokens.total), (Some(p1.as_str()), 1, 10), "{one:?}");
    let two = host.services.limits().usage(usage(Some(&p2))).await.unwrap();
    assert_eq!((two.turns, two.tokens.total), (1, 5), "{two:?}");
    let all = host.services.limits().usage(usage(None)).await.unwrap();
    assert_eq!((all.turns, all.tokens.total), (2, 15), "{all:?}");

    // Project one's budget of 8 tokens is spent; project two has one of 8 too, with 5 used.
    let budget = |p: &str| crate::services::Budget { project_id: Some(p.to_string()), daily_tokens: 8, spent_today: None };
    let set = host.services.limits().set_budgets(crate::services::Budgets { budgets: vec![budget(&p1), budget(&p2)], renews_at: None }).await.unwrap();
    let spent: Vec<_> = set.budgets.iter().map(|b| (b.project_id.clone().unwrap(), b.spent_today)).collect();
    assert!(spent.contains(&(p1.clone(), Some(10))) && spent.contains(&(p2.clone(), Some(5))), "{spent:?}");
    let hold = host.services.limits().may_start_turn(Some(&p1)).await.expect("project one is held");
    assert_eq!((hold.limit.kind, hold.limit.project_id.as_deref()), (LimitKind::Budget, Some(p1.as_str())));
    assert!(host.services.limits().may_start_turn(Some(&p2)).await.is_none(), "project two is not");
    assert!(host.services.limits().may_start_turn(None).await.is_none(), "nor work outside a project");
    let status = host.services.limits().status().await;
    assert_eq!(status.budgets.iter().map(|l| l.project_id.clone()).collect::<Vec<_>>(), vec![Some(p1.clone())], "{status:?}");

    // A routine in each: one waits, the other runs.
    let held = host.services.routines().run_now(&routine_on(&host, &a, "in one").await, "test").await.unwrap();
    let free = host.services.routines().run_now(&routine_on(&host, &b, "in two").await, "test").await.unwrap();
    let waiting = host.event(|e| e.kind == "job.waiting" && e.data()["id"] == held.job_id.as_str()).await;
    assert_eq!(waiting.data()["waiting"]["kind"], "budget", "{}", waiting.data());
    host.event(|e| e.kind == "job.succeeded" && e.data()["id"] == free.job_id.as_str()).await;
    let job = host.services.queue().get_job(&held.job_id, std::time::Duration::ZERO).await.unwrap();
    assert_eq!(job.state, crate::store::JobState::Queued, "still waiting: {job:?}");
}

#[tokio::test]
async fn a_full_window_holds_only_once_the_credits_are_gone() {
    let host = TestHost::start().await;
    let credits = |has: bool, balance: &str| json!({"hasCredits": has, "unlimited": false, "balance": balance});
    let mut update = window(100, now_secs() + 3600);
    update["rateLimits"]["credits"] = credits(true, "25");
    host.peer.notify("account/rateLimits/updated", update).await;
    host.processed().await;
    assert!(host.services.limits().may_start_turn(None).await.is_none(), "credits carry the account past the window");
    assert!(host.services.limits().status().await.usage_limit.is_none());

    // A sparse update: the credits are spent.
    host.peer.notify("account/rateLimits/updated", json!({"rateLimits": {"credits": credits(false, "0")}})).await;
    let held = host.event(|e| e.kind == "limits.updated" && e.data()["usageLimit"].is_object()).await;
    assert_eq!(held.data()["usageLimit"]["kind"], "usage_limit", "{}", held.data());
    assert!(host.services.limits().may_start_turn(None).await.is_some());
}
