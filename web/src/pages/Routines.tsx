// Routines: a list (state, schedule and the host's next run, target), create and edit with a cron field that shows
// the host's next 3 times while you type, enable/pause, run now, the webhook URL and secret (shown once, after a
// create or a rotation), and each routine's runs, re-read when a job or turn event may have moved them.
import { useEffect, useRef, useState } from "react";
import { call, errorText, isMissingRoute, WEB_CLIENT } from "../api/client";
import type { JobKinds } from "../api/generated";
import type { JobKind, Routine, RoutineCreated, RoutineRun, SchedulePreview } from "../api/types";
import { ConfirmButton, ErrorLine, timeAgo, useAction } from "../components/ui";
import { EMPTY_FORM, formOf, formProblem, payloadProblem, routineBody, runOpen, runStatusText, skippedText, triggerText, webhookUrl, type RoutineForm } from "../lib/routines";
import { waitText } from "../lib/limits";
import { navigate } from "../lib/router";
import { store, useStore } from "../lib/store";

/** The host's next times for a schedule, asked while typing (debounced); the error names the bad field. */
function SchedulePreviewLine({ schedule }: { schedule: string }) {
  const [preview, setPreview] = useState<SchedulePreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setPreview(null);
    setError(null);
    if (!schedule.trim()) return;
    const t = setTimeout(() => {
      call<SchedulePreview>("routines.preview", { query: { schedule, count: 3 } })
        .then(setPreview)
        .catch((e) => setError(errorText(e)));
    }, 250);
    return () => clearTimeout(t);
  }, [schedule]);
  if (!schedule.trim()) return <p className="muted small">No schedule: it runs by webhook or by hand.</p>;
  if (error) return <p className="error small" role="alert" aria-label="Schedule problem">{error}</p>;
  if (!preview) return <p className="muted small">…</p>;
  return (
    <p className="muted small" aria-label="Next runs" data-testid="next-runs">
      Next ({preview.timeZone}): {preview.next.map((t) => new Date(t).toLocaleString()).join(" · ") || "never"}
    </p>
  );
}

/** A job routine's kind (the enabled plugins' kinds, from the host) and payload (JSON, checked as typed). */
function JobFields({ form, set }: { form: RoutineForm; set: (patch: Partial<RoutineForm>) => void }) {
  const [kinds, setKinds] = useState<JobKind[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call<JobKinds>("jobs.kinds")
      .then((r) => setKinds(r.kinds.filter((k) => k.pluginId !== "host")))
      .catch((e) => setError(errorText(e)));
  }, []);
  const bad = payloadProblem(form.payload);
  const names = [...new Set([...(kinds ?? []).map((k) => k.kind), form.jobKind].filter(Boolean))].sort();
  return (
    <>
      <label className="field">
        <span>Job kind</span>
        <select aria-label="Job kind" value={form.jobKind} onChange={(e) => set({ jobKind: e.target.value })}>
          <option value="">{kinds ? (kinds.length ? "choose a job kind" : "no enabled plugin runs jobs") : "…"}</option>
          {names.map((k) => (
            <option key={k} value={k}>
              {k}
              {kinds?.find((x) => x.kind === k)?.description ? ` — ${kinds.find((x) => x.kind === k)!.description}` : ""}
            </option>
          ))}
        </select>
      </label>
      <ErrorLine error={error} />
      <label className="field">
        <span>Payload (JSON)</span>
        <textarea aria-label="Payload" rows={4} spellCheck={false} value={form.payload} aria-invalid={Boolean(bad)} onChange={(e) => set({ payload: e.target.value })} />
      </label>
      {bad && (
        <p className="error small" role="alert" aria-label="Payload problem">
          {bad}
        </p>
      )}
    </>
  );
}

function RoutineEditor({ routine, onSaved, onCancel }: { routine?: Routine; onSaved: (r: Routine, secret?: string) => void; onCancel: () => void }) {
  const s = useStore();
  const [form, setForm] = useState<RoutineForm>(routine ? formOf(routine) : EMPTY_FORM);
  const set = (patch: Partial<RoutineForm>) => setForm({ ...form, ...patch });
  const problem = formProblem(form);
  const save = useAction(async () => {
    if (routine) {
      onSaved(await call<Routine>("routines.update", { params: { id: routine.id }, body: routineBody(form, routine) }));
    } else {
      const made = await call<RoutineCreated>("routines.create", { body: routineBody(form), headers: WEB_CLIENT });
      onSaved(made.routine, made.webhookSecret);
    }
  });
  const chats = s.sessions.filter((x) => !x.archived);
  return (
    <form
      className="routine-editor"
      aria-label={routine ? `Edit ${routine.name}` : "New routine"}
      onSubmit={(e) => {
        e.preventDefault();
        if (!problem) save.run();
      }}
    >
      <label className="field">
        <span>Name</span>
        <input value={form.name} onChange={(e) => set({ name: e.target.value })} />
      </label>
      <fieldset>
        <legend>Each run</legend>
        <label>
          <input type="radio" name="action" checked={form.action === "prompt"} onChange={() => set({ action: "prompt" })} /> sends a message
        </label>
        <label>
          <input type="radio" name="action" checked={form.action === "job"} onChange={() => set({ action: "job" })} /> enqueues a plugin's job
        </label>
      </fieldset>
      {form.action === "prompt" ? (
        <label className="field">
          <span>Prompt</span>
          <textarea rows={3} value={form.prompt} onChange={(e) => set({ prompt: e.target.value })} placeholder="What it asks, each run ({{body}} takes a webhook's body)" />
        </label>
      ) : (
        <JobFields form={form} set={set} />
      )}
      <fieldset>
        <legend>Runs in</legend>
        <label>
          <input type="radio" name="target" checked={form.targetKind === "session"} onChange={() => set({ targetKind: "session" })} /> this chat
        </label>
        <label>
          <input type="radio" name="target" checked={form.targetKind === "project"} onChange={() => set({ targetKind: "project" })} /> a new chat in a project, each run
        </label>
        {form.targetKind === "session" ? (
          <select aria-label="Chat" value={form.sessionId} onChange={(e) => set({ sessionId: e.target.value })}>
            <option value="">choose a chat</option>
            {chats.map((c) => (
              <option key={c.id} value={c.id}>
                {c.title ?? "Untitled chat"}
              </option>
            ))}
          </select>
        ) : (
          <select aria-label="Project" value={form.projectId} onChange={(e) => set({ projectId: e.target.value })}>
            <option value="">choose a project</option>
            {s.projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        )}
        <p className="muted small">
          It runs with that chat's approval policy (a new chat gets the defaults): never with fewer approvals.
          {form.action === "job" && " A plugin job's helper turns accept nothing that chat would ask you about."}
        </p>
      </fieldset>
      <label className="field">
        <span>Schedule (cron)</span>
        <input value={form.schedule} onChange={(e) => set({ schedule: e.target.value })} placeholder="e.g. 0 9 * * mon-fri" spellCheck={false} />
      </label>
      <SchedulePreviewLine schedule={form.schedule} />
      <label className="field">
        <span>Missed while the host was down</span>
        <select value={form.catchUp} onChange={(e) => set({ catchUp: e.target.value as RoutineForm["catchUp"] })}>
          <option value="once">run once at start</option>
          <option value="skip">skip</option>
        </select>
      </label>
      {problem && <p className="muted small">{problem}</p>}
      <ErrorLine error={save.error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={Boolean(problem) || save.busy}>
          {routine ? "Save" : "Create routine"}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The secret, once: after a create or a rotation. */
function SecretOnce({ routine, secret, onDone }: { routine: Routine; secret: string; onDone: () => void }) {
  return (
    <div className="secret-once" role="status" aria-label="Webhook secret">
      <p>
        Webhook for <strong>{routine.name}</strong>: <code>POST {webhookUrl(routine, location.origin)}</code>
      </p>
      <p>
        Secret (shown this once): <code data-testid="webhook-secret">{secret}</code>
      </p>
      <p className="muted small">Sign each delivery with it (docs/automation.md, “Webhooks”). Rotate to get a new one.</p>
      <button type="button" onClick={onDone}>
        I saved it
      </button>
    </div>
  );
}

function Runs({ routine }: { routine: Routine }) {
  const [runs, setRuns] = useState<RoutineRun[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const load = () =>
    call<{ runs: RoutineRun[] }>("routines.runs", { params: { id: routine.id }, query: { limit: 20 } })
      .then((r) => {
        setRuns(r.runs);
        setError(null);
      })
      .catch((e) => setError(errorText(e)));
  const runsRef = useRef(runs);
  runsRef.current = runs;
  useEffect(() => {
    void load();
    // A run's status is its job's, its follow-up's and its turn's: re-read (throttled) when one of those moves.
    return store.onEvent((ev) => {
      if (!/^(job|turn|followup|limits)\./.test(ev.type)) return;
      if (timer.current) return;
      timer.current = setTimeout(() => {
        timer.current = null;
        void load();
      }, 300);
    });
  }, [routine.id]);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  if (error) return <ErrorLine error={error} />;
  if (!runs) return <p className="muted">Loading…</p>;
  if (runs.length === 0) return <p className="muted">No runs yet.</p>;
  return (
    <table className="routine-runs" aria-label={`Runs of ${routine.name}`}>
      <thead>
        <tr>
          <th>When</th>
          <th>Trigger</th>
          <th>Status</th>
          <th>Chat</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id} data-run-id={r.id} data-status={r.status} className={runOpen(r) ? "open" : ""}>
            <td>{timeAgo(r.createdAt)}</td>
            <td>{triggerText(r)}</td>
            <td>
              <span className={`badge status-${r.status}`}>{runStatusText(r)}</span>
              {r.waiting && (
                <div className="warning small" data-testid="run-waiting">
                  {waitText(r.waiting)}
                </div>
              )}
              {skippedText(r) && (
                <div className="muted small" data-testid="run-skipped">
                  {skippedText(r)}
                </div>
              )}
              {r.error && <div className="error small">{r.error}</div>}
            </td>
            <td>
              {r.sessionId ? (
                <a
                  href={`/chats/${encodeURIComponent(r.sessionId)}`}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(`/chats/${encodeURIComponent(r.sessionId!)}`);
                  }}
                >
                  open chat
                </a>
              ) : (
                "—"
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RoutineRow({ routine, onChange, onRemoved, onSecret }: { routine: Routine; onChange: (r: Routine) => void; onRemoved: () => void; onSecret: (s: string) => void }) {
  const s = useStore();
  const [open, setOpen] = useState(false);
  const [editing, setEditing] = useState(false);
  const act = useAction(async (what: "run" | "toggle" | "rotate" | "remove") => {
    const params = { id: routine.id };
    if (what === "run") {
      await call<RoutineRun>("routines.run", { params, headers: WEB_CLIENT });
      setOpen(true);
    } else if (what === "toggle") {
      onChange(await call<Routine>("routines.update", { params, body: { state: routine.state === "enabled" ? "paused" : "enabled" } }));
    } else if (what === "rotate") {
      onSecret((await call<{ webhookSecret: string }>("routines.rotate_secret", { params })).webhookSecret);
    } else {
      await call("routines.remove", { params });
      onRemoved();
    }
  });
  const target = routine.sessionId
    ? (s.sessions.find((x) => x.id === routine.sessionId)?.title ?? "a chat")
    : `new chat in ${s.projects.find((p) => p.id === routine.projectId)?.name ?? "a project"}`;
  return (
    <li className="routine" data-routine-id={routine.id} data-state={routine.state} aria-label={`Routine ${routine.name}`}>
      <div className="routine-head">
        <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
          <strong>{routine.name}</strong>
        </button>
        <span className={`badge state-${routine.state}`}>{routine.state}</span>
        <span className="muted small">
          {routine.schedule ? (
            <>
              <code>{routine.schedule}</code> · next {routine.nextRunAt ? new Date(routine.nextRunAt).toLocaleString() : "—"}
            </>
          ) : (
            "no schedule"
          )}{" "}
          · {target}
          {routine.jobKind && (
            <>
              {" "}
              · job <code>{routine.jobKind}</code>
            </>
          )}
        </span>
        <span className="actions">
          <button type="button" className="small primary" onClick={() => act.run("run")} disabled={act.busy}>
            Run now
          </button>
          <button type="button" className="small" onClick={() => act.run("toggle")} disabled={act.busy}>
            {routine.state === "enabled" ? "Pause" : "Enable"}
          </button>
          <button type="button" className="small" onClick={() => setEditing(!editing)}>
            Edit
          </button>
          <button type="button" className="small" onClick={() => act.run("rotate")} disabled={act.busy}>
            Rotate secret
          </button>
          <ConfirmButton label="Delete" question={<>Delete routine “{routine.name}” and its run records?</>} confirmLabel="Delete" onConfirm={() => act.run("remove")} />
        </span>
      </div>
      <ErrorLine error={act.error} />
      {editing && (
        <RoutineEditor
          routine={routine}
          onSaved={(r) => {
            onChange(r);
            setEditing(false);
          }}
          onCancel={() => setEditing(false)}
        />
      )}
      {open && (
        <div className="routine-detail">
          <p className="muted small">
            Webhook: <code>POST {webhookUrl(routine, location.origin)}</code>
          </p>
          <Runs routine={routine} />
        </div>
      )}
    </li>
  );
}

export function RoutinesPage() {
  const [routines, setRoutines] = useState<Routine[] | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ routine: Routine; secret: string } | null>(null);
  const load = () =>
    call<{ routines: Routine[] }>("routines.list")
      .then((r) => {
        setRoutines(r.routines);
        setError(null);
      })
      .catch((e) => (isMissingRoute(e) ? setMissing(true) : setError(errorText(e))));
  useEffect(() => {
    void load();
  }, []);
  const replace = (r: Routine) => setRoutines((list) => (list ?? []).map((x) => (x.id === r.id ? r : x)));
  return (
    <main className="page-body" aria-label="Routines">
      <h1>Routines</h1>
      <p className="muted">Saved prompts that run on a schedule (the host's time zone), by a signed webhook, or when you say so. Each run is a job on the queue.</p>
      {missing ? (
        <p className="warning" role="status">
          Routines are not available on this host (their routes answer 404).
        </p>
      ) : (
        <>
          {secret && <SecretOnce routine={secret.routine} secret={secret.secret} onDone={() => setSecret(null)} />}
          {creating ? (
            <RoutineEditor
              onSaved={(r, s) => {
                setRoutines((list) => [...(list ?? []), r]);
                if (s) setSecret({ routine: r, secret: s });
                setCreating(false);
              }}
              onCancel={() => setCreating(false)}
            />
          ) : (
            <button type="button" className="primary" onClick={() => setCreating(true)}>
              New routine
            </button>
          )}
          <ErrorLine error={error} />
          {!routines && !error && <p className="muted">Loading…</p>}
          {routines && routines.length === 0 && !creating && <p className="muted">No routines yet.</p>}
          {routines && routines.length > 0 && (
            <ul className="routines">
              {routines.map((r) => (
                <RoutineRow
                  key={r.id}
                  routine={r}
                  onChange={replace}
                  onRemoved={() => setRoutines((list) => (list ?? []).filter((x) => x.id !== r.id))}
                  onSecret={(s) => setSecret({ routine: r, secret: s })}
                />
              ))}
            </ul>
          )}
        </>
      )}
    </main>
  );
}
