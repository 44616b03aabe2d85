// @vitest-environment jsdom
// Issue 14's UI logic: a reconnect re-reads what the page shows and clears stale errors; requests placed where
// they happened; approval keys; the tab title; the new-chat form's folders and plain-words checks.
import { act } from "react";
import { describe, expect, it } from "vitest";
import { ApiError, setFetcher } from "../api/client";
import type { PendingRequest, Project, Session } from "../api/types";
import { ItemBlock, itemVersion } from "../components/Items";
import { decisionForKey, RequestCard } from "../components/Prompts";
import { createChatError, cwdProblem, defaultCwd, folderChoices } from "../lib/folders";
import { isReconnect, store } from "../lib/store";
import { renderMarkdown } from "../lib/markdown";
import { tabTitle } from "../lib/title";
import { applyEvent, fromRest, placeRequests, turnText } from "../lib/transcript";
import { ev } from "./helpers";
import { render, json } from "./dom";




function session(id: string, over: Partial<Session> = {}): Session {
  return { id, title: id, cwd: `/w/${id}`, status: "idle", lastActivityAt: "2026-01-01T00:00:00Z", archived: false, projectId: null, workerOf: null, activeTurnId: null, ...over } as unknown as Session;
}

function request(id: string, over: Partial<PendingRequest> = {}): PendingRequest {
  return {
    id,
    sessionId: "s1",
    turnId: "t1",
    itemId: null,
    family: "approval",
    kind: "command_approval",
    status: "pending",
    params: { command: "echo hi" },
    createdAt: "2026-01-01T00:00:05.000Z",
    ...over,
  } as unknown as PendingRequest;
}

describe("a reconnect", () => {
  it("is a second open, not the first one nor a drop", () => {
    const st = { status: "open", attempts: 0, lastSeq: 1, retryAt: null, applied: 0, duplicates: 0, connects: 2 } as const;
    expect(isReconnect(false, st)).toBe(true);
    expect(isReconnect(false, { ...st, connects: 1 })).toBe(false);
    expect(isReconnect(true, st)).toBe(false);
    expect(isReconnect(false, { ...st, status: "connecting" })).toBe(false);
  });

  it("re-reads sessions, readiness, requests and the open chat in place, and clears errors of failed reads", async () => {
    // The page as a restart left it: the chat running, a read failed, a request the host has since expired.
    store.sessions = [session("s1", { status: "running", activeTurnId: "t1" })];
    store.sessionsError = "network_error: the host cannot be reached";
    store.readyError = "network_error: the host cannot be reached";
    store.requests.clear();
    store.requests.set("gone", request("gone"));
    const running = fromRest("s1", [{ id: "t1", status: "inProgress", items: [] } as any], 10);
    store.chat = { id: "s1", session: store.sessions[0], transcript: running, loading: false, error: null, notes: [], buffered: [], usage: { byTurn: new Map(), session: null } as any };
    const idle = session("s1", { status: "idle", lastTurnStatus: "interrupted" } as any);
    const loadingSeen: boolean[] = [];
    setFetcher(async (url) => {
      const u = new URL(String(url), "http://x");
      loadingSeen.push(Boolean(store.chat?.loading));
      if (u.pathname === "/api/ready") return json({ ready: true, lastSeq: 20, runtime: { status: "ready" } });
      if (u.pathname === "/api/sessions") return json({ sessions: [idle], nextCursor: null });
      if (u.pathname === "/api/projects") return json([]);
      if (u.pathname === "/api/requests") return json([]);
      if (u.pathname === "/api/sessions/s1") return json({ session: idle, transcript: { turns: [{ id: "t1", status: "interrupted", items: [] }], nextCursor: null }, activeTurn: null });
      if (u.pathname === "/api/sessions/s1/requests") return json([request("gone", { status: "expired" })]);
      return json({ error: { code: "route_not_found", message: u.pathname, details: null } }, 404);
    });
    await store.resync();
    expect(store.sessionsError).toBeNull();
    expect(store.readyError).toBeNull();
    expect(store.sessions[0].status).toBe("idle");
    expect(store.chat!.session!.status).toBe("idle");
    expect(store.chat!.transcript!.turns[0].status).toBe("interrupted");
    expect(store.requests.get("gone")?.status).toBe("expired");
    // Swapped in place: the chat never went back to "Loading".
    expect(loadingSeen.every((x) => !x)).toBe(true);
    store.chat = null;
  });

  it("keeps events that arrive while the chat is re-read", async () => {
    store.sessions = [session("s1")];
    const shown = fromRest("s1", [], 10);
    store.chat = { id: "s1", session: store.sessions[0], transcript: shown, loading: false, error: null, notes: [], buffered: [], usage: { byTurn: new Map(), session: null } as any };
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    setFetcher(async (url) => {
      const u = new URL(String(url), "http://x");
      if (u.pathname === "/api/sessions/s1") {
        await gate;
        return json({ session: session("s1"), transcript: { turns: [], nextCursor: null }, activeTurn: null });
      }
      if (u.pathname === "/api/sessions/s1/requests") return json([]);
      return json([]);
    });
    const done = store.reloadChat();
    store.handleEvent(ev(11, "turn.started", { turn: { id: "t2" } }, "t2", "s1"));
    expect(store.chat!.transcript!.turns.map((t) => t.id)).toEqual(["t2"]);
    release();
    await done;
    expect(store.chat!.transcript!.turns.map((t) => t.id)).toEqual(["t2"]);
    store.chat = null;
  });

  it("drops a pending request the host no longer lists, keeps one that arrived during the read", async () => {
    store.requests.clear();
    store.requests.set("old", request("old"));
    setFetcher(async () => {
      store.requests.set("new", request("new"));
      return json([]);
    });
    await store.refreshPending(true);
    expect([...store.requests.keys()]).toEqual(["new"]);
  });
});

describe("requests where they happened", () => {
  const item = (id: string, startedAtMs?: number, type = "agentMessage") => {
    const t = fromRest("s1", [{ id: "t1", status: "completed", items: [{ id, type, text: "x", startedAtMs }] } as any], 0);
    return t.turns[0].items[0];
  };

  it("puts a request with its item, and one about no item before what started after it", () => {
    const user = item("u", Date.parse("2026-01-01T00:00:01Z"), "userMessage");
    const cmd = item("c", Date.parse("2026-01-01T00:00:04Z"), "commandExecution");
    const reply = item("r", Date.parse("2026-01-01T00:00:09Z"));
    const approval = request("a", { itemId: "c", status: "resolved" });
    const question = request("q", { family: "tool_input", kind: "tool_input", itemId: "call_x", createdAt: "2026-01-01T00:00:06Z", status: "resolved" });
    const rows = placeRequests([user, cmd, reply], [question, approval]);
    expect(rows.map((r) => (r.kind === "item" ? `${r.item.id}[${r.requests.map((x) => x.id).join()}]` : `?${r.request.id}`))).toEqual(["u[]", "c[a]", "?q", "r[]"]);
  });

  it("keeps a request about nothing later at the end", () => {
    const rows = placeRequests([item("u", 1)], [request("q", { itemId: null })]);
    expect(rows.map((r) => r.kind)).toEqual(["item", "request"]);
  });

  it("draws the card before the command, which says it waits for approval", () => {
    const tr = fromRest("s1", [{ id: "t1", status: "inProgress", items: [] } as any], 0);
    applyEvent(tr, ev(1, "item.started", { item: { id: "c", type: "commandExecution", command: "echo hi", status: "inProgress" } }, "t1", "s1"));
    const cmd = tr.turns[0].items[0];
    const div = render(<ItemBlock item={cmd} v={itemVersion(cmd)} waiting />);
    expect(div.querySelector(".exit")!.textContent).toBe("waiting for approval");
    expect(div.textContent).not.toMatch(/running/);
    const plain = render(<ItemBlock item={cmd} v={itemVersion(cmd)} />);
    expect(plain.querySelector(".exit")!.textContent).toBe("running");
  });
});

describe("approval keys", () => {
  it("map a to the first offered decision and d to decline", () => {
    const r = request("a", { params: { command: "ls", availableDecisions: ["accept", "acceptForSession", "cancel"] } });
    expect(decisionForKey(r, "a")).toBe("accept");
    expect(decisionForKey(r, "d")).toBe("decline");
    expect(decisionForKey(r, "x")).toBeNull();
    expect(decisionForKey({ ...r, status: "resolved" } as PendingRequest, "a")).toBeNull();
    expect(decisionForKey({ ...r, family: "tool_input" } as PendingRequest, "a")).toBeNull();
  });

  it("answer on the focused card, not while typing its note", async () => {
    const bodies: unknown[] = [];
    setFetcher(async (_url, init) => {
      bodies.push(JSON.parse(String(init?.body)));
      return json(request("k", { status: "resolved", decision: "decline" } as any));
    });
    const div = render(<RequestCard req={request("k")} />);
    const card = div.querySelector<HTMLElement>("section.request")!;
    expect(card.getAttribute("aria-keyshortcuts")).toBe("a d");
    expect(document.getElementById(card.getAttribute("aria-describedby")!)!.textContent).toMatch(/decline/);
    const note = card.querySelector("input")!;
    await act(async () => {
      note.dispatchEvent(new KeyboardEvent("keydown", { key: "d", bubbles: true }));
    });
    expect(bodies).toEqual([]);
    await act(async () => {
      card.dispatchEvent(new KeyboardEvent("keydown", { key: "d", bubbles: true }));
    });
    expect(bodies).toEqual([{ decision: "decline" }]);
  });
});

describe("tab title", () => {
  it("counts what waits and names the chat", () => {
    expect(tabTitle("My chat", 2)).toBe("(2) My chat · Codex Manager");
    expect(tabTitle("My chat", 0)).toBe("My chat · Codex Manager");
    expect(tabTitle(null, 1)).toBe("(1) Codex Manager");
  });
});

describe("new chat folders", () => {
  const sessions = [
    session("a", { cwd: "/w/one", lastActivityAt: "2026-01-01T00:00:01Z" }),
    session("b", { cwd: "/w/two", lastActivityAt: "2026-01-01T00:00:03Z" }),
    session("c", { cwd: "/w/one", lastActivityAt: "2026-01-01T00:00:02Z" }),
    session("w", { cwd: "/w/worker", lastActivityAt: "2026-01-01T00:00:09Z", workerOf: "x" } as any),
  ];
  const projects = [{ id: "p", name: "P", cwd: "/w/proj" }, { id: "q", name: "Q", cwd: "/w/two" }] as unknown as Project[];

  it("offers the last used, then recent chats' folders, then projects', each once", () => {
    expect(folderChoices(sessions, projects, "/w/last")).toEqual([
      { path: "/w/last", source: "last used" },
      { path: "/w/two", source: "recent chat" },
      { path: "/w/one", source: "recent chat" },
      { path: "/w/proj", source: "project" },
    ]);
  });

  it("starts from the last used folder, else the most recent chat's", () => {
    expect(defaultCwd(sessions, "/w/last")).toBe("/w/last");
    expect(defaultCwd(sessions, null)).toBe("/w/two");
    expect(defaultCwd([], null)).toBe("");
  });

  it("says in plain words what the host would refuse", () => {
    expect(cwdProblem("", false)).toMatch(/Choose a working directory/);
    expect(cwdProblem("", true)).toBeNull();
    expect(cwdProblem("~/code", false)).toBeNull(); // the host expands it
    expect(cwdProblem("~other/code", false)).toMatch(/absolute path/);
    expect(cwdProblem("code", false)).toMatch(/absolute path/);
    expect(cwdProblem("/w/x", false)).toBeNull();
    expect(createChatError(new ApiError(400, "cwd_not_found", "`/nope` is not an existing directory"), "/nope")).toMatch(/\/nope does not exist on the host/);
    expect(createChatError(new ApiError(500, "internal", "boom"), "/x")).toBe("internal: boom");
  });
});

describe("an interrupted turn's streamed text", () => {
  it("is the host's: the transcript's kept reply shows, marked as stopped", () => {
    // app-server's history drops an unfinished item; the host puts back what streamed (`keptByHost`).
    const tr = fromRest("s1", [{ id: "t1", status: "interrupted", items: [
      { id: "u", type: "userMessage", content: [{ type: "text", text: "go" }] },
      { id: "t1-kept", type: "agentMessage", text: "s0 s1", keptByHost: true },
    ] } as any], 20);
    const t = tr.turns[0];
    expect(turnText(t)).toBe("s0 s1");
    expect(t.items[1].closedByHost).toMatch(/interrupted/);
  });
});

describe("code in replies", () => {
  it("is highlighted for a known language, escaped and plain otherwise", () => {
    const ts = renderMarkdown("```ts\nconst answer: number = 42; // yes\n```");
    expect(ts).toContain('<span class="hljs-keyword">const</span>');
    expect(ts).toContain('<span class="hljs-number">42</span>');
    expect(ts).toContain('<span class="hljs-comment">');
    expect(renderMarkdown("```sh\necho hi\n```")).toContain('<span class="hljs-built_in">echo</span>');
    const unknown = renderMarkdown("```klingon\n<b>qapla'</b>\n```");
    expect(unknown).not.toContain("<span class=\"hljs");
    expect(unknown).toContain("&lt;b&gt;");
  });
});
