import { describe, expect, it } from "vitest";
import type { Ready } from "../api/types";
import { codexNotice } from "../lib/codexSupport";

function ready(over: { codex?: Partial<Ready["codex"]>; protocol?: Ready["protocol"] } = {}): Ready {
  return {
    ready: true,
    reason: null,
    runtime: { status: "ready" },
    storeOk: true,
    eventsOk: true,
    lastSeq: 1,
    host: { version: "0.1.0", startedAt: "2026-12-05T07:00:00Z", dataDir: "/data", store: "sqlite" },
    codex: {
      expected: "0.171.0",
      running: "0.171.0",
      matches: true,
      support: "tested",
      sameSchemaAs: null,
      supported: ["0.169.0", "0.172.0"],
      advice: null,
      ...over.codex,
    },
    protocol: over.protocol ?? { checked: true, violations: [] },
  };
}

describe("what the UI says about the codex the host runs", () => {
  it("says nothing for a tested or compatible release whose protocol holds", () => {
    expect(codexNotice(ready())).toBeNull();
    expect(codexNotice(ready({ codex: { support: "compatible", matches: false, advice: "untested" } }))).toBeNull();
    expect(codexNotice(null)).toBeNull();
  });

  it("passes on the host's advice for a release outside the supported range", () => {
    const n = codexNotice(ready({ codex: { running: "0.180.0", support: "incompatible", advice: "install a tested release" } }));
    expect(n).toEqual({ cause: "incompatible", text: "install a tested release", off: [] });
  });

  it("names what the drift guard turned off, once per method, and says the rest works", () => {
    const v = (method: string, effect: "refused" | "declined" | "degraded") => ({ fact: `\`${method}\` params, x`, problem: "gone", method, effect });
    const n = codexNotice(
      ready({
        codex: { running: "0.172.3", support: "incompatible", advice: "install a tested release" },
        protocol: { checked: true, violations: [v("turn/steer", "refused"), v("turn/steer", "refused"), v("item/tool/call", "declined"), v("turn/completed", "degraded")] },
      }),
    );
    expect(n?.cause).toBe("drift");
    expect(n?.off).toEqual(["turn/steer", "item/tool/call"]);
    expect(n?.text).toContain("codex 0.172.3 changed what Codex Manager relies on (4 facts");
    expect(n?.text).toContain("off until it is: turn/steer, item/tool/call; the rest works.");
    expect(n?.text).toContain("install a tested release");
  });

  it("says the host may misread messages when drift turned nothing off", () => {
    const n = codexNotice(ready({ protocol: { checked: true, violations: [{ fact: "f", problem: "p", method: "turn/completed", effect: "degraded" }] } }));
    expect(n?.off).toEqual([]);
    expect(n?.text).toContain("may misread");
  });
});
