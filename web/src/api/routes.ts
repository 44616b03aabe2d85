// The operations the UI calls, by operationId. Method and path come from the generated operation table
// (generated.ts, from docs/openapi.json), so the UI cannot call a route the document lacks: an id that is not in
// the table fails the type check, and `src/test/contract.test.ts` checks this list and the parameters the UI sends
// against the document. The client (client.ts) can only call operations listed here.
import { OPERATIONS, type Method, type OperationId } from "./generated";

export type { Method, OperationId };

export const UI_OPERATIONS = [
  "health.ready",
  "limits.status",
  "limits.get_budgets",
  "limits.usage",
  "capabilities.capabilities",
  "events.list",
  "events.stream",

  "projects.list",
  "projects.create",
  "projects.update",
  "projects.delete",
  "projects.move_sessions",
  "projects.delete_sessions",

  "sessions.list",
  "sessions.create",
  "sessions.get",
  "sessions.transcript",
  "sessions.update",
  "sessions.delete",
  "sessions.fork",

  "turns.send",
  "turns.steer",
  "turns.interrupt",
  "turns.list_turns",

  "followups.list",
  "followups.edit",
  "followups.remove",
  "followups.reorder",
  "followups.pause",
  "followups.resume",

  "thread.review",
  "thread.compact",
  "thread.revert",
  "thread.clean_background_terminals",
  "thread.shell",

  "requests.list_session",
  "requests.list_all",
  "requests.respond",

  "controls.get_session",
  "controls.put_session",
  "controls.get_defaults",
  "controls.put_defaults",

  "account.read",
  "account.login",
  "account.login_state",
  "account.cancel_login",
  "account.logout",
  "account.rate_limits",
  "catalog.models",
  "config.read",
  "config.write_value",
  "catalog.mcp_servers",
  "catalog.mcp_reload",
  "catalog.mcp_login",
  "catalog.skills",
  "catalog.skill_enable",
  "catalog.features",
  "catalog.feature_enable",

  "plugins.list",
  "plugins.inspect",
  "plugins.install",
  "plugins.remove",
  "plugins.enable",
  "plugins.disable",
  "plugins.calls",
  "plugins.get_settings",
  "plugins.put_settings",

  "jobs.list",
  "jobs.get",
  "jobs.enqueue",
  "jobs.cancel",
  "jobs.retry",
  "jobs.kinds",
  "jobs.stats",

  "routines.list",
  "routines.create",
  "routines.get",
  "routines.update",
  "routines.remove",
  "routines.run",
  "routines.runs",
  "routines.rotate_secret",
  "routines.preview",
  "notes.list",
  "settings.list",
  "settings.put",
] as const satisfies readonly OperationId[];

export type UiOperation = (typeof UI_OPERATIONS)[number];

export interface RouteDef {
  method: Method;
  path: string;
}

/** Method and path template of an operation the UI calls. */
export function route(id: UiOperation): RouteDef {
  const op = OPERATIONS[id];
  return { method: op.method, path: op.path };
}

/** Fill `{name}` placeholders (URL-encoded) and append a query string (undefined/null/"" values left out). */
export function buildUrl(
  template: string,
  params: Record<string, string> = {},
  query: Record<string, string | number | boolean | undefined | null> = {},
): string {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(v);
  });
  const qs = Object.entries(query)
    .filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join("&");
  return qs ? `${path}?${qs}` : path;
}
