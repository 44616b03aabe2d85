// The tab's title: what is open and how many requests wait for a person, so a background tab says both.

export const APP_NAME = "Codex Manager";

/** `(2) My chat · Codex Manager`: the count of pending requests first (omitted at 0), then the open chat or page. */
export function tabTitle(what: string | null, waiting: number): string {
  const count = waiting > 0 ? `(${waiting}) ` : "";
  return `${count}${what ? `${what} · ` : ""}${APP_NAME}`;
}
