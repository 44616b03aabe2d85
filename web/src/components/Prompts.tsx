// Requests in context: approvals (with the command or the diff, the reason, and every decision offered), tool-input
// questions, MCP elicitations and dynamic tool calls. Answered ones stay in the history with who decided.
import { useRef, useState, type KeyboardEvent, type MutableRefObject } from "react";
import { call } from "../api/client";
import type { Assessment, PendingRequest } from "../api/types";
import { store } from "../lib/store";
import { FileChanges, Markdown } from "./Items";
import { ErrorLine, Json, useAction } from "./ui";

const WEB_CLIENT = { "X-Codex-Manager-Client": "web" };

async function answer(req: PendingRequest, body: unknown) {
  const resolved = await call<PendingRequest>("requests.respond", {
    params: { id: req.sessionId!, requestId: req.id },
    body,
    headers: WEB_CLIENT,
  });
  store.requests.set(resolved.id, resolved);
  store.changed();
}

type Decision = string | Record<string, unknown>;

export function decisionLabel(d: Decision): string {
  if (typeof d === "string") {
    return (
      {
        accept: "Accept",
        acceptForSession: "Accept for session",
        decline: "Decline",
        cancel: "Cancel turn",
        approved: "Accept",
        approved_for_session: "Accept for session",
        abort: "Cancel turn",
      } as Record<string, string>
    )[d] ?? d;
  }
  const key = Object.keys(d)[0] ?? "";
  const v: any = (d as any)[key];
  if (key === "acceptWithExecpolicyAmendment") {
    const cmd = v?.execpolicy_amendment ?? v?.execpolicyAmendment;
    return `Always allow ${Array.isArray(cmd) ? cmd.join(" ") : "this command"}`;
  }
  if (key === "applyNetworkPolicyAmendment") return `Apply network rule${v?.host ? ` for ${v.host}` : ""}`;
  return key;
}

/** The decisions to offer: what app-server offers, else the four every approval takes; decline is always there. */
export function offeredDecisions(req: PendingRequest): Decision[] {
  const offered: Decision[] = Array.isArray(req.params?.availableDecisions) ? [...req.params.availableDecisions] : ["accept", "acceptForSession", "decline", "cancel"];
  if (!offered.includes("decline")) {
    const i = offered.indexOf("cancel");
    offered.splice(i >= 0 ? i : offered.length, 0, "decline");
  }
  return offered;
}

function describeDecision(d: unknown): string {
  if (d == null) return "";
  if (typeof d === "string") return decisionLabel(d).toLowerCase();
  if (typeof d === "object" && d && "action" in (d as any)) return String((d as any).action);
  if (typeof d === "object" && d && "answers" in (d as any)) return "answered";
  if (typeof d === "object" && d && "contentItems" in (d as any)) return (d as any).success === false ? "replied (failed)" : "replied";
  return decisionLabel(d as Decision).toLowerCase();
}

function Outcome({ req }: { req: PendingRequest }) {
  if (req.status === "pending") return null;
  const when = req.resolvedAt ? new Date(req.resolvedAt).toLocaleTimeString() : "";
  if (req.status === "expired") {
    return (
      <p className="outcome expired" data-outcome="expired" role="status">
        Expired{req.reason ? `: ${req.reason}` : ""} {when && <span className="muted">({when})</span>}
      </p>
    );
  }
  return (
    <p className="outcome resolved" data-outcome="resolved" role="status">
      <strong>{describeDecision(req.decision)}</strong>, decided by <span data-decided-by={req.decidedBy ?? ""}>{req.decidedBy ?? "someone"}</span> {when && <span className="muted">at {when}</span>}
      {req.reason && <span className="muted"> — “{req.reason}”</span>}
    </p>
  );
}

/** The keys a focused approval card answers to: the first offered decision (accept) and decline. */
export const APPROVAL_KEYS = { accept: "a", decline: "d" } as const;

/** The decision a key stands for on an approval card, or null. */
export function decisionForKey(req: PendingRequest, key: string): Decision | null {
  if (req.status !== "pending" || req.family !== "approval") return null;
  const offered = offeredDecisions(req);
  if (key === APPROVAL_KEYS.accept) return offered[0] ?? null;
  if (key === APPROVAL_KEYS.decline) return offered.find((d) => d === "decline") ?? null;
  return null;
}

type KeyHandler = MutableRefObject<((key: string) => boolean) | null>;

/** A plugin's judgement of an approval, beside the decision buttons: the risk as a coloured label, the summary, who
 *  judged, and the rationale (Markdown) behind a disclosure. It informs; the user decides. */
export function AssessmentView({ a }: { a: Assessment }) {
  return (
    <div className={`assessment risk-${a.risk}`} aria-label="Assessment" data-risk={a.risk}>
      <span className={`badge risk risk-${a.risk}`}>{a.risk} risk</span> <span className="assessment-summary">{a.summary}</span>{" "}
      <span className="muted small">
        {a.assessor ? `${a.assessor} (${a.assessedBy})` : a.assessedBy}
      </span>
      {a.rationale.trim() && (
        <details className="assessment-rationale">
          <summary>Why</summary>
          <Markdown text={a.rationale} />
        </details>
      )}
    </div>
  );
}

function ApprovalCard({ req, keys }: { req: PendingRequest; keys: KeyHandler }) {
  const [reason, setReason] = useState("");
  const act = useAction((d: Decision) => answer(req, reason.trim() ? { decision: d, reason: reason.trim() } : { decision: d }));
  keys.current = (key) => {
    const d = decisionForKey(req, key);
    if (d === null || act.busy) return false;
    void act.run(d);
    return true;
  };
  const p = req.params ?? {};
  const item = req.item ?? {};
  const command = p.command ?? item.command ?? (Array.isArray(p.command) ? p.command.join(" ") : null);
  const changes = item.changes ?? p.changes;
  const title =
    req.kind === "command_approval" || req.kind === "legacy_exec_approval"
      ? "Run this command?"
      : req.kind === "file_change_approval" || req.kind === "legacy_patch_approval"
        ? "Apply these changes?"
        : req.kind === "permissions_approval"
          ? "Grant these permissions?"
          : req.kind === "mcp_tool_approval"
            ? "Allow this tool call?"
            : "Approve?";
  return (
    <>
      <h3>{title}</h3>
      {command && <pre className="terminal cmd-preview">{Array.isArray(command) ? command.join(" ") : String(command)}</pre>}
      {p.cwd && <p className="muted">in {String(p.cwd)}</p>}
      {Array.isArray(changes) && changes.length > 0 && <FileChanges changes={changes} />}
      {req.kind === "permissions_approval" && p.permissions && <Json value={p.permissions} />}
      {req.kind === "mcp_tool_approval" && <Json value={p.message ?? p} />}
      {p.reason && (
        <p className="reason">
          <strong>Why:</strong> {String(p.reason)}
        </p>
      )}
      {req.assessment && <AssessmentView a={req.assessment} />}
      {req.status === "pending" ? (
        <div className="decide">
          <label className="reason-input">
            <span>Note (optional)</span>
            <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} placeholder="kept with the decision" />
          </label>
          <div className="buttons" role="group" aria-label="Decisions">
            {offeredDecisions(req).map((d, i) => {
              const label = decisionLabel(d);
              const danger = d === "decline" || d === "cancel";
              return (
                <button key={i} type="button" className={i === 0 ? "primary" : danger ? "danger" : ""} disabled={act.busy} onClick={() => act.run(d)}>
                  {label}
                </button>
              );
            })}
          </div>
          <p className="muted small key-hint" id={`keys-${req.id}`}>
            Keys: <kbd>{APPROVAL_KEYS.accept}</kbd> {decisionLabel(offeredDecisions(req)[0] ?? "accept").toLowerCase()} · <kbd>{APPROVAL_KEYS.decline}</kbd> decline (when this card has the focus; <kbd>w</kbd> focuses
            the oldest waiting card)
          </p>
          <ErrorLine error={act.error} />
        </div>
      ) : (
        <Outcome req={req} />
      )}
    </>
  );
}

interface Question {
  id: string;
  header?: string;
  question?: string;
  options?: { label: string; description?: string }[] | null;
  isOther?: boolean;
  isSecret?: boolean;
}

function ToolInputCard({ req }: { req: PendingRequest }) {
  const questions: Question[] = Array.isArray(req.params?.questions) ? req.params.questions : [];
  const [choice, setChoice] = useState<Record<string, string>>({});
  const [other, setOther] = useState<Record<string, string>>({});
  const act = useAction(async () => {
    const answers: Record<string, string | string[]> = {};
    for (const q of questions) {
      const picked = choice[q.id];
      if (picked && picked !== "__other__") answers[q.id] = [picked];
      else answers[q.id] = other[q.id] ?? "";
    }
    await answer(req, { answers });
  });
  const complete = questions.every((q) => (choice[q.id] && choice[q.id] !== "__other__") || (other[q.id] ?? "").trim());
  return (
    <>
      <h3>Codex asks</h3>
      {req.status === "pending" ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act.run();
          }}
        >
          {questions.map((q) => {
            const opts = q.options ?? [];
            const freeText = opts.length === 0 || q.isOther;
            return (
              <fieldset key={q.id} className="question">
                <legend>
                  {q.header && <strong>{q.header}: </strong>}
                  {q.question}
                </legend>
                {opts.map((o) => (
                  <label key={o.label} className="choice">
                    <input type="radio" name={`${req.id}-${q.id}`} value={o.label} checked={choice[q.id] === o.label} onChange={() => setChoice({ ...choice, [q.id]: o.label })} />
                    <span>
                      {o.label}
                      {o.description && <span className="muted"> — {o.description}</span>}
                    </span>
                  </label>
                ))}
                {freeText && (
                  <label className="choice other">
                    {opts.length > 0 && (
                      <input type="radio" name={`${req.id}-${q.id}`} aria-label="Other answer" checked={choice[q.id] === "__other__"} onChange={() => setChoice({ ...choice, [q.id]: "__other__" })} />
                    )}
                    <input
                      type={q.isSecret ? "password" : "text"}
                      autoComplete={q.isSecret ? "off" : undefined}
                      aria-label={q.isSecret ? `${q.header ?? q.id} (secret)` : opts.length ? `${q.header ?? q.id}: other answer` : (q.header ?? q.question ?? q.id)}
                      placeholder={q.isSecret ? "secret (sent to Codex only, never stored)" : opts.length ? "Other…" : "Your answer"}
                      value={other[q.id] ?? ""}
                      onFocus={() => opts.length && setChoice({ ...choice, [q.id]: "__other__" })}
                      onChange={(e) => setOther({ ...other, [q.id]: e.target.value })}
                    />
                  </label>
                )}
              </fieldset>
            );
          })}
          <div className="buttons">
            <button type="submit" className="primary" disabled={act.busy || !complete}>
              Answer
            </button>
          </div>
          <ErrorLine error={act.error} />
        </form>
      ) : (
        <>
          <ul className="answered">
            {questions.map((q) => {
              const a = (req.decision as any)?.answers?.[q.id];
              return (
                <li key={q.id}>
                  {q.question}: <strong>{Array.isArray(a) ? a.join(", ") : a != null ? String(a) : "—"}</strong>
                </li>
              );
            })}
          </ul>
          <Outcome req={req} />
        </>
      )}
    </>
  );
}

function ElicitationCard({ req }: { req: PendingRequest }) {
  const p = req.params ?? {};
  const schema = p.requestedSchema ?? p.schema ?? {};
  const props: Record<string, any> = schema.properties ?? {};
  const [values, setValues] = useState<Record<string, string | boolean>>({});
  const act = useAction((action: string) => {
    if (action !== "accept") return answer(req, { action });
    const content: Record<string, unknown> = {};
    for (const [k, def] of Object.entries(props)) {
      const v = values[k];
      if (v === undefined || v === "") continue;
      content[k] = def.type === "number" || def.type === "integer" ? Number(v) : v;
    }
    return answer(req, { action, content });
  });
  return (
    <>
      <h3>{p.serverName ? `${p.serverName} asks` : "A tool asks"}</h3>
      {p.message && <p>{String(p.message)}</p>}
      {req.status === "pending" ? (
        <>
          {Object.entries(props).map(([k, def]) => (
            <label key={k} className="field">
              <span>{def.title ?? k}</span>
              {def.type === "boolean" ? (
                <input type="checkbox" checked={Boolean(values[k])} onChange={(e) => setValues({ ...values, [k]: e.target.checked })} />
              ) : Array.isArray(def.enum) ? (
                <select value={String(values[k] ?? "")} onChange={(e) => setValues({ ...values, [k]: e.target.value })}>
                  <option value="">—</option>
                  {def.enum.map((o: string) => (
                    <option key={o}>{o}</option>
                  ))}
                </select>
              ) : (
                <input
                  type={def.format === "password" || def.writeOnly ? "password" : def.type === "number" || def.type === "integer" ? "number" : "text"}
                  value={String(values[k] ?? "")}
                  onChange={(e) => setValues({ ...values, [k]: e.target.value })}
                />
              )}
              {def.description && <small className="muted">{def.description}</small>}
            </label>
          ))}
          <div className="buttons">
            <button type="button" className="primary" disabled={act.busy} onClick={() => act.run("accept")}>
              Accept
            </button>
            <button type="button" disabled={act.busy} onClick={() => act.run("decline")}>
              Decline
            </button>
            <button type="button" className="danger" disabled={act.busy} onClick={() => act.run("cancel")}>
              Cancel
            </button>
          </div>
          <ErrorLine error={act.error} />
        </>
      ) : (
        <Outcome req={req} />
      )}
    </>
  );
}

function ToolCallCard({ req }: { req: PendingRequest }) {
  const p = req.params ?? {};
  const [text, setText] = useState("");
  const act = useAction((success: boolean) => answer(req, { text, success }));
  return (
    <>
      <h3>
        Tool call: <code>{String(p.tool ?? p.name ?? "tool")}</code>
      </h3>
      <Json value={p.arguments ?? p} />
      {req.status === "pending" ? (
        <>
          <label className="field">
            <span>Tool output</span>
            <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} />
          </label>
          <div className="buttons">
            <button type="button" className="primary" disabled={act.busy || !text.trim()} onClick={() => act.run(true)}>
              Reply
            </button>
            <button type="button" className="danger" disabled={act.busy || !text.trim()} onClick={() => act.run(false)}>
              Reply as failed
            </button>
          </div>
          <ErrorLine error={act.error} />
        </>
      ) : (
        <Outcome req={req} />
      )}
    </>
  );
}

export function RequestCard({ req }: { req: PendingRequest }) {
  const keys: KeyHandler = useRef(null);
  const approval = req.family === "approval" && req.status === "pending";
  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    const el = e.target as HTMLElement;
    // Typing a note is typing, not deciding.
    if (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (keys.current?.(e.key.toLowerCase())) {
      e.preventDefault();
      e.stopPropagation();
    }
  };
  const body =
    req.family === "approval" ? (
      <ApprovalCard req={req} keys={keys} />
    ) : req.kind === "elicitation" ? (
      <ElicitationCard req={req} />
    ) : req.family === "tool_input" ? (
      <ToolInputCard req={req} />
    ) : (
      <ToolCallCard req={req} />
    );
  return (
    <section
      className={`request ${req.status}`}
      data-request-id={req.id}
      data-kind={req.kind}
      data-created-at={req.createdAt}
      aria-label={req.status === "pending" ? "waiting for your decision" : "decision"}
      tabIndex={req.status === "pending" ? 0 : undefined}
      aria-keyshortcuts={approval ? `${APPROVAL_KEYS.accept} ${APPROVAL_KEYS.decline}` : undefined}
      aria-describedby={approval ? `keys-${req.id}` : undefined}
      onKeyDown={approval ? onKeyDown : undefined}
    >
      {body}
    </section>
  );
}
