// @vitest-environment jsdom
// The new actions' pieces: token usage from the host's events (counted once, per turn and for the session), the
// review targets as the API spells them, the review and project dialogs posting the right bodies (and showing the
// API's message when it refuses), MCP connect, and the chat list's paging.
import { act } from "react";
import { describe, expect, it } from "vitest";
import { setFetcher } from "../api/client";
import type { Project, Session } from "../api/types";
import { ReviewDialog, reviewTarget, REVIEW_TARGETS } from "../components/ChatActions";
import { ProjectActions } from "../components/Sidebar";
import { Menu, MenuItem } from "../components/ui";
import { UsageDialog } from "../components/Usage";
import { canConnect } from "../pages/Settings";
import { store } from "../lib/store";
import { applyUsageEvent, emptyUsage, formatTokens } from "../lib/usage";
import { ev } from "./helpers";
import { render, json } from "./dom";

HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
  this.open = true;
};
HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
  this.open = false;
};



/** Set a controlled input's value the way React sees it. */
function type(el: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, value: string) {
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : el instanceof HTMLSelectElement ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, "value")!.set!.call(el, value);
  el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? "change" : "input", { bubbles: true }));
}

function button(div: HTMLElement, name: string): HTMLButtonElement {
  const b = [...div.querySelectorAll("button")].find((x) => x.textContent === name || x.getAttribute("aria-label") === name);
  if (!b) throw new Error(`no button ${name}: ${[...div.querySelectorAll("button")].map((x) => x.textContent).join(", ")}`);
  return b as HTMLButtonElement;
}


const usage = (total: number, last: number, turnId: string) => ({
  threadId: "th",
  turnId,
  tokenUsage: {
    total: { totalTokens: total, inputTokens: total - 2, cachedInputTokens: 0, outputTokens: 2, reasoningOutputTokens: 1 },
    last: { totalTokens: last, inputTokens: last - 2, cachedInputTokens: 0, outputTokens: 2, reasoningOutputTokens: 1 },
    modelContextWindow: 1000,
  },
});

describe("token usage", () => {
  it("a turn's usage is the sum of its responses', the session's the newest total; a replayed event counts once", () => {
    const u = emptyUsage();
    applyUsageEvent(u, ev(10, "session.token_usage", usage(100, 100, "t1"), "t1"));
    applyUsageEvent(u, ev(12, "session.token_usage", usage(150, 50, "t1"), "t1"));
    applyUsageEvent(u, ev(20, "session.token_usage", usage(400, 250, "t2"), "t2"));
    // The REST read and the stream overlap: the same seq again changes nothing.
    expect(applyUsageEvent(u, ev(12, "session.token_usage", usage(150, 50, "t1"), "t1"))).toBe(false);
    expect(u.byTurn.get("t1")!.totalTokens).toBe(150);
    expect(u.byTurn.get("t2")!.totalTokens).toBe(250);
    expect(u.session!.total.totalTokens).toBe(400);
    // An older event arriving late counts for its turn but does not replace the session's newest total.
    expect(applyUsageEvent(u, ev(5, "session.token_usage", usage(40, 40, "t0"), "t0"))).toBe(true);
    expect(u.session!.total.totalTokens).toBe(400);
    expect(applyUsageEvent(u, ev(30, "turn.completed", {}, "t2"))).toBe(false);
  });

  it("the panel shows the session's total, one row per turn, and the rate limits' refusal in the API's words", async () => {
    const u = emptyUsage();
    applyUsageEvent(u, ev(10, "session.token_usage", usage(12345, 12345, "t1"), "t1"));
    setFetcher(async () => json({ error: { code: "account_required", message: "sign in with a ChatGPT account first", details: null } }, 409));
    const turns = [{ id: "t1" }, { id: "t2" }] as any;
    let div!: HTMLElement;
    await act(async () => {
      div = render(<UsageDialog open onClose={() => undefined} usage={u} turns={turns} />);
    });
    expect(div.querySelector("[data-testid=session-tokens]")!.textContent).toContain("12,345");
    expect(div.querySelectorAll("tbody tr")).toHaveLength(1);
    expect(div.querySelector("[role=alert]")!.textContent).toBe("Rate limits are not available: account_required: sign in with a ChatGPT account first");
    expect(formatTokens(12345, true)).toBe("12.3k");
  });
});

describe("review", () => {
  it("offers the API's four targets and builds each as the API spells it", () => {
    expect(REVIEW_TARGETS.map((t) => t.type)).toEqual(["uncommittedChanges", "baseBranch", "commit", "custom"]);
    expect(reviewTarget("uncommittedChanges", "")).toEqual({ type: "uncommittedChanges" });
    expect(reviewTarget("baseBranch", " main ")).toEqual({ type: "baseBranch", branch: "main" });
    expect(reviewTarget("commit", "abc123")).toEqual({ type: "commit", sha: "abc123" });
    expect(reviewTarget("custom", "look at tests")).toEqual({ type: "custom", instructions: "look at tests" });
    expect(reviewTarget("commit", "  ")).toBeNull();
  });

  it("posts the chosen target; a refusal shows the API's message", async () => {
    const posted: any[] = [];
    let answer: Response = json({ turn: { id: "t9" } });
    setFetcher(async (url, init) => {
      posted.push({ url: String(url), method: init?.method, body: JSON.parse(String(init?.body)) });
      return answer;
    });
    const done: string[] = [];
    const div = render(<ReviewDialog sessionId="s1" open onClose={() => undefined} onDone={(m) => done.push(m)} />);
    const radio = div.querySelector('input[value="baseBranch"]') as HTMLInputElement;
    act(() => radio.click());
    expect(button(div, "Start review").disabled).toBe(true);
    act(() => type(div.querySelector('input[placeholder="main"]') as HTMLInputElement, "develop"));
    await act(async () => button(div, "Start review").click());
    expect(posted[0]).toEqual({ url: "/api/sessions/s1/review", method: "POST", body: { target: { type: "baseBranch", branch: "develop" } } });
    expect(done).toHaveLength(1);

    answer = json({ error: { code: "invalid_request", message: "app-server refused the target", details: null } }, 422);
    await act(async () => button(div, "Start review").click());
    expect(div.querySelector("[role=alert]")!.textContent).toBe("invalid_request: app-server refused the target");
  });
});

describe("project actions", () => {
  const project: Project = { id: "p1", name: "Alpha", cwd: "/work/a", sessionCount: 2, createdAt: "", updatedAt: "" };
  const other: Project = { id: "p2", name: "Beta", cwd: "/work/b", sessionCount: 0, createdAt: "", updatedAt: "" };

  it("rename, move all chats, delete all chats (asked first), delete: each posts its operation", async () => {
    store.projects = [project, other];
    const calls: string[] = [];
    setFetcher(async (url, init) => {
      const u = String(url);
      calls.push(`${init?.method} ${u} ${init?.body ?? ""}`.trim());
      if (u === "/api/projects") return json(store.projects);
      if (u.endsWith("/move-sessions") || u.endsWith("/sessions")) return json({ sessionIds: ["s1", "s2"] });
      if (init?.method === "DELETE") return json({ error: { code: "project_not_empty", message: "the project still has 2 sessions", details: null } }, 409);
      return json(project);
    });
    const div = render(<ProjectActions project={project} onClose={() => undefined} />);
    act(() => type(div.querySelector('input[maxlength="200"]') as HTMLInputElement, "Alpha 2"));
    await act(async () => button(div, "Rename").click());
    act(() => type(div.querySelector("select") as HTMLSelectElement, "p2"));
    await act(async () => button(div, "Move chats").click());
    expect(div.querySelector("[role=status]")!.textContent).toBe("Moved 2 chats.");
    await act(async () => button(div, "Delete all chats").click());
    // Nothing deleted before the confirmation.
    expect(calls.filter((c) => c.startsWith("DELETE"))).toEqual([]);
    await act(async () => button(div, "Delete 2 chats").click());
    await act(async () => button(div, "Delete project").click());
    await act(async () => button(div, "Yes, delete the project").click());
    expect(calls.filter((c) => !c.startsWith("GET"))).toEqual([
      'PATCH /api/projects/p1 {"name":"Alpha 2"}',
      'POST /api/projects/p1/move-sessions {"toProjectId":"p2"}',
      "DELETE /api/projects/p1/sessions",
      "DELETE /api/projects/p1",
    ]);
    expect(div.querySelector("[role=alert]")!.textContent).toBe("project_not_empty: the project still has 2 sessions");
  });
});

describe("menus", () => {
  it("open with the first item focused, move with the arrows, run an item and close; Escape closes and goes no further", () => {
    const chosen: string[] = [];
    const div = render(
      <Menu label="More chat actions">
        <MenuItem onSelect={() => chosen.push("fork")}>Fork chat</MenuItem>
        <MenuItem onSelect={() => chosen.push("review")}>Review…</MenuItem>
      </Menu>,
    );
    const opener = div.querySelector("button[aria-haspopup=menu]") as HTMLButtonElement;
    expect(opener.getAttribute("aria-label")).toBe("More chat actions");
    act(() => opener.click());
    expect(opener.getAttribute("aria-expanded")).toBe("true");
    expect(document.activeElement?.textContent).toBe("Fork chat");
    act(() => void document.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true })));
    expect(document.activeElement?.textContent).toBe("Review…");
    act(() => (document.activeElement as HTMLButtonElement).click());
    expect(chosen).toEqual(["review"]);
    expect(div.querySelector("[role=menu]")).toBeNull();

    act(() => opener.click());
    let reachedWindow = false;
    const onWindow = () => (reachedWindow = true);
    window.addEventListener("keydown", onWindow);
    act(() => void document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true })));
    window.removeEventListener("keydown", onWindow);
    expect(div.querySelector("[role=menu]")).toBeNull();
    // The page's Escape (interrupt the running turn) is not triggered by closing a menu.
    expect(reachedWindow).toBe(false);
  });
});

describe("MCP connect", () => {
  it("is offered to servers that need a sign-in", () => {
    expect(canConnect({ name: "a", authStatus: "notLoggedIn" })).toBe(true);
    expect(canConnect({ name: "b", authStatus: "oAuth" })).toBe(false);
    expect(canConnect({ name: "c", authStatus: "unsupported" })).toBe(false);
    expect(canConnect({ name: "d", authStatus: "unknown", runtimeStatus: "authenticationRequired" })).toBe(true);
  });
});

describe("chat list paging", () => {
  const row = (id: string, at: string, extra: Partial<Session> = {}): Session =>
    ({ id, threadId: id, cwd: "/w", archived: false, status: "idle", controls: {}, loaded: true, pendingRequests: 0, dynamicTools: [], createdAt: at, updatedAt: at, lastActivityAt: at, ...extra }) as Session;

  it("loads the next page with the cursor, appends it once, and stops on the last page", async () => {
    const pages: Record<string, any> = {
      "": { sessions: [row("c", "3"), row("b", "2")], nextCursor: "k1", notice: null },
      k1: { sessions: [row("b", "2"), row("w", "1", { workerOf: "plugin" }), row("a", "1")], nextCursor: null, notice: null },
    };
    const urls: string[] = [];
    setFetcher(async (url) => {
      urls.push(String(url));
      const cursor = new URL(String(url), "http://x").searchParams.get("cursor") ?? "";
      return json(pages[cursor]);
    });
    store.sessionPageSize = 2;
    await store.refreshSessions();
    expect(store.sessions.map((s) => s.id)).toEqual(["c", "b"]);
    expect(store.sessionsCursor).toBe("k1");
    await store.loadMoreSessions();
    expect(store.sessions.map((s) => s.id)).toEqual(["c", "b", "a"]);
    expect(store.sessionsCursor).toBeNull();
    expect(urls).toEqual(["/api/sessions?limit=2", "/api/sessions?limit=2&cursor=k1"]);
    store.sessionPageSize = 500;
  });
});
