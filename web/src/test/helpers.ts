import fixture from "./fixtures/demo-session.json";
import type { Envelope, Transcript } from "../api/types";

/** Real events and the REST transcript of one demo session (recorded from a host running the fake model):
 * a plain reply, an approved command, an unanswered tool-input turn, an answered one, and a patch waiting for
 * approval (the last turn is still running). */
export const events = fixture.events as Envelope[];
export const transcript = fixture.transcript as Transcript;
export const sessionId = events[0].sessionId!;

export function ev(seq: number, type: string, data: any, turnId: string | null = "t1", sid = "s1"): Envelope {
  return { seq, ts: "2026-01-01T00:00:00.000Z", type, sessionId: sid, turnId, projectId: null, data };
}
