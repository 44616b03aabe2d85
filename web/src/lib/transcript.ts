// Transcript assembly: turns and items from the REST transcript, then events applied on top in `seq` order.
//
// Rules that make replay and reordering safe (tested in src/test/transcript.test.ts):
// - every event at or below `lastSeq` is ignored, so a replayed overlap is never applied twice;
// - deltas only apply to items that are still open: an item that a REST page or an `item.completed` already closed
//   keeps its final text, whatever deltas arrive after it;
// - a delta for an item not seen yet creates it (the `item.started` can come later and only fills in fields);
// - `item.completed` is authoritative for text and output;
// - a turn the composer is sending shows at once; the `turn.started` that follows adopts it.
// The state is mutated in place (a 20,000-delta reply must not copy arrays per delta) and `version` is bumped on
// every change so views can re-render cheaply.
import type { Envelope, Obj, PendingRequest, Turn } from "../api/types";

export type TurnPhase = "sending" | "streaming" | "waiting" | "done" | "failed" | "interrupted";

export interface ItemView {
  id: string;
  type: string;
  item: Obj;
  text: string;
  reasoning: string[];
  output: string;
  done: boolean;
  closedByHost: string | null;
  progress: string[];
}

export interface TurnView {
  id: string;
  local: boolean;
  status: string; // app-server: inProgress | completed | failed | interrupted (or "sending" before it starts)
  items: ItemView[];
  error: string | null;
  warnings: string[];
  startedAtMs: number | null;
  completedAtMs: number | null;
  durationMs: number | null;
  plan: { step: string; status: string }[] | null;
  planExplanation: string | null;
  diff: string | null;
}

export interface TranscriptState {
  sessionId: string;
  turns: TurnView[];
  lastSeq: number;
  version: number;
  /** Older turns can be paged in with this cursor (REST, order=desc). */
  olderCursor: string | null;
}

let localCounter = 0;

export function emptyTranscript(sessionId: string, lastSeq = 0): TranscriptState {
  return { sessionId, turns: [], lastSeq, version: 0, olderCursor: null };
}

function newItem(id: string, type: string, item: Obj = { id, type }): ItemView {
  return { id, type, item, text: "", reasoning: [], output: "", done: false, closedByHost: null, progress: [] };
}

function newTurn(id: string, local = false): TurnView {
  return {
    id,
    local,
    status: local ? "sending" : "inProgress",
    items: [],
    error: null,
    warnings: [],
    startedAtMs: local ? Date.now() : null,
    completedAtMs: null,
    durationMs: null,
    plan: null,
    planExplanation: null,
    diff: null,
  };
}

/** The text an item carries when complete (agent message text, plan text). */
function finalText(item: Obj): string | null {
  if (typeof item.text === "string") return item.text;
  return null;
}

function fillFromItem(view: ItemView, item: Obj, complete: boolean) {
  view.item = { ...view.item, ...item };
  view.type = item.type ?? view.type;
  const text = finalText(item);
  if (text !== null && (complete || text.length >= view.text.length)) view.text = text;
  if (Array.isArray(item.summary) && (complete || item.summary.length >= view.reasoning.length)) {
    view.reasoning = item.summary.map((s: unknown) => (typeof s === "string" ? s : JSON.stringify(s)));
  }
  const out = item.aggregatedOutput ?? item.output;
  if (typeof out === "string" && (complete || out.length >= view.output.length)) view.output = out;
  if (complete) view.done = true;
}

function turnFromRest(t: Turn): TurnView {
  const view = newTurn(t.id);
  view.status = t.status;
  view.error = t.error?.message ?? null;
  view.startedAtMs = t.startedAt ? t.startedAt * 1000 : null;
  view.completedAtMs = t.completedAt ? t.completedAt * 1000 : null;
  view.durationMs = t.durationMs ?? null;
  const running = t.status === "inProgress";
  for (const it of t.items ?? []) {
    const iv = newItem(String(it.id), String(it.type));
    const complete = !running || it.completedAtMs != null || (it.status && it.status !== "inProgress");
    fillFromItem(iv, it, Boolean(complete));
    if (it.type === "plan" && typeof it.text === "string") iv.text = it.text;
    // A reply cut short, which app-server's history drops: the host puts back what it streamed.
    if (it.keptByHost === true) iv.closedByHost = `stopped: the turn ended (${t.status}) before the reply completed`;
    view.items.push(iv);
  }
  return view;
}

/** Build from REST turns (oldest first); `lastSeq` is the log position the page is known to be consistent with. */
export function fromRest(sessionId: string, turns: Turn[], lastSeq: number, olderCursor: string | null = null): TranscriptState {
  const state = emptyTranscript(sessionId, lastSeq);
  state.turns = turns.map(turnFromRest);
  state.olderCursor = olderCursor;
  state.version = 1;
  return state;
}

/** Put an older REST page (oldest first) in front; turns already present are kept as they are. */
export function prependOlder(state: TranscriptState, turns: Turn[], olderCursor: string | null) {
  const have = new Set(state.turns.map((t) => t.id));
  const older = turns.filter((t) => !have.has(t.id)).map(turnFromRest);
  state.turns = [...older, ...state.turns];
  state.olderCursor = olderCursor;
  state.version++;
}

/** Show a message being sent before the host answers. Returns the local turn id. */
export function addSending(state: TranscriptState, text: string): string {
  const id = `local-${++localCounter}`;
  const turn = newTurn(id, true);
  const user = newItem(`local-user-${localCounter}`, "userMessage", { type: "userMessage", content: [{ type: "text", text }] });
  user.done = true;
  turn.items.push(user);
  state.turns.push(turn);
  state.version++;
  return id;
}

/** The host accepted the message: the local turn is this turn. */
export function bindSending(state: TranscriptState, localId: string, turnId: string) {
  const local = state.turns.find((t) => t.id === localId);
  if (!local) return;
  const real = state.turns.find((t) => t.id === turnId && t !== local);
  if (real) {
    // turn.started came first and already adopted another placeholder, or the events built it: keep the real one.
    mergeLocalUser(real, local);
    state.turns = state.turns.filter((t) => t !== local);
  } else {
    local.id = turnId;
    local.local = false;
    if (local.status === "sending") local.status = "inProgress";
  }
  state.version++;
}

/** Sending failed: the local turn shows the error and is failed. */
export function failSending(state: TranscriptState, localId: string, message: string) {
  const local = state.turns.find((t) => t.id === localId);
  if (!local) return;
  local.status = "failed";
  local.error = message;
  local.local = true;
  state.version++;
}

function mergeLocalUser(real: TurnView, local: TurnView) {
  if (!real.items.some((i) => i.type === "userMessage")) {
    real.items.unshift(...local.items.filter((i) => i.id.startsWith("local-user-")));
  }
}

function ensureTurn(state: TranscriptState, turnId: string): TurnView {
  let turn = state.turns.find((t) => t.id === turnId);
  if (turn) return turn;
  // A turn the composer is sending (not bound yet) is this one.
  turn = state.turns.find((t) => t.local && t.status === "sending");
  if (turn) {
    turn.id = turnId;
    turn.local = false;
    turn.status = "inProgress";
    return turn;
  }
  turn = newTurn(turnId);
  state.turns.push(turn);
  return turn;
}

function ensureItem(turn: TurnView, itemId: string, type: string): ItemView {
  let item = turn.items.find((i) => i.id === itemId);
  if (!item) {
    item = newItem(itemId, type);
    turn.items.push(item);
  }
  return item;
}

function dropLocalUser(turn: TurnView) {
  if (turn.items.some((i) => i.id.startsWith("local-user-"))) {
    turn.items = turn.items.filter((i) => !i.id.startsWith("local-user-"));
  }
}

/** The turn an event belongs to: the envelope's, else the params'. */
function eventTurnId(ev: Envelope): string | null {
  return ev.turnId ?? ev.data?.turnId ?? ev.data?.turn?.id ?? null;
}

/** Apply one event. Returns true when it changed the transcript. */
export function applyEvent(state: TranscriptState, ev: Envelope): boolean {
  if (ev.sessionId !== state.sessionId) return false;
  if (ev.seq <= state.lastSeq) return false;
  state.lastSeq = ev.seq;
  const changed = applyUnchecked(state, ev);
  if (changed) state.version++;
  return changed;
}

function applyUnchecked(state: TranscriptState, ev: Envelope): boolean {
  const d = ev.data ?? {};
  const turnId = eventTurnId(ev);
  switch (ev.type) {
    case "turn.started": {
      if (!d.turn?.id) return false;
      const turn = ensureTurn(state, d.turn.id);
      if (turn.status === "sending" || turn.status === "inProgress") turn.status = "inProgress";
      if (d.turn.startedAt) turn.startedAtMs = d.turn.startedAt * 1000;
      return true;
    }
    case "turn.completed": {
      if (!d.turn?.id) return false;
      const turn = ensureTurn(state, d.turn.id);
      turn.status = d.turn.status ?? "completed";
      if (d.turn.error?.message) turn.error = d.turn.error.message;
      if (d.turn.completedAt) turn.completedAtMs = d.turn.completedAt * 1000;
      else turn.completedAtMs = Date.parse(ev.ts) || Date.now();
      if (d.turn.durationMs != null) turn.durationMs = d.turn.durationMs;
      else if (turn.startedAtMs && turn.completedAtMs) turn.durationMs = turn.completedAtMs - turn.startedAtMs;
      for (const item of turn.items) item.done = true;
      return true;
    }
    case "turn.error": {
      if (!turnId) return false;
      const turn = ensureTurn(state, turnId);
      const msg = d.error?.message ?? d.message ?? JSON.stringify(d.error ?? d);
      if (d.willRetry) turn.warnings.push(`${msg} (retrying)`);
      else turn.error = msg;
      return true;
    }
    case "turn.plan_updated": {
      if (!turnId) return false;
      const turn = ensureTurn(state, turnId);
      turn.plan = Array.isArray(d.plan) ? d.plan.map((p: Obj) => ({ step: String(p.step ?? ""), status: String(p.status ?? "pending") })) : null;
      turn.planExplanation = d.explanation ?? null;
      return true;
    }
    case "turn.diff_updated": {
      if (!turnId) return false;
      ensureTurn(state, turnId).diff = typeof d.diff === "string" ? d.diff : null;
      return true;
    }
    case "item.started":
    case "item.completed": {
      const item = d.item;
      if (!turnId || !item?.id) return false;
      const turn = ensureTurn(state, turnId);
      if (item.type === "userMessage") dropLocalUser(turn);
      const view = ensureItem(turn, String(item.id), String(item.type));
      if (ev.type === "item.started") {
        if (!view.done) fillFromItem(view, item, false);
      } else if (d.closedByHost) {
        // The host closed it (turn ended / app-server exited): keep what streamed, mark why.
        view.item = { ...item, ...view.item, status: view.item.status === "inProgress" || !view.item.status ? "interrupted" : view.item.status };
        view.closedByHost = d.reason ?? "closed by the host";
        view.done = true;
      } else {
        view.closedByHost = null;
        fillFromItem(view, item, true);
      }
      return true;
    }
    case "item.delta":
    case "item.plan.delta": {
      if (!turnId || !d.itemId) return false;
      const view = ensureItem(ensureTurn(state, turnId), String(d.itemId), ev.type === "item.delta" ? "agentMessage" : "plan");
      if (view.done) return false;
      view.text += String(d.delta ?? "");
      return true;
    }
    case "item.reasoning.delta":
    case "item.reasoning.part_added": {
      if (!turnId || !d.itemId) return false;
      const view = ensureItem(ensureTurn(state, turnId), String(d.itemId), "reasoning");
      if (view.done) return false;
      const idx = Number(d.summaryIndex ?? 0);
      while (view.reasoning.length <= idx) view.reasoning.push("");
      if (ev.type === "item.reasoning.delta") view.reasoning[idx] += String(d.delta ?? "");
      return true;
    }
    case "item.command.output_delta":
    case "item.file_change.output_delta": {
      if (!turnId || !d.itemId) return false;
      const view = ensureItem(ensureTurn(state, turnId), String(d.itemId), ev.type === "item.command.output_delta" ? "commandExecution" : "fileChange");
      if (view.done) return false;
      view.output += String(d.delta ?? "");
      return true;
    }
    case "item.file_change.patch_updated": {
      if (!turnId || !d.itemId) return false;
      const view = ensureItem(ensureTurn(state, turnId), String(d.itemId), "fileChange");
      if (Array.isArray(d.changes)) view.item = { ...view.item, changes: d.changes };
      return true;
    }
    case "item.mcp.progress": {
      if (!turnId || !d.itemId) return false;
      const view = ensureItem(ensureTurn(state, turnId), String(d.itemId), "mcpToolCall");
      if (d.message) view.progress.push(String(d.message));
      return true;
    }
    default:
      return false;
  }
}

/** What a turn is doing, for its badge. */
export function turnPhase(turn: TurnView, requests: PendingRequest[]): TurnPhase {
  switch (turn.status) {
    case "sending":
      return "sending";
    case "completed":
      return "done";
    case "failed":
      return "failed";
    case "interrupted":
      return "interrupted";
    default:
      return requests.some((r) => r.turnId === turn.id && r.status === "pending") ? "waiting" : "streaming";
  }
}

/** The agent text of a turn, all messages joined (used by tests and the copy button). */
export function turnText(turn: TurnView): string {
  return turn.items
    .filter((i) => i.type === "agentMessage")
    .map((i) => i.text)
    .join("\n");
}

/** Merge a request record into a map keyed by id: a finished record is never turned back into a pending one. */
export function mergeRequest(map: Map<string, PendingRequest>, req: PendingRequest): boolean {
  const have = map.get(req.id);
  if (have && have.status !== "pending" && req.status === "pending") return false;
  map.set(req.id, req);
  return true;
}

/** One row of a turn as shown: an item with the requests about it, or a request about no item shown. */
export type TurnRow = { kind: "item"; item: ItemView; requests: PendingRequest[] } | { kind: "request"; request: PendingRequest };

/**
 * Requests in the turn where they happened. A request about an item goes with that item (the card is drawn before
 * the item's output). One about no item shown (a question, a tool call) goes before the first item that started
 * after it was asked, so answering it does not move it below what followed; items without a start time keep their
 * order and never decide a position.
 */
export function placeRequests(items: ItemView[], requests: PendingRequest[]): TurnRow[] {
  const ids = new Set(items.map((i) => i.id));
  const byItem = new Map<string, PendingRequest[]>();
  const loose: PendingRequest[] = [];
  for (const r of [...requests].sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
    if (r.itemId && ids.has(r.itemId)) byItem.set(r.itemId, [...(byItem.get(r.itemId) ?? []), r]);
    else loose.push(r);
  }
  const rows: TurnRow[] = [];
  let next = 0;
  for (const item of items) {
    const started = Number(item.item.startedAtMs);
    if (Number.isFinite(started) && started > 0) {
      while (next < loose.length && Date.parse(loose[next].createdAt) < started) rows.push({ kind: "request", request: loose[next++] });
    }
    rows.push({ kind: "item", item, requests: byItem.get(item.id) ?? [] });
  }
  while (next < loose.length) rows.push({ kind: "request", request: loose[next++] });
  return rows;
}
