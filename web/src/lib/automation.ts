// The session settings the shipped workflow plugins read (plugins/*/README.md), built and parsed exactly: the
// approval supervisor ignores a setting with an unknown field or a wrong type as a whole, so the UI writes only
// the documented fields with the documented types.
import type { PluginInfo } from "../api/types";

export const WORKFLOWS = {
  suggest: { plugin: "suggest-next-request", key: "suggest-next-request", defaultOn: true },
  review: { plugin: "turn-review", key: "turn-review", defaultOn: false },
  supervisor: { plugin: "approval-supervisor", key: "approval-supervisor", defaultOn: false },
} as const;

export type Workflow = keyof typeof WORKFLOWS;

/** `{"enabled": bool}` or a bare bool, as the plugins read it; anything else (or no setting) is the default. */
export function readToggle(value: unknown, defaultOn: boolean): boolean {
  if (typeof value === "boolean") return value;
  if (value && typeof value === "object" && typeof (value as any).enabled === "boolean") return (value as any).enabled;
  return defaultOn;
}

export function toggleSetting(enabled: boolean): { enabled: boolean } {
  return { enabled };
}

/** A rule: the glob, and what a match does; `steer` declines and sends `message` to the running turn. */
export interface Rule {
  command: string;
  decision: "accept" | "decline" | "steer";
  message?: string;
}

/** The judging mode's session overrides; "" leaves the plugin-wide setting in force. */
export type JudgeMode = "" | "rules" | "judge";
export type AcceptUpTo = "" | "none" | "low" | "medium";
export type DeclineAt = "" | "none" | "medium" | "high";

export interface SupervisorForm {
  enabled: boolean;
  rules: Rule[];
  fileChangesInWorkspace: boolean;
  otherwise: "ask" | "decline";
  graceMs: number;
  mode: JudgeMode;
  acceptUpTo: AcceptUpTo;
  declineAt: DeclineAt;
}

export const EMPTY_SUPERVISOR: SupervisorForm = {
  enabled: false,
  rules: [],
  fileChangesInWorkspace: false,
  otherwise: "ask",
  graceMs: 0,
  mode: "",
  acceptUpTo: "",
  declineAt: "",
};

const oneOf = <T extends string>(value: unknown, allowed: readonly T[]): T | "" => (allowed.includes(value as T) ? (value as T) : "");

/** One stored rule, in either of the plugin's spellings (`command`/`decision`, `pattern`/`action`), or null. */
function parseRule(r: any): Rule | null {
  if (!r || typeof r !== "object") return null;
  const command = typeof r.command === "string" ? r.command : typeof r.pattern === "string" ? r.pattern : null;
  const action = r.decision ?? r.action;
  if (command === null) return null;
  if (action === "accept" || action === "decline") return { command, decision: action };
  if (action === "steer" && typeof r.message === "string") return { command, decision: "steer", message: r.message };
  return null;
}
export const MAX_GRACE_MS = 3_600_000;

/** The stored setting as the form shows it (unknown or malformed parts fall back to the defaults). */
export function parseSupervisor(value: unknown): SupervisorForm {
  if (typeof value === "boolean") return { ...EMPTY_SUPERVISOR, enabled: value };
  if (!value || typeof value !== "object") return { ...EMPTY_SUPERVISOR };
  const v = value as Record<string, any>;
  const rules: Rule[] = Array.isArray(v.rules) ? v.rules.map(parseRule).filter((r: Rule | null): r is Rule => r !== null) : [];
  return {
    enabled: v.enabled === true,
    rules,
    fileChangesInWorkspace: v.file_changes_in_workspace === "accept",
    otherwise: v.otherwise === "decline" ? "decline" : "ask",
    graceMs: typeof v.grace_ms === "number" && v.grace_ms >= 0 ? Math.min(MAX_GRACE_MS, Math.floor(v.grace_ms)) : 0,
    mode: oneOf(v.mode, ["rules", "judge"] as const),
    acceptUpTo: oneOf(v.accept_up_to, ["none", "low", "medium"] as const),
    declineAt: oneOf(v.decline_at, ["none", "medium", "high"] as const),
  };
}

/** Why the form cannot be saved, or null. */
export function validateSupervisor(f: SupervisorForm): string | null {
  const blank = f.rules.findIndex((r) => !r.command.trim());
  if (blank >= 0) return `Rule ${blank + 1} has no command pattern.`;
  const silent = f.rules.findIndex((r) => r.decision === "steer" && !r.message?.trim());
  if (silent >= 0) return `Rule ${silent + 1} steers but has no message for Codex.`;
  if (!Number.isInteger(f.graceMs) || f.graceMs < 0 || f.graceMs > MAX_GRACE_MS) return "The grace period must be between 0 and 3600 seconds.";
  return null;
}

/** The setting's JSON: only documented fields, defaults left out. */
export function buildSupervisor(f: SupervisorForm): Record<string, unknown> {
  const out: Record<string, unknown> = { enabled: f.enabled };
  out.rules = f.rules.map((r) =>
    r.decision === "steer" ? { pattern: r.command.trim(), action: "steer", message: (r.message ?? "").trim() } : { command: r.command.trim(), decision: r.decision },
  );
  if (f.fileChangesInWorkspace) out.file_changes_in_workspace = "accept";
  out.otherwise = f.otherwise;
  if (f.graceMs > 0) out.grace_ms = f.graceMs;
  if (f.mode) out.mode = f.mode;
  if (f.acceptUpTo) out.accept_up_to = f.acceptUpTo;
  if (f.declineAt) out.decline_at = f.declineAt;
  return out;
}

/** Whether a workflow's plugin can act: installed and enabled, with its reason when not. */
export function pluginAvailability(plugins: PluginInfo[] | null, id: string): { ok: boolean; reason: string | null } {
  if (!plugins) return { ok: false, reason: "checking the installed plugins…" };
  const p = plugins.find((x) => x.id === id);
  if (!p) return { ok: false, reason: `the ${id} plugin is not installed (install it from the Plugins page)` };
  if (!p.enabled) return { ok: false, reason: `the ${id} plugin is disabled${p.disabledReason ? `: ${p.disabledReason}` : ""} (enable it on the Plugins page)` };
  return { ok: true, reason: null };
}
