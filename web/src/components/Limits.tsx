// The limits banner (under the connection banner): while Codex's usage limit or a daily budget holds automated turns
// back, what waits and when it resumes by itself; and the budgets with today's usage (in the Usage dialog).
import { useEffect, useState } from "react";
import { call, errorText } from "../api/client";
import type { Budgets, UsageReport } from "../api/generated";
import { holdText, holds } from "../lib/limits";
import { formatTokens } from "../lib/usage";
import { useStore } from "../lib/store";
import { ErrorLine } from "./ui";

export function LimitsBanner() {
  const s = useStore();
  const list = holds(s.ready?.limits);
  if (list.length === 0) return null;
  return (
    <div className="banner warn" role="status" data-limits={list.map((l) => l.kind).join(" ")}>
      {list.map((l, i) => (
        <div key={i} data-limit-kind={l.kind}>
          {holdText(l)}
        </div>
      ))}
    </div>
  );
}

/** The daily budgets and the tokens spent today (the session's, and the host's), read from the host. */
export function BudgetsView({ sessionId }: { sessionId?: string }) {
  const [budgets, setBudgets] = useState<Budgets | null>(null);
  const [usage, setUsage] = useState<UsageReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call<Budgets>("limits.get_budgets")
      .then(setBudgets)
      .catch((e) => setError(errorText(e)));
    call<UsageReport>("limits.usage", { query: sessionId ? { sessionId } : {} })
      .then(setUsage)
      .catch((e) => setError(errorText(e)));
  }, [sessionId]);
  return (
    <section aria-label="Budgets" className="budgets">
      <h3>Today and the budgets</h3>
      <ErrorLine error={error} />
      {usage && (
        <p data-testid="usage-today">
          {sessionId ? "This chat" : "All chats"} used <strong>{formatTokens(usage.tokens.total)}</strong> tokens today (UTC) in {usage.turns} turns.
        </p>
      )}
      {budgets && budgets.budgets.length === 0 && <p className="muted">No daily budget is set.</p>}
      {budgets && budgets.budgets.length > 0 && (
        <ul>
          {budgets.budgets.map((b) => {
            const spent = b.spentToday ?? 0;
            return (
              <li key={b.projectId ?? "host"} data-budget={b.projectId ?? "host"} data-spent={spent >= b.dailyTokens}>
                {b.projectId ? `Project ${b.projectId}` : "Host-wide"}: {formatTokens(spent)} of {formatTokens(b.dailyTokens)} tokens today
                {spent >= b.dailyTokens ? " — spent: automated turns wait for the next day" : ""}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
