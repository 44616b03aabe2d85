// Opening a chat: one call (`GET /api/sessions/{id}`) gives the session, the REST transcript for finished turns and
// the running turn's record; the running turn is rebuilt from the log from its recorded start, so a reload in the
// middle of a turn shows everything that streamed so far and keeps streaming.
import type { Envelope, SessionDetail, Session, Transcript, TurnRecord } from "../api/types";
import { applyEvent, emptyTranscript, fromRest, type TranscriptState, type TurnView } from "./transcript";

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
  /** A turn's record (its `startSeq`/`endSeq` in the log); optional: without it interrupted turns show what REST has. */
  turn?(id: string, turnId: string): Promise<TurnRecord>;
}

const PAGE = 5000;

/** Read every event of the session after `since`, up to the newest or up to `until` (paged). */
export async function readEvents(api: LoaderApi, sessionId: string, since: number, types?: string, until = Infinity): Promise<Envelope[]> {
  const out: Envelope[] = [];
  let at = since;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await api.events({ since: at, sessions: sessionId, types, limit: PAGE });
    if (page.reset) return out;
    out.push(...page.events.filter((e) => e.seq <= until));
    if (page.nextSince <= at || page.nextSince >= page.latestSeq || page.nextSince >= until) break;
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
    const state = fromRest(sessionId, turns, at, transcript.nextCursor ?? null);
    await recoverInterrupted(api, sessionId, state);
    return { session, transcript: state };
  }
  const start = detail.activeTurn?.startSeq ?? (await findTurnStart(api, sessionId, activeId, at));
  if (start === null) {
    // Beyond retention: what the REST page has is all there is.
    return { session, transcript: fromRest(sessionId, turns, at, transcript.nextCursor ?? null) };
  }
  const finished = turns.filter((t) => t.id !== activeId);
  const state = fromRest(sessionId, finished, start - 1, transcript.nextCursor ?? null);
  await recoverInterrupted(api, sessionId, state);
  for (const ev of await readEvents(api, sessionId, start - 1)) applyEvent(state, ev);
  if (state.lastSeq < at) state.lastSeq = at;
  return { session, transcript: state };
}

/** The item events a turn's streamed text is made of. */
const ITEM_EVENTS = ["item.started", "item.completed", "item.delta", "item.plan.delta", "item.reasoning.delta", "item.reasoning.part_added", "item.command.output_delta", "item.file_change.output_delta"].join(",");

/** How many of the newest interrupted turns are completed from the log when a chat opens. */
export const RECOVER_INTERRUPTED = 3;

/**
 * An interrupted turn's text that streamed before the interrupt: app-server's thread history (the REST transcript)
 * keeps no unfinished item, and the host closes it with no text, but the deltas are in the host's event log. For the
 * newest interrupted turns on the page, the items REST lacks are rebuilt from the log between the turn record's
 * `startSeq` and `endSeq` (shown as stopped by the host, as they were live). Beyond retention, nothing is added.
 */
export async function recoverInterrupted(api: LoaderApi, sessionId: string, state: TranscriptState, limit = RECOVER_INTERRUPTED): Promise<void> {
  if (!api.turn) return;
  const cut = state.turns.filter((t) => t.status === "interrupted").slice(-limit);
  for (const turn of cut) {
    try {
      const rec = await api.turn(sessionId, turn.id);
      if (rec.startSeq == null || rec.endSeq == null) continue;
      const live = emptyTranscript(sessionId, rec.startSeq - 1);
      live.turns.push({ ...turn, items: [] } as TurnView);
      for (const ev of await readEvents(api, sessionId, rec.startSeq - 1, ITEM_EVENTS, rec.endSeq)) if (ev.turnId === turn.id || ev.data?.turnId === turn.id) applyEvent(live, ev);
      mergeStreamed(turn, live.turns[0]);
    } catch {
      /* the turn shows what REST has */
    }
  }
}

/** REST's items stay as they are; streamed ones REST lacks (with something to show) go in their streamed order. */
function mergeStreamed(turn: TurnView, streamed: TurnView) {
  const have = new Map(turn.items.map((i) => [i.id, i]));
  const extra = streamed.items.filter((i) => !have.has(i.id) && (i.text || i.output || i.reasoning.some(Boolean)));
  if (!extra.length) return;
  const keep = new Set(extra.map((i) => i.id));
  const order = streamed.items.filter((i) => have.has(i.id) || keep.has(i.id)).map((i) => have.get(i.id) ?? i);
  // REST items the log did not show (beyond what was read) keep their place at the front.
  const rest = turn.items.filter((i) => !order.includes(i));
  turn.items = [...rest, ...order];
}
