// Working directories for a new chat, so nobody has to type a path: the last one used here, the folders of recent
// chats and the projects' folders. And the checks the host would refuse, said in plain words before asking it.
import { ApiError, errorText } from "../api/client";
import type { Project, Session } from "../api/types";

export const LAST_CWD_KEY = "cm-last-cwd";

export interface FolderChoice {
  path: string;
  /** Where it comes from, shown next to it. */
  source: "last used" | "recent chat" | "project";
}

/** Distinct folders, last used first, then recent chats' (most recently active first), then projects'. */
export function folderChoices(sessions: Session[], projects: Project[], last: string | null, recent = 6): FolderChoice[] {
  const out: FolderChoice[] = [];
  const seen = new Set<string>();
  const add = (path: string | null | undefined, source: FolderChoice["source"]) => {
    if (!path || seen.has(path)) return;
    seen.add(path);
    out.push({ path, source });
  };
  add(last, "last used");
  const byActivity = [...sessions].filter((s) => !s.workerOf).sort((a, b) => b.lastActivityAt.localeCompare(a.lastActivityAt));
  let n = 0;
  for (const s of byActivity) {
    if (n >= recent) break;
    if (!seen.has(s.cwd)) n++;
    add(s.cwd, "recent chat");
  }
  for (const p of projects) add(p.cwd, "project");
  return out;
}

/** The field's starting value: the last folder used here, else the most recently active chat's. */
export function defaultCwd(sessions: Session[], last: string | null): string {
  if (last) return last;
  const recent = [...sessions].filter((s) => !s.workerOf).sort((a, b) => b.lastActivityAt.localeCompare(a.lastActivityAt))[0];
  return recent?.cwd ?? "";
}

/** Why the host would refuse this working directory, in plain words; null when it may take it. */
export function cwdProblem(cwd: string, hasProject: boolean): string | null {
  const v = cwd.trim();
  if (!v) return hasProject ? null : "Choose a working directory: pick one of the folders below, or type an absolute path such as /home/you/code.";
  // The host reads a leading `~` as its user's home, as a shell would.
  if (!v.startsWith("/") && v !== "~" && !v.startsWith("~/")) return `The host needs an absolute path (starting with / or ~/), not “${v}”.`;
  return null;
}

/** The host's refusal of a new chat, in plain words. */
export function createChatError(e: unknown, cwd: string): string {
  if (e instanceof ApiError) {
    if (e.code === "cwd_not_found") return `The folder ${cwd.trim()} does not exist on the host: pick another one or create it first.`;
    if (e.code === "invalid_request" && /cwd/.test(e.message)) return cwdProblem(cwd, false) ?? `The host refused this working directory: ${e.message}`;
  }
  return errorText(e);
}
