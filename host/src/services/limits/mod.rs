//! Usage limits and budgets: whether work the host starts on its own (follow-ups, plugin worker turns, jobs,
//! routines) may start a turn now, and if not, why and until when.
//!
//! Two things hold automation back. Codex's **usage limit**: a turn that fails with codexErrorInfo
//! `usageLimitExceeded`, or a rate-limit snapshot (`account/rateLimits/updated`) with a window at 100 % and no
//! credits to carry the account past it (`credits`: not unlimited, none or a balance of 0); it holds
//! until the window's `resetsAt` (or [`UNKNOWN_RESET_HOLD`] when codex names none), then the host re-reads the rate
//! limits (`account/rateLimits/read`) and either releases it or holds until the later reset it learns. A daily
//! **budget** in tokens (host-wide or per project), spent by the turns recorded from `thread/tokenUsage/updated`; it
//! holds until the next UTC day or until the budget is raised.
//!
//! One timer task re-evaluates the holds at the next reset (and when a budget changes or tokens are recorded); every
//! change is a `limits.updated` event and a tick of [`Limits::subscribe`], on which paused follow-up queues resume
//! and waiting jobs become due. A user's own message is never held: it goes to Codex, which may refuse it.

mod usage;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::{watch, Notify};
use utoipa::ToSchema;

pub use usage::{Budget, Budgets, DayUsage, TokenCounts, UsageQuery, UsageReport};

use super::core::Core;
use crate::events::{envelope_ts, EventType, NewEvent};
use crate::store::now_ms;

/// How long automation waits after a usage limit whose reset codex did not name (then it tries again).
pub const UNKNOWN_RESET_HOLD: Duration = Duration::from_secs(300);
const DAY_MS: i64 = 86_400_000;

crate::wire::wire_enum! {
    /// What holds automated turns back.
    pub enum LimitKind {
        /// Codex's usage (rate) limit is reached.
        UsageLimit = "usage_limit",
        /// A daily token budget is spent.
        Budget = "budget",
    }
}

/// Why automation may not start a turn now, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageLimit {
    pub kind: LimitKind,
    /// In words, for people.
    pub reason: String,
    /// When it lifts by itself (RFC 3339): the reset Codex named; when it named none, five minutes on, when the host
    /// looks again (the reason says so).
    pub resets_at: Option<String>,
    /// The project whose budget is spent (`budget` per project); null for the host-wide ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
}

impl UsageLimit {
    /// What a queued job waits for, from the job row's `wait_*` columns (kind, reason, until ms): one reading for
    /// `Job.waiting` and `RoutineRun.waiting`.
    pub(crate) fn from_job_wait((kind, reason, until): (String, String, Option<i64>)) -> Self {
        Self { kind: LimitKind::parse(&kind).unwrap_or(LimitKind::UsageLimit), reason, resets_at: until.map(envelope_ts), project_id: None }
    }
}

/// A hold, with its reset in ms for the host's timers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub limit: UsageLimit,
    pub resets_at_ms: Option<i64>,
}

impl Hold {
    fn new(kind: LimitKind, reason: String, resets_at_ms: Option<i64>, project_id: Option<String>) -> Self {
        Self { limit: UsageLimit { kind, reason, resets_at: resets_at_ms.map(envelope_ts), project_id }, resets_at_ms }
    }

    /// When the waiting work should look again: the reset, or a while from now when none is known.
    pub fn retry_at_ms(&self) -> i64 {
        self.resets_at_ms.unwrap_or_else(|| now_ms() + UNKNOWN_RESET_HOLD.as_millis() as i64)
    }
}

/// The limits block of `/api/ready` and `GET /api/limits`, and the data of `limits.updated`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LimitsStatus {
    /// Codex's usage limit, while reached: automated turns wait for `resetsAt`.
    pub usage_limit: Option<UsageLimit>,
    /// Budgets spent today (host-wide, per project): automated turns there wait for the next day.
    pub budgets: Vec<UsageLimit>,
    /// The latest rate-limit snapshot app-server sent (`account/rateLimits/updated`, merged), as it came.
    #[schema(value_type = Option<Object>)]
    pub rate_limits: Option<Value>,
}

#[derive(Default)]
struct State {
    /// The account-wide hold (codex's usage limit).
    account: Option<Hold>,
    /// The merged rate-limit snapshot.
    rate_limits: Option<Value>,
    /// Turns that failed on the usage limit (the latest few): their end pauses a queue as `usage_limit`.
    limited_turns: VecDeque<String>,
    /// What was last published.
    published: LimitsStatus,
}

pub struct Limits {
    core: Arc<Core>,
    /// Set by the host's shutdown: the timer stops, and nothing is lifted any more.
    stopped: std::sync::atomic::AtomicBool,
    state: Mutex<State>,
    recheck: Notify,
    changed: watch::Sender<u64>,
}

fn utc_day(ms: i64) -> String {
    envelope_ts(ms)[..10].to_string()
}

fn next_day_ms(ms: i64) -> i64 {
    (ms.div_euclid(DAY_MS) + 1) * DAY_MS
}

/// Whether the account's credits carry it past an exhausted window: unlimited, or credits with a balance above 0
/// (a balance codex does not name counts as some). No `credits` block, or `hasCredits: false`, or a balance of 0:
/// they do not.
fn credits_cover(snapshot: &Value) -> bool {
    let Some(credits) = snapshot.get("credits").filter(|c| c.is_object()) else { return false };
    if credits.get("unlimited").and_then(Value::as_bool) == Some(true) {
        return true;
    }
    if credits.get("hasCredits").and_then(Value::as_bool) != Some(true) {
        return false;
    }
    match credits.get("balance") {
        Some(Value::String(b)) => b.trim().parse::<f64>().map_or(true, |n| n > 0.0),
        Some(Value::Number(n)) => n.as_f64().is_some_and(|n| n > 0.0),
        _ => true,
    }
}

/// The exhausted window of a rate-limit snapshot (`usedPercent` ≥ 100) that the account's credits do not carry it
/// past, with its reset in ms.
fn exhausted_window(snapshot: &Value) -> Option<(String, Option<i64>)> {
    if credits_cover(snapshot) {
        return None;
    }
    full_window(snapshot)
}

/// The window at 100 %, whatever the credits say (codex refused a turn: its reset is when to look again).
fn full_window(snapshot: &Value) -> Option<(String, Option<i64>)> {
    ["primary", "secondary"].into_iter().find_map(|name| {
        let w = snapshot.get(name)?;
        let used = w.get("usedPercent")?.as_f64()?;
        (used >= 100.0).then(|| {
            let minutes = w.get("windowDurationMins").and_then(Value::as_i64);
            let label = match minutes {
                Some(m) if m % 1440 == 0 => format!("{} d", m / 1440),
                Some(m) if m % 60 == 0 => format!("{} h", m / 60),
                Some(m) => format!("{m} min"),
                None => name.to_string(),
            };
            (label, w.get("resetsAt").and_then(Value::as_i64).map(|s| s * 1000))
        })
    })
}

/// Merge a sparse update into the snapshot: a null does not clear what was seen.
fn merge(into: &mut Value, update: &Value) {
    match (into, update) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                if v.is_null() {
                    continue;
                }
                match a.get_mut(k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                    _ => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

impl Limits {
    pub(super) fn new(core: Arc<Core>) -> Arc<Self> {
        let (changed, _) = watch::channel(0);
        Arc::new(Self { core, stopped: Default::default(), state: Mutex::new(State::default()), recheck: Notify::new(), changed })
    }

    /// The host stops: lift nothing any more (a queue paused now is resumed by the next run, from the store).
    pub(super) fn stop(&self) {
        self.stopped.store(true, std::sync::atomic::Ordering::Relaxed);
        self.recheck.notify_one();
    }

    /// Ticks whenever a hold starts or ends.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Start the timer that lifts holds at their reset.
    pub(super) fn start(self: &Arc<Self>) {
        let me = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                let Some(limits) = me.upgrade() else { return };
                let deadline = limits.next_deadline();
                let notified = limits.recheck.notified();
                let wait = Duration::from_millis((deadline - now_ms()).clamp(0, DAY_MS) as u64);
                let limits = Arc::downgrade(&limits);
                tokio::select! {
                    _ = notified => {}
                    _ = tokio::time::sleep(wait) => {}
                }
                let Some(limits) = limits.upgrade() else { return };
                if limits.stopped.load(std::sync::atomic::Ordering::Relaxed) {
                    return;
                }
                limits.reevaluate().await;
            }
        });
    }

    fn next_deadline(&self) -> i64 {
        let state = self.state.lock().expect("limits poisoned");
        let now = now_ms();
        let account = state.account.as_ref().map(Hold::retry_at_ms);
        // Budgets renew at the next UTC day.
        account.into_iter().chain(std::iter::once(next_day_ms(now))).min().unwrap_or(now + DAY_MS)
    }

    /// May automation (a follow-up, a worker turn, a job, a routine) start a turn now in this project? `None`: yes;
    /// else why not and until when. Usage limits come first (they block every turn), then the host's budget, then
    /// the project's.
    pub async fn may_start_turn(&self, project_id: Option<&str>) -> Option<Hold> {
        if let Some(hold) = self.account_hold() {
            return Some(hold);
        }
        self.budget_hold(project_id).await
    }

    fn account_hold(&self) -> Option<Hold> {
        let state = self.state.lock().expect("limits poisoned");
        state.account.clone().filter(|h| h.retry_at_ms() > now_ms())
    }

    async fn budget_hold(&self, project_id: Option<&str>) -> Option<Hold> {
        let budgets = match self.core.store().budgets().await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the budgets");
                return None;
            }
        };
        // The host's budget first, then the project's.
        let host = budgets.iter().find(|(scope, _)| scope == "host").map(|(_, n)| (None, *n));
        let project = project_id.and_then(|p| budgets.iter().find(|(scope, _)| scope == p).map(|(_, n)| (Some(p), *n)));
        for (scope, limit) in host.into_iter().chain(project) {
            if let Some(hold) = self.spent(scope, limit).await {
                return Some(hold);
            }
        }
        None
    }

    /// The hold of one budget (`None`: the host's), when today's turns spent it.
    async fn spent(&self, project: Option<&str>, limit: i64) -> Option<Hold> {
        let now = now_ms();
        let spent = match self.core.store().tokens_spent(&utc_day(now), project).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "could not read today's token usage");
                return None;
            }
        };
        if spent < limit {
            return None;
        }
        let whose = match project {
            Some(p) => format!("project `{p}`'s daily budget"),
            None => "the host's daily budget".to_string(),
        };
        let reason = format!("{whose} of {limit} tokens is spent ({spent} used today, UTC); automated turns wait for the next day");
        Some(Hold::new(LimitKind::Budget, reason, Some(next_day_ms(now)), project.map(str::to_owned)))
    }

    /// Did this turn fail on the usage limit?
    pub fn turn_hit_limit(&self, turn_id: &str) -> bool {
        self.state.lock().expect("limits poisoned").limited_turns.iter().any(|t| t == turn_id)
    }

    /// app-server's `account/rateLimits/updated`.
    pub async fn on_rate_limits(&self, params: &Value) {
        let Some(update) = params.get("rateLimits") else { return };
        let mut state = self.state.lock().expect("limits poisoned");
        let mut snapshot = state.rate_limits.take().unwrap_or_else(|| json!({}));
        merge(&mut snapshot, update);
        if let Some((window, resets_at)) = exhausted_window(&snapshot) {
            // A window without a reset still holds for a while (then the host looks again), never for good.
            let resets_at = resets_at.unwrap_or_else(|| now_ms() + UNKNOWN_RESET_HOLD.as_millis() as i64);
            let reason = format!("Codex's usage limit is reached (the {window} window is at 100 %)");
            if state.account.as_ref().is_none_or(|h| h.resets_at_ms.is_none_or(|r| r < resets_at)) {
                state.account = Some(Hold::new(LimitKind::UsageLimit, reason, Some(resets_at), None));
            }
        }
        state.rate_limits = Some(snapshot);
        drop(state);
        self.recheck.notify_one();
    }

    /// A turn failed with codexErrorInfo `usageLimitExceeded`: hold until the exhausted window's reset (from the
    /// latest snapshot), else for a while.
    pub async fn on_usage_limit_error(&self, turn_id: Option<&str>, message: Option<&str>) {
        {
            let mut state = self.state.lock().expect("limits poisoned");
            if let Some(t) = turn_id {
                state.limited_turns.push_back(t.to_string());
                if state.limited_turns.len() > 64 {
                    state.limited_turns.pop_front();
                }
            }
            let now = now_ms();
            let from_snapshot = state.rate_limits.as_ref().and_then(full_window).and_then(|(_, r)| r).filter(|r| *r > now);
            let resets_at = from_snapshot.or(state.account.as_ref().and_then(|h| h.resets_at_ms).filter(|r| *r > now));
            let reason = match message {
                Some(m) if !m.trim().is_empty() => format!("Codex's usage limit is reached: {}", m.trim()),
                _ => "Codex's usage limit is reached".to_string(),
            };
            let until = resets_at.unwrap_or(now + UNKNOWN_RESET_HOLD.as_millis() as i64);
            state.account = Some(Hold::new(LimitKind::UsageLimit, reason, Some(until), None));
            if resets_at.is_none() {
                // Named, so every client shows when the host tries again; marked unknown in the reason.
                if let Some(h) = state.account.as_mut() {
                    h.limit.reason.push_str(" (no reset time given; trying again in 5 minutes)");
                }
            }
        }
        tracing::warn!(turn = ?turn_id, "Codex's usage limit is reached: automated turns wait");
        self.recheck.notify_one();
    }

    /// The usage limit a paused queue recorded before a restart: held again until its reset, if that is still ahead.
    pub(crate) fn restore_usage_limit(&self, reason: &str, resets_at_ms: i64) {
        if resets_at_ms <= now_ms() {
            return;
        }
        let mut state = self.state.lock().expect("limits poisoned");
        if state.account.as_ref().is_none_or(|h| h.resets_at_ms.is_none_or(|r| r < resets_at_ms)) {
            state.account = Some(Hold::new(LimitKind::UsageLimit, reason.to_string(), Some(resets_at_ms), None));
        }
        drop(state);
        self.recheck.notify_one();
    }

    /// Tokens were recorded or budgets changed: look at the budgets again.
    pub(crate) fn budgets_changed(&self) {
        self.recheck.notify_one();
    }

    /// The state as clients see it.
    pub async fn status(&self) -> LimitsStatus {
        let (usage_limit, rate_limits) = {
            let state = self.state.lock().expect("limits poisoned");
            (state.account.clone().filter(|h| h.retry_at_ms() > now_ms()).map(|h| h.limit), state.rate_limits.clone())
        };
        LimitsStatus { usage_limit, budgets: self.spent_budgets().await, rate_limits }
    }

    async fn spent_budgets(&self) -> Vec<UsageLimit> {
        let Ok(budgets) = self.core.store().budgets().await else { return Vec::new() };
        let mut spent = Vec::new();
        for (scope, limit) in budgets {
            let project = (scope != "host").then_some(scope.as_str());
            if let Some(h) = self.spent(project, limit).await {
                spent.push(h.limit);
            }
        }
        spent
    }

    /// Lift what reset, re-reading the rate limits first, and tell everyone what changed.
    async fn reevaluate(&self) {
        let expired = {
            let state = self.state.lock().expect("limits poisoned");
            state.account.as_ref().is_some_and(|h| h.retry_at_ms() <= now_ms())
        };
        if expired {
            self.reread_rate_limits().await;
            let mut state = self.state.lock().expect("limits poisoned");
            if state.account.as_ref().is_some_and(|h| h.retry_at_ms() <= now_ms()) {
                state.account = None;
                tracing::info!("Codex's usage limit has reset: automated turns go on");
            }
        }
        let status = self.status().await;
        let lifted = {
            let mut state = self.state.lock().expect("limits poisoned");
            if state.published.usage_limit == status.usage_limit && state.published.budgets == status.budgets {
                return;
            }
            // Something that held before holds no more: the usage limit, or a budget (by its scope).
            let scope = |l: &UsageLimit| (l.kind, l.project_id.clone());
            let now: Vec<_> = status.usage_limit.iter().chain(&status.budgets).map(scope).collect();
            let lifted = state.published.usage_limit.iter().chain(&state.published.budgets).any(|l| !now.contains(&scope(l)));
            state.published = status.clone();
            lifted
        };
        if lifted {
            if let Err(e) = self.core.store().release_waiting_jobs().await {
                tracing::warn!(error = %e, "could not release the jobs waiting for a limit");
            }
        }
        self.core.events().publish(NewEvent::new(EventType::LimitsUpdated, json!(status))).await;
        self.changed.send_modify(|n| *n += 1);
    }

    /// Ask app-server for the rate limits now (best effort: an account without them answers an error).
    async fn reread_rate_limits(&self) {
        let Some(conn) = self.core.app_server().connection() else { return };
        match conn.request("account/rateLimits/read", json!({})).await {
            Ok(answer) => {
                if let Some(snapshot) = answer.get("rateLimits") {
                    let mut state = self.state.lock().expect("limits poisoned");
                    state.rate_limits = Some(snapshot.clone());
                    if let Some((window, Some(resets_at))) = exhausted_window(snapshot).filter(|(_, r)| r.is_some_and(|r| r > now_ms())) {
                        let reason = format!("Codex's usage limit is reached (the {window} window is at 100 %)");
                        state.account = Some(Hold::new(LimitKind::UsageLimit, reason, Some(resets_at), None));
                    }
                }
            }
            Err(e) => tracing::debug!(error = %e, "account/rateLimits/read answered an error"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exhausted_window_names_its_reset() {
        let snap = json!({"primary": {"usedPercent": 100, "windowDurationMins": 300, "resetsAt": 1_900_000_000}, "secondary": {"usedPercent": 20}});
        assert_eq!(exhausted_window(&snap), Some(("5 h".to_string(), Some(1_900_000_000_000))));
        assert_eq!(exhausted_window(&json!({"primary": {"usedPercent": 99}})), None);
        assert_eq!(exhausted_window(&json!({"primary": null})), None);
    }

    #[test]
    fn credits_left_carry_an_account_past_an_exhausted_window_and_none_left_hold_it() {
        let at_100 = |credits: Value| json!({"primary": {"usedPercent": 100, "resetsAt": 1_900_000_000}, "credits": credits});
        let held = Some(("primary".to_string(), Some(1_900_000_000_000)));
        assert_eq!(exhausted_window(&at_100(json!({"hasCredits": true, "unlimited": false, "balance": "12.5"}))), None);
        assert_eq!(exhausted_window(&at_100(json!({"hasCredits": false, "unlimited": true, "balance": null}))), None);
        assert_eq!(exhausted_window(&at_100(json!({"hasCredits": true, "unlimited": false, "balance": null}))), None, "some, amount unnamed");
        assert_eq!(exhausted_window(&at_100(json!({"hasCredits": false, "unlimited": false, "balance": "0"}))), held);
        assert_eq!(exhausted_window(&at_100(json!({"hasCredits": true, "unlimited": false, "balance": "0"}))), held, "balance 0");
        assert_eq!(exhausted_window(&at_100(json!({"hasCredits": false, "unlimited": false}))), held);
        assert_eq!(exhausted_window(&at_100(Value::Null)), held, "no credits block: the window decides");
        // Credits alone hold nothing while no window is exhausted.
        assert_eq!(exhausted_window(&json!({"primary": {"usedPercent": 40}, "credits": {"hasCredits": false, "balance": "0"}})), None);
    }

    #[test]
    fn a_sparse_update_keeps_what_it_does_not_name() {
        let mut snap = json!({"planType": "plus", "primary": {"usedPercent": 40, "resetsAt": 5}});
        merge(&mut snap, &json!({"planType": null, "primary": {"usedPercent": 100}}));
        assert_eq!(snap, json!({"planType": "plus", "primary": {"usedPercent": 100, "resetsAt": 5}}));
    }

    #[test]
    fn days_are_utc() {
        assert_eq!(utc_day(0), "1970-01-01");
        assert_eq!(next_day_ms(DAY_MS - 1), DAY_MS);
        assert_eq!(next_day_ms(DAY_MS), 2 * DAY_MS);
    }
}
