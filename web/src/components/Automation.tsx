// Per-session automation: the three shipped workflows (suggest-next-request, turn-review, approval-supervisor)
// switched by the session settings their plugins read, with the approval supervisor's rules. Each switch says
// whether its plugin is installed and enabled, and is disabled with the reason when it is not.
import { useEffect, useId, useState } from "react";
import { call, errorText } from "../api/client";
import type { PluginInfo, SessionSetting } from "../api/types";
import {
  buildSupervisor,
  EMPTY_SUPERVISOR,
  parseSupervisor,
  pluginAvailability,
  readToggle,
  toggleSetting,
  validateSupervisor,
  WORKFLOWS,
  type AcceptUpTo,
  type DeclineAt,
  type JudgeMode,
  type Rule,
  type SupervisorForm,
} from "../lib/automation";
import { navigate } from "../lib/router";
import { store } from "../lib/store";
import { ErrorLine, Modal } from "./ui";

export interface AutomationState {
  plugins: PluginInfo[] | null;
  settings: Record<string, unknown> | null;
  error: string | null;
  reload: () => void;
  setSetting: (key: string, value: unknown) => Promise<void>;
}

/** The session's workflow settings and the installed plugins, kept current by `session.setting_*` and `plugin.*`
 * events. */
export function useAutomation(sessionId: string): AutomationState {
  const [plugins, setPlugins] = useState<PluginInfo[] | null>(null);
  const [settings, setSettings] = useState<Record<string, unknown> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const loadPlugins = () =>
    call<PluginInfo[]>("plugins.list")
      .then((p) => setPlugins(Array.isArray(p) ? p : ((p as any)?.plugins ?? [])))
      .catch((e) => setError(`Could not read the plugins: ${errorText(e)}`));
  const loadSettings = () =>
    call<SessionSetting[]>("settings.list", { params: { id: sessionId } })
      .then((list) => setSettings(Object.fromEntries((list ?? []).map((x) => [x.key, x.value]))))
      .catch((e) => setError(`Could not read this chat's settings: ${errorText(e)}`));
  const reload = () => {
    setError(null);
    void loadPlugins();
    void loadSettings();
  };
  useEffect(() => {
    setSettings(null);
    reload();
    return store.onEvent((ev) => {
      if (ev.type.startsWith("plugin.")) void loadPlugins();
      if (ev.sessionId === sessionId && ev.type === "session.setting_changed" && ev.data?.key)
        setSettings((s) => ({ ...(s ?? {}), [ev.data.key]: ev.data.value }));
      if (ev.sessionId === sessionId && ev.type === "session.setting_deleted" && ev.data?.key)
        setSettings((s) => {
          const next = { ...(s ?? {}) };
          delete next[ev.data.key];
          return next;
        });
    });
  }, [sessionId]);
  const setSetting = async (key: string, value: unknown) => {
    const saved = await call<SessionSetting>("settings.put", { params: { id: sessionId, key }, body: value });
    setSettings((s) => ({ ...(s ?? {}), [key]: saved?.value ?? value }));
  };
  return { plugins, settings, error, reload, setSetting };
}

/** One line for the chat header: which workflows are on. */
export function AutomationSummary({ a }: { a: AutomationState }) {
  if (!a.settings || !a.plugins) return null;
  const on = (w: keyof typeof WORKFLOWS) =>
    pluginAvailability(a.plugins, WORKFLOWS[w].plugin).ok && (w === "supervisor" ? parseSupervisor(a.settings![WORKFLOWS[w].key]).enabled : readToggle(a.settings![WORKFLOWS[w].key], WORKFLOWS[w].defaultOn));
  const parts = [on("suggest") && "suggestions", on("review") && "turn review", on("supervisor") && "approval supervisor"].filter(Boolean);
  return (
    <span className="muted small automation-summary" data-testid="automation-summary">
      {parts.length ? `Automation: ${parts.join(", ")}` : "Automation: off"}
    </span>
  );
}

function Availability({ id, plugins, descId }: { id: string; plugins: PluginInfo[] | null; descId: string }) {
  const a = pluginAvailability(plugins, id);
  const p = plugins?.find((x) => x.id === id);
  return (
    <span id={descId} className={a.ok ? "muted small" : "warning small"} data-plugin-state={a.ok ? "ready" : p ? "disabled" : plugins ? "missing" : "loading"}>
      {a.ok ? `${id} ${p?.version ?? ""} is installed and enabled` : `Unavailable: ${a.reason}`}
    </span>
  );
}

function Switch(props: { label: string; checked: boolean; disabled: boolean; describedBy: string; onChange: (v: boolean) => void }) {
  return (
    <label className="switch">
      <input type="checkbox" role="switch" checked={props.checked} disabled={props.disabled} aria-describedby={props.describedBy} onChange={(e) => props.onChange(e.target.checked)} />
      <span>{props.label}</span>
    </label>
  );
}

function ToggleRow({ a, workflow, label, help }: { a: AutomationState; workflow: "suggest" | "review"; label: string; help: string }) {
  const w = WORKFLOWS[workflow];
  const descId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const avail = pluginAvailability(a.plugins, w.plugin);
  const stored = a.settings ? a.settings[w.key] : undefined;
  const on = readToggle(stored, w.defaultOn);
  return (
    <section className="workflow" data-workflow={w.plugin} aria-label={label}>
      <Switch
        label={label}
        checked={on}
        disabled={busy || !avail.ok || !a.settings}
        describedBy={descId}
        onChange={async (v) => {
          setBusy(true);
          setError(null);
          try {
            await a.setSetting(w.key, toggleSetting(v));
          } catch (e) {
            setError(errorText(e));
          } finally {
            setBusy(false);
          }
        }}
      />
      <p className="muted small">
        {help} {stored === undefined ? `Not set for this chat: ${w.defaultOn ? "on" : "off"} by default.` : `Setting: ${JSON.stringify(stored)}.`}
      </p>
      <Availability id={w.plugin} plugins={a.plugins} descId={descId} />
      <ErrorLine error={error} />
    </section>
  );
}

function SupervisorEditor({ a }: { a: AutomationState }) {
  const w = WORKFLOWS.supervisor;
  const descId = useId();
  const stored = a.settings ? a.settings[w.key] : undefined;
  const [form, setForm] = useState<SupervisorForm>(() => parseSupervisor(stored));
  const [dirty, setDirty] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const avail = pluginAvailability(a.plugins, w.plugin);
  useEffect(() => {
    if (!dirty) setForm(parseSupervisor(stored));
  }, [JSON.stringify(stored ?? null)]);
  const edit = (f: SupervisorForm) => {
    setForm(f);
    setDirty(true);
    setSaved(false);
  };
  const save = async (f: SupervisorForm) => {
    const invalid = validateSupervisor(f);
    if (invalid) {
      setError(invalid);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await a.setSetting(w.key, buildSupervisor(f));
      setForm(f);
      setDirty(false);
      setSaved(true);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const setRule = (i: number, patch: Partial<SupervisorForm["rules"][number]>) => edit({ ...form, rules: form.rules.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  const disabled = busy || !avail.ok || !a.settings;
  return (
    <section className="workflow" data-workflow={w.plugin} aria-label="Approval supervisor">
      <Switch label="Approval supervisor" checked={form.enabled} disabled={disabled} describedBy={descId} onChange={(v) => void save({ ...form, enabled: v })} />
      <p className="muted small">Decides command and file-change approvals by these rules, naming the rule in the decision. Your own decision always wins.</p>
      <Availability id={w.plugin} plugins={a.plugins} descId={descId} />
      <fieldset className="rules" disabled={disabled}>
        <legend>Rules (first match decides)</legend>
        {form.rules.length === 0 && <p className="muted small">No command rules.</p>}
        <ol>
          {form.rules.map((r, i) => (
            <li key={i} className="rule" data-rule={i}>
              <input aria-label={`Rule ${i + 1} command pattern`} placeholder="git status*" value={r.command} onChange={(e) => setRule(i, { command: e.target.value })} />
              <select aria-label={`Rule ${i + 1} decision`} value={r.decision} onChange={(e) => setRule(i, { decision: e.target.value as Rule["decision"] })}>
                <option value="accept">accept</option>
                <option value="decline">decline</option>
                <option value="steer">decline and steer</option>
              </select>
              {r.decision === "steer" && (
                <input
                  aria-label={`Rule ${i + 1} message to Codex`}
                  placeholder="don't delete files; move them to ./trash instead"
                  value={r.message ?? ""}
                  onChange={(e) => setRule(i, { message: e.target.value })}
                />
              )}
              <button type="button" className="small" aria-label={`Move rule ${i + 1} up`} disabled={i === 0} onClick={() => edit({ ...form, rules: swap(form.rules, i, i - 1) })}>
                ↑
              </button>
              <button type="button" className="small danger" aria-label={`Remove rule ${i + 1}`} onClick={() => edit({ ...form, rules: form.rules.filter((_, j) => j !== i) })}>
                ✕
              </button>
            </li>
          ))}
        </ol>
        <button type="button" className="small" onClick={() => edit({ ...form, rules: [...form.rules, { command: "", decision: "accept" }] })}>
          Add rule
        </button>
        <p className="muted small">
          <code>*</code> matches any run of characters; in an accept rule it never matches a shell operator (<code>; & | $ &gt;</code>…).
        </p>
        <label className="check">
          <input type="checkbox" checked={form.fileChangesInWorkspace} onChange={(e) => edit({ ...form, fileChangesInWorkspace: e.target.checked })} /> Accept file changes inside the
          working directory
        </label>
        <label className="field inline">
          <span>Otherwise</span>
          <select value={form.otherwise} onChange={(e) => edit({ ...form, otherwise: e.target.value as "ask" | "decline" })}>
            <option value="ask">ask me</option>
            <option value="decline">decline</option>
          </select>
        </label>
        <label className="field inline">
          <span>What no rule decides</span>
          <select aria-label="Mode" value={form.mode} onChange={(e) => edit({ ...form, mode: e.target.value as JudgeMode })}>
            <option value="">the plugin's setting</option>
            <option value="rules">goes to "Otherwise"</option>
            <option value="judge">is judged by a model first</option>
          </select>
        </label>
        {form.mode !== "rules" && (
          <>
            <label className="field inline">
              <span>Accept when judged at most</span>
              <select aria-label="Accept up to" value={form.acceptUpTo} onChange={(e) => edit({ ...form, acceptUpTo: e.target.value as AcceptUpTo })}>
                <option value="">the plugin's setting</option>
                <option value="none">never (ask me)</option>
                <option value="low">low risk</option>
                <option value="medium">medium risk</option>
              </select>
            </label>
            <label className="field inline">
              <span>Decline when judged at least</span>
              <select aria-label="Decline at" value={form.declineAt} onChange={(e) => edit({ ...form, declineAt: e.target.value as DeclineAt })}>
                <option value="">the plugin's setting</option>
                <option value="none">never (ask me)</option>
                <option value="medium">medium risk</option>
                <option value="high">high risk</option>
              </select>
            </label>
          </>
        )}
        <label className="field inline">
          <span>Grace period (seconds)</span>
          <input
            type="number"
            min={0}
            max={3600}
            step={1}
            value={form.graceMs / 1000}
            onChange={(e) => edit({ ...form, graceMs: Math.round(Math.max(0, Number(e.target.value) || 0) * 1000) })}
          />
        </label>
        <div className="buttons">
          <button type="button" className="primary" disabled={!dirty || busy} onClick={() => void save(form)}>
            Save supervisor rules
          </button>
          {dirty && <span className="warning small">Unsaved changes</span>}
          {saved && !dirty && (
            <span className="ok small" role="status">
              Saved.
            </span>
          )}
        </div>
      </fieldset>
      <ErrorLine error={error} />
      {stored !== undefined && (
        <details className="small">
          <summary>Setting as stored</summary>
          <pre className="json">{JSON.stringify(stored, null, 2)}</pre>
        </details>
      )}
    </section>
  );
}

function swap<T>(list: T[], i: number, j: number): T[] {
  const next = [...list];
  [next[i], next[j]] = [next[j], next[i]];
  return next;
}

export function AutomationDialog({ open, onClose, sessionId, a }: { open: boolean; onClose: () => void; sessionId: string; a: AutomationState }) {
  return (
    <Modal title="Automation" open={open} onClose={onClose} wide>
      <p className="muted small">Workflow plugins for this chat. Changes apply from the next event they act on.</p>
      <ErrorLine error={a.error} />
      {!a.settings && !a.error && <p className="muted">Loading…</p>}
      <ToggleRow a={a} workflow="suggest" label="Suggest next requests" help="“Suggest next request” in the composer asks a helper turn for your likely next prompt." />
      <ToggleRow a={a} workflow="review" label="Turn review" help="After a turn that changed files, a helper turn writes a short review under that turn." />
      <SupervisorEditor key={sessionId} a={a} />
      <p className="small">
        <a
          href={`/jobs?sessionId=${encodeURIComponent(sessionId)}`}
          onClick={(e) => {
            e.preventDefault();
            onClose();
            navigate(`/jobs?sessionId=${encodeURIComponent(sessionId)}`);
          }}
        >
          This chat's jobs
        </a>
      </p>
    </Modal>
  );
}

export { EMPTY_SUPERVISOR };
