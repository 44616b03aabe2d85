// A chat's follow-up queue as the page shows it: the waiting follow-ups, in the order they start, read once from
// `GET …/followups` and kept current by the `followup.*` events. Whether the queue is paused (and why) is the
// session's own view (`Session.followups`), never worked out here.
import type { Envelope, Followup, FollowupQueue, PauseReason } from "../api/types";
import { resetText } from "./limits";

const OPEN = new Set(["queued", "starting"]);

/** The waiting follow-ups after one event (a new list; unchanged when the event is not about them). */
export function applyFollowupEvent(list: Followup[], ev: Envelope): Followup[] {
  const t = ev.type;
  if (!t.startsWith("followup.")) return list;
  if (t === "followup.reordered") {
    // The named ones take the positions they held, in the new order (as the host does); one already starting
    // keeps its place ahead of them.
    const order: string[] = ev.data?.ids ?? [];
    const positions = list.filter((f) => order.includes(f.id)).map((f) => f.position).sort((a, b) => a - b);
    const renumbered = list.map((f) => (order.includes(f.id) ? { ...f, position: positions[order.indexOf(f.id)] ?? f.position } : f));
    return renumbered.sort((a, b) => a.position - b.position);
  }
  const f = ev.data as Followup | undefined;
  if (!f?.id) return list;
  const rest = list.filter((x) => x.id !== f.id);
  if (!OPEN.has(f.status)) return rest;
  const known = list.some((x) => x.id === f.id);
  const next = known ? list.map((x) => (x.id === f.id ? f : x)) : [...rest, f];
  return next.sort((a, b) => a.position - b.position);
}

/** The queued ids with `id` moved by `by` places (the body of a reorder); null when it cannot move. */
export function moved(list: Followup[], id: string, by: number): string[] | null {
  const ids = list.filter((f) => f.status === "queued").map((f) => f.id);
  const from = ids.indexOf(id);
  const to = from + by;
  if (from < 0 || to < 0 || to >= ids.length) return null;
  ids.splice(from, 1);
  ids.splice(to, 0, id);
  return ids;
}

const REASONS: Record<string, string> = {
  user: "you paused it",
  approval: "the turn asked for an approval",
  turn_failed: "the last turn failed",
  interrupted: "the last turn was interrupted",
  start_failed: "a follow-up could not start",
  usage_limit: "Codex's usage limit is reached",
  budget: "a daily token budget is spent",
};

/** Why the queue waits, in words (a reason this page does not know yet is shown as the host names it). */
export function pauseText(q: Pick<FollowupQueue, "reason" | "message" | "limit">): string {
  const reason = (q.reason ?? "") as PauseReason | "";
  const why = REASONS[reason] ?? (reason ? reason.replace(/_/g, " ") : "paused");
  // A limit's reason already says what it is; its reset says when the queue goes on by itself.
  const text = q.limit ? q.limit.reason : q.message ? `${why}: ${q.message}` : why;
  const reset = q.limit?.resetsAt ? resetText(q.limit) : null;
  return reset ? `${text} — resumes by itself at ${reset}` : text;
}
