// The UI against the API contract (docs/openapi.json, generated from the host's routes): every operation the UI
// calls exists, by operationId, with the method and path the generated table gives it; the generated table is the
// document's; no source file calls `/api/...` except through the table; and the parameters and body fields the UI
// sends are the operation's.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OPERATIONS } from "../api/generated";
import { route, UI_OPERATIONS, type UiOperation } from "../api/routes";

const root = join(__dirname, "..", "..", "..");
const doc = JSON.parse(readFileSync(join(root, "docs", "openapi.json"), "utf8"));
const paths: Record<string, Record<string, any>> = doc.paths;

/** operationId -> { method, path, op } as the document says. */
const byId = new Map<string, { method: string; path: string; op: any }>();
for (const [path, item] of Object.entries(paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (op?.operationId) byId.set(op.operationId, { method: method.toUpperCase(), path, op });
  }
}

describe("API contract (docs/openapi.json)", () => {
  for (const id of UI_OPERATIONS) {
    it(`${id}: ${route(id).method} ${route(id).path}`, () => {
      const documented = byId.get(id);
      expect(documented, `${id} is not an operationId of openapi.json`).toBeTruthy();
      expect(`${route(id).method} ${route(id).path}`).toBe(`${documented!.method} ${documented!.path}`);
    });
  }

  it("the generated operation table is the document's (regenerate with `python3 scripts/gen_clients`)", () => {
    const generated = Object.fromEntries(Object.entries(OPERATIONS).map(([id, op]) => [id, `${op.method} ${op.path}`]));
    const documented = Object.fromEntries([...byId].map(([id, op]) => [id, `${op.method} ${op.path}`]));
    expect(generated).toEqual(documented);
  });

  it("the UI lists each operation once", () => {
    expect(new Set(UI_OPERATIONS).size).toBe(UI_OPERATIONS.length);
  });

  it("no source file calls the API except through the operation table", () => {
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
      .filter((f) => !f.endsWith(join("api", "generated.ts")))
      .flatMap((f) => [...readFileSync(f, "utf8").matchAll(/["'`](\/api\/[^"'`]*)["'`]/g)].map((m) => `${f}: ${m[1]}`));
    expect(offenders).toEqual([]);
  });

  it("every operation named in a call is one the UI lists", () => {
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
    const listed = new Set<string>(UI_OPERATIONS);
    const named = files
      .filter((f) => !f.endsWith(join("api", "generated.ts")) && !f.endsWith(join("api", "routes.ts")))
      .flatMap((f) => [...readFileSync(f, "utf8").matchAll(/"([a-z_]+\.[a-z_]+)"/g)].map((m) => m[1]))
      .filter((id) => byId.has(id));
    expect(named.filter((id) => !listed.has(id))).toEqual([]);
  });

  // The query parameters and body fields the UI sends, per operation (kept next to the calls' shapes in the code).
  const SENT: Partial<Record<UiOperation, { query?: string[]; body?: string[] }>> = {
    "sessions.list": { query: ["limit", "cursor", "archived"] },
    "sessions.transcript": { query: ["limit", "order", "cursor"] },
    "sessions.get": { query: ["limit", "order"] },
    "events.list": { query: ["since", "sessions", "types", "limit"] },
    "requests.list_all": { query: ["status", "limit"] },
    "requests.list_session": { query: ["limit"] },
    "sessions.create": { body: ["projectId", "cwd", "title"] },
    "projects.create": { body: ["name", "cwd"] },
    "projects.update": { body: ["name", "cwd"] },
    "projects.move_sessions": { body: ["toProjectId"] },
    "sessions.update": { body: ["title", "projectId", "archived"] },
    "turns.send": { body: ["text", "mode"] },
    "turns.steer": { body: ["text"] },
    "thread.review": { body: ["target", "delivery"] },
    "thread.revert": { body: ["beforeTurnId"] },
    "thread.shell": { body: ["command"] },
    "catalog.mcp_login": { body: [] },
    "catalog.skill_enable": { body: ["enabled", "path"] },
    "catalog.feature_enable": { body: ["enabled"] },
    "plugins.install": { body: ["manifest", "component", "grant", "upgrade"] },
    "plugins.inspect": { body: ["manifest", "component"] },
    "plugins.calls": { query: ["limit"] },
    "config.write_value": { body: ["keyPath", "value"] },
    "jobs.list": { query: ["state", "kind", "sessionId", "limit"] },
    "jobs.enqueue": { body: ["kind", "sessionId"] },
  };
  const resolve = (schema: any): any => (schema?.$ref ? resolve(doc.components.schemas[schema.$ref.split("/").pop()]) : schema);
  for (const [id, sent] of Object.entries(SENT)) {
    it(`${id} takes the parameters and fields the UI sends`, () => {
      const op = byId.get(id)?.op;
      expect(op, id).toBeTruthy();
      const params = (op.parameters ?? []).map((p: any) => p.name);
      for (const q of sent.query ?? []) expect(params, `query ${q} of ${id}`).toContain(q);
      if (sent.body) {
        const schema = resolve(op.requestBody?.content?.["application/json"]?.schema);
        expect(schema, `${id} takes a JSON body`).toBeTruthy();
        const props = Object.keys(schema?.properties ?? {});
        for (const b of sent.body) expect(props, `body field ${b} of ${id}`).toContain(b);
      }
    });
  }

  it("the review targets the UI offers are the document's", () => {
    const targets = doc.components.schemas.ReviewTarget.oneOf.map((s: any) => s.properties.type.enum[0]).sort();
    expect(targets).toEqual(["baseBranch", "commit", "custom", "uncommittedChanges"]);
  });

  it("the websocket path and the login route the UI relies on are documented", () => {
    expect(byId.get("events.stream")?.path).toBe("/api/stream");
    expect(paths["/login"]).toBeTruthy();
  });
});
