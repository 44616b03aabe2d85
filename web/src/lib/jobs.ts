// Job state from the API's answers and the `job.*` events: one rule to merge two views of the same job (the newer
// wins; at the same instant a final state beats a live one), a job list kept current by events under a filter, and
// plain words for every state.
import type { Envelope, Job, JobState } from "../api/types";
import { waitText } from "./limits";

export const FINAL_STATES: JobState[] = ["succeeded", "failed", "canceled"];

export function isFinal(state: JobState | string | undefined | null): boolean {
  return FINAL_STATES.includes(state as JobState);
}

/** The job carried by a `job.*` event, or null for any other event. */
export function jobFromEvent(ev: Envelope): Job | null {
  if (!ev.type.startsWith("job.") || !ev.data || typeof ev.data.id !== "string") return null;
  return ev.data as Job;
}

function time(iso: string | null | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? t : -Infinity;
}

/** Two views of one job (an answer and an event, in any order): the one updated later wins; on a tie a final state
 * wins over a live one (a `job.succeeded` and a stale `queued` answer from the same millisecond), else the one
 * already held stays. History, only on
 * some answers, is kept from whichever has it. */
export function mergeJob(a: Job | undefined | null, b: Job): Job {
  if (!a || a.id !== b.id) return b;
  const ta = time(a.updatedAt);
  const tb = time(b.updatedAt);
  let newer: Job;
  if (tb > ta) newer = b;
  else if (ta > tb) newer = a;
  else newer = isFinal(b.state) && !isFinal(a.state) ? b : a;
  if (newer.history) return newer;
  const history = newer === a ? b.history : a.history;
  return history ? { ...newer, history } : newer;
}

export interface JobFilter {
  state?: string;
  kind?: string;
  sessionId?: string;
}

export function matchesFilter(job: Job, f: JobFilter): boolean {
  return (!f.state || job.state === f.state) && (!f.kind || job.kind === f.kind) && (!f.sessionId || job.sessionId === f.sessionId);
}

/** Newest first, as `GET /api/jobs` lists them (ids are UUIDv7: creation order). */
function newestFirst(a: Job, b: Job): number {
  return b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);
}

/** Apply one job (from an event or an action's answer) to a listed page under a filter: update it in place, add a
 * new match, drop one that no longer matches (a `queued` filter and a job that started). Returns the same array when
 * nothing changed. */
export function applyJob(list: Job[], job: Job, filter: JobFilter): Job[] {
  const i = list.findIndex((j) => j.id === job.id);
  const merged = mergeJob(i >= 0 ? list[i] : null, job);
  if (i >= 0 && merged === list[i]) return list;
  const keep = matchesFilter(merged, filter);
  if (i >= 0) {
    if (!keep) return list.filter((j) => j.id !== job.id);
    const next = [...list];
    next[i] = merged;
    return next;
  }
  if (!keep) return list;
  return [...list, merged].sort(newestFirst);
}

/** A job's state in plain words, with what it waits for. */
export function describeJob(job: Job, now = Date.now()): string {
  switch (job.state) {
    case "queued": {
      // A usage limit or a spent budget holds it: the host's reason and reset, not a countdown worked out here.
      if (job.waiting) return waitText(job.waiting, now);
      const due = time(job.runAfter);
      const wait = due > now ? ` — runs in ${Math.ceil((due - now) / 1000)} s` : "";
      const why = job.error ? ` (retrying after ${job.error.kind}: ${job.error.message})` : "";
      return `queued${wait}${why}`;
    }
    case "running":
      return `running (attempt ${job.attempt} of ${job.maxAttempts})${job.cancelRequested ? ", cancel requested" : ""}`;
    case "succeeded":
      return "succeeded";
    case "failed":
      return job.error ? `failed — ${job.error.kind}: ${job.error.message}` : "failed";
    case "canceled":
      return "canceled";
    default:
      return String(job.state);
  }
}

/** What the composer says while its suggestion job runs and once it ends. */
export function suggestionStatus(job: Job): { pending: boolean; text: string; error: boolean } {
  if (job.state === "queued") return { pending: true, text: job.error ? `Suggestion queued again (${job.error.message})…` : "Suggestion queued…", error: false };
  if (job.state === "running") return { pending: true, text: `Thinking of a next request… (attempt ${job.attempt} of ${job.maxAttempts})`, error: false };
  if (job.state === "canceled") return { pending: false, text: "The suggestion was canceled.", error: true };
  if (job.state === "failed") return { pending: false, text: `No suggestion: ${job.error?.message ?? "the job failed"}`, error: true };
  const r = (job.result ?? {}) as Record<string, unknown>;
  if (r.skipped === "disabled") return { pending: false, text: "Suggestions are off for this chat (turn them on under Automation).", error: true };
  if (r.skipped === "no-exchanges") return { pending: false, text: "Nothing to suggest yet: this chat has no finished exchange.", error: true };
  if (typeof r.skipped === "string") return { pending: false, text: `No suggestion (${r.skipped}).`, error: true };
  return { pending: false, text: "Suggestion ready.", error: false };
}
