// @vitest-environment jsdom
// The Routines page: the form's body (create sends the target it names; an edit only what changed, `null` clearing
// the schedule), the cron field showing the host's next 3 times (or the host's error), the secret shown once after a
// create, and the runs list with the host's statuses.
import { act } from "react";
import { describe, expect, it } from "vitest";
import { setFetcher } from "../api/client";
import type { Routine, RoutineRun } from "../api/types";
import { EMPTY_FORM, formOf, formProblem, payloadProblem, routineBody, runStatusText, skippedText } from "../lib/routines";
import { store } from "../lib/store";
import { RoutinesPage } from "../pages/Routines";
import { json, render } from "./dom";

const TS = "2026-12-05T07:00:00.000Z";

function routine(over: Partial<Routine> = {}): Routine {
  return {
    id: "r1",
    name: "nightly",
    state: "enabled",
    prompt: "summarize",
    sessionId: "s1",
    projectId: null,
    schedule: "0 2 * * *",
    catchUp: "once",
    nextRunAt: TS,
    timeZone: "UTC",
    webhookPath: "/api/routines/r1/webhook",
    createdBy: "web",
    createdAt: TS,
    updatedAt: TS,
    ...over,
  };
}

function run(over: Partial<RoutineRun> = {}): RoutineRun {
  return { id: "u1", routineId: "r1", trigger: "manual", jobId: "j1", status: "completed", createdAt: TS, ...over } as RoutineRun;
}

function input(el: HTMLInputElement | HTMLTextAreaElement, value: string) {
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, "value")!.set!.call(el, value);
  el.dispatchEvent(new Event("input", { bubbles: true }));
}

function select(el: HTMLSelectElement, value: string) {
  Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, "value")!.set!.call(el, value);
  el.dispatchEvent(new Event("change", { bubbles: true }));
}

function button(div: HTMLElement, name: string): HTMLButtonElement {
  const b = [...div.querySelectorAll("button")].find((x) => x.textContent === name);
  if (!b) throw new Error(`no button ${name}`);
  return b as HTMLButtonElement;
}

const tick = (ms = 0) => act(() => new Promise((r) => setTimeout(r, ms)));

describe("the routine form", () => {
  it("says what is missing, then builds the create body for its target", () => {
    expect(formProblem(EMPTY_FORM)).toMatch(/name/);
    const f = { ...EMPTY_FORM, name: " n ", prompt: "p", targetKind: "project" as const, projectId: "p1", schedule: " */5 * * * * " };
    expect(formProblem(f)).toBeNull();
    expect(routineBody(f)).toEqual({ name: "n", prompt: "p", catchUp: "once", projectId: "p1", schedule: "*/5 * * * *" });
    expect(routineBody({ ...f, schedule: "", targetKind: "session", sessionId: "s1" })).toEqual({ name: "n", prompt: "p", catchUp: "once", sessionId: "s1" });
  });

  it("sends only what an edit changed, and null to clear the schedule", () => {
    const r = routine();
    expect(routineBody(formOf(r), r)).toEqual({});
    expect(routineBody({ ...formOf(r), schedule: "" }, r)).toEqual({ schedule: null });
    expect(routineBody({ ...formOf(r), targetKind: "project", projectId: "p1" }, r)).toEqual({ projectId: "p1", sessionId: null });
  });

  it("builds a job routine's body, checking its payload, and switches an edit between prompt and job", () => {
    const job = { ...EMPTY_FORM, name: "echo", action: "job" as const, sessionId: "s1" };
    expect(formProblem(job)).toBe("Choose the job kind it enqueues.");
    expect(formProblem({ ...job, jobKind: "test.echo", payload: "{oops" })).toMatch(/^The payload is not valid JSON/);
    expect(payloadProblem("[1]")).toBe("The payload must be a JSON object ({…}).");
    const ok = { ...job, jobKind: "test.echo", payload: '{"hello": "routine"}' };
    expect(formProblem(ok)).toBeNull();
    expect(routineBody(ok)).toEqual({ name: "echo", jobKind: "test.echo", payload: { hello: "routine" }, catchUp: "once", sessionId: "s1" });
    // A prompt routine turned into a job routine, and back.
    const before = routine();
    expect(routineBody({ ...formOf(before), action: "job", jobKind: "test.echo", payload: "{}" }, before)).toEqual({ jobKind: "test.echo", payload: {}, prompt: null });
    const asJob = routine({ prompt: null, jobKind: "test.echo", payload: { a: 1 } });
    expect(formOf(asJob)).toMatchObject({ action: "job", jobKind: "test.echo" });
    expect(routineBody(formOf(asJob), asJob)).toEqual({});
    expect(routineBody({ ...formOf(asJob), payload: '{"a": 2}' }, asJob)).toEqual({ payload: { a: 2 } });
    expect(routineBody({ ...formOf(asJob), action: "prompt", prompt: "p" }, asJob)).toEqual({ prompt: "p", jobKind: null, payload: null });
  });

  it("reads a run's status as the host gave it", () => {
    expect(runStatusText(run({ status: "followup_queued" }))).toMatch(/busy/);
    expect(runStatusText(run({ status: "completed" }))).toBe("completed");
    const waiting = { kind: "budget" as const, reason: "the host's daily budget of 10 tokens is spent", resetsAt: "2026-12-06T00:00:00.000Z" };
    expect(runStatusText(run({ status: "queued", waiting }))).toBe("waiting: budget spent");
    expect(runStatusText(run({ status: "queued", waiting: { ...waiting, kind: "usage_limit" } }))).toBe("waiting: usage limit");
    expect(skippedText(run({ skippedTicks: 0 }))).toBeNull();
    expect(skippedText(run({ skippedTicks: 2, lastSkippedFor: TS }))).toMatch(/^2 later scheduled times folded into this run/);
  });
});

describe("the Routines page", () => {
  it("creates a routine with the host's next times shown, shows its secret once, runs it and lists the run", async () => {
    store.sessions = [{ id: "s1", title: "Chat one", archived: false } as any];
    const calls: { method: string; url: string; body: any }[] = [];
    let routines: Routine[] = [];
    let runs: RoutineRun[] = [];
    setFetcher(async (url, init) => {
      const u = String(url);
      const method = String(init?.method ?? "GET");
      const body = init?.body ? JSON.parse(String(init.body)) : null;
      calls.push({ method, url: u, body });
      if (u.includes("/api/routines/schedule-preview")) {
        const schedule = new URL(u, "http://h").searchParams.get("schedule");
        if (schedule === "bad") return json({ error: { code: "invalid_schedule", message: "schedule `bad`: a schedule has 5 fields", details: null } }, 422);
        return json({ schedule, timeZone: "UTC", next: ["2026-12-06T02:00:00.000Z", "2026-12-07T02:00:00.000Z", "2026-12-08T02:00:00.000Z"] });
      }
      if (u.endsWith("/api/routines") && method === "POST") {
        const r = routine({ ...body, projectId: null });
        routines = [r];
        return json({ routine: r, webhookSecret: "cmwh_secret_once" }, 201);
      }
      if (u.endsWith("/api/routines")) return json({ routines });
      if (u.endsWith("/api/routines/r1/run")) {
        runs = [run({ status: "queued" })];
        return json(runs[0], 202);
      }
      if (u.includes("/api/routines/r1/runs")) return json({ runs });
      return json({});
    });
    const div = render(<RoutinesPage />);
    await tick();
    expect(div.textContent).toContain("No routines yet");
    act(() => button(div, "New routine").click());
    const form = div.querySelector("form")!;
    act(() => input(form.querySelector("input")!, "nightly"));
    act(() => input(form.querySelector("textarea")!, "summarize"));
    act(() => select(form.querySelector("select[aria-label=Chat]") as HTMLSelectElement, "s1"));
    const cron = form.querySelector("input[placeholder^='e.g.']") as HTMLInputElement;
    act(() => input(cron, "bad"));
    await tick(300);
    expect(div.querySelector("[aria-label='Schedule problem']")?.textContent).toContain("5 fields");
    act(() => input(cron, "0 2 * * *"));
    await tick(300);
    expect(div.querySelector("[data-testid=next-runs]")?.textContent).toContain("UTC");
    expect(div.querySelector("[data-testid=next-runs]")?.textContent?.split("·").length).toBe(3);

    await act(async () => button(div, "Create routine").click());
    await tick();
    const create = calls.find((c) => c.method === "POST" && c.url.endsWith("/api/routines"))!;
    expect(create.body).toEqual({ name: "nightly", prompt: "summarize", catchUp: "once", sessionId: "s1", schedule: "0 2 * * *" });
    expect(div.querySelector("[data-testid=webhook-secret]")?.textContent).toBe("cmwh_secret_once");
    expect(div.textContent).toContain("/api/routines/r1/webhook");
    act(() => button(div, "I saved it").click());
    expect(div.querySelector("[data-testid=webhook-secret]")).toBeNull();

    await act(async () => button(div, "Run now").click());
    await tick();
    expect(div.querySelector("[data-run-id=u1]")?.getAttribute("data-status")).toBe("queued");
  });
});

describe("a run that waits for a limit", () => {
  it("shows the host's reason and reset, and the scheduled times folded into it", async () => {
    store.sessions = [{ id: "s1", title: "Chat one", archived: false } as any];
    const resetsAt = "2026-12-06T00:00:00.000Z";
    const waiting = { kind: "usage_limit" as const, reason: "Codex's usage limit is reached (the 5 h window is at 100 %)", resetsAt };
    const runs = [run({ status: "queued", trigger: "schedule", waiting, skippedTicks: 3, lastSkippedFor: TS })];
    setFetcher(async (url) => {
      const u = String(url);
      if (u.endsWith("/api/routines")) return json({ routines: [routine()] });
      if (u.includes("/api/routines/r1/runs")) return json({ runs });
      return json({});
    });
    const div = render(<RoutinesPage />);
    await tick();
    await act(async () => button(div, "nightly").click());
    await tick();
    const row = div.querySelector("[data-run-id=u1]")!;
    expect(row.getAttribute("data-status")).toBe("queued");
    expect(row.textContent).toContain("waiting: usage limit");
    const wait = row.querySelector("[data-testid=run-waiting]")!.textContent!;
    expect(wait).toContain("the 5 h window is at 100 %");
    expect(wait).toContain(`Resumes by itself at ${new Date(resetsAt).toLocaleString()}`);
    expect(row.querySelector("[data-testid=run-skipped]")?.textContent).toMatch(/^3 later scheduled times folded/);
  });
});

describe("a job routine in the form", () => {
  it("offers the plugins' job kinds, checks the payload and creates it", async () => {
    store.sessions = [{ id: "s1", title: "Chat one", archived: false } as any];
    const calls: { method: string; url: string; body: any }[] = [];
    setFetcher(async (url, init) => {
      const u = String(url);
      const method = String(init?.method ?? "GET");
      const body = init?.body ? JSON.parse(String(init.body)) : null;
      calls.push({ method, url: u, body });
      if (u.includes("/api/jobs/kinds")) {
        const kind = (kind: string, pluginId: string) => ({ kind, pluginId, description: `${kind} jobs`, concurrency: 1, timeoutMs: 1000, maxAttempts: 1 });
        return json({ kinds: [kind("host.routine-run", "host"), kind("test.echo", "well-behaved")] });
      }
      if (u.endsWith("/api/routines") && method === "POST") return json({ routine: routine({ ...body, prompt: null }), webhookSecret: "cmwh_x" }, 201);
      if (u.endsWith("/api/routines")) return json({ routines: [] });
      return json({});
    });
    const div = render(<RoutinesPage />);
    await tick();
    act(() => button(div, "New routine").click());
    const form = div.querySelector("form")!;
    act(() => input(form.querySelector("input")!, "echo"));
    act(() => (form.querySelector("input[name=action]:not(:checked)") as HTMLInputElement).click());
    await tick();
    const kinds = form.querySelector("select[aria-label='Job kind']") as HTMLSelectElement;
    expect([...kinds.options].map((o) => o.value)).toEqual(["", "test.echo"]);
    act(() => select(kinds, "test.echo"));
    act(() => select(form.querySelector("select[aria-label=Chat]") as HTMLSelectElement, "s1"));
    const payload = form.querySelector("textarea[aria-label=Payload]") as HTMLTextAreaElement;
    act(() => input(payload, '{"hello": '));
    expect(div.querySelector("[aria-label='Payload problem']")?.textContent).toMatch(/not valid JSON/);
    expect(button(div, "Create routine").disabled).toBe(true);
    act(() => input(payload, '{"hello": "routine"}'));
    expect(div.querySelector("[aria-label='Payload problem']")).toBeNull();
    await act(async () => button(div, "Create routine").click());
    await tick();
    const create = calls.find((c) => c.method === "POST" && c.url.endsWith("/api/routines"))!;
    expect(create.body).toEqual({ name: "echo", jobKind: "test.echo", payload: { hello: "routine" }, catchUp: "once", sessionId: "s1" });
  });
});
