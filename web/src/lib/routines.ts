// Routines in the UI: the form's fields as the API's create/update body, and how runs read. Every state shown
// (next run, a run's status, its turn) is the host's; nothing here recomputes it.
import type { Routine, RoutineRun } from "../api/types";

export type TargetKind = "session" | "project";

export interface RoutineForm {
  name: string;
  prompt: string;
  targetKind: TargetKind;
  sessionId: string;
  projectId: string;
  schedule: string;
  catchUp: "once" | "skip";
}

export const EMPTY_FORM: RoutineForm = { name: "", prompt: "", targetKind: "session", sessionId: "", projectId: "", schedule: "", catchUp: "once" };

export function formOf(r: Routine): RoutineForm {
  return {
    name: r.name,
    prompt: r.prompt ?? "",
    targetKind: r.projectId ? "project" : "session",
    sessionId: r.sessionId ?? "",
    projectId: r.projectId ?? "",
    schedule: r.schedule ?? "",
    catchUp: r.catchUp,
  };
}

/** What the form says is missing, or null when it can be sent (the host checks everything again). */
export function formProblem(f: RoutineForm): string | null {
  if (!f.name.trim()) return "Give it a name.";
  if (!f.prompt.trim()) return "Write the prompt it sends.";
  if (f.targetKind === "session" && !f.sessionId) return "Choose the chat it sends to.";
  if (f.targetKind === "project" && !f.projectId) return "Choose the project it starts a chat in.";
  return null;
}

/** The create body, or (with `before`) the update body: only what changed, `null` to clear the schedule. */
export function routineBody(f: RoutineForm, before?: Routine): Record<string, unknown> {
  const target = f.targetKind === "session" ? { sessionId: f.sessionId, projectId: null } : { projectId: f.projectId, sessionId: null };
  const schedule = f.schedule.trim() || null;
  if (!before) {
    const body: Record<string, unknown> = { name: f.name.trim(), prompt: f.prompt, catchUp: f.catchUp, ...target };
    if (schedule) body.schedule = schedule;
    if (f.targetKind === "session") delete body.projectId;
    else delete body.sessionId;
    return body;
  }
  const body: Record<string, unknown> = {};
  if (f.name.trim() !== before.name) body.name = f.name.trim();
  if (f.prompt !== (before.prompt ?? "")) body.prompt = f.prompt;
  if (schedule !== (before.schedule ?? null)) body.schedule = schedule;
  if (f.catchUp !== before.catchUp) body.catchUp = f.catchUp;
  if ((target.sessionId ?? null) !== (before.sessionId ?? null) || (target.projectId ?? null) !== (before.projectId ?? null)) Object.assign(body, target);
  return body;
}

const STATUS_TEXT: Record<RoutineRun["status"], string> = {
  queued: "queued",
  running: "starting",
  followup_queued: "waiting: the chat was busy",
  turn_in_progress: "running",
  completed: "completed",
  failed: "failed",
  interrupted: "interrupted",
  canceled: "canceled",
};

export function runStatusText(run: RoutineRun): string {
  if (run.status === "queued" && run.waiting) return run.waiting.kind === "budget" ? "waiting: budget spent" : "waiting: usage limit";
  return STATUS_TEXT[run.status] ?? run.status;
}

/** The scheduled times folded into a run while it waited for a limit, in words; null when none were. */
export function skippedText(run: RoutineRun): string | null {
  const n = run.skippedTicks ?? 0;
  if (n <= 0) return null;
  const last = run.lastSkippedFor ? `, the latest ${new Date(run.lastSkippedFor).toLocaleString()}` : "";
  return `${n} later scheduled time${n === 1 ? "" : "s"} folded into this run while it waited${last}`;
}

const TRIGGER_TEXT: Record<RoutineRun["trigger"], string> = {
  schedule: "schedule",
  catch_up: "catch-up",
  webhook: "webhook",
  manual: "run now",
};

export function triggerText(run: RoutineRun): string {
  return TRIGGER_TEXT[run.trigger] ?? run.trigger;
}

/** True while a run may still change (the runs list re-reads on job and turn events then). */
export function runOpen(run: RoutineRun): boolean {
  return run.status === "queued" || run.status === "running" || run.status === "followup_queued" || run.status === "turn_in_progress";
}

/** The webhook's full URL on this host. */
export function webhookUrl(r: Routine, origin: string): string {
  return `${origin}${r.webhookPath}`;
}
