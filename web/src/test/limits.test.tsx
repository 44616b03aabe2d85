// @vitest-environment jsdom
// Usage limits and budgets in the web: the banner shows what holds automated turns back and when it resumes (the
// host's `/api/ready` limits block, kept current by `limits.updated`), a queue paused for a limit says it resumes by
// itself, and the Usage dialog shows today's tokens and the budgets read from the host.
import { act } from "react";
import { describe, expect, it } from "vitest";
import { setFetcher } from "../api/client";
import type { LimitsStatus, UsageLimit } from "../api/generated";
import { BudgetsView, LimitsBanner } from "../components/Limits";
import { pauseText } from "../lib/followups";
import { holdText, holds } from "../lib/limits";
import { store } from "../lib/store";
import { ev } from "./helpers";
import { json, render } from "./dom";

const RESET = "2026-12-05T12:00:00.000Z";
const usage: UsageLimit = { kind: "usage_limit", reason: "Codex's usage limit is reached (the 5 h window is at 100 %)", resetsAt: RESET };
const budget: UsageLimit = { kind: "budget", reason: "the host's daily budget of 1000 tokens is spent", resetsAt: "2026-12-06T00:00:00.000Z" };

describe("the limits as words", () => {
  it("lists the usage limit first, then spent budgets, each with its reset", () => {
    const limits: LimitsStatus = { usageLimit: usage, budgets: [budget], rateLimits: null };
    expect(holds(limits).map((l) => l.kind)).toEqual(["usage_limit", "budget"]);
    expect(holds({ usageLimit: null, budgets: [] })).toEqual([]);
    const now = new Date(RESET).getTime() - 30 * 60000;
    const text = holdText(usage, now);
    expect(text).toContain("Usage limit reached: automated turns (follow-ups, jobs, routines) wait.");
    expect(text).toContain(`Resumes by itself at ${new Date(RESET).toLocaleString()} (in 30 min)`);
  });

  it("a queue paused for a limit says why and that it resumes by itself", () => {
    const text = pauseText({ reason: "usage_limit", message: usage.reason, limit: usage });
    expect(text).toContain(usage.reason);
    expect(text).toContain("resumes by itself at");
    expect(pauseText({ reason: "budget", message: null, limit: null })).toBe("a daily token budget is spent");
  });
});

describe("the banner", () => {
  it("follows the host's limits block and its limits.updated events", () => {
    store.ready = { limits: { usageLimit: null, budgets: [] } } as any;
    const div = render(<LimitsBanner />);
    expect(div.querySelector("[data-limits]")).toBeNull();
    act(() => store.handleEvent(ev(1, "limits.updated", { usageLimit: usage, budgets: [], rateLimits: null }, null, null as any)));
    const banner = div.querySelector("[data-limits]")!;
    expect(banner.getAttribute("data-limits")).toBe("usage_limit");
    expect(banner.textContent).toContain("Resumes by itself at");
    act(() => store.handleEvent(ev(2, "limits.updated", { usageLimit: null, budgets: [], rateLimits: null }, null, null as any)));
    expect(div.querySelector("[data-limits]")).toBeNull();
    store.ready = null;
  });
});

describe("the usage view", () => {
  it("shows today's tokens and the budgets from the host", async () => {
    const urls: string[] = [];
    setFetcher(async (url) => {
      urls.push(String(url));
      if (String(url).includes("/api/budgets")) {
        return json({ budgets: [{ projectId: null, dailyTokens: 1000, spentToday: 1200 }], renewsAt: "2026-12-06T00:00:00.000Z" });
      }
      return json({ sessionId: "s1", projectId: null, from: "2026-12-05", to: "2026-12-05", turns: 3, tokens: { input: 1000, cachedInput: 0, output: 200, reasoning: 0, total: 1200 }, days: [] });
    });
    const div = render(<BudgetsView sessionId="s1" />);
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
    expect(urls.some((u) => u.includes("/api/usage?sessionId=s1"))).toBe(true);
    expect(div.querySelector("[data-testid=usage-today]")!.textContent).toContain("in 3 turns");
    const host = div.querySelector("[data-budget=host]")!;
    expect(host.getAttribute("data-spent")).toBe("true");
    expect(host.textContent).toContain("automated turns wait for the next day");
  });
});
