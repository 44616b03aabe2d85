// A tiny history router: the host falls back to index.html for every non-/api path, so these are real URLs.
import { useSyncExternalStore } from "react";

export type Route =
  | { page: "chats"; sessionId: string | null }
  | { page: "plugins" }
  | { page: "jobs" }
  | { page: "routines" }
  | { page: "settings" };

export function parseRoute(path: string): Route {
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "chats" && parts[1]) return { page: "chats", sessionId: decodeURIComponent(parts[1]) };
  if (parts[0] === "plugins") return { page: "plugins" };
  if (parts[0] === "jobs") return { page: "jobs" };
  if (parts[0] === "routines") return { page: "routines" };
  if (parts[0] === "settings") return { page: "settings" };
  return { page: "chats", sessionId: null };
}

const subscribe = (fn: () => void) => {
  addEventListener("popstate", fn);
  return () => removeEventListener("popstate", fn);
};

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => location.pathname);
}

export function navigate(path: string) {
  if (location.pathname === path) return;
  history.pushState(null, "", path);
  dispatchEvent(new PopStateEvent("popstate"));
}
