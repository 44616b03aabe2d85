// How each transcript item looks: messages, reasoning, commands, file changes, plans, tool calls.
import { memo, useMemo, type MouseEvent } from "react";
import { renderMarkdown } from "../lib/markdown";
import type { ItemView } from "../lib/transcript";
import { formatDuration, Json } from "./ui";

function copy(text: string) {
  void navigator.clipboard?.writeText(text).catch(() => undefined);
}

/** Click on a code block's copy button (delegated: the markdown is HTML). */
function onMarkdownClick(e: MouseEvent<HTMLDivElement>) {
  const btn = (e.target as HTMLElement).closest(".copy-code");
  if (!btn) return;
  const code = btn.parentElement?.querySelector("code")?.textContent ?? "";
  copy(code);
  btn.textContent = "Copied";
  setTimeout(() => (btn.textContent = "Copy"), 1200);
}

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  return <div className="markdown" onClick={onMarkdownClick} dangerouslySetInnerHTML={{ __html: html }} />;
});

function userText(item: ItemView): string {
  const content = item.item.content;
  if (Array.isArray(content)) {
    return content
      .map((c: any) => (c?.type === "text" ? c.text : c?.type === "image" || c?.type === "localImage" ? `[image ${c.path ?? c.url ?? ""}]` : ""))
      .join("\n");
  }
  return item.text;
}

/** A unified diff, or a whole file for an added one, with +/- lines coloured. */
export function DiffView({ diff, kind }: { diff: string; kind?: string }) {
  const lines = diff.replace(/\n$/, "").split("\n");
  const isUnified = lines.some((l) => l.startsWith("@@"));
  return (
    <pre className="diff" aria-label="diff">
      {lines.map((l, i) => {
        let cls = "";
        if (!isUnified && kind === "add") cls = "add";
        else if (!isUnified && kind === "delete") cls = "del";
        else if (l.startsWith("+") && !l.startsWith("+++")) cls = "add";
        else if (l.startsWith("-") && !l.startsWith("---")) cls = "del";
        else if (l.startsWith("@@")) cls = "hunk";
        const prefix = !isUnified && kind === "add" ? "+" : !isUnified && kind === "delete" ? "-" : "";
        return (
          <div key={i} className={cls}>
            {prefix}
            {l || " "}
          </div>
        );
      })}
    </pre>
  );
}

export function FileChanges({ changes }: { changes: any[] }) {
  return (
    <div className="file-changes">
      {changes.map((c, i) => {
        const kind = typeof c.kind === "string" ? c.kind : c.kind?.type;
        return (
          <details key={i} open={changes.length <= 3}>
            <summary>
              <span className={`change-kind ${kind}`}>{kind ?? "update"}</span> <code>{c.path}</code>
              {c.kind?.move_path ? (
                <>
                  {" "}→ <code>{c.kind.move_path}</code>
                </>
              ) : null}
            </summary>
            {typeof c.diff === "string" && <DiffView diff={c.diff} kind={kind} />}
          </details>
        );
      })}
    </div>
  );
}

function statusText(item: ItemView, waiting = false): string {
  const st = item.item.status as string | undefined;
  if (item.closedByHost) return `stopped: ${item.closedByHost}`;
  if (!item.done) return waiting ? "waiting for approval" : "running";
  return st ?? "done";
}

function CommandItem({ item, waiting }: { item: ItemView; waiting: boolean }) {
  const it = item.item;
  const exit = it.exitCode;
  const cmd = String(it.command ?? "");
  const output = item.output;
  return (
    <section className={`item command ${item.done ? "done" : waiting ? "waiting" : "running"}`} aria-label="command" data-state={item.done ? "done" : waiting ? "waiting" : "running"}>
      <header>
        <span className="item-kind">$</span>
        <code className="cmd">{cmd}</code>
        <button type="button" className="small" aria-label="Copy command" onClick={() => copy(cmd)}>
          Copy
        </button>
      </header>
      <pre className="terminal" aria-label="command output" aria-live={item.done ? "off" : "polite"}>
        {output || (item.done ? "(no output)" : waiting ? "(not run yet)" : "…")}
      </pre>
      <footer>
        {it.cwd && <span className="muted">in {String(it.cwd)}</span>}
        <span className={`exit ${exit === 0 ? "ok" : exit != null ? "bad" : ""}`} data-exit-code={exit ?? ""}>
          {exit != null ? `exit ${exit}` : statusText(item, waiting)}
        </span>
        {it.durationMs != null && <span className="muted">{formatDuration(it.durationMs)}</span>}
      </footer>
    </section>
  );
}

function ToolCallItem({ item }: { item: ItemView }) {
  const it = item.item;
  const name = it.type === "mcpToolCall" ? `${it.server ?? "mcp"} › ${it.tool ?? ""}` : String(it.tool ?? it.name ?? "tool");
  const result = it.result ?? it.contentItems ?? it.output;
  return (
    <details className="item tool" open={!item.done}>
      <summary>
        <span className="item-kind">{it.type === "mcpToolCall" ? "MCP" : "tool"}</span> <code>{name}</code>{" "}
        <span className="muted">{statusText(item)}</span>
        {it.durationMs != null && <span className="muted"> · {formatDuration(it.durationMs)}</span>}
      </summary>
      {it.arguments !== undefined && (
        <>
          <h4>Arguments</h4>
          <Json value={it.arguments} />
        </>
      )}
      {item.progress.length > 0 && (
        <ul className="progress">
          {item.progress.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      )}
      {result != null && (
        <>
          <h4>Result</h4>
          <Json value={result} />
        </>
      )}
      {it.error && <p className="error">{typeof it.error === "string" ? it.error : (it.error.message ?? JSON.stringify(it.error))}</p>}
    </details>
  );
}

export const ItemBlock = memo(
  function ItemBlock({ item, waiting = false }: { item: ItemView; v: string; /** An approval about it is pending. */ waiting?: boolean }) {
    switch (item.type) {
      case "userMessage":
        return (
          <div className="msg user" aria-label="your message">
            <div className="bubble">{userText(item)}</div>
          </div>
        );
      case "agentMessage":
        return (
          <div className={`msg assistant ${item.done ? "done" : "streaming"}`} aria-label="assistant reply">
            <Markdown text={item.text} />
            {!item.done && <span className="cursor" aria-hidden="true" />}
            {item.done && item.text && (
              <button type="button" className="small copy-reply" aria-label="Copy reply" onClick={() => copy(item.text)}>
                Copy
              </button>
            )}
          </div>
        );
      case "reasoning": {
        const text = item.reasoning.filter(Boolean).join("\n\n");
        if (!text && item.done) return null;
        return (
          <details className="item reasoning">
            <summary>{item.done ? "Reasoning" : "Reasoning…"}</summary>
            <Markdown text={text || "…"} />
          </details>
        );
      }
      case "commandExecution":
        return <CommandItem item={item} waiting={waiting} />;
      case "fileChange":
        return (
          <section className="item file-change" aria-label="file changes">
            <header>
              <span className="item-kind">edit</span> <span className="muted">{statusText(item, waiting)}</span>
            </header>
            <FileChanges changes={Array.isArray(item.item.changes) ? item.item.changes : []} />
          </section>
        );
      case "plan":
        return (
          <section className="item plan" aria-label="plan">
            <Markdown text={item.text} />
          </section>
        );
      case "mcpToolCall":
      case "dynamicToolCall":
      case "collabAgentToolCall":
        return <ToolCallItem item={item} />;
      case "webSearch":
        return (
          <div className="item small-line">
            <span className="item-kind">search</span> {String(item.item.query ?? "")}
          </div>
        );
      case "contextCompaction":
        return <div className="item small-line muted">Context compacted</div>;
      case "enteredReviewMode":
      case "exitedReviewMode":
        return <div className="item small-line muted">{item.type === "enteredReviewMode" ? "Review started" : "Review finished"}</div>;
      default:
        return (
          <details className="item other">
            <summary>
              <span className="item-kind">{item.type}</span> <span className="muted">{statusText(item)}</span>
            </summary>
            <Json value={item.item} />
          </details>
        );
    }
  },
  (a, b) => a.item === b.item && a.v === b.v && a.waiting === b.waiting,
);

/** A cheap fingerprint of an item's mutable parts, so memoized rows re-render only when they change. */
export function itemVersion(item: ItemView): string {
  return `${item.text.length}|${item.output.length}|${item.reasoning.join("").length}|${item.done}|${item.closedByHost ?? ""}|${item.progress.length}|${item.item.status ?? ""}|${item.item.exitCode ?? ""}|${Array.isArray(item.item.changes) ? item.item.changes.length : 0}`;
}
