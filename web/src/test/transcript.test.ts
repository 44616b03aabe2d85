import { describe, expect, it } from "vitest";
import { addSending, applyEvent, bindSending, emptyTranscript, fromRest, mergeRequest, turnPhase, turnText, type TranscriptState } from "../lib/transcript";
import type { PendingRequest } from "../api/types";
import { ev, events, sessionId, transcript } from "./helpers";

function build(list = events, from: TranscriptState = emptyTranscript(sessionId)) {
  for (const e of list) applyEvent(from, e);
  return from;
}

/** What a person sees, independent of object identity. */
function view(s: TranscriptState) {
  return s.turns.map((t) => ({
    id: t.id,
    status: t.status,
    items: t.items.map((i) => ({ id: i.id, type: i.type, text: i.text, output: i.output, reasoning: i.reasoning.join("|"), done: i.done })),
  }));
}

describe("transcript assembly from real events", () => {
  it("events alone give the turns, items and texts of the REST transcript", () => {
    const s = build();
    expect(s.turns.map((t) => t.id)).toEqual(transcript.turns.map((t) => t.id));
    transcript.turns.forEach((rt, i) => {
      const t = s.turns[i];
      expect(t.status).toBe(rt.status);
      const restAgent = rt.items.filter((it: any) => it.type === "agentMessage").map((it: any) => it.text).join("\n");
      expect(turnText(t)).toBe(restAgent);
      for (const it of rt.items as any[]) {
        const mine = t.items.find((x) => x.id === it.id);
        expect(mine, `item ${it.id} of turn ${i}`).toBeTruthy();
        expect(mine!.type).toBe(it.type);
      }
    });
    // The approved command's output and exit code arrived with its item.completed.
    const cmd = s.turns[1].items.find((i) => i.type === "commandExecution")!;
    expect(cmd.output).toBe("approved-output\n");
    expect(cmd.item.exitCode).toBe(0);
    expect(s.turns[0].items.find((i) => i.type === "reasoning")!.reasoning).toEqual(["Thinking about the request."]);
  });

  it("streams token by token: the reply grows with each delta before item.completed", () => {
    const s = emptyTranscript(sessionId);
    const lengths: number[] = [];
    for (const e of events) {
      applyEvent(s, e);
      if (e.type === "item.delta" && e.data.itemId === "msg_resp_0_1") lengths.push(s.turns[0].items.find((i) => i.id === "msg_resp_0_1")!.text.length);
      if (e.type === "item.completed" && e.data.item.id === "msg_resp_0_1") break;
    }
    expect(lengths.length).toBeGreaterThan(2);
    expect([...lengths].sort((a, b) => a - b)).toEqual(lengths);
    expect(new Set(lengths).size).toBe(lengths.length);
  });

  it("replaying the log again changes nothing (events at or below lastSeq are dropped)", () => {
    const s = build();
    const before = JSON.stringify(view(s));
    const version = s.version;
    build(events, s);
    expect(JSON.stringify(view(s))).toBe(before);
    expect(s.version).toBe(version);
  });

  it("a reconnect at any point, replaying an overlap, ends where one clean pass ends", () => {
    const clean = JSON.stringify(view(build()));
    for (let cut = 1; cut < events.length; cut += 3) {
      const s = build(events.slice(0, cut));
      // The replay after reconnect starts a few events before the cut (as an overlapping `since` would give).
      build(events.slice(Math.max(0, cut - 4)), s);
      expect(JSON.stringify(view(s)), `cut at ${cut}`).toBe(clean);
    }
  });

  it("REST turns plus the same events on top do not double any text", () => {
    const finished = transcript.turns.filter((t) => t.status !== "inProgress");
    const s = fromRest(sessionId, finished, 0);
    build(events, s);
    const clean = build();
    expect(s.turns.map(turnText)).toEqual(clean.turns.map(turnText));
    expect(s.turns[1].items.find((i) => i.type === "commandExecution")!.output).toBe("approved-output\n");
  });

  it("the running turn shows the file change waiting for approval", () => {
    const s = build();
    const last = s.turns[s.turns.length - 1];
    expect(last.status).toBe("inProgress");
    const change = last.items.find((i) => i.type === "fileChange")!;
    expect(change.item.changes[0].path).toMatch(/hello\.txt$/);
    expect(change.done).toBe(false);
  });
});

describe("reordering and edge cases", () => {
  it("a delta before its item.started creates the item; item.started then fills it without losing text", () => {
    const s = emptyTranscript("s1");
    applyEvent(s, ev(1, "turn.started", { turn: { id: "t1", status: "inProgress" } }));
    applyEvent(s, ev(2, "item.delta", { itemId: "m1", delta: "Hel" }));
    applyEvent(s, ev(3, "item.started", { item: { id: "m1", type: "agentMessage", text: "" } }));
    applyEvent(s, ev(4, "item.delta", { itemId: "m1", delta: "lo" }));
    expect(s.turns[0].items).toHaveLength(1);
    expect(s.turns[0].items[0].text).toBe("Hello");
  });

  it("item.completed is authoritative, and later deltas for it are ignored", () => {
    const s = emptyTranscript("s1");
    applyEvent(s, ev(1, "item.delta", { itemId: "m1", delta: "partial" }));
    applyEvent(s, ev(2, "item.completed", { item: { id: "m1", type: "agentMessage", text: "the whole reply" } }));
    applyEvent(s, ev(3, "item.delta", { itemId: "m1", delta: " again" }));
    expect(s.turns[0].items[0].text).toBe("the whole reply");
  });

  it("events out of seq order are dropped, events of other sessions ignored", () => {
    const s = emptyTranscript("s1");
    applyEvent(s, ev(5, "item.delta", { itemId: "m1", delta: "a" }));
    expect(applyEvent(s, ev(4, "item.delta", { itemId: "m1", delta: "b" }))).toBe(false);
    expect(applyEvent(s, ev(6, "item.delta", { itemId: "m1", delta: "c" }, "t1", "other"))).toBe(false);
    expect(s.turns[0].items[0].text).toBe("a");
  });

  it("a message being sent shows at once and is adopted by turn.started, whichever comes first", () => {
    for (const order of ["started-first", "answer-first"]) {
      const s = emptyTranscript("s1");
      const local = addSending(s, "hi");
      expect(turnPhase(s.turns[0], [])).toBe("sending");
      if (order === "started-first") {
        applyEvent(s, ev(1, "turn.started", { turn: { id: "t1", status: "inProgress" } }));
        bindSending(s, local, "t1");
      } else {
        bindSending(s, local, "t1");
        applyEvent(s, ev(1, "turn.started", { turn: { id: "t1", status: "inProgress" } }));
      }
      applyEvent(s, ev(2, "item.started", { item: { id: "u1", type: "userMessage", content: [{ type: "text", text: "hi" }] } }));
      expect(s.turns, order).toHaveLength(1);
      expect(s.turns[0].id).toBe("t1");
      expect(s.turns[0].items.map((i) => i.id)).toEqual(["u1"]);
      expect(turnPhase(s.turns[0], [])).toBe("streaming");
    }
  });

  it("an interrupted turn closed by the host keeps what streamed and says why", () => {
    const s = emptyTranscript("s1");
    applyEvent(s, ev(1, "turn.started", { turn: { id: "t1" } }));
    applyEvent(s, ev(2, "item.started", { item: { id: "c1", type: "commandExecution", command: "sleep 9", status: "inProgress" } }));
    applyEvent(s, ev(3, "item.command.output_delta", { itemId: "c1", delta: "tick\n" }));
    applyEvent(s, ev(4, "item.completed", { item: { id: "c1", type: "commandExecution", command: "sleep 9" }, closedByHost: true, reason: "the turn ended (interrupted)" }));
    applyEvent(s, ev(5, "turn.completed", { turn: { id: "t1", status: "interrupted", error: { message: "app-server stopped during the turn (x)" } }, closedByHost: true }));
    const t = s.turns[0];
    expect(turnPhase(t, [])).toBe("interrupted");
    expect(t.error).toMatch(/app-server stopped/);
    expect(t.items[0].output).toBe("tick\n");
    expect(t.items[0].closedByHost).toBe("the turn ended (interrupted)");
  });

  it("plans become a checklist; a pending request makes the turn wait", () => {
    const s = emptyTranscript("s1");
    applyEvent(s, ev(1, "turn.started", { turn: { id: "t1" } }));
    applyEvent(s, ev(2, "turn.plan_updated", { plan: [{ step: "read", status: "completed" }, { step: "write", status: "inProgress" }], explanation: "two steps" }));
    expect(s.turns[0].plan).toEqual([{ step: "read", status: "completed" }, { step: "write", status: "inProgress" }]);
    const req = { id: "r1", turnId: "t1", status: "pending" } as PendingRequest;
    expect(turnPhase(s.turns[0], [req])).toBe("waiting");
    expect(turnPhase(s.turns[0], [{ ...req, status: "resolved" }])).toBe("streaming");
  });

  it("a finished request is never turned back into a pending one by an older snapshot", () => {
    const map = new Map<string, PendingRequest>();
    mergeRequest(map, { id: "r1", status: "pending" } as PendingRequest);
    mergeRequest(map, { id: "r1", status: "resolved", decidedBy: "web" } as PendingRequest);
    expect(mergeRequest(map, { id: "r1", status: "pending" } as PendingRequest)).toBe(false);
    expect(map.get("r1")!.decidedBy).toBe("web");
  });
});
