// Pure logic behind the queue and workflow views: job state from answers and events, the job list under filters,
// notes merged from REST and the stream, the workflow settings' JSON, and the sidebar ignoring worker sessions.
import { describe, expect, it } from "vitest";
import type { Job, Session, SessionNote } from "../api/types";
import { buildSupervisor, parseSupervisor, pluginAvailability, readToggle, validateSupervisor, EMPTY_SUPERVISOR } from "../lib/automation";
import { applyJob, describeJob, isFinal, jobFromEvent, mergeJob, suggestionStatus } from "../lib/jobs";
import { groupNotes, latestSuggestion, mergeNotes, noteFromEvent } from "../lib/notes";
import { store } from "../lib/store";
import { ev } from "./helpers";

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
function job(id: string, state: Job["state"], updated: number, extra: Partial<Job> = {}): Job {
  return {
    id,
    kind: "suggest-next-request",
    pluginId: "suggest-next-request",
    state,
    payload: {},
    sessionId: "s1",
    projectId: null,
    priority: 100,
    dedupeKey: null,
    attempt: state === "queued" ? 0 : 1,
    maxAttempts: 3,
    runAfter: at(0),
    createdAt: at(Number(id.replace(/\D/g, "")) || 0),
    updatedAt: at(updated),
    result: null,
    error: null,
    ...extra,
  };
}

describe("job state from answers and events", () => {
  it("the newer view wins, in either order", () => {
    const queued = job("j1", "queued", 1);
    const running = job("j1", "running", 2);
    const done = job("j1", "succeeded", 3, { result: { suggestion: "x" } });
    expect(mergeJob(queued, running).state).toBe("running");
    expect(mergeJob(running, queued).state).toBe("running");
    // The enqueue answer arrives after the events it caused: it does not take the job back.
    let seen = mergeJob(undefined, running);
    seen = mergeJob(seen, done);
    seen = mergeJob(seen, queued);
    expect(seen.state).toBe("succeeded");
    expect(seen.result).toEqual({ suggestion: "x" });
  });

  it("on the same instant a final state beats a live one, and history is kept from whichever has it", () => {
    const a = job("j1", "running", 5, { history: [{ at: at(1), fromState: null, toState: "queued", attempt: 0, detail: "enqueued by web" }] });
    const b = job("j1", "canceled", 5);
    expect(mergeJob(a, b).state).toBe("canceled");
    expect(mergeJob(b, a).state).toBe("canceled");
    expect(mergeJob(a, b).history).toHaveLength(1);
  });

  it("reads the job of job.* events only", () => {
    expect(jobFromEvent(ev(1, "job.started", job("j1", "running", 1), null))?.id).toBe("j1");
    expect(jobFromEvent(ev(2, "session.note_added", { id: "n1" }, null))).toBeNull();
    expect(jobFromEvent(ev(3, "job.queued", null, null))).toBeNull();
    expect(isFinal("failed") && isFinal("canceled") && isFinal("succeeded") && !isFinal("running") && !isFinal("queued")).toBe(true);
  });

  it("a listed page follows events under its filter: updates in place, adds new matches newest first, drops leavers", () => {
    let list: Job[] = [job("j2", "queued", 2), job("j1", "queued", 1)];
    const f = { state: "queued" };
    list = applyJob(list, job("j3", "queued", 3), f);
    expect(list.map((j) => j.id)).toEqual(["j3", "j2", "j1"]);
    list = applyJob(list, job("j2", "running", 4), f);
    expect(list.map((j) => j.id)).toEqual(["j3", "j1"]);
    // A stale event changes nothing (the same array comes back).
    const same = applyJob(list, job("j3", "queued", 3), f);
    expect(same).toBe(list);
    // Other kinds and other sessions stay out of a filtered page.
    expect(applyJob([], job("j9", "queued", 9, { kind: "turn-review" }), { kind: "suggest-next-request" })).toEqual([]);
    expect(applyJob([], job("j9", "queued", 9, { sessionId: "s2" }), { sessionId: "s1" })).toEqual([]);
    // With no filter, a job that reached a final state stays, updated.
    const all = applyJob([job("j1", "running", 1)], job("j1", "canceled", 2), {});
    expect(all[0].state).toBe("canceled");
  });

  it("says every state in plain words", () => {
    const now = Date.parse(at(10));
    expect(describeJob(job("j1", "queued", 1, { runAfter: at(40) }), now)).toBe("queued — runs in 30 s");
    expect(describeJob(job("j1", "running", 1), now)).toBe("running (attempt 1 of 3)");
    // A job held by a limit says the host's reason and reset, not a retry countdown.
    const waiting = { kind: "budget" as const, reason: "the host's daily budget of 10 tokens is spent", resetsAt: at(70) };
    const held = describeJob(job("j1", "queued", 1, { runAfter: at(70), waiting }), now);
    expect(held).toMatch(/^waiting \(budget spent\): the host's daily budget of 10 tokens is spent\. Resumes by itself at /);
    expect(held).toContain(new Date(at(70)).toLocaleString());
    expect(describeJob(job("j1", "failed", 1, { error: { kind: "plugin_failed", message: "no" } }), now)).toBe("failed — plugin_failed: no");
    expect(suggestionStatus(job("j1", "queued", 1)).pending).toBe(true);
    expect(suggestionStatus(job("j1", "running", 1))).toMatchObject({ pending: true, error: false });
    expect(suggestionStatus(job("j1", "succeeded", 1, { result: { skipped: "disabled" } }))).toMatchObject({ pending: false, error: true });
    expect(suggestionStatus(job("j1", "succeeded", 1, { result: { skipped: "no-exchanges" } })).text).toMatch(/no finished exchange/);
    expect(suggestionStatus(job("j1", "succeeded", 1, { result: { suggestion: "x" } }))).toMatchObject({ pending: false, error: false });
    expect(suggestionStatus(job("j1", "failed", 1, { error: { kind: "plugin_failed", message: "empty answer" } })).text).toContain("empty answer");
  });
});

function note(id: string, s: number, extra: Partial<SessionNote> = {}): SessionNote {
  return { id, sessionId: "s1", pluginId: "turn-review", kind: "turn-review", title: `note ${id}`, body: "**b**", data: null, turnId: null, createdAt: at(s), ...extra };
}

describe("notes from REST and the stream", () => {
  it("each note once, oldest first, whichever source came first", () => {
    const live = [note("n3", 3)];
    const rest = [note("n1", 1), note("n2", 2), note("n3", 3)];
    expect(mergeNotes(rest, live).map((n) => n.id)).toEqual(["n1", "n2", "n3"]);
    expect(mergeNotes(live, rest).map((n) => n.id)).toEqual(["n1", "n2", "n3"]);
    const merged = mergeNotes(rest, []);
    expect(mergeNotes(merged, [note("n2", 2)])).toBe(merged);
  });

  it("takes the turn from the envelope when the note does not name it, and groups notes by turn", () => {
    const n = noteFromEvent(ev(5, "session.note_added", note("n1", 1), "t1"))!;
    expect(n.turnId).toBe("t1");
    expect(noteFromEvent(ev(6, "session.note_added", note("n2", 2, { turnId: "t2" }), "t1"))!.turnId).toBe("t2");
    expect(noteFromEvent(ev(7, "job.queued", {}, null))).toBeNull();
    const { byTurn, loose } = groupNotes(
      [n, note("n2", 2, { turnId: "gone" }), note("n3", 3), note("n4", 4, { kind: "next-request", turnId: "t1" })],
      new Set(["t1"]),
    );
    expect(byTurn.get("t1")!.map((x) => x.id)).toEqual(["n1"]);
    expect(loose.map((x) => x.id)).toEqual(["n2", "n3"]);
  });

  it("the latest next-request suggestion", () => {
    const list = [note("n1", 1, { kind: "next-request", body: "first" }), note("n2", 2), note("n3", 3, { kind: "next-request", body: "second" })];
    expect(latestSuggestion(list)?.body).toBe("second");
    expect(latestSuggestion([note("n2", 2)])).toBeNull();
  });
});

describe("workflow settings", () => {
  it("toggles read as the plugins read them", () => {
    expect(readToggle(undefined, true)).toBe(true);
    expect(readToggle(undefined, false)).toBe(false);
    expect(readToggle({ enabled: false }, true)).toBe(false);
    expect(readToggle(true, false)).toBe(true);
    expect(readToggle({ enabled: "yes" }, false)).toBe(false);
  });

  it("the supervisor setting holds only documented fields, defaults left out", () => {
    expect(buildSupervisor({ ...EMPTY_SUPERVISOR, enabled: true, rules: [{ command: " echo * ", decision: "accept" }] })).toEqual({
      enabled: true,
      rules: [{ command: "echo *", decision: "accept" }],
      otherwise: "ask",
    });
    const full = { ...EMPTY_SUPERVISOR, enabled: true, rules: [{ command: "rm *", decision: "decline" as const }], fileChangesInWorkspace: true, otherwise: "decline" as const, graceMs: 3000 };
    const json = buildSupervisor(full);
    expect(json).toEqual({ enabled: true, rules: [{ command: "rm *", decision: "decline" }], file_changes_in_workspace: "accept", otherwise: "decline", grace_ms: 3000 });
    expect(parseSupervisor(json)).toEqual(full);
    // The README's example round-trips.
    const example = {
      enabled: true,
      rules: [
        { command: "git status*", decision: "accept" },
        { command: "git push*", decision: "decline" },
      ],
      file_changes_in_workspace: "accept",
      otherwise: "ask",
      grace_ms: 3000,
    };
    expect(buildSupervisor(parseSupervisor(example))).toEqual(example);
    expect(parseSupervisor(true).enabled).toBe(true);
    expect(parseSupervisor("nonsense")).toEqual(EMPTY_SUPERVISOR);
  });

  it("keeps steer rules and the judging overrides the plugin reads (saving never drops them)", () => {
    const stored = {
      enabled: true,
      rules: [
        { pattern: "rm *", action: "steer", message: "don't delete files; move them to ./trash instead" },
        { command: "git status*", decision: "accept" },
      ],
      otherwise: "ask",
      mode: "judge",
      accept_up_to: "medium",
      decline_at: "high",
    };
    const form = parseSupervisor(stored);
    expect(form.rules[0]).toEqual({ command: "rm *", decision: "steer", message: "don't delete files; move them to ./trash instead" });
    expect([form.mode, form.acceptUpTo, form.declineAt]).toEqual(["judge", "medium", "high"]);
    expect(buildSupervisor(form)).toEqual(stored);
    // The plugin's default is left to the plugin: nothing written.
    expect(buildSupervisor({ ...form, mode: "", acceptUpTo: "", declineAt: "" })).not.toHaveProperty("mode");
    expect(validateSupervisor({ ...form, rules: [{ command: "rm *", decision: "steer", message: " " }] })).toContain("no message");
  });

  it("refuses blank patterns and grace periods out of range", () => {
    expect(validateSupervisor({ ...EMPTY_SUPERVISOR, rules: [{ command: "  ", decision: "accept" }] })).toMatch(/Rule 1/);
    expect(validateSupervisor({ ...EMPTY_SUPERVISOR, graceMs: 3_600_001 })).toMatch(/grace/);
    expect(validateSupervisor({ ...EMPTY_SUPERVISOR, rules: [{ command: "ls", decision: "accept" }], graceMs: 500 })).toBeNull();
  });

  it("says why a workflow's plugin cannot act", () => {
    const p = (id: string, enabled: boolean, disabledReason: string | null = null) => ({ id, enabled, disabledReason }) as any;
    expect(pluginAvailability(null, "turn-review").ok).toBe(false);
    expect(pluginAvailability([], "turn-review").reason).toMatch(/not installed/);
    expect(pluginAvailability([p("turn-review", false, "circuit breaker: 5 failures")], "turn-review").reason).toMatch(/disabled: circuit breaker/);
    expect(pluginAvailability([p("turn-review", true)], "turn-review")).toEqual({ ok: true, reason: null });
  });
});

describe("the chat list and worker sessions", () => {
  const session = (id: string, extra: Partial<Session> = {}) => ({ id, title: id, archived: false, status: "idle", cwd: "/w", ...extra }) as Session;

  it("worker sessions and updates about unknown sessions never become chats", () => {
    store.sessions = [session("a")];
    store.handleEvent(ev(1, "session.created", session("w", { workerOf: "turn-review" }), null, "w"));
    store.handleEvent(ev(2, "session.updated", session("ghost"), null, "ghost"));
    store.handleEvent(ev(3, "session.unarchived", session("ghost2"), null, "ghost2"));
    expect(store.sessions.map((s) => s.id)).toEqual(["a"]);
    store.handleEvent(ev(4, "session.updated", session("a", { title: "renamed" }), null, "a"));
    expect(store.sessions[0].title).toBe("renamed");
    store.handleEvent(ev(5, "session.created", session("b"), null, "b"));
    expect(store.sessions.map((s) => s.id)).toEqual(["b", "a"]);
  });

  it("job events update the store's view of each job", () => {
    store.handleEvent(ev(6, "job.running", job("j7", "running", 2), null));
    store.noteJob(job("j7", "queued", 1));
    expect(store.jobs.get("j7")!.state).toBe("running");
  });
});
