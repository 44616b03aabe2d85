//! Token usage (recorded per turn from `thread/tokenUsage/updated`) and the daily budgets.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::{next_day_ms, utc_day, Limits};
use crate::services::error::{ServiceError, ServiceResult};
use crate::services::index::SessionRef;
use crate::store::{now_ms, Tokens, UsageFilter};

/// Most days one usage report covers.
pub const MAX_USAGE_DAYS: i64 = 366;

/// Token counts, in app-server's breakdown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenCounts {
    pub input: i64,
    pub cached_input: i64,
    pub output: i64,
    pub reasoning: i64,
    pub total: i64,
}

impl From<Tokens> for TokenCounts {
    fn from(t: Tokens) -> Self {
        Self { input: t.input, cached_input: t.cached_input, output: t.output, reasoning: t.reasoning, total: t.total }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DayUsage {
    /// A UTC day, `YYYY-MM-DD`.
    pub day: String,
    /// Turns that used tokens that day.
    pub turns: i64,
    pub tokens: TokenCounts,
}

/// Tokens used by the turns a query covers, per UTC day and in all.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageReport {
    pub session_id: Option<String>,
    pub project_id: Option<String>,
    pub from: String,
    pub to: String,
    pub turns: i64,
    pub tokens: TokenCounts,
    /// Days with usage, oldest first.
    pub days: Vec<DayUsage>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// Only this session's turns.
    pub session_id: Option<String>,
    /// Only this project's turns.
    pub project_id: Option<String>,
    /// First UTC day (`YYYY-MM-DD`, default today).
    pub from: Option<String>,
    /// Last UTC day (`YYYY-MM-DD`, default `from`).
    pub to: Option<String>,
}

/// A daily token budget and what today spent of it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Budget {
    /// The project it covers; absent: the host-wide budget (every turn counts).
    #[serde(default)]
    pub project_id: Option<String>,
    /// Tokens per UTC day; once today's turns used this many, automated turns there wait for the next day.
    pub daily_tokens: i64,
    /// Tokens used today (answers only).
    #[serde(default)]
    pub spent_today: Option<i64>,
}

/// Every budget. `PUT` replaces them all (an empty list removes every budget).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Budgets {
    pub budgets: Vec<Budget>,
    /// When today's spending starts again (the next UTC midnight; answers only).
    #[serde(default)]
    pub renews_at: Option<String>,
}

fn valid_day(day: &str) -> bool {
    let b = day.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-' && day.chars().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn tokens_of(v: Option<&Value>) -> Tokens {
    let n = |k: &str| v.and_then(|v| v.get(k)).and_then(Value::as_i64).unwrap_or(0);
    Tokens { input: n("inputTokens"), cached_input: n("cachedInputTokens"), output: n("outputTokens"), reasoning: n("reasoningOutputTokens"), total: n("totalTokens") }
}

impl Limits {
    /// app-server's `thread/tokenUsage/updated` for a session's turn.
    pub(crate) async fn on_token_usage(&self, session: &SessionRef, params: &Value) {
        let Some(turn_id) = params.get("turnId").and_then(Value::as_str) else { return };
        let Some(usage) = params.get("tokenUsage") else { return };
        let (total, last) = (tokens_of(usage.get("total")), tokens_of(usage.get("last")));
        let day = match self.core.store().get_turn(turn_id).await {
            Ok(turn) => utc_day(turn.started_at),
            Err(_) => utc_day(now_ms()),
        };
        let project = session.project_id.as_deref();
        if let Err(e) = self.core.store().record_token_usage(turn_id, &session.session_id, project, &day, total, last).await {
            tracing::warn!(error = %e, turn = turn_id, "could not record a turn's token usage");
            return;
        }
        self.budgets_changed();
    }

    pub async fn usage(&self, q: UsageQuery) -> ServiceResult<UsageReport> {
        let today = utc_day(now_ms());
        let from = q.from.clone().unwrap_or_else(|| today.clone());
        let to = q.to.clone().unwrap_or_else(|| from.clone());
        if !valid_day(&from) || !valid_day(&to) {
            return Err(ServiceError::invalid("`from` and `to` are UTC days, `YYYY-MM-DD`"));
        }
        if from > to {
            return Err(ServiceError::invalid("`from` must not be after `to`"));
        }
        if let Some(s) = &q.session_id {
            self.core.session_row(s).await?;
        }
        let filter = UsageFilter { session_id: q.session_id.clone(), project_id: q.project_id.clone(), from_day: from.clone(), to_day: to.clone() };
        let rows = self.core.store().usage_by_day(&filter).await?;
        let mut tokens = TokenCounts::default();
        let mut turns = 0;
        let days: Vec<DayUsage> = rows
            .into_iter()
            .map(|r| {
                turns += r.turns;
                let t = TokenCounts::from(r.tokens);
                tokens.input += t.input;
                tokens.cached_input += t.cached_input;
                tokens.output += t.output;
                tokens.reasoning += t.reasoning;
                tokens.total += t.total;
                DayUsage { day: r.day, turns: r.turns, tokens: t }
            })
            .collect();
        if days.len() as i64 > MAX_USAGE_DAYS {
            return Err(ServiceError::invalid(format!("a report covers at most {MAX_USAGE_DAYS} days")));
        }
        Ok(UsageReport { session_id: q.session_id, project_id: q.project_id, from, to, turns, tokens, days })
    }

    pub async fn budgets(&self) -> ServiceResult<Budgets> {
        let day = utc_day(now_ms());
        let mut budgets = Vec::new();
        for (scope, daily) in self.core.store().budgets().await? {
            let project_id = (scope != "host").then_some(scope);
            let spent = self.core.store().tokens_spent(&day, project_id.as_deref()).await?;
            budgets.push(Budget { project_id, daily_tokens: daily, spent_today: Some(spent) });
        }
        Ok(Budgets { budgets, renews_at: Some(crate::events::envelope_ts(next_day_ms(now_ms()))) })
    }

    pub async fn set_budgets(&self, req: Budgets) -> ServiceResult<Budgets> {
        let mut rows: Vec<(String, i64)> = Vec::new();
        for b in &req.budgets {
            if b.daily_tokens < 0 {
                return Err(ServiceError::invalid("`dailyTokens` must be 0 or more"));
            }
            let scope = match &b.project_id {
                Some(p) => {
                    self.core.store().get_project(p).await.map_err(|_| ServiceError::invalid(format!("no project `{p}`")))?;
                    p.clone()
                }
                None => "host".to_string(),
            };
            if rows.iter().any(|(s, _)| *s == scope) {
                return Err(ServiceError::invalid(format!("two budgets for `{scope}`: give one per project and one host-wide")));
            }
            rows.push((scope, b.daily_tokens));
        }
        self.core.store().set_budgets(&rows).await?;
        self.budgets_changed();
        self.budgets().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_checked() {
        assert!(valid_day("2026-12-05"));
        assert!(!valid_day("2026-12-5"));
        assert!(!valid_day("20261205xx"));
    }
}
