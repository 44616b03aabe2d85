// The app's state: host readiness, the stream connection, sessions and projects for the sidebar, requests, and
// the open chat. One websocket feeds it all; views subscribe with `useStore()`.
import { useSyncExternalStore } from "react";
import { call, errorText, isMissingRoute } from "../api/client";
import type { Envelope, Followup, FollowupList, Job, PendingRequest, Project, Ready, Session, SessionDetail, SessionNote, SessionPage, Transcript, TurnRecordPage } from "../api/types";
import { applyFollowupEvent } from "./followups";
import { jobFromEvent, mergeJob } from "./jobs";
import { loadChat, readEvents, type LoaderApi } from "./loader";
import { StreamClient, type ConnectionState, type SocketLike } from "./stream";
import { mergeNotes, noteFromEvent } from "./notes";
import { applyEvent, mergeRequest, prependOlder, type TranscriptState } from "./transcript";
import { applyUsageEvent, emptyUsage, USAGE_EVENT, type UsageState } from "./usage";

export interface ChatView {
  id: string;
  session: Session | null;
  transcript: TranscriptState | null;
  loading: boolean;
  error: string | null;
  notes: SessionNote[];
  buffered: Envelope[];
  /** Token usage per turn and for the session, from `session.token_usage` events. */
  usage: UsageState;
  /** The follow-ups waiting in the session's queue, in the order they start (kept by `followup.*` events). */
  followups: Followup[];
  /** Re-reading the shown chat after a reconnect: events apply to what is shown and are kept for the fresh copy. */
  refreshing?: boolean;
}

type Listener = () => void;
type EventListener = (ev: Envelope) => void;

export const loaderApi: LoaderApi = {
  open: (id, limit) => call<SessionDetail>("sessions.get", { params: { id }, query: { limit, order: "desc" } }),
  transcript: (id, limit, cursor) => call<Transcript>("sessions.transcript", { params: { id }, query: { limit, order: "desc", cursor } }),
  events: (q) => call("events.list", { query: q }),
};

/** The stream opened again after having been open: what the page shows may be stale. */
export function isReconnect(wasOpen: boolean, st: ConnectionState): boolean {
  return st.status === "open" && !wasOpen && st.connects > 1;
}

class Store {
  version = 0;
  ready: Ready | null = null;
  readyError: string | null = null;
  conn: ConnectionState = { status: "connecting", attempts: 0, lastSeq: null, retryAt: null, applied: 0, duplicates: 0, connects: 0 };
  sessions: Session[] = [];
  sessionsError: string | null = null;
  /** The next page of the chat list (`nextCursor`), null when every chat is listed. */
  sessionsCursor: string | null = null;
  /** Chats per page of `GET /api/sessions` (the API's maximum). */
  sessionPageSize = 500;
  notice: string | null = null;
  projects: Project[] = [];
  requests = new Map<string, PendingRequest>();
  /** The latest state seen of each job (events and answers merged): the composer follows its suggestion job here. */
  jobs = new Map<string, Job>();
  chat: ChatView | null = null;
  stream: StreamClient | null = null;
  private listeners = new Set<Listener>();
  private eventListeners = new Set<EventListener>();
  private notifyEnabled = false;

  subscribe = (fn: Listener) => {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  };
  getVersion = () => this.version;

  changed() {
    this.version++;
    for (const fn of this.listeners) fn();
  }

  /** Pages (plugins, jobs) follow the events they care about. */
  onEvent(fn: EventListener): () => void {
    this.eventListeners.add(fn);
    return () => {
      this.eventListeners.delete(fn);
    };
  }

  private booted = false;

  async boot() {
    if (this.booted) return;
    this.booted = true;
    this.notifyEnabled = typeof Notification !== "undefined" && Notification.permission === "granted";
    let since: number | null = null;
    try {
      this.ready = await call<Ready>("health.ready");
      since = this.ready.lastSeq;
    } catch (e: any) {
      // 503 carries the same body.
      if (e?.status === 503) {
        this.readyError = "app-server is not ready";
      } else {
        this.readyError = errorText(e);
      }
      try {
        const page = await call<{ latestSeq: number }>("events.list", { query: { limit: 1, types: "__none__" } });
        since = page.latestSeq;
      } catch {
        since = null;
      }
    }
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    this.stream = new StreamClient((url) => new WebSocket(`${proto}//${location.host}${url}`) as unknown as SocketLike, {
      onEvent: (ev) => this.handleEvent(ev),
      onReset: () => this.resync(),
      onPending: (frame) => {
        for (const r of frame.data?.requests ?? []) mergeRequest(this.requests, r);
        this.changed();
      },
      onState: (st) => {
        const wasOpen = this.conn.status === "open";
        this.conn = st;
        // A reconnect may follow a host restart (state changed without events: turns cut, requests expired) and
        // ends an outage during which reads failed: re-read everything shown, which also clears their errors.
        if (st.status === "open" && !wasOpen) void (isReconnect(wasOpen, st) ? this.resync() : this.refreshReady());
        this.changed();
      },
    });
    this.stream.start(since);
    await Promise.all([this.refreshSessions(), this.refreshProjects(), this.refreshPending()]);
    this.changed();
  }

  async refreshReady() {
    try {
      this.ready = await call<Ready>("health.ready");
      this.readyError = null;
    } catch (e: any) {
      this.readyError = e?.status === 503 ? "app-server is not ready" : errorText(e);
    }
    this.changed();
  }

  async refreshSessions() {
    try {
      const page = await call<SessionPage>("sessions.list", { query: { limit: this.sessionPageSize } });
      this.sessions = page.sessions.filter((x) => !x.workerOf);
      this.sessionsCursor = page.nextCursor ?? null;
      this.notice = page.notice ?? null;
      this.sessionsError = null;
      if (this.chat?.session) {
        const fresh = page.sessions.find((s) => s.id === this.chat!.id);
        if (fresh) this.chat.session = fresh;
      }
    } catch (e) {
      this.sessionsError = errorText(e);
    }
    this.changed();
  }

  /** The next page of the chat list, appended (a chat already listed, e.g. added by an event meanwhile, stays once). */
  async loadMoreSessions() {
    const cursor = this.sessionsCursor;
    if (!cursor) return;
    const page = await call<SessionPage>("sessions.list", { query: { limit: this.sessionPageSize, cursor } });
    const known = new Set(this.sessions.map((x) => x.id));
    this.sessions = [...this.sessions, ...page.sessions.filter((x) => !x.workerOf && !known.has(x.id))];
    this.sessionsCursor = page.nextCursor ?? null;
    this.changed();
  }

  async refreshProjects() {
    try {
      this.projects = await call<Project[]>("projects.list");
    } catch {
      /* the sidebar shows sessions without projects */
    }
    this.changed();
  }

  /**
   * The pending requests. `replace`: a request this page holds as pending that the host no longer lists (answered or
   * expired while the page was away) is dropped; one that arrives while the list is read is kept.
   */
  async refreshPending(replace = false) {
    const held = replace ? [...this.requests.values()].filter((r) => r.status === "pending").map((r) => r.id) : [];
    try {
      const list = await call<PendingRequest[]>("requests.list_all", { query: { status: "pending", limit: 500 } });
      const listed = new Set(list.map((r) => r.id));
      for (const id of held) if (!listed.has(id) && this.requests.get(id)?.status === "pending") this.requests.delete(id);
      for (const r of list) mergeRequest(this.requests, r);
    } catch {
      /* shown per chat */
    }
  }

  /**
   * A session's row as the host shows it (`session.updated` and its kin carry it), placed most recently active
   * first, as the host lists them. Worker sessions are plugins' helpers, never chats.
   */
  private applySession(s: Session, created: boolean) {
    if (!s?.id || s.workerOf) return;
    // An update about a session the list does not know (beyond its page, or one the host hides) does not invent a
    // chat: only `session.created` adds one.
    if (!created && !this.sessions.some((x) => x.id === s.id)) return;
    const rest = this.sessions.filter((x) => x.id !== s.id);
    const at = rest.findIndex((x) => x.lastActivityAt < s.lastActivityAt || (x.lastActivityAt === s.lastActivityAt && x.id < s.id));
    rest.splice(at < 0 ? rest.length : at, 0, s);
    this.sessions = rest;
    if (this.chat?.id === s.id) this.chat.session = s;
  }

  /** Re-read everything shown (events beyond retention, or a reconnect that may have missed state). */
  async resync() {
    await Promise.all([this.refreshReady(), this.refreshSessions(), this.refreshProjects(), this.refreshPending(true)]);
    await this.reloadChat();
  }

  /**
   * Re-read the open chat from the host. A chat shown without error is swapped for the fresh copy in one step (no
   * "Loading" flash, the scroll position kept); one that failed to load, or is loading, is opened again.
   */
  async reloadChat() {
    const chat = this.chat;
    if (!chat) return;
    if (chat.loading || chat.error || !chat.transcript) return this.openChat(chat.id, true);
    const at = this.stream?.cursor.lastSeq ?? 0;
    chat.refreshing = true;
    chat.buffered = [];
    try {
      const [loaded, requests, followups] = await Promise.all([
        loadChat(loaderApi, chat.id, at),
        call<PendingRequest[]>("requests.list_session", { params: { id: chat.id }, query: { limit: 500 } }),
        readFollowups(chat.id),
      ]);
      if (this.chat !== chat) return;
      const listed = new Set(requests.map((r) => r.id));
      for (const r of this.requestsFor(chat.id)) if (r.status === "pending" && !listed.has(r.id)) this.requests.delete(r.id);
      for (const r of requests) mergeRequest(this.requests, r);
      for (const ev of chat.buffered) applyEvent(loaded.transcript, ev);
      // Turns this page is still sending have no host record yet.
      for (const t of chat.transcript!.turns) if (t.local && !loaded.transcript.turns.some((x) => x.id === t.id)) loaded.transcript.turns.push(t);
      chat.session = loaded.session;
      chat.transcript = loaded.transcript;
      chat.followups = followups;
    } catch {
      /* what is shown stays; the next reconnect reads again */
    } finally {
      chat.refreshing = false;
      chat.buffered = [];
    }
    this.changed();
  }

  handleEvent(ev: Envelope) {
    const t = ev.type;
    const chat = this.chat;
    if (chat && ev.sessionId === chat.id) {
      if (chat.loading) chat.buffered.push(ev);
      else {
        if (chat.transcript) applyEvent(chat.transcript, ev);
        if (chat.refreshing) chat.buffered.push(ev);
      }
      applyUsageEvent(chat.usage, ev);
      chat.followups = applyFollowupEvent(chat.followups, ev);
      // History was cut back (by this page or another client): the host's transcript is the one to show.
      if (t === "session.reverted" && !chat.loading) void this.openChat(chat.id, true);
      const note = noteFromEvent(ev);
      if (note) chat.notes = mergeNotes(chat.notes, [note]);
    }
    const job = jobFromEvent(ev);
    if (job) this.noteJob(job);
    // `approval.assessed` carries the whole request with its assessment, published after the approval was asked.
    if ((/^(approval|tool_input|tool_call)\.(requested|resolved|expired)$/.test(t) || t === "approval.assessed") && ev.data?.id) {
      mergeRequest(this.requests, ev.data);
      if (t.endsWith(".requested")) this.maybeNotify(ev.data);
    } else if (t === "session.created" || t === "session.updated" || t === "session.archived" || t === "session.unarchived") {
      // The host publishes the row on every change it shows (turns, requests, title, archive, project): applied as
      // it comes, never re-listed.
      this.applySession(ev.data as Session, t === "session.created");
    } else if (t === "session.deleted") {
      this.sessions = this.sessions.filter((s) => s.id !== ev.data?.id);
    } else if (t.startsWith("project.")) {
      void this.refreshProjects();
    } else if (t.startsWith("app_server.account/")) {
      // The list's `notice` (no account for a provider that needs one) is the one thing no session event carries.
      void this.refreshSessions();
    } else if (t === "limits.updated" && this.ready) {
      // The host's limits block, as readiness carries it: the banner follows it without re-reading.
      this.ready = { ...this.ready, limits: ev.data };
    } else if (t === "runtime.ready" || t === "runtime.exited" || t === "runtime.stopped" || t === "runtime.unresponsive" || t === "runtime.responsive") {
      void this.refreshReady();
    }
    for (const fn of this.eventListeners) fn(ev);
    // Deltas re-render the open chat only; nothing else depends on them.
    this.changed();
  }

  async openChat(id: string, force = false) {
    if (!force && this.chat?.id === id && !this.chat.error) return;
    const at = this.stream?.cursor.lastSeq ?? 0;
    const chat: ChatView = { id, session: this.sessions.find((s) => s.id === id) ?? null, transcript: null, loading: true, error: null, notes: [], buffered: [], usage: emptyUsage(), followups: [] };
    this.chat = chat;
    this.changed();
    try {
      const [loaded, requests, notes, followups] = await Promise.all([
        loadChat(loaderApi, id, at),
        call<PendingRequest[]>("requests.list_session", { params: { id }, query: { limit: 500 } }),
        call<{ notes: SessionNote[] }>("notes.list", { params: { id } }).catch((e) => {
          if (isMissingRoute(e)) return { notes: [] };
          throw e;
        }),
        readFollowups(id),
      ]);
      if (this.chat !== chat) return;
      for (const r of requests) mergeRequest(this.requests, r);
      chat.session = loaded.session;
      chat.transcript = loaded.transcript;
      chat.notes = mergeNotes(notes.notes ?? [], chat.notes);
      // Events that arrived while loading were applied to the empty list: the list read now is the one to keep,
      // with them applied again on top.
      chat.followups = chat.buffered.reduce(applyFollowupEvent, followups);
      for (const ev of chat.buffered) applyEvent(loaded.transcript, ev);
      chat.buffered = [];
      chat.loading = false;
      void this.loadUsage(chat);
    } catch (e) {
      if (this.chat !== chat) return;
      chat.loading = false;
      chat.error = errorText(e);
    }
    this.changed();
  }

  /**
   * The usage events of the chat's loaded turns: read from the oldest loaded turn's start (its record's
   * `startSeq`), so opening a long chat does not scan the whole log. Live ones arrive on the stream.
   */
  async loadUsage(chat: ChatView) {
    try {
      const records = await call<TurnRecordPage>("turns.list_turns", { params: { id: chat.id }, query: { limit: Math.max(1, Math.min(200, chat.transcript?.turns.length ?? 1)) } });
      const oldest = records.turns.at(-1);
      if (!oldest) return;
      const since = Math.max(0, (oldest.startSeq ?? 1) - 1);
      for (const ev of await readEvents(loaderApi, chat.id, since, USAGE_EVENT)) applyUsageEvent(chat.usage, ev);
      if (this.chat === chat) this.changed();
    } catch {
      /* usage is an extra: the chat works without it */
    }
  }

  /** Record a job's state (from an event or an answer); the newer view wins. */
  noteJob(job: Job): Job {
    const merged = mergeJob(this.jobs.get(job.id), job);
    this.jobs.set(job.id, merged);
    if (this.jobs.size > 500) this.jobs.delete(this.jobs.keys().next().value!);
    return merged;
  }

  closeChat() {
    this.chat = null;
    this.changed();
  }

  async loadOlder() {
    const chat = this.chat;
    const tr = chat?.transcript;
    if (!chat || !tr?.olderCursor) return;
    const page = await loaderApi.transcript(chat.id, 30, tr.olderCursor);
    prependOlder(tr, [...page.turns].reverse(), page.nextCursor ?? null);
    this.changed();
    // The older turns' tokens (events already counted are skipped by seq).
    void this.loadUsage(chat);
  }

  requestsFor(sessionId: string): PendingRequest[] {
    return [...this.requests.values()].filter((r) => r.sessionId === sessionId);
  }

  pendingFor(sessionId: string): PendingRequest[] {
    return this.requestsFor(sessionId).filter((r) => r.status === "pending");
  }

  async enableNotifications(): Promise<NotificationPermission | "unsupported"> {
    if (typeof Notification === "undefined") return "unsupported";
    const p = await Notification.requestPermission();
    this.notifyEnabled = p === "granted";
    this.changed();
    return p;
  }

  get notificationsOn() {
    return this.notifyEnabled;
  }

  private maybeNotify(req: PendingRequest) {
    if (!this.notifyEnabled || typeof Notification === "undefined") return;
    const background = document.hidden || this.chat?.id !== req.sessionId;
    if (!background) return;
    const s = this.sessions.find((x) => x.id === req.sessionId);
    // A worker session's requests are answered by its policy, never by a person.
    if (!s) return;
    const what = req.family === "approval" ? "needs an approval" : req.family === "tool_input" ? "asks a question" : "waits for a tool";
    try {
      const n = new Notification(`${s?.title ?? "A chat"} ${what}`, { body: String(req.params?.command ?? req.params?.reason ?? req.kind), tag: req.id });
      n.onclick = () => {
        window.focus();
        history.pushState(null, "", `/chats/${req.sessionId}`);
        dispatchEvent(new PopStateEvent("popstate"));
      };
    } catch {
      /* some browsers only allow notifications from a service worker */
    }
  }
}

/** The session's waiting follow-ups (none from a host without the queue). */
async function readFollowups(id: string): Promise<Followup[]> {
  try {
    return (await call<FollowupList>("followups.list", { params: { id } })).followups;
  } catch (e) {
    if (isMissingRoute(e)) return [];
    throw e;
  }
}

export const store = new Store();

export function useStore(): Store {
  useSyncExternalStore(store.subscribe, store.getVersion);
  return store;
}

// The e2e tests read the connection counters and can drop the socket as a network failure would.
(globalThis as any).__cm = store;
