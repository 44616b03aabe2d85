// Settings: account login (API key or ChatGPT, no window.prompt), default controls, models, MCP servers (with
// OAuth connect), skills and experimental features (switches), config, browser notifications, the account's rate
// limits.
import { useEffect, useState } from "react";
import { call, errorText } from "../api/client";
import type { Feature, FeatureList, McpServerStatus, SessionControls, Skill, SkillsList } from "../api/types";
import { ControlsForm, useModels } from "../components/Controls";
import { ErrorLine, Json, useAction } from "../components/ui";
import { RateLimitsView } from "../components/Usage";
import { store, useStore } from "../lib/store";

function useGet<T>(name: Parameters<typeof call>[0], deps: unknown[] = []) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = (): Promise<T | null> =>
    call<T>(name)
      .then((d) => {
        setData(d);
        setError(null);
        return d;
      })
      .catch((e) => {
        setError(errorText(e));
        return null;
      });
  useEffect(() => {
    void reload();
  }, deps);
  return { data, error, reload };
}

function Account() {
  const acc = useGet<any>("account.read");
  const [apiKey, setApiKey] = useState("");
  const [login, setLogin] = useState<any>(null);
  const start = useAction(async (type: "apiKey" | "chatgpt" | "chatgptDeviceCode") => {
    const body = type === "apiKey" ? { type, apiKey } : { type };
    const r = await call<any>("account.login", { body });
    setApiKey("");
    setLogin(r);
    if (r?.authUrl) window.open(r.authUrl, "_blank", "noopener");
    void acc.reload();
  });
  const logout = useAction(async () => {
    await call("account.logout");
    void acc.reload();
  });
  useEffect(() => {
    if (!login?.loginId) return;
    const t = setInterval(async () => {
      try {
        const st = await call<any>("account.login_state", { params: { loginId: login.loginId } });
        setLogin({ ...login, ...st });
        if (st.status !== "pending") {
          clearInterval(t);
          void acc.reload();
          void store.refreshReady();
        }
      } catch {
        clearInterval(t);
      }
    }, 2000);
    return () => clearInterval(t);
  }, [login?.loginId]);
  const account = acc.data?.account;
  return (
    <section className="card" aria-label="Account">
      <h2>Account</h2>
      <ErrorLine error={acc.error} />
      <p>
        {account ? (
          <>
            Signed in: <strong>{account.email ?? account.type ?? "account"}</strong> {account.planType && <span className="muted">({account.planType})</span>}
          </>
        ) : acc.data ? (
          acc.data.requiresOpenaiAuth ? "Not signed in; the configured provider needs an account." : "No account needed by the configured provider."
        ) : null}
      </p>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void start.run("apiKey");
        }}
      >
        <label className="field">
          <span>OpenAI API key</span>
          <input type="password" autoComplete="off" value={apiKey} onChange={(e) => setApiKey(e.target.value)} placeholder="sk-…" />
        </label>
        <button type="submit" disabled={!apiKey || start.busy}>
          Sign in with key
        </button>
      </form>
      <div className="buttons">
        <button type="button" onClick={() => start.run("chatgpt")} disabled={start.busy}>
          Sign in with ChatGPT
        </button>
        <button type="button" onClick={() => start.run("chatgptDeviceCode")} disabled={start.busy}>
          Device code
        </button>
        {account && (
          <button type="button" className="danger" onClick={() => logout.run()} disabled={logout.busy}>
            Sign out
          </button>
        )}
      </div>
      {login && (
        <div className="login-progress" role="status">
          {login.authUrl && (
            <p>
              Continue in the browser: <a href={login.authUrl} target="_blank" rel="noopener noreferrer">open the sign-in page</a>
            </p>
          )}
          {login.userCode && (
            <p>
              Code: <code>{login.userCode}</code> at {login.verificationUrl}
            </p>
          )}
          {login.status && <p>Status: {login.status}{login.error ? ` — ${login.error}` : ""}</p>}
        </div>
      )}
      <ErrorLine error={start.error ?? logout.error} />
    </section>
  );
}

function Defaults() {
  const d = useGet<SessionControls>("controls.get_defaults");
  return (
    <section className="card" aria-label="Default controls">
      <h2>Defaults for every chat</h2>
      <ErrorLine error={d.error} />
      {d.data && (
        <ControlsForm
          value={d.data}
          saveLabel="Save defaults"
          onSave={async (c) => {
            await call("controls.put_defaults", { body: c });
            void d.reload();
          }}
        />
      )}
    </section>
  );
}

function Models() {
  const models = useModels();
  return (
    <section className="card" aria-label="Models">
      <h2>Models</h2>
      {models.length === 0 ? <p className="muted">No models listed.</p> : <ul>{models.map((m) => <li key={m.id}><code>{m.id}</code> {m.label !== m.id && <span className="muted">{m.label}</span>}</li>)}</ul>}
    </section>
  );
}

/** Servers that can sign in with OAuth: any that is not signed in by other means and not known to refuse it. */
export function canConnect(server: McpServerStatus): boolean {
  return server.authStatus === "notLoggedIn" || server.runtimeStatus === "authenticationRequired";
}

function McpServerRow({ server }: { server: McpServerStatus }) {
  const [url, setUrl] = useState<string | null>(null);
  const connect = useAction(async () => {
    const r = await call<{ authorizationUrl: string }>("catalog.mcp_login", { params: { name: server.name }, body: {} });
    setUrl(r.authorizationUrl);
    window.open(r.authorizationUrl, "_blank", "noopener");
  });
  const tools = server.tools ? Object.keys(server.tools).length : 0;
  return (
    <li data-mcp-server={server.name}>
      <div>
        <strong>{server.name}</strong> <span className="muted">{[server.runtimeStatus, server.authStatus].filter(Boolean).join(" · ")}</span>
        {tools > 0 && <span className="muted"> · {tools} tools</span>}
        {server.toolsError && (
          <details className="small">
            <summary className="warning">Not connected: see why</summary>
            <p className="warning">{server.toolsError}</p>
          </details>
        )}
        {url && (
          <p className="small" role="status">
            Continue in the browser: <a href={url} target="_blank" rel="noopener noreferrer">open the authorization page</a>
          </p>
        )}
        <ErrorLine error={connect.error} />
      </div>
      {canConnect(server) && (
        <button type="button" onClick={() => connect.run()} disabled={connect.busy} aria-label={`Connect ${server.name}`}>
          Connect
        </button>
      )}
    </li>
  );
}

function Mcp() {
  const m = useGet<{ data?: McpServerStatus[] }>("catalog.mcp_servers");
  const reload = useAction(async () => {
    await call("catalog.mcp_reload");
    void m.reload();
  });
  const servers = m.data?.data ?? [];
  return (
    <section className="card" aria-label="MCP servers">
      <h2>MCP servers</h2>
      <ErrorLine error={m.error ?? reload.error} />
      {servers.length === 0 && m.data && <p className="muted">None configured.</p>}
      <ul className="toggles">
        {servers.map((s) => (
          <McpServerRow key={s.name} server={s} />
        ))}
      </ul>
      <button type="button" onClick={() => reload.run()} disabled={reload.busy}>
        Reload MCP servers
      </button>
    </section>
  );
}

/** A switch that writes its state and shows the state the host answers (re-read after the write). */
function Toggle({ label, checked, onChange }: { label: string; checked: boolean; onChange: (on: boolean) => Promise<unknown> }) {
  const act = useAction(onChange);
  return (
    <span className="toggle">
      <label className="switch">
        <input type="checkbox" role="switch" checked={checked} disabled={act.busy} aria-label={label} onChange={(e) => void act.run(e.target.checked)} />
      </label>
      <ErrorLine error={act.error} />
    </span>
  );
}

function Skills() {
  const l = useGet<SkillsList>("catalog.skills");
  const skills: Skill[] = (l.data?.data ?? []).flatMap((e) => e.skills ?? []);
  const errors = (l.data?.data ?? []).flatMap((e) => e.errors ?? []);
  return (
    <section className="card" aria-label="Skills">
      <h2>Skills</h2>
      <ErrorLine error={l.error} />
      {l.data && skills.length === 0 && <p className="muted">No skills found.</p>}
      <ul className="toggles">
        {skills.map((k) => (
          <li key={k.path} data-skill={k.name}>
            <div>
              <strong>{k.name}</strong> <span className="muted small">{k.scope}</span>
              <p className="small muted">{k.shortDescription ?? k.description}</p>
            </div>
            <Toggle
              label={`Skill ${k.name} enabled`}
              checked={k.enabled}
              onChange={async (on) => {
                await call("catalog.skill_enable", { params: { name: k.name }, body: { enabled: on, path: k.path } });
                const now = (await l.reload())?.data.flatMap((e) => e.skills ?? []).find((x) => x.path === k.path);
                if (now && now.enabled !== on) throw new Error(`Codex kept the skill ${now.enabled ? "on" : "off"}.`);
              }}
            />
          </li>
        ))}
      </ul>
      {errors.map((e, i) => (
        <p key={i} className="warning small">
          {e.path}: {e.message}
        </p>
      ))}
    </section>
  );
}

function Features() {
  const l = useGet<FeatureList>("catalog.features");
  const features: Feature[] = l.data?.data ?? [];
  return (
    <section className="card" aria-label="Experimental features">
      <h2>Experimental features</h2>
      <ErrorLine error={l.error} />
      {l.data && features.length === 0 && <p className="muted">None listed.</p>}
      <ul className="toggles">
        {features.map((f) => (
          <li key={f.name} data-feature={f.name}>
            <div>
              <strong>{f.displayName ?? f.name}</strong> <span className="muted small">{f.stage}</span>
              {f.description && <p className="small muted">{f.description}</p>}
            </div>
            <Toggle
              label={`Feature ${f.name} enabled`}
              checked={f.enabled}
              onChange={async (on) => {
                await call("catalog.feature_enable", { params: { name: f.name }, body: { enabled: on } });
                // app-server answers success but ignores keys it does not let users set: say so.
                const now = (await l.reload())?.data.find((x) => x.name === f.name);
                if (now && now.enabled !== on) throw new Error(`Codex kept this feature ${now.enabled ? "on" : "off"}.`);
              }}
            />
          </li>
        ))}
      </ul>
    </section>
  );
}

function RateLimits() {
  return (
    <section className="card" aria-label="Usage limits">
      <RateLimitsView />
    </section>
  );
}

function Config() {
  const c = useGet<any>("config.read");
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const write = useAction(async () => {
    let v: unknown = value;
    try {
      v = JSON.parse(value);
    } catch {
      /* a plain string */
    }
    await call("config.write_value", { body: { keyPath: key.trim(), value: v } });
    void c.reload();
  });
  return (
    <section className="card" aria-label="Config">
      <h2>Codex config</h2>
      <ErrorLine error={c.error} />
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void write.run();
        }}
      >
        <label className="field">
          <span>Key path</span>
          <input value={key} onChange={(e) => setKey(e.target.value)} placeholder="model" required />
        </label>
        <label className="field">
          <span>Value (JSON, or text)</span>
          <input value={value} onChange={(e) => setValue(e.target.value)} />
        </label>
        <button type="submit" disabled={write.busy || !key.trim()}>
          Write
        </button>
      </form>
      <ErrorLine error={write.error} />
      <details>
        <summary>Current config</summary>
        {c.data && <Json value={c.data.config ?? c.data} />}
      </details>
    </section>
  );
}

function Notifications() {
  const s = useStore();
  const supported = typeof Notification !== "undefined";
  return (
    <section className="card" aria-label="Notifications">
      <h2>Notifications</h2>
      <p>Get a browser notification when a chat in the background needs a decision.</p>
      {!supported ? (
        <p className="muted">This browser has no notifications.</p>
      ) : s.notificationsOn ? (
        <p className="ok">On.</p>
      ) : (
        <button type="button" onClick={() => store.enableNotifications()}>
          Allow notifications
        </button>
      )}
    </section>
  );
}

export function SettingsPage() {
  return (
    <main className="page-body" aria-label="Settings">
      <h1>Settings</h1>
      <Account />
      <Defaults />
      <Notifications />
      <Models />
      <RateLimits />
      <Mcp />
      <Skills />
      <Features />
      <Config />
    </main>
  );
}
