// The open chat: header, transcript grouped by turn (with requests in context), notes, and the composer.
import { memo, useEffect, useLayoutEffect, useRef, useState } from "react";
import { ApiError, call, errorText, isMissingRoute, WEB_CLIENT } from "../api/client";
import type { Job, PendingRequest, SendOutcome, SessionNote, TokenBreakdown } from "../api/types";
import { suggestionStatus } from "../lib/jobs";
import { groupNotes, latestSuggestion } from "../lib/notes";
import { store, useStore } from "../lib/store";
import { addSending, bindSending, failSending, placeRequests, turnPhase, type TurnView } from "../lib/transcript";
import { formatTokens } from "../lib/usage";
import { AutomationDialog, AutomationSummary, useAutomation } from "./Automation";
import { ChatActionsMenu, TurnMenu } from "./ChatActions";
import { ControlsDialog } from "./Controls";
import { FollowupQueueView } from "./Followups";
import { DiffView, ItemBlock, itemVersion, Markdown } from "./Items";
import { RequestCard } from "./Prompts";
import { ErrorLine, formatDuration, StatusBadge, useAction } from "./ui";
import { UsageDialog } from "./Usage";
import type { UsageLimit } from "../api/generated";

const PHASE_LABEL = { sending: "sending", streaming: "streaming", waiting: "waiting for you", done: "done", failed: "failed", interrupted: "interrupted" };

function useTick(active: boolean) {
  const [, set] = useState(0);
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => set((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, [active]);
}

const TurnBlock = memo(
  function TurnBlock({ turn, index, requests, notes, sessionId, tokens }: { turn: TurnView; index: number; requests: PendingRequest[]; notes: SessionNote[]; sessionId: string; tokens: TokenBreakdown | undefined; v: string }) {
    const phase = turnPhase(turn, requests);
    const live = phase === "sending" || phase === "streaming" || phase === "waiting";
    useTick(live);
    const duration = turn.durationMs ?? (turn.startedAtMs ? (turn.completedAtMs ?? Date.now()) - turn.startedAtMs : null);
    const rows = placeRequests(turn.items, requests);
    return (
      <article className={`turn phase-${phase}`} data-turn-id={turn.id} data-phase={phase} aria-label={`Turn ${index + 1}, ${PHASE_LABEL[phase]}`}>
        <header className="turn-head">
          <span className="turn-no">Turn {index + 1}</span>
          <span className={`phase phase-${phase}`} data-testid="turn-phase">
            {PHASE_LABEL[phase]}
          </span>
          {duration != null && duration >= 0 && <span className="muted">{formatDuration(duration)}</span>}
          {tokens && (
            <span className="muted tokens" data-testid="turn-tokens" title={`${formatTokens(tokens.inputTokens)} input (${formatTokens(tokens.cachedInputTokens)} cached), ${formatTokens(tokens.outputTokens)} output`}>
              {formatTokens(tokens.totalTokens)} tokens
            </span>
          )}
          {!turn.local && !live && <TurnMenu sessionId={sessionId} turnId={turn.id} index={index} />}
        </header>
        {rows.map((row) =>
          row.kind === "request" ? (
            <RequestCard key={row.request.id} req={row.request} />
          ) : (
            // The request comes first: it happened before the item's output (a command waits for its approval).
            <div key={row.item.id} className="item-row">
              {row.requests.map((r) => (
                <RequestCard key={r.id} req={r} />
              ))}
              <ItemBlock item={row.item} v={itemVersion(row.item)} waiting={row.requests.some((r) => r.status === "pending" && r.family === "approval")} />
            </div>
          ),
        )}
        {turn.plan && turn.plan.length > 0 && (
          <section className="item plan-list" aria-label="plan">
            <h4>Plan</h4>
            {turn.planExplanation && <p className="muted">{turn.planExplanation}</p>}
            <ul className="checklist">
              {turn.plan.map((p, i) => (
                <li key={i} className={`step ${p.status}`}>
                  <input type="checkbox" readOnly checked={p.status === "completed"} aria-label={`${p.step}: ${p.status}`} />
                  <span>{p.step}</span>
                  {p.status === "inProgress" && <span className="muted"> (in progress)</span>}
                </li>
              ))}
            </ul>
          </section>
        )}
        {turn.diff && (
          <details className="item turn-diff">
            <summary>All changes in this turn</summary>
            <DiffView diff={turn.diff} />
          </details>
        )}
        {turn.warnings.map((w, i) => (
          <p key={i} className="warning">
            {w}
          </p>
        ))}
        {turn.error && (
          <p className="error turn-error" role="alert">
            {phase === "interrupted" ? "Interrupted: " : "The turn failed: "}
            {turn.error}
          </p>
        )}
        {!turn.error && phase === "interrupted" && <p className="muted">Interrupted.</p>}
        {notes.map((n) => (
          <NoteBlock key={n.id} note={n} />
        ))}
      </article>
    );
  },
  (a, b) => a.turn === b.turn && a.v === b.v && a.index === b.index && a.tokens === b.tokens,
);

/** A plugin's note (a turn review) under its turn: title, who wrote it and when, the markdown body; collapsible. */
function NoteBlock({ note }: { note: SessionNote }) {
  return (
    <details className="note" open data-kind={note.kind} data-note-id={note.id} aria-label={`Note: ${note.title ?? note.kind}`}>
      <summary>
        <span className="note-kind">{note.kind === "turn-review" ? "Review" : note.kind}</span> {note.title ?? note.kind}{" "}
        <span className="muted small">
          · {note.pluginId ?? "plugin"} · {new Date(note.createdAt).toLocaleTimeString()}
        </span>
      </summary>
      <Markdown text={note.body} />
    </details>
  );
}

// A request's assessment arrives after the request (`approval.assessed`): its time is part of the version, or the
// memoized turn would keep the card drawn without it.
function turnVersion(turn: TurnView, requests: PendingRequest[], notes: SessionNote[]): string {
  return `${notes.map((n) => n.id).join(",")}|${turn.id}|${turn.status}|${turn.items.length}|${turn.items.map(itemVersion).join(",")}|${turn.plan?.map((p) => p.status).join("") ?? ""}|${turn.diff?.length ?? 0}|${turn.error ?? ""}|${turn.warnings.length}|${requests.map((r) => r.id + r.status + (r.assessment?.at ?? "")).join(",")}`;
}

const PAGE = 40;

function Transcript() {
  const s = useStore();
  const chat = s.chat!;
  const tr = chat.transcript;
  const [shown, setShown] = useState(PAGE);
  const scroller = useRef<HTMLDivElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const [away, setAway] = useState(false);
  const requests = s.requestsFor(chat.id);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  });
  // Rows grow without this component rendering (memoized turns streaming, code blocks, a card answered): while the
  // view is pinned, every growth keeps the newest line in view.
  const ready = Boolean(tr) && !chat.loading && !chat.error;
  useLayoutEffect(() => {
    const el = scroller.current;
    const inner = body.current;
    if (!ready || !el || !inner || typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => {
      if (stick.current) el.scrollTop = el.scrollHeight;
    });
    ro.observe(inner);
    return () => ro.disconnect();
  }, [ready, chat.id]);
  useEffect(() => {
    stick.current = true;
    setAway(false);
    setShown(PAGE);
  }, [chat.id]);
  const jump = () => {
    const el = scroller.current;
    stick.current = true;
    setAway(false);
    if (el) el.scrollTo({ top: el.scrollHeight });
  };

  if (chat.loading) return <div className="transcript loading">Loading the chat…</div>;
  if (chat.error)
    return (
      <div className="transcript">
        <ErrorLine error={`Could not load this chat: ${chat.error}`} />
        <button type="button" onClick={() => store.openChat(chat.id, true)}>
          Try again
        </button>
      </div>
    );
  if (!tr) return null;
  const turns = tr.turns;
  const start = Math.max(0, turns.length - shown);
  const turnIds = new Set(turns.map((t) => t.id));
  const orphan = requests.filter((r) => !r.turnId || !turnIds.has(r.turnId)).filter((r) => r.status === "pending");
  const { byTurn } = groupNotes(chat.notes, turnIds);
  return (
    <div className="transcript-wrap">
      <div
        className="transcript"
        ref={scroller}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
          if (away === stick.current) setAway(!stick.current);
        }}
        aria-label="Transcript"
        role="log"
      >
        <div className="transcript-body" ref={body}>
        {(start > 0 || tr.olderCursor) && (
          <div className="older">
            <button type="button" onClick={() => (start > 0 ? setShown(shown + PAGE) : void store.loadOlder().then(() => setShown(shown + PAGE)))}>
              Show earlier turns
            </button>
          </div>
        )}
        {turns.length === 0 && <p className="empty">No messages yet. Say hello below.</p>}
        {turns.slice(start).map((t, i) => {
          const reqs = requests.filter((r) => r.turnId === t.id).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
          const notes = byTurn.get(t.id) ?? NO_NOTES;
          return <TurnBlock key={t.id} turn={t} index={start + i} requests={reqs} notes={notes} sessionId={chat.id} tokens={chat.usage.byTurn.get(t.id)} v={turnVersion(t, reqs, notes)} />;
        })}
        {orphan.map((r) => (
          <RequestCard key={r.id} req={r} />
        ))}
        </div>
      </div>
      {away && (
        <button type="button" className="jump-latest" onClick={jump} aria-label="Jump to latest">
          ↓ Latest
        </button>
      )}
    </div>
  );
}

const NO_NOTES: SessionNote[] = [];

/** Notes that name no turn shown here (no turn, or one not loaded): listed under the chat header. */
function Notes({ notes, turnIds }: { notes: SessionNote[]; turnIds: Set<string> }) {
  const reviews = groupNotes(notes, turnIds).loose;
  if (!reviews.length) return null;
  return (
    <details className="notes">
      <summary>Notes from plugins ({reviews.length})</summary>
      {reviews.map((n) => (
        <section key={n.id} className="note" data-kind={n.kind}>
          <h4>
            {n.title ?? n.kind} <span className="muted">· {n.pluginId ?? "plugin"} · {new Date(n.createdAt).toLocaleString()}</span>
          </h4>
          <Markdown text={n.body} />
        </section>
      ))}
    </details>
  );
}

function newKey() {
  return typeof crypto !== "undefined" && "randomUUID" in crypto ? crypto.randomUUID() : `k-${Date.now()}-${Math.random()}`;
}

function Composer() {
  const s = useStore();
  const chat = s.chat!;
  // The row as last read; null while a chat opened by its address is still loading. Sending needs only the chat's
  // id (the session's), so a message typed and sent at once is not lost to the load.
  const session = chat.session;
  const [text, setText] = useState("");
  const [plan, setPlan] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The host's warning beside a message it sent all the same (a budget spent, Codex's usage limit reached).
  const [warning, setWarning] = useState<UsageLimit | null>(null);
  const [busy, setBusy] = useState(false);
  const [suggestJob, setSuggestJob] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const [suggestError, setSuggestError] = useState<string | null>(null);
  const [usedSuggestion, setUsedSuggestion] = useState<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const turns = chat.transcript?.turns ?? [];
  const last = turns[turns.length - 1];
  // The transcript (fed by the stream) knows first when a turn starts or ends; the session record catches up later.
  const running = last ? last.status === "inProgress" || last.status === "sending" : Boolean(session?.activeTurnId);
  const lastUser = [...turns].reverse().flatMap((t) => t.items.filter((i) => i.type === "userMessage")).at(0);
  const lastUserText = lastUser ? (lastUser.item.content?.map((c: any) => c.text ?? "").join("\n") ?? "") : "";
  const canRetry = !running && last && (last.status === "failed" || last.status === "interrupted") && lastUserText;
  const latest = latestSuggestion(chat.notes);
  const suggestion = latest && latest.id !== usedSuggestion ? latest : null;
  const job = suggestJob ? s.jobs.get(suggestJob) : undefined;
  const jobStatus = job ? suggestionStatus(job) : null;
  const suggestPending = asking || Boolean(jobStatus?.pending);

  useEffect(() => {
    const focus = () => input.current?.focus();
    addEventListener("cm:focus-composer", focus);
    return () => removeEventListener("cm:focus-composer", focus);
  }, []);

  // While a turn runs (or follow-ups wait), a message can also wait its turn in the session's follow-up queue.
  const queueing = Boolean(running || (session?.followups?.count ?? 0) > 0);
  const queue = async (body: string) => {
    const trimmed = body.trim();
    if (!trimmed) return;
    setError(null);
    setBusy(true);
    try {
      const outcome = await call<SendOutcome>("turns.send", {
        params: { id: chat.id },
        body: plan ? { text: trimmed, mode: "plan", ifBusy: "queue" } : { text: trimmed, ifBusy: "queue" },
        headers: { "Idempotency-Key": newKey() },
      });
      setText("");
      // The session became idle meanwhile: the host started the turn instead, which the stream shows.
      if (!("followup" in outcome) && chat.transcript) bindSending(chat.transcript, addSending(chat.transcript, trimmed), outcome.turnId);
      store.changed();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const send = async (body: string, steer: boolean) => {
    const trimmed = body.trim();
    if (!trimmed) return;
    setError(null);
    setBusy(true);
    const tr = chat.transcript;
    try {
      let steered = false;
      if (steer) {
        try {
          await call("turns.steer", { params: { id: chat.id }, body: { text: trimmed } });
          steered = true;
          setText("");
        } catch (e) {
          // The turn ended meanwhile: the text starts a new one instead.
          if (!(e instanceof ApiError && e.code === "no_active_turn")) throw e;
        }
      }
      if (!steered) {
        const localId = tr ? addSending(tr, trimmed) : null;
        store.changed();
        setText("");
        try {
          const accepted = await call<{ turnId: string; warning?: UsageLimit | null }>("turns.send", {
            params: { id: chat.id },
            body: plan ? { text: trimmed, mode: "plan" } : { text: trimmed },
            headers: { "Idempotency-Key": newKey() },
          });
          setWarning(accepted.warning ?? null);
          if (tr && localId) bindSending(tr, localId, accepted.turnId);
        } catch (e) {
          if (tr && localId) failSending(tr, localId, errorText(e));
          setText(trimmed);
          throw e;
        }
        store.changed();
      }
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const interrupt = useAction(async () => {
    if (session) await call("turns.interrupt", { params: { id: session.id } });
  });
  useEffect(() => {
    const onInterrupt = () => {
      if (running) void interrupt.run();
    };
    addEventListener("cm:interrupt", onInterrupt);
    return () => removeEventListener("cm:interrupt", onInterrupt);
  });

  const askSuggestion = async () => {
    if (!session) return;
    setAsking(true);
    setSuggestError(null);
    setSuggestJob(null);
    try {
      const job = await call<Job>("jobs.enqueue", { body: { kind: "suggest-next-request", sessionId: session.id }, headers: WEB_CLIENT });
      store.noteJob(job);
      setSuggestJob(job.id);
    } catch (e) {
      setSuggestError(suggestErrorText(e));
    } finally {
      setAsking(false);
    }
  };
  // A new chat opened in the same composer: forget the last one's job.
  useEffect(() => {
    setSuggestJob(null);
    setSuggestError(null);
  }, [chat.id]);
  const suggestLine = suggestError
    ? { text: suggestError, error: true, state: "error" }
    : asking
      ? { text: "Asking for a suggestion…", error: false, state: "enqueuing" }
      : jobStatus && (jobStatus.pending || jobStatus.error || !chat.notes.some((n) => n.id === (job?.result as any)?.note_id))
        ? { text: jobStatus.text, error: jobStatus.error, state: job!.state }
        : null;

  const archived = session?.archived;
  return (
    <form
      className="composer"
      aria-label="Composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send(text, Boolean(running));
      }}
    >
      {suggestion && !running && (
        <button
          type="button"
          className="suggestion"
          data-note-id={suggestion.id}
          aria-label={`Use suggestion: ${suggestion.body}`}
          onClick={() => {
            setText(suggestion.body);
            setUsedSuggestion(suggestion.id);
            input.current?.focus();
          }}
          title="Put this suggestion in the message box"
        >
          <span className="muted">Suggested next:</span> {suggestion.body.length > 140 ? suggestion.body.slice(0, 140) + "…" : suggestion.body}
        </button>
      )}
      {archived && <p className="muted">This chat is archived: unarchive it to send messages.</p>}
      <label className="sr-only" htmlFor="composer-input">
        {running ? "Steer the running turn" : "Message"}
      </label>
      <textarea
        id="composer-input"
        ref={input}
        rows={3}
        value={text}
        disabled={archived}
        placeholder={running ? "Add to the running turn (steer)… Enter to send, Alt+Enter to queue for after it, Esc to interrupt" : "Message Codex… Enter to send, Shift+Enter for a new line"}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && e.altKey && queueing && !e.nativeEvent.isComposing) {
            e.preventDefault();
            void queue(text);
          } else if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            void send(text, Boolean(running));
          } else if (e.key === "Escape" && running) {
            e.preventDefault();
            void interrupt.run();
          }
        }}
      />
      <div className="composer-bar">
        <label className="check">
          <input type="checkbox" checked={plan} onChange={(e) => setPlan(e.target.checked)} /> Plan mode
        </label>
        <span className="spacer" />
        {canRetry && (
          <button type="button" onClick={() => void send(lastUserText, false)} disabled={busy}>
            Retry
          </button>
        )}
        {!running && (
          <button type="button" onClick={askSuggestion} disabled={suggestPending || archived} aria-busy={suggestPending} title="Ask the suggest-next-request plugin for your likely next prompt">
            {suggestPending ? "Suggesting…" : "Suggest next request"}
          </button>
        )}
        {running && (
          <button type="button" className="danger" onClick={() => interrupt.run()} disabled={interrupt.busy}>
            Interrupt
          </button>
        )}
        {queueing && (
          <button type="button" onClick={() => void queue(text)} disabled={busy || !text.trim() || archived} title="Send it after the running turn and the follow-ups already queued (Alt+Enter)">
            Queue
          </button>
        )}
        <button type="submit" className="primary" disabled={busy || !text.trim() || archived}>
          {running ? "Steer" : "Send"}
        </button>
      </div>
      {suggestLine && (
        <p className={`suggest-status ${suggestLine.error ? "warning" : "muted"}`} role="status" data-state={suggestLine.state}>
          {!suggestLine.error && suggestPending && <span className="spinner" aria-hidden="true" />}
          {suggestLine.text}
          {suggestPending && job && (
            <span className="muted small"> (job {job.id.slice(-8)})</span>
          )}
        </p>
      )}
      <ErrorLine error={error ?? interrupt.error} />
      {warning && (
        <p className="notice warn small" role="status" data-send-warning={warning.kind}>
          Sent, but {warning.reason}{warning.resetsAt ? ` (until ${new Date(warning.resetsAt).toLocaleString()})` : ""}.
        </p>
      )}
    </form>
  );
}

function suggestErrorText(e: unknown): string {
  if (isMissingRoute(e)) return "Suggestions need the job queue, which this host does not have.";
  if (e instanceof ApiError && e.code === "unknown_job_kind")
    return "Suggestions are not available: the suggest-next-request plugin is not installed or is disabled (see the Plugins page).";
  if (e instanceof ApiError && e.code === "queue_full") return "The job queue is full right now: try again in a moment, or cancel queued jobs on the Jobs page.";
  if (e instanceof ApiError && e.code === "session_not_found") return "This chat no longer exists on the host.";
  return `Could not ask for a suggestion: ${errorText(e)}`;
}

export function ChatPage({ sessionId }: { sessionId: string }) {
  const s = useStore();
  const [controls, setControls] = useState(false);
  const [automation, setAutomation] = useState(false);
  const [usageOpen, setUsageOpen] = useState(false);
  const auto = useAutomation(sessionId);
  useEffect(() => {
    void store.openChat(sessionId);
  }, [sessionId]);
  const chat = s.chat;
  if (!chat || chat.id !== sessionId) return <main className="chat">Loading…</main>;
  const session = chat.session;
  const pending = s.pendingFor(sessionId);
  return (
    <main className="chat" aria-label="Chat">
      <header className="chat-head">
        <div className="chat-title">
          <h1>{session?.title || "Untitled chat"}</h1>
          {/* The host's view of the session (its row, kept current by `session.updated`), not one rebuilt here. */}
          {session && <StatusBadge status={session.status} />}
          {pending.length > 0 && <span className="badge attention">{pending.length} waiting</span>}
        </div>
        <div className="chat-meta">
          {session && <code className="cwd">{session.cwd}</code>}
          <span className="chat-actions">
            <AutomationSummary a={auto} />
            <button type="button" onClick={() => setAutomation(true)} aria-label="Automation" aria-haspopup="dialog">
              Automation
            </button>
            <button type="button" onClick={() => setControls(true)} aria-label="Session controls">
              Controls
            </button>
            <button type="button" onClick={() => setUsageOpen(true)} aria-label={chat.usage.session ? `Usage: ${formatTokens(chat.usage.session.total.totalTokens)} tokens` : "Usage"} aria-haspopup="dialog" data-testid="usage-button">
              {chat.usage.session ? `${formatTokens(chat.usage.session.total.totalTokens, true)} tokens` : "Usage"}
            </button>
            {session && <ChatActionsMenu key={session.id} session={session} />}
          </span>
        </div>
        {session?.lastError && session.status === "failed" && <p className="error">Last turn failed: {session.lastError}</p>}
        {s.notice && <p className="warning">{s.notice}</p>}
      </header>
      <Notes notes={chat.notes} turnIds={new Set(chat.transcript?.turns.map((t) => t.id) ?? [])} />
      <Transcript />
      <Composer />
      {session && <FollowupQueueView sessionId={session.id} queue={session.followups} followups={chat.followups} />}
      {session && <ControlsDialog open={controls} onClose={() => setControls(false)} sessionId={session.id} />}
      <AutomationDialog open={automation} onClose={() => setAutomation(false)} sessionId={sessionId} a={auto} />
      <UsageDialog open={usageOpen} onClose={() => setUsageOpen(false)} usage={chat.usage} turns={chat.transcript?.turns ?? []} sessionId={chat.id} />
    </main>
  );
}
