// The generated types' wiring: generated.ts has a type for every component schema of docs/openapi.json, and the
// client sends each call with the method and path the generated table gives its operationId.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { call, setFetcher } from "../api/client";
import { OPERATIONS } from "../api/generated";
import type { ReviewTarget, SessionStatus } from "../api/types";

const root = join(__dirname, "..", "..", "..");
const doc = JSON.parse(readFileSync(join(root, "docs", "openapi.json"), "utf8"));
const generated = readFileSync(join(__dirname, "..", "api", "generated.ts"), "utf8");

describe("generated.ts", () => {
  it("says it is generated", () => {
    expect(generated.split("\n")[0]).toMatch(/GENERATED from docs\/openapi\.json/);
  });

  it("declares every component schema", () => {
    const missing = Object.keys(doc.components.schemas).filter((name) => !new RegExp(`export (interface|type) ${name}\\b`).test(generated));
    expect(missing).toEqual([]);
  });

  it("spells enums as the document's string literals", () => {
    for (const value of doc.components.schemas.SessionStatus.enum) expect(generated).toContain(JSON.stringify(value));
    // Type-level: these assignments only compile when the generated unions hold the values.
    const status: SessionStatus = "waiting_on_approval";
    const target: ReviewTarget = { type: "baseBranch", branch: "main" };
    expect([status, target.type]).toEqual(["waiting_on_approval", "baseBranch"]);
  });
});

describe("the client by operationId", () => {
  const seen: { url: string; method: string; body: unknown }[] = [];
  setFetcher(async (url, init) => {
    seen.push({ url: String(url), method: String(init?.method), body: init?.body ? JSON.parse(String(init.body)) : undefined });
    return new Response(JSON.stringify({ ok: true }), { status: 200, headers: { "Content-Type": "application/json" } });
  });
  afterEach(() => {
    seen.length = 0;
  });

  it("fork, revert and move-sessions go to the generated method and path", async () => {
    await call("sessions.fork", { params: { id: "s 1" } });
    await call("thread.revert", { params: { id: "s1" }, body: { beforeTurnId: "t2" } });
    await call("projects.move_sessions", { params: { id: "p1" }, body: { toProjectId: null } });
    await call("sessions.list", { query: { limit: 500, cursor: "c/2" } });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      `${OPERATIONS["sessions.fork"].method} /api/sessions/s%201/fork`,
      "POST /api/sessions/s1/revert",
      "POST /api/projects/p1/move-sessions",
      "GET /api/sessions?limit=500&cursor=c%2F2",
    ]);
    expect(seen[1].body).toEqual({ beforeTurnId: "t2" });
  });
});
