// Session notes from two sources — the REST list read when a chat opens and `session.note_added` events — merged
// by id without duplicates, oldest first; and grouped by the turn they are about.
import type { Envelope, SessionNote } from "../api/types";

function byTime(a: SessionNote, b: SessionNote): number {
  return a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

/** `current` plus `incoming`, each note once (by id), oldest first. Returns `current` itself when nothing is new. */
export function mergeNotes(current: SessionNote[], incoming: SessionNote[]): SessionNote[] {
  const seen = new Set(current.map((n) => n.id));
  const fresh = incoming.filter((n) => n && typeof n.id === "string" && !seen.has(n.id) && (seen.add(n.id), true));
  if (!fresh.length) return current;
  return [...current, ...fresh].sort(byTime);
}

/** The note of a `session.note_added` event, its turn taken from the envelope when the note does not say. */
export function noteFromEvent(ev: Envelope): SessionNote | null {
  if (ev.type !== "session.note_added" || !ev.data || typeof ev.data.id !== "string") return null;
  const note = ev.data as SessionNote;
  if (!note.turnId && ev.turnId) return { ...note, turnId: ev.turnId };
  return note;
}

/** Notes that belong under a turn of the transcript (by `turnId`), and the rest (no turn, or a turn not shown). */
export function groupNotes(notes: SessionNote[], turnIds: Set<string>): { byTurn: Map<string, SessionNote[]>; loose: SessionNote[] } {
  const byTurn = new Map<string, SessionNote[]>();
  const loose: SessionNote[] = [];
  for (const n of notes) {
    if (n.kind === "next-request") continue;
    if (n.turnId && turnIds.has(n.turnId)) byTurn.set(n.turnId, [...(byTurn.get(n.turnId) ?? []), n]);
    else loose.push(n);
  }
  return { byTurn, loose };
}

/** The latest next-request suggestion. */
export function latestSuggestion(notes: SessionNote[]): SessionNote | null {
  for (let i = notes.length - 1; i >= 0; i--) if (notes[i].kind === "next-request" && notes[i].body.trim()) return notes[i];
  return null;
}
