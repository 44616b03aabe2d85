// What holds automated turns back (Codex's usage limit, spent daily budgets), as the host says in readiness's
// `limits` block and its `limits.updated` events: never worked out here.
import type { LimitsStatus, UsageLimit } from "../api/generated";

/** Every hold in force: the usage limit first, then spent budgets. */
export function holds(limits: LimitsStatus | null | undefined): UsageLimit[] {
  if (!limits) return [];
  return [...(limits.usageLimit ? [limits.usageLimit] : []), ...(limits.budgets ?? [])];
}

/** When a hold lifts, in the reader's time; null when the host named no reset. */
export function resetText(l: Pick<UsageLimit, "resetsAt">, now = Date.now()): string | null {
  if (!l.resetsAt) return null;
  const at = new Date(l.resetsAt);
  const mins = Math.max(0, Math.round((at.getTime() - now) / 60000));
  const inText = mins < 1 ? "in less than a minute" : mins < 120 ? `in ${mins} min` : `in ${Math.round(mins / 60)} h`;
  return `${at.toLocaleString()} (${inText})`;
}

/** One banner line: what waits, why, and until when. */
export function holdText(l: UsageLimit, now = Date.now()): string {
  const what = l.kind === "budget" ? "Budget spent" : "Usage limit reached";
  const reset = resetText(l, now);
  return `${what}: automated turns (follow-ups, jobs, routines) wait. ${l.reason}${reset ? `. Resumes by itself at ${reset}.` : ""}`;
}

/** What one piece of automated work (a job, a routine run) waits for, and until when: the host's `waiting`. */
export function waitText(l: UsageLimit, now = Date.now()): string {
  const what = l.kind === "budget" ? "budget spent" : "usage limit reached";
  const reset = resetText(l, now);
  return `waiting (${what}): ${l.reason}${reset ? `. Resumes by itself at ${reset}.` : ""}`;
}
