import { describe, expect, it } from "vitest";
import { StreamClient, type SocketLike } from "../lib/stream";
import type { Envelope } from "../api/types";

class FakeSocket implements SocketLike {
  onopen: ((ev: any) => void) | null = null;
  onmessage: ((ev: { data: any }) => void) | null = null;
  onclose: ((ev: any) => void) | null = null;
  onerror: ((ev: any) => void) | null = null;
  closed = false;
  constructor(public url: string) {}
  open() {
    this.onopen?.({});
  }
  frame(seq: number, type = "item.delta", data: any = {}) {
    this.onmessage?.({ data: JSON.stringify({ seq, type, ts: "", sessionId: "s", turnId: null, projectId: null, data }) });
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.({});
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const got: number[] = [];
  const resets: Envelope[] = [];
  const pending: Envelope[] = [];
  const states: string[] = [];
  const client = new StreamClient(
    (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    { onEvent: (e) => got.push(e.seq), onReset: (f) => resets.push(f), onPending: (f) => pending.push(f), onState: (s) => states.push(s.status) },
    { setTimer: (fn, ms) => timers.push({ fn, ms }), clearTimer: () => undefined, now: () => 0 },
  );
  return { client, sockets, timers, got, resets, pending, states };
}

describe("StreamClient", () => {
  it("starts at the given position and drops repeated frames", () => {
    const h = harness();
    h.client.start(10);
    expect(h.sockets[0].url).toBe("/api/stream?since=10");
    h.sockets[0].open();
    for (const seq of [9, 10, 11, 12, 12, 11, 13]) h.sockets[0].frame(seq);
    expect(h.got).toEqual([11, 12, 13]);
    expect(h.client.state.duplicates).toBe(4);
  });

  it("reconnects after a drop from the last processed seq, with nothing missing or doubled", () => {
    const h = harness();
    h.client.start(0);
    h.sockets[0].open();
    [1, 2, 3].forEach((s) => h.sockets[0].frame(s));
    h.sockets[0].close();
    expect(h.client.state.status).toBe("disconnected");
    expect(h.timers).toHaveLength(1);
    h.timers[0].fn();
    expect(h.sockets[1].url).toBe("/api/stream?since=3");
    h.sockets[1].open();
    [2, 3, 4, 5].forEach((s) => h.sockets[1].frame(s)); // an overlapping replay
    expect(h.got).toEqual([1, 2, 3, 4, 5]);
    expect(h.states).toEqual(["connecting", "open", "disconnected", "connecting", "open"]);
  });

  it("backs off while the host is unreachable, and resets the backoff once connected", () => {
    const h = harness();
    h.client.start(5);
    h.sockets[0].close();
    h.timers[0].fn();
    h.sockets[1].close();
    h.timers[1].fn();
    h.sockets[2].close();
    expect(h.timers.map((t) => t.ms)).toEqual([300, 600, 1200]);
    h.timers[2].fn();
    h.sockets[3].open();
    expect(h.client.state.attempts).toBe(0);
    expect(h.sockets.every((s) => s.url === "/api/stream?since=5")).toBe(true);
  });

  it("a reset frame moves the cursor and asks for a re-read; a pending snapshot does not move it", () => {
    const h = harness();
    h.client.start(100);
    h.sockets[0].open();
    h.sockets[0].frame(100, "requests.pending", { requests: [{ id: "r" }] });
    expect(h.pending).toHaveLength(1);
    expect(h.client.cursor.lastSeq).toBe(100);
    h.sockets[0].frame(5120, "reset", { reason: "beyond_retention", oldestSeq: 3001, latestSeq: 5120 });
    expect(h.resets).toHaveLength(1);
    expect(h.client.cursor.lastSeq).toBe(5120);
    h.sockets[0].frame(5121);
    expect(h.got).toEqual([5121]);
  });

  it("stop closes the socket and never reconnects", () => {
    const h = harness();
    h.client.start(null);
    expect(h.sockets[0].url).toBe("/api/stream");
    h.client.stop();
    expect(h.sockets[0].closed).toBe(true);
    expect(h.timers).toHaveLength(0);
  });
});
