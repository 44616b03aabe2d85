// The usage panel: the chat's token usage (the session's total and each turn's, from `session.token_usage`
// events) and the account's rate limits (`GET /api/account/rate-limits`, app-server's answer as it is).
import { useEffect, useState } from "react";
import { call, errorText } from "../api/client";
import type { RateLimits, RateLimitSnapshot, RateLimitWindow, TokenBreakdown } from "../api/types";
import type { TurnView } from "../lib/transcript";
import { formatTokens, type UsageState } from "../lib/usage";
import { BudgetsView } from "./Limits";
import { ErrorLine, Modal } from "./ui";

function Breakdown({ b }: { b: TokenBreakdown }) {
  return (
    <>
      <td>{formatTokens(b.totalTokens)}</td>
      <td>{formatTokens(b.inputTokens)}</td>
      <td>{formatTokens(b.cachedInputTokens)}</td>
      <td>{formatTokens(b.outputTokens)}</td>
      <td>{formatTokens(b.reasoningOutputTokens)}</td>
    </>
  );
}

function windowText(w: RateLimitWindow): string {
  const mins = w.windowDurationMins;
  const span = mins ? (mins >= 1440 ? `${Math.round(mins / 1440)}-day` : mins >= 60 ? `${Math.round(mins / 60)}-hour` : `${mins}-minute`) : "";
  const resets = w.resetsAt ? `, resets ${new Date(w.resetsAt * 1000).toLocaleString()}` : "";
  return `${w.usedPercent}% of the ${span ? span + " " : ""}limit used${resets}`;
}

function Snapshot({ name, s }: { name: string; s: RateLimitSnapshot }) {
  const windows = [s.primary, s.secondary].filter((w): w is RateLimitWindow => Boolean(w));
  return (
    <div className="rate-limit" data-limit={name}>
      <h4>{s.limitName ?? name}</h4>
      {windows.length === 0 && <p className="muted">No limit reported.</p>}
      {windows.map((w, i) => (
        <div key={i}>
          <div className="meter" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={w.usedPercent} aria-label={windowText(w)}>
            <span style={{ width: `${Math.min(100, Math.max(0, w.usedPercent))}%` }} />
          </div>
          <p className="small">{windowText(w)}</p>
        </div>
      ))}
      {s.credits && <p className="small muted">Credits: {s.credits.unlimited ? "unlimited" : (s.credits.balance ?? (s.credits.hasCredits ? "yes" : "none"))}</p>}
    </div>
  );
}

export function RateLimitsView() {
  const [data, setData] = useState<RateLimits | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call<RateLimits>("account.rate_limits")
      .then(setData)
      .catch((e) => setError(errorText(e)));
  }, []);
  const byId = data?.rateLimitsByLimitId ?? null;
  const snapshots: [string, RateLimitSnapshot][] = byId && Object.keys(byId).length ? Object.entries(byId) : data?.rateLimits ? [["codex", data.rateLimits]] : [];
  return (
    <section aria-label="Rate limits" className="rate-limits">
      <h3>Rate limits</h3>
      {error && <ErrorLine error={`Rate limits are not available: ${error}`} />}
      {!error && !data && <p className="muted">Reading…</p>}
      {data && snapshots.length === 0 && <p className="muted">The account reports no rate limits.</p>}
      {snapshots.map(([name, s]) => (
        <Snapshot key={name} name={name} s={s} />
      ))}
    </section>
  );
}

export function UsageDialog({ open, onClose, usage, turns, sessionId }: { open: boolean; onClose: () => void; usage: UsageState; turns: TurnView[]; sessionId?: string }) {
  const session = usage.session;
  const rows = turns.map((t, i) => ({ t, i, b: usage.byTurn.get(t.id) })).filter((r) => r.b);
  return (
    <Modal title="Usage" open={open} onClose={onClose} wide>
      <section aria-label="Token usage">
        <h3>Tokens in this chat</h3>
        {!session ? (
          <p className="muted">No token usage reported yet.</p>
        ) : (
          <p data-testid="session-tokens">
            <strong>{formatTokens(session.total.totalTokens)}</strong> tokens in total ({formatTokens(session.total.inputTokens)} input, of which{" "}
            {formatTokens(session.total.cachedInputTokens)} cached; {formatTokens(session.total.outputTokens)} output, of which {formatTokens(session.total.reasoningOutputTokens)} reasoning)
            {session.modelContextWindow ? `; context window ${formatTokens(session.modelContextWindow)}` : ""}.
          </p>
        )}
        {rows.length > 0 && (
          <div className="table-wrap">
            <table className="usage-table">
              <thead>
                <tr>
                  <th>Turn</th>
                  <th>Total</th>
                  <th>Input</th>
                  <th>Cached</th>
                  <th>Output</th>
                  <th>Reasoning</th>
                </tr>
              </thead>
              <tbody>
                {rows.map(({ t, i, b }) => (
                  <tr key={t.id} data-turn-id={t.id}>
                    <td>Turn {i + 1}</td>
                    <Breakdown b={b!} />
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {open && <RateLimitsView />}
      {open && <BudgetsView sessionId={sessionId} />}
    </Modal>
  );
}
