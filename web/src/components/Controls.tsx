// Session controls (model, reasoning effort, approval policy, sandbox, network) for one chat or as the defaults.
import { useEffect, useState } from "react";
import { call, errorText } from "../api/client";
import type { SessionControls } from "../api/types";
import { ErrorLine, Modal } from "./ui";

const EFFORTS = ["minimal", "low", "medium", "high", "xhigh"];
const POLICIES = ["untrusted", "on-request", "never"];
const SANDBOXES = ["read-only", "workspace-write", "danger-full-access"];

export function useModels() {
  const [models, setModels] = useState<{ id: string; label: string }[]>([]);
  useEffect(() => {
    call<any>("catalog.models")
      .then((r) => {
        const list: any[] = r?.data ?? r?.models ?? [];
        setModels(list.map((m) => ({ id: String(m.model ?? m.id ?? m.slug), label: String(m.displayName ?? m.display_name ?? m.model ?? m.id) })));
      })
      .catch(() => setModels([]));
  }, []);
  return models;
}

function clean(c: SessionControls): SessionControls {
  const out: SessionControls = {};
  for (const [k, v] of Object.entries(c)) if (v !== "" && v !== null && v !== undefined) (out as any)[k] = v;
  return out;
}

export function ControlsForm(props: { value: SessionControls; inherited?: SessionControls; onSave: (c: SessionControls) => Promise<void>; saveLabel: string }) {
  const [c, setC] = useState<SessionControls>(props.value);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const models = useModels();
  useEffect(() => setC(props.value), [props.value]);
  const inh = (k: keyof SessionControls) => {
    const v = props.inherited?.[k];
    return v === undefined || v === null ? "inherit" : `inherit (${String(v)})`;
  };
  const sel = (k: keyof SessionControls, label: string, options: string[]) => (
    <label className="field">
      <span>{label}</span>
      <select value={(c[k] as string) ?? ""} onChange={(e) => setC({ ...c, [k]: e.target.value || null })}>
        <option value="">{inh(k)}</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <form
      className="controls-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        setSaved(false);
        try {
          await props.onSave(clean(c));
          setSaved(true);
        } catch (err) {
          setError(errorText(err));
        }
      }}
    >
      <label className="field">
        <span>Model</span>
        <input list="cm-models" value={c.model ?? ""} placeholder={inh("model")} onChange={(e) => setC({ ...c, model: e.target.value || null })} />
        <datalist id="cm-models">
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.label}
            </option>
          ))}
        </datalist>
      </label>
      {sel("reasoningEffort", "Reasoning effort", EFFORTS)}
      {sel("approvalPolicy", "Approval policy", POLICIES)}
      {sel("sandbox", "Sandbox", SANDBOXES)}
      <label className="field">
        <span>Network access</span>
        <select
          value={c.networkAccess == null ? "" : c.networkAccess ? "on" : "off"}
          onChange={(e) => setC({ ...c, networkAccess: e.target.value === "" ? null : e.target.value === "on" })}
        >
          <option value="">{inh("networkAccess")}</option>
          <option value="on">on</option>
          <option value="off">off</option>
        </select>
      </label>
      <div className="buttons">
        <button type="submit" className="primary">
          {props.saveLabel}
        </button>
        {saved && <span className="ok">Saved: applies from the next turn.</span>}
      </div>
      <ErrorLine error={error} />
    </form>
  );
}

export function ControlsDialog({ open, onClose, sessionId }: { open: boolean; onClose: () => void; sessionId: string }) {
  const [data, setData] = useState<{ own: SessionControls; defaults: SessionControls; effective: SessionControls } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [scope, setScope] = useState<"chat" | "default">("chat");
  useEffect(() => {
    if (!open) return;
    call("controls.get_session", { params: { id: sessionId } })
      .then(setData)
      .catch((e) => setError(errorText(e)));
  }, [open, sessionId]);
  return (
    <Modal title="Session controls" open={open} onClose={onClose}>
      <div className="segmented" role="radiogroup" aria-label="Apply to">
        <label>
          <input type="radio" name="scope" checked={scope === "chat"} onChange={() => setScope("chat")} /> This chat
        </label>
        <label>
          <input type="radio" name="scope" checked={scope === "default"} onChange={() => setScope("default")} /> Default for all chats
        </label>
      </div>
      <ErrorLine error={error} />
      {data && scope === "chat" && (
        <ControlsForm
          value={data.own}
          inherited={data.defaults}
          saveLabel="Save for this chat"
          onSave={async (c) => setData(await call("controls.put_session", { params: { id: sessionId }, body: c }))}
        />
      )}
      {data && scope === "default" && (
        <ControlsForm
          value={data.defaults}
          saveLabel="Save as default"
          onSave={async (c) => {
            const defaults = await call<SessionControls>("controls.put_defaults", { body: c });
            setData({ ...data, defaults });
          }}
        />
      )}
      {data && (
        <p className="muted small">
          In force now:{" "}
          {Object.entries(data.effective)
            .filter(([, v]) => v != null)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(", ") || "app-server's own configuration"}
        </p>
      )}
    </Modal>
  );
}
