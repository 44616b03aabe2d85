// The chat's follow-up queue, under the composer: messages queued while a turn ran, in the order they start, each
// editable in place, movable and removable while it waits; and, when the host paused the queue, why and a Resume.
import { useState } from "react";
import { call } from "../api/client";
import type { Followup, FollowupQueue } from "../api/types";
import { moved, pauseText } from "../lib/followups";
import { ErrorLine, useAction } from "./ui";

function Item({ sessionId, f, index, list }: { sessionId: string; f: Followup; index: number; list: Followup[] }) {
  const [editing, setEditing] = useState<string | null>(null);
  const params = { id: sessionId, followupId: f.id };
  const act = useAction(async (what: "save" | "remove" | "up" | "down") => {
    if (what === "save") {
      await call("followups.edit", { params, body: { text: editing ?? f.text } });
      setEditing(null);
    } else if (what === "remove") {
      await call("followups.remove", { params });
    } else {
      const ids = moved(list, f.id, what === "up" ? -1 : 1);
      if (ids) await call("followups.reorder", { params: { id: sessionId }, body: { ids } });
    }
  });
  const queued = f.status === "queued";
  const queuedCount = list.filter((x) => x.status === "queued").length;
  const place = list.filter((x) => x.status === "queued").findIndex((x) => x.id === f.id);
  return (
    <li className="followup" data-followup-id={f.id} data-status={f.status}>
      <span className="followup-place muted">{index + 1}.</span>
      {editing !== null ? (
        <form
          className="followup-edit"
          onSubmit={(e) => {
            e.preventDefault();
            void act.run("save");
          }}
        >
          <textarea aria-label={`Edit follow-up ${index + 1}`} rows={2} value={editing} onChange={(e) => setEditing(e.target.value)} autoFocus
            onKeyDown={(e) => {
              if (e.key === "Escape") setEditing(null);
              else if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
                e.preventDefault();
                void act.run("save");
              }
            }}
          />
          <button type="submit" className="primary" disabled={act.busy || !editing.trim()}>
            Save
          </button>
          <button type="button" onClick={() => setEditing(null)}>
            Cancel
          </button>
        </form>
      ) : (
        <span className="followup-text" title={f.text}>
          {f.mode === "plan" && <span className="badge">plan</span>} {f.text}
          {f.status === "starting" && <span className="muted"> · starting…</span>}
        </span>
      )}
      {queued && editing === null && (
        <span className="followup-actions">
          <button type="button" aria-label={`Edit follow-up ${index + 1}`} onClick={() => setEditing(f.text)} disabled={act.busy}>
            Edit
          </button>
          <button type="button" aria-label={`Move follow-up ${index + 1} up`} onClick={() => void act.run("up")} disabled={act.busy || place <= 0}>
            ↑
          </button>
          <button type="button" aria-label={`Move follow-up ${index + 1} down`} onClick={() => void act.run("down")} disabled={act.busy || place < 0 || place >= queuedCount - 1}>
            ↓
          </button>
          <button type="button" className="danger" aria-label={`Remove follow-up ${index + 1}`} onClick={() => void act.run("remove")} disabled={act.busy}>
            ✕
          </button>
        </span>
      )}
      <ErrorLine error={act.error} />
    </li>
  );
}

/** The queue under the composer; nothing when nothing waits and the queue runs. */
export function FollowupQueueView({ sessionId, queue, followups }: { sessionId: string; queue: FollowupQueue | undefined; followups: Followup[] }) {
  const toggle = useAction(async (what: "pause" | "resume") => {
    await call(what === "pause" ? "followups.pause" : "followups.resume", { params: { id: sessionId } });
  });
  const paused = Boolean(queue?.paused);
  if (!paused && followups.length === 0) return null;
  return (
    <section className="followups" aria-label="Queued follow-ups">
      {paused && (
        <div className="banner warn followups-paused" role="status">
          <span>
            <strong>Follow-ups paused</strong>: {pauseText(queue!)}. {followups.length > 0 ? `${followups.length} waiting.` : "Nothing waits."}
          </span>
          <button type="button" className="primary" onClick={() => void toggle.run("resume")} disabled={toggle.busy}>
            Resume
          </button>
        </div>
      )}
      {followups.length > 0 && (
        <>
          <div className="followups-head">
            <span className="muted">
              Queued ({followups.length}): {paused ? "they wait until you resume" : "each starts when the chat is idle"}
            </span>
            {!paused && (
              <button type="button" onClick={() => void toggle.run("pause")} disabled={toggle.busy}>
                Pause
              </button>
            )}
          </div>
          <ol className="followup-list">
            {followups.map((f, i) => (
              <Item key={f.id} sessionId={sessionId} f={f} index={i} list={followups} />
            ))}
          </ol>
        </>
      )}
      <ErrorLine error={toggle.error} />
    </section>
  );
}
