import { describe, expect, it } from "vitest";
import { loadChat, type LoaderApi } from "../lib/loader";
import { applyEvent, turnText } from "../lib/transcript";
import type { Envelope, Session, TurnRecord } from "../api/types";
import { events, sessionId, transcript } from "./helpers";

/**
 * A fake of the routes, over the recorded log, with the host's paging and filter rules. `startSeq` is what the
 * running turn's record says of its start (null: a record without it, as a store from before turn records has).
 */
function fakeApi(log: Envelope[], calls: string[] = [], startSeq: number | null = null): LoaderApi {
  const activeTurnId = transcript.turns[transcript.turns.length - 1].id;
  const page = (limit: number) => ({ turns: [...transcript.turns].reverse().slice(0, limit), nextCursor: null });
  return {
    open: async (_id, limit) => {
      calls.push(`open limit=${limit}`);
      const session = { id: sessionId, activeTurnId, status: "waiting_on_approval" } as Session;
      const activeTurn = { id: activeTurnId, sessionId, status: "inProgress", startSeq, endSeq: null } as TurnRecord;
      return { session, transcript: page(limit), activeTurn };
    },
    transcript: async (_id, limit) => page(limit),
    events: async (q) => {
      calls.push(`since=${q.since} types=${q.types ?? ""}`);
      const page = log.filter((e) => e.seq > q.since).slice(0, q.limit);
      const latestSeq = log[log.length - 1].seq;
      const nextSince = page.length ? page[page.length - 1].seq : latestSeq;
      const prefixes = q.types?.split(",");
      const pass = page.filter((e) => e.sessionId === q.sessions && (!prefixes || prefixes.some((p) => e.type.startsWith(p))));
      return { events: pass, nextSince, latestSeq, reset: false };
    },
  };
}

describe("opening a chat mid-turn", () => {
  it("rebuilds the running turn from the log and keeps finished turns from REST", async () => {
    const at = events[events.length - 1].seq;
    const { transcript: tr } = await loadChat(fakeApi(events), sessionId, at);
    expect(tr.turns.map((t) => t.id)).toEqual(transcript.turns.map((t) => t.id));
    const last = tr.turns[tr.turns.length - 1];
    expect(last.status).toBe("inProgress");
    expect(last.items.map((i) => i.type)).toEqual(["userMessage", "fileChange"]);
    expect(tr.lastSeq).toBe(at);
    expect(turnText(tr.turns[0])).toBe("You said: hello there");
  });

  it("events after the load position apply once, and those before it are not applied again", async () => {
    // Load as if the stream were at the turn's file-change event; the rest arrives live, with an overlap.
    const cut = events.findIndex((e) => e.type === "item.started" && e.data.item?.type === "fileChange");
    const at = events[cut].seq;
    const { transcript: tr } = await loadChat(fakeApi(events.slice(0, cut + 1)), sessionId, at);
    for (const e of events.slice(cut - 5)) applyEvent(tr, e);
    const last = tr.turns[tr.turns.length - 1];
    expect(last.items.filter((i) => i.type === "fileChange")).toHaveLength(1);
    expect(last.items.filter((i) => i.type === "userMessage")).toHaveLength(1);
  });

  it("finds the turn's start by searching back in growing windows, not from the beginning", async () => {
    const calls: string[] = [];
    const at = events[events.length - 1].seq;
    await loadChat(fakeApi(events, calls), sessionId, at);
    expect(calls[1]).toBe(`since=${Math.max(0, at - 2000)} types=turn.started`);
  });

  it("opens with one call and reads the running turn from its recorded start, with no search", async () => {
    const calls: string[] = [];
    const at = events[events.length - 1].seq;
    const start = events.find((e) => e.type === "turn.started" && e.turnId === transcript.turns[transcript.turns.length - 1].id)!.seq;
    const { transcript: tr } = await loadChat(fakeApi(events, calls, start), sessionId, at);
    expect(calls[0]).toBe("open limit=30");
    expect(calls.slice(1).every((c) => c === `since=${start - 1} types=` || !c.includes("turn.started"))).toBe(true);
    expect(calls).not.toContain(`since=${Math.max(0, at - 2000)} types=turn.started`);
    const last = tr.turns[tr.turns.length - 1];
    expect(last.items.map((i) => i.type)).toEqual(["userMessage", "fileChange"]);
  });
});
