// Small shared pieces: a modal dialog (native <dialog>: focus trap and Escape for free), error lines, badges.
import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import { errorText } from "../api/client";

export function Modal(props: { title: string; open: boolean; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog ref={ref} className={props.wide ? "modal wide" : "modal"} aria-label={props.title} onClose={props.onClose} onCancel={props.onClose}>
      {props.open && (
        <>
          <header className="modal-head">
            <h2>{props.title}</h2>
            <button type="button" className="icon" aria-label="Close" onClick={props.onClose}>
              ✕
            </button>
          </header>
          <div className="modal-body">{props.children}</div>
        </>
      )}
    </dialog>
  );
}

export function ErrorLine({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {typeof error === "string" ? error : errorText(error)}
    </p>
  );
}

/** Run an async action, keeping its busy state and error for the view. */
export function useAction<A extends unknown[]>(fn: (...args: A) => Promise<unknown>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (...args: A) => {
    setBusy(true);
    setError(null);
    try {
      await fn(...args);
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}

const STATUS_LABEL: Record<string, string> = {
  idle: "idle",
  running: "running",
  waiting_on_approval: "needs approval",
  waiting_on_input: "needs input",
  waiting_on_tool: "waits for a tool",
  failed: "failed",
};

export function statusLabel(status: string): string {
  return STATUS_LABEL[status] ?? status.replaceAll("_", " ");
}

export function StatusBadge({ status }: { status: string }) {
  const attention = status.startsWith("waiting") || status === "failed";
  return (
    <span className={`badge status-${status}${attention ? " attention" : ""}`} data-status={status}>
      {statusLabel(status)}
    </span>
  );
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s % 60)} s`;
}

export function timeAgo(iso: string | null | undefined): string {
  if (!iso) return "";
  const t = Date.parse(iso);
  if (!isFinite(t)) return "";
  const s = Math.max(0, (Date.now() - t) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(t).toLocaleDateString();
}

export function Json({ value }: { value: unknown }) {
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}

/**
 * A menu button: `label` is its accessible name; the items (`MenuItem`) show in a popover that closes on a choice,
 * on Escape (which goes no further: it does not interrupt the turn) and on a click outside.
 */
export function Menu({ label, text = "⋯", children, className }: { label: string; text?: ReactNode; children: ReactNode; className?: string }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        setOpen(false);
        ref.current?.querySelector<HTMLButtonElement>("button[aria-haspopup]")?.focus();
      } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        const items = [...(ref.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]:not(:disabled)') ?? [])];
        if (!items.length) return;
        e.preventDefault();
        const at = items.indexOf(document.activeElement as HTMLButtonElement);
        const next = e.key === "ArrowDown" ? (at + 1) % items.length : (at - 1 + items.length) % items.length;
        items[next].focus();
      }
    };
    document.addEventListener("mousedown", onDown);
    document.addEventListener("keydown", onKey);
    ref.current?.querySelector<HTMLButtonElement>('[role="menuitem"]')?.focus();
    return () => {
      document.removeEventListener("mousedown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);
  // Opened right-aligned to its button; where that would leave the screen (a button at the left of a phone), left-aligned.
  useLayoutEffect(() => {
    const pop = ref.current?.querySelector<HTMLElement>(".popover");
    if (!pop) return;
    pop.style.left = "";
    pop.style.right = "";
    if (pop.getBoundingClientRect().left < 0) {
      pop.style.left = "0";
      pop.style.right = "auto";
    }
  }, [open]);
  return (
    <div className={`menu-wrap${className ? ` ${className}` : ""}`} ref={ref}>
      <button type="button" className="icon" aria-haspopup="menu" aria-expanded={open} aria-label={label} title={label} onClick={() => setOpen(!open)}>
        {text}
      </button>
      {open && (
        <div role="menu" aria-label={label} className="popover" onClick={() => setOpen(false)}>
          {children}
        </div>
      )}
    </div>
  );
}

export function MenuItem({ onSelect, children, danger, disabled }: { onSelect: () => void; children: ReactNode; danger?: boolean; disabled?: boolean }) {
  return (
    <button type="button" role="menuitem" className={danger ? "danger" : undefined} disabled={disabled} onClick={onSelect}>
      {children}
    </button>
  );
}

/**
 * A destructive action asked twice: the first click says what will happen and offers the confirming button (whose
 * name is `confirmLabel`) and Cancel.
 */
export function ConfirmButton(props: { label: string; question: ReactNode; confirmLabel: string; onConfirm: () => void; disabled?: boolean }) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" className="danger" disabled={props.disabled} onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  return (
    <div className="confirm" role="group" aria-label={props.label}>
      <p>{props.question}</p>
      <div className="buttons">
        <button
          type="button"
          className="danger"
          disabled={props.disabled}
          onClick={() => {
            setAsking(false);
            props.onConfirm();
          }}
        >
          {props.confirmLabel}
        </button>
        <button type="button" onClick={() => setAsking(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}
