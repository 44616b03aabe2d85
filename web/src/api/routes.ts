// Every API route the UI calls, as method + OpenAPI path template. The client (client.ts) can only call routes
// listed here, and `src/test/contract.test.ts` checks each one against docs/openapi.json, so API drift fails the
// build. A route marked `pending` (being added to the host) may be missing from the document; the UI degrades
// when it answers 404, and the contract test holds it to the document as soon as it lists it.

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RouteDef {
  method: Method;
  path: string;
  pending?: boolean;
}

const r = (method: Method, path: string, pending = false): RouteDef => ({ method, path, pending });

export const ROUTES = {
  ready: r("GET", "/api/ready"),
  capabilities: r("GET", "/api/capabilities"),
  events: r("GET", "/api/events"),
  stream: r("GET", "/api/stream"),

  listProjects: r("GET", "/api/projects"),
  createProject: r("POST", "/api/projects"),
  updateProject: r("PATCH", "/api/projects/{id}"),
  deleteProject: r("DELETE", "/api/projects/{id}"),

  listSessions: r("GET", "/api/sessions"),
  createSession: r("POST", "/api/sessions"),
  getSession: r("GET", "/api/sessions/{id}"),
  transcript: r("GET", "/api/sessions/{id}/transcript"),
  updateSession: r("PATCH", "/api/sessions/{id}"),
  deleteSession: r("DELETE", "/api/sessions/{id}"),
  forkSession: r("POST", "/api/sessions/{id}/fork"),

  sendMessage: r("POST", "/api/sessions/{id}/messages"),
  steer: r("POST", "/api/sessions/{id}/steer"),
  interrupt: r("POST", "/api/sessions/{id}/interrupt"),

  sessionRequests: r("GET", "/api/sessions/{id}/requests"),
  allRequests: r("GET", "/api/requests"),
  answerRequest: r("POST", "/api/sessions/{id}/requests/{requestId}/response"),

  sessionControls: r("GET", "/api/sessions/{id}/controls"),
  putSessionControls: r("PUT", "/api/sessions/{id}/controls"),
  defaultControls: r("GET", "/api/controls/defaults"),
  putDefaultControls: r("PUT", "/api/controls/defaults"),

  account: r("GET", "/api/account"),
  startLogin: r("POST", "/api/account/logins"),
  loginStatus: r("GET", "/api/account/logins/{loginId}"),
  cancelLogin: r("DELETE", "/api/account/logins/{loginId}"),
  logout: r("POST", "/api/account/logout"),
  models: r("GET", "/api/models"),
  config: r("GET", "/api/config"),
  writeConfig: r("PUT", "/api/config/value"),
  mcpServers: r("GET", "/api/mcp/servers"),
  mcpReload: r("POST", "/api/mcp/reload"),

  listPlugins: r("GET", "/api/plugins"),
  inspectPlugin: r("POST", "/api/plugins/inspect"),
  installPlugin: r("POST", "/api/plugins"),
  removePlugin: r("DELETE", "/api/plugins/{id}"),
  enablePlugin: r("POST", "/api/plugins/{id}/enable"),
  disablePlugin: r("POST", "/api/plugins/{id}/disable"),
  pluginCalls: r("GET", "/api/plugins/{id}/calls"),

  listJobs: r("GET", "/api/jobs"),
  getJob: r("GET", "/api/jobs/{id}"),
  createJob: r("POST", "/api/jobs"),
  cancelJob: r("POST", "/api/jobs/{id}/cancel"),
  retryJob: r("POST", "/api/jobs/{id}/retry"),
  jobKinds: r("GET", "/api/jobs/kinds"),
  jobStats: r("GET", "/api/jobs/stats"),
  sessionNotes: r("GET", "/api/sessions/{id}/notes"),
  sessionSettings: r("GET", "/api/sessions/{id}/settings"),
  putSessionSetting: r("PUT", "/api/sessions/{id}/settings/{key}"),
} as const;

export type RouteName = keyof typeof ROUTES;

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
