// Opening a chat: one call (`GET /api/sessions/{id}`) gives the session, the REST transcript for finished turns and
// the running turn's record; the running turn is rebuilt from the log from its recorded start, so a reload in the
// middle of a turn shows everything that streamed so far and keeps streaming.
import type { Envelope, SessionDetail, Session, Transcript } from "../api/types";
import { applyEvent, fromRest, type TranscriptState } from "./transcript";

export interface EventsPage {
  events: Envelope[];
  nextSince: number;
  latestSeq: number;
  reset: boolean;
}

export interface LoaderApi {
  /** The session, its newest `limit` turns (`order=desc`) and the running turn's record. */
  open(id: string, limit: number): Promise<SessionDetail>;
  /** Newest turns first (`order=desc`). */
  transcript(id: string, limit: number, cursor?: string | null): Promise<Transcript>;
  events(query: { since: number; sessions: string; types?: string; limit: number }): Promise<EventsPage>;
}

const PAGE = 5000;

/** Read every event of the session after `since`, up to the newest (paged). */
export async function readEvents(api: LoaderApi, sessionId: string, since: number, types?: string): Promise<Envelope[]> {
  const out: Envelope[] = [];
  let at = since;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await api.events({ since: at, sessions: sessionId, types, limit: PAGE });
    if (page.reset) return out;
    out.push(...page.events);
    if (page.nextSince <= at || page.nextSince >= page.latestSeq) break;
    at = page.nextSince;
  }
  return out;
}

/**
 * The seq of a turn's `turn.started`, searched backwards from `near` in growing windows: only for a running turn
 * whose record has no start seq (the host had not logged it yet, or a store from before turn records).
 */
export async function findTurnStart(api: LoaderApi, sessionId: string, turnId: string, near: number): Promise<number | null> {
  for (const window of [2_000, 20_000, 200_000, Infinity]) {
    const since = window === Infinity ? 0 : Math.max(0, near - window);
    const started = await readEvents(api, sessionId, since, "turn.started");
    const hit = started.find((e) => e.data?.turn?.id === turnId);
    if (hit) return hit.seq;
    if (since === 0) return null;
  }
  return null;
}

export interface LoadedChat {
  session: Session;
  transcript: TranscriptState;
}

/**
 * Load a chat consistent with log position `at` (the stream's cursor when loading started): events after `at`
 * apply on top without doubling anything (see transcript.ts).
 */
export async function loadChat(api: LoaderApi, sessionId: string, at: number, turnsLimit = 30): Promise<LoadedChat> {
  const detail = await api.open(sessionId, turnsLimit);
  const session = detail.session;
  const transcript = detail.transcript ?? { turns: [], nextCursor: null };
  const turns = [...(transcript.turns ?? [])].reverse();
  const activeId = detail.activeTurn?.id ?? session.activeTurnId ?? null;
  if (!activeId) {
    return { session, transcript: fromRest(sessionId, turns, at, transcript.nextCursor ?? null) };
  }
  const start = detail.activeTurn?.startSeq ?? (await findTurnStart(api, sessionId, activeId, at));
  if (start === null) {
    // Beyond retention: what the REST page has is all there is.
    return { session, transcript: fromRest(sessionId, turns, at, transcript.nextCursor ?? null) };
  }
  const finished = turns.filter((t) => t.id !== activeId);
  const state = fromRest(sessionId, finished, start - 1, transcript.nextCursor ?? null);
  for (const ev of await readEvents(api, sessionId, start - 1)) applyEvent(state, ev);
  if (state.lastSeq < at) state.lastSeq = at;
  return { session, transcript: state };
}
