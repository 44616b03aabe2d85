// The shell: top bar with navigation and the connection state, the sidebar, the page, keyboard shortcuts.
import { useEffect, useState } from "react";
import { ChatPage } from "./components/Chat";
import { LimitsBanner } from "./components/Limits";
import { NewChatDialog, Sidebar } from "./components/Sidebar";
import { Modal } from "./components/ui";
import { codexNotice } from "./lib/codexSupport";
import { navigate, parseRoute, usePath } from "./lib/router";
import { store, useStore } from "./lib/store";
import { tabTitle } from "./lib/title";
import { JobsPage } from "./pages/Jobs";
import { PluginsPage } from "./pages/Plugins";
import { RoutinesPage } from "./pages/Routines";
import { SettingsPage } from "./pages/Settings";

export const SHORTCUTS: [string, string][] = [
  ["?", "Show this list"],
  ["n", "New chat"],
  ["/", "Search chats"],
  ["i", "Focus the composer"],
  ["w", "Focus the oldest card waiting for you (opens its chat)"],
  ["a / d", "Accept / decline the focused approval card"],
  ["Enter", "Send (in the composer); steers while a turn runs"],
  ["Shift+Enter", "New line in the composer"],
  ["Esc", "Interrupt the running turn (in the composer); close a dialog"],
  ["Alt+↑ / Alt+↓", "Previous / next chat"],
  ["g p / g j / g s", "Go to plugins / jobs / settings"],
  ["t", "Switch light / dark theme"],
];

/**
 * Focus the oldest pending request's card, opening its chat first when it is another one (the card is focused once
 * the chat has drawn it).
 */
function focusOldestWaiting() {
  const chats = new Set(store.sessions.map((x) => x.id));
  const req = [...store.requests.values()].filter((r) => r.status === "pending" && r.sessionId && chats.has(r.sessionId)).sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
  if (!req) return;
  if (store.chat?.id !== req.sessionId) navigate(`/chats/${req.sessionId}`);
  let tries = 0;
  const attempt = () => {
    const el = document.querySelector<HTMLElement>(`section.request[data-request-id="${CSS.escape(req.id)}"]`);
    if (el) {
      el.scrollIntoView({ block: "center" });
      el.focus();
    } else if (++tries < 100) setTimeout(attempt, 50);
  };
  attempt();
}

type Theme = "light" | "dark";
function initialTheme(): Theme {
  const saved = localStorage.getItem("cm-theme");
  if (saved === "light" || saved === "dark") return saved;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function ConnectionBanner() {
  const s = useStore();
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 500);
    return () => clearInterval(t);
  }, []);
  const c = s.conn;
  // A codex that broke what the host relies on, or outside the supported range, works in parts at best: say so.
  const codex = codexNotice(s.ready);
  if (c.status === "open" && !s.readyError && s.ready?.ready !== false && !codex) return null;
  if (c.status !== "open") {
    const secs = c.retryAt ? Math.max(0, Math.ceil((c.retryAt - Date.now()) / 1000)) : 0;
    return (
      <div className="banner disconnected" role="status" data-connection={c.status}>
        {c.status === "connecting" && c.connects === 0 ? "Connecting to the host…" : c.status === "connecting" ? "Reconnecting…" : `Disconnected from the host. Reconnecting${secs ? ` in ${secs} s` : "…"}`}
        {c.status === "disconnected" && (
          <button type="button" className="small" onClick={() => store.stream?.retryNow()}>
            Retry now
          </button>
        )}
      </div>
    );
  }
  if (codex && !s.readyError && s.ready?.ready !== false) {
    return (
      <div className="banner warn" role="status" data-codex-support={codex.cause}>
        {codex.text}
      </div>
    );
  }
  return (
    <div className="banner warn" role="status">
      Host connected, but not ready: {s.readyError ?? s.ready?.runtime.status}
      {s.ready?.runtime.lastError ? ` (${s.ready.runtime.lastError})` : ""}
    </div>
  );
}

export function App() {
  const path = usePath();
  const route = parseRoute(path);
  const s = useStore();
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [help, setHelp] = useState(false);
  const [newChat, setNewChat] = useState(false);
  const [navOpen, setNavOpen] = useState(false);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem("cm-theme", theme);
  }, [theme]);
  useEffect(() => {
    void store.boot();
  }, []);
  useEffect(() => {
    const close = () => setNavOpen(false);
    addEventListener("cm:close-nav", close);
    return () => removeEventListener("cm:close-nav", close);
  }, []);
  useEffect(() => {
    if (route.page !== "chats" || !route.sessionId) store.closeChat();
  }, [route.page, route.page === "chats" ? route.sessionId : null]);

  useEffect(() => {
    let g = false;
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement;
      const typing = el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
      if (document.querySelector("dialog[open]")) return;
      if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
        const list = store.sessions.filter((x) => !x.archived);
        const cur = list.findIndex((x) => x.id === store.chat?.id);
        const next = list[Math.min(list.length - 1, Math.max(0, cur + (e.key === "ArrowUp" ? -1 : 1)))];
        if (next) navigate(`/chats/${next.id}`);
        e.preventDefault();
        return;
      }
      if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
      if (g) {
        g = false;
        if (e.key === "p") navigate("/plugins");
        if (e.key === "j") navigate("/jobs");
        if (e.key === "s") navigate("/settings");
        if (e.key === "c") navigate("/");
        return;
      }
      if (e.key === "?") setHelp(true);
      else if (e.key === "n") setNewChat(true);
      else if (e.key === "/") {
        e.preventDefault();
        setNavOpen(true);
        (document.getElementById("chat-search") as HTMLInputElement | null)?.focus();
      } else if (e.key === "i") {
        e.preventDefault();
        dispatchEvent(new Event("cm:focus-composer"));
      } else if (e.key === "w") {
        e.preventDefault();
        focusOldestWaiting();
      } else if (e.key === "t") setTheme((t) => (t === "dark" ? "light" : "dark"));
      else if (e.key === "g") g = true;
      else if (e.key === "Escape") dispatchEvent(new Event("cm:interrupt"));
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  const link = (to: string, label: string, active: boolean) => (
    <a
      href={to}
      aria-current={active ? "page" : undefined}
      onClick={(e) => {
        e.preventDefault();
        navigate(to);
        setNavOpen(false);
      }}
    >
      {label}
    </a>
  );
  const waiting = s.sessions.filter((x) => x.status.startsWith("waiting")).length;
  const chats = new Set(s.sessions.map((x) => x.id));
  const pendingCount = [...s.requests.values()].filter((r) => r.status === "pending" && r.sessionId && chats.has(r.sessionId)).length;
  const openChat = route.page === "chats" && route.sessionId && s.chat?.id === route.sessionId ? s.chat : null;
  const titleOf = openChat ? openChat.session?.title || "Untitled chat" : route.page === "chats" ? null : { plugins: "Plugins", jobs: "Jobs", routines: "Routines", settings: "Settings" }[route.page as string] ?? null;
  const title = tabTitle(titleOf, pendingCount);
  useEffect(() => {
    document.title = title;
  }, [title]);
  return (
    <div className={`app${navOpen ? " nav-open" : ""}`}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button type="button" className="icon menu" aria-label="Show chats" aria-expanded={navOpen} onClick={() => setNavOpen(!navOpen)}>
          ☰{waiting > 0 && <span className="dot" aria-hidden="true" />}
        </button>
        <span className="brand">Codex Manager</span>
        <nav className="tabs" aria-label="Pages">
          {link("/", "Chats", route.page === "chats")}
          {link("/plugins", "Plugins", route.page === "plugins")}
          {link("/jobs", "Jobs", route.page === "jobs")}
          {link("/routines", "Routines", route.page === "routines")}
          {link("/settings", "Settings", route.page === "settings")}
        </nav>
        <span className="spacer" />
        <span className={`conn conn-${s.conn.status}`} role="status" aria-label={`Connection: ${s.conn.status}`} title={`last event #${s.conn.lastSeq ?? "—"}`}>
          <span className="dot" aria-hidden="true" /> {s.conn.status === "open" ? "live" : s.conn.status}
        </span>
        <button type="button" className="icon" aria-label={`Switch to ${theme === "dark" ? "light" : "dark"} theme`} onClick={() => setTheme(theme === "dark" ? "light" : "dark")}>
          {theme === "dark" ? "☀" : "☾"}
        </button>
        <button type="button" className="icon" aria-label="Keyboard shortcuts" onClick={() => setHelp(true)}>
          ?
        </button>
      </header>
      <ConnectionBanner />
      <LimitsBanner />
      <div className="layout">
        <Sidebar currentId={route.page === "chats" ? route.sessionId : null} />
        <div id="main" className="page" tabIndex={-1}>
          {route.page === "chats" && route.sessionId && <ChatPage sessionId={route.sessionId} />}
          {route.page === "chats" && !route.sessionId && (
            <main className="welcome">
              <h1>Codex Manager</h1>
              <p>{s.ready ? (s.ready.ready ? `Ready — ${s.ready.runtime.userAgent ?? "app-server"}` : `Not ready — app-server is ${s.ready.runtime.status}`) : s.readyError ?? "Checking the host…"}</p>
              {s.ready?.codex.running && (
                <p>
                  codex {s.ready.codex.running}: {s.ready.codex.support}
                  {s.ready.codex.sameSchemaAs ? ` (same protocol as ${s.ready.codex.sameSchemaAs})` : ""}
                  {s.ready.codex.advice ? ` — ${s.ready.codex.advice}` : ""}
                </p>
              )}
              {s.notice && <p className="warning">{s.notice}</p>}
              <p>Pick a chat on the left or start a new one.</p>
              <button type="button" className="primary" onClick={() => setNewChat(true)}>
                New chat
              </button>
              <p className="muted">Press ? for keyboard shortcuts.</p>
            </main>
          )}
          {route.page === "plugins" && <PluginsPage />}
          {route.page === "jobs" && <JobsPage />}
          {route.page === "routines" && <RoutinesPage />}
          {route.page === "settings" && <SettingsPage />}
        </div>
      </div>
      <Modal title="Keyboard shortcuts" open={help} onClose={() => setHelp(false)}>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map(([k, d]) => (
              <tr key={k}>
                <td>
                  <kbd>{k}</kbd>
                </td>
                <td>{d}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Modal>
      {newChat && <NewChatDialog open onClose={() => setNewChat(false)} />}
    </div>
  );
}
