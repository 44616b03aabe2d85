// The UI against the API contract: every route the client calls must exist, with that method, in
// docs/openapi.json (generated from the host's routes; the conformance suite keeps it current). Routes marked
// `pending` (being added to the host) are held to the document as soon as it lists their path.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROUTES } from "../api/routes";

const root = join(__dirname, "..", "..", "..");
const doc = JSON.parse(readFileSync(join(root, "docs", "openapi.json"), "utf8"));
const paths: Record<string, Record<string, unknown>> = doc.paths;

describe("API contract (docs/openapi.json)", () => {
  for (const [name, r] of Object.entries(ROUTES)) {
    it(`${name}: ${r.method} ${r.path}`, () => {
      const entry = paths[r.path];
      if (!entry && r.pending) return; // not served by this host yet: the page degrades on 404
      expect(entry, `${r.path} is not in openapi.json`).toBeTruthy();
      expect(Object.keys(entry).map((m) => m.toUpperCase()), `${r.method} ${r.path}`).toContain(r.method);
    });
  }

  it("no source file calls the API except through the route table", () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) {
          if (f !== "test") walk(p);
        } else if (/\.tsx?$/.test(f)) files.push(p);
      }
    };
    walk(join(__dirname, ".."));
    const offenders = files
      .filter((f) => !f.endsWith(join("api", "routes.ts")))
      .flatMap((f) => [...readFileSync(f, "utf8").matchAll(/["'`](\/api\/[^"'`]*)["'`]/g)].map((m) => `${f}: ${m[1]}`));
    expect(offenders).toEqual([]);
  });

  // The query parameters and body fields the UI sends, per route (kept next to the calls' shapes in the code).
  const SENT: Record<string, { query?: string[]; body?: string[] }> = {
    listSessions: { query: ["limit"] },
    transcript: { query: ["limit", "order", "cursor"] },
    getSession: { query: ["limit", "order"] },
    events: { query: ["since", "sessions", "types", "limit"] },
    allRequests: { query: ["status", "limit"] },
    sessionRequests: { query: ["limit"] },
    createSession: { body: ["projectId", "cwd", "title"] },
    createProject: { body: ["name", "cwd"] },
    updateSession: { body: ["title", "projectId", "archived"] },
    sendMessage: { body: ["text", "mode"] },
    steer: { body: ["text"] },
    installPlugin: { body: ["manifest", "component", "grant", "upgrade"] },
    inspectPlugin: { body: ["manifest", "component"] },
    pluginCalls: { query: ["limit"] },
    writeConfig: { body: ["keyPath", "value"] },
    listJobs: { query: ["state", "kind", "sessionId", "limit"] },
    createJob: { body: ["kind", "sessionId"] },
  };
  const resolve = (schema: any): any => (schema?.$ref ? resolve(doc.components.schemas[schema.$ref.split("/").pop()]) : schema);
  for (const [name, sent] of Object.entries(SENT)) {
    it(`${name} takes the parameters and fields the UI sends`, () => {
      const r = ROUTES[name as keyof typeof ROUTES];
      const op: any = paths[r.path]?.[r.method.toLowerCase()];
      if (!op && r.pending) return;
      expect(op, `${r.method} ${r.path}`).toBeTruthy();
      const params = (op.parameters ?? []).map((p: any) => p.name);
      for (const q of sent.query ?? []) expect(params, `query ${q} of ${r.path}`).toContain(q);
      if (sent.body) {
        const schema = resolve(op.requestBody?.content?.["application/json"]?.schema);
        const props = Object.keys(schema?.properties ?? {});
        for (const b of sent.body) expect(props, `body field ${b} of ${r.method} ${r.path}`).toContain(b);
      }
    });
  }

  it("the websocket path and the login route the UI relies on are documented", () => {
    expect(paths["/api/stream"]).toBeTruthy();
    expect(paths["/login"]).toBeTruthy();
  });
});
