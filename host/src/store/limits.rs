//! Token usage per turn and the daily token budgets (migration 0009).

use sqlx::Row;

use super::{now_ms, Store, StoreError, StoreResult};

/// Token counts, in app-server's breakdown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tokens {
    pub input: i64,
    pub cached_input: i64,
    pub output: i64,
    pub reasoning: i64,
    pub total: i64,
}

impl Tokens {
    fn minus(self, o: Tokens) -> Tokens {
        Tokens {
            input: (self.input - o.input).max(0),
            cached_input: (self.cached_input - o.cached_input).max(0),
            output: (self.output - o.output).max(0),
            reasoning: (self.reasoning - o.reasoning).max(0),
            total: (self.total - o.total).max(0),
        }
    }
}

/// Which turns a usage sum covers.
#[derive(Debug, Clone, Default)]
pub struct UsageFilter {
    pub session_id: Option<String>,
    pub project_id: Option<String>,
    /// Inclusive UTC days `YYYY-MM-DD`.
    pub from_day: String,
    pub to_day: String,
}

/// One day's sum.
#[derive(Debug, Clone)]
pub struct DayUsageRow {
    pub day: String,
    pub turns: i64,
    pub tokens: Tokens,
}

fn sums(r: &super::Row) -> StoreResult<Tokens> {
    Ok(Tokens {
        input: r.try_get::<Option<i64>, _>("input")?.unwrap_or(0),
        cached_input: r.try_get::<Option<i64>, _>("cached_input")?.unwrap_or(0),
        output: r.try_get::<Option<i64>, _>("output")?.unwrap_or(0),
        reasoning: r.try_get::<Option<i64>, _>("reasoning")?.unwrap_or(0),
        total: r.try_get::<Option<i64>, _>("total")?.unwrap_or(0),
    })
}

impl Store {
    /// Record a `thread/tokenUsage/updated`: `total` is the thread's running total, `last` the response's own. The
    /// turn's first notice fixes its base (`total - last`); every later one sets the turn to `total - base`.
    pub async fn record_token_usage(
        &self,
        turn_id: &str,
        session_id: &str,
        project_id: Option<&str>,
        day: &str,
        total: Tokens,
        last: Tokens,
    ) -> StoreResult<Tokens> {
        let base = total.minus(last);
        let mut tx = self.begin_write().await?;
        let existing = sqlx::query("SELECT base_input, base_cached, base_output, base_reasoning, base_total FROM token_usage WHERE turn_id = $1")
            .bind(turn_id)
            .fetch_optional(&mut *tx)
            .await?;
        let base = match existing {
            Some(r) => Tokens {
                input: r.try_get("base_input")?,
                cached_input: r.try_get("base_cached")?,
                output: r.try_get("base_output")?,
                reasoning: r.try_get("base_reasoning")?,
                total: r.try_get("base_total")?,
            },
            None => base,
        };
        let used = total.minus(base);
        sqlx::query(
            "INSERT INTO token_usage (turn_id, session_id, project_id, day, input, cached_input, output, reasoning, total, \
             base_input, base_cached, base_output, base_reasoning, base_total, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (turn_id) DO UPDATE SET input = excluded.input, cached_input = excluded.cached_input, \
             output = excluded.output, reasoning = excluded.reasoning, total = excluded.total, updated_at = excluded.updated_at",
        )
        .bind(turn_id)
        .bind(session_id)
        .bind(project_id)
        .bind(day)
        .bind(used.input)
        .bind(used.cached_input)
        .bind(used.output)
        .bind(used.reasoning)
        .bind(used.total)
        .bind(base.input)
        .bind(base.cached_input)
        .bind(base.output)
        .bind(base.reasoning)
        .bind(base.total)
        .bind(now_ms())
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_write)?;
        tx.commit().await?;
        Ok(used)
    }

    /// A turn's tokens, when app-server reported any.
    pub async fn turn_tokens(&self, turn_id: &str) -> StoreResult<Option<Tokens>> {
        let row = sqlx::query("SELECT input, cached_input, output, reasoning, total FROM token_usage WHERE turn_id = $1")
            .bind(turn_id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(sums).transpose()
    }

    /// Sums per day (oldest first) of the turns the filter covers.
    pub async fn usage_by_day(&self, f: &UsageFilter) -> StoreResult<Vec<DayUsageRow>> {
        let rows = sqlx::query(
            "SELECT day, COUNT(*) AS turns, CAST(SUM(input) AS BIGINT) AS input, CAST(SUM(cached_input) AS BIGINT) AS cached_input, \
             CAST(SUM(output) AS BIGINT) AS output, CAST(SUM(reasoning) AS BIGINT) AS reasoning, CAST(SUM(total) AS BIGINT) AS total \
             FROM token_usage \
             WHERE day >= $1 AND day <= $2 AND ($3 IS NULL OR session_id = $3) AND ($4 IS NULL OR project_id = $4) \
             GROUP BY day ORDER BY day",
        )
        .bind(&f.from_day)
        .bind(&f.to_day)
        .bind(&f.session_id)
        .bind(&f.project_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok(DayUsageRow { day: r.try_get("day")?, turns: r.try_get("turns")?, tokens: sums(r)? })).collect()
    }

    /// Tokens spent on `day`: host-wide (`None`) or in one project.
    pub async fn tokens_spent(&self, day: &str, project_id: Option<&str>) -> StoreResult<i64> {
        let n: Option<i64> = sqlx::query_scalar("SELECT CAST(SUM(total) AS BIGINT) FROM token_usage WHERE day = $1 AND ($2 IS NULL OR project_id = $2)")
            .bind(day)
            .bind(project_id)
            .fetch_one(self.pool())
            .await?;
        Ok(n.unwrap_or(0))
    }

    /// Every budget: (scope, daily tokens); scope `host` or a project id.
    pub async fn budgets(&self) -> StoreResult<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT scope, daily_tokens FROM budgets ORDER BY scope").fetch_all(self.pool()).await?;
        rows.iter().map(|r| Ok((r.try_get("scope")?, r.try_get("daily_tokens")?))).collect()
    }

    /// Replace every budget at once.
    pub async fn set_budgets(&self, budgets: &[(String, i64)]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM budgets").execute(&mut *tx).await?;
        let now = now_ms();
        for (scope, tokens) in budgets {
            sqlx::query("INSERT INTO budgets (scope, daily_tokens, updated_at) VALUES ($1, $2, $3)")
                .bind(scope)
                .bind(tokens)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
        }
        tx.commit().await?;
        Ok(())
    }
}
