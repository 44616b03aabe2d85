// @vitest-environment jsdom
// The follow-up queue under the composer: the list follows the host's `followup.*` events, moves send the queue's
// whole new order, an edit happens in place, and a paused queue says why and offers Resume (the reason is the
// session view's, read from the host).
import { act } from "react";
import { describe, expect, it } from "vitest";
import { setFetcher } from "../api/client";
import type { Followup, FollowupQueue } from "../api/types";
import { FollowupQueueView } from "../components/Followups";
import { applyFollowupEvent, moved, pauseText } from "../lib/followups";
import { ev } from "./helpers";
import { json, render } from "./dom";

const TS = "2026-12-05T07:00:00.000Z";

function followup(id: string, position: number, text = id, status: Followup["status"] = "queued"): Followup {
  return { id, sessionId: "s1", position, text, status, turnId: null, error: null, createdAt: TS, updatedAt: TS };
}

const running: FollowupQueue = { count: 3, paused: false, reason: null, pausedAt: null, turnId: null, requestId: null, message: null };

function type(el: HTMLTextAreaElement, value: string) {
  Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value")!.set!.call(el, value);
  el.dispatchEvent(new Event("input", { bubbles: true }));
}

function button(div: HTMLElement, name: string): HTMLButtonElement {
  const b = [...div.querySelectorAll("button")].find((x) => x.textContent === name || x.getAttribute("aria-label") === name);
  if (!b) throw new Error(`no button ${name}: ${[...div.querySelectorAll("button")].map((x) => x.getAttribute("aria-label") ?? x.textContent).join(", ")}`);
  return b as HTMLButtonElement;
}

/** A fake host that records every call and answers `answer`. */
function recording(answer: unknown = {}) {
  const calls: { method: string; url: string; body: any }[] = [];
  setFetcher(async (url, init) => {
    calls.push({ method: String(init?.method ?? "GET"), url: String(url), body: init?.body ? JSON.parse(String(init.body)) : null });
    return json(answer);
  });
  return calls;
}

describe("the waiting list", () => {
  it("follows queued, edited, reordered, started and removed follow-ups", () => {
    let list: Followup[] = [];
    list = applyFollowupEvent(list, ev(1, "followup.queued", followup("a", 1)));
    list = applyFollowupEvent(list, ev(2, "followup.queued", followup("b", 2)));
    list = applyFollowupEvent(list, ev(3, "followup.queued", followup("c", 3)));
    // The same event again (the REST read and the stream overlap) changes nothing.
    list = applyFollowupEvent(list, ev(3, "followup.queued", followup("c", 3)));
    list = applyFollowupEvent(list, ev(4, "followup.updated", followup("b", 2, "b, edited")));
    expect(list.map((f) => f.text)).toEqual(["a", "b, edited", "c"]);
    list = applyFollowupEvent(list, ev(5, "followup.reordered", { sessionId: "s1", ids: ["c", "a", "b"] }));
    expect(list.map((f) => f.id)).toEqual(["c", "a", "b"]);
    expect(list.map((f) => f.position)).toEqual([1, 2, 3]);
    // The host's events carry the positions the reorder gave: the list stays in order after them.
    list = applyFollowupEvent(list, ev(6, "followup.starting", followup("c", 1, "c", "starting")));
    expect(list.map((f) => [f.id, f.status])).toEqual([["c", "starting"], ["a", "queued"], ["b", "queued"]]);
    list = applyFollowupEvent(list, ev(7, "followup.started", { ...followup("c", 1, "c", "started"), turnId: "t9" }));
    list = applyFollowupEvent(list, ev(8, "followup.removed", followup("b", 2, "b", "removed")));
    expect(list.map((f) => f.id)).toEqual(["a"]);
    expect(applyFollowupEvent(list, ev(9, "turn.completed", {}))).toBe(list);
  });

  it("a move is the queued ids in their new order, and none past either end", () => {
    const list = [followup("s", 1, "s", "starting"), followup("a", 2), followup("b", 3), followup("c", 4)];
    expect(moved(list, "c", -1)).toEqual(["a", "c", "b"]);
    expect(moved(list, "a", 1)).toEqual(["b", "a", "c"]);
    expect(moved(list, "a", -1)).toBeNull();
    expect(moved(list, "s", 1)).toBeNull();
  });

  it("says why a queue is paused, and keeps a reason it does not know", () => {
    expect(pauseText({ reason: "turn_failed", message: "the model broke" })).toBe("the last turn failed: the model broke");
    // `usage_limit` was the unknown example until the host learnt it (limits.test.tsx); a newer host's reason:
    expect(pauseText({ reason: "maintenance_window" as any, message: null })).toBe("maintenance window");
  });
});

describe("the queue under the composer", () => {
  const list = [followup("a", 1, "first"), followup("b", 2, "second"), followup("c", 3, "third")];

  it("shows nothing while nothing waits and the queue runs", () => {
    const div = render(<FollowupQueueView sessionId="s1" queue={{ ...running, count: 0 }} followups={[]} />);
    expect(div.textContent).toBe("");
  });

  it("moves a follow-up by sending the queue's whole new order", async () => {
    const calls = recording({ queue: running, followups: list });
    const div = render(<FollowupQueueView sessionId="s1" queue={running} followups={list} />);
    expect([...div.querySelectorAll(".followup-text")].map((x) => x.textContent?.trim())).toEqual(["first", "second", "third"]);
    expect(button(div, "Move follow-up 1 up").disabled).toBe(true);
    expect(button(div, "Move follow-up 3 down").disabled).toBe(true);
    await act(async () => button(div, "Move follow-up 3 up").click());
    expect(calls).toEqual([{ method: "PUT", url: "/api/sessions/s1/followups/order", body: { ids: ["a", "c", "b"] } }]);
  });

  it("edits a follow-up in place and removes one", async () => {
    const calls = recording(followup("b", 2, "second, better"));
    const div = render(<FollowupQueueView sessionId="s1" queue={running} followups={list} />);
    await act(async () => button(div, "Edit follow-up 2").click());
    const box = div.querySelector<HTMLTextAreaElement>("textarea[aria-label='Edit follow-up 2']")!;
    expect(box.value).toBe("second");
    await act(async () => type(box, "second, better"));
    await act(async () => button(div, "Save").click());
    expect(calls[0]).toEqual({ method: "PATCH", url: "/api/sessions/s1/followups/b", body: { text: "second, better" } });
    expect(div.querySelector("textarea")).toBeNull();
    await act(async () => button(div, "Remove follow-up 1").click());
    expect(calls[1]).toMatchObject({ method: "DELETE", url: "/api/sessions/s1/followups/a" });
  });

  it("shows the host's answer when a follow-up already started", async () => {
    setFetcher(async () => json({ error: { code: "followup_not_queued", message: "the follow-up is started and can no longer change", details: null } }, 409));
    const div = render(<FollowupQueueView sessionId="s1" queue={running} followups={list} />);
    await act(async () => button(div, "Remove follow-up 1").click());
    expect(div.querySelector("[role=alert]")!.textContent).toContain("followup_not_queued");
  });

  it("a paused queue says why and resumes; a running one offers Pause", async () => {
    const calls = recording({ ...running, paused: false });
    const paused: FollowupQueue = { ...running, paused: true, reason: "approval", requestId: "r1", turnId: "t1" };
    const div = render(<FollowupQueueView sessionId="s1" queue={paused} followups={list} />);
    const banner = div.querySelector(".followups-paused")!;
    expect(banner.textContent).toContain("Follow-ups paused: the turn asked for an approval. 3 waiting.");
    expect(div.textContent).not.toContain("Pause");
    await act(async () => button(div, "Resume").click());
    expect(calls).toEqual([{ method: "POST", url: "/api/sessions/s1/followups/resume", body: null }]);

    const again = render(<FollowupQueueView sessionId="s1" queue={running} followups={list} />);
    expect(again.querySelector(".followups-paused")).toBeNull();
    await act(async () => button(again, "Pause").click());
    expect(calls[1]).toMatchObject({ method: "POST", url: "/api/sessions/s1/followups/pause" });
  });
});
