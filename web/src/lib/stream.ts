// One websocket to /api/stream with replay by `seq`: the cursor remembers the last event processed, a reconnect
// asks for `since=<that seq>`, frames at or below it are dropped (so a replay overlap is never applied twice), and
// a `reset` frame tells the app to re-read its state over REST. Pure logic, with the socket injected, so the unit
// tests drive it with a fake socket (src/test/stream.test.ts).
import { route } from "../api/routes";
import type { Envelope } from "../api/types";

export type FrameKind = "event" | "duplicate" | "reset" | "pending" | "invalid";

/** The replay cursor: which frames to apply, which to drop. */
export class StreamCursor {
  constructor(public lastSeq: number | null = null) {}

  classify(frame: Envelope): FrameKind {
    if (!frame || typeof frame.seq !== "number" || typeof frame.type !== "string") return "invalid";
    if (frame.type === "requests.pending") return "pending"; // a snapshot at connect: no position of its own
    if (frame.type === "reset") {
      this.lastSeq = frame.seq; // the position to continue from
      return "reset";
    }
    if (this.lastSeq !== null && frame.seq <= this.lastSeq) return "duplicate";
    this.lastSeq = frame.seq;
    return "event";
  }
}

export interface SocketLike {
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: { data: any }) => void) | null;
  onclose: ((ev: any) => void) | null;
  onerror: ((ev: any) => void) | null;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

export type ConnectionStatus = "connecting" | "open" | "disconnected";

export interface ConnectionState {
  status: ConnectionStatus;
  /** Reconnect attempts since the last successful open. */
  attempts: number;
  lastSeq: number | null;
  /** When the next attempt is due (ms since epoch), while disconnected. */
  retryAt: number | null;
  /** Frames applied / dropped as duplicates since start (shown in the status panel, checked by tests). */
  applied: number;
  duplicates: number;
  connects: number;
}

export interface StreamHandlers {
  onEvent(ev: Envelope): void;
  onReset(frame: Envelope): void;
  onPending(frame: Envelope): void;
  onState?(state: ConnectionState): void;
}

export interface StreamOptions {
  /** Path (and query) of the stream, without `since`; default: the stream route. */
  path?: string;
  /** Delay before reconnect attempt n (0-based). */
  backoff?: (attempt: number) => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
  now?: () => number;
}

export const defaultBackoff = (attempt: number) => Math.min(5000, 300 * 2 ** attempt);

export class StreamClient {
  readonly cursor: StreamCursor;
  private socket: SocketLike | null = null;
  private timer: unknown = null;
  private stopped = true;
  private st: ConnectionState;
  private opts: Required<StreamOptions>;

  constructor(
    private factory: SocketFactory,
    private handlers: StreamHandlers,
    opts: StreamOptions = {},
  ) {
    this.opts = {
      path: opts.path ?? route("events.stream").path,
      backoff: opts.backoff ?? defaultBackoff,
      setTimer: opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms)),
      clearTimer: opts.clearTimer ?? ((t) => clearTimeout(t as any)),
      now: opts.now ?? (() => Date.now()),
    };
    this.cursor = new StreamCursor();
    this.st = { status: "disconnected", attempts: 0, lastSeq: null, retryAt: null, applied: 0, duplicates: 0, connects: 0 };
  }

  get state(): ConnectionState {
    return this.st;
  }

  /** Start streaming from `since` (the log position the app's REST reads are consistent with). */
  start(since: number | null) {
    this.cursor.lastSeq = since;
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    if (this.timer !== null) this.opts.clearTimer(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = s.onmessage = s.onerror = s.onopen = null;
      s.close();
    }
    this.update({ status: "disconnected", retryAt: null });
  }

  /** Drop the connection as a network failure would (the normal reconnect path follows). */
  drop() {
    this.socket?.close();
  }

  /** Reconnect now instead of waiting for the backoff. */
  retryNow() {
    if (this.stopped || this.st.status !== "disconnected") return;
    if (this.timer !== null) this.opts.clearTimer(this.timer);
    this.timer = null;
    this.connect();
  }

  url(): string {
    const since = this.cursor.lastSeq;
    const sep = this.opts.path.includes("?") ? "&" : "?";
    return since === null ? this.opts.path : `${this.opts.path}${sep}since=${since}`;
  }

  private update(patch: Partial<ConnectionState>) {
    this.st = { ...this.st, ...patch, lastSeq: this.cursor.lastSeq };
    this.handlers.onState?.(this.st);
  }

  private connect() {
    this.timer = null;
    this.update({ status: "connecting", retryAt: null });
    let socket: SocketLike;
    try {
      socket = this.factory(this.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.update({ status: "open", attempts: 0, connects: this.st.connects + 1 });
    };
    socket.onmessage = (msg) => {
      if (this.socket !== socket) return;
      this.receive(msg.data);
    };
    socket.onerror = () => {
      /* onclose follows */
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect() {
    if (this.stopped) return;
    const delay = this.opts.backoff(this.st.attempts);
    this.timer = this.opts.setTimer(() => this.connect(), delay);
    this.update({ status: "disconnected", attempts: this.st.attempts + 1, retryAt: this.opts.now() + delay });
  }

  /** Handle one text frame. Exposed for tests. */
  receive(data: unknown) {
    let frame: Envelope;
    try {
      frame = JSON.parse(String(data));
    } catch {
      return;
    }
    switch (this.cursor.classify(frame)) {
      case "event":
        this.st = { ...this.st, applied: this.st.applied + 1, lastSeq: this.cursor.lastSeq };
        this.handlers.onEvent(frame);
        break;
      case "duplicate":
        this.st = { ...this.st, duplicates: this.st.duplicates + 1 };
        break;
      case "reset":
        this.st = { ...this.st, lastSeq: this.cursor.lastSeq };
        this.handlers.onReset(frame);
        break;
      case "pending":
        this.handlers.onPending(frame);
        break;
      case "invalid":
        break;
    }
  }
}
