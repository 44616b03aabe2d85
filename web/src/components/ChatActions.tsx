// What a chat can do besides messages: fork (opens the new chat), review (the targets the API offers), compact,
// clean background terminals, run a shell command; and per turn, revert to before it. Each calls one operation and
// shows its answer or the error's message; what the operation causes (a review turn, compaction, the command's
// output) arrives as turn and item events like any turn, and a revert re-reads the host's transcript.
import { useState } from "react";
import { call, errorText } from "../api/client";
import type { ReviewTarget, Session } from "../api/types";
import { navigate } from "../lib/router";
import { store } from "../lib/store";
import { ErrorLine, Menu, MenuItem, Modal, useAction } from "./ui";

type TargetType = ReviewTarget["type"];

/** The review targets of the API's `ReviewTarget`, as offered to people. */
export const REVIEW_TARGETS: { type: TargetType; label: string }[] = [
  { type: "uncommittedChanges", label: "Uncommitted changes (staged, unstaged and untracked)" },
  { type: "baseBranch", label: "This branch against a base branch" },
  { type: "commit", label: "One commit" },
  { type: "custom", label: "Custom instructions" },
];

/** The `ReviewTarget` for a choice and its one text field; null while the field it needs is empty. */
export function reviewTarget(type: TargetType, text: string): ReviewTarget | null {
  const v = text.trim();
  switch (type) {
    case "uncommittedChanges":
      return { type };
    case "baseBranch":
      return v ? { type, branch: v } : null;
    case "commit":
      return v ? { type, sha: v } : null;
    case "custom":
      return v ? { type, instructions: v } : null;
  }
}

export function ReviewDialog({ sessionId, open, onClose, onDone }: { sessionId: string; open: boolean; onClose: () => void; onDone: (msg: string) => void }) {
  const [type, setType] = useState<TargetType>("uncommittedChanges");
  const [text, setText] = useState("");
  const [detached, setDetached] = useState(false);
  const target = reviewTarget(type, text);
  const act = useAction(async () => {
    if (!target) return;
    await call("thread.review", { params: { id: sessionId }, body: detached ? { target, delivery: "detached" } : { target } });
    onDone(detached ? "Review started in a separate review thread." : "Review started: it runs as a turn of this chat.");
    onClose();
  });
  const field =
    type === "baseBranch"
      ? { label: "Base branch", placeholder: "main" }
      : type === "commit"
        ? { label: "Commit SHA", placeholder: "a1b2c3d" }
        : type === "custom"
          ? { label: "Instructions", placeholder: "Review the error handling in src/…" }
          : null;
  return (
    <Modal title="Review" open={open} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void act.run();
        }}
      >
        <fieldset className="review-targets">
          <legend>What to review</legend>
          {REVIEW_TARGETS.map((t) => (
            <label key={t.type} className="choice">
              <input type="radio" name="review-target" value={t.type} checked={type === t.type} onChange={() => setType(t.type)} /> {t.label}
            </label>
          ))}
        </fieldset>
        {field && (
          <label className="field">
            <span>{field.label}</span>
            {type === "custom" ? (
              <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} placeholder={field.placeholder} required />
            ) : (
              <input value={text} onChange={(e) => setText(e.target.value)} placeholder={field.placeholder} required />
            )}
          </label>
        )}
        <label className="check">
          <input type="checkbox" checked={detached} onChange={(e) => setDetached(e.target.checked)} /> In a separate review thread
        </label>
        <div className="buttons">
          <button type="submit" className="primary" disabled={act.busy || !target}>
            Start review
          </button>
        </div>
        <ErrorLine error={act.error} />
      </form>
    </Modal>
  );
}

export function ShellDialog({ sessionId, open, onClose, onDone }: { sessionId: string; open: boolean; onClose: () => void; onDone: (msg: string) => void }) {
  const [command, setCommand] = useState("");
  const act = useAction(async () => {
    await call("thread.shell", { params: { id: sessionId }, body: { command } });
    onDone(`Running: ${command}`);
    setCommand("");
    onClose();
  });
  return (
    <Modal title="Run a shell command" open={open} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void act.run();
        }}
      >
        <p className="warning small">It runs unsandboxed in the chat's working directory, as if you typed it; its output shows in the chat.</p>
        <label className="field">
          <span>Command</span>
          <input value={command} onChange={(e) => setCommand(e.target.value)} placeholder="git status" required autoComplete="off" spellCheck={false} />
        </label>
        <div className="buttons">
          <button type="submit" className="primary" disabled={act.busy || !command.trim()}>
            Run
          </button>
        </div>
        <ErrorLine error={act.error} />
      </form>
    </Modal>
  );
}

/** The chat header's action menu and the dialogs it opens; results and errors show under the header. */
export function ChatActionsMenu({ session }: { session: Session }) {
  const [dialog, setDialog] = useState<"review" | "shell" | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const act = useAction(async (what: "fork" | "compact" | "clean") => {
    setStatus(null);
    const id = session.id;
    if (what === "fork") {
      const fork = await call<Session>("sessions.fork", { params: { id } });
      navigate(`/chats/${fork.id}`);
    } else if (what === "compact") {
      await call("thread.compact", { params: { id } });
      setStatus("Compaction started: Codex summarises the history to free context.");
    } else {
      await call("thread.clean_background_terminals", { params: { id } });
      setStatus("Background terminals cleaned.");
    }
  });
  return (
    <>
      <Menu label="More chat actions" text="More ▾" className="chat-menu">
        <MenuItem onSelect={() => void act.run("fork")} disabled={act.busy}>
          Fork chat
        </MenuItem>
        <MenuItem onSelect={() => setDialog("review")}>Review…</MenuItem>
        <MenuItem onSelect={() => void act.run("compact")} disabled={act.busy}>
          Compact history
        </MenuItem>
        <MenuItem onSelect={() => setDialog("shell")}>Run a shell command…</MenuItem>
        <MenuItem onSelect={() => void act.run("clean")} disabled={act.busy}>
          Clean background terminals
        </MenuItem>
      </Menu>
      {(status || act.error) && (
        <div className="action-status" data-testid="chat-action-status">
          {status && (
            <p className="muted small" role="status">
              {status}
            </p>
          )}
          <ErrorLine error={act.error} />
        </div>
      )}
      <ReviewDialog sessionId={session.id} open={dialog === "review"} onClose={() => setDialog(null)} onDone={setStatus} />
      <ShellDialog sessionId={session.id} open={dialog === "shell"} onClose={() => setDialog(null)} onDone={setStatus} />
    </>
  );
}

/** A turn's menu: revert the chat to before this turn (asked first: Codex forgets it and every later turn). */
export function TurnMenu({ sessionId, turnId, index }: { sessionId: string; turnId: string; index: number }) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const revert = async () => {
    setBusy(true);
    setError(null);
    try {
      await call("thread.revert", { params: { id: sessionId }, body: { beforeTurnId: turnId } });
      setAsking(false);
      // The host's transcript after the cut (the `session.reverted` event does the same for other clients).
      await store.openChat(sessionId, true);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Menu label={`Actions for turn ${index + 1}`}>
        <MenuItem danger onSelect={() => setAsking(true)}>
          Revert to before this turn
        </MenuItem>
      </Menu>
      <Modal title={`Revert to before turn ${index + 1}?`} open={asking} onClose={() => setAsking(false)}>
        <p>Codex forgets this turn and every turn after it. Files it changed are not reverted.</p>
        <div className="buttons">
          <button type="button" className="danger" onClick={() => void revert()} disabled={busy}>
            Revert
          </button>
          <button type="button" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </div>
        <ErrorLine error={error} />
      </Modal>
    </>
  );
}
