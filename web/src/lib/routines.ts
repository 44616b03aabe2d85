// Routines in the UI: the form's fields as the API's create/update body, and how runs read. Every state shown
// (next run, a run's status, its turn) is the host's; nothing here recomputes it.
import type { Routine, RoutineRun } from "../api/types";

export type TargetKind = "session" | "project";
/** What each run does: send a prompt, or enqueue a plugin's job with a payload. */
export type RoutineAction = "prompt" | "job";

export interface RoutineForm {
  name: string;
  action: RoutineAction;
  prompt: string;
  jobKind: string;
  /** The job's payload as typed (JSON). */
  payload: string;
  targetKind: TargetKind;
  sessionId: string;
  projectId: string;
  schedule: string;
  catchUp: "once" | "skip";
}

export const EMPTY_FORM: RoutineForm = { name: "", action: "prompt", prompt: "", jobKind: "", payload: "{}", targetKind: "session", sessionId: "", projectId: "", schedule: "", catchUp: "once" };

export function formOf(r: Routine): RoutineForm {
  return {
    name: r.name,
    action: r.jobKind ? "job" : "prompt",
    prompt: r.prompt ?? "",
    jobKind: r.jobKind ?? "",
    payload: r.payload != null ? JSON.stringify(r.payload, null, 2) : "{}",
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
  if (f.action === "prompt" && !f.prompt.trim()) return "Write the prompt it sends.";
  if (f.action === "job") {
    if (!f.jobKind) return "Choose the job kind it enqueues.";
    const bad = payloadProblem(f.payload);
    if (bad) return bad;
  }
  if (f.targetKind === "session" && !f.sessionId) return "Choose the chat it sends to.";
  if (f.targetKind === "project" && !f.projectId) return "Choose the project it starts a chat in.";
  return null;
}

/** What is wrong with a typed job payload, in words; null when it is a JSON object. */
export function payloadProblem(text: string): string | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return `The payload is not valid JSON: ${(e as Error).message}`;
  }
  return typeof v === "object" && v !== null && !Array.isArray(v) ? null : "The payload must be a JSON object ({…}).";
}

/** The create body, or (with `before`) the update body: only what changed, `null` to clear the schedule. */
export function routineBody(f: RoutineForm, before?: Routine): Record<string, unknown> {
  const target = f.targetKind === "session" ? { sessionId: f.sessionId, projectId: null } : { projectId: f.projectId, sessionId: null };
  const schedule = f.schedule.trim() || null;
  const what = f.action === "prompt" ? { prompt: f.prompt } : { jobKind: f.jobKind, payload: JSON.parse(f.payload) as unknown };
  if (!before) {
    const body: Record<string, unknown> = { name: f.name.trim(), ...what, catchUp: f.catchUp, ...target };
    if (schedule) body.schedule = schedule;
    if (f.targetKind === "session") delete body.projectId;
    else delete body.sessionId;
    return body;
  }
  const body: Record<string, unknown> = {};
  if (f.name.trim() !== before.name) body.name = f.name.trim();
  if (f.action === "prompt") {
    if (f.prompt !== (before.prompt ?? "")) body.prompt = f.prompt;
    if (before.jobKind) Object.assign(body, { jobKind: null, payload: null });
  } else {
    if (f.jobKind !== (before.jobKind ?? "")) body.jobKind = f.jobKind;
    if (JSON.stringify(what.payload) !== JSON.stringify(before.payload ?? {}) || !before.jobKind) body.payload = what.payload;
    if (before.prompt != null) body.prompt = null;
  }
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
