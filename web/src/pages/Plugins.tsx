// Plugins: inventory, install from file or URL with the capability grant, enable/disable, remove, recent calls,
// and each plugin's settings (the manifest's `[settings]`, edited by the user).
import { useEffect, useState } from "react";
import { call, errorText } from "../api/client";
import type { Inspection, PluginCall, PluginInfo, PluginSettings } from "../api/types";
import { ErrorLine, formatDuration, timeAgo, useAction } from "../components/ui";
import { fromFiles, fromUrl, type PluginPackage } from "../lib/package";
import { compactText, fieldsOf, fromText, settingProblem, shapeOf, toText, withField } from "../lib/pluginSettings";
import { store } from "../lib/store";

export function Calls({ id }: { id: string }) {
  const [calls, setCalls] = useState<PluginCall[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call<PluginCall[]>("plugins.calls", { params: { id }, query: { limit: 25 } })
      .then(setCalls)
      .catch((e) => setError(errorText(e)));
  }, [id]);
  if (error) return <ErrorLine error={error} />;
  if (!calls) return <p className="muted">Loading calls…</p>;
  if (!calls.length) return <p className="muted">No calls yet.</p>;
  const failed = calls.filter((c) => c.outcome !== "ok").length;
  return (
    <>
      <p className="muted">
        {calls.length} recent calls, {failed} failed
      </p>
      <table className="calls">
        <thead>
          <tr>
            <th>When</th>
            <th>Trigger</th>
            <th>Outcome</th>
            <th>Time</th>
            <th>Error / denials</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((c) => (
            <tr key={String(c.id)} className={c.outcome === "ok" ? "" : "failed"}>
              <td>{timeAgo(c.startedAt)}</td>
              <td>
                <code>{c.trigger}</code>
              </td>
              <td>{c.outcome}</td>
              <td>{formatDuration(c.durationUs / 1000)}</td>
              <td>
                {[c.error, ...(c.denials ?? [])].filter(Boolean).join("; ")}
                {c.stderr && (
                  <details className="stderr">
                    <summary>stderr</summary>
                    <pre>{c.stderr}</pre>
                  </details>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** One setting's editor, in its default's shape (see lib/pluginSettings). */
function SettingInput({ id, name, def, text, onText }: { id: string; name: string; def: unknown; text: string; onText: (t: string) => void }) {
  const inputId = `setting-${id}-${name}`;
  const shape = shapeOf(def);
  const problem = settingProblem(text, def);
  if (shape === "boolean") return <input id={inputId} type="checkbox" checked={text === "true"} onChange={(e) => onText(String(e.target.checked))} />;
  if (shape === "fields") {
    return (
      <fieldset id={inputId} className="setting-fields" aria-label={name}>
        {fieldsOf(def, text).map((f) => (
          <label key={f.key} className="setting-field">
            <span className="muted small">{f.key}</span>{" "}
            {typeof f.like === "boolean" ? (
              <input id={`${inputId}-${f.key}`} type="checkbox" checked={f.value === true} onChange={(e) => onText(withField(text, f.key, e.target.checked, f.like))} />
            ) : (
              <input id={`${inputId}-${f.key}`} value={String(f.value ?? "")} onChange={(e) => onText(withField(text, f.key, e.target.value, f.like))} />
            )}
          </label>
        ))}
      </fieldset>
    );
  }
  const describedBy = problem ? `${inputId}-problem` : undefined;
  return (
    <>
      {shape === "json" ? (
        <textarea id={inputId} rows={Math.min(12, Math.max(3, text.split("\n").length))} spellCheck={false} value={text} aria-invalid={!!problem} aria-describedby={describedBy} onChange={(e) => onText(e.target.value)} />
      ) : (
        <input id={inputId} value={text} aria-invalid={!!problem} aria-describedby={describedBy} onChange={(e) => onText(e.target.value)} />
      )}
      {problem && (
        <div id={describedBy} className="error small" role="alert">
          {name}: {problem}
        </div>
      )}
    </>
  );
}

export function Settings({ id }: { id: string }) {
  const [s, setS] = useState<PluginSettings | null>(null);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [loadError, setLoadError] = useState<string | null>(null);
  const load = (next: PluginSettings) => {
    setS(next);
    setDraft(Object.fromEntries(Object.entries(next.settings).map(([k, v]) => [k, toText(v)])));
  };
  useEffect(() => {
    call<PluginSettings>("plugins.get_settings", { params: { id } })
      .then(load)
      .catch((e) => setLoadError(errorText(e)));
  }, [id]);
  const save = useAction(async (changes: Record<string, unknown>) => {
    load(await call<PluginSettings>("plugins.put_settings", { params: { id }, body: changes }));
  });
  if (loadError) return <ErrorLine error={loadError} />;
  if (!s) return <p className="muted">Loading settings…</p>;
  const keys = Object.keys(s.defaults).sort();
  if (!keys.length) return <p className="muted">This plugin declares no settings.</p>;
  const changed = keys.filter((k) => draft[k] !== toText(s.settings[k]));
  const invalid = changed.some((k) => settingProblem(draft[k] ?? "", s.defaults[k]) !== null);
  return (
    <form
      className="plugin-settings"
      aria-label={`${id} settings`}
      onSubmit={(e) => {
        e.preventDefault();
        if (invalid) return;
        save.run(Object.fromEntries(changed.map((k) => [k, fromText(draft[k], s.defaults[k])])));
      }}
    >
      <table>
        <tbody>
          {keys.map((k) => (
            <tr key={k}>
              <th>
                <label htmlFor={`setting-${id}-${k}`}>{k}</label>
              </th>
              <td>
                <SettingInput id={id} name={k} def={s.defaults[k]} text={draft[k] ?? ""} onText={(t) => setDraft({ ...draft, [k]: t })} />
              </td>
              <td className="muted">{k in s.user ? "set by you" : "default"}</td>
              <td>
                {k in s.user && (
                  <button type="button" className="small" disabled={save.busy} onClick={() => save.run({ [k]: null })}>
                    Reset to {compactText(s.defaults[k])}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="submit" disabled={save.busy || !changed.length || invalid}>
        Save settings
      </button>
      <ErrorLine error={save.error} />
    </form>
  );
}

function PluginRow({ p, onChange }: { p: PluginInfo; onChange: () => void }) {
  const [open, setOpen] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const act = useAction(async (what: "enable" | "disable" | "remove") => {
    if (what === "remove") {
      if (!confirm(`Remove ${p.id} with its files and data?`)) return;
      await call("plugins.remove", { params: { id: p.id } });
    } else await call(what === "enable" ? "plugins.enable" : "plugins.disable", { params: { id: p.id } });
    onChange();
  });
  return (
    <li className={`plugin ${p.enabled ? "enabled" : "disabled"}`} data-plugin-id={p.id}>
      <div className="plugin-head">
        <h3>
          {p.id} <span className="muted">{p.version}</span>
        </h3>
        <span className={`badge ${p.enabled ? "ok" : "attention"}`}>{p.enabled ? "enabled" : "disabled"}</span>
        <span className="spacer" />
        <label className="check">
          <input type="checkbox" checked={p.enabled} disabled={act.busy} onChange={() => act.run(p.enabled ? "disable" : "enable")} aria-label={`${p.id} enabled`} /> Enabled
        </label>
        <button type="button" className="danger small" onClick={() => act.run("remove")} disabled={act.busy}>
          Remove
        </button>
      </div>
      <p>{p.description}</p>
      {p.disabledReason && <p className="error">{p.disabledReason}</p>}
      <dl className="facts">
        <dt>Granted</dt>
        <dd>{p.granted.length ? p.granted.join(", ") : "nothing"}</dd>
        {p.requested.some((c) => !p.granted.includes(c)) && (
          <>
            <dt>Requested, not granted</dt>
            <dd>{p.requested.filter((c) => !p.granted.includes(c)).join(", ")}</dd>
          </>
        )}
        {p.events.length > 0 && (
          <>
            <dt>Events</dt>
            <dd>{p.events.join(", ")}</dd>
          </>
        )}
        {p.jobs.length > 0 && (
          <>
            <dt>Jobs</dt>
            <dd>{p.jobs.join(", ")}</dd>
          </>
        )}
        {p.tools.length > 0 && (
          <>
            <dt>Tools</dt>
            <dd>{p.tools.map((t) => t.name).join(", ")}</dd>
          </>
        )}
        <dt>WIT</dt>
        <dd>{p.witVersion}</dd>
        <dt>Failures in a row</dt>
        <dd>{p.consecutiveFailures}</dd>
      </dl>
      <ErrorLine error={act.error} />
      <details onToggle={(e) => setSettingsOpen((e.target as HTMLDetailsElement).open)}>
        <summary>Settings</summary>
        {settingsOpen && <Settings id={p.id} />}
      </details>
      <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
        <summary>Recent calls</summary>
        {open && <Calls id={p.id} />}
      </details>
    </li>
  );
}

function Install({ onInstalled }: { onInstalled: () => void }) {
  const [files, setFiles] = useState<File[]>([]);
  const [url, setUrl] = useState("");
  const [sha, setSha] = useState("");
  const [pkg, setPkg] = useState<PluginPackage | null>(null);
  const [insp, setInsp] = useState<Inspection | null>(null);
  const [grant, setGrant] = useState<string[]>([]);
  const [done, setDone] = useState<string | null>(null);
  const check = useAction(async (source: "file" | "url") => {
    setDone(null);
    setInsp(null);
    const p = source === "file" ? await fromFiles(files) : await fromUrl(url.trim(), sha.trim() || undefined);
    const i = await call<Inspection>("plugins.inspect", { body: p });
    setPkg(p);
    setInsp(i);
    setGrant(i.requested);
  });
  const install = useAction(async () => {
    if (!pkg || !insp) return;
    const info = await call<PluginInfo>("plugins.install", { body: { ...pkg, grant, upgrade: Boolean(insp.replaces) } });
    setDone(`Installed ${info.id} ${info.version}${info.enabled ? "" : " (disabled)"}`);
    setPkg(null);
    setInsp(null);
    onInstalled();
  });
  return (
    <section className="card install" aria-label="Install a plugin">
      <h2>Install a plugin</h2>
      <div className="install-sources">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void check.run("file");
          }}
        >
          <label className="field">
            <span>From files: plugin.toml and the .wasm (or one .tar.gz)</span>
            <input type="file" multiple accept=".toml,.wasm,.tar,.gz,.tgz" onChange={(e) => setFiles([...(e.target.files ?? [])])} />
          </label>
          <button type="submit" disabled={!files.length || check.busy}>
            Check package
          </button>
        </form>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void check.run("url");
          }}
        >
          <label className="field">
            <span>From a URL (.tar.gz)</span>
            <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://…/plugin.tar.gz" />
          </label>
          <label className="field">
            <span>SHA-256 (optional)</span>
            <input value={sha} onChange={(e) => setSha(e.target.value)} pattern="[0-9a-fA-F]{64}" />
          </label>
          <button type="submit" disabled={!url.trim() || check.busy}>
            Fetch and check
          </button>
        </form>
      </div>
      <ErrorLine error={check.error} />
      {insp && (
        <div className="inspection" aria-label="Package">
          <h3>
            {insp.id} {insp.version} {insp.replaces && <span className="muted">(replaces {insp.replaces})</span>}
          </h3>
          <p>{insp.description}</p>
          <fieldset>
            <legend>Capabilities it asks for — grant only what you trust it with</legend>
            {insp.requested.length === 0 && <p className="muted">None.</p>}
            {insp.requested.map((c) => (
              <label key={c} className="check">
                <input type="checkbox" checked={grant.includes(c)} onChange={(e) => setGrant(e.target.checked ? [...grant, c] : grant.filter((x) => x !== c))} /> {c}
                {c === "http" && insp.httpAllow.length > 0 && <span className="muted"> ({insp.httpAllow.join(", ")})</span>}
              </label>
            ))}
          </fieldset>
          <p className="muted small">
            Events: {insp.events.join(", ") || "none"} · Jobs: {insp.jobs.join(", ") || "none"} · Tools: {insp.tools.join(", ") || "none"}
          </p>
          <button type="button" className="primary" onClick={() => install.run()} disabled={install.busy}>
            {insp.replaces ? "Upgrade" : "Install"}
          </button>
          <ErrorLine error={install.error} />
        </div>
      )}
      {done && (
        <p className="ok" role="status">
          {done}
        </p>
      )}
    </section>
  );
}

export function PluginsPage() {
  const [plugins, setPlugins] = useState<PluginInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    call<PluginInfo[]>("plugins.list")
      .then((p) => {
        setPlugins(p);
        setError(null);
      })
      .catch((e) => setError(errorText(e)));
  useEffect(() => {
    void load();
    return store.onEvent((ev) => {
      if (ev.type.startsWith("plugin.")) void load();
    });
  }, []);
  return (
    <main className="page-body" aria-label="Plugins">
      <h1>Plugins</h1>
      <Install onInstalled={load} />
      <ErrorLine error={error} />
      {plugins && plugins.length === 0 && <p className="muted">No plugins installed.</p>}
      <ul className="plugins">{plugins?.map((p) => <PluginRow key={p.id} p={p} onChange={load} />)}</ul>
    </main>
  );
}
