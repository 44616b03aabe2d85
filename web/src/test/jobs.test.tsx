// @vitest-environment jsdom
// The Jobs page shows what a queued job waits for (a usage limit, a spent budget): the host's `waiting`, its reason
// and its reset, in the row and in the job's detail.
import { act } from "react";
import { describe, expect, it } from "vitest";
import { setFetcher } from "../api/client";
import type { Job } from "../api/types";
import { store } from "../lib/store";
import { JobsPage } from "../pages/Jobs";
import { json, render } from "./dom";

const TS = "2026-12-05T07:00:00.000Z";
const RESET = "2026-12-06T00:00:00.000Z";

function job(over: Partial<Job> = {}): Job {
  return {
    id: "01j-waiting",
    kind: "host.routine-run",
    pluginId: "host",
    state: "queued",
    payload: {},
    sessionId: null,
    projectId: null,
    priority: 100,
    dedupeKey: null,
    attempt: 0,
    maxAttempts: 5,
    timeoutMs: 120000,
    runAfter: RESET,
    result: null,
    error: null,
    cancelRequested: false,
    createdBy: "routine:r1",
    createdAt: TS,
    updatedAt: TS,
    startedAt: null,
    finishedAt: null,
    waiting: { kind: "budget", reason: "project `p1`'s daily budget of 10 tokens is spent", resetsAt: RESET, projectId: null },
    ...over,
  } as Job;
}

const tick = (ms = 0) => act(() => new Promise((r) => setTimeout(r, ms)));

describe("the Jobs page", () => {
  it("shows a waiting job's reason and reset in its row and its detail", async () => {
    store.sessions = [];
    const held = job();
    setFetcher(async (url) => {
      const u = String(url);
      if (u.includes("/api/jobs/stats")) return json({ queued: 1, running: 0, succeeded: 0, failed: 0, canceled: 0, oldestDueMs: 0 });
      if (u.includes("/api/jobs/kinds")) return json({ kinds: [] });
      if (u.includes(`/api/jobs/${held.id}`)) return json({ ...held, history: [] });
      if (u.includes("/api/jobs")) return json({ jobs: [held] });
      return json({});
    });
    const div = render(<JobsPage />);
    await tick();
    const row = div.querySelector(`[data-job-id="${held.id}"]`)!;
    expect(row.getAttribute("data-state")).toBe("queued");
    const reset = new Date(RESET).toLocaleString();
    expect(row.textContent).toContain("waiting (budget spent): project `p1`'s daily budget of 10 tokens is spent");
    expect(row.textContent).toContain(`Resumes by itself at ${reset}`);

    await act(async () => (row.querySelector("button.link") as HTMLButtonElement).click());
    await tick();
    const detail = div.querySelector("[data-testid=job-waiting]")!;
    expect(detail.textContent).toContain("daily budget of 10 tokens is spent");
    expect(detail.textContent).toContain(reset);
  });

  it("says nothing of a wait for a job that has none", async () => {
    store.sessions = [];
    const plain = job({ id: "01j-plain", waiting: null, runAfter: TS });
    setFetcher(async (url) => {
      const u = String(url);
      if (u.includes("/api/jobs/stats")) return json({ queued: 1, running: 0, succeeded: 0, failed: 0, canceled: 0, oldestDueMs: 0 });
      if (u.includes("/api/jobs/kinds")) return json({ kinds: [] });
      if (u.includes("/api/jobs")) return json({ jobs: [plain] });
      return json({});
    });
    const div = render(<JobsPage />);
    await tick();
    expect(div.querySelector(`[data-job-id="${plain.id}"]`)!.textContent).not.toContain("waiting");
  });
});
