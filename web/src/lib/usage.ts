// Token usage of the open chat, from app-server's `thread/tokenUsage/updated` notifications as the host logs them
// (`session.token_usage` events: `{threadId, turnId, tokenUsage: {total, last, modelContextWindow}}`, one after
// every model response). The session's usage is the newest event's `total`; a turn's is the sum of its events'
// `last` (one per model response of the turn). Events are counted once by `seq`, so a replayed overlap (the REST
// read and the stream) never counts twice.
import type { Envelope, TokenBreakdown, TokenUsage } from "../api/types";

export interface UsageState {
  /** The newest `tokenUsage` of the session (by seq). */
  session: TokenUsage | null;
  sessionSeq: number;
  byTurn: Map<string, TokenBreakdown>;
  seen: Set<number>;
  /** Bumped on every change, for memoized views. */
  version: number;
}

export const USAGE_EVENT = "session.token_usage";

export function emptyUsage(): UsageState {
  return { session: null, sessionSeq: -1, byTurn: new Map(), seen: new Set(), version: 0 };
}

const ZERO: TokenBreakdown = { totalTokens: 0, inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, reasoningOutputTokens: 0 };

function add(a: TokenBreakdown, b: Partial<TokenBreakdown> | undefined): TokenBreakdown {
  const n = (v: unknown) => (typeof v === "number" && isFinite(v) ? v : 0);
  return {
    totalTokens: a.totalTokens + n(b?.totalTokens),
    inputTokens: a.inputTokens + n(b?.inputTokens),
    cachedInputTokens: a.cachedInputTokens + n(b?.cachedInputTokens),
    outputTokens: a.outputTokens + n(b?.outputTokens),
    reasoningOutputTokens: a.reasoningOutputTokens + n(b?.reasoningOutputTokens),
  };
}

/** Apply one event; false when it is not a usage event or was counted already. */
export function applyUsageEvent(state: UsageState, ev: Envelope): boolean {
  if (ev.type !== USAGE_EVENT || state.seen.has(ev.seq)) return false;
  const usage = ev.data?.tokenUsage as TokenUsage | undefined;
  if (!usage?.total) return false;
  state.seen.add(ev.seq);
  if (ev.seq > state.sessionSeq) {
    state.session = usage;
    state.sessionSeq = ev.seq;
  }
  const turnId = (ev.data?.turnId as string | undefined) ?? ev.turnId ?? null;
  if (turnId) state.byTurn.set(turnId, add(state.byTurn.get(turnId) ?? ZERO, usage.last));
  state.version++;
  return true;
}

/** `12,345` or `12.3k` for a short label. */
export function formatTokens(n: number, short = false): string {
  if (short && n >= 10_000) return `${(n / 1000).toFixed(n >= 100_000 ? 0 : 1)}k`;
  return n.toLocaleString("en-US");
}
