// Write Codex Manager plugins in JavaScript (built into a WebAssembly component by componentize-qjs, QuickJS).
//
// The WIT world `codex-manager:plugin/plugin@{{wit}}` as JavaScript, made pleasant as the Rust SDK does for Rust:
//
//   import { Plugin, exportPlugin, ToolResult, log } from "./codex-manager-plugin/index.js";
//   class Hello extends Plugin {
//     onEvent(event) { log.info(`${event.kind} in ${event.sessionId}`); }
//     callTool(call) { return ToolResult.ok(`hello ${call.json().name}`); }
//   }
//   export const handler = exportPlugin(new Hello());   // the export MUST be called `handler`
//
// WIT to JavaScript: records are objects with camelCase keys (`session-id` -> `sessionId`), an `option` is the
// value or `null`, a variant is `{ tag, val }` (tags as in the WIT, `retry-later`), an enum is its case name as a
// string ("info"), `s64`/`u64` are numbers, `list<u8>` a Uint8Array or an array.
//
// Host calls (`kv`, `sessions`, `notes`, ...) throw a `HostError` when the host refuses or fails (a capability not
// granted, a missing session). An uncaught HostError in `onEvent` or `callTool` becomes the call's error, as `?` does
// in Rust. Any other exception a handler lets through fails the call with its message and stack as the error
// (`runJob`: a `failed` outcome), shown by `codex-manager plugin logs ID`.
//
// Every call runs in a fresh instance: keep state in `kv`, not in module variables.

// `plugin new` writes one `import * as` per interface the world imports, and `raw`, the bindings by interface name.
// {{imports}}

/** The version of the WIT package this helper is built against. */
export const WIT_VERSION = "{{wit}}";

/** A host call that did not do what was asked: `kind` is denied, not-found, conflict, invalid or unavailable. */
export class HostError extends Error {
  constructor(kind, message) {
    super(`${kind}: ${message}`);
    this.name = "HostError";
    this.kind = kind;
    this.detail = message;
  }
  get isDenied() { return this.kind === "denied"; }
  get isNotFound() { return this.kind === "not-found"; }
  /** Worth trying again later (the host was busy or restarting). */
  get isTransient() { return this.kind === "unavailable"; }

  // What a binding throws for a WIT `error`: the variant itself, or wrapped in `payload` by some engines.
  static from(thrown) {
    const v = thrown && typeof thrown === "object" && "payload" in thrown ? thrown.payload : thrown;
    if (v && typeof v === "object" && typeof v.tag === "string") return new HostError(v.tag, String(v.val ?? ""));
    return null;
  }
}

// One host interface: each function as the bindings have it, throwing HostError for a WIT error.
function host(raw) {
  const out = {};
  for (const [name, fn] of Object.entries(raw)) {
    if (typeof fn !== "function") continue;
    out[name] = (...args) => {
      try {
        return fn(...args);
      } catch (e) {
        throw HostError.from(e) ?? e;
      }
    };
  }
  return out;
}

/** The host's log (every plugin may write to it). */
export const log = {
  debug: (message) => raw.log.log("debug", String(message)),
  info: (message) => raw.log.log("info", String(message)),
  warn: (message) => raw.log.log("warn", String(message)),
  error: (message) => raw.log.log("error", String(message)),
};
/** Every interface the world imports, by name (`hostApi.settings` where the WIT has it), wrapped like those below. */
export const hostApi = Object.fromEntries(Object.entries(raw).map(([name, ns]) => [name, host(ns)]));
/** `kv.get(key) -> string | null`, `kv.set(key, value)`, `kv.delete(key)` (capability `kv`). */
export const kv = hostApi.kv;
export const sessions = hostApi.sessions;
export const turns = hostApi.turns;
export const requests = hostApi.requests;
export const http = hostApi.http;
export const jobs = hostApi.jobs;
export const workers = hostApi.workers;
export const notes = hostApi.notes;
/** WIT 0.2.0: `settings.get(key) -> string | null`, `settings.all() -> JSON text` (undefined on 0.1.0). */
export const settings = hostApi.settings;

/** Parse a JSON string field (`event.data`, `job.payload`, `call.arguments`); null for an empty one. */
export function json(text) {
  return text ? JSON.parse(text) : null;
}

/** What a tool answers Codex: `ok(text)`, or `failure(text)` for a failure Codex should read (bad arguments). */
export const ToolResult = {
  ok: (output) => ({ output: typeof output === "string" ? output : JSON.stringify(output), success: true }),
  failure: (output) => ({ output: String(output), success: false }),
};

/** How a job ended. */
export const JobOutcome = {
  succeeded: (value = null) => ({ tag: "succeeded", val: JSON.stringify(value) }),
  retryLater: (afterMs, reason) => ({ tag: "retry-later", val: { afterMs, reason: String(reason) } }),
  failed: (reason) => ({ tag: "failed", val: String(reason) }),
  /** Retry a transient host error later; fail on any other. */
  fromError: (error, afterMs = 10000) =>
    error.isTransient ? JobOutcome.retryLater(afterMs, error.detail) : JobOutcome.failed(error.message),
};

/** What a plugin implements: extend it and override what plugin.toml declares. */
export class Plugin {
  /** An event it subscribed to (`event.kind`, `event.sessionId`, `event.json()` for its data). */
  onEvent(event) {}
  /** A job of a kind it declared; returns a JobOutcome. */
  runJob(job) {
    return JobOutcome.failed("this plugin runs no jobs");
  }
  /** A tool it offers; returns a ToolResult (or a string, taken as a success). */
  callTool(call) {
    throw `this plugin offers no tool \`${call.tool}\``;
  }
}

const withJson = (record, field) => Object.assign(record, { json: () => json(record[field]) });

// What the call's error says about an exception the plugin did not handle: a HostError as `kind: message`, anything
// else with its stack.
function report(e) {
  if (e instanceof HostError) return e.message;
  if (e instanceof Error) return `${e.name}: ${e.message}${e.stack ? "\n" + e.stack : ""}`;
  return String(e);
}

/** The component's `handler` export for a Plugin: `export const handler = exportPlugin(new MyPlugin());`. */
export function exportPlugin(plugin) {
  return {
    onEvent(event) {
      try {
        plugin.onEvent(withJson(event, "data"));
      } catch (e) {
        throw report(e);
      }
    },
    runJob(job) {
      try {
        return plugin.runJob(withJson(job, "payload"));
      } catch (e) {
        return e instanceof HostError ? JobOutcome.fromError(e) : JobOutcome.failed(report(e));
      }
    },
    callTool(call) {
      let result;
      try {
        result = plugin.callTool(withJson(call, "arguments"));
      } catch (e) {
        throw report(e);
      }
      return typeof result === "string" ? ToolResult.ok(result) : result;
    },
  };
}
